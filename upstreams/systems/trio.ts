/**
 * trio: TRIO e-learning (API.md "trio"). Courses one at a time only: there is
 * deliberately no batch form of /v1/corsi/{id}.
 */
import type Database from 'better-sqlite3';
import {
  badParameter,
  isCalendarDate,
  listBody,
  notFound,
  ok,
  paging,
  shuffleAnswer,
  type Route,
} from '../http.js';
import { readFiscalCode, writeCodes } from '../codes.js';
import { titleWords } from '../dataset/store.js';
import {
  BodyObject,
  conflict,
  createSequence,
  createWriteRoutes,
  invalid,
  unknownReference,
  type WriteSpec,
} from '../writes.js';
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

  const statistics = createStatisticsRoute(db, '/v1/statistiche/utilizzo', {
    dimensions: DIMENSIONS,
    measures: [
      'count(*) AS iscrizioni',
      // sum() over no rows is NULL; the answer says 0
      "coalesce(sum(stato = 'COMPLETATO'), 0) AS completati",
      'count(DISTINCT cf) AS persone',
    ],
    from: 'iscrizioni',
    date: 'data',
  });
  const writes = createWriteRoutes(db, trioWrites(db), () => statistics.invalidate());

  return [
    ...writes,
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
    statistics,
  ];
}

const HOUR_MS = 3_600_000;
/** An instant as the bookings carry it: seconds, no fraction, an offset (or Z). */
const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:Z|[+-](\d{2}):(\d{2}))$/;

/** An instant on a whole hour of its own offset, and its time in milliseconds. */
function readWholeHour(body: BodyObject, name: string): { text: string; ms: number } {
  const text = body.string(name, { max: 25 });
  const m = INSTANT.exec(text);
  const ms = Date.parse(text);
  if (
    !m ||
    !isCalendarDate(m[1] ?? '') ||
    Number(m[2]) > 23 ||
    Number(m[3]) > 59 ||
    Number(m[4]) > 59 ||
    Number(m[5] ?? 0) > 14 ||
    Number(m[6] ?? 0) > 59 ||
    !Number.isFinite(ms)
  ) {
    throw invalid(name, 'istante non valido (AAAA-MM-GGThh:mm:ss+hh:mm)');
  }
  if (m[3] !== '00' || m[4] !== '00') throw invalid(name, "atteso l'inizio di un'ora (hh:00:00)");
  return { text, ms };
}

/** The day `days` away from an instant's UTC day, as text bounds on stored instants. */
function shiftedDay(ms: number, days: number): string {
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
}

/** POST /v1/iscrizioni and POST /v1/prenotazioni (API.md "Writes"). */
function trioWrites(db: Database.Database): WriteSpec[] {
  const courseArea = db.prepare<[string], string>('SELECT area FROM corsi WHERE id = ?').pluck();
  const stationsAt = db
    .prepare<[string], number>('SELECT count(*) FROM postazioni WHERE sportello = ?')
    .pluck();
  const stationExists = db
    .prepare<[string], number>('SELECT count(*) FROM postazioni WHERE id = ?')
    .pluck();
  const inProgress = db
    .prepare<[string, string], number>(
      "SELECT count(*) FROM iscrizioni WHERE cf = ? AND corso = ? AND stato = 'IN_CORSO'",
    )
    .pluck();
  // bookings last at most 4 hours and carry any offset: candidates by text, then exactly
  const nearBookings = db.prepare<[string, string, string], { inizio: string; fine: string }>(
    'SELECT inizio, fine FROM prenotazioni WHERE postazione = ? AND inizio >= ? AND inizio < ?',
  );
  const insertEnrolment = db.prepare(
    'INSERT INTO iscrizioni (id, cf, corso, area, data, stato, sportello, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertBooking = db.prepare(
    'INSERT INTO prenotazioni (id, postazione, inizio, fine, cf, doc) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const nextEnrolment = createSequence(db, 'iscrizioni', 'I', 7);
  const nextBooking = createSequence(db, 'prenotazioni', 'B', 7);

  const enrolment: WriteSpec = {
    pattern: '/v1/iscrizioni',
    write: (raw, { today }) => {
      const body = BodyObject.of(raw, '', ['codiceFiscale', 'corso', 'sportello']);
      const cf = readFiscalCode(body, 'codiceFiscale');
      const corso = body.string('corso', {
        max: 8,
        pattern: PATTERNS.course,
        describe: 'atteso un id corso (TR0001)',
      });
      const sportello = body.nullableString('sportello', {
        max: 30,
        pattern: PATTERNS.desk,
        describe: 'atteso un codice sportello',
      });
      if (sportello !== null) {
        if (!writeCodes().desks.has(sportello))
          throw invalid('sportello', 'sportello sconosciuto al registro');
        if (stationsAt.get(sportello) === 0)
          throw invalid('sportello', 'lo sportello non ha postazioni pubbliche');
      }
      const area = courseArea.get(corso);
      if (area === undefined) throw unknownReference('corso', 'corso sconosciuto');
      if ((inProgress.get(cf, corso) ?? 0) > 0)
        throw conflict('corso', 'iscrizione della persona al corso già in corso');
      const id = nextEnrolment();
      const doc = JSON.stringify({
        id,
        codiceFiscale: cf,
        corso,
        data: today,
        stato: 'IN_CORSO',
        avanzamento: 0,
        sportello,
      });
      insertEnrolment.run(id, cf, corso, area, today, 'IN_CORSO', sportello, doc);
      return doc;
    },
  };

  const booking: WriteSpec = {
    pattern: '/v1/prenotazioni',
    write: (raw, { now }) => {
      const body = BodyObject.of(raw, '', ['postazione', 'inizio', 'fine', 'codiceFiscale']);
      const postazione = body.string('postazione', {
        max: 40,
        pattern: /^[A-Z0-9][A-Z0-9-]{0,39}$/,
        describe: 'atteso un id postazione (PO-NORD-1)',
      });
      const start = readWholeHour(body, 'inizio');
      const end = readWholeHour(body, 'fine');
      const hours = (end.ms - start.ms) / HOUR_MS;
      if (!Number.isInteger(hours) || hours < 1 || hours > 4)
        throw invalid('fine', 'attese da 1 a 4 ore intere dopo inizio');
      if (start.ms <= now.getTime()) throw invalid('inizio', 'attesa una data futura');
      const cf = readFiscalCode(body, 'codiceFiscale');
      if (stationExists.get(postazione) === 0)
        throw unknownReference('postazione', 'postazione sconosciuta');
      const overlapping = nearBookings
        .all(postazione, shiftedDay(start.ms, -2), shiftedDay(end.ms, 2))
        .some((b) => Date.parse(b.inizio) < end.ms && start.ms < Date.parse(b.fine));
      if (overlapping) throw conflict('inizio', 'fascia oraria già prenotata');
      const id = nextBooking();
      const doc = JSON.stringify({
        id,
        inizio: start.text,
        fine: end.text,
        codiceFiscale: cf,
      });
      insertBooking.run(id, postazione, start.text, end.text, cf, doc);
      return JSON.stringify({
        id,
        postazione,
        inizio: start.text,
        fine: end.text,
        codiceFiscale: cf,
      });
    },
  };

  return [enrolment, booking];
}
