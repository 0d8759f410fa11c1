/**
 * Writes the generated world into the four SQLite files, as the JSON documents of
 * upstreams/API.md beside their indexed columns.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { SystemName } from '../types.js';
import { ageAt, ageBand, isoDay, isoMonth } from './calendar.js';
import type { Desk, Host } from './desks.js';
import type { Employer } from './employers.js';
import type { Comm, Relationship } from './employment.js';
import type { Episode, JobSeekers } from './jobseekers.js';
import type { Person } from './people.js';
import type { Comune } from './reference.js';
import { INDEXES, TABLES } from './schema.js';
import type { Area, Booking, Certificate, Course, Enrolment, Workstation } from './training.js';
import type { Candidate, Vacancy } from './vacancies.js';

export const REGISTRY_REVISION = '2014-12-31T00:00:00+01:00';

export function openForBuild(dir: string, system: SystemName): Database.Database {
  const db = new Database(join(dir, `${system}.sqlite`));
  // a fresh file in a temporary folder: no journal needed until it is complete
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -200000');
  db.exec(TABLES[system]);
  return db;
}

export function finishBuild(db: Database.Database, system: SystemName): void {
  db.exec(INDEXES[system]);
  db.exec('ANALYZE');
  // the servers open the file in WAL mode, read-mostly, durable on write
  db.pragma('journal_mode = WAL');
  db.close();
}

/**
 * One transaction per table. `i` is the row's position: the tables that keep their
 * source order (desks, hosts, areas, workstations) store it as `ordine`.
 */
function bulk<T>(
  db: Database.Database,
  sql: string,
  rows: Iterable<T>,
  bind: (row: T, i: number) => unknown[],
): number {
  const stmt = db.prepare(sql);
  let n = 0;
  const run = db.transaction((items: Iterable<T>) => {
    for (const row of items) {
      stmt.run(...bind(row, n));
      n++;
    }
  });
  run(rows);
  return n;
}

function personAt(people: readonly Person[], idx: number): Person {
  const p = people[idx];
  if (!p || !p.id) throw new Error(`person ${idx} not in the population`);
  return p;
}

function deskDoc(d: Desk): string {
  return JSON.stringify({
    codice: d.code,
    tipo: d.kind,
    denominazione: d.name,
    indirizzo: d.address,
    comune: d.comune,
    circoscrizione: d.district,
    ente: d.host,
    orari: d.hours,
    servizi: d.services,
    accreditamento: d.accreditation,
    postazioniPubbliche: d.workstations,
    apertura: d.opened,
    chiusura: d.closed,
  });
}

export interface RegistryData {
  desks: readonly Desk[];
  hosts: readonly Host[];
  comuni: readonly Comune[];
  activity: ReadonlyMap<string, number>;
}

export function writeRegistry(dir: string, data: RegistryData): Record<string, number> {
  const db = openForBuild(dir, 'registry');
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('revisione', REGISTRY_REVISION);
  const sportelli = bulk(db, 'INSERT INTO sportelli VALUES (?, ?, ?, ?)', data.desks, (d, i) => [
    d.code,
    i,
    d.kind,
    deskDoc(d),
  ]);
  const enti = bulk(db, 'INSERT INTO enti VALUES (?, ?, ?)', data.hosts, (h, i) => [
    h.code,
    i,
    JSON.stringify({ codice: h.code, denominazione: h.name, tipo: h.kind }),
  ]);
  const comuni = bulk(db, 'INSERT INTO comuni VALUES (?, ?)', data.comuni, (c) => [
    c.istat,
    JSON.stringify({
      istat: c.istat,
      belfiore: c.belfiore,
      denominazione: c.name,
      cap: c.cap,
      provincia: 'PO',
    }),
  ]);
  const attivita = bulk(
    db,
    'INSERT INTO attivita VALUES (?, ?, ?, ?)',
    data.activity,
    ([key, n]) => {
      const [desk, month, service] = key.split('|');
      return [desk, month, service, n];
    },
  );
  finishBuild(db, 'registry');
  return { sportelli, enti, comuni, attivita };
}

/**
 * A person's details as both idol's `lavoratori` and co's embedded `lavoratore` show
 * them: one mapping, so that the two systems cannot disagree about a worker.
 */
