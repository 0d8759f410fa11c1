// Per-request loaders over IDOL. Every batch function honours the DataLoader contract
// whatever IDOL answers (order, gaps, duplicates, foreign ids), and each loader's
// maxBatchSize is the cap of the endpoint behind it, so a request costs one upstream
// call per cap-sized batch of distinct keys, never one per row.
import DataLoader from 'dataloader';
import type { Page } from '../shared/decode.js';
import {
  byId,
  compareText,
  distinctPage,
  groupByKeys,
  mapWithConcurrency,
  orderByKeys,
} from '../shared/batch.js';
import {
  EMPLOYER_CAP,
  PERSON_CAP,
  VACANCY_CAP,
  type IdolApi,
  type JobSeekerSearch,
} from './client.js';
import type {
  Candidacy,
  GuidanceSession,
  IncomeSupportEpisode,
  JobSeekerProfile,
  RegistrationCell,
  Worker,
} from './model.js';

/** Searches in flight at once for one GraphQL request (Desk.jobSeekers over many desks). */
export const SEARCH_CONCURRENCY = 4;

export interface RegistrationStatsKey {
  from: string;
  to: string;
  /** Upstream dimension names (`mese`, `sportello`...), deduplicated. */
  groupBy: readonly string[];
}

export interface WorkerLoaders {
  workerById: DataLoader<string, Worker | null>;
  /** Keyed by the upper-case fiscal code (`fiscalCodeKey`). */
  workerByFiscalCode: DataLoader<string, Worker | null>;
  /** Null for a person who never registered at a desk. */
  profileByWorkerId: DataLoader<string, JobSeekerProfile | null>;
  /** Oldest first. */
  guidanceSessionsByWorkerId: DataLoader<string, GuidanceSession[]>;
  /** Best score first. */
  candidatesByVacancyId: DataLoader<string, Candidacy[]>;
  /** Oldest first. */
  incomeSupportByEmployerId: DataLoader<string, IncomeSupportEpisode[]>;
  /** One key is one page of /v1/lavoratori/ricerca. */
  jobSeekerPage: DataLoader<JobSeekerSearch, Page<Worker>, string>;
  registrationStats: DataLoader<RegistrationStatsKey, RegistrationCell[], string>;
}

/**
 * A key that can travel as one element of a comma-separated list. Anything else would
 * ask IDOL for other people (or more than the cap), so it is answered null unasked.
 */
export function isListableKey(key: string): boolean {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(key);
}

/** Asks `fetch` only for the listable keys and answers null for the others. */
async function fetchListable<T>(
  keys: readonly string[],
  fetch: (keys: string[]) => Promise<T[]>,
  keyOf: (record: T) => string,
): Promise<(T | null)[]> {
  const asked = [...new Set(keys.filter(isListableKey))];
  const records = asked.length > 0 ? await fetch(asked) : [];
  return orderByKeys(keys, records, keyOf);
}

/**
 * Like fetchListable for one-to-many answers: records of keys not asked for are dropped, and
 * a record repeated by the upstream (same `identity`) counts once, its first copy.
 */
async function fetchGrouped<T>(
  keys: readonly string[],
  fetch: (keys: string[]) => Promise<T[]>,
  keyOf: (record: T) => string,
  identity: (record: T) => string,
): Promise<T[][]> {
  const asked = [...new Set(keys.filter(isListableKey))];
  const records = asked.length > 0 ? await fetch(asked) : [];
  return groupByKeys(keys, records, keyOf, identity);
}

/**
 * A batch function whose failure fails each of its keys with an Error in its place, so that
 * DataLoader keeps the failure for the rest of the request. A rejected batch would be forgotten,
 * and the next load of a key (a field's own after one started early, resolvers.ts) would ask the
 * failing upstream again.
 */
function failEachKey<K, V>(
  batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
): (keys: readonly K[]) => Promise<(V | Error)[]> {
  return async (keys) => {
    try {
      return [...(await batch(keys))];
    } catch (failure) {
      const error = failure instanceof Error ? failure : new Error(String(failure));
      return keys.map(() => error);
    }
  };
}

// Each order is total over the records' identities, so that no order IDOL sends can show.
const byDateThenId = (a: GuidanceSession, b: GuidanceSession): number =>
  compareText(a.date, b.date) || compareText(a.id, b.id);
const byBestScore = (a: Candidacy, b: Candidacy): number =>
  b.score - a.score || compareText(a.workerId, b.workerId);
