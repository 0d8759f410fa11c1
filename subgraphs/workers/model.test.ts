import { describe, expect, it } from 'vitest';
import { UpstreamBadResponseError } from '../shared/errors.js';
import {
  decodeCandidacies,
  decodeGuidanceSessions,
  decodeIncomeSupportEpisodes,
  decodeProfiles,
  decodeRegistrationStats,
  decodeWorkerPage,
  decodeWorkers,
} from './model.js';

const lavoratore = {
  id: 'L0000001',
  codiceFiscale: 'RSSMRA80A01G999X',
  cognome: 'ROSSI',
  nome: 'MARIO',
  sesso: 'M',
  dataNascita: '1980-01-01',
  luogoNascita: 'G999',
  cittadinanza: '000',
  residenza: { indirizzo: 'Via Roma 1', comune: '100005', cap: '59100' },
  titoloStudio: '4',
};

const worker = {
  id: 'L0000001',
  fiscalCode: 'RSSMRA80A01G999X',
  fiscalCodeKey: 'RSSMRA80A01G999X',
  givenName: 'MARIO',
  familyName: 'ROSSI',
  sex: 'MALE',
  birthDate: '1980-01-01',
  birthPlaceCode: 'G999',
  citizenshipCode: '000',
  residence: { street: 'Via Roma 1', comuneCode: '100005', postalCode: '59100' },
  educationLevelCode: '4',
};

/** The error a decoder throws, checked to be a bad-response error that echoes no value. */
function decodeError(decode: () => unknown, ...secrets: string[]): UpstreamBadResponseError {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamBadResponseError);
    const error = err as UpstreamBadResponseError;
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.upstream).toBe('idol');
    for (const secret of secrets) expect(error.message).not.toContain(secret);
    return error;
  }
  throw new Error('expected the decoder to fail');
}