function personalDetails(p: Person) {
  return {
    codiceFiscale: p.cf,
    cognome: p.surname,
    nome: p.name,
    sesso: p.sex,
    dataNascita: p.birthIso,
    luogoNascita: p.birthPlace,
    cittadinanza: p.citizenship,
  };
}

export function workerDoc(p: Person): string {
  return JSON.stringify({
    id: p.id,
    ...personalDetails(p),
    residenza: { indirizzo: p.address, comune: p.comune, cap: p.cap },
    titoloStudio: p.education,
  });
}

export interface IdolData {
  population: readonly Person[];
  people: readonly Person[];
  employers: readonly Employer[];
  jobSeekers: JobSeekers;
  vacancies: readonly Vacancy[];
  candidates: readonly Candidate[];
}

export function writeIdol(dir: string, data: IdolData): Record<string, number> {
  const { people, employers, jobSeekers } = data;
  const db = openForBuild(dir, 'idol');
  const byId = [...data.population].sort((a, b) => (a.id < b.id ? -1 : 1));
  const lavoratori = bulk(db, 'INSERT INTO lavoratori VALUES (?, ?, ?)', byId, (p) => [
    p.id,
    p.cf,
    workerDoc(p),
  ]);
  const person = (idx: number): Person => personAt(people, idx);
  const employerId = (idx: number): string => employers[idx]?.id ?? '';
  const episodeDoc = (e: Episode): { tipo: string; azienda: string; dal: string; al: string } => ({
    tipo: e.tipo,
    azienda: employerId(e.employer),
    dal: isoDay(e.dal),
    al: isoDay(e.al),
  });
  const schede = [...jobSeekers.schede].sort((a, b) =>
    person(a.person).id < person(b.person).id ? -1 : 1,
  );
  const nSchede = bulk(db, 'INSERT INTO schede VALUES (?, ?, ?, ?, ?, ?, ?, ?)', schede, (s) => {
    const p = person(s.person);
    const doc = JSON.stringify({
      lavoratore: p.id,
      sportello: s.desk,
      statoOccupazionale: s.status,
      condizione: s.condition,
      dataAnzianita: s.seniority === null ? null : isoDay(s.seniority),
      did: {
        data: isoDay(s.didDay),
        sportello: s.desk,
        dataFine: s.didEnd === null ? null : isoDay(s.didEnd),
        causaFine: s.didEndCause,
      },
      patti: s.pacts.map((pt) => ({ data: isoDay(pt.day), sportello: pt.desk })),
      listeSpeciali: s.lists.map((l) => ({
        lista: l.lista,
        dal: isoDay(l.dal),
        al: l.al === null ? null : isoDay(l.al),
        categoria: l.categoria,
      })),
      ammortizzatori: s.episodes.map(episodeDoc),
    });
    return [
      p.id,
      s.desk,
      s.status,
      p.comune,
      isoDay(s.didDay),
      p.sex,
      ageBand(ageAt(p.birth, s.didDay)),
      doc,
    ];
  });
  const lists = schede.flatMap((s) => s.lists.map((l) => [person(s.person).id, l] as const));
  const liste = bulk(db, 'INSERT INTO liste VALUES (?, ?, ?, ?)', lists, ([id, l]) => [
    id,
    l.lista,
    isoDay(l.dal),
    l.al === null ? null : isoDay(l.al),
  ]);
  const colloqui = bulk(
    db,
    'INSERT INTO colloqui VALUES (?, ?, ?, ?, ?)',
    jobSeekers.sessions,
    (s) => {
      const id = person(s.person).id;
      const data = isoDay(s.day);
      return [
        s.id,
        id,
        s.desk,
        data,
        JSON.stringify({
          id: s.id,
          lavoratore: id,
          sportello: s.desk,
          data,
          tipo: s.tipo,
          esito: s.esito,
        }),
      ];
    },
  );
  const candidature = bulk(db, 'INSERT INTO candidature VALUES (?, ?, ?)', data.candidates, (c) => {
    const offerta = data.vacancies[c.vacancy]?.id ?? '';
    const id = person(c.person).id;
    return [
      offerta,
      id,
      JSON.stringify({
        offerta,
        lavoratore: id,
        punteggio: c.score,
        stato: c.state,
        data: isoDay(c.day),
      }),
    ];
  });
  const ammortizzatori = bulk(
    db,
    'INSERT INTO ammortizzatori (lavoratore, azienda, tipo, dal, al, doc) VALUES (?, ?, ?, ?, ?, ?)',
    jobSeekers.episodes,
    (e) => {
      const id = person(e.person).id;
      const d = episodeDoc(e);
      return [
        id,
        d.azienda,
        e.tipo,
        d.dal,
        d.al,
        JSON.stringify({ lavoratore: id, azienda: d.azienda, tipo: e.tipo, dal: d.dal, al: d.al }),
      ];
    },
  );
  finishBuild(db, 'idol');
  return { lavoratori, schede: nSchede, liste, colloqui, candidature, ammortizzatori };
}

