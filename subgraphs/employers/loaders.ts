// Per-request loaders over co. co has batch endpoints (50 ids) for employers,
// communications, vacancies and workers' histories; its other reads take one employer
// or one search per request, and those loaders only coalesce identical keys and bound
// the requests in flight.
import DataLoader from 'dataloader';
import type { Page } from '../shared/decode.js';
import { chunk, groupByKeys, mapWithConcurrency, orderByKeys } from '../shared/batch.js';
import {
  CO_ID_CAP,
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

// co's lists are comma-separated: a key that could smuggle a comma (or anything else odd)
// into one is answered null/empty without being sent, instead of failing its batch.
const CO_ID = /^[A-Za-z0-9_.-]{1,40}$/;
const FISCAL_CODE_KEY = /^[A-Z0-9]{11,16}$/;

/** A batch function for a co batch endpoint: well-formed distinct keys, in chunks of the cap. */
function byKeys<T>(
  fetch: (keys: string[]) => Promise<T[]>,
  wellFormed: RegExp,
  keyOf: (record: T) => string,
): (keys: readonly string[]) => Promise<(T | null)[]> {
  return async (keys) => {
    const wanted = [...new Set(keys.filter((k) => wellFormed.test(k)))];
    const answers = await Promise.all(chunk(wanted, CO_ID_CAP).map(fetch));
    return orderByKeys(keys, answers.flat(), keyOf);
  };
}

/** A loader whose every distinct key costs one co request; a failed key fails alone. */
function perKey<K, V>(
  fetch: (key: K) => Promise<V>,
  cacheKeyFn: (key: K) => string,
  options: LoaderOptions,
): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>((keys) => mapWithConcurrency(keys, options.concurrency, fetch), { cacheKeyFn });
}

const byStartThenId = (a: Communication, b: Communication): number =>
  a.startDate === b.startDate ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.startDate < b.startDate ? -1 : 1;

const newestFirst = (a: Vacancy, b: Vacancy): number =>
  a.postedOn === b.postedOn ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.postedOn < b.postedOn ? 1 : -1;

function distinctById<T extends { id: string }>(records: readonly T[]): T[] {
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.id) && (seen.add(r.id), true));
}

export function createLoaders(client: CoReader, options: LoaderOptions = { concurrency: 8 }): EmployerLoaders {
  const employerById = new DataLoader<string, Employer | null>(
    byKeys((ids) => client.getEmployersByIds(ids), CO_ID, (e) => e.id),
    { maxBatchSize: CO_ID_CAP },
  );
  const primeEmployers = (employers: readonly Employer[]): void => {
    for (const e of employers) employerById.prime(e.id, e);
  };

  const communicationById = new DataLoader<string, Communication | null>(
    byKeys((ids) => client.getCommunicationsByIds(ids), CO_ID, (c) => c.id),
    { maxBatchSize: CO_ID_CAP },
  );
  const primeCommunications = (communications: readonly Communication[]): void => {
    for (const c of communications) communicationById.prime(c.id, c);
  };

  const vacancyById = new DataLoader<string, Vacancy | null>(
    byKeys((ids) => client.getVacanciesByIds(ids), CO_ID, (v) => v.id),
    { maxBatchSize: CO_ID_CAP },
  );
  const primeVacancies = (vacancies: readonly Vacancy[]): void => {
    for (const v of vacancies) vacancyById.prime(v.id, v);
  };

  return {
    employerById,
    communicationById,
    vacancyById,

    employerByFiscalCode: new DataLoader(
      async (fiscalCodes) => {
        const found = await byKeys((cfs) => client.getEmployersByFiscalCodes(cfs), /^\d{11}$/, (e) => e.fiscalCode)(fiscalCodes);
        primeEmployers(found.filter((e) => e !== null));
        return found;
      },
      { maxBatchSize: CO_ID_CAP },
    ),

    employerSearch: perKey(
      async (search) => {
        const page = await client.searchEmployers(search);
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
        const page = await client.getEmployerCommunications(query);
        const items = page.items.filter((c) => c.employerId === query.employerId);
        primeCommunications(items);
        return { ...page, items };
      },
      (q) => JSON.stringify([q.employerId, q.from ?? null, q.to ?? null, q.type ?? null, q.cursor ?? null, q.limit]),
      options,
    ),

    // One request per 50 workers; co answers the communications of all of them together.
    communicationsByWorkerFiscalCode: new DataLoader(
      async (fiscalCodes) => {
        const wanted = [...new Set(fiscalCodes.filter((cf) => FISCAL_CODE_KEY.test(cf)))];
        const answers = await Promise.all(
          chunk(wanted, CO_ID_CAP).map((cfs) => client.getCommunicationsByWorkerFiscalCodes(cfs)),
        );
        const communications = answers.flat();
        primeCommunications(communications);
        return groupByKeys(fiscalCodes, communications, (c) => c.workerFiscalCode).map((history) =>
          distinctById(history).sort(byStartThenId),
        );
      },
      { maxBatchSize: CO_ID_CAP },
    ),

    // co's offerte?azienda= takes one employer: one request per distinct employer.
    vacanciesByEmployerId: perKey(
      async (employerId) => {
        const vacancies = CO_ID.test(employerId) ? await client.getEmployerVacancies(employerId) : [];
        const own = distinctById(vacancies.filter((v) => v.employerId === employerId));
        primeVacancies(own);
        return own.sort(newestFirst);
      },
      (id) => id,
      options,
    ),

    vacancySearch: perKey(
      async (search) => {
        const page = await client.searchVacancies(search);
        primeVacancies(page.items);
        return page;
      },
      (s) => JSON.stringify([s.status ?? null, s.comune ?? null, s.occupation ?? null, s.pagina, s.dimensione]),
      options,
    ),

    flows: perKey(
      (query) => client.getFlows(query),
      (q) => JSON.stringify([q.from, q.to, q.groupBy]),
      options,
    ),
  };
}
