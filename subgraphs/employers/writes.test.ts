// The CO filing rules (DOMAIN.md §2) as the employers subgraph checks them before co is
// asked: each rule refuses one field, by name, without repeating the value.
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fiscalCode } from '../../lib/fiscal-code.js';
import {
  communicationBody,
  vacancyBody,
  type FileCommunicationInput,
  type PublishVacancyInput,
} from './writes.js';

const TODAY = '2026-11-26';
const person = {
  familyName: 'Bianchi',
  givenName: 'Anna',
  sex: 'FEMALE' as const,
  birthDate: '1990-04-12',
  birthPlaceCode: 'G999',
  citizenshipCode: '000',
  educationLevelCode: '4',
};
const CF = fiscalCode({
  surname: 'BIANCHI',
  name: 'ANNA',
  sex: 'F',
  birthDate: '1990-04-12',
  birthPlace: 'G999',
});

const hiring: FileCommunicationInput = {
  employerId: 'A000001',
  form: 'UNILAV',
  type: 'HIRING',
  nature: 'ORDINARY',
  workplaceCode: '100005',
  worker: { ...person, fiscalCode: CF },
  startDate: '2026-12-01',
  endDate: '2027-05-31',
  contractTypeCode: 'A.02.00',
  workingTimeCode: 'F',
  occupationCode: '6.5.3.1.0.11',
  collectiveAgreementCode: null,
};

function refusedField(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    expect(err.extensions.code).toBe('BAD_USER_INPUT');
    expect(err.message).not.toContain(CF);
    expect(err.message).not.toContain('BIANCHI');
    return String(err.extensions.field);
  }
  throw new Error('expected a refusal');
}

const file = (change: Partial<FileCommunicationInput>) => () =>
  communicationBody({ ...hiring, ...change }, 'PO-NORD', TODAY);

