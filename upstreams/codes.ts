/**
 * The code lists the write endpoints check against (reference/ via the generator's
 * reader, and the registry's desks, which the generator builds from reference/ without
 * randomness), and the reading of a person as the writes carry one.
 */
import { isValidFiscalCode } from '../lib/fiscal-code.js';
import { ageAt, ageBand, dayFromIso } from './dataset/calendar.js';
import { buildDesks, type Service } from './dataset/desks.js';
import { fiscalCodeMatches } from './dataset/fiscal-code.js';
import { loadReference } from './dataset/reference.js';
import { invalid, type BodyObject } from './writes.js';

export interface DeskInfo {
  opened: string;
  closed: string | null;
  services: readonly Service[];
}

export interface ContractInfo {
  validFrom: string;
  validTo: string | null;
  /** The label says "a tempo determinato": a term, so an end date, is required. */
  fixedTerm: boolean;
}

export interface WriteCodes {
  comuni: ReadonlySet<string>;
  desks: ReadonlyMap<string, DeskInfo>;
  contracts: ReadonlyMap<string, ContractInfo>;
  ccnl: ReadonlySet<string>;
  occupations: ReadonlySet<string>;
  citizenships: ReadonlySet<string>;
  /** Z-codes of foreign countries (nazioni_belfiore.csv). */
  countries: ReadonlySet<string>;
  employmentStatuses: ReadonlySet<string>;
  educationLevels: ReadonlySet<string>;
  transformations: ReadonlySet<string>;
  workingTimes: ReadonlySet<string>;
}

/**
 * Fixed-term contracts are the codes whose label says "TEMPO DETERMINATO" (A.02.00,
 * A.02.01 and, until the 2013 merge, the fixed-term variants of domestic, intermittent,
 * agency work...). The merged codes (A.04.02, A.05.02) and apprenticeship, project work
 * and traineeship name no term; open-ended ones say "TEMPO INDETERMINATO", as the
 * subgraphs' code lists read them.
 */
export function isFixedTermLabel(label: string): boolean {
  return /\bTEMPO DETERMINATO\b/.test(label);
}

let cached: WriteCodes | undefined;

export function writeCodes(): WriteCodes {
  if (cached) return cached;
  const ref = loadReference();
  const contracts = new Map<string, ContractInfo>();
  for (const t of ref.contractTypes.values()) {
    contracts.set(t.code, {
      validFrom: t.validFrom,
      validTo: t.validTo,
      fixedTerm: isFixedTermLabel(t.label),
    });
  }
  cached = {
    comuni: new Set(ref.comuni.map((c) => c.istat)),
    desks: new Map(
      buildDesks(ref).desks.map((d) => [
        d.code,
        { opened: d.opened, closed: d.closed, services: d.services },
      ]),
    ),
    contracts,
    ccnl: new Set(ref.ccnl.keys()),
    occupations: new Set(ref.occupations.keys()),
    citizenships: new Set(ref.citizenships.keys()),
    countries: new Set([...ref.countries.keys()].filter((k) => k.startsWith('Z'))),
    employmentStatuses: new Set(ref.employmentStatuses),
    educationLevels: new Set(ref.educationLevels),
    transformations: new Set(ref.transformationCodes),
    workingTimes: new Set(ref.workingTimes),
  };
  return cached;
}

/** Whether the contract code is valid on the day (both bounds inclusive, as the generator). */
export function contractValidOn(info: ContractInfo, day: string): boolean {
  return info.validFrom <= day && (info.validTo === null || day <= info.validTo);
}

/**
 * A desk code of the registry, open on `day` and offering `service`: 400 otherwise
 * (a desk is a code of the registry, not a record this system holds).
 */
export function readDesk(body: BodyObject, name: string, day: string, service: Service): string {
  const code = body.string(name, { max: 30, pattern: /^[A-Z0-9][A-Z0-9-]{0,29}$/ });
  const desk = writeCodes().desks.get(code);
  const campo = body.campo(name);
  if (!desk) throw invalid(campo, 'sportello sconosciuto al registro');
  if (day < desk.opened || (desk.closed !== null && day > desk.closed))
    throw invalid(campo, 'sportello non aperto alla data');
  if (!desk.services.includes(service))
    throw invalid(campo, `lo sportello non offre il servizio ${service}`);
  return code;
}

