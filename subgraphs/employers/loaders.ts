// Per-request loaders over co. co has batch endpoints (50 ids) for employers,
// communications, vacancies and workers' histories; its other reads take one employer
// or one search per request, and those loaders only coalesce identical keys and bound
// the requests in flight.
import DataLoader from 'dataloader';
import type { Page } from '../shared/decode.js';
import {
  byId,
  chunk,
  compareText,
  distinctPage,
  distinctSorted,
  groupByKeys,
  mapWithConcurrency,
  orderByKeys,
} from '../shared/batch.js';
import { isValidFiscalCode, isValidPartitaIva } from '../../lib/fiscal-code.js';
import {
  CO_ID_CAP,
  CO_ID_SHAPES,
  type CoClient,
  type EmployerCommunicationsQuery,
  type EmployerSearch,
  type FlowsQuery,
  type VacancySearch,
} from './client.js';
import type { Communication, CommunicationPage, Employer, FlowRow, Vacancy } from './model.js';

/** The part of CoClient the loaders use (tests pass a recording fake). */
export type CoReader = Pick<
  CoClient,
  | 'getEmployersByIds'
  | 'getEmployersByFiscalCodes'
  | 'searchEmployers'
  | 'getCommunicationsByIds'
  | 'getEmployerCommunications'
  | 'getCommunicationsByWorkerFiscalCodes'
  | 'getVacanciesByIds'
  | 'getEmployerVacancies'
  | 'searchVacancies'
  | 'getFlows'
>;

export interface LoaderOptions {
  /** Requests in flight at once for loaders that cost one co request per key. */
  concurrency: number;
}

export interface EmployerLoaders {
  employerById: DataLoader<string, Employer | null>;
  employerByFiscalCode: DataLoader<string, Employer | null>;
  employerSearch: DataLoader<EmployerSearch, Page<Employer>, string>;
  communicationById: DataLoader<string, Communication | null>;
  communicationsByEmployerId: DataLoader<EmployerCommunicationsQuery, CommunicationPage, string>;
  communicationsByWorkerFiscalCode: DataLoader<string, Communication[]>;
  vacancyById: DataLoader<string, Vacancy | null>;
  vacanciesByEmployerId: DataLoader<string, Vacancy[]>;
  vacancySearch: DataLoader<VacancySearch, Page<Vacancy>, string>;
  flows: DataLoader<FlowsQuery, FlowRow[], string>;
}

// co refuses a whole list (400) when one value in it is malformed, and a comma in a key
// would split it: a malformed key is answered null (or an empty list) without being sent,
// so that it cannot fail the other keys of its batch.
const shaped = (pattern: RegExp) => (key: string) => pattern.test(key);

/**
 * Fetches the well-formed distinct keys in chunks of co's cap. Chunking here rather than
 * with `maxBatchSize` settles every key of a tick at once, so the loads they lead to (each
 * row's employer...) meet in one batch of the next level. A failed chunk fails only its
 * own keys: they get its Error, the others their records. A chunk's answer keeps only the
 * records of the keys that chunk asked for: a foreign record cannot pass for the record of
 * a key another chunk asked for.
 */
async function fetchInChunks<T>(
  keys: readonly string[],
  wellFormed: (key: string) => boolean,
  fetch: (keys: string[]) => Promise<T[]>,
  keyOf: (record: T) => string,
): Promise<{ records: T[]; failed: Map<string, Error> }> {
  const chunks = chunk([...new Set(keys.filter(wellFormed))], CO_ID_CAP);
  const settled = await Promise.allSettled(chunks.map(fetch));
  const records: T[] = [];
  const failed = new Map<string, Error>();
  settled.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      const asked = new Set(chunks[i]);
      records.push(...outcome.value.filter((record) => asked.has(keyOf(record))));
    } else {
      const error =
        outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
      for (const key of chunks[i] ?? []) failed.set(key, error);
    }
  });
  return { records, failed };
}

/** A batch function for a co batch endpoint answering one record (or null) per key. */
function byKeys<T>(
  fetch: (keys: string[]) => Promise<T[]>,
  wellFormed: (key: string) => boolean,
  keyOf: (record: T) => string,
): (keys: readonly string[]) => Promise<(T | null | Error)[]> {
  return async (keys) => {
    const { records, failed } = await fetchInChunks(keys, wellFormed, fetch, keyOf);
    const ordered = orderByKeys(keys, records, keyOf);
    return keys.map((key, i) => failed.get(key) ?? ordered[i] ?? null);
  };
}

/** A loader whose every distinct key costs one co request; a failed key fails alone. */
function perKey<K, V>(
  fetch: (key: K) => Promise<V>,
  cacheKeyFn: (key: K) => string,
  options: LoaderOptions,
): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>(
    (keys) => mapWithConcurrency(keys, options.concurrency, fetch),
    { cacheKeyFn },
  );
}

/** co's own order of an employer's communications (API.md), and the schema's. */
const oldestFirst = (a: Communication, b: Communication): number =>
  compareText(a.startDate, b.startDate) || compareText(a.id, b.id);
