/**
 * trio: TRIO e-learning (API.md "trio"). Courses one at a time only: there is
 * deliberately no batch form of /v1/corsi/{id}.
 */
import type Database from 'better-sqlite3';
import {
  badParameter,
  dateRange,
  groupBy,
  listBody,
  notFound,
  ok,
  pageBody,
  paging,
  shuffleAnswer,
  type Route,
} from '../http.js';
import { titleWords } from '../dataset/store.js';
import { AnswerCache, groupsBody, PATTERNS } from './common.js';

interface KeyedDoc {
  k: string;
  doc: string;
}

const DIMENSIONS: Readonly<Record<string, string>> = {
  mese: 'substr(data, 1, 7)',
  sportello: 'sportello',
  area: 'area',
};

export function trioRoutes(db: Database.Database): Route[] {
  const areas = db.prepare<[], string>('SELECT doc FROM aree ORDER BY ordine').pluck();
  const areaCodes = new Set(db.prepare<[], string>('SELECT codice FROM aree').pluck().all());
  const areasBody = listBody('aree', areas.all());
  const course = db.prepare<[string], string>('SELECT doc FROM corsi WHERE id = ?').pluck();
  const keyed = (sql: string): ((keys: readonly string[]) => KeyedDoc[]) => {
    const stmt = db.prepare<[string], KeyedDoc>(sql);
    return (keys) => stmt.all(JSON.stringify(keys));
  };
  const enrolments = keyed(
    'SELECT cf AS k, doc FROM iscrizioni WHERE cf IN (SELECT value FROM json_each(?)) ORDER BY id',
  );
  const certificates = keyed(
    'SELECT cf AS k, doc FROM attestati WHERE cf IN (SELECT value FROM json_each(?)) ORDER BY id',
  );
  const stations = db.prepare<[string], { id: string; sportello: string; etichetta: string }>(
    'SELECT id, sportello, etichetta FROM postazioni WHERE sportello IN (SELECT value FROM json_each(?)) ORDER BY sportello, ordine',
  );
  const allStations = db.prepare<[], { id: string; sportello: string; etichetta: string }>(
    'SELECT id, sportello, etichetta FROM postazioni ORDER BY ordine',
  );
  const bookings = db.prepare<[string], { postazione: string; doc: string }>(
    'SELECT postazione, doc FROM prenotazioni WHERE postazione IN (SELECT value FROM json_each(?)) ORDER BY postazione, inizio',
  );

  const courseSearches = new Map<
    string,
    { count: Database.Statement<unknown[], number>; page: Database.Statement<unknown[], string> }
  >();
  const searchCourses = (where: string[]) => {
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    let stmts = courseSearches.get(clause);
    if (!stmts) {
      stmts = {
        count: db.prepare<unknown[], number>(`SELECT count(*) FROM corsi ${clause}`).pluck(),
        page: db
          .prepare<unknown[], string>(
            `SELECT doc FROM corsi ${clause} ORDER BY id LIMIT ? OFFSET ?`,
          )
          .pluck(),
      };
      courseSearches.set(clause, stmts);
    }
    return stmts;
  };

  const statsCache = new AnswerCache();
  const usageStatements = new Map<
    string,
    Database.Statement<[string, string], Record<string, unknown>>
  >();
  const usage = (dims: readonly string[], from: string, to: string): string => {
    const signature = dims.join(',');
    let stmt = usageStatements.get(signature);
    if (!stmt) {
      const cols = dims.map((d) => `${DIMENSIONS[d] ?? 'NULL'} AS ${d}`);
      const group =
        dims.length > 0 ? `GROUP BY ${dims.join(', ')} ORDER BY ${dims.join(', ')}` : '';
      stmt = db.prepare<[string, string], Record<string, unknown>>(
        `SELECT ${[
          ...cols,
          'count(*) AS iscrizioni',
          "sum(stato = 'COMPLETATO') AS completati",
          'count(DISTINCT cf) AS persone',
        ].join(', ')} FROM iscrizioni WHERE data BETWEEN ? AND ? ${group}`,
      );
      usageStatements.set(signature, stmt);
    }
    return groupsBody(
      stmt.all(from, to).map((row) => ({ ...row, completati: Number(row.completati ?? 0) })),
    );
  };

  const byCf =
    (key: string, lookup: (keys: readonly string[]) => KeyedDoc[]): Route['handle'] =>
    ({ query, requestNo }) => {
      const cfs = query.list('cf', 20, PATTERNS.fiscalCode, 'codice fiscale non valido');
      query.done();
      if (!cfs) throw badParameter('cf: parametro obbligatorio');
      return ok(
        listBody(
          key,
          shuffleAnswer(lookup(cfs), requestNo, (r) => r.k, cfs).map((r) => r.doc),
        ),
      );
    };

  return [
    {
      method: 'GET',
      pattern: '/v1/aree',
      handle: ({ query }) => {
        query.done();
        return ok(areasBody);
      },
    },
    {
      method: 'GET',
      pattern: '/v1/corsi',
      handle: ({ query }) => {
        const area = query.string('area', /^[A-Z]{2,5}$/, 'codice area non valido');
        if (area !== undefined && !areaCodes.has(area))
          throw badParameter(`area: area sconosciuta: ${area}`);
        const text = query.string('q', /^.{1,100}$/u, 'testo di ricerca troppo lungo');
        const certifiable = query.bool('certificabile');
        const { page, size, offset } = paging(query, 50, 20);
        query.done();
        const where: string[] = [];
        const args: unknown[] = [];
        if (area !== undefined) {
          where.push('area = ?');
          args.push(area);
        }
        if (certifiable !== undefined) {
          where.push('certificabile = ?');
          args.push(certifiable ? 1 : 0);
        }
        if (text !== undefined) {
          const words = titleWords(text)
            .trim()
            .split(' ')
            .filter((w) => w.length > 0);
          if (words.length === 0) throw badParameter('q: nessuna parola da cercare');
          if (words.length > 8) throw badParameter('q: al massimo 8 parole');
          // every word of q starts a word of the title
          for (const w of words) {
            where.push("instr(parole, ' ' || ?) > 0");
            args.push(w);
          }
        }
        const stmts = searchCourses(where);
        const total = stmts.count.get(...args) ?? 0;
        const docs = offset < total ? stmts.page.all(...args, size, offset) : [];
        return ok(pageBody(total, page, size, 'corsi', docs));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/corsi/{id}',
      handle: ({ query, params }) => {
        query.done();
        const id = params[0] ?? '';
        if (!PATTERNS.course.test(id))
          throw badParameter(`id corso non valido: ${id.slice(0, 40)}`);
        const doc = course.get(id);
        if (doc === undefined) throw notFound(`corso ${id} non trovato`);
        return ok(doc);
      },
    },
    { method: 'GET', pattern: '/v1/iscrizioni', handle: byCf('iscrizioni', enrolments) },
    { method: 'GET', pattern: '/v1/attestati', handle: byCf('attestati', certificates) },
    {
      method: 'GET',
      pattern: '/v1/postazioni',
      handle: ({ query, requestNo }) => {
        const desks = query.list('sportello', 20, PATTERNS.desk, 'codice sportello non valido');
        query.done();
        const rows = desks ? stations.all(JSON.stringify(desks)) : allStations.all();
        const byStation = new Map<string, string[]>();
        for (const b of bookings.all(JSON.stringify(rows.map((r) => r.id)))) {
          const list = byStation.get(b.postazione) ?? [];
          list.push(b.doc);
          byStation.set(b.postazione, list);
        }
        const ordered = desks ? shuffleAnswer(rows, requestNo, (r) => r.sportello, desks) : rows;
        const docs = ordered.map(
          (r) =>
            `{"id":${JSON.stringify(r.id)},"sportello":${JSON.stringify(r.sportello)},"etichetta":${JSON.stringify(r.etichetta)},"prenotazioni":[${(byStation.get(r.id) ?? []).join(',')}]}`,
        );
        return ok(listBody('postazioni', docs));
      },
    },
    {
      method: 'GET',
      pattern: '/v1/statistiche/utilizzo',
      handle: ({ query }) => {
        const { from, to } = dateRange(query);
        const dims = groupBy(query, Object.keys(DIMENSIONS));
        query.done();
        return ok(statsCache.get(`${from}|${to}|${dims.join(',')}`, () => usage(dims, from, to)));
      },
    },
  ];
}
