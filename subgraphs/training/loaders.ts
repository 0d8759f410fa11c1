// Per-request loaders over trio. trio has batch endpoints for people (20 fiscal codes)
// and desks (20), but none for courses: courseById fans out one GET per distinct id,
// at most `courseConcurrency` in flight for the whole GraphQL request.
import DataLoader from 'dataloader';
import { isValidFiscalCode } from '../../lib/fiscal-code.js';
import {
  byId,
  chunk,
  distinctPage,
  distinctSorted,
  groupByKeys,
  mapWithConcurrency,
  orderByKeys,
} from '../shared/batch.js';
import type { Page } from '../shared/decode.js';
import { once } from '../shared/memo.js';
import {
  FISCAL_CODE_CAP,
  WORKSTATION_DESK_CAP,
  isCourseId,
  type CourseSearch,
  type TrioClient,
} from './client.js';
import { createLimiter } from './limiter.js';
import type {
  Certificate,
  Course,
  CourseArea,
  CourseUsageDimension,
  CourseUsageRow,
  Enrollment,
  Workstation,
} from './model.js';

/** What the loaders need of the client; tests pass a recording fake. */
export type TrioApi = Pick<
  TrioClient,
  | 'getAreas'
  | 'searchCourses'
  | 'getCourse'
  | 'getEnrollments'
  | 'getCertificates'
  | 'getWorkstations'
  | 'getCourseUsage'
>;

export const DEFAULT_COURSE_CONCURRENCY = 8;

export interface LoaderOptions {
  /** Most GET /v1/corsi/{id} in flight at once for one GraphQL request. */
  courseConcurrency: number;
}

export interface CourseUsageKey {
  from: string;
  to: string;
  groupBy: readonly CourseUsageDimension[];
}

export interface TrainingLoaders {
  areas: () => Promise<CourseArea[]>;
  areaByCode: DataLoader<string, CourseArea | null>;
  courseById: DataLoader<string, Course | null>;
  coursePage: DataLoader<CourseSearch, Page<Course>, string>;
  enrollmentsByFiscalCode: DataLoader<string, Enrollment[]>;
  certificatesByFiscalCode: DataLoader<string, Certificate[]>;
  workstationsByDeskId: DataLoader<string, Workstation[]>;
  workstationById: DataLoader<string, Workstation | null>;
  courseUsage: DataLoader<CourseUsageKey, CourseUsageRow[], string>;
}

/**
 * Registry codes (PO-NORD, MM, PA-CGIL-1). Desk ids travel in a comma-separated query
 * parameter, and trio refuses a whole batch for one malformed id: anything else gets an
 * empty list without reaching trio.
 */
const DESK_ID = /^[A-Z0-9][A-Z0-9-]{0,29}$/;

/**
 * The desk a workstation belongs to. trio names workstations `<deskId>-<n>` (PO-NORD-1,
 * PA-CGIL-1-2); desk ids may contain hyphens themselves, so only the last `-<n>` is cut.
 * The answer is checked against the workstation's own `sportello`, so a workstation
 * named otherwise resolves to null rather than to a wrong desk.
 */
export function deskIdOfWorkstation(workstationId: string): string | null {
  const m = /^(.+)-\d{1,4}$/.exec(workstationId);
  return m && DESK_ID.test(m[1] as string) ? (m[1] as string) : null;
}

