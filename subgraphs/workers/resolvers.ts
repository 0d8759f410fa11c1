// Workers subgraph resolvers: no I/O here, only loaders. Entity references towards
// other subgraphs are returned as bare keys (Desk {id}, Comune {istatCode},
// Employer {id}); their owners resolve them.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { GraphQLResolveInfo } from 'graphql';
import { assertOwnRecord, type CallerContext } from '../shared/trust.js';
import { isValidFiscalCode } from '../../lib/fiscal-code.js';
import { addressResolvers } from '../shared/address.js';
import { startEarly } from '../shared/lookahead.js';
import {
  citizenships,
  comuniByCadastralCode,
  countriesByZCode,
  didEndCauses,
  educationLevels,
  jobSeekerConditions,
} from '../shared/code-lists.js';
import { badUserInput, UpstreamBadResponseError } from '../shared/errors.js';
import { checkFirst, pagedConnection, type Connection } from '../shared/pagination.js';
import { checkDateRange } from '../shared/ranges.js';
import { DateScalar, FiscalCodeScalar, YearMonthScalar } from '../shared/scalars.js';
import { dimensionReader } from '../shared/stats.js';
import { IdempotencyKeyScalar } from '../shared/writes.js';
import { DEFAULT_MIN_CELL_PEOPLE, measure, suppressRows } from '../shared/suppression.js';
import { SEARCH_PAGE_CAP, type JobSeekerSearch } from './client.js';
import type { WorkerLoaders } from './loaders.js';
import { mutationResolvers, WORKER_ID, type IdolWriteApi } from './writes.js';
import {
  codeOf,
  EMPLOYMENT_STATUSES,
  REGISTRATION_DIMENSIONS,
  SPECIAL_LISTS,
  type Candidacy,
  type EmploymentStatus,
  type GuidanceSession,
  type IncomeSupportEpisode,
  type JobSeekerProfile,
  type RegistrationCell,
  type RegistrationDimension,
  type SpecialList,
  type Worker,
} from './model.js';

export interface WorkersContext extends CallerContext {
  loaders: WorkerLoaders;
  /** IDOL's write endpoints (mutations only; reads go through the loaders). */
  idolWrites: IdolWriteApi;
  /** The analysts' pseudonym of a worker id (keyed HMAC). */
  pseudonymOf: (workerId: string) => string;
  /** Registration cells counting fewer people are suppressed; default 5 (SECURITY.md). */
  minCellPeople?: number;
}

/** A person the caller may see: citizens only themselves, on every path (resolveReference too). */
async function visible(
  ctx: WorkersContext,
  worker: Promise<Worker | null>,
): Promise<Worker | null> {
  const found = await worker;
  if (found) assertOwnRecord(ctx.caller, { workerId: found.id });
  return found;
}

/** Default and largest `first` of the job-seeker lists (the search endpoint's page cap). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = SEARCH_PAGE_CAP;
/** Longest date range of registrationStats: about ten years. */
export const MAX_STATS_DAYS = 3660;

/** Each registration dimension's raw value in a cell, in the schema's order. */
const REGISTRATION_COORDINATES: readonly [
  RegistrationDimension,
  (cell: RegistrationCell) => string | null,
][] = [
  ['MONTH', (cell) => cell.month],
  ['DESK', (cell) => cell.deskId],
  ['COMUNE', (cell) => cell.comuneCode],
  ['STATUS', (cell) => cell.status],
  ['SEX', (cell) => cell.sex],
  ['AGE_BAND', (cell) => cell.ageBand],
];

interface JobSeekerFilter {
  status?: EmploymentStatus | null;
  comune?: string | null;
  desk?: string | null;
  specialList?: SpecialList | null;
}

/** Trims and upper-cases a fiscal code as typed by a person. */
export function normalizeFiscalCode(value: string): string {
  return value.trim().toUpperCase();
}

/** The search filters of a JobSeekerFilter, refusing values IDOL could misread. */
export function searchFilters(
  filter: JobSeekerFilter | null | undefined,
): Omit<JobSeekerSearch, 'pagina' | 'dimensione'> {
  if (!filter) return {};
  if (filter.comune != null && !/^\d{6}$/.test(filter.comune)) {
    throw badUserInput('comune must be a six-digit ISTAT code', 'filter.comune');
  }
  if (filter.desk != null && !/^[A-Za-z0-9-]{1,40}$/.test(filter.desk)) {
    throw badUserInput('desk must be a desk registry code', 'filter.desk');
  }
  return {
    stato: filter.status ? codeOf(EMPLOYMENT_STATUSES, filter.status) : undefined,
    comune: filter.comune ?? undefined,
    sportello: filter.desk ?? undefined,
    lista: filter.specialList ? codeOf(SPECIAL_LISTS, filter.specialList) : undefined,
  };
}

