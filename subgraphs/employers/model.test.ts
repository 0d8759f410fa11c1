import { describe, expect, it } from 'vitest';
import { UpstreamBadResponseError } from '../shared/errors.js';
import {
  decodeCommunicationPage,
  decodeCommunications,
  decodeEmployerPage,
  decodeEmployers,
  decodeFlows,
  decodeVacancies,
  describeCitizenship,
  describeCollectiveAgreement,
  describeContractType,
  describeOccupation,
  describeSector,
  describeSizeClass,
  describeWorkingTime,
} from './model.js';

const azienda = {
  id: 'A000001',
  codiceFiscale: '01234567890',
  ragioneSociale: 'LANIFICIO BIANCHI S.R.L.',
  ateco: '13.20.00',
  classeDimensionale: '2',
  sede: { indirizzo: 'Via Bologna 12', comune: '100005', cap: '59100' },
  ccnl: '018',
  delegati: ['CNA', 'UIP'],
};

const comunicazione = {
  id: 'C00000001',
  codice: '0901411000012345',
  modulo: 'UNILAV',
  tipo: 'ASS',
  natura: 'ORDINARIA',
  precedente: null,
  dataInvio: '2011-01-09',
  azienda: 'A000001',
  sedeLavoro: '100005',
  lavoratore: {
    codiceFiscale: 'rssmra80a01g999x',
    cognome: 'ROSSI',
    nome: 'MARIO',
    sesso: 'M',
    dataNascita: '1980-01-01',
    luogoNascita: 'G999',
    cittadinanza: '000',
    titoloStudio: '4',
  },
  dataInizio: '2011-01-10',
  dataFine: '2011-06-30',
  tipologiaContrattuale: 'A.02.00',
  tipoOrario: 'F',
  oreSettimanali: null,
  ccnl: '018',
  qualifica: '6.5.3.1.2.1',
  trasformazione: null,
  causaCessazione: null,
  sportello: 'PO-NORD',
};

const offerta = {
  id: 'O000001',
  azienda: 'A000001',
  qualifica: '6.5.3.1.2.1',
  tipologiaContrattuale: 'A.02.00',
  comune: '100005',
  posti: 2,
  dataPubblicazione: '2014-11-03',
  dataScadenza: '2015-01-31',
  stato: 'APERTA',
  descrizione: 'Tessitore/tessitrice su telai jacquard',
};

function badResponse(decode: () => unknown): UpstreamBadResponseError {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamBadResponseError);
    return err as UpstreamBadResponseError;
  }
  throw new Error('expected the decoder to refuse the document');
}

describe('decodeEmployers', () => {
  it('decodes co aziende into employers', () => {
    expect(decodeEmployers({ aziende: [azienda] })).toEqual([
      {
        id: 'A000001',
        fiscalCode: '01234567890',
        name: 'LANIFICIO BIANCHI S.R.L.',
        atecoCode: '13.20.00',
        sizeClassCode: '2',
        seat: { street: 'Via Bologna 12', comuneCode: '100005', postalCode: '59100' },
        ccnlCode: '018',
        delegations: ['CNA', 'UIP'],
      },
    ]);
  });

  it('reads an employer without delegati as delegating nobody', () => {
    const withoutDelegations: Record<string, unknown> = { ...azienda };
    delete withoutDelegations.delegati;
    expect(decodeEmployers({ aziende: [withoutDelegations] })[0]?.delegations).toEqual([]);
    expect(decodeEmployers({ aziende: [{ ...azienda, delegati: [] }] })[0]?.delegations).toEqual(
      [],
    );
  });

  it.each([
    ['a string', 'CNA'],
    ['a number in the list', ['CNA', 7]],
    ['an empty code', ['']],
  ])('refuses delegati given as %s, naming the field', (_, delegati) => {
    const err = badResponse(() => decodeEmployers({ aziende: [{ ...azienda, delegati }] }));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.message).toContain('delegati');
  });

  it('reads a paged search answer', () => {
    const page = decodeEmployerPage({
      totale: 7,
      pagina: 2,
      dimensione: 5,
      aziende: [{ ...azienda, ccnl: null }],
    });
    expect(page).toMatchObject({ total: 7, page: 2, size: 5 });
    expect(page.items[0]?.ccnlCode).toBeNull();
  });

  it('refuses a malformed employer naming the field, not the value', () => {
    const err = badResponse(() =>
      decodeEmployers({ aziende: [{ ...azienda, ragioneSociale: 42 }] }),
    );
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.upstream).toBe('co');
    expect(err.message).toContain('ragioneSociale');
    expect(err.message).not.toContain('42');
  });
});