const byDateThenId =
  <T extends { id: string }>(dateOf: (item: T) => string) =>
  (a: T, b: T): number =>
    dateOf(a) < dateOf(b) ? -1 : dateOf(a) > dateOf(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Loads per-person lists in batches of at most FISCAL_CODE_CAP codes, grouped by fiscal
 * code, each record once (by id), oldest first. Malformed codes get an empty list without
 * reaching trio; records of people not asked for are dropped.
 */
function perPerson<T extends { id: string; fiscalCode: string }>(
  fetch: (codes: readonly string[]) => Promise<T[]>,
  dateOf: (item: T) => string,
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(
    async (codes) => {
      const valid = [...new Set(codes.filter(isValidFiscalCode))];
      const records = (await Promise.all(chunk(valid, FISCAL_CODE_CAP).map(fetch))).flat();
      return groupByKeys(
        codes,
        records,
        (r) => r.fiscalCode,
        (r) => r.id,
      ).map((list) => list.sort(byDateThenId(dateOf)));
    },
    { maxBatchSize: FISCAL_CODE_CAP },
  );
}

export function createLoaders(client: TrioApi, options: LoaderOptions): TrainingLoaders {
  const areas = once(() => client.getAreas());
  const limit = createLimiter(options.courseConcurrency);

  const courseById = new DataLoader<string, Course | null>(async (ids) => {
    // DataLoader already coalesces identical keys within a request; the Set guards the
    // contract should caching ever be turned off.
    const wanted = [...new Set(ids.filter(isCourseId))];
    const fetched = await mapWithConcurrency(wanted, options.courseConcurrency, (id) =>
      limit(() => client.getCourse(id)),
    );
    const byId = new Map<string, Course | null | Error>(
      wanted.map((id, i) => [id, fetched[i] ?? null]),
    );
    return ids.map((id) => {
      const found = byId.get(id) ?? null;
      // An answer for another id is trio's confusion, not this course.
      return found === null || found instanceof Error || found.id === id ? found : null;
    });
  });

  const workstationsByDeskId = new DataLoader<string, Workstation[]>(
    async (deskIds) => {
      const valid = [...new Set(deskIds.filter((id) => DESK_ID.test(id)))];
      const records = (
        await Promise.all(
          chunk(valid, WORKSTATION_DESK_CAP).map((ids) => client.getWorkstations(ids)),
        )
      ).flat();
      return groupByKeys(
        deskIds,
        records,
        (w) => w.deskId,
        (w) => w.id,
      ).map((list) =>
        list
          .map((w) => ({
            ...w,
            bookings: distinctSorted(
              w.bookings,
              (b) => b.id,
              (a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt),
            ),
          }))
          .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true })),
      );
    },
    { maxBatchSize: WORKSTATION_DESK_CAP },
  );

  return {
    areas,
    areaByCode: new DataLoader(async (codes) => orderByKeys(codes, await areas(), (a) => a.code)),
    courseById,
    coursePage: new DataLoader(
      async (searches) =>
        mapWithConcurrency(searches, options.courseConcurrency, async (search) => {
          // The catalogue is "ordered by id": each course once, sorted whatever trio sent.
          const page = distinctPage(await client.searchCourses(search), (c) => c.id, byId);
          // A page already holds whole courses: later Course fields must not refetch them.
          for (const course of page.items) courseById.prime(course.id, course);
          return page;
        }),
      {
        cacheKeyFn: (s) =>
          JSON.stringify([
            s.area ?? null,
            s.search ?? null,
            s.certifiable ?? null,
            s.pagina,
            s.dimensione,
          ]),
      },
    ),
    enrollmentsByFiscalCode: perPerson(
      (codes) => client.getEnrollments(codes),
      (e) => e.enrolledOn,
    ),
    certificatesByFiscalCode: perPerson(
      (codes) => client.getCertificates(codes),
      (c) => c.issuedOn,
    ),
    workstationsByDeskId,
    workstationById: new DataLoader(async (ids) => {
      const deskIds = ids.map(deskIdOfWorkstation);
      const desks = [...new Set(deskIds.filter((id): id is string => id !== null))];
      const lists = await workstationsByDeskId.loadMany(desks);
      const byDesk = new Map(desks.map((id, i) => [id, lists[i]]));
      return ids.map((id, i) => {
        const deskId = deskIds[i];
        const list = deskId ? byDesk.get(deskId) : undefined;
        if (list instanceof Error) return list;
        return list?.find((w) => w.id === id) ?? null;
      });
    }),
    courseUsage: new DataLoader(
      async (keys) =>
        mapWithConcurrency(keys, options.courseConcurrency, (key) => client.getCourseUsage(key)),
      { cacheKeyFn: (k) => `${k.from}|${k.to}|${k.groupBy.join(',')}` },
    ),
  };
}