/** A page of job seekers. */
function jobSeekerConnection(
  loaders: WorkerLoaders,
  filters: Omit<JobSeekerSearch, 'pagina' | 'dimensione'>,
  firstArg: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection<Worker>> {
  const first = checkFirst(firstArg, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  return pagedConnection(first, after, (page) =>
    loaders.jobSeekerPage.load({ ...filters, ...page }),
  );
}

function unknownCode(field: string): never {
  throw new UpstreamBadResponseError('idol', `field ${field}`);
}

/**
 * A worker's job-seeker record and guidance sessions are keyed by the worker's id, which
 * `worker(id:)` already has: when the operation asks for them, their loads start beside the
 * worker's own, so that the desk's worker page costs one round of IDOL requests instead of
 * two. The requests are the ones the fields would make once the worker is found; an id IDOL
 * does not know costs them too (once each). Not for citizens, who may read only their own
 * record: theirs is checked on the worker first, and nothing of anyone else's is asked of IDOL.
 * Not for ids IDOL cannot hold. A failed early load is left to the field's resolver, which
 * meets the same failure (loaders.ts keeps it for the request).
 */
function prefetchRecords(ctx: WorkersContext, id: string, info: GraphQLResolveInfo): void {
  if (ctx.caller.principal.role === 'citizen' || !WORKER_ID.test(id)) return;
  startEarly(info, 'profile', () => ctx.loaders.profileByWorkerId.load(id));
  startEarly(info, 'guidanceSessions', () => ctx.loaders.guidanceSessionsByWorkerId.load(id));
}

const desk = (id: string) => ({ id });

export const resolvers: GraphQLResolverMap<WorkersContext> = {
  Date: DateScalar,
  YearMonth: YearMonthScalar,
  FiscalCode: FiscalCodeScalar,
  IdempotencyKey: IdempotencyKeyScalar,
  Mutation: mutationResolvers,
  Query: {
    me: (_: unknown, __: unknown, ctx: WorkersContext) => {
      const { principal } = ctx.caller;
      return principal.role === 'citizen' && principal.subject
        ? ctx.loaders.workerById.load(principal.subject)
        : null;
    },
    worker: (_: unknown, { id }: { id: string }, ctx: WorkersContext, info: GraphQLResolveInfo) => {
      const worker = visible(ctx, ctx.loaders.workerById.load(id));
      prefetchRecords(ctx, id, info);
      return worker;
    },
    workerByFiscalCode: (_: unknown, args: { fiscalCode: string }, ctx: WorkersContext) => {
      const code = normalizeFiscalCode(args.fiscalCode);
      // The message never echoes the code: it is personal data.
      if (!isValidFiscalCode(code))
        throw badUserInput('fiscalCode is not a valid Italian fiscal code', 'fiscalCode');
      return visible(ctx, ctx.loaders.workerByFiscalCode.load(code));
    },
    jobSeekers: (
      _: unknown,
      args: { filter?: JobSeekerFilter | null; first?: number | null; after?: string | null },
      ctx: WorkersContext,
    ) => jobSeekerConnection(ctx.loaders, searchFilters(args.filter), args.first, args.after),
    registrationStats: async (
      _: unknown,
      args: { from: string; to: string; groupBy: RegistrationDimension[] },
      ctx: WorkersContext,
    ) => {
      checkDateRange(args.from, args.to, MAX_STATS_DAYS);
      const asked = new Set(args.groupBy);
      const groupBy = [...asked].map((dim) => REGISTRATION_DIMENSIONS[dim]);
      const cells = await ctx.loaders.registrationStats.load({
        from: args.from,
        to: args.to,
        groupBy,
      });
      // IDOL keeps one job-seeker record (one DID date) per person, so a cell's registrations
      // are its distinct people: the count suppression works on (../shared/suppression.ts).
      const coordinates = REGISTRATION_COORDINATES.filter(([dim]) => asked.has(dim));
      const hidden = suppressRows(cells, {
        upstream: 'idol',
        minPeople: ctx.minCellPeople ?? DEFAULT_MIN_CELL_PEOPLE,
        coordinates: (cell) => coordinates.map(([, value]) => value(cell)),
        people: (cell) => cell.registrations,
      });
      const when = dimensionReader(asked);
      return cells.map((cell: RegistrationCell, i) => ({
        month: when('MONTH', cell.month),
        desk: when('DESK', cell.deskId, desk),
        comune: when('COMUNE', cell.comuneCode, (istatCode) => ({ istatCode })),
        status: when('STATUS', cell.status),
        sex: when('SEX', cell.sex),
        ageBand: when('AGE_BAND', cell.ageBand),
        registrations: measure(cell.registrations, hidden[i] === true),
        suppressed: hidden[i] === true,
      }));
    },
  },
  Worker: {
    __resolveReference: (ref: { id?: string; fiscalCodeKey?: string }, ctx: WorkersContext) => {
      if (typeof ref.id === 'string') return visible(ctx, ctx.loaders.workerById.load(ref.id));
      if (typeof ref.fiscalCodeKey === 'string') {
        return visible(
          ctx,
          ctx.loaders.workerByFiscalCode.load(normalizeFiscalCode(ref.fiscalCodeKey)),
        );
      }
      return null;
    },
    pseudonym: (w: Worker, _: unknown, ctx: WorkersContext) => ctx.pseudonymOf(w.id),
    birthPlace: (w: Worker) => {
      const abroad = w.birthPlaceCode.startsWith('Z');
      const name = abroad
        ? countriesByZCode().get(w.birthPlaceCode)
        : comuniByCadastralCode().get(w.birthPlaceCode)?.name;
      return { code: w.birthPlaceCode, name: name ?? null, abroad };
    },
    citizenship: (w: Worker) =>
      citizenships().get(w.citizenshipCode) ?? unknownCode('cittadinanza'),
    educationLevel: (w: Worker) =>
      w.educationLevelCode === null
        ? null
        : (educationLevels().get(w.educationLevelCode) ?? unknownCode('titoloStudio')),
    profile: (w: Worker, _: unknown, ctx: WorkersContext) =>
      ctx.loaders.profileByWorkerId.load(w.id),
    guidanceSessions: (w: Worker, _: unknown, ctx: WorkersContext) =>
      ctx.loaders.guidanceSessionsByWorkerId.load(w.id),
  },
  Address: addressResolvers,
  JobSeekerProfile: {
    registeredAt: (p: JobSeekerProfile) => desk(p.deskId),
    condition: (p: JobSeekerProfile) =>
      p.conditionCode === null
        ? null
        : (jobSeekerConditions().get(p.conditionCode) ?? unknownCode('condizione')),
    servicePacts: (p: JobSeekerProfile) =>
      [...p.servicePacts].sort((a, b) => a.signedOn.localeCompare(b.signedOn)),
  },
  AvailabilityDeclaration: {
    desk: (did: JobSeekerProfile['availabilityDeclaration']) => desk(did.deskId),
    endReason: (did: JobSeekerProfile['availabilityDeclaration']) =>
      did.endCauseCode === null
        ? null
        : (didEndCauses().get(did.endCauseCode) ?? unknownCode('causaFine')),
  },
  ServicePact: {
    desk: (pact: { deskId: string }) => desk(pact.deskId),
  },
  IncomeSupportEpisode: {
    worker: (e: IncomeSupportEpisode, _: unknown, ctx: WorkersContext) =>
      visible(ctx, ctx.loaders.workerById.load(e.workerId)),
    employer: (e: IncomeSupportEpisode) => ({ id: e.employerId }),
  },
  GuidanceSession: {
    desk: (s: GuidanceSession) => desk(s.deskId),
  },
  Candidate: {
    worker: (c: Candidacy, _: unknown, ctx: WorkersContext) =>
      visible(ctx, ctx.loaders.workerById.load(c.workerId)),
  },
  Desk: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    jobSeekers: (
      d: { id: string },
      args: { status?: EmploymentStatus | null; first?: number | null; after?: string | null },
      ctx: WorkersContext,
    ) =>
      // The desk id comes from the registry (via the planner), not from a client: no shape check.
      jobSeekerConnection(
        ctx.loaders,
        {
          sportello: d.id,
          stato: args.status ? codeOf(EMPLOYMENT_STATUSES, args.status) : undefined,
        },
        args.first,
        args.after,
      ),
  },
  Employer: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    incomeSupportEpisodes: (e: { id: string }, _: unknown, ctx: WorkersContext) =>
      ctx.loaders.incomeSupportByEmployerId.load(e.id),
  },
  Vacancy: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    candidates: (v: { id: string }, _: unknown, ctx: WorkersContext) =>
      ctx.loaders.candidatesByVacancyId.load(v.id),
  },
};