describe('decodeCommunications', () => {
  it('maps Italian codes to the schema enums and keeps only the join key of the worker', () => {
    expect(decodeCommunications({ comunicazioni: [comunicazione] })).toEqual([
      {
        id: 'C00000001',
        code: '0901411000012345',
        form: 'UNILAV',
        type: 'HIRING',
        nature: 'ORDINARY',
        previousCode: null,
        sentOn: '2011-01-09',
        employerId: 'A000001',
        workplaceCode: '100005',
        workerFiscalCode: 'RSSMRA80A01G999X',
        startDate: '2011-01-10',
        endDate: '2011-06-30',
        contractTypeCode: 'A.02.00',
        workingTimeCode: 'F',
        weeklyHours: null,
        ccnlCode: '018',
        occupationCode: '6.5.3.1.2.1',
        transformationCode: null,
        cessationCauseCode: null,
        deskId: 'PO-NORD',
      },
    ]);
  });

  it.each([
    ['PRO', 'EXTENSION'],
    ['TRS', 'TRANSFORMATION'],
    ['TRD', 'TRANSFER'],
    ['CES', 'TERMINATION'],
    ['VAR', 'EMPLOYER_CHANGE'],
  ])('maps tipo %s to %s', (tipo, type) => {
    expect(decodeCommunications({ comunicazioni: [{ ...comunicazione, tipo }] })[0]?.type).toBe(
      type,
    );
  });

  it('maps the natures', () => {
    const natures = ['ORDINARIA', 'URGENTE', 'RETTIFICA', 'ANNULLAMENTO'].map(
      (natura) =>
        decodeCommunications({ comunicazioni: [{ ...comunicazione, natura }] })[0]?.nature,
    );
    expect(natures).toEqual(['ORDINARY', 'URGENT', 'RECTIFICATION', 'CANCELLATION']);
  });

  it('refuses an unknown event type without echoing it', () => {
    const err = badResponse(() =>
      decodeCommunications({ comunicazioni: [{ ...comunicazione, tipo: 'XYZ' }] }),
    );
    expect(err.message).toContain('tipo');
    expect(err.message).not.toContain('XYZ');
  });

  it('refuses a communication without a worker fiscal code without echoing personal data', () => {
    const err = badResponse(() =>
      decodeCommunications({
        comunicazioni: [
          { ...comunicazione, lavoratore: { cognome: 'ROSSI', codiceFiscale: null } },
        ],
      }),
    );
    expect(err.message).toContain('codiceFiscale');
    expect(err.message).not.toContain('ROSSI');
  });

  it('reads the cursor page of an employer', () => {
    expect(decodeCommunicationPage({ comunicazioni: [], cursore: 'abc', totale: 12 })).toEqual({
      items: [],
      nextCursor: 'abc',
      total: 12,
    });
    expect(
      decodeCommunicationPage({ comunicazioni: [comunicazione], cursore: null, totale: 1 })
        .nextCursor,
    ).toBeNull();
    badResponse(() => decodeCommunicationPage({ comunicazioni: [], cursore: null }));
  });
});

describe('decodeVacancies', () => {
  it('decodes co offerte', () => {
    expect(
      decodeVacancies({ offerte: [offerta, { ...offerta, id: 'O000002', stato: 'CHIUSA' }] }),
    ).toEqual([
      {
        id: 'O000001',
        employerId: 'A000001',
        occupationCode: '6.5.3.1.2.1',
        contractTypeCode: 'A.02.00',
        comuneCode: '100005',
        positions: 2,
        postedOn: '2014-11-03',
        closesOn: '2015-01-31',
        status: 'OPEN',
        description: 'Tessitore/tessitrice su telai jacquard',
      },
      expect.objectContaining({ id: 'O000002', status: 'CLOSED' }),
    ]);
  });

  it('refuses an unknown status', () => {
    badResponse(() => decodeVacancies({ offerte: [{ ...offerta, stato: 'SOSPESA' }] }));
  });
});

describe('decodeFlows', () => {
  it('keeps the dimensions present and nulls the others', () => {
    expect(
      decodeFlows({
        gruppi: [{ mese: '2011-01', tipo: 'CES', genere: 'F', comunicazioni: 12, lavoratori: 10 }],
      }),
    ).toEqual([
      {
        month: '2011-01',
        comuneCode: null,
        sectorDivision: null,
        contractTypeCode: null,
        type: 'TERMINATION',
        sex: 'FEMALE',
        citizenshipCode: null,
        communications: 12,
        workers: 10,
      },
    ]);
  });

  it('refuses an unknown sex code and a missing measure', () => {
    badResponse(() => decodeFlows({ gruppi: [{ genere: 'X', comunicazioni: 1, lavoratori: 1 }] }));
    badResponse(() => decodeFlows({ gruppi: [{ comunicazioni: 1 }] }));
  });
});

describe('code descriptions', () => {
  it('describes contract types from the national list', () => {
    expect(describeContractType('A.01.00')).toMatchObject({
      code: 'A.01.00',
      openEnded: true,
      validTo: null,
    });
    expect(describeContractType('A.02.00')).toMatchObject({
      label: 'LAVORO A TEMPO DETERMINATO',
      openEnded: false,
    });
    expect(describeContractType('Z.99.99')).toEqual({
      code: 'Z.99.99',
      label: 'Z.99.99',
      openEnded: false,
      validFrom: null,
      validTo: null,
    });
  });

  it('describes working time, occupations, sectors, size classes, agreements and citizenships', () => {
    expect(describeWorkingTime('P')).toEqual({
      code: 'P',
      label: 'TEMPO PARZIALE ORIZZONTALE',
      partTime: true,
    });
    expect(describeWorkingTime('F').partTime).toBe(false);
    expect(describeOccupation('9.9.9.9.9.9')).toEqual({ code: '9.9.9.9.9.9', label: null });
    expect(describeOccupation('6.5.3.1.0.1')).toEqual({
      code: '6.5.3.1.0.1',
      label: 'ADDETTO AL CONTROLLO FIBRE',
    });
    expect(describeSector('13.20.00')).toEqual({
      code: '13.20.00',
      division: '13',
      label: 'TESSITURA',
    });
    expect(describeSizeClass('2')).toEqual({ code: '2', label: 'DA 6 A 19' });
    expect(describeCollectiveAgreement('001')).toMatchObject({
      code: '001',
      sector: 'Abbigliamento',
    });
    expect(describeCollectiveAgreement('zzz')).toEqual({ code: 'zzz', sector: null, label: null });
    expect(describeCitizenship('000')).toEqual({
      code: '000',
      name: 'ITALIA',
      europeanUnion: true,
    });
  });
});
