// Decodes co's Italian JSON (upstreams/API.md, "co") into domain types, and describes
// the national codes it uses through the code lists in reference/.
import type { Address } from '../shared/address.js';
import { Decoder, type Page } from '../shared/decode.js';
import {
  atecoActivities,
  CESSATION_CAUSES,
  citizenships,
  collectiveAgreements,
  contractTypes,
  occupations,
  sizeClasses,
  transformations,
  workingTimes,
} from '../shared/code-lists.js';

const d = new Decoder('co');

export type CommunicationForm = 'UNILAV' | 'UNISOMM' | 'VARDATORI' | 'URGENZA';
export type CommunicationType =
  'HIRING' | 'EXTENSION' | 'TRANSFORMATION' | 'TRANSFER' | 'TERMINATION' | 'EMPLOYER_CHANGE';
export type CommunicationNature = 'ORDINARY' | 'URGENT' | 'RECTIFICATION' | 'CANCELLATION';
export type VacancyStatus = 'OPEN' | 'CLOSED';
export type Sex = 'MALE' | 'FEMALE';
export type FlowDimension =
  'MONTH' | 'COMUNE' | 'SECTOR' | 'CONTRACT_TYPE' | 'TYPE' | 'SEX' | 'CITIZENSHIP';

export interface Employer {
  id: string;
  fiscalCode: string;
  name: string;
  atecoCode: string;
  sizeClassCode: string;
  seat: Address;
  ccnlCode: string | null;
  /**
   * Codes of the organisations (registry `enti`, for example `CNA`) the employer delegated
   * to act for it: partners of those organisations may read its communications.
   */
  delegations: readonly string[];
}

export interface Communication {
  id: string;
  code: string;
  form: CommunicationForm;
  type: CommunicationType;
  nature: CommunicationNature;
  previousCode: string | null;
  sentOn: string;
  employerId: string;
  workplaceCode: string;
  /** The worker's fiscal code, upper case: the Worker entity's `fiscalCodeKey`. */
  workerFiscalCode: string;
  startDate: string;
  endDate: string | null;
  contractTypeCode: string;
  workingTimeCode: string;
  weeklyHours: number | null;
  ccnlCode: string | null;
  occupationCode: string;
  transformationCode: string | null;
  cessationCauseCode: string | null;
  deskId: string | null;
}

/** One page of an employer's communications, as co's cursor paging answers it. */
export interface CommunicationPage {
  items: Communication[];
  /** co's opaque cursor for the next page, or null on the last page. */
  nextCursor: string | null;
  /** Size of the whole filtered set. */
  total: number;
}

export interface Vacancy {
  id: string;
  employerId: string;
  occupationCode: string;
  contractTypeCode: string;
  comuneCode: string;
  positions: number;
  postedOn: string;
  closesOn: string;
  status: VacancyStatus;
  description: string;
}

/** One row of /v1/statistiche/flussi; a dimension not grouped by is null. */
export interface FlowRow {
  month: string | null;
  comuneCode: string | null;
  sectorDivision: string | null;
  contractTypeCode: string | null;
  type: CommunicationType | null;
  sex: Sex | null;
  citizenshipCode: string | null;
  communications: number;
  workers: number;
}

const FORMS: Record<string, CommunicationForm> = {
  UNILAV: 'UNILAV',
  UNISOMM: 'UNISOMM',
  VARDATORI: 'VARDATORI',
  URGENZA: 'URGENZA',
};

export const COMMUNICATION_TYPES: Record<string, CommunicationType> = {
  ASS: 'HIRING',
  PRO: 'EXTENSION',
  TRS: 'TRANSFORMATION',
  TRD: 'TRANSFER',
  CES: 'TERMINATION',
  VAR: 'EMPLOYER_CHANGE',
};

/** The co `tipo` code of each communication type, for filters. */
export const COMMUNICATION_TYPE_CODES: Record<CommunicationType, string> = {
  HIRING: 'ASS',
  EXTENSION: 'PRO',
  TRANSFORMATION: 'TRS',
  TRANSFER: 'TRD',
  TERMINATION: 'CES',
  EMPLOYER_CHANGE: 'VAR',
};

const NATURES: Record<string, CommunicationNature> = {
  ORDINARIA: 'ORDINARY',
  URGENTE: 'URGENT',
  RETTIFICA: 'RECTIFICATION',
  ANNULLAMENTO: 'CANCELLATION',
};

