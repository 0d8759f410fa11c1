// Decodes IDOL's Italian JSON (upstreams/API.md, "idol") into domain types. Italian
// codes become the SDL's English enums through the explicit tables below; an unknown
// code is an UpstreamBadResponseError naming the field, never the value.
import type { Address } from '../shared/address.js';
import { Decoder, type Page } from '../shared/decode.js';

const d = new Decoder('idol');

export type Sex = 'MALE' | 'FEMALE';
export type EmploymentStatus =
  'NEVER_EMPLOYED' | 'UNEMPLOYED' | 'EMPLOYED_SEEKING' | 'EMPLOYED' | 'OTHER';
export type SpecialList =
  'MOBILITY_223_91' | 'MOBILITY_236_93' | 'TARGETED_PLACEMENT' | 'PERFORMING_ARTS' | 'SEAFARERS';
export type IncomeSupportKind =
  | 'MOBILITY'
  | 'UNEMPLOYMENT_BENEFIT'
  | 'SOCIALLY_USEFUL_WORK'
  | 'CIGS'
  | 'SOLIDARITY_CONTRACT'
  | 'CIGO'
  | 'CIG_IN_DEROGA';
export type GuidanceKind =
  'RECEPTION' | 'BASIC_GUIDANCE' | 'SPECIALIST_GUIDANCE' | 'SKILLS_ASSESSMENT';
export type GuidanceOutcome =
  'SERVICE_PACT_SIGNED' | 'TRAINING_PROPOSED' | 'FOLLOW_UP' | 'CONCLUDED';
export type CandidateStatus = 'PROPOSED' | 'INTERVIEW' | 'HIRED' | 'REJECTED';
export type RegistrationDimension = 'MONTH' | 'DESK' | 'COMUNE' | 'STATUS' | 'SEX' | 'AGE_BAND';
export type AgeBand = 'AGE_15_24' | 'AGE_25_34' | 'AGE_35_44' | 'AGE_45_54' | 'AGE_55_PLUS';

/** A person in IDOL's registry (`lavoratori`). */
export interface Worker {
  id: string;
  fiscalCode: string;
  /** The upper-case fiscal code: the join key the planner uses towards co and trio. */
  fiscalCodeKey: string;
  givenName: string;
  familyName: string;
  sex: Sex;
  birthDate: string;
  /** Cadastral (Belfiore) code of the comune, or Z code of the country. */
  birthPlaceCode: string;
  citizenshipCode: string;
  residence: Address | null;
  educationLevelCode: string | null;
}

export interface IncomeSupportEpisode {
  workerId: string;
  employerId: string;
  kind: IncomeSupportKind;
  from: string;
  to: string | null;
}

/** A job-seeker record (`scheda`). */
export interface JobSeekerProfile {
  workerId: string;
  deskId: string;
  status: EmploymentStatus;
  conditionCode: string | null;
  unemployedSince: string | null;
  availabilityDeclaration: {
    signedOn: string;
    deskId: string;
    endedOn: string | null;
    endCauseCode: string | null;
  };
  servicePacts: { signedOn: string; deskId: string }[];
  specialLists: { list: SpecialList; from: string; to: string | null; category: string | null }[];
  incomeSupport: IncomeSupportEpisode[];
}

export interface GuidanceSession {
  id: string;
  workerId: string;
  deskId: string;
  date: string;
  kind: GuidanceKind;
  outcome: GuidanceOutcome;
}

export interface Candidacy {
  vacancyId: string;
  workerId: string;
  score: number;
  status: CandidateStatus;
  matchedOn: string;
}

export interface RegistrationCell {
  month: string | null;
  deskId: string | null;
  comuneCode: string | null;
  status: EmploymentStatus | null;
  sex: Sex | null;
  ageBand: AgeBand | null;
  registrations: number;
}

const SEXES: Record<string, Sex> = { M: 'MALE', F: 'FEMALE' };

/** sap_stato_occupazionale.csv */
export const EMPLOYMENT_STATUSES: Record<string, EmploymentStatus> = {
  '01': 'NEVER_EMPLOYED',
  '02': 'UNEMPLOYED',
  '03': 'EMPLOYED_SEEKING',
  '04': 'EMPLOYED',
  '05': 'OTHER',
};

/** sap_liste_speciali.csv */
export const SPECIAL_LISTS: Record<string, SpecialList> = {
  '1': 'MOBILITY_223_91',
  '2': 'MOBILITY_236_93',
  '3': 'TARGETED_PLACEMENT',
  '4': 'PERFORMING_ARTS',
  '5': 'SEAFARERS',
};