export interface CoData {
  people: readonly Person[];
  employers: readonly Employer[];
  rels: readonly Relationship[];
  comms: readonly Comm[];
  vacancies: readonly Vacancy[];
}

export function writeCo(dir: string, data: CoData): Record<string, number> {
  const { people, employers, rels, comms } = data;
  const db = openForBuild(dir, 'co');
  const aziende = bulk(db, 'INSERT INTO aziende VALUES (?, ?, ?, ?, ?)', employers, (e) => [
    e.id,
    e.piva,
    e.ateco,
    e.comune,
    JSON.stringify({
      id: e.id,
      codiceFiscale: e.piva,
      ragioneSociale: e.name,
      ateco: e.ateco,
      classeDimensionale: e.size,
      sede: { indirizzo: e.address, comune: e.comune, cap: e.cap },
      ccnl: e.ccnl,
      delegati: e.delegations,
    }),
  ]);
  const deleghe = bulk(
    db,
    'INSERT INTO deleghe VALUES (?, ?)',
    employers.flatMap((e) => e.delegations.map((ente) => [ente, e.id] as const)),
    ([ente, azienda]) => [ente, azienda],
  );
  // the embedded worker is the same for every communication of a person
  const workerJson = new Map<number, string>();
  const workerOf = (p: Person): string => {
    let s = workerJson.get(p.idx);
    if (s === undefined) {
      s = JSON.stringify({ ...personalDetails(p), titoloStudio: p.education });
      workerJson.set(p.idx, s);
    }
    return s;
  };
  const counts: Record<string, number> = {};
  const comunicazioni = bulk(
    db,
    'INSERT INTO comunicazioni VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    comms,
    (c) => {
      const rel = rels[c.rel];
      const p = rel ? people[rel.worker] : undefined;
      const e = rel ? employers[rel.employer] : undefined;
      if (!rel || !p || !e) throw new Error(`communication ${c.id} without relationship`);
      counts[`comunicazioni.${c.tipo}`] = (counts[`comunicazioni.${c.tipo}`] ?? 0) + 1;
      const dataInizio = isoDay(c.day);
      const dataInvio = isoDay(c.sent);
      const head = JSON.stringify({
        id: c.id,
        codice: c.codice,
        modulo: c.modulo,
        tipo: c.tipo,
        natura: c.natura,
        precedente: c.precedente?.codice ?? null,
        dataInvio,
        azienda: e.id,
        sedeLavoro: rel.sede,
      });
      const tail = JSON.stringify({
        dataInizio,
        dataFine: c.end === null ? null : isoDay(c.end),
        tipologiaContrattuale: c.contract,
        tipoOrario: c.orario,
        oreSettimanali: c.ore,
        ccnl: rel.ccnl,
        qualifica: c.qualifica,
        trasformazione: c.trasformazione,
        causaCessazione: c.causa,
        sportello: c.desk,
      });
      const doc = `${head.slice(0, -1)},"lavoratore":${workerOf(p)},${tail.slice(1)}`;
      return [
        c.id,
        c.codice,
        e.id,
        p.cf,
        dataInizio,
        dataInvio,
        c.tipo,
        c.contract,
        rel.sede,
        e.division,
        p.sex,
        p.citizenship,
        c.desk,
        doc,
      ];
    },
  );
  const offerte = bulk(
    db,
    'INSERT INTO offerte VALUES (?, ?, ?, ?, ?, ?, ?)',
    data.vacancies,
    (v) => {
      const azienda = employers[v.employer]?.id ?? '';
      const stato = v.open ? 'APERTA' : 'CHIUSA';
      const pub = isoDay(v.published);
      return [
        v.id,
        azienda,
        stato,
        v.comune,
        v.qualifica,
        pub,
        JSON.stringify({
          id: v.id,
          azienda,
          qualifica: v.qualifica,
          tipologiaContrattuale: v.contract,
          comune: v.comune,
          posti: v.posti,
          dataPubblicazione: pub,
          dataScadenza: isoDay(v.closes),
          stato,
          descrizione: v.description,
        }),
      ];
    },
  );
  finishBuild(db, 'co');
  return { aziende, deleghe, comunicazioni, offerte, ...counts };
}