describe('fileCommunication rules', () => {
  it('turns a valid hiring into co body, names upper-cased, desk kept', () => {
    const body = communicationBody(hiring, 'PO-NORD', TODAY);
    expect(body).toMatchObject({
      modulo: 'UNILAV',
      tipo: 'ASS',
      natura: 'ORDINARIA',
      azienda: 'A000001',
      dataInizio: '2026-12-01',
      dataFine: '2027-05-31',
      tipologiaContrattuale: 'A.02.00',
      tipoOrario: 'F',
      oreSettimanali: null,
      sportello: 'PO-NORD',
      lavoratore: { codiceFiscale: CF, cognome: 'BIANCHI', nome: 'ANNA', sesso: 'F' },
    });
  });

  it.each<[string, Partial<FileCommunicationInput>, string]>([
    ['an end before the start', { endDate: '2026-11-30' }, 'input.endDate'],
    ['a fixed-term contract without end', { endDate: null }, 'input.endDate'],
    [
      'a contract code not valid at the start',
      { contractTypeCode: 'A.03.02' },
      'input.contractTypeCode',
    ],
    ['an unknown contract code', { contractTypeCode: 'Z.99.99' }, 'input.contractTypeCode'],
    ['part time without hours', { workingTimeCode: 'P' }, 'input.weeklyHours'],
    ['full time with hours', { weeklyHours: 20 }, 'input.weeklyHours'],
    ['part time over 40 hours', { workingTimeCode: 'P', weeklyHours: 41 }, 'input.weeklyHours'],
    ['an unknown working time', { workingTimeCode: 'X' }, 'input.workingTimeCode'],
    ['an ordinary hiring starting today', { startDate: TODAY }, 'input.startDate'],
    ['a transformation without its code', { type: 'TRANSFORMATION' }, 'input.transformationCode'],
    [
      'a TP transformation to full time',
      { type: 'TRANSFORMATION', transformationCode: 'TP' },
      'input.workingTimeCode',
    ],
    [
      'a PP transformation to part time',
      { type: 'TRANSFORMATION', transformationCode: 'PP', workingTimeCode: 'P', weeklyHours: 20 },
      'input.workingTimeCode',
    ],
    ['a transformation code on a hiring', { transformationCode: 'DI' }, 'input.transformationCode'],
    ['a termination without cause', { type: 'TERMINATION' }, 'input.cessationCauseCode'],
    ['a cause on a hiring', { cessationCauseCode: 'SC' }, 'input.cessationCauseCode'],
    ['a rectification without previous code', { nature: 'RECTIFICATION' }, 'input.previousCode'],
    [
      'a previous code on an ordinary filing',
      { previousCode: '0926000000000001' },
      'input.previousCode',
    ],
    ['an urgent form for a termination', { form: 'URGENZA', type: 'TERMINATION' }, 'input.form'],
    ['an unknown occupation', { occupationCode: '9.9.9.9.9.9' }, 'input.occupationCode'],
    ['an unknown CCNL', { collectiveAgreementCode: 'ZZZ' }, 'input.collectiveAgreementCode'],
    ['a malformed work site', { workplaceCode: '10005' }, 'input.workplaceCode'],
    ['a malformed employer id', { employerId: 'A1' }, 'input.employerId'],
    [
      'a fiscal code with a wrong check letter',
      { worker: { ...person, fiscalCode: CF.slice(0, 15) + (CF.endsWith('A') ? 'B' : 'A') } },
      'input.worker.fiscalCode',
    ],
    [
      'a fiscal code of someone else',
      { worker: { ...person, givenName: 'Maria', fiscalCode: CF } },
      'input.worker.fiscalCode',
    ],
    [
      'a name with a bidi override',
      { worker: { ...person, familyName: 'Bian\u202echi', fiscalCode: CF } },
      'input.worker.familyName',
    ],
    [
      'a name with digits',
      { worker: { ...person, familyName: 'B1anchi', fiscalCode: CF } },
      'input.worker.familyName',
    ],
    [
      'an unknown citizenship',
      { worker: { ...person, citizenshipCode: '998', fiscalCode: CF } },
      'input.worker.citizenshipCode',
    ],
    [
      'a birth after the start',
      { worker: { ...person, birthDate: '2027-01-01', fiscalCode: CF } },
      'input.worker.birthDate',
    ],
  ])('refuses %s', (_, change, field) => {
    expect(refusedField(file(change))).toBe(field);
  });

  it('accepts the lawful variants: urgent form today, part time with hours, terminations, rectifications', () => {
    expect(() => file({ form: 'URGENZA', startDate: TODAY })()).not.toThrow();
    expect(() => file({ workingTimeCode: 'P', weeklyHours: 20 })()).not.toThrow();
    expect(() =>
      file({
        type: 'TERMINATION',
        cessationCauseCode: 'SC',
        startDate: '2026-10-01',
        endDate: null,
      })(),
    ).not.toThrow();
    expect(() =>
      file({
        type: 'TRANSFORMATION',
        transformationCode: 'TP',
        workingTimeCode: 'P',
        weeklyHours: 24,
        contractTypeCode: 'A.01.00',
        endDate: null,
      })(),
    ).not.toThrow();
    expect(() =>
      file({ nature: 'RECTIFICATION', previousCode: '0926000000000001' })(),
    ).not.toThrow();
    // Omocodia: the same person's code with letters for digits still agrees.
    expect(() => file({ worker: { ...person, fiscalCode: CF.toLowerCase() } })()).not.toThrow();
  });
});

const vacancy: PublishVacancyInput = {
  employerId: 'A000001',
  occupationCode: '6.5.3.1.0.11',
  contractTypeCode: 'A.02.00',
  comuneCode: '100005',
  positions: 2,
  closesOn: '2027-01-31',
  description: 'Tessitore su telai jacquard',
};

describe('publishVacancy rules', () => {
  it('turns a valid vacancy into co body', () => {
    expect(vacancyBody(vacancy, TODAY)).toEqual({
      azienda: 'A000001',
      qualifica: '6.5.3.1.0.11',
      tipologiaContrattuale: 'A.02.00',
      comune: '100005',
      posti: 2,
      dataScadenza: '2027-01-31',
      descrizione: 'Tessitore su telai jacquard',
    });
  });

  it.each<[string, Partial<PublishVacancyInput>, string]>([
    ['no positions', { positions: 0 }, 'input.positions'],
    ['too many positions', { positions: 101 }, 'input.positions'],
    ['a closing day today', { closesOn: TODAY }, 'input.closesOn'],
    [
      'a contract code retired before today',
      { contractTypeCode: 'A.06.01' },
      'input.contractTypeCode',
    ],
    ['an empty description', { description: '   ' }, 'input.description'],
    ['a description with control characters', { description: 'ok\u0007' }, 'input.description'],
    ['a too long description', { description: 'x'.repeat(501) }, 'input.description'],
    ['a malformed comune', { comuneCode: 'Prato' }, 'input.comuneCode'],
  ])('refuses %s', (_, change, field) => {
    expect(refusedField(() => vacancyBody({ ...vacancy, ...change }, TODAY))).toBe(field);
  });
});
