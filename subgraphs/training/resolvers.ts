// Training subgraph resolvers: no I/O here, only loaders.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { assertOwnRecord, type CallerContext } from '../shared/trust.js';
import { badUserInput, UpstreamBadResponseError } from '../shared/errors.js';
import { checkFirst, offsetAfter, pagedConnection, type Connection } from '../shared/pagination.js';
import { checkDateRange } from '../shared/ranges.js';
import {
  DateScalar,
  DateTimeScalar,
  FiscalCodeScalar,
  YearMonthScalar,
} from '../shared/scalars.js';
import { IdempotencyKeyScalar } from '../shared/writes.js';
import {
  DEFAULT_MIN_CELL_PEOPLE,
  measure,
  suppressRows,
  type Coordinate,
} from '../shared/suppression.js';
import { COURSE_PAGE_CAP } from './client.js';
import type { TrainingLoaders } from './loaders.js';
import {
  bookWorkstation,
  bookedWorkstation,
  enrolInCourse,
  type BookWorkstationInput,
  type BookWorkstationResult,
  type EnrolInCourseInput,
  type TrioWrites,
} from './mutations.js';
import type {
  Certificate,
  Course,
  CourseArea,
  CourseUsageDimension,
  CourseUsageRow,
  Enrollment,
  Workstation,
} from './model.js';

/** The person's fiscal code, once the caller may read their records (citizens: only their own). */
function ownFiscalCode(ctx: TrainingContext, worker: { fiscalCodeKey: string }): string {
  const fiscalCode = worker.fiscalCodeKey.toUpperCase();
  assertOwnRecord(ctx.caller, { fiscalCode });
  return fiscalCode;
}

export interface TrainingContext extends CallerContext {
  loaders: TrainingLoaders;
  /** trio's write endpoints (mutations only). */
  writes: TrioWrites;
  /** The clock for the write rules ("in the future"); tests fix it. Default Date.now. */
  now?: () => number;
  /** Usage cells counting fewer distinct people are suppressed; default 5 (SECURITY.md). */
  minCellPeople?: number;
}

/** Longest date range a usage query may span: ten years (the dataset covers five). */
export const MAX_USAGE_DAYS = 3653;

/**
 * Each usage dimension's raw value in a row, in the schema's order. A null desk, when
 * grouping by desk, is a value of its own: enrolments from home.
 */
const USAGE_COORDINATES: Readonly<
  Record<CourseUsageDimension, (row: CourseUsageRow) => Coordinate>
> = {
  MONTH: (row) => row.month,
  DESK: (row) => row.deskId,
  AREA: (row) => row.areaCode,
};
/** Longest catalogue search text, after trimming. */
export const MAX_SEARCH_LENGTH = 100;
/** Most words trio matches in one search (it refuses more with a 400). */
export const MAX_SEARCH_WORDS = 8;
const DEFAULT_PAGE_SIZE = 20;

interface CatalogueFilter {
  area?: string | undefined;
  search?: string | undefined;
  certifiable?: boolean | undefined;
}

/** The search text as sent to trio: trimmed, bounded, printable; undefined when blank. */
export function checkSearch(search: string | null | undefined): string | undefined {
  if (search === null || search === undefined) return undefined;
  const text = search.trim();
  if (text.length > MAX_SEARCH_LENGTH) {
    throw badUserInput(`search may be at most ${MAX_SEARCH_LENGTH} characters`, 'search');
  }
  if (/\p{Cc}/u.test(text))
    throw badUserInput('search must not contain control characters', 'search');
  if (text === '') return undefined;
  // trio matches words of letters and digits, accents folded, and refuses a search with
  // none or with too many: say so here rather than as an upstream rejection.
  const words = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  if (words.length === 0)
    throw badUserInput('search must contain a word of letters or digits', 'search');
  if (words.length > MAX_SEARCH_WORDS) {
    throw badUserInput(`search may contain at most ${MAX_SEARCH_WORDS} words`, 'search');
  }
  return text;
}

