// A person as a write names them (a job-seeker registration, the worker of a compulsory
// communication): checked field by field before any upstream is asked, and turned into the
// Italian record the upstreams keep. The fiscal code must agree with the rest.
import {
  fiscalCodeMatches,
  isValidFiscalCode,
  normalizeFiscalCode,
} from '../../lib/fiscal-code.js';
import { citizenships, countriesByZCode, educationLevels } from './code-lists.js';
import { badUserInput } from './errors.js';
import { checkText, PERSON_NAME } from './writes.js';

export interface PersonInput {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  sex: 'MALE' | 'FEMALE';
  birthDate: string;
  birthPlaceCode: string;
  citizenshipCode: string;
  educationLevelCode?: string | null;
}

/** The person as IDOL and co record them. */
export interface PersonBody {
  codiceFiscale: string;
  cognome: string;
  nome: string;
  sesso: 'M' | 'F';
  dataNascita: string;
  luogoNascita: string;
  cittadinanza: string;
  titoloStudio: string | null;
}

/** The upstream's names of a person's fields, as the input's names. */
export const PERSON_FIELDS: Readonly<Record<keyof PersonBody, keyof PersonInput>> = {
  codiceFiscale: 'fiscalCode',
  cognome: 'familyName',
  nome: 'givenName',
  sesso: 'sex',
  dataNascita: 'birthDate',
  luogoNascita: 'birthPlaceCode',
  cittadinanza: 'citizenshipCode',
  titoloStudio: 'educationLevelCode',
};

const NAME_RULE = {
  max: 60,
  pattern: PERSON_NAME,
  describe: 'may hold only letters, spaces, apostrophes, dots and hyphens',
};

/**
 * The person's record, or BAD_USER_INPUT naming the first field at fault (`at` is the input
 * path of the person, e.g. `input.person`). Born on or after 1900, and on or before
 * `bornBy` (the latest birth date the write allows).
 */
export function personBody(p: PersonInput, at: string, bornBy: string): PersonBody {
  const field = (name: keyof PersonInput) => `${at}.${name}`;
  const familyName = checkText(p.familyName, field('familyName'), NAME_RULE).toUpperCase();
  const givenName = checkText(p.givenName, field('givenName'), NAME_RULE).toUpperCase();
  if (p.birthDate < '1900-01-01' || p.birthDate > bornBy) {
    throw badUserInput(
      `${field('birthDate')} must be between 1900-01-01 and ${bornBy}`,
      field('birthDate'),
    );
  }
  const birthPlace = p.birthPlaceCode.trim().toUpperCase();
  if (
    !/^[A-Z]\d{3}$/.test(birthPlace) ||
    (birthPlace.startsWith('Z') && !countriesByZCode().has(birthPlace))
  ) {
    throw badUserInput(
      `${field('birthPlaceCode')} must be a cadastral code or a known Z code`,
      field('birthPlaceCode'),
    );
  }
  if (!citizenships().has(p.citizenshipCode)) {
    throw badUserInput(
      `${field('citizenshipCode')} is not a known citizenship code`,
      field('citizenshipCode'),
    );
  }
  const education = p.educationLevelCode ?? null;
  if (education !== null && !educationLevels().has(education)) {
    throw badUserInput(
      `${field('educationLevelCode')} is not a known education level`,
      field('educationLevelCode'),
    );
  }
  const code = normalizeFiscalCode(p.fiscalCode);
  if (!isValidFiscalCode(code)) {
    throw badUserInput(
      `${field('fiscalCode')} is not a valid Italian fiscal code`,
      field('fiscalCode'),
    );
  }
  const sex: 'M' | 'F' = p.sex === 'FEMALE' ? 'F' : 'M';
  const person = { surname: familyName, name: givenName, sex, birthDate: p.birthDate, birthPlace };
  if (!fiscalCodeMatches(code, person)) {
    throw badUserInput(
      `${field('fiscalCode')} does not agree with the family name, given name, sex, birth date and birth place`,
      field('fiscalCode'),
    );
  }
  return {
    codiceFiscale: code,
    cognome: familyName,
    nome: givenName,
    sesso: sex,
    dataNascita: p.birthDate,
    luogoNascita: birthPlace,
    cittadinanza: p.citizenshipCode,
    titoloStudio: education,
  };
}

/** Maps an upstream's `<prefix>.<field>` of a person to the input path `<at>.<field>`. */
export function personField(upstreamField: string, prefix: string, at: string): string | undefined {
  if (!upstreamField.startsWith(`${prefix}.`)) return undefined;
  const name = PERSON_FIELDS[upstreamField.slice(prefix.length + 1) as keyof PersonBody];
  return name ? `${at}.${name}` : undefined;
}

/** `YYYY-MM-DD` shifted by whole years. */
export function addYears(day: string, years: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}
