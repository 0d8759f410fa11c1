// Employers subgraph resolvers: no I/O here, only loaders. Inputs are checked before
// any loader is asked, so a refused query costs no upstream request.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { GraphQLResolveInfo } from 'graphql';
import { assertOwnRecord, type CallerContext } from '../shared/trust.js';
import { isValidPartitaIva } from '../../lib/fiscal-code.js';
import { addressResolvers } from '../shared/address.js';
import { startEarly } from '../shared/lookahead.js';
import { badUserInput, UpstreamBadResponseError } from '../shared/errors.js';
import {
  checkFirst,
  decodeCursor,
  encodeCursor,
  pagedConnection,
  type Connection,
  type PageRequest,
} from '../shared/pagination.js';
import { checkDateRange } from '../shared/ranges.js';
import { DateScalar, YearMonthScalar } from '../shared/scalars.js';
import { dimensionReader } from '../shared/stats.js';
import {
  DEFAULT_MIN_CELL_PEOPLE,
  measure,
  suppressRows,
  type Coordinate,
} from '../shared/suppression.js';
import type { Page } from '../shared/decode.js';
import {
  CO_ID_SHAPES,
  CO_PAGE_LIMIT_CAP,
  CO_SEARCH_SIZE_CAP,
  type EmployerCommunicationsQuery,
} from './client.js';
import type { EmployerLoaders } from './loaders.js';
import { assertMayReadCommunicationsOf, assertMayReadEmploymentHistory } from './delegations.js';
import { mutationResolvers, type CoWriteApi } from './writes.js';
import { IdempotencyKeyScalar } from '../shared/writes.js';
import {
  COMMUNICATION_TYPE_CODES,
  describeCessationCause,
  describeCitizenship,
  describeCollectiveAgreement,
  describeContractType,
  describeOccupation,
  describeSector,
  describeSizeClass,
  describeTransformation,
  describeWorkingTime,
  FLOW_DIMENSION_NAMES,
  VACANCY_STATUS_CODES,
  type Communication,
  type CommunicationType,
  type Employer,
  type FlowDimension,
  type FlowRow,
  type Vacancy,
  type VacancyStatus,
} from './model.js';

export interface EmployersContext extends CallerContext {
  loaders: EmployerLoaders;
  /** co's write endpoints (mutations only; reads go through the loaders). */
  coWrites: CoWriteApi;
  /** Flow cells counting fewer distinct workers are suppressed; default 5 (SECURITY.md). */
  minCellPeople?: number;
}

/** Default and largest `first` of Employer.communications. */
export const DEFAULT_COMMUNICATIONS_FIRST = 50;
/** Default `first` of the employer and vacancy searches (their maximum is co's page size cap). */
export const DEFAULT_SEARCH_FIRST = 50;
/** Longest date range of communicationFlows: ten years, leap days included. */
export const MAX_FLOW_DAYS = 3653;

const SECTOR_PREFIX = /^\d{2}(\.\d{1,2}){0,2}$/;
const COMUNE_CODE = /^\d{6}$/;
const OCCUPATION_PREFIX = /^\d(\.\d{1,2}){0,5}$/;

function checkPattern(
  value: string | null | undefined,
  pattern: RegExp,
  message: string,
  field: string,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!pattern.test(value)) throw badUserInput(message, field);
  return value;
}

/** A page of a co paged search (`pagina`/`dimensione`). */
function searchConnection<T>(
  args: { first?: number | null; after?: string | null },
  load: (page: PageRequest) => Promise<Page<T>>,
): Promise<Connection<T>> {
  const first = checkFirst(args.first, CO_SEARCH_SIZE_CAP, DEFAULT_SEARCH_FIRST);
  return pagedConnection(first, args.after, load);
}

// Employer.communications cursors wrap co's opaque cursor. co gives one cursor per page
// (where the next page starts), so an edge's cursor is "co cursor of a page start + how
// many items of that page to skip": the last edge carries co's next cursor with skip 0,
// the others the cursor this page was fetched with and their position in it. Resuming
// from any edge is one co request.
export interface CommunicationPosition {
  coCursor: string | undefined;
  skip: number;
}

export function encodeCommunicationCursor(position: CommunicationPosition): string {
  return encodeCursor('c', `${position.skip}.${position.coCursor ?? ''}`);
}