/** One Relay page of the catalogue. */
function catalogue(
  loaders: TrainingLoaders,
  filter: CatalogueFilter,
  firstArg: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection<Course>> {
  const first = checkFirst(firstArg, COURSE_PAGE_CAP, DEFAULT_PAGE_SIZE);
  return pagedConnection(first, after, (page) => loaders.coursePage.load({ ...filter, ...page }));
}

/** A reference trio makes (a course of an enrolment) that trio itself cannot resolve. */
function dangling(field: string): never {
  throw new UpstreamBadResponseError('trio', `field ${field}`);
}

export const resolvers: GraphQLResolverMap<TrainingContext> = {
  Date: DateScalar,
  YearMonth: YearMonthScalar,
  DateTime: DateTimeScalar,
  FiscalCode: FiscalCodeScalar,
  IdempotencyKey: IdempotencyKeyScalar,
  Mutation: {
    enrolInCourse: (
      _: unknown,
      args: { input: EnrolInCourseInput; idempotencyKey: string },
      ctx: TrainingContext,
    ) => enrolInCourse(args, ctx),
    bookWorkstation: (
      _: unknown,
      args: { input: BookWorkstationInput; idempotencyKey: string },
      ctx: TrainingContext,
    ) => bookWorkstation(args, ctx),
  },
  BookWorkstationPayload: {
    workstation: (result: BookWorkstationResult, _: unknown, ctx: TrainingContext) =>
      bookedWorkstation(result, ctx),
  },
  Query: {
    courseAreas: (_: unknown, __: unknown, ctx: TrainingContext) => ctx.loaders.areas(),
    courses: async (
      _: unknown,
      args: {
        area?: string | null;
        search?: string | null;
        certifiable?: boolean | null;
        first?: number | null;
        after?: string | null;
      },
      ctx: TrainingContext,
    ) => {
      const search = checkSearch(args.search);
      checkFirst(args.first, COURSE_PAGE_CAP, DEFAULT_PAGE_SIZE);
      offsetAfter(args.after);
      if (args.area !== null && args.area !== undefined) {
        const known = (await ctx.loaders.areas()).some((a) => a.code === args.area);
        if (!known) throw badUserInput('area is not a known course area code', 'area');
      }
      return catalogue(
        ctx.loaders,
        { area: args.area ?? undefined, search, certifiable: args.certifiable ?? undefined },
        args.first,
        args.after,
      );
    },
    course: (_: unknown, { id }: { id: string }, ctx: TrainingContext) =>
      ctx.loaders.courseById.load(id),
    courseUsage: async (
      _: unknown,
      args: { from: string; to: string; groupBy: CourseUsageDimension[] },
      ctx: TrainingContext,
    ) => {
      checkDateRange(args.from, args.to, MAX_USAGE_DAYS);
      const asked = new Set(args.groupBy);
      const rows = await ctx.loaders.courseUsage.load({
        from: args.from,
        to: args.to,
        groupBy: [...asked],
      });
      // Suppression counts people (distinct) and keeps every line of the table protected
      // against its margins (../shared/suppression.ts), for every caller.
      const dimensions = (Object.keys(USAGE_COORDINATES) as CourseUsageDimension[]).filter((d) =>
        asked.has(d),
      );
      const hidden = suppressRows(rows, {
        upstream: 'trio',
        minPeople: ctx.minCellPeople ?? DEFAULT_MIN_CELL_PEOPLE,
        coordinates: (row) => dimensions.map((d) => USAGE_COORDINATES[d](row)),
        people: (row) => row.people,
      });
      return rows.map((row, i) => {
        const suppressed = hidden[i] === true;
        // A cell must not claim a grouping nobody asked for, whatever trio sent.
        return {
          month: asked.has('MONTH') ? row.month : null,
          deskId: asked.has('DESK') ? row.deskId : null,
          areaCode: asked.has('AREA') ? row.areaCode : null,
          enrollments: measure(row.enrollments, suppressed),
          completions: measure(row.completions, suppressed),
          people: measure(row.people, suppressed),
          suppressed,
        };
      });
    },
  },
  CourseArea: {
    __resolveReference: (ref: { code: string }, ctx: TrainingContext) =>
      ctx.loaders.areaByCode.load(ref.code),
    courses: (
      area: CourseArea,
      args: { first?: number | null; after?: string | null },
      ctx: TrainingContext,
    ) => catalogue(ctx.loaders, { area: area.code }, args.first, args.after),
  },
  Course: {
    __resolveReference: (ref: { id: string }, ctx: TrainingContext) =>
      ctx.loaders.courseById.load(ref.id),
    area: async (course: Course, _: unknown, ctx: TrainingContext) =>
      (await ctx.loaders.areaByCode.load(course.areaCode)) ?? dangling('area'),
  },
  Enrollment: {
    course: async (e: Enrollment, _: unknown, ctx: TrainingContext) =>
      (await ctx.loaders.courseById.load(e.courseId)) ?? dangling('corso'),
    desk: (e: Enrollment) => (e.deskId === null ? null : { id: e.deskId }),
  },
  Certificate: {
    course: async (c: Certificate, _: unknown, ctx: TrainingContext) =>
      (await ctx.loaders.courseById.load(c.courseId)) ?? dangling('corso'),
  },
  Worker: {
    // trio knows people only by fiscal code; fiscalCodeKey is the upper-case code.
    __resolveReference: (ref: { fiscalCodeKey: string }) => ({ fiscalCodeKey: ref.fiscalCodeKey }),
    trainingEnrollments: (w: { fiscalCodeKey: string }, _: unknown, ctx: TrainingContext) =>
      ctx.loaders.enrollmentsByFiscalCode.load(ownFiscalCode(ctx, w)),
    certificates: (w: { fiscalCodeKey: string }, _: unknown, ctx: TrainingContext) =>
      ctx.loaders.certificatesByFiscalCode.load(ownFiscalCode(ctx, w)),
  },
  Desk: {
    // The desks subgraph owns desks; here a desk is only its id and its workstations.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    workstations: (desk: { id: string }, _: unknown, ctx: TrainingContext) =>
      ctx.loaders.workstationsByDeskId.load(desk.id),
  },
  Workstation: {
    __resolveReference: (ref: { id: string }, ctx: TrainingContext) =>
      ctx.loaders.workstationById.load(ref.id),
    desk: (w: Workstation) => ({ id: w.deskId }),
    bookings: (w: Workstation, args: { from?: string | null; to?: string | null }) => {
      const from = args.from ?? null;
      const to = args.to ?? null;
      if (from !== null && to !== null && from > to)
        throw badUserInput('from must not be after to', 'from');
      // The day of a slot is its local day at the desk, as trio writes it.
      return w.bookings.filter((b) => {
        const day = b.startsAt.slice(0, 10);
        return (from === null || day >= from) && (to === null || day <= to);
      });
    },
  },
  CourseUsageCell: {
    desk: (row: Pick<CourseUsageRow, 'deskId'>) =>
      row.deskId === null ? null : { id: row.deskId },
    area: (row: Pick<CourseUsageRow, 'areaCode'>, _: unknown, ctx: TrainingContext) =>
      row.areaCode === null ? null : ctx.loaders.areaByCode.load(row.areaCode),
  },
};
