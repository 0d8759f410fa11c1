/**
 * co: compulsory communications and employer registry (API.md "co"). Caps of 50
 * ids, cursor paging of an employer's communications, and a rate quota (applied by
 * the HTTP layer).
 */
import type Database from 'better-sqlite3';
import {
  contractValidOn,
  PERSON_FIELDS,
  readDesk,
  readPerson,
  writeCodes,
  type ContractInfo,
} from '../codes.js';
import { badParameter, listBody, ok, paging, shuffleAnswer, type Route } from '../http.js';
import {
  BodyObject,
  createSequence,
  createWriteRoutes,
  invalid,
  unknownReference,
  type WriteSpec,
} from '../writes.js';
import {
  batchBody,
  createKeyedLookup,
  createPagedSearch,
  createStatisticsRoute,
  PATTERNS,
} from './common.js';

const TYPES = ['ASS', 'PRO', 'TRS', 'TRD', 'CES', 'VAR'] as const;
const FORMS = ['UNILAV', 'UNISOMM', 'VARDATORI', 'URGENZA'] as const;
const NATURES = ['ORDINARIA', 'URGENTE', 'RETTIFICA', 'ANNULLAMENTO'] as const;
/** Cessation causes (API.md): a stand-in for the ministerial table, behind the code. */
const CESSATION_CAUSES = ['DI', 'LC', 'GM', 'SC', 'RC', 'PE', 'AL'] as const;
/** Part-time kinds of co_tipo_orario.csv; F is full time, N "not defined" (project work). */
const PART_TIME = new Set(['P', 'V', 'M']);
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

  const statistics = createStatisticsRoute(db, '/v1/statistiche/flussi', {
    dimensions: DIMENSIONS,
    measures: ['count(*) AS comunicazioni', 'count(DISTINCT lavoratore_cf) AS lavoratori'],
    from: 'comunicazioni INDEXED BY comunicazioni_flussi',
    date: 'data_inizio',
  });
  const writes = createWriteRoutes(db, coWrites(db), () => statistics.invalidate());

  return [
    ...writes,
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
    statistics,
  ];
}

/** The contract code, known and valid on the day; 400 naming `campo` otherwise. */
function readContract(
  body: BodyObject,
  name: string,
  day: string,
): { code: string; info: ContractInfo } {
  const code = body.string(name, { max: 7, pattern: /^[A-Z]\.\d{2}\.\d{2}$/ });
  const info = writeCodes().contracts.get(code);
  if (!info) throw invalid(name, 'tipologia contrattuale sconosciuta');
  if (!contractValidOn(info, day))
    throw invalid(name, `tipologia contrattuale non valida al ${day}`);
  return { code, info };
}