export function decodeCommunicationCursor(after: string | null | undefined): CommunicationPosition {
  if (after === null || after === undefined) return { coCursor: undefined, skip: 0 };
  const match = /^(\d{1,3})\.(.*)$/s.exec(decodeCursor(after, 'c'));
  const skip = Number(match?.[1]);
  if (!match || skip > CO_PAGE_LIMIT_CAP)
    throw badUserInput('after is not a cursor of this list', 'after');
  return { coCursor: match[2] === '' ? undefined : match[2], skip };
}

async function employerOf(ctx: EmployersContext, employerId: string): Promise<Employer> {
  const employer = await ctx.loaders.employerById.load(employerId);
  // co's rows point at its own registry; a dangling pointer is co's inconsistency.
  if (!employer) throw new UpstreamBadResponseError('co', 'field azienda');
  return employer;
}

/**
 * A communication for this caller: partners get only those of employers that delegated them.
 * Other roles cost no extra request; a partner's check costs one employer load, batched
 * with the other rows' (the planner asks for the employer of most rows anyway).
 */
async function readableCommunication(
  ctx: EmployersContext,
  communication: Communication | null,
): Promise<Communication | null> {
  if (communication === null || ctx.caller.principal.role !== 'partner') return communication;
  assertMayReadCommunicationsOf(ctx.caller, await employerOf(ctx, communication.employerId));
  return communication;
}

/** Each dimension's raw value in a row, in the schema's dimension order: a cell's coordinates. */
const FLOW_COORDINATES: Readonly<Record<FlowDimension, (row: FlowRow) => Coordinate>> = {
  MONTH: (row) => row.month,
  COMUNE: (row) => row.comuneCode,
  SECTOR: (row) => row.sectorDivision,
  CONTRACT_TYPE: (row) => row.contractTypeCode,
  TYPE: (row) => row.type,
  SEX: (row) => row.sex,
  CITIZENSHIP: (row) => row.citizenshipCode,
};

function flowCell(row: FlowRow, asked: ReadonlySet<FlowDimension>, suppressed: boolean) {
  const when = dimensionReader(asked);
  return {
    month: when('MONTH', row.month),
    comune: when('COMUNE', row.comuneCode, (istatCode) => ({ istatCode })),
    sectorDivision: when('SECTOR', row.sectorDivision),
    contractType: when('CONTRACT_TYPE', row.contractTypeCode, describeContractType),
    type: when('TYPE', row.type),
    sex: when('SEX', row.sex),
    citizenship: when('CITIZENSHIP', row.citizenshipCode, describeCitizenship),
    communications: measure(row.communications, suppressed),
    workers: measure(row.workers, suppressed),
    suppressed,
  };
}

interface CommunicationsArgs {
  from?: string | null;
  to?: string | null;
  type?: CommunicationType | null;
  first?: number | null;
  after?: string | null;
}

/** What one page of an employer's communications asks of co, its arguments checked. */
function communicationsPage(employerId: string, args: CommunicationsArgs) {
  const first = checkFirst(args.first, CO_PAGE_LIMIT_CAP, DEFAULT_COMMUNICATIONS_FIRST);
  if (args.from && args.to && args.from > args.to)
    throw badUserInput('from must not be after to', 'from');
  const position = decodeCommunicationCursor(args.after);
  const query: EmployerCommunicationsQuery = {
    employerId,
    from: args.from ?? undefined,
    to: args.to ?? undefined,
    type: args.type ? COMMUNICATION_TYPE_CODES[args.type] : undefined,
    cursor: position.coCursor,
    // One co request whatever the position: a mid-page cursor re-reads its page's start.
    limit: Math.min(CO_PAGE_LIMIT_CAP, position.skip + first),
  };
  return { first, position, query };
}

/**
 * An employer's communications are keyed by the employer's id, which `employer(id:)` already
 * has: when the operation asks for them, each page asked for starts loading beside the employer
 * itself, so that the desk's employer page costs one round of co requests instead of two. The
 * requests are the ones the field would make once the employer is found; an id co does not
 * know costs them too (one per distinct page asked for). Not for partners, whose right to an
 * employer's communications depends on the employer's record (nothing is asked of co before
 * that check), nor for ids co cannot hold or pages whose arguments the field refuses. A failed
 * early load is left to the field's resolver, which meets the same (cached) failure.
 */
