import { describe, expect, it } from 'vitest';
import { UpstreamBadResponseError } from '../shared/errors.js';
import { decodeComuni, decodeRegistry } from './model.js';

const document = {
  revisione: '2014-12-31T00:00:00+01:00',
  sportelli: [
    {
      codice: 'PA-CGIL-1',
      tipo: 'PRIMA_ACCOGLIENZA',
      denominazione: 'Punto di prima accoglienza CGIL',
      indirizzo: 'Piazza Mercatale 89',
      comune: '100005',
      circoscrizione: null,
      ente: 'CGIL',
      orari: [{ giorno: 'MAR', dalle: '09:00', alle: '12:30' }],
      servizi: ['ISCRIZIONE', 'ASSISTENZA_CO'],
      accreditamento: { numero: 'ACC-1', dal: '2010-01-15', al: null },
      postazioniPubbliche: 0,
      apertura: '2009-09-01',
      chiusura: null,
    },
  ],
  enti: [{ codice: 'CGIL', denominazione: 'CGIL Prato', tipo: 'SINDACATO' }],
};

describe('registry model', () => {
  it('decodes the Italian registry document into English domain types', () => {
    expect(decodeRegistry(document)).toEqual({
      revision: '2014-12-31T00:00:00+01:00',
      desks: [
        {
          id: 'PA-CGIL-1',
          kind: 'FIRST_RECEPTION_POINT',
          name: 'Punto di prima accoglienza CGIL',
          address: 'Piazza Mercatale 89',
          comuneIstat: '100005',
          district: null,
          hostId: 'CGIL',
          openingHours: [{ day: 'TUESDAY', opens: '09:00', closes: '12:30' }],
          services: ['REGISTRATION', 'COMMUNICATIONS_ASSISTANCE'],
          accreditation: { number: 'ACC-1', validFrom: '2010-01-15', validTo: null },
          publicWorkstationCount: 0,
          openedOn: '2009-09-01',
          closedOn: null,
        },
      ],
      hosts: [{ id: 'CGIL', name: 'CGIL Prato', kind: 'TRADE_UNION' }],
    });
  });

  it('refuses an unknown desk kind with UPSTREAM_BAD_RESPONSE naming the field, not the value', () => {
    const bad = { ...document, sportelli: [{ ...document.sportelli[0], tipo: 'SEGRETO-XYZ' }] };
    let error: unknown;
    try {
      decodeRegistry(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect((error as UpstreamBadResponseError).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect((error as Error).message).toContain('tipo');
    expect((error as Error).message).not.toContain('SEGRETO-XYZ');
  });

  it('keeps each desk, host and comune once, the first copy, when the registry repeats one', () => {
    const [desk] = document.sportelli;
    const repeated = {
      ...document,
      sportelli: [desk, { ...desk, denominazione: 'Punto di prima accoglienza CGIL BIS' }],
      enti: [...document.enti, ...document.enti],
    };
    const registry = decodeRegistry(repeated);
    expect(registry.desks.map((d) => d.name)).toEqual(['Punto di prima accoglienza CGIL']);
    expect(registry.hosts).toHaveLength(1);
    const prato = {
      istat: '100005',
      belfiore: 'G999',
      denominazione: 'Prato',
      cap: '59100',
      provincia: 'PO',
    };
    const comuni = decodeComuni({ comuni: [prato, { ...prato, denominazione: 'Prato BIS' }] });
    expect(comuni.map((c) => c.name)).toEqual(['Prato']);
  });
});