/** POST /v1/comunicazioni and POST /v1/offerte (API.md "Writes"). */
function coWrites(db: Database.Database): WriteSpec[] {
  const codes = writeCodes();
  const employerAteco = db
    .prepare<[string], string>('SELECT ateco FROM aziende WHERE id = ?')
    .pluck();
  const byCode = db.prepare<[string], { azienda: string; lavoratore_cf: string }>(
    'SELECT azienda, lavoratore_cf FROM comunicazioni WHERE codice = ?',
  );
  const lastCode = db
    .prepare<[string, string], string | null>(
      'SELECT max(codice) FROM comunicazioni WHERE codice BETWEEN ? AND ?',
    )
    .pluck();
  const insertCommunication = db.prepare(
    'INSERT INTO comunicazioni (id, codice, azienda, lavoratore_cf, data_inizio, data_invio, tipo, contratto, sede_lavoro, ateco2, sesso, cittadinanza, sportello, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertVacancy = db.prepare(
    'INSERT INTO offerte (id, azienda, stato, comune, qualifica, data_pubblicazione, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const nextCommunication = createSequence(db, 'comunicazioni', 'C', 8);
  const nextVacancy = createSequence(db, 'offerte', 'O', 6);
  /** `09` + two digits of the year + a 12-digit progressive of that year. */
  const nextCode = (today: string): string => {
    const prefix = `09${today.slice(2, 4)}`;
    const last = lastCode.get(`${prefix}000000000000`, `${prefix}999999999999`) ?? null;
    const n = last === null ? 1 : Number(last.slice(4)) + 1;
    if (n > 999_999_999_999) throw new Error('comunicazioni: code progressive exhausted');
    return `${prefix}${String(n).padStart(12, '0')}`;
  };
  const employerField = (body: BodyObject): string =>
    body.string('azienda', {
      max: 7,
      pattern: PATTERNS.employer,
      describe: 'atteso un id azienda (A000001)',
    });

  const communication: WriteSpec = {
    pattern: '/v1/comunicazioni',
    write: (raw, { today }) => {
      const body = BodyObject.of(raw, '', [
        'modulo',
        'tipo',
        'natura',
        'precedente',
        'azienda',
        'sedeLavoro',
        'lavoratore',
        'dataInizio',
        'dataFine',
        'tipologiaContrattuale',
        'tipoOrario',
        'oreSettimanali',
        'ccnl',
        'qualifica',
        'trasformazione',
        'causaCessazione',
        'sportello',
      ]);
      const modulo = body.oneOf('modulo', FORMS);
      const tipo = body.oneOf('tipo', TYPES);
      const natura = body.oneOf('natura', NATURES);
      const azienda = employerField(body);
      const sedeLavoro = body.code('sedeLavoro', codes.comuni, 'comune sconosciuto (codice ISTAT)');
      const dataInizio = body.date('dataInizio');
      const dataFine = body.nullableDate('dataFine');
      if (dataFine !== null && dataFine < dataInizio)
        throw invalid('dataFine', 'precede dataInizio');
      const worker = readPerson(body.object('lavoratore', PERSON_FIELDS), {
        bornBy: dataInizio,
        consistent: false,
      });
      const contract = readContract(body, 'tipologiaContrattuale', dataInizio);
      // a termination's own date is dataInizio: the term it ends need not be repeated
      if (contract.info.fixedTerm && dataFine === null && tipo !== 'CES')
        throw invalid('dataFine', 'obbligatoria per un contratto a tempo determinato');
      const tipoOrario = body.code('tipoOrario', codes.workingTimes, 'tipo orario sconosciuto');
      const partTime = PART_TIME.has(tipoOrario);
      const oreSettimanali = body.nullableNumber('oreSettimanali', 1, 40);
      if (partTime && oreSettimanali === null)
        throw invalid('oreSettimanali', 'obbligatorie per il tempo parziale');
      if (!partTime && oreSettimanali !== null)
        throw invalid('oreSettimanali', 'solo per il tempo parziale (P, V, M)');
      const ccnl = body.nullableCode('ccnl', codes.ccnl, 'CCNL sconosciuto');
      const qualifica = body.code('qualifica', codes.occupations, 'qualifica CP2011 sconosciuta');
      let trasformazione: string | null = null;
      if (tipo === 'TRS') {
        trasformazione = body.code(
          'trasformazione',
          codes.transformations,
          'codice di trasformazione sconosciuto',
        );
        if (trasformazione === 'TP' && !partTime)
          throw invalid('tipoOrario', 'la trasformazione TP vuole un tempo parziale');
        if (trasformazione === 'PP' && tipoOrario !== 'F')
          throw invalid('tipoOrario', 'la trasformazione PP vuole il tempo pieno');
      } else if (body.has('trasformazione')) {
        throw invalid('trasformazione', 'solo per le comunicazioni di tipo TRS');
      }
      let causaCessazione: string | null = null;
      if (tipo === 'CES') causaCessazione = body.oneOf('causaCessazione', CESSATION_CAUSES);
      else if (body.has('causaCessazione'))
        throw invalid('causaCessazione', 'solo per le comunicazioni di tipo CES');
      if (tipo === 'ASS' && (natura === 'ORDINARIA' || natura === 'URGENTE')) {
        // due by the day before the start; the urgent form may be filed on the day
        const urgent = modulo === 'URGENZA' || natura === 'URGENTE';
        if (urgent ? dataInizio < today : dataInizio <= today)
          throw invalid(
            'dataInizio',
            urgent
              ? "un'assunzione urgente non può iniziare prima dell'invio"
              : "un'assunzione ordinaria va comunicata entro il giorno precedente l'inizio",
          );
      }
      const corrects = natura === 'RETTIFICA' || natura === 'ANNULLAMENTO';
      let precedente: string | null = null;
      if (corrects) {
        precedente = body.string('precedente', {
          max: 16,
          pattern: /^\d{16}$/,
          describe: 'atteso il codice di 16 cifre della comunicazione',
        });
      } else if (body.has('precedente')) {
        throw invalid('precedente', 'solo per RETTIFICA e ANNULLAMENTO');
      }
      const sportello = body.has('sportello')
        ? readDesk(body, 'sportello', today, 'ASSISTENZA_CO')
        : null;

      const ateco = employerAteco.get(azienda);
      if (ateco === undefined) throw unknownReference('azienda', 'azienda sconosciuta');
      if (precedente !== null) {
        const earlier = byCode.get(precedente);
        // another employer's or worker's communication answers like an unknown one
        if (
          !earlier ||
          earlier.azienda !== azienda ||
          earlier.lavoratore_cf !== worker.codiceFiscale
        )
          throw unknownReference(
            'precedente',
            'nessuna comunicazione con questo codice per la stessa azienda e lo stesso lavoratore',
          );
      }

      const id = nextCommunication();
      const codice = nextCode(today);
      const doc = JSON.stringify({
        id,
        codice,
        modulo,
        tipo,
        natura,
        precedente,
        dataInvio: today,
        azienda,
        sedeLavoro,
        lavoratore: worker,
        dataInizio,
        dataFine,
        tipologiaContrattuale: contract.code,
        tipoOrario,
        oreSettimanali,
        ccnl,
        qualifica,
        trasformazione,
        causaCessazione,
        sportello,
      });
      insertCommunication.run(
        id,
        codice,
        azienda,
        worker.codiceFiscale,
        dataInizio,
        today,
        tipo,
        contract.code,
        sedeLavoro,
        ateco.slice(0, 2),
        worker.sesso,
        worker.cittadinanza,
        sportello,
        doc,
      );
      return doc;
    },
  };

  const vacancy: WriteSpec = {
    pattern: '/v1/offerte',
    write: (raw, { today }) => {
      const body = BodyObject.of(raw, '', [
        'azienda',
        'qualifica',
        'tipologiaContrattuale',
        'comune',
        'posti',
        'dataScadenza',
        'descrizione',
      ]);
      const azienda = employerField(body);
      const qualifica = body.code('qualifica', codes.occupations, 'qualifica CP2011 sconosciuta');
      const tipologiaContrattuale = readContract(body, 'tipologiaContrattuale', today).code;
      const comune = body.code('comune', codes.comuni, 'comune sconosciuto (codice ISTAT)');
      const posti = body.int('posti', 1, 100);
      const dataScadenza = body.date('dataScadenza');
      if (dataScadenza <= today) throw invalid('dataScadenza', 'attesa una data successiva a oggi');
      const descrizione = body.string('descrizione', { max: 500 });
      if (employerAteco.get(azienda) === undefined)
        throw unknownReference('azienda', 'azienda sconosciuta');
      const id = nextVacancy();
      const doc = JSON.stringify({
        id,
        azienda,
        qualifica,
        tipologiaContrattuale,
        comune,
        posti,
        dataPubblicazione: today,
        dataScadenza,
        stato: 'APERTA',
        descrizione,
      });
      insertVacancy.run(id, azienda, 'APERTA', comune, qualifica, today, doc);
      return doc;
    },
  };

  return [communication, vacancy];
}
