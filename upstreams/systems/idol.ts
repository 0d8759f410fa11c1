/**
 * idol: IDOL job seekers (API.md "idol"). Batch lookups capped at 100 ids (50 for
 * vacancies and employers), answered in shuffled order.
 */
import type Database from 'better-sqlite3';
import { badParameter, ok, paging, type Route } from '../http.js';
import {
  batchBody,
  createBatchHandler,
  createKeyedLookup,
  createPagedSearch,
  createStatisticsRoute,
  type KeysParam,
  PATTERNS,
} from './common.js';

const STATUSES = ['01', '02', '03', '04', '05'] as const;
const LISTS = ['1', '2', '3', '4', '5'] as const;
const DIMENSIONS: Readonly<Record<string, string>> = {
  mese: 'substr(did_data, 1, 7)',
  sportello: 'sportello',
  comune: 'comune',
  stato: 'stato',
  genere: 'sesso',
  fasciaEta: 'fascia_eta',
};
const WORKER_IDS: KeysParam = {
  name: 'lavoratori',
  cap: 100,
  pattern: PATTERNS.worker,
  describe: 'id lavoratore non valido',
};

export function idolRoutes(db: Database.Database): Route[] {
  const workersById = createKeyedLookup(
    db,
    'SELECT id AS k, doc FROM lavoratori WHERE id IN (SELECT value FROM json_each(?))',
  );
  const workersByCf = createKeyedLookup(
    db,
    'SELECT cf AS k, doc FROM lavoratori WHERE cf IN (SELECT value FROM json_each(?))',
  );
  const schede = createKeyedLookup(
    db,
    'SELECT lavoratore AS k, doc FROM schede WHERE lavoratore IN (SELECT value FROM json_each(?))',
  );
  const sessions = createKeyedLookup(
    db,
    'SELECT lavoratore AS k, doc FROM colloqui WHERE lavoratore IN (SELECT value FROM json_each(?))',
  );
  const candidates = createKeyedLookup(
    db,
    'SELECT offerta AS k, doc FROM candidature WHERE offerta IN (SELECT value FROM json_each(?))',
  );
  const episodes = createKeyedLookup(
    db,
    'SELECT azienda AS k, doc FROM ammortizzatori WHERE azienda IN (SELECT value FROM json_each(?)) ORDER BY n',
  );

  // filtered on the job-seeker record, answered with the worker's
  const searchWorkers = createPagedSearch(db, 'lavoratori', {
    count: 'SELECT count(*) FROM schede s',
    page: 'SELECT w.doc FROM schede s JOIN lavoratori w ON w.id = s.lavoratore',
    orderBy: 's.lavoratore',
  });

  return [
    {
      method: 'GET',
      pattern: '/v1/lavoratori',
      handle: ({ query, requestNo }) => {
        const ids = query.list('id', 100, PATTERNS.worker, 'id lavoratore non valido');
        const cfs = query.list('cf', 100, PATTERNS.fiscalCode, 'codice fiscale non valido');
        query.done();
        if ((ids === undefined) === (cfs === undefined))
          throw badParameter('indicare id oppure cf');
        const keys = ids ?? cfs ?? [];
        return ok(
          batchBody('lavoratori', ids ? workersById(keys) : workersByCf(keys), keys, requestNo),
        );
      },
    },
    {
      method: 'GET',
      pattern: '/v1/lavoratori/ricerca',
      handle: ({ query }) => {
        const stato = query.oneOf('stato', STATUSES);
        const comune = query.string('comune', PATTERNS.comune, 'codice ISTAT non valido');
        const sportello = query.string('sportello', PATTERNS.desk, 'codice sportello non valido');
        const lista = query.oneOf('lista', LISTS);
        const paged = paging(query, 200, 50);
        query.done();
        const where: string[] = [];
        const args: unknown[] = [];
        if (stato !== undefined) {
          where.push('s.stato = ?');
          args.push(stato);
        }
        if (comune !== undefined) {
          where.push('s.comune = ?');
          args.push(comune);
        }
        if (sportello !== undefined) {
          where.push('s.sportello = ?');
          args.push(sportello);
        }
        if (lista !== undefined) {
          // current membership of a special list
          where.push(
            "EXISTS (SELECT 1 FROM liste l WHERE l.lavoratore = s.lavoratore AND l.lista = ? AND (l.al IS NULL OR l.al >= '2014-12-31'))",
          );
          args.push(lista);
        }
        return ok(searchWorkers({ where, args }, paged));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/schede',
      handle: createBatchHandler('schede', WORKER_IDS, schede),
    },
    {
      method: 'GET',
      pattern: '/v1/colloqui',
      handle: createBatchHandler('colloqui', WORKER_IDS, sessions),
    },
    {
      method: 'GET',
      pattern: '/v1/candidature',
      handle: createBatchHandler(
        'candidature',
        { name: 'offerte', cap: 50, pattern: PATTERNS.vacancy, describe: 'id offerta non valido' },
        candidates,
      ),
    },
    {
      method: 'GET',
      pattern: '/v1/ammortizzatori',
      handle: createBatchHandler(
        'ammortizzatori',
        { name: 'aziende', cap: 50, pattern: PATTERNS.employer, describe: 'id azienda non valido' },
        episodes,
      ),
    },
    createStatisticsRoute(db, '/v1/statistiche/iscrizioni', {
      dimensions: DIMENSIONS,
      measures: ['count(*) AS iscrizioni'],
      from: 'schede',
      date: 'did_data',
    }),
  ];
}
