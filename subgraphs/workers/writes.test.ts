// The registration rules as the workers subgraph checks them before IDOL is asked.
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fiscalCode } from '../../lib/fiscal-code.js';
import { registrationBody, type RegisterJobSeekerInput } from './writes.js';

const TODAY = '2026-11-26';
const CF = fiscalCode({
  surname: 'VERDI',
  name: 'LUCA',
  sex: 'M',
  birthDate: '2001-02-03',
  birthPlace: 'Z210',
});
const input: RegisterJobSeekerInput = {
  desk: 'PO-NORD',
  availabilityDeclaredOn: '2026-11-20',
  status: 'UNEMPLOYED',
  person: {
    fiscalCode: CF,
    familyName: 'Verdi',
    givenName: 'Luca',
    sex: 'MALE',
    birthDate: '2001-02-03',
    birthPlaceCode: 'Z210',
    citizenshipCode: '000',
    residence: { street: 'Via  Roma 1 ', comuneCode: '100005', postalCode: '59100' },
  },
};

function refusedField(change: (i: RegisterJobSeekerInput) => RegisterJobSeekerInput): string {
  try {
    registrationBody(change(structuredClone(input)), TODAY);
  } catch (err) {
    if (!(err instanceof GraphQLError)) throw err;
    expect(err.extensions.code).toBe('BAD_USER_INPUT');
    expect(err.message).not.toContain(CF);
    return String(err.extensions.field);
  }
  throw new Error('expected a refusal');
}

describe('registerJobSeeker rules', () => {
  it('turns a valid registration into IDOL body: codes, upper-case names, tidy street', () => {
    expect(registrationBody(input, TODAY)).toEqual({
      sportello: 'PO-NORD',
      dataDid: '2026-11-20',
      statoOccupazionale: '02',
      lavoratore: {
        codiceFiscale: CF,
        cognome: 'VERDI',
        nome: 'LUCA',
        sesso: 'M',
        dataNascita: '2001-02-03',
        luogoNascita: 'Z210',
        cittadinanza: '000',
        titoloStudio: null,
        residenza: { indirizzo: 'Via Roma 1', comune: '100005', cap: '59100' },
      },
    });
  });

  it.each<[string, (i: RegisterJobSeekerInput) => RegisterJobSeekerInput, string]>([
    [
      'a DID in the future',
      (i) => ({ ...i, availabilityDeclaredOn: '2026-11-27' }),
      'input.availabilityDeclaredOn',
    ],
    [
      'a DID before 2010',
      (i) => ({ ...i, availabilityDeclaredOn: '2009-12-31' }),
      'input.availabilityDeclaredOn',
    ],
    ['a malformed desk', (i) => ({ ...i, desk: 'po nord' }), 'input.desk'],
    [
      'a person under 15 at the DID',
      (i) => ({ ...i, person: { ...i.person, birthDate: '2012-01-01' } }),
      'input.person.birthDate',
    ],
    [
      'an unknown country of birth',
      (i) => ({ ...i, person: { ...i.person, birthPlaceCode: 'Z999' } }),
      'input.person.birthPlaceCode',
    ],
    [
      'a fiscal code that is not theirs',
      (i) => ({ ...i, person: { ...i.person, sex: 'FEMALE' } }),
      'input.person.fiscalCode',
    ],
    [
      'an unknown education level',
      (i) => ({ ...i, person: { ...i.person, educationLevelCode: 'X' } }),
      'input.person.educationLevelCode',
    ],
    [
      'a zero-width space in the name',
      (i) => ({ ...i, person: { ...i.person, givenName: 'Lu\u200bca' } }),
      'input.person.givenName',
    ],
    [
      'a malformed postal code',
      (i) => ({
        ...i,
        person: { ...i.person, residence: { ...i.person.residence, postalCode: '591' } },
      }),
      'input.person.residence.postalCode',
    ],
    [
      'a malformed comune',
      (i) => ({
        ...i,
        person: { ...i.person, residence: { ...i.person.residence, comuneCode: 'PRATO' } },
      }),
      'input.person.residence.comuneCode',
    ],
    [
      'an empty street',
      (i) => ({ ...i, person: { ...i.person, residence: { ...i.person.residence, street: ' ' } } }),
      'input.person.residence.street',
    ],
  ])('refuses %s', (_, change, field) => {
    expect(refusedField(change)).toBe(field);
  });
});