const VACANCY_STATUSES: Record<string, VacancyStatus> = {
  APERTA: 'OPEN',
  CHIUSA: 'CLOSED',
};

/** The co `stato` code of each vacancy status, for filters. */
export const VACANCY_STATUS_CODES: Record<VacancyStatus, string> = {
  OPEN: 'APERTA',
  CLOSED: 'CHIUSA',
};

const SEXES: Record<string, Sex> = { M: 'MALE', F: 'FEMALE' };

/** The co `raggruppa` name of each flow dimension. */
export const FLOW_DIMENSION_NAMES: Record<FlowDimension, string> = {
  MONTH: 'mese',
  COMUNE: 'comune',
  SECTOR: 'ateco',
  CONTRACT_TYPE: 'contratto',
  TYPE: 'tipo',
  SEX: 'genere',
  CITIZENSHIP: 'cittadinanza',
};

function decodeEmployer(value: unknown, path: string): Employer {
  const r = d.record(value, path);
  return {
    id: d.string(r, 'id'),
    fiscalCode: d.string(r, 'codiceFiscale'),
    name: d.string(r, 'ragioneSociale'),
    atecoCode: d.string(r, 'ateco'),
    sizeClassCode: d.string(r, 'classeDimensionale'),
    seat: d.address(r.sede, `${path}.sede`),
    ccnlCode: d.optionalString(r, 'ccnl'),
    delegations: decodeDelegations(r.delegati, `${path}.delegati`),
  };
}

/** `delegati`: a list of organisation codes; absent means none (nobody may act for it). */
function decodeDelegations(value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  return d
    .array(value, path)
    .map((code, i) => (typeof code === 'string' && code !== '' ? code : d.fail(`${path}[${i}]`)));
}

function decodeCommunication(value: unknown, path: string): Communication {
  const r = d.record(value, path);
  // Only the join key is kept of the worker's personal data: the rest belongs to the
  // workers subgraph, which the planner asks by this key.
  const worker = d.record(r.lavoratore, `${path}.lavoratore`);
  return {
    id: d.string(r, 'id'),
    code: d.string(r, 'codice'),
    form: d.oneOf(r, 'modulo', FORMS),
    type: d.oneOf(r, 'tipo', COMMUNICATION_TYPES),
    nature: d.oneOf(r, 'natura', NATURES),
    previousCode: d.optionalString(r, 'precedente'),
    sentOn: d.string(r, 'dataInvio'),
    employerId: d.string(r, 'azienda'),
    workplaceCode: d.string(r, 'sedeLavoro'),
    workerFiscalCode: d.string(worker, 'codiceFiscale').toUpperCase(),
    startDate: d.string(r, 'dataInizio'),
    endDate: d.optionalString(r, 'dataFine'),
    contractTypeCode: d.string(r, 'tipologiaContrattuale'),
    workingTimeCode: d.string(r, 'tipoOrario'),
    weeklyHours: d.optionalNumber(r, 'oreSettimanali'),
    ccnlCode: d.optionalString(r, 'ccnl'),
    occupationCode: d.string(r, 'qualifica'),
    transformationCode: d.optionalString(r, 'trasformazione'),
    cessationCauseCode: d.optionalString(r, 'causaCessazione'),
    deskId: d.optionalString(r, 'sportello'),
  };
}

function decodeVacancy(value: unknown, path: string): Vacancy {
  const r = d.record(value, path);
  return {
    id: d.string(r, 'id'),
    employerId: d.string(r, 'azienda'),
    occupationCode: d.string(r, 'qualifica'),
    contractTypeCode: d.string(r, 'tipologiaContrattuale'),
    comuneCode: d.string(r, 'comune'),
    positions: d.number(r, 'posti'),
    postedOn: d.string(r, 'dataPubblicazione'),
    closesOn: d.string(r, 'dataScadenza'),
    status: d.oneOf(r, 'stato', VACANCY_STATUSES),
    description: d.string(r, 'descrizione'),
  };
}

/** POST /v1/comunicazioni: the communication as stored. */
export function decodeFiledCommunication(body: unknown): Communication {
  return decodeCommunication(body, 'body');
}

/** POST /v1/offerte: the vacancy as stored. */
export function decodePublishedVacancy(body: unknown): Vacancy {
  return decodeVacancy(body, 'body');
}

