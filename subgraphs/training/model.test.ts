import { describe, expect, it } from 'vitest';
import { UpstreamBadResponseError } from '../shared/errors.js';
import {
  decodeAreas,
  decodeCertificates,
  decodeCourse,
  decodeCoursePage,
  decodeCourseUsage,
  decodeEnrollments,
  decodeWorkstations,
} from './model.js';

const CF = 'RSSMRA80A01G999X';
const corso = {
  id: 'TR0001',
  codice: 'INF-0001',
  titolo: 'Foglio elettronico: primi passi',
  area: 'INF',
  ore: 12,
  livello: 'BASE',
  certificabile: true,
  tutor: true,
  descrizione: '...',
};

function badResponse(fn: () => unknown): UpstreamBadResponseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamBadResponseError);
    return err as UpstreamBadResponseError;
  }
  throw new Error('expected a bad response');
}

describe('trio model', () => {
  it('decodes a course and maps its level', () => {
    expect(decodeCourse(corso)).toEqual({
      id: 'TR0001',
      code: 'INF-0001',
      title: 'Foglio elettronico: primi passi',
      areaCode: 'INF',
      hours: 12,
      level: 'BASIC',
      certifiable: true,
      tutoring: true,
      description: '...',
    });
    expect(decodeCourse({ ...corso, livello: 'INTERMEDIO', descrizione: null }).level).toBe(
      'INTERMEDIATE',
    );
    expect(decodeCourse({ ...corso, livello: 'AVANZATO' }).level).toBe('ADVANCED');
  });

  it('decodes a catalogue page', () => {
    expect(
      decodeCoursePage({ totale: 31, pagina: 2, dimensione: 20, corsi: [corso] }),
    ).toMatchObject({
      total: 31,
      page: 2,
      size: 20,
      items: [{ id: 'TR0001' }],
    });
  });

  it('decodes areas', () => {
    expect(
      decodeAreas({ aree: [{ codice: 'INF', denominazione: 'Informatica', descrizione: 'x' }] }),
    ).toEqual([{ code: 'INF', name: 'Informatica', description: 'x' }]);
  });

  it('keeps each area once, the first copy, when trio repeats one', () => {
    const inf = { codice: 'INF', denominazione: 'Informatica', descrizione: null };
    const areas = decodeAreas({
      aree: [
        inf,
        { codice: 'LIN', denominazione: 'Lingue' },
        { ...inf, denominazione: 'Informatica BIS' },
      ],
    });
    expect(areas.map((a) => a.name)).toEqual(['Informatica', 'Lingue']);
  });

  it('decodes enrolments and maps their status, upper-casing the fiscal code', () => {
    const iscrizione = {
      id: 'I0000001',
      codiceFiscale: CF.toLowerCase(),
      corso: 'TR0001',
      data: '2012-02-01',
      stato: 'COMPLETATO',
      avanzamento: 100,
      sportello: 'PO-NORD',
    };
    expect(
      decodeEnrollments({
        iscrizioni: [
          iscrizione,
          { ...iscrizione, stato: 'IN_CORSO', sportello: null },
          { ...iscrizione, stato: 'RITIRATO' },
        ],
      }),
    ).toEqual([
      {
        id: 'I0000001',
        fiscalCode: CF,
        courseId: 'TR0001',
        enrolledOn: '2012-02-01',
        status: 'COMPLETED',
        progress: 100,
        deskId: 'PO-NORD',
      },
      {
        id: 'I0000001',
        fiscalCode: CF,
        courseId: 'TR0001',
        enrolledOn: '2012-02-01',
        status: 'IN_PROGRESS',
        progress: 100,
        deskId: null,
      },
      {
        id: 'I0000001',
        fiscalCode: CF,
        courseId: 'TR0001',
        enrolledOn: '2012-02-01',
        status: 'WITHDRAWN',
        progress: 100,
        deskId: 'PO-NORD',
      },
    ]);
  });

  it('decodes certificates', () => {
    expect(
      decodeCertificates({
        attestati: [
          { id: 'T1', codiceFiscale: CF, corso: 'TR0001', data: '2012-03-15', punteggio: 27 },
        ],
      }),
    ).toEqual([
      { id: 'T1', fiscalCode: CF, courseId: 'TR0001', issuedOn: '2012-03-15', score: 27 },
    ]);
  });

  it('decodes workstations without keeping who booked them', () => {
    const decoded = decodeWorkstations({
      postazioni: [
        {
          id: 'PO-NORD-1',
          sportello: 'PO-NORD',
          etichetta: 'Postazione 1',
          prenotazioni: [
            {
              id: 'B1',
              inizio: '2014-12-01T09:00:00+01:00',
              fine: '2014-12-01T10:00:00+01:00',
              codiceFiscale: CF,
            },
          ],
        },
      ],
    });
    expect(decoded).toEqual([
      {
        id: 'PO-NORD-1',
        deskId: 'PO-NORD',
        label: 'Postazione 1',
        bookings: [
          { id: 'B1', startsAt: '2014-12-01T09:00:00+01:00', endsAt: '2014-12-01T10:00:00+01:00' },
        ],
      },
    ]);
    expect(JSON.stringify(decoded)).not.toContain(CF);
  });

  it('decodes usage rows, absent dimensions as null', () => {
    expect(
      decodeCourseUsage({
        gruppi: [
          { mese: '2012-01', sportello: null, iscrizioni: 5, completati: 2, persone: 4 },
          { area: 'INF', iscrizioni: 1, completati: 0, persone: 1 },
        ],
      }),
    ).toEqual([
      { month: '2012-01', deskId: null, areaCode: null, enrollments: 5, completions: 2, people: 4 },
      { month: null, deskId: null, areaCode: 'INF', enrollments: 1, completions: 0, people: 1 },
    ]);
  });

  it('refuses an unknown code as UPSTREAM_BAD_RESPONSE without echoing the value', () => {
    const err = badResponse(() => decodeCourse({ ...corso, livello: 'ESPERTO' }));
    expect(err.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(err.upstream).toBe('trio');
    expect(err.message).toContain('livello');
    expect(err.message).not.toContain('ESPERTO');
  });

  it('refuses a malformed document without echoing personal data', () => {
    const err = badResponse(() =>
      decodeEnrollments({
        iscrizioni: [
          {
            id: 'I1',
            codiceFiscale: CF,
            corso: 'TR0001',
            data: '2012-02-01',
            stato: 'PERSO',
            avanzamento: 0,
            sportello: null,
          },
        ],
      }),
    );
    expect(err.message).not.toContain(CF);
    expect(err.message).not.toContain('PERSO');
    expect(
      badResponse(() => decodeCoursePage({ totale: '3', pagina: 1, dimensione: 20, corsi: [] }))
        .code,
    ).toBe('UPSTREAM_BAD_RESPONSE');
    expect(badResponse(() => decodeWorkstations({ postazioni: {} })).code).toBe(
      'UPSTREAM_BAD_RESPONSE',
    );
    expect(badResponse(() => decodeAreas(null)).code).toBe('UPSTREAM_BAD_RESPONSE');
  });
});