/** ammortizzatori_tipo_istituto.csv, plus CIGD (cassa integrazione in deroga). */
const INCOME_SUPPORT_KINDS: Record<string, IncomeSupportKind> = {
  MOB: 'MOBILITY',
  DIS: 'UNEMPLOYMENT_BENEFIT',
  LSU: 'SOCIALLY_USEFUL_WORK',
  CIGS: 'CIGS',
  COSD: 'SOLIDARITY_CONTRACT',
  CIGO: 'CIGO',
  CIGD: 'CIG_IN_DEROGA',
};

export const GUIDANCE_KINDS: Record<string, GuidanceKind> = {
  ACCOGLIENZA: 'RECEPTION',
  ORIENTAMENTO_BASE: 'BASIC_GUIDANCE',
  ORIENTAMENTO_SPECIALISTICO: 'SPECIALIST_GUIDANCE',
  BILANCIO_COMPETENZE: 'SKILLS_ASSESSMENT',
};

export const GUIDANCE_OUTCOMES: Record<string, GuidanceOutcome> = {
  PATTO_SOTTOSCRITTO: 'SERVICE_PACT_SIGNED',
  PROPOSTA_FORMATIVA: 'TRAINING_PROPOSED',
  RINVIO: 'FOLLOW_UP',
  CONCLUSO: 'CONCLUDED',
};

const CANDIDATE_STATUSES: Record<string, CandidateStatus> = {
  PROPOSTA: 'PROPOSED',
  COLLOQUIO: 'INTERVIEW',
  ASSUNTO: 'HIRED',
  RIFIUTATA: 'REJECTED',
};

const AGE_BANDS: Record<string, AgeBand> = {
  '15-24': 'AGE_15_24',
  '25-34': 'AGE_25_34',
  '35-44': 'AGE_35_44',
  '45-54': 'AGE_45_54',
  '55+': 'AGE_55_PLUS',
};

/** The `raggruppa` name of each registration dimension. */
export const REGISTRATION_DIMENSIONS: Record<RegistrationDimension, string> = {
  MONTH: 'mese',
  DESK: 'sportello',
  COMUNE: 'comune',
  STATUS: 'stato',
  SEX: 'genere',
  AGE_BAND: 'fasciaEta',
};

/** The upstream code of an enum value, for query parameters (`stato`, `lista`). */
export function codeOf<T extends string>(mapping: Readonly<Record<string, T>>, value: T): string {
  const entry = Object.entries(mapping).find(([, v]) => v === value);
  if (!entry) throw new RangeError(`no upstream code for ${value}`);
  return entry[0];
}

function decodeWorker(value: unknown, path: string): Worker {
  const r = d.record(value, path);
  const fiscalCode = d.string(r, 'codiceFiscale');
  return {
    id: d.string(r, 'id'),
    fiscalCode,
    fiscalCodeKey: fiscalCode.toUpperCase(),
    givenName: d.string(r, 'nome'),
    familyName: d.string(r, 'cognome'),
    sex: d.oneOf(r, 'sesso', SEXES),
    birthDate: d.string(r, 'dataNascita'),
    birthPlaceCode: d.string(r, 'luogoNascita'),
    citizenshipCode: d.string(r, 'cittadinanza'),
    residence: d.optional(r, 'residenza', (v, p) => d.address(v, p)),
    educationLevelCode: d.optionalString(r, 'titoloStudio'),
  };
}

/** GET /v1/lavoratori */
export function decodeWorkers(body: unknown): Worker[] {
  return d.list(d.record(body, 'body'), 'lavoratori', decodeWorker);
}

/** GET /v1/lavoratori/ricerca */
export function decodeWorkerPage(body: unknown): Page<Worker> {
  return d.page(body, 'lavoratori', decodeWorker);
}

function decodeEpisode(value: unknown, path: string, workerId?: string): IncomeSupportEpisode {
  const a = d.record(value, path);
  return {
    workerId: workerId ?? d.string(a, 'lavoratore'),
    employerId: d.string(a, 'azienda'),
    kind: d.oneOf(a, 'tipo', INCOME_SUPPORT_KINDS),
    from: d.string(a, 'dal'),
    to: d.optionalString(a, 'al'),
  };
}