export const FISCAL_CODE_SHAPE =
  /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/** A personal fiscal code: shape and check character. */
export function readFiscalCode(body: BodyObject, name: string): string {
  const code = body.string(name, { max: 16 });
  if (!FISCAL_CODE_SHAPE.test(code) || !isValidFiscalCode(code))
    throw invalid(body.campo(name), 'codice fiscale non valido');
  return code;
}

/** Names as the registries keep them: letters (any script), spaces, apostrophes, dots, hyphens. */
const PERSON_NAME = /^[\p{L}][\p{L}\p{M}' .-]*$/u;
const PERSON_NAME_RULE = {
  max: 60,
  pattern: PERSON_NAME,
  describe: 'solo lettere, spazi, apostrofi, punti e trattini',
};

/** The fields of a person, in the order of the stored documents. */
export interface PersonDetails {
  codiceFiscale: string;
  cognome: string;
  nome: string;
  sesso: 'M' | 'F';
  dataNascita: string;
  luogoNascita: string;
  cittadinanza: string;
}

export const PERSON_FIELDS = [
  'codiceFiscale',
  'cognome',
  'nome',
  'sesso',
  'dataNascita',
  'luogoNascita',
  'cittadinanza',
  'titoloStudio',
] as const;

/**
 * A person as idol's registry and co's communications carry one (without residence and
 * id). Born from 1900 to `bornBy`; with `consistent`, the fiscal code must agree with
 * surname, name, sex, birth date and place (omocodia allowed).
 */
export function readPerson(
  body: BodyObject,
  opts: { bornBy: string; consistent: boolean },
): PersonDetails & { titoloStudio: string | null } {
  const codes = writeCodes();
  const codiceFiscale = readFiscalCode(body, 'codiceFiscale');
  const cognome = body.string('cognome', PERSON_NAME_RULE);
  const nome = body.string('nome', PERSON_NAME_RULE);
  const sesso = body.oneOf('sesso', ['M', 'F'] as const);
  const dataNascita = body.date('dataNascita');
  if (dataNascita < '1900-01-01' || dataNascita > opts.bornBy)
    throw invalid(body.campo('dataNascita'), `attesa tra 1900-01-01 e ${opts.bornBy}`);
  const luogoNascita = body.string('luogoNascita', {
    max: 4,
    pattern: /^[A-Z]\d{3}$/,
    describe: 'atteso un codice catastale (Belfiore) o un codice Z di stato estero',
  });
  if (luogoNascita.startsWith('Z') && !codes.countries.has(luogoNascita))
    throw invalid(body.campo('luogoNascita'), 'stato estero sconosciuto');
  const cittadinanza = body.code('cittadinanza', codes.citizenships, 'cittadinanza sconosciuta');
  const titoloStudio = body.nullableCode(
    'titoloStudio',
    codes.educationLevels,
    'livello di studio sconosciuto',
  );
  if (
    opts.consistent &&
    !fiscalCodeMatches(codiceFiscale, {
      surname: cognome,
      name: nome,
      sex: sesso,
      birthDate: dataNascita,
      birthPlace: luogoNascita,
    })
  ) {
    throw invalid(
      body.campo('codiceFiscale'),
      'non corrisponde a cognome, nome, sesso, data e luogo di nascita',
    );
  }
  return {
    codiceFiscale,
    cognome,
    nome,
    sesso,
    dataNascita,
    luogoNascita,
    cittadinanza,
    titoloStudio,
  };
}

/** `YYYY-MM-DD` shifted by whole years (29 February lands on 1 March). */
export function addYears(day: string, years: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

/** Age band at a day, as idol's statistics group it (15-24 ... 55+). */
export function ageBandAt(birth: string, day: string): string {
  return ageBand(ageAt(dayFromIso(birth), dayFromIso(day)));
}
