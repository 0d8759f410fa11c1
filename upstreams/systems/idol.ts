/**
 * idol: IDOL job seekers (API.md "idol"). Batch lookups capped at 100 ids (50 for
 * vacancies and employers), answered in shuffled order.
 */
import type Database from 'better-sqlite3';
import {
  badParameter,
  dateRange,
  groupBy,
  listBody,
  ok,
  pageBody,
  paging,
  shuffleAnswer,
  type Route,
} from '../http.js';
import { AnswerCache, groupsBody, PATTERNS } from './common.js';

interface KeyedDoc {
  k: string;
  doc: string;
}

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

export function idolRoutes(db: Database.Database): Route[] {
  const keyed = (sql: string): ((keys: readonly string[]) => KeyedDoc[]) => {
    const stmt = db.prepare<[string], KeyedDoc>(sql);
    return (keys) => stmt.all(JSON.stringify(keys));
  };
  const workersById = keyed(
    'SELECT id AS k, doc FROM lavoratori WHERE id IN (SELECT value FROM json_each(?))',
  );
  const workersByCf = keyed(
    'SELECT cf AS k, doc FROM lavoratori WHERE cf IN (SELECT value FROM json_each(?))',
  );
  const schede = keyed(
    'SELECT lavoratore AS k, doc FROM schede WHERE lavoratore IN (SELECT value FROM json_each(?))',
  );
  const sessions = keyed(
    'SELECT lavoratore AS k, doc FROM colloqui WHERE lavoratore IN (SELECT value FROM json_each(?))',
  );
  const candidates = keyed(
    'SELECT offerta AS k, doc FROM candidature WHERE offerta IN (SELECT value FROM json_each(?))',
  );
  const episodes = keyed(
    'SELECT azienda AS k, doc FROM ammortizzatori WHERE azienda IN (SELECT value FROM json_each(?)) ORDER BY n',
  );

  const batch = (
    key: string,
    lookup: (keys: readonly string[]) => KeyedDoc[],
    keys: readonly string[],
    requestNo: number,
  ): string =>
    listBody(
      key,
      shuffleAnswer(lookup(keys), requestNo, (r) => r.k, keys).map((r) => r.doc),
    );

  // searches: one statement per combination of filters, prepared on first use
  const searches = new Map<
    string,
    { count: Database.Statement<unknown[], number>; page: Database.Statement<unknown[], string> }
  >();
  const search = (filters: {
    stato?: string;
    comune?: string;
    sportello?: string;
    lista?: string;
  }) => {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filters.stato !== undefined) {
      where.push('s.stato = ?');
      args.push(filters.stato);
    }
    if (filters.comune !== undefined) {
      where.push('s.comune = ?');
      args.push(filters.comune);
    }
    if (filters.sportello !== undefined) {
      where.push('s.sportello = ?');
      args.push(filters.sportello);
    }
    if (filters.lista !== undefined) {
      // current membership of a special list
      where.push(
        "EXISTS (SELECT 1 FROM liste l WHERE l.lavoratore = s.lavoratore AND l.lista = ? AND (l.al IS NULL OR l.al >= '2014-12-31'))",
      );
      args.push(filters.lista);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const signature = clause;
    let stmts = searches.get(signature);
    if (!stmts) {
      stmts = {
        count: db.prepare<unknown[], number>(`SELECT count(*) FROM schede s ${clause}`).pluck(),
        page: db
          .prepare<unknown[], string>(
            `SELECT w.doc FROM schede s JOIN lavoratori w ON w.id = s.lavoratore ${clause} ORDER BY s.lavoratore LIMIT ? OFFSET ?`,
          )
          .pluck(),
      };
      searches.set(signature, stmts);
    }
    return { stmts, args };
  };

  const statsCache = new AnswerCache();
  const statements = new Map<
    string,
    Database.Statement<[string, string], Record<string, unknown>>
  >();
  const registrations = (dims: readonly string[], from: string, to: string): string => {
    const signature = dims.join(',');
    let stmt = statements.get(signature);
    if (!stmt) {
      const cols = dims.map((d) => `${DIMENSIONS[d] ?? 'NULL'} AS ${d}`);
      const group =
        dims.length > 0 ? `GROUP BY ${dims.join(', ')} ORDER BY ${dims.join(', ')}` : '';
      stmt = db.prepare<[string, string], Record<string, unknown>>(
        `SELECT ${[...cols, 'count(*) AS iscrizioni'].join(', ')} FROM schede WHERE did_data BETWEEN ? AND ? ${group}`,
      );
      statements.set(signature, stmt);
    }
    return groupsBody(stmt.all(from, to));
  };

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
        return ok(
          ids
            ? batch('lavoratori', workersById, ids, requestNo)
            : batch('lavoratori', workersByCf, cfs ?? [], requestNo),
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
        const { page, size, offset } = paging(query, 200, 50);
        query.done();
        const { stmts, args } = search({ stato, comune, sportello, lista });
        const total = stmts.count.get(...args) ?? 0;
        const docs = offset < total ? stmts.page.all(...args, size, offset) : [];
        return ok(pageBody(total, page, size, 'lavoratori', docs));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/schede',
      handle: ({ query, requestNo }) => {
        const ids = query.list('lavoratori', 100, PATTERNS.worker, 'id lavoratore non valido');
        query.done();
        if (!ids) throw badParameter('lavoratori: parametro obbligatorio');
        return ok(batch('schede', schede, ids, requestNo));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/colloqui',
      handle: ({ query, requestNo }) => {
        const ids = query.list('lavoratori', 100, PATTERNS.worker, 'id lavoratore non valido');
        query.done();
        if (!ids) throw badParameter('lavoratori: parametro obbligatorio');
        return ok(batch('colloqui', sessions, ids, requestNo));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/candidature',
      handle: ({ query, requestNo }) => {
        const ids = query.list('offerte', 50, PATTERNS.vacancy, 'id offerta non valido');
        query.done();
        if (!ids) throw badParameter('offerte: parametro obbligatorio');
        return ok(batch('candidature', candidates, ids, requestNo));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/ammortizzatori',
      handle: ({ query, requestNo }) => {
        const ids = query.list('aziende', 50, PATTERNS.employer, 'id azienda non valido');
        query.done();
        if (!ids) throw badParameter('aziende: parametro obbligatorio');
        return ok(batch('ammortizzatori', episodes, ids, requestNo));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/statistiche/iscrizioni',
      handle: ({ query }) => {
        const { from, to } = dateRange(query);
        const dims = groupBy(query, Object.keys(DIMENSIONS));
        query.done();
        return ok(
          statsCache.get(`${from}|${to}|${dims.join(',')}`, () => registrations(dims, from, to)),
        );
      },
    },
  ];
}
