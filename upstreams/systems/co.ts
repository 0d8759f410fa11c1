/**
 * co: compulsory communications and employer registry (API.md "co"). Caps of 50
 * ids, cursor paging of an employer's communications, and a rate quota (applied by
 * the HTTP layer).
 */
import type Database from 'better-sqlite3';
import { badParameter, listBody, ok, paging, shuffleAnswer, type Route } from '../http.js';
import {
  batchBody,
  createKeyedLookup,
  createPagedSearch,
  createStatisticsRoute,
  PATTERNS,
} from './common.js';

const TYPES = ['ASS', 'PRO', 'TRS', 'TRD', 'CES', 'VAR'] as const;
const DIMENSIONS: Readonly<Record<string, string>> = {
  mese: 'substr(data_inizio, 1, 7)',
  comune: 'sede_lavoro',
  ateco: 'ateco2',
  contratto: 'contratto',
  tipo: 'tipo',
  genere: 'sesso',
  cittadinanza: 'cittadinanza',
};
const ATECO_PREFIX = /^\d{1,2}$|^\d{2}\.\d{1,2}$|^\d{2}\.\d{2}\.\d{1,2}$/;
const OCCUPATION_PREFIX = /^\d(\.\d{1,2}){0,5}\.?$/;

/** Opaque keyset cursor: the (dataInizio, id) of the last row served. */
function encodeCursor(day: string, id: string): string {
  return Buffer.from(`${day}|${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { day: string; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{4}-\d{2}-\d{2})\|(C\d{8})$/.exec(text);
  if (!m || !m[1] || !m[2]) throw badParameter('cursore non valido');
  return { day: m[1], id: m[2] };
}

/** Prefix match on an indexed column as a range: `col >= p AND col < p+1`. */
function prefixUpperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export function coRoutes(db: Database.Database): Route[] {
  const employersById = createKeyedLookup(
    db,
    'SELECT id AS k, doc FROM aziende WHERE id IN (SELECT value FROM json_each(?))',
  );
  const employersByCf = createKeyedLookup(
    db,
    'SELECT cf AS k, doc FROM aziende WHERE cf IN (SELECT value FROM json_each(?))',
  );
  const commsById = createKeyedLookup(
    db,
    'SELECT id AS k, doc FROM comunicazioni WHERE id IN (SELECT value FROM json_each(?))',
  );
  const commsByCf = db
    .prepare<[string], string>(
      'SELECT doc FROM comunicazioni WHERE lavoratore_cf IN (SELECT value FROM json_each(?)) ORDER BY data_inizio, id',
    )
    .pluck();
  const vacanciesById = createKeyedLookup(
    db,
    'SELECT id AS k, doc FROM offerte WHERE id IN (SELECT value FROM json_each(?))',
  );
  const vacanciesByEmployer = db
    .prepare<[string], string>('SELECT doc FROM offerte WHERE azienda = ? ORDER BY id')
    .pluck();

  // an employer's communications: filters are optional, so one statement per shape
  const employerPages = new Map<
    string,
    {
      count: Database.Statement<unknown[], number>;
      page: Database.Statement<unknown[], { data_inizio: string; id: string; doc: string }>;
    }
  >();
  const employerComms = (filter: { from?: string; to?: string; tipo?: string }) => {
    const where = ['azienda = ?'];
    const args: unknown[] = [];
    if (filter.from !== undefined) {
      where.push('data_inizio >= ?');
      args.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('data_inizio <= ?');
      args.push(filter.to);
    }
    if (filter.tipo !== undefined) {
      where.push('tipo = ?');
      args.push(filter.tipo);
    }
    const base = where.join(' AND ');
    let stmts = employerPages.get(base);
    if (!stmts) {
      stmts = {
        count: db
          .prepare<unknown[], number>(`SELECT count(*) FROM comunicazioni WHERE ${base}`)
          .pluck(),
        page: db.prepare(
          `SELECT data_inizio, id, doc FROM comunicazioni WHERE ${base} AND (data_inizio, id) > (?, ?) ORDER BY data_inizio, id LIMIT ?`,
        ),
      };
      employerPages.set(base, stmts);
    }
    return { stmts, args };
  };

  const searchEmployers = createPagedSearch(db, 'aziende', {
    count: 'SELECT count(*) FROM aziende',
    page: 'SELECT doc FROM aziende',
    orderBy: 'id',
  });
  const searchVacancies = createPagedSearch(db, 'offerte', {
    count: 'SELECT count(*) FROM offerte',
    page: 'SELECT doc FROM offerte',
    orderBy: 'id',
  });

  return [
    {
      method: 'GET',
      pattern: '/v1/aziende',
      handle: ({ query, requestNo }) => {
        const ids = query.list('id', 50, PATTERNS.employer, 'id azienda non valido');
        const cfs = query.list('cf', 50, PATTERNS.partitaIva, 'codice fiscale azienda non valido');
        query.done();
        if ((ids === undefined) === (cfs === undefined))
          throw badParameter('indicare id oppure cf');
        const keys = ids ?? cfs ?? [];
        return ok(
          batchBody('aziende', ids ? employersById(keys) : employersByCf(keys), keys, requestNo),
        );
      },
    },
    {
      method: 'GET',
      pattern: '/v1/aziende/ricerca',
      handle: ({ query }) => {
        const ateco = query.string('ateco', ATECO_PREFIX, 'prefisso ATECO non valido');
        const comune = query.string('comune', PATTERNS.comune, 'codice ISTAT non valido');
        const delegato = query.string(
          'delegato',
          PATTERNS.organization,
          'codice ente delegato non valido',
        );
        const paged = paging(query, 200, 50);
        query.done();
        const where: string[] = [];
        const args: unknown[] = [];
        if (ateco !== undefined) {
          where.push('ateco >= ? AND ateco < ?');
          args.push(ateco, prefixUpperBound(ateco));
        }
        if (comune !== undefined) {
          where.push('comune = ?');
          args.push(comune);
        }
        if (delegato !== undefined) {
          where.push('id IN (SELECT azienda FROM deleghe WHERE ente = ?)');
          args.push(delegato);
        }
        return ok(searchEmployers({ where, args }, paged));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/comunicazioni',
      handle: ({ query, requestNo }) => {
        const forms = ['id', 'azienda', 'lavoratoreCf'].filter((f) => query.has(f));
        if (forms.length !== 1)
          throw badParameter('indicare uno solo tra id, azienda, lavoratoreCf');
        if (forms[0] === 'id') {
          const ids =
            query.list('id', 50, PATTERNS.communication, 'id comunicazione non valido') ?? [];
          query.done();
          const rows = shuffleAnswer(commsById(ids), requestNo, (r) => r.k, ids);
          return ok(
            `{"comunicazioni":[${rows.map((r) => r.doc).join(',')}],"cursore":null,"totale":${rows.length}}`,
          );
        }
        if (forms[0] === 'lavoratoreCf') {
          const cfs =
            query.list('lavoratoreCf', 50, PATTERNS.fiscalCode, 'codice fiscale non valido') ?? [];
          query.done();
          const docs = commsByCf.all(JSON.stringify(cfs));
          return ok(`{"comunicazioni":[${docs.join(',')}],"cursore":null,"totale":${docs.length}}`);
        }
        const azienda = query.required('azienda', PATTERNS.employer, 'id azienda non valido');
        const { from, to } = { from: query.date('dal'), to: query.date('al') };
        if (from !== undefined && to !== undefined && from > to) {
          throw badParameter(`dal (${from}) successivo ad al (${to})`);
        }
        const tipo = query.oneOf('tipo', TYPES);
        const cursor = query.string('cursore');
        const limit = query.int('limite', 1, 500, 100);
        query.done();
        const after = cursor === undefined ? { day: '', id: '' } : decodeCursor(cursor);
        const { stmts, args } = employerComms({ from, to, tipo });
        const total = stmts.count.get(azienda, ...args) ?? 0;
        const rows = stmts.page.all(azienda, ...args, after.day, after.id, limit + 1);
        const more = rows.length > limit;
        const served = more ? rows.slice(0, limit) : rows;
        const last = served[served.length - 1];
        const next =
          more && last ? JSON.stringify(encodeCursor(last.data_inizio, last.id)) : 'null';
        return ok(
          `{"comunicazioni":[${served.map((r) => r.doc).join(',')}],"cursore":${next},"totale":${total}}`,
        );
      },
    },
    {
      method: 'GET',
      pattern: '/v1/offerte',
      handle: ({ query, requestNo }) => {
        const ids = query.list('id', 50, PATTERNS.vacancy, 'id offerta non valido');
        const azienda = query.string('azienda', PATTERNS.employer, 'id azienda non valido');
        query.done();
        if ((ids === undefined) === (azienda === undefined))
          throw badParameter('indicare id oppure azienda');
        if (ids) return ok(batchBody('offerte', vacanciesById(ids), ids, requestNo));
        return ok(listBody('offerte', vacanciesByEmployer.all(azienda ?? '')));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/offerte/ricerca',
      handle: ({ query }) => {
        const stato = query.oneOf('stato', ['APERTA', 'CHIUSA'] as const);
        const comune = query.string('comune', PATTERNS.comune, 'codice ISTAT non valido');
        const qualifica = query.string(
          'qualifica',
          OCCUPATION_PREFIX,
          'prefisso CP2011 non valido',
        );
        const paged = paging(query, 200, 50);
        query.done();
        const where: string[] = [];
        const args: unknown[] = [];
        if (stato !== undefined) {
          where.push('stato = ?');
          args.push(stato);
        }
        if (comune !== undefined) {
          where.push('comune = ?');
          args.push(comune);
        }
        if (qualifica !== undefined) {
          where.push('qualifica >= ? AND qualifica < ?');
          args.push(qualifica, prefixUpperBound(qualifica));
        }
        return ok(searchVacancies({ where, args }, paged));
      },
    },
    createStatisticsRoute(db, '/v1/statistiche/flussi', {
      dimensions: DIMENSIONS,
      measures: ['count(*) AS comunicazioni', 'count(DISTINCT lavoratore_cf) AS lavoratori'],
      from: 'comunicazioni INDEXED BY comunicazioni_flussi',
      date: 'data_inizio',
    }),
  ];
}