function prefetchCommunications(
  ctx: EmployersContext,
  employerId: string,
  info: GraphQLResolveInfo,
): void {
  if (ctx.caller.principal.role === 'partner' || !CO_ID_SHAPES.employer.test(employerId)) return;
  startEarly(info, 'communications', (args) =>
    ctx.loaders.communicationsByEmployerId.load(communicationsPage(employerId, args).query),
  );
}

export const resolvers: GraphQLResolverMap<EmployersContext> = {
  Date: DateScalar,
  IdempotencyKey: IdempotencyKeyScalar,
  Mutation: mutationResolvers,
  YearMonth: YearMonthScalar,
  Query: {
    employer: (
      _: unknown,
      { id }: { id: string },
      ctx: EmployersContext,
      info: GraphQLResolveInfo,
    ) => {
      const employer = ctx.loaders.employerById.load(id);
      prefetchCommunications(ctx, id, info);
      return employer;
    },
    employerByFiscalCode: (
      _: unknown,
      { fiscalCode }: { fiscalCode: string },
      ctx: EmployersContext,
    ) => {
      if (!isValidPartitaIva(fiscalCode)) {
        throw badUserInput(
          'fiscalCode must be an 11-digit partita IVA with a valid check digit',
          'fiscalCode',
        );
      }
      return ctx.loaders.employerByFiscalCode.load(fiscalCode);
    },
    employers: (
      _: unknown,
      args: {
        sectorPrefix?: string | null;
        comune?: string | null;
        first?: number | null;
        after?: string | null;
      },
      ctx: EmployersContext,
    ) => {
      const ateco = checkPattern(
        args.sectorPrefix,
        SECTOR_PREFIX,
        'sectorPrefix must be an ATECO prefix like 13 or 14.13',
        'sectorPrefix',
      );
      const comune = checkPattern(
        args.comune,
        COMUNE_CODE,
        'comune must be a 6-digit ISTAT code',
        'comune',
      );
      return searchConnection(args, (page) =>
        ctx.loaders.employerSearch.load({ ateco, comune, ...page }),
      );
    },
    communication: async (_: unknown, { id }: { id: string }, ctx: EmployersContext) =>
      readableCommunication(ctx, await ctx.loaders.communicationById.load(id)),
    vacancy: (_: unknown, { id }: { id: string }, ctx: EmployersContext) =>
      ctx.loaders.vacancyById.load(id),
    vacancies: (
      _: unknown,
      args: {
        status?: VacancyStatus | null;
        comune?: string | null;
        occupationPrefix?: string | null;
        first?: number | null;
        after?: string | null;
      },
      ctx: EmployersContext,
    ) => {
      const comune = checkPattern(
        args.comune,
        COMUNE_CODE,
        'comune must be a 6-digit ISTAT code',
        'comune',
      );
      const occupation = checkPattern(
        args.occupationPrefix,
        OCCUPATION_PREFIX,
        'occupationPrefix must be a CP2011 prefix like 6.5.3',
        'occupationPrefix',
      );
      const status = args.status ? VACANCY_STATUS_CODES[args.status] : undefined;
      return searchConnection(args, (page) =>
        ctx.loaders.vacancySearch.load({ status, comune, occupation, ...page }),
      );
    },
    communicationFlows: async (
      _: unknown,
      args: { from: string; to: string; groupBy: FlowDimension[] },
      ctx: EmployersContext,
    ) => {
      checkDateRange(args.from, args.to, MAX_FLOW_DAYS);
      const asked = new Set(args.groupBy);
      const rows = await ctx.loaders.flows.load({
        from: args.from,
        to: args.to,
        groupBy: [...asked].map((dimension) => FLOW_DIMENSION_NAMES[dimension]),
      });
      // Suppression counts workers, the distinct people of a cell, and keeps every line of
      // the table protected against its margins (../shared/suppression.ts), for every caller.
      const coordinates = (Object.keys(FLOW_COORDINATES) as FlowDimension[]).filter((d) =>
        asked.has(d),
      );
      const hidden = suppressRows(rows, {
        upstream: 'co',
        minPeople: ctx.minCellPeople ?? DEFAULT_MIN_CELL_PEOPLE,
        coordinates: (row) => coordinates.map((d) => FLOW_COORDINATES[d](row)),
        people: (row) => row.workers,
      });
      return rows.map((row, i) => flowCell(row, asked, hidden[i] === true));
    },
  },
  Employer: {
    __resolveReference: (ref: { id: string }, ctx: EmployersContext) =>
      ctx.loaders.employerById.load(ref.id),
    sector: (e: Employer) => describeSector(e.atecoCode),
    sizeClass: (e: Employer) => describeSizeClass(e.sizeClassCode),
    usualCollectiveAgreement: (e: Employer) =>
      e.ccnlCode === null ? null : describeCollectiveAgreement(e.ccnlCode),
    communications: async (
      e: Employer,
      args: CommunicationsArgs,
      ctx: EmployersContext,
    ): Promise<Connection<Communication>> => {
      // Before anything else: a refused partner learns nothing, not even about its arguments.
      assertMayReadCommunicationsOf(ctx.caller, e);
      const { first, position, query } = communicationsPage(e.id, args);
      const page = await ctx.loaders.communicationsByEmployerId.load(query);
      const nodes = page.items.slice(position.skip, position.skip + first);
      const exhaustsFetched = position.skip + nodes.length >= page.items.length;
      const edges = nodes.map((node, i) => ({
        node,
        cursor:
          i === nodes.length - 1 && exhaustsFetched && page.nextCursor !== null
            ? encodeCommunicationCursor({ coCursor: page.nextCursor, skip: 0 })
            : encodeCommunicationCursor({
                coCursor: position.coCursor,
                skip: position.skip + i + 1,
              }),
      }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.nextCursor !== null || !exhaustsFetched,
          hasPreviousPage: args.after !== null && args.after !== undefined,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: page.total,
      };
    },
    vacancies: (e: Employer, _: unknown, ctx: EmployersContext) =>
      ctx.loaders.vacanciesByEmployerId.load(e.id),
  },
  EmploymentCommunication: {
    // The path other subgraphs and `_entities` take: the same rule as Query.communication.
    __resolveReference: async (ref: { id: string }, ctx: EmployersContext) =>
      readableCommunication(ctx, await ctx.loaders.communicationById.load(ref.id)),
    employer: (c: Communication, _: unknown, ctx: EmployersContext) =>
      employerOf(ctx, c.employerId),
    worker: (c: Communication) => ({ fiscalCodeKey: c.workerFiscalCode }),
    workplace: (c: Communication) => ({ istatCode: c.workplaceCode }),
    contractType: (c: Communication) => describeContractType(c.contractTypeCode),
    workingTime: (c: Communication) => describeWorkingTime(c.workingTimeCode),
    collectiveAgreement: (c: Communication) =>
      c.ccnlCode === null ? null : describeCollectiveAgreement(c.ccnlCode),
    occupation: (c: Communication) => describeOccupation(c.occupationCode),
    transformation: (c: Communication) =>
      c.transformationCode === null ? null : describeTransformation(c.transformationCode),
    cessationCause: (c: Communication) =>
      c.cessationCauseCode === null ? null : describeCessationCause(c.cessationCauseCode),
    handledAt: (c: Communication) => (c.deskId === null ? null : { id: c.deskId }),
  },
  Worker: {
    // co knows people only by fiscal code: the reference is all there is to resolve.
    __resolveReference: (ref: { fiscalCodeKey: string }) => ({ fiscalCodeKey: ref.fiscalCodeKey }),
    employmentHistory: (w: { fiscalCodeKey: string }, _: unknown, ctx: EmployersContext) => {
      const fiscalCode = w.fiscalCodeKey.toUpperCase();
      assertOwnRecord(ctx.caller, { fiscalCode });
      assertMayReadEmploymentHistory(ctx.caller);
      return ctx.loaders.communicationsByWorkerFiscalCode.load(fiscalCode);
    },
  },
  Address: addressResolvers,
  Vacancy: {
    __resolveReference: (ref: { id: string }, ctx: EmployersContext) =>
      ctx.loaders.vacancyById.load(ref.id),
    employer: (v: Vacancy, _: unknown, ctx: EmployersContext) => employerOf(ctx, v.employerId),
    occupation: (v: Vacancy) => describeOccupation(v.occupationCode),
    contractType: (v: Vacancy) => describeContractType(v.contractTypeCode),
    comune: (v: Vacancy) => ({ istatCode: v.comuneCode }),
  },
};