describe('idol model', () => {
  it('decodes registry records, with the upper-case fiscal code as join key', () => {
    expect(decodeWorkers({ lavoratori: [lavoratore] })).toEqual([worker]);
    const [lower] = decodeWorkers({
      lavoratori: [
        { ...lavoratore, codiceFiscale: 'rssmra80a01g999x', residenza: null, titoloStudio: null },
      ],
    });
    expect(lower).toMatchObject({
      fiscalCode: 'rssmra80a01g999x',
      fiscalCodeKey: 'RSSMRA80A01G999X',
      residence: null,
    });
    expect(lower!.educationLevelCode).toBeNull();
  });

  it('decodes a search page with its total', () => {
    expect(
      decodeWorkerPage({ totale: 1234, pagina: 2, dimensione: 50, lavoratori: [lavoratore] }),
    ).toEqual({
      total: 1234,
      page: 2,
      size: 50,
      items: [worker],
    });
  });

  it('refuses a malformed record naming the field, never the value', () => {
    const error = decodeError(
      () =>
        decodeWorkers({
          lavoratori: [{ ...lavoratore, sesso: 'X', codiceFiscale: 'RSSMRA80A01G999X' }],
        }),
      'RSSMRA80A01G999X',
      'ROSSI',
    );
    expect(error.message).toContain('sesso');
    decodeError(
      () => decodeWorkers({ lavoratori: [{ ...lavoratore, dataNascita: 19800101 }] }),
      '19800101',
    );
    decodeError(() => decodeWorkers({ persone: [] }));
  });

  it('decodes a scheda and maps status, special lists and income support to English', () => {
    const [profile] = decodeProfiles({
      schede: [
        {
          lavoratore: 'L0000001',
          sportello: 'PO-NORD',
          statoOccupazionale: '03',
          condizione: 'SO',
          dataAnzianita: '2011-03-04',
          did: {
            data: '2011-03-04',
            sportello: 'PO-NORD',
            dataFine: '2012-01-01',
            causaFine: '03',
          },
          patti: [{ data: '2011-03-11', sportello: 'PO-NORD' }],
          listeSpeciali: [
            { lista: '1', dal: '2011-04-01', al: null, categoria: null },
            { lista: '3', dal: '2011-04-01', al: '2012-04-01', categoria: 'D1' },
          ],
          ammortizzatori: [
            { tipo: 'CIGD', azienda: 'A000123', dal: '2010-02-01', al: '2010-11-30' },
            { tipo: 'COSD', azienda: 'A000124', dal: '2011-02-01', al: null },
          ],
        },
      ],
    });
    expect(profile).toEqual({
      workerId: 'L0000001',
      deskId: 'PO-NORD',
      status: 'EMPLOYED_SEEKING',
      conditionCode: 'SO',
      unemployedSince: '2011-03-04',
      availabilityDeclaration: {
        signedOn: '2011-03-04',
        deskId: 'PO-NORD',
        endedOn: '2012-01-01',
        endCauseCode: '03',
      },
      servicePacts: [{ signedOn: '2011-03-11', deskId: 'PO-NORD' }],
      specialLists: [
        { list: 'MOBILITY_223_91', from: '2011-04-01', to: null, category: null },
        { list: 'TARGETED_PLACEMENT', from: '2011-04-01', to: '2012-04-01', category: 'D1' },
      ],
      incomeSupport: [
        {
          workerId: 'L0000001',
          employerId: 'A000123',
          kind: 'CIG_IN_DEROGA',
          from: '2010-02-01',
          to: '2010-11-30',
        },
        {
          workerId: 'L0000001',
          employerId: 'A000124',
          kind: 'SOLIDARITY_CONTRACT',
          from: '2011-02-01',
          to: null,
        },
      ],
    });
  });

  it('refuses an unknown employment status or income-support kind', () => {
    const scheda = {
      lavoratore: 'L0000001',
      sportello: 'PO-NORD',
      statoOccupazionale: '02',
      condizione: null,
      dataAnzianita: null,
      did: { data: '2011-03-04', sportello: 'PO-NORD', dataFine: null, causaFine: null },
      patti: [],
      listeSpeciali: [],
      ammortizzatori: [],
    };
    expect(decodeProfiles({ schede: [scheda] })).toHaveLength(1);
    expect(
      decodeError(() => decodeProfiles({ schede: [{ ...scheda, statoOccupazionale: '09' }] }))
        .message,
    ).toContain('statoOccupazionale');
    decodeError(() =>
      decodeProfiles({
        schede: [
          { ...scheda, ammortizzatori: [{ tipo: 'XYZ', azienda: 'A1', dal: '2010-01-01' }] },
        ],
      }),
    );
    decodeError(() => decodeProfiles({ schede: [{ ...scheda, did: null }] }));
  });

  it('decodes guidance sessions, candidacies, income-support episodes and statistics', () => {
    expect(
      decodeGuidanceSessions({
        colloqui: [
          {
            id: 'G1',
            lavoratore: 'L1',
            sportello: 'MM',
            data: '2011-03-11',
            tipo: 'BILANCIO_COMPETENZE',
            esito: 'PROPOSTA_FORMATIVA',
          },
        ],
      }),
    ).toEqual([
      {
        id: 'G1',
        workerId: 'L1',
        deskId: 'MM',
        date: '2011-03-11',
        kind: 'SKILLS_ASSESSMENT',
        outcome: 'TRAINING_PROPOSED',
      },
    ]);
    expect(
      decodeCandidacies({
        candidature: [
          {
            offerta: 'O1',
            lavoratore: 'L1',
            punteggio: 0.83,
            stato: 'COLLOQUIO',
            data: '2014-11-03',
          },
        ],
      }),
    ).toEqual([
      {
        vacancyId: 'O1',
        workerId: 'L1',
        score: 0.83,
        status: 'INTERVIEW',
        matchedOn: '2014-11-03',
      },
    ]);
    decodeError(() =>
      decodeCandidacies({
        candidature: [
          {
            offerta: 'O1',
            lavoratore: 'L1',
            punteggio: 1.5,
            stato: 'PROPOSTA',
            data: '2014-11-03',
          },
        ],
      }),
    );
    expect(
      decodeIncomeSupportEpisodes({
        ammortizzatori: [
          { lavoratore: 'L1', azienda: 'A1', tipo: 'LSU', dal: '2010-01-01', al: null },
        ],
      }),
    ).toEqual([
      {
        workerId: 'L1',
        employerId: 'A1',
        kind: 'SOCIALLY_USEFUL_WORK',
        from: '2010-01-01',
        to: null,
      },
    ]);
    expect(
      decodeRegistrationStats({
        gruppi: [
          { mese: '2011-01', genere: 'F', fasciaEta: '55+', stato: '01', iscrizioni: 12 },
          { sportello: 'PO-NORD', comune: '100005', iscrizioni: 3 },
        ],
      }),
    ).toEqual([
      {
        month: '2011-01',
        deskId: null,
        comuneCode: null,
        status: 'NEVER_EMPLOYED',
        sex: 'FEMALE',
        ageBand: 'AGE_55_PLUS',
        registrations: 12,
      },
      {
        month: null,
        deskId: 'PO-NORD',
        comuneCode: '100005',
        status: null,
        sex: null,
        ageBand: null,
        registrations: 3,
      },
    ]);
    decodeError(() => decodeRegistrationStats({ gruppi: [{ fasciaEta: '10-14', iscrizioni: 1 }] }));
  });
});
