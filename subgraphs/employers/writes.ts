// Employers subgraph writes: filing compulsory communications and publishing vacancies in
// co. The rules of the CO system (DOMAIN.md §2) are checked here before co is asked, each
// refusal naming the input field; co's own refusals are mapped by performWrite. Operators
// file for their own desk; partners only for employers that delegated their organisation.
import type { Assertion } from '../../lib/auth/assertion.js';
import {
  CESSATION_CAUSES,
  collectiveAgreements,
  contractTypes,
  contractTypeValidOn,
  occupations,
  transformations,
  workingTimes,
} from '../shared/code-lists.js';
import { badUserInput } from '../shared/errors.js';
import {
  personBody,
  personField,
  type PersonBody,
  type PersonInput,
} from '../shared/person-input.js';
import { forbidden } from '../shared/trust.js';
import {
  assertOwnDesk,
  checkText,
  performWrite,
  todayUtc,
  upstreamIdempotencyKey,
} from '../shared/writes.js';
import { mayReadCommunicationsOf } from './delegations.js';
import {
  COMMUNICATION_TYPE_CODES,
  type Communication,
  type CommunicationForm,
  type CommunicationNature,
  type CommunicationType,
  type Employer,
  type Vacancy,
} from './model.js';
import type { EmployersContext } from './resolvers.js';

/** The same for an unknown employer and a non-delegating one: it reveals neither. */
export const NOT_DELEGATING_MESSAGE = 'a partner may act only for employers that delegated it';

const EMPLOYER_ID = /^A\d{6}$/;
const COMUNE = /^\d{6}$/;
const COMMUNICATION_CODE = /^\d{16}$/;
const DESK = /^[A-Z0-9][A-Z0-9-]{0,29}$/;

const NATURE_CODES: Record<CommunicationNature, string> = {
  ORDINARY: 'ORDINARIA',
  URGENT: 'URGENTE',
  RECTIFICATION: 'RETTIFICA',
  CANCELLATION: 'ANNULLAMENTO',
};

export interface CommunicationBody {
  modulo: CommunicationForm;
  tipo: string;
  natura: string;
  precedente: string | null;
  azienda: string;
  sedeLavoro: string;
  lavoratore: PersonBody;
  dataInizio: string;
  dataFine: string | null;
  tipologiaContrattuale: string;
  tipoOrario: string;
  oreSettimanali: number | null;
  ccnl: string | null;
  qualifica: string;
  trasformazione: string | null;
  causaCessazione: string | null;
  sportello: string | null;
}

export interface VacancyBody {
  azienda: string;
  qualifica: string;
  tipologiaContrattuale: string;
  comune: string;
  posti: number;
  dataScadenza: string;
  descrizione: string;
}

/** co's write endpoints, as the employers subgraph uses them. */
export interface CoWriteApi {
  fileCommunication(
    body: CommunicationBody,
    idempotencyKey: string,
  ): Promise<{ communication: Communication; replayed: boolean }>;
  publishVacancy(
    body: VacancyBody,
    idempotencyKey: string,
  ): Promise<{ vacancy: Vacancy; replayed: boolean }>;
}

export interface FileCommunicationInput {
  employerId: string;
  form: CommunicationForm;
  type: CommunicationType;
  nature: CommunicationNature;
  previousCode?: string | null;
  workplaceCode: string;
  worker: PersonInput;
  startDate: string;
  endDate?: string | null;
  contractTypeCode: string;
  workingTimeCode: string;
  weeklyHours?: number | null;
  collectiveAgreementCode?: string | null;
  occupationCode: string;
  transformationCode?: string | null;
  cessationCauseCode?: string | null;
  desk?: string | null;
}

export interface PublishVacancyInput {
  employerId: string;
  occupationCode: string;
  contractTypeCode: string;
  comuneCode: string;
  positions: number;
  closesOn: string;
  description: string;
}

const refuse = (field: string, message: string): never => {
  throw badUserInput(`${field} ${message}`, field);
};

/** A contract the classification calls fixed-term ("a tempo determinato"). */
function isFixedTerm(code: string): boolean {
  return /TEMPO DETERMINATO/.test(contractTypes().get(code)?.label ?? '');
}

/** Trimmed and null when absent or blank. */
const optional = (value: string | null | undefined): string | null =>
  value == null || value.trim() === '' ? null : value.trim();

/**
 * The desk a communication is filed for: an operator's own (the default), none for
 * partners, who file online.
 */
function filingDesk(caller: Assertion, desk: string | null): string | null {
  const { principal } = caller;
  if (principal.role === 'partner') {
    if (desk !== null) throw forbidden('a partner files online, not for a desk');
    return null;
  }
  const chosen = desk ?? principal.desk;
  if (chosen !== null && !DESK.test(chosen)) refuse('input.desk', 'must be a desk registry code');
  assertOwnDesk(caller, chosen);
  return chosen;
}