const newestFirst = (a: Vacancy, b: Vacancy): number =>
  compareText(b.postedOn, a.postedOn) || compareText(b.id, a.id);

export function createLoaders(
  client: CoReader,
  options: LoaderOptions = { concurrency: 8 },
): EmployerLoaders {
  const employerById = new DataLoader<string, Employer | null>(
    byKeys(
      (ids) => client.getEmployersByIds(ids),
      shaped(CO_ID_SHAPES.employer),
      (e) => e.id,
    ),
  );
  const primeEmployers = (employers: readonly Employer[]): void => {
    for (const e of employers) employerById.prime(e.id, e);
  };

  const communicationById = new DataLoader<string, Communication | null>(
    byKeys(
      (ids) => client.getCommunicationsByIds(ids),
      shaped(CO_ID_SHAPES.communication),
      (c) => c.id,
    ),
  );
  const primeCommunications = (communications: readonly Communication[]): void => {
    for (const c of communications) communicationById.prime(c.id, c);
  };

  const vacancyById = new DataLoader<string, Vacancy | null>(
    byKeys(
      (ids) => client.getVacanciesByIds(ids),
      shaped(CO_ID_SHAPES.vacancy),
      (v) => v.id,
    ),
  );
  const primeVacancies = (vacancies: readonly Vacancy[]): void => {
    for (const v of vacancies) vacancyById.prime(v.id, v);
  };

  return {
    employerById,
    communicationById,
    vacancyById,

    employerByFiscalCode: new DataLoader<string, Employer | null>(async (fiscalCodes) => {
      const found = await byKeys(
        (cfs) => client.getEmployersByFiscalCodes(cfs),
        isValidPartitaIva,
        (e) => e.fiscalCode,
      )(fiscalCodes);
      primeEmployers(found.filter((e): e is Employer => e !== null && !(e instanceof Error)));
      return found;
    }),

    // Searches are "ordered by id": each record once, sorted whatever co sent.
    employerSearch: perKey(
      async (search) => {
        const page = distinctPage(await client.searchEmployers(search), (e) => e.id, byId);
        primeEmployers(page.items);
        return page;
      },
      (s) => JSON.stringify([s.ateco ?? null, s.comune ?? null, s.pagina, s.dimensione]),
      options,
    ),

    // Keyed by (employer, filters, cursor, limit) so that the pages asked by several
    // Employer objects in one GraphQL request meet in one batch; still, each distinct key
    // is one upstream request, because co pages one employer at a time (`azienda=` takes
    // a single id). What the batch buys is coalescing of identical pages and a bound on
    // the requests in flight.
    communicationsByEmployerId: perKey(
      async (query) => {
        // Only this employer's rows, each once, by start date then id whatever co sent: the
        // cursors of Employer.communications count positions in this order.
        const page = await client.getEmployerCommunications(query);
        const items = distinctSorted(
          page.items.filter((c) => c.employerId === query.employerId),
          (c) => c.id,
          oldestFirst,
        );
        primeCommunications(items);
        return { ...page, items };
      },
      (q) =>
        JSON.stringify([
          q.employerId,
          q.from ?? null,
          q.to ?? null,
          q.type ?? null,
          q.cursor ?? null,
          q.limit,
        ]),
      options,
    ),

    // One request per 50 workers; co answers the communications of all of them together.
    communicationsByWorkerFiscalCode: new DataLoader<string, Communication[]>(
      async (fiscalCodes) => {
        const { records, failed } = await fetchInChunks(
          fiscalCodes,
          isValidFiscalCode,
          (cfs) => client.getCommunicationsByWorkerFiscalCodes(cfs),
          (c) => c.workerFiscalCode,
        );
        const histories = groupByKeys(
          fiscalCodes,
          records,
          (c) => c.workerFiscalCode,
          (c) => c.id,
        );
        primeCommunications(histories.flat());
        return fiscalCodes.map((cf, i) => failed.get(cf) ?? (histories[i] ?? []).sort(oldestFirst));
      },
    ),

    // co's offerte?azienda= takes one employer: one request per distinct employer.
    vacanciesByEmployerId: perKey(
      async (employerId) => {
        const vacancies = CO_ID_SHAPES.employer.test(employerId)
          ? await client.getEmployerVacancies(employerId)
          : [];
        const own = distinctSorted(
          vacancies.filter((v) => v.employerId === employerId),
          (v) => v.id,
          newestFirst,
        );
        primeVacancies(own);
        return own;
      },
      (id) => id,
      options,
    ),

    vacancySearch: perKey(
      async (search) => {
        const page = distinctPage(await client.searchVacancies(search), (v) => v.id, byId);
        primeVacancies(page.items);
        return page;
      },
      (s) =>
        JSON.stringify([
          s.status ?? null,
          s.comune ?? null,
          s.occupation ?? null,
          s.pagina,
          s.dimensione,
        ]),
      options,
    ),

    flows: perKey(
      (query) => client.getFlows(query),
      (q) => JSON.stringify([q.from, q.to, q.groupBy]),
      options,
    ),
  };
}
