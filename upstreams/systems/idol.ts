/**
 * idol: IDOL job seekers (API.md "idol"). Batch lookups capped at 100 ids (50 for
 * vacancies and employers), answered in shuffled order.
 */
import type Database from 'better-sqlite3';
import { addYears, ageBandAt, PERSON_FIELDS, readDesk, readPerson, writeCodes } from '../codes.js';
import { badParameter, ok, paging, type Route } from '../http.js';
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
const SESSION_KINDS = [
  'ACCOGLIENZA',
  'ORIENTAMENTO_BASE',
  'ORIENTAMENTO_SPECIALISTICO',
  'BILANCIO_COMPETENZE',
] as const;
const SESSION_OUTCOMES = [
  'PATTO_SOTTOSCRITTO',
  'PROPOSTA_FORMATIVA',
  'RINVIO',
  'CONCLUSO',
] as const;
/** The first day a DID can carry: IDOL's records start in 2010. */
const FIRST_DID = '2010-01-01';

interface StoredWorker {
  id: string;
  doc: string;
}

interface SchedaDoc {
  did: { data: string; dataFine: string | null };
  patti: unknown[];
  listeSpeciali: unknown[];
  ammortizzatori: unknown[];
}

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

  const statistics = createStatisticsRoute(db, '/v1/statistiche/iscrizioni', {
    dimensions: DIMENSIONS,
    measures: ['count(*) AS iscrizioni'],
    from: 'schede',
    date: 'did_data',
  });
  const writes = createWriteRoutes(db, idolWrites(db), () => statistics.invalidate());

  return [
    ...writes,
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
    statistics,
  ];
}

/** POST /v1/lavoratori (registration with DID) and POST /v1/colloqui (API.md "Writes"). */
function idolWrites(db: Database.Database): WriteSpec[] {
  const codes = writeCodes();
  const workerByCf = db.prepare<[string], StoredWorker>(
    'SELECT id, doc FROM lavoratori WHERE cf = ?',
  );
  const schedaOf = db
    .prepare<[string], string>('SELECT doc FROM schede WHERE lavoratore = ?')
    .pluck();
  const insertWorker = db.prepare<[string, string, string]>(
    'INSERT INTO lavoratori (id, cf, doc) VALUES (?, ?, ?)',
  );
  const insertScheda = db.prepare<[string, string, string, string, string, string, string, string]>(
    'INSERT INTO schede (lavoratore, sportello, stato, comune, did_data, sesso, fascia_eta, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const updateScheda = db.prepare<[string, string, string, string, string, string, string, string]>(
    'UPDATE schede SET sportello = ?, stato = ?, comune = ?, did_data = ?, sesso = ?, fascia_eta = ?, doc = ? WHERE lavoratore = ?',
  );
  const insertSession = db.prepare<[string, string, string, string, string]>(
    'INSERT INTO colloqui (id, lavoratore, sportello, data, doc) VALUES (?, ?, ?, ?, ?)',
  );
  const nextWorker = createSequence(db, 'lavoratori', 'L', 7);
  const nextSession = createSequence(db, 'colloqui', 'G', 7);

  const register: WriteSpec = {
    pattern: '/v1/lavoratori',
    write: (raw, { today }) => {
      const body = BodyObject.of(raw, '', [
        'sportello',
        'dataDid',
        'statoOccupazionale',
        'lavoratore',
      ]);
      const dataDid = body.date('dataDid');
      if (dataDid < FIRST_DID || dataDid > today)
        throw invalid('dataDid', `attesa tra ${FIRST_DID} e oggi`);
      const sportello = readDesk(body, 'sportello', dataDid, 'ISCRIZIONE');
      const stato = body.code(
        'statoOccupazionale',
        codes.employmentStatuses,
        'stato occupazionale sconosciuto',
      );
      const w = body.object('lavoratore', [...PERSON_FIELDS, 'residenza']);
      // at least 15 on the day of the DID
      const person = readPerson(w, { bornBy: addYears(dataDid, -15), consistent: true });
      const r = w.object('residenza', ['indirizzo', 'comune', 'cap']);
      const indirizzo = r.string('indirizzo', { max: 100 });
      const comune = r.code('comune', codes.comuni, 'comune sconosciuto (codice ISTAT)');
      const cap = r.string('cap', { max: 5, pattern: /^\d{5}$/, describe: 'attese 5 cifre' });

      // A person already in the registry keeps their id and record.
      let worker = workerByCf.get(person.codiceFiscale);
      if (!worker) {
        const id = nextWorker();
        const { titoloStudio, ...details } = person;
        worker = {
          id,
          doc: JSON.stringify({
            id,
            ...details,
            residenza: { indirizzo, comune, cap },
            titoloStudio,
          }),
        };
        insertWorker.run(id, person.codiceFiscale, worker.doc);
      }
      const record = JSON.parse(worker.doc) as {
        sesso: string;
        dataNascita: string;
        residenza: { comune: string };
      };
      const priorDoc = schedaOf.get(worker.id);
      const prior = priorDoc === undefined ? undefined : (JSON.parse(priorDoc) as SchedaDoc);
      if (prior) {
        if (prior.did.dataFine === null)
          throw conflict('lavoratore.codiceFiscale', 'la persona ha già una DID aperta');
        if (dataDid <= prior.did.dataFine)
          throw conflict('dataDid', 'non successiva alla fine della DID precedente');
      }
      // A new DID on the job-seeker record: pacts, special lists and income support
      // episodes of an earlier registration stay.
      const scheda = JSON.stringify({
        lavoratore: worker.id,
        sportello,
        statoOccupazionale: stato,
        condizione: null,
        dataAnzianita: stato === '01' || stato === '02' ? dataDid : null,
        did: { data: dataDid, sportello, dataFine: null, causaFine: null },
        patti: prior?.patti ?? [],
        listeSpeciali: prior?.listeSpeciali ?? [],
        ammortizzatori: prior?.ammortizzatori ?? [],
      });
      const columns = [
        sportello,
        stato,
        record.residenza.comune,
        dataDid,
        record.sesso,
        ageBandAt(record.dataNascita, dataDid),
        scheda,
      ] as const;
      if (prior) updateScheda.run(...columns, worker.id);
      else insertScheda.run(worker.id, ...columns);
      return `{"lavoratore":${worker.doc},"scheda":${scheda}}`;
    },
  };

  const session: WriteSpec = {
    pattern: '/v1/colloqui',
    write: (raw, { today }) => {
      const body = BodyObject.of(raw, '', ['lavoratore', 'sportello', 'data', 'tipo', 'esito']);
      const lavoratore = body.string('lavoratore', {
        max: 8,
        pattern: PATTERNS.worker,
        describe: 'atteso un id lavoratore (L0000001)',
      });
      const data = body.date('data');
      if (data > today) throw invalid('data', 'non può essere futura');
      const sportello = readDesk(body, 'sportello', data, 'ORIENTAMENTO');
      const tipo = body.oneOf('tipo', SESSION_KINDS);
      const esito = body.oneOf('esito', SESSION_OUTCOMES);
      const schedaDoc = schedaOf.get(lavoratore);
      if (schedaDoc === undefined)
        throw unknownReference('lavoratore', 'nessuna scheda di iscrizione per questo id');
      const scheda = JSON.parse(schedaDoc) as SchedaDoc;
      if (data < scheda.did.data) throw invalid('data', 'precede la DID del lavoratore');
      const id = nextSession();
      const doc = JSON.stringify({ id, lavoratore, sportello, data, tipo, esito });
      insertSession.run(id, lavoratore, sportello, data, doc);
      return doc;
    },
  };

  return [register, session];
}