/** The communication as co's body, or BAD_USER_INPUT naming the first field at fault. */
export function communicationBody(
  input: FileCommunicationInput,
  desk: string | null,
  today: string,
): CommunicationBody {
  if (!EMPLOYER_ID.test(input.employerId)) {
    refuse('input.employerId', 'must be a CO employer id such as A000123');
  }
  const type = COMMUNICATION_TYPE_CODES[input.type];
  const nature = NATURE_CODES[input.nature];
  const previous = optional(input.previousCode);
  const amends = input.nature === 'RECTIFICATION' || input.nature === 'CANCELLATION';
  if (amends && previous === null) {
    refuse('input.previousCode', 'is required for rectifications and cancellations');
  }
  if (!amends && previous !== null) {
    refuse('input.previousCode', 'is only for rectifications and cancellations');
  }
  if (previous !== null && !COMMUNICATION_CODE.test(previous)) {
    refuse('input.previousCode', 'must be a 16-digit communication code');
  }
  if (input.form === 'URGENZA' && input.type !== 'HIRING') {
    refuse('input.form', 'URGENZA is only for hirings');
  }
  if (!COMUNE.test(input.workplaceCode)) {
    refuse('input.workplaceCode', 'must be a six-digit ISTAT code');
  }
  const start = input.startDate;
  const end = input.endDate ?? null;
  if (input.type === 'HIRING' && input.nature === 'ORDINARY' && input.form !== 'URGENZA') {
    // Due by the day before the relationship starts.
    if (start <= today) refuse('input.startDate', 'of an ordinary hiring must be after today');
  }
  if (input.form === 'URGENZA' && start < today) {
    refuse('input.startDate', 'of an urgent hiring must be today or later');
  }
  const worker = personBody(input.worker, 'input.worker', start);
  const contract = input.contractTypeCode.trim();
  if (!contractTypes().has(contract)) {
    refuse('input.contractTypeCode', 'is not a contract type of the CO classification');
  }
  if (!contractTypeValidOn(contract, start)) {
    refuse('input.contractTypeCode', 'is not valid at the start date');
  }
  if (end !== null && end < start) refuse('input.endDate', 'must not be before the start date');
  if (end === null && isFixedTerm(contract) && input.type !== 'TERMINATION') {
    refuse('input.endDate', 'is required for a fixed-term contract');
  }
  const workingTime = input.workingTimeCode.trim();
  const timeEntry = workingTimes().get(workingTime);
  if (!timeEntry) refuse('input.workingTimeCode', 'is not a working time code');
  const partTime = timeEntry?.partTime === true;
  const hours = input.weeklyHours ?? null;
  if (partTime && hours === null) refuse('input.weeklyHours', 'are required for part time');
  if (!partTime && hours !== null) refuse('input.weeklyHours', 'are only for part time');
  if (hours !== null && !(hours >= 1 && hours <= 40)) {
    refuse('input.weeklyHours', 'must be between 1 and 40');
  }
  const transformation = optional(input.transformationCode);
  if (input.type === 'TRANSFORMATION') {
    if (transformation === null)
      refuse('input.transformationCode', 'is required for a transformation');
    if (!transformations().has(transformation ?? '')) {
      refuse('input.transformationCode', 'is not a transformation code');
    }
    if (transformation === 'TP' && !partTime) {
      refuse('input.workingTimeCode', 'must be a part-time kind for a TP transformation');
    }
    if (transformation === 'PP' && partTime) {
      refuse('input.workingTimeCode', 'must be full time for a PP transformation');
    }
  } else if (transformation !== null) {
    refuse('input.transformationCode', 'is only for transformations');
  }
  const cessation = optional(input.cessationCauseCode);
  if (input.type === 'TERMINATION') {
    if (cessation === null) refuse('input.cessationCauseCode', 'is required for a termination');
    if (!CESSATION_CAUSES.has(cessation ?? '')) {
      refuse('input.cessationCauseCode', 'is not a cessation cause code');
    }
  } else if (cessation !== null) {
    refuse('input.cessationCauseCode', 'is only for terminations');
  }
  const ccnl = optional(input.collectiveAgreementCode);
  if (ccnl !== null && !collectiveAgreements().has(ccnl)) {
    refuse('input.collectiveAgreementCode', 'is not a CCNL code');
  }
  const occupation = input.occupationCode.trim();
  if (!occupations().has(occupation)) {
    refuse('input.occupationCode', 'is not a six-level CP2011 occupation code');
  }
  return {
    modulo: input.form,
    tipo: type,
    natura: nature,
    precedente: previous,
    azienda: input.employerId,
    sedeLavoro: input.workplaceCode,
    lavoratore: worker,
    dataInizio: start,
    dataFine: end,
    tipologiaContrattuale: contract,
    tipoOrario: workingTime,
    oreSettimanali: hours,
    ccnl,
    qualifica: occupation,
    trasformazione: transformation,
    causaCessazione: cessation,
    sportello: desk,
  };
}