function decodeProfile(value: unknown, path: string): JobSeekerProfile {
  const r = d.record(value, path);
  const workerId = d.string(r, 'lavoratore');
  const did = d.record(r.did, 'did');
  return {
    workerId,
    deskId: d.string(r, 'sportello'),
    status: d.oneOf(r, 'statoOccupazionale', EMPLOYMENT_STATUSES),
    conditionCode: d.optionalString(r, 'condizione'),
    unemployedSince: d.optionalString(r, 'dataAnzianita'),
    availabilityDeclaration: {
      signedOn: d.string(did, 'data'),
      deskId: d.string(did, 'sportello'),
      endedOn: d.optionalString(did, 'dataFine'),
      endCauseCode: d.optionalString(did, 'causaFine'),
    },
    servicePacts: d.list(r, 'patti', (p, pp) => {
      const pact = d.record(p, pp);
      return { signedOn: d.string(pact, 'data'), deskId: d.string(pact, 'sportello') };
    }),
    specialLists: d.list(r, 'listeSpeciali', (l, lp) => {
      const entry = d.record(l, lp);
      return {
        list: d.oneOf(entry, 'lista', SPECIAL_LISTS),
        from: d.string(entry, 'dal'),
        to: d.optionalString(entry, 'al'),
        category: d.optionalString(entry, 'categoria'),
      };
    }),
    // The scheda's episodes are the person's own: the worker is the scheda's.
    incomeSupport: d.list(r, 'ammortizzatori', (a, ap) => decodeEpisode(a, ap, workerId)),
  };
}

/** GET /v1/schede */
export function decodeProfiles(body: unknown): JobSeekerProfile[] {
  return d.list(d.record(body, 'body'), 'schede', decodeProfile);
}

function decodeGuidanceSession(value: unknown, path: string): GuidanceSession {
  const c = d.record(value, path);
  return {
    id: d.string(c, 'id'),
    workerId: d.string(c, 'lavoratore'),
    deskId: d.string(c, 'sportello'),
    date: d.string(c, 'data'),
    kind: d.oneOf(c, 'tipo', GUIDANCE_KINDS),
    outcome: d.oneOf(c, 'esito', GUIDANCE_OUTCOMES),
  };
}

/** GET /v1/colloqui */
export function decodeGuidanceSessions(body: unknown): GuidanceSession[] {
  return d.list(d.record(body, 'body'), 'colloqui', decodeGuidanceSession);
}

/** POST /v1/colloqui: the session as stored. */
export function decodeRecordedGuidanceSession(body: unknown): GuidanceSession {
  return decodeGuidanceSession(body, 'body');
}

/** POST /v1/lavoratori: the registry record and the new job-seeker record. */
export function decodeRegistration(body: unknown): { worker: Worker; profile: JobSeekerProfile } {
  const r = d.record(body, 'body');
  return {
    worker: decodeWorker(r.lavoratore, 'lavoratore'),
    profile: decodeProfile(r.scheda, 'scheda'),
  };
}

/** GET /v1/candidature */
export function decodeCandidacies(body: unknown): Candidacy[] {
  return d.list(d.record(body, 'body'), 'candidature', (value, path) => {
    const c = d.record(value, path);
    const score = d.number(c, 'punteggio');
    if (score < 0 || score > 1) d.fail('punteggio');
    return {
      vacancyId: d.string(c, 'offerta'),
      workerId: d.string(c, 'lavoratore'),
      score,
      status: d.oneOf(c, 'stato', CANDIDATE_STATUSES),
      matchedOn: d.string(c, 'data'),
    };
  });
}

/** GET /v1/ammortizzatori */
export function decodeIncomeSupportEpisodes(body: unknown): IncomeSupportEpisode[] {
  return d.list(d.record(body, 'body'), 'ammortizzatori', (value, path) =>
    decodeEpisode(value, path),
  );
}

/** GET /v1/statistiche/iscrizioni */
export function decodeRegistrationStats(body: unknown): RegistrationCell[] {
  return d.list(d.record(body, 'body'), 'gruppi', (value, path) => {
    const g = d.record(value, path);
    return {
      month: d.optionalString(g, 'mese'),
      deskId: d.optionalString(g, 'sportello'),
      comuneCode: d.optionalString(g, 'comune'),
      status: d.optionalOneOf(g, 'stato', EMPLOYMENT_STATUSES),
      sex: d.optionalOneOf(g, 'genere', SEXES),
      ageBand: d.optionalOneOf(g, 'fasciaEta', AGE_BANDS),
      registrations: d.number(g, 'iscrizioni'),
    };
  });
}