const byStartThenWorker = (a: IncomeSupportEpisode, b: IncomeSupportEpisode): number =>
  compareText(a.from, b.from) || compareText(a.workerId, b.workerId) || compareText(a.kind, b.kind);

export function createLoaders(client: IdolApi): WorkerLoaders {
  // The two person loaders feed each other: a person found by id is also known by
  // fiscal code for the rest of the request, and vice versa, so a plan that switches
  // keys (id -> fiscalCodeKey -> id) never asks IDOL twice for one person. Priming a
  // key already cached (such as the ones being answered) is a no-op.
  const primeBoth = (workers: readonly (Worker | null)[]): void => {
    for (const worker of workers) {
      if (!worker) continue;
      workerById.prime(worker.id, worker);
      workerByFiscalCode.prime(worker.fiscalCodeKey, worker);
    }
  };

  const workerById: DataLoader<string, Worker | null> = new DataLoader(
    failEachKey(async (ids: readonly string[]) => {
      const workers = await fetchListable(
        ids,
        (asked) => client.workersByIds(asked),
        (w) => w.id,
      );
      primeBoth(workers);
      return workers;
    }),
    { maxBatchSize: PERSON_CAP },
  );

  const workerByFiscalCode: DataLoader<string, Worker | null> = new DataLoader(
    failEachKey(async (codes: readonly string[]) => {
      const workers = await fetchListable(
        codes,
        (asked) => client.workersByFiscalCodes(asked),
        (w) => w.fiscalCodeKey,
      );
      primeBoth(workers);
      return workers;
    }),
    { maxBatchSize: PERSON_CAP },
  );

  return {
    workerById,
    workerByFiscalCode,
    profileByWorkerId: new DataLoader(
      failEachKey((ids: readonly string[]) =>
        fetchListable(
          ids,
          (asked) => client.profilesByWorkerIds(asked),
          (p) => p.workerId,
        ),
      ),
      { maxBatchSize: PERSON_CAP },
    ),
    guidanceSessionsByWorkerId: new DataLoader(
      failEachKey(async (ids: readonly string[]) =>
        (
          await fetchGrouped(
            ids,
            (asked) => client.guidanceSessionsByWorkerIds(asked),
            (s) => s.workerId,
            (s) => s.id,
          )
        ).map((sessions) => sessions.sort(byDateThenId)),
      ),
      { maxBatchSize: PERSON_CAP },
    ),
    candidatesByVacancyId: new DataLoader(
      failEachKey(async (ids: readonly string[]) =>
        (
          await fetchGrouped(
            ids,
            (asked) => client.candidaciesByVacancyIds(asked),
            (c) => c.vacancyId,
            (c) => `${c.vacancyId} ${c.workerId}`,
          )
        ).map((candidates) => candidates.sort(byBestScore)),
      ),
      { maxBatchSize: VACANCY_CAP },
    ),
    incomeSupportByEmployerId: new DataLoader(
      failEachKey(async (ids: readonly string[]) =>
        (
          await fetchGrouped(
            ids,
            (asked) => client.incomeSupportByEmployerIds(asked),
            (e) => e.employerId,
            (e) => `${e.workerId} ${e.employerId} ${e.kind} ${e.from}`,
          )
        ).map((episodes) => episodes.sort(byStartThenWorker)),
      ),
      { maxBatchSize: EMPLOYER_CAP },
    ),
    jobSeekerPage: new DataLoader(
      // IDOL has no multi-search: each distinct page is its own request, a few at a time.
      // Job seekers are "ordered by id": each person once, sorted whatever IDOL sent.
      async (searches) => {
        const pages = await mapWithConcurrency(searches, SEARCH_CONCURRENCY, async (search) =>
          distinctPage(await client.searchJobSeekers(search), (w) => w.id, byId),
        );
        for (const page of pages) if (!(page instanceof Error)) primeBoth(page.items);
        return pages;
      },
      {
        cacheKeyFn: (s) =>
          JSON.stringify([s.stato, s.comune, s.sportello, s.lista, s.pagina, s.dimensione]),
      },
    ),
    registrationStats: new DataLoader(
      (keys) =>
        mapWithConcurrency(keys, SEARCH_CONCURRENCY, (key) => client.registrationStats(key)),
      { cacheKeyFn: (k) => JSON.stringify([k.from, k.to, k.groupBy]) },
    ),
  };
}