/** The vacancy as co's body, or BAD_USER_INPUT naming the first field at fault. */
export function vacancyBody(input: PublishVacancyInput, today: string): VacancyBody {
  if (!EMPLOYER_ID.test(input.employerId)) {
    refuse('input.employerId', 'must be a CO employer id such as A000123');
  }
  const occupation = input.occupationCode.trim();
  if (!occupations().has(occupation)) {
    refuse('input.occupationCode', 'is not a six-level CP2011 occupation code');
  }
  const contract = input.contractTypeCode.trim();
  if (!contractTypeValidOn(contract, today)) {
    refuse('input.contractTypeCode', 'is not a contract type valid today');
  }
  if (!COMUNE.test(input.comuneCode)) refuse('input.comuneCode', 'must be a six-digit ISTAT code');
  if (!Number.isInteger(input.positions) || input.positions < 1 || input.positions > 100) {
    refuse('input.positions', 'must be between 1 and 100');
  }
  if (input.closesOn <= today) refuse('input.closesOn', 'must be after today');
  const description = checkText(input.description, 'input.description', { max: 500 });
  return {
    azienda: input.employerId,
    qualifica: occupation,
    tipologiaContrattuale: contract,
    comune: input.comuneCode,
    posti: input.positions,
    dataScadenza: input.closesOn,
    descrizione: description,
  };
}

/**
 * The employer a write is for, checked against the caller: a partner acts only for employers
 * that delegated it, and is told the same whether the employer is unknown or not delegating.
 */
async function employerFor(ctx: EmployersContext, employerId: string): Promise<Employer> {
  const employer = await ctx.loaders.employerById.load(employerId);
  const isPartner = ctx.caller.principal.role === 'partner';
  if (!employer || !mayReadCommunicationsOf(ctx.caller, employer)) {
    if (isPartner) throw forbidden(NOT_DELEGATING_MESSAGE);
    return refuse('input.employerId', 'is not an employer known to the CO system');
  }
  return employer;
}

const COMMUNICATION_FIELDS: Readonly<Record<string, string>> = {
  modulo: 'input.form',
  tipo: 'input.type',
  natura: 'input.nature',
  precedente: 'input.previousCode',
  azienda: 'input.employerId',
  sedeLavoro: 'input.workplaceCode',
  dataInizio: 'input.startDate',
  dataFine: 'input.endDate',
  tipologiaContrattuale: 'input.contractTypeCode',
  tipoOrario: 'input.workingTimeCode',
  oreSettimanali: 'input.weeklyHours',
  ccnl: 'input.collectiveAgreementCode',
  qualifica: 'input.occupationCode',
  trasformazione: 'input.transformationCode',
  causaCessazione: 'input.cessationCauseCode',
  sportello: 'input.desk',
};
const communicationField = (field: string): string | undefined =>
  COMMUNICATION_FIELDS[field] ?? personField(field, 'lavoratore', 'input.worker');

const VACANCY_FIELDS: Readonly<Record<string, string>> = {
  azienda: 'input.employerId',
  qualifica: 'input.occupationCode',
  tipologiaContrattuale: 'input.contractTypeCode',
  comune: 'input.comuneCode',
  posti: 'input.positions',
  dataScadenza: 'input.closesOn',
  descrizione: 'input.description',
};

export const mutationResolvers = {
  fileCommunication: async (
    _: unknown,
    args: { input: FileCommunicationInput; idempotencyKey: string },
    ctx: EmployersContext,
  ) => {
    const desk = filingDesk(ctx.caller, optional(args.input.desk));
    const body = communicationBody(args.input, desk, todayUtc());
    await employerFor(ctx, body.azienda);
    const key = upstreamIdempotencyKey(ctx.caller, 'fileCommunication', args.idempotencyKey);
    const written = await performWrite(
      () => ctx.coWrites.fileCommunication(body, key),
      communicationField,
    );
    ctx.loaders.communicationById.prime(written.communication.id, written.communication);
    return written;
  },
  publishVacancy: async (
    _: unknown,
    args: { input: PublishVacancyInput; idempotencyKey: string },
    ctx: EmployersContext,
  ) => {
    const body = vacancyBody(args.input, todayUtc());
    await employerFor(ctx, body.azienda);
    const key = upstreamIdempotencyKey(ctx.caller, 'publishVacancy', args.idempotencyKey);
    const written = await performWrite(
      () => ctx.coWrites.publishVacancy(body, key),
      (field) => VACANCY_FIELDS[field],
    );
    ctx.loaders.vacancyById.prime(written.vacancy.id, written.vacancy);
    return written;
  },
};