/** GET /v1/aziende?id= or ?cf= */
export function decodeEmployers(body: unknown): Employer[] {
  return d.list(d.record(body, 'body'), 'aziende', decodeEmployer);
}

/** GET /v1/aziende/ricerca */
export function decodeEmployerPage(body: unknown): Page<Employer> {
  return d.page(body, 'aziende', decodeEmployer);
}

/** GET /v1/comunicazioni?id= or ?lavoratoreCf= */
export function decodeCommunications(body: unknown): Communication[] {
  return d.list(d.record(body, 'body'), 'comunicazioni', decodeCommunication);
}

/** GET /v1/comunicazioni?azienda= (cursor paging) */
export function decodeCommunicationPage(body: unknown): CommunicationPage {
  const r = d.record(body, 'body');
  return {
    items: d.list(r, 'comunicazioni', decodeCommunication),
    nextCursor: d.optionalString(r, 'cursore'),
    total: d.number(r, 'totale'),
  };
}

/** GET /v1/offerte?id= or ?azienda= */
export function decodeVacancies(body: unknown): Vacancy[] {
  return d.list(d.record(body, 'body'), 'offerte', decodeVacancy);
}

/** GET /v1/offerte/ricerca */
export function decodeVacancyPage(body: unknown): Page<Vacancy> {
  return d.page(body, 'offerte', decodeVacancy);
}

/** GET /v1/statistiche/flussi */
export function decodeFlows(body: unknown): FlowRow[] {
  return d.list(d.record(body, 'body'), 'gruppi', (value, path) => {
    const r = d.record(value, path);
    return {
      month: d.optionalString(r, 'mese'),
      comuneCode: d.optionalString(r, 'comune'),
      sectorDivision: d.optionalString(r, 'ateco'),
      contractTypeCode: d.optionalString(r, 'contratto'),
      type: d.optionalOneOf(r, 'tipo', COMMUNICATION_TYPES),
      sex: d.optionalOneOf(r, 'genere', SEXES),
      citizenshipCode: d.optionalString(r, 'cittadinanza'),
      communications: d.number(r, 'comunicazioni'),
      workers: d.number(r, 'lavoratori'),
    };
  });
}

// Descriptions of national codes. co may use a code the shipped list lacks (lists are
// revised, co is not): the code is still served, with the label the list cannot give
// (the code itself where the schema wants a non-null label), rather than failing the row.

export interface ContractTypeView {
  code: string;
  label: string;
  openEnded: boolean;
  validFrom: string | null;
  validTo: string | null;
}

export function describeContractType(code: string): ContractTypeView {
  const entry = contractTypes().get(code);
  return entry
    ? {
        code,
        label: entry.label,
        openEnded: entry.openEnded,
        validFrom: entry.validFrom,
        validTo: entry.validTo,
      }
    : { code, label: code, openEnded: false, validFrom: null, validTo: null };
}

export function describeWorkingTime(code: string): {
  code: string;
  label: string;
  partTime: boolean;
} {
  const entry = workingTimes().get(code);
  return entry ?? { code, label: code, partTime: code === 'P' || code === 'V' || code === 'M' };
}

export function describeOccupation(code: string): { code: string; label: string | null } {
  return { code, label: occupations().get(code)?.label ?? null };
}

export function describeCollectiveAgreement(code: string): {
  code: string;
  sector: string | null;
  label: string | null;
} {
  const entry = collectiveAgreements().get(code);
  return { code, sector: entry?.sector ?? null, label: entry?.label ?? null };
}

export function describeTransformation(code: string): { code: string; label: string | null } {
  return { code, label: transformations().get(code)?.label ?? null };
}

export function describeCessationCause(code: string): { code: string; label: string | null } {
  return { code, label: CESSATION_CAUSES.get(code) ?? null };
}

export function describeSector(code: string): {
  code: string;
  division: string;
  label: string | null;
} {
  return { code, division: code.slice(0, 2), label: atecoActivities().get(code)?.label ?? null };
}

export function describeSizeClass(code: string): { code: string; label: string } {
  return { code, label: sizeClasses().get(code)?.label ?? code };
}

export function describeCitizenship(code: string): {
  code: string;
  name: string;
  europeanUnion: boolean;
} {
  return citizenships().get(code) ?? { code, name: code, europeanUnion: false };
}
