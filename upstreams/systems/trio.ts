/**
 * trio: TRIO e-learning (API.md "trio"). Courses one at a time only: there is
 * deliberately no batch form of /v1/corsi/{id}.
 */
import type Database from 'better-sqlite3';
import {
  badParameter,
  listBody,
  notFound,
  ok,
  paging,
  shuffleAnswer,
  type Route,
} from '../http.js';
import { titleWords } from '../dataset/store.js';
import {
  createBatchHandler,
  createKeyedLookup,
  createPagedSearch,
  createStatisticsRoute,
  type KeysParam,
  PATTERNS,
} from './common.js';

const DIMENSIONS: Readonly<Record<string, string>> = {
  mese: 'substr(data, 1, 7)',
  sportello: 'sportello',
  area: 'area',
};
const FISCAL_CODES: KeysParam = {
  name: 'cf',
  cap: 20,
  pattern: PATTERNS.fiscalCode,
  describe: 'codice fiscale non valido',
};

export function trioRoutes(db: Database.Database): Route[] {
  const areas = db.prepare<[], string>('SELECT doc FROM aree ORDER BY ordine').pluck();
  const areaCodes = new Set(db.prepare<[], string>('SELECT codice FROM aree').pluck().all());
  const areasBody = listBody('aree', areas.all());
  const course = db.prepare<[string], string>('SELECT doc FROM corsi WHERE id = ?').pluck();
  const enrolments = createKeyedLookup(
    db,
    'SELECT cf AS k, doc FROM iscrizioni WHERE cf IN (SELECT value FROM json_each(?)) ORDER BY id',
  );
  const certificates = createKeyedLookup(
    db,
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

  const searchCourses = createPagedSearch(db, 'corsi', {
    count: 'SELECT count(*) FROM corsi',
    page: 'SELECT doc FROM corsi',
    orderBy: 'id',
  });

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
        const paged = paging(query, 50, 20);
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
        return ok(searchCourses({ where, args }, paged));
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
    {
      method: 'GET',
      pattern: '/v1/iscrizioni',
      handle: createBatchHandler('iscrizioni', FISCAL_CODES, enrolments),
    },
    {
      method: 'GET',
      pattern: '/v1/attestati',
      handle: createBatchHandler('attestati', FISCAL_CODES, certificates),
    },
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
    createStatisticsRoute(db, '/v1/statistiche/utilizzo', {
      dimensions: DIMENSIONS,
      measures: [
        'count(*) AS iscrizioni',
        // sum() over no rows is NULL; the answer says 0
        "coalesce(sum(stato = 'COMPLETATO'), 0) AS completati",
        'count(DISTINCT cf) AS persone',
      ],
      from: 'iscrizioni',
      date: 'data',
    }),
  ];
}
