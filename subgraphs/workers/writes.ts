// Workers subgraph writes: registering job seekers and recording guidance sessions in IDOL.
// Every rule is checked here before IDOL is asked (BAD_USER_INPUT naming the input field,
// never repeating a value); IDOL's own refusals are mapped by performWrite. Operators write
// only for their own desk.
import { badUserInput } from '../shared/errors.js';
import {
  addYears,
  personBody,
  personField,
  type PersonBody,
  type PersonInput,
} from '../shared/person-input.js';
import {
  assertOwnDesk,
  checkText,
  performWrite,
  todayUtc,
  upstreamIdempotencyKey,
} from '../shared/writes.js';
import { codeOf, EMPLOYMENT_STATUSES, GUIDANCE_KINDS, GUIDANCE_OUTCOMES } from './model.js';
import type {
  EmploymentStatus,
  GuidanceKind,
  GuidanceOutcome,
  GuidanceSession,
  JobSeekerProfile,
  Worker,
} from './model.js';
import type { WorkersContext } from './resolvers.js';

/** The first day a DID can carry: the systems start in 2010. */
const FIRST_DAY = '2010-01-01';
const DESK = /^[A-Z0-9][A-Z0-9-]{0,29}$/;
/** The shape of an IDOL worker id (`L` and seven digits). */
export const WORKER_ID = /^L\d{7}$/;

export interface RegistrationBody {
  sportello: string;
  dataDid: string;
  statoOccupazionale: string;
  lavoratore: PersonBody & { residenza: { indirizzo: string; comune: string; cap: string } };
}

export interface GuidanceBody {
  lavoratore: string;
  sportello: string;
  data: string;
  tipo: string;
  esito: string;
}

/** IDOL's write endpoints, as the workers subgraph uses them. */
export interface IdolWriteApi {
  registerJobSeeker(
    body: RegistrationBody,
    idempotencyKey: string,
  ): Promise<{ worker: Worker; profile: JobSeekerProfile; replayed: boolean }>;
  recordGuidanceSession(
    body: GuidanceBody,
    idempotencyKey: string,
  ): Promise<{ session: GuidanceSession; replayed: boolean }>;
}

export interface RegisterJobSeekerInput {
  desk: string;
  availabilityDeclaredOn: string;
  status: EmploymentStatus;
  person: PersonInput & { residence: { street: string; comuneCode: string; postalCode: string } };
}

export interface RecordGuidanceSessionInput {
  workerId: string;
  desk: string;
  date: string;
  kind: GuidanceKind;
  outcome: GuidanceOutcome;
}

function checkDesk(desk: string, field: string): string {
  if (!DESK.test(desk)) throw badUserInput(`${field} must be a desk registry code`, field);
  return desk;
}

/** A day in [from, to], both inclusive. */
function checkDay(day: string, field: string, from: string, to: string, what: string): void {
  if (day < from || day > to) throw badUserInput(`${field} ${what}`, field);
}

/** The registration as IDOL's body, or BAD_USER_INPUT naming the first field at fault. */
export function registrationBody(input: RegisterJobSeekerInput, today: string): RegistrationBody {
  const desk = checkDesk(input.desk, 'input.desk');
  const did = input.availabilityDeclaredOn;
  checkDay(
    did,
    'input.availabilityDeclaredOn',
    FIRST_DAY,
    today,
    `must be between ${FIRST_DAY} and today`,
  );
  // At least 15 on the day of the DID.
  const person = personBody(input.person, 'input.person', addYears(did, -15));
  const { residence } = input.person;
  const street = checkText(residence.street, 'input.person.residence.street', { max: 100 });
  if (!/^\d{6}$/.test(residence.comuneCode)) {
    throw badUserInput(
      'input.person.residence.comuneCode must be a six-digit ISTAT code',
      'input.person.residence.comuneCode',
    );
  }
  if (!/^\d{5}$/.test(residence.postalCode)) {
    throw badUserInput(
      'input.person.residence.postalCode must be five digits',
      'input.person.residence.postalCode',
    );
  }
  return {
    sportello: desk,
    dataDid: did,
    statoOccupazionale: codeOf(EMPLOYMENT_STATUSES, input.status),
    lavoratore: {
      ...person,
      residenza: { indirizzo: street, comune: residence.comuneCode, cap: residence.postalCode },
    },
  };
}