/** Lower-case words without accents, space-delimited, for `q` searches on titles. */
export function titleWords(title: string): string {
  const words = title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  return ` ${words.join(' ')} `;
}

export interface TrioData {
  people: readonly Person[];
  areas: readonly Area[];
  courses: readonly Course[];
  enrolments: readonly Enrolment[];
  certificates: readonly Certificate[];
  workstations: readonly Workstation[];
  bookings: readonly Booking[];
}

export function writeTrio(dir: string, data: TrioData): Record<string, number> {
  const { people, courses } = data;
  const db = openForBuild(dir, 'trio');
  const cf = (idx: number): string => personAt(people, idx).cf;
  const aree = bulk(db, 'INSERT INTO aree VALUES (?, ?, ?)', data.areas, (a, i) => [
    a.code,
    i,
    JSON.stringify({ codice: a.code, denominazione: a.name, descrizione: a.description }),
  ]);
  const corsi = bulk(db, 'INSERT INTO corsi VALUES (?, ?, ?, ?, ?)', courses, (c) => [
    c.id,
    c.area,
    c.certifiable ? 1 : 0,
    titleWords(c.title),
    JSON.stringify({
      id: c.id,
      codice: c.code,
      titolo: c.title,
      area: c.area,
      ore: c.hours,
      livello: c.level,
      certificabile: c.certifiable,
      tutor: c.tutor,
      descrizione: c.description,
    }),
  ]);
  const iscrizioni = bulk(
    db,
    'INSERT INTO iscrizioni VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    data.enrolments,
    (e) => {
      const course = courses[e.course]!;
      const code = cf(e.person);
      const day = isoDay(e.day);
      return [
        e.id,
        code,
        course.id,
        course.area,
        day,
        e.state,
        e.desk,
        JSON.stringify({
          id: e.id,
          codiceFiscale: code,
          corso: course.id,
          data: day,
          stato: e.state,
          avanzamento: e.progress,
          sportello: e.desk,
        }),
      ];
    },
  );
  const attestati = bulk(
    db,
    'INSERT INTO attestati VALUES (?, ?, ?, ?, ?)',
    data.certificates,
    (c) => {
      const code = cf(c.person);
      const course = courses[c.course]!;
      const day = isoDay(c.day);
      return [
        c.id,
        code,
        course.id,
        day,
        JSON.stringify({
          id: c.id,
          codiceFiscale: code,
          corso: course.id,
          data: day,
          punteggio: c.score,
        }),
      ];
    },
  );
  const postazioni = bulk(
    db,
    'INSERT INTO postazioni VALUES (?, ?, ?, ?)',
    data.workstations,
    (w, i) => [w.id, w.desk, i, w.label],
  );
  const prenotazioni = bulk(
    db,
    'INSERT INTO prenotazioni VALUES (?, ?, ?, ?, ?, ?)',
    data.bookings,
    (b) => {
      const code = cf(b.person);
      return [
        b.id,
        b.workstation,
        b.start,
        b.end,
        code,
        JSON.stringify({ id: b.id, inizio: b.start, fine: b.end, codiceFiscale: code }),
      ];
    },
  );
  finishBuild(db, 'trio');
  return { aree, corsi, iscrizioni, attestati, postazioni, prenotazioni };
}

/** Monthly desk activity key, as stored in registry `attivita`. */
export function activityKey(desk: string, day: number, service: string): string {
  return `${desk}|${isoMonth(day)}|${service}`;
}