/** IDOL's body paths, as the mutation's input paths. */
const REGISTRATION_FIELDS: Readonly<Record<string, string>> = {
  sportello: 'input.desk',
  dataDid: 'input.availabilityDeclaredOn',
  statoOccupazionale: 'input.status',
  'lavoratore.residenza.indirizzo': 'input.person.residence.street',
  'lavoratore.residenza.comune': 'input.person.residence.comuneCode',
  'lavoratore.residenza.cap': 'input.person.residence.postalCode',
};
const registrationField = (field: string): string | undefined =>
  REGISTRATION_FIELDS[field] ?? personField(field, 'lavoratore', 'input.person');

const GUIDANCE_FIELDS: Readonly<Record<string, string>> = {
  lavoratore: 'input.workerId',
  sportello: 'input.desk',
  data: 'input.date',
  tipo: 'input.kind',
  esito: 'input.outcome',
};

export const mutationResolvers = {
  registerJobSeeker: async (
    _: unknown,
    args: { input: RegisterJobSeekerInput; idempotencyKey: string },
    ctx: WorkersContext,
  ) => {
    assertOwnDesk(ctx.caller, args.input.desk);
    const body = registrationBody(args.input, todayUtc());
    const key = upstreamIdempotencyKey(ctx.caller, 'registerJobSeeker', args.idempotencyKey);
    const written = await performWrite(
      () => ctx.idolWrites.registerJobSeeker(body, key),
      registrationField,
    );
    // The answer holds the records: later fields of this request read them, not IDOL.
    ctx.loaders.workerById.prime(written.worker.id, written.worker);
    ctx.loaders.profileByWorkerId
      .clear(written.worker.id)
      .prime(written.worker.id, written.profile);
    return { worker: written.worker, replayed: written.replayed };
  },
  recordGuidanceSession: async (
    _: unknown,
    args: { input: RecordGuidanceSessionInput; idempotencyKey: string },
    ctx: WorkersContext,
  ) => {
    const { input } = args;
    assertOwnDesk(ctx.caller, input.desk);
    const desk = checkDesk(input.desk, 'input.desk');
    if (!WORKER_ID.test(input.workerId)) {
      throw badUserInput('input.workerId must be an IDOL id such as L0000123', 'input.workerId');
    }
    const profile = await ctx.loaders.profileByWorkerId.load(input.workerId);
    if (!profile) {
      throw badUserInput('input.workerId is not a registered job seeker', 'input.workerId');
    }
    checkDay(
      input.date,
      'input.date',
      profile.availabilityDeclaration.signedOn,
      todayUtc(),
      "must be between the person's DID and today",
    );
    const body: GuidanceBody = {
      lavoratore: input.workerId,
      sportello: desk,
      data: input.date,
      tipo: codeOf(GUIDANCE_KINDS, input.kind),
      esito: codeOf(GUIDANCE_OUTCOMES, input.outcome),
    };
    const key = upstreamIdempotencyKey(ctx.caller, 'recordGuidanceSession', args.idempotencyKey);
    const written = await performWrite(
      () => ctx.idolWrites.recordGuidanceSession(body, key),
      (field) => GUIDANCE_FIELDS[field],
    );
    ctx.loaders.guidanceSessionsByWorkerId.clear(input.workerId);
    return {
      session: written.session,
      worker: ctx.loaders.workerById.load(input.workerId),
      replayed: written.replayed,
    };
  },
};
