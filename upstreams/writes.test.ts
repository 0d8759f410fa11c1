// The write endpoints of idol, co and trio (API.md "Writes") over real HTTP, on a private
// copy of the test dataset and a frozen clock: each write read back through the GET
// endpoints (statistics included), each rule refused with its field and nothing stored,
// idempotent replays (also under concurrency and across a restart), and durability across
// a kill -9 of an upstream process. No message may repeat a fiscal code or a name.
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readUpstreamsConfig } from './config.js';
import { fiscalCode, omocode } from './dataset/fiscal-code.js';
import { createUpstream, type RunningUpstream, type SystemName } from './index.js';
import { launchUpstream } from './test-process.js';

/** The frozen "today" of every server in this file (not the real date). */
const TODAY = '2025-06-16';
const day = (offset: number): string => {
  const d = new Date(`${TODAY}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};

type WriteSystem = Exclude<SystemName, 'registry'>;
const KEYS: Record<WriteSystem, string> = {
  idol: 'test-idol-key',
  co: 'test-co-key',
  trio: 'test-trio-token',
};
const SYSTEM_FILES = ['registry', 'idol', 'co', 'trio'] as const;

type Json = Record<string, unknown>;

let root: string;
let dataDir: string;
const up = {} as Record<WriteSystem, RunningUpstream>;

/** A consistent copy of the shared test dataset (VACUUM INTO reads one snapshot). */
function copyTestDataset(into: string): void {
  const source = inject('dataDir');
  for (const system of SYSTEM_FILES) {
    const db = new Database(join(source, `${system}.sqlite`), { fileMustExist: true });
    try {
      db.prepare('VACUUM INTO ?').run(join(into, `${system}.sqlite`));
    } finally {
      db.close();
    }
  }
  copyFileSync(join(source, 'manifest.json'), join(into, 'manifest.json'));
}

function start(system: WriteSystem, dir = dataDir): Promise<RunningUpstream> {
  return createUpstream({
    system,
    dataDir: dir,
    credential: KEYS[system],
    today: () => TODAY,
    quotaPerSecond: 100_000,
  });
}

function auth(system: WriteSystem): Record<string, string> {
  return system === 'trio'
    ? { authorization: `Bearer ${KEYS.trio}` }
    : { 'x-api-key': KEYS[system] };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: <T = Json>() => T;
}

async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

function get(system: WriteSystem, path: string): Promise<Answer> {
  return request(`${up[system].url}${path}`, { headers: auth(system) });
}

function post(
  system: WriteSystem,
  path: string,
  body: unknown,
  opts: { key?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<Answer> {
  return request(`${up[system].url}${path}`, {
    method: 'POST',
    headers: {
      ...auth(system),
      'content-type': 'application/json',
      ...(opts.key !== undefined ? { 'idempotency-key': opts.key } : {}),
      ...(opts.headers ?? {}),
    },
    body: opts.raw ?? JSON.stringify(body),
  });
}

/** A read-only look at a system's file, for "nothing stored" and fixtures (never printed). */
function scalar<T>(system: WriteSystem, sql: string, ...args: unknown[]): T {
  const db = new Database(join(dataDir, `${system}.sqlite`), { readonly: true });
  try {
    return db
      .prepare(sql)
      .pluck()
      .get(...args) as T;
  } finally {
    db.close();
  }
}

function rows<T>(system: WriteSystem, sql: string, ...args: unknown[]): T[] {
  const db = new Database(join(dataDir, `${system}.sqlite`), { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** The error envelope with the field at fault; the answer repeats none of `secrets`. */
function expectRefusal(
  r: Answer,
  status: number,
  codice: string,
  campo: string | undefined,
  secrets: readonly string[] = [],
): void {
  const label = `${status} ${codice} ${campo ?? ''}`;
  expect(r.status, label).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const body = r.json<{ errore: { codice: string; messaggio: string; campo?: string } }>();
  expect(Object.keys(body)).toEqual(['errore']);
  expect(body.errore.codice, label).toBe(codice);
  expect(typeof body.errore.messaggio).toBe('string');
  if (campo === undefined) expect(Object.keys(body.errore).sort()).toEqual(['codice', 'messaggio']);
  else expect(body.errore.campo, label).toBe(campo);
  for (const secret of secrets) {
    // a boolean, so that a failure does not print the secret either
    expect(r.text.toUpperCase().includes(secret.toUpperCase()), `${label} repeats a value`).toBe(
      false,
    );
  }
}

/** Row counts of every table a write touches, to check that a refusal stored nothing. */
function counts(): Record<string, number> {
  const tables: [WriteSystem, string][] = [
    ['idol', 'lavoratori'],
    ['idol', 'schede'],
    ['idol', 'colloqui'],
    ['co', 'comunicazioni'],
    ['co', 'offerte'],
    ['trio', 'iscrizioni'],
    ['trio', 'prenotazioni'],
  ];
  const out: Record<string, number> = {};
  for (const [system, table] of tables) {
    out[`${system}.${table}`] = scalar<number>(system, `SELECT count(*) FROM ${table}`);
  }
  return out;
}

// ---------------------------------------------------------------------------- people

let people = 0;
/** Letters only, different for every call: names make fiscal codes, digits may not. */
function tag(n: number): string {
  let s = '';
  for (let v = n; s.length < 3; v = Math.floor(v / 26)) s = String.fromCharCode(65 + (v % 26)) + s;
  return s;
}

interface Person {
  codiceFiscale: string;
  cognome: string;
  nome: string;
  sesso: 'M' | 'F';
  dataNascita: string;
  luogoNascita: string;
  cittadinanza: string;
  titoloStudio: string | null;
}

/** An invented person nobody holds yet, with a fiscal code that agrees with them. */
function newPerson(): Person {
  people++;
  const cognome = `SCRITTURA${tag(people)}`;
  const nome = 'LUCIA';
  const dataNascita = `19${70 + (people % 25)}-0${1 + (people % 9)}-1${people % 10}`;
  return {
    codiceFiscale: fiscalCode({
      surname: cognome,
      name: nome,
      sex: 'F',
      birthDate: dataNascita,
      birthPlace: 'Z210',
    }),
    cognome,
    nome,
    sesso: 'F',
    dataNascita,
    luogoNascita: 'Z210',
    cittadinanza: '314',
    titoloStudio: '4',
  };
}

const secretsOf = (p: Person): string[] => [p.codiceFiscale, p.cognome];

function registration(person: Person, overrides: Json = {}): Json {
  return {
    sportello: 'PO-NORD',
    dataDid: day(-2),
    statoOccupazionale: '02',
    lavoratore: {
      ...person,
      residenza: { indirizzo: 'Via Roma 1', comune: '100005', cap: '59100' },
    },
    ...overrides,
  };
}

/** The body with one field of `lavoratore` replaced (undefined: removed). */
function withWorker(body: Json, field: string, value: unknown): Json {
  const worker = { ...(body.lavoratore as Json) };
  if (value === undefined) delete worker[field];
  else worker[field] = value;
  return { ...body, lavoratore: worker };
}

// ------------------------------------------------------------------------------ setup

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'upstreams-writes-'));
  dataDir = join(root, 'data');
  mkdirSync(dataDir);
  copyTestDataset(dataDir);
  for (const system of ['idol', 'co', 'trio'] as const) up[system] = await start(system);
});

afterAll(async () => {
  await Promise.all(Object.values(up).map((u) => u.stop()));
  if (root) rmSync(root, { recursive: true, force: true });
});

// ----------------------------------------------------------------------- every POST

describe('every write endpoint', () => {
  const routes: [WriteSystem, string][] = [
    ['idol', '/v1/lavoratori'],
    ['idol', '/v1/colloqui'],
    ['co', '/v1/comunicazioni'],
    ['co', '/v1/offerte'],
    ['trio', '/v1/iscrizioni'],
    ['trio', '/v1/prenotazioni'],
  ];

  it('wants a credential, a JSON object body of at most 64 KiB, and no query parameters', async () => {
    const before = counts();
    for (const [system, path] of routes) {
      const url = `${up[system].url}${path}`;
      const json = { ...auth(system), 'content-type': 'application/json' };
      expectRefusal(
        await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
        401,
        'NON_AUTORIZZATO',
        undefined,
      );
      expectRefusal(
        await request(url, {
          method: 'POST',
          headers: { ...auth(system), 'content-type': 'text/plain' },
          body: '{}',
        }),
        415,
        'TIPO_CONTENUTO_NON_VALIDO',
        undefined,
      );
      expectRefusal(
        await request(url, { method: 'POST', headers: auth(system), body: '{}' }),
        415,
        'TIPO_CONTENUTO_NON_VALIDO',
        undefined,
      );
      expectRefusal(
        await request(url, {
          method: 'POST',
          headers: { ...auth(system), 'content-type': 'application/json; charset=latin1' },
          body: '{}',
        }),
        415,
        'TIPO_CONTENUTO_NON_VALIDO',
        undefined,
      );
      expectRefusal(
        await request(url, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ descrizione: 'x'.repeat(70_000) }),
        }),
        413,
        'CORPO_TROPPO_GRANDE',
        undefined,
      );
      for (const body of ['', '{', '[]', 'null', '"x"', '{"a":1}x']) {
        expectRefusal(
          await request(url, { method: 'POST', headers: json, body }),
          400,
          'PARAMETRO_NON_VALIDO',
          undefined,
        );
      }
      expectRefusal(
        await request(`${url}?dry=1`, { method: 'POST', headers: json, body: '{}' }),
        400,
        'PARAMETRO_NON_VALIDO',
        undefined,
      );
      expect((await post(system, path, {})).status).toBe(400);
    }
    // 'application/json; charset=utf-8' is JSON too: the body is then refused for its content
    const r = await post(
      'co',
      '/v1/offerte',
      { x: 1 },
      { headers: { 'content-type': 'Application/JSON; charset="UTF-8"' } },
    );
    expectRefusal(r, 400, 'PARAMETRO_NON_VALIDO', 'x');
    expect(counts()).toEqual(before);
  });

  it('refuses a malformed Idempotency-Key', async () => {
    for (const key of ['', 'a b', 'x'.repeat(129), 'chiave/1', 'è']) {
      const r = await request(`${up.co.url}/v1/offerte`, {
        method: 'POST',
        headers: { ...auth('co'), 'content-type': 'application/json', 'idempotency-key': key },
        body: '{}',
      }).catch(() => undefined);
      // fetch itself refuses a non-ASCII header value: nothing reaches the server then
      if (r) expectRefusal(r, 400, 'PARAMETRO_NON_VALIDO', undefined);
    }
  });

  it('counts POST requests per route, as the GETs', async () => {
    await fetch(`${up.trio.url}/_admin/stats`, { method: 'DELETE' });
    await post('trio', '/v1/iscrizioni', { codiceFiscale: 'X' });
    await post('trio', '/v1/iscrizioni', { codiceFiscale: 'X' });
    const stats = (await (await fetch(`${up.trio.url}/_admin/stats`)).json()) as {
      richieste: Record<string, number>;
    };
    expect(stats.richieste['POST /v1/iscrizioni']).toBe(2);
    expect(stats.richieste['POST /v1/iscrizioni 400']).toBe(2);
  });
});

// ------------------------------------------------------------------------------- idol

describe('idol POST /v1/lavoratori', () => {
  it('registers a new person: the records, then served by every read endpoint and the statistics', async () => {
    const stats = async (): Promise<number> => {
      const r = await get(
        'idol',
        `/v1/statistiche/iscrizioni?dal=${day(-2)}&al=${day(-2)}&raggruppa=sportello,stato`,
      );
      const cell = r
        .json<{ gruppi: { sportello: string; stato: string; iscrizioni: number }[] }>()
        .gruppi.find((g) => g.sportello === 'PO-NORD' && g.stato === '02');
      return cell?.iscrizioni ?? 0;
    };
    const before = await stats(); // memoised now: the write must clear it
    const maxId = scalar<string>('idol', 'SELECT max(id) FROM lavoratori');
    const person = newPerson();
    const r = await post('idol', '/v1/lavoratori', registration(person), { key: 'reg-new-1' });
    expect(r.status).toBe(201);
    expect(r.headers.get('idempotency-replayed')).toBeNull();
    const answer = r.json<{ lavoratore: Json & { id: string }; scheda: Json }>();
    const id = `L${String(Number(maxId.slice(1)) + 1).padStart(7, '0')}`;
    expect(answer.lavoratore).toEqual({
      id,
      ...person,
      residenza: { indirizzo: 'Via Roma 1', comune: '100005', cap: '59100' },
    });
    expect(Object.keys(answer.lavoratore)).toEqual([
      'id',
      'codiceFiscale',
      'cognome',
      'nome',
      'sesso',
      'dataNascita',
      'luogoNascita',
      'cittadinanza',
      'residenza',
      'titoloStudio',
    ]);
    expect(answer.scheda).toEqual({
      lavoratore: id,
      sportello: 'PO-NORD',
      statoOccupazionale: '02',
      condizione: null,
      dataAnzianita: day(-2),
      did: { data: day(-2), sportello: 'PO-NORD', dataFine: null, causaFine: null },
      patti: [],
      listeSpeciali: [],
      ammortizzatori: [],
    });

    const byId = await get('idol', `/v1/lavoratori?id=${id}`);
    expect(byId.json()).toEqual({ lavoratori: [answer.lavoratore] });
    const byCf = await get('idol', `/v1/lavoratori?cf=${person.codiceFiscale}`);
    expect(byCf.json()).toEqual({ lavoratori: [answer.lavoratore] });
    const scheda = await get('idol', `/v1/schede?lavoratori=${id}`);
    expect(scheda.json()).toEqual({ schede: [answer.scheda] });
    // ricerca by id: the newest is the last of its desk, comune and status
    const filter = 'sportello=PO-NORD&comune=100005&stato=02';
    const { totale } = (await get('idol', `/v1/lavoratori/ricerca?${filter}&dimensione=1`)).json<{
      totale: number;
    }>();
    const last = await get(
      'idol',
      `/v1/lavoratori/ricerca?${filter}&dimensione=1&pagina=${totale}`,
    );
    expect(last.json<{ lavoratori: Json[] }>().lavoratori).toEqual([answer.lavoratore]);
    expect(await stats()).toBe(before + 1);
  });

  it('accepts an omocodia variant of the fiscal code', async () => {
    const person = newPerson();
    const varied = { ...person, codiceFiscale: omocode(person.codiceFiscale, 2) };
    const r = await post('idol', '/v1/lavoratori', registration(varied));
    expect(r.status).toBe(201);
  });

  it('keeps the id and record of a person already in the registry, and refuses a second open DID (409)', async () => {
    // someone known from the communications, never registered at a desk
    const known = rows<{ id: string; doc: string }>(
      'idol',
      'SELECT id, doc FROM lavoratori WHERE id NOT IN (SELECT lavoratore FROM schede) ORDER BY id LIMIT 1',
    )[0]!;
    const record = JSON.parse(known.doc) as Json & Person;
    const person: Person = {
      codiceFiscale: record.codiceFiscale,
      cognome: record.cognome,
      nome: record.nome,
      sesso: record.sesso,
      dataNascita: record.dataNascita,
      luogoNascita: record.luogoNascita,
      cittadinanza: record.cittadinanza,
      titoloStudio: record.titoloStudio,
    };
    const body = registration(person, { sportello: 'PO-SUD', statoOccupazionale: '01' });
    // a different address in the body: the registry record stays as it was
    (body.lavoratore as Json).residenza = {
      indirizzo: 'Via Nuova 2',
      comune: '100003',
      cap: '59013',
    };
    const lavoratori = scalar<number>('idol', 'SELECT count(*) FROM lavoratori');
    const r = await post('idol', '/v1/lavoratori', body);
    expect(r.status).toBe(201);
    const answer = r.json<{ lavoratore: Json; scheda: Json }>();
    expect(answer.lavoratore).toEqual(JSON.parse(known.doc));
    expect(answer.scheda).toMatchObject({
      lavoratore: known.id,
      sportello: 'PO-SUD',
      statoOccupazionale: '01',
    });
    expect(scalar<number>('idol', 'SELECT count(*) FROM lavoratori')).toBe(lavoratori);
    const search = await get(
      'idol',
      `/v1/lavoratori/ricerca?sportello=PO-SUD&stato=01&dimensione=200`,
    );
    expect(search.json<{ lavoratori: { id: string }[] }>().lavoratori.map((w) => w.id)).toContain(
      known.id,
    );

    const again = await post('idol', '/v1/lavoratori', { ...body, dataDid: day(0) });
    expectRefusal(again, 409, 'CONFLITTO', 'lavoratore.codiceFiscale', secretsOf(person));
  });

  it('opens a new DID on the record of a person whose DID ended, keeping pacts and lists', async () => {
    const closed = rows<{ id: string; doc: string; scheda: string }>(
      'idol',
      `SELECT w.id, w.doc, s.doc AS scheda FROM lavoratori w JOIN schede s ON s.lavoratore = w.id
       WHERE json_extract(s.doc, '$.did.dataFine') IS NOT NULL ORDER BY w.id LIMIT 1`,
    )[0]!;
    const record = JSON.parse(closed.doc) as Person;
    const prior = JSON.parse(closed.scheda) as { did: { dataFine: string }; patti: unknown[] };
    const person: Person = {
      codiceFiscale: record.codiceFiscale,
      cognome: record.cognome,
      nome: record.nome,
      sesso: record.sesso,
      dataNascita: record.dataNascita,
      luogoNascita: record.luogoNascita,
      cittadinanza: record.cittadinanza,
      titoloStudio: record.titoloStudio,
    };
    const early = await post(
      'idol',
      '/v1/lavoratori',
      registration(person, { dataDid: prior.did.dataFine }),
    );
    expectRefusal(early, 409, 'CONFLITTO', 'dataDid', secretsOf(person));
    const r = await post('idol', '/v1/lavoratori', registration(person, { dataDid: day(-1) }));
    expect(r.status).toBe(201);
    const scheda = r.json<{ scheda: Json }>().scheda;
    expect(scheda).toMatchObject({
      lavoratore: closed.id,
      did: { data: day(-1), sportello: 'PO-NORD', dataFine: null, causaFine: null },
      patti: prior.patti,
    });
    expect((await get('idol', `/v1/schede?lavoratori=${closed.id}`)).json()).toEqual({
      schede: [scheda],
    });
  });

  it('refuses each broken rule with 400 naming the field, storing nothing and repeating no value', async () => {
    const person = newPerson();
    const ok = registration(person);
    const other = newPerson();
    const cases: [Json, string][] = [
      [{ ...ok, extra: 1 }, 'extra'],
      [withWorker(ok, 'soprannome', 'x'), 'lavoratore.soprannome'],
      [{ ...ok, sportello: undefined }, 'sportello'],
      [{ ...ok, sportello: 'XX-NESSUNO' }, 'sportello'],
      [{ ...ok, sportello: 'PA-CGIL-1' }, 'sportello'], // no registrations at that point
      [{ ...ok, sportello: 'PO-OVEST' }, 'sportello'], // closed in 2012
      [{ ...ok, sportello: 'po-nord' }, 'sportello'],
      [{ ...ok, dataDid: day(1) }, 'dataDid'],
      [{ ...ok, dataDid: '2009-12-31' }, 'dataDid'],
      [{ ...ok, dataDid: '2025-02-30' }, 'dataDid'],
      [{ ...ok, dataDid: 20250616 }, 'dataDid'],
      [{ ...ok, statoOccupazionale: '09' }, 'statoOccupazionale'],
      [{ ...ok, lavoratore: 'x' }, 'lavoratore'],
      [
        withWorker(
          ok,
          'codiceFiscale',
          `${person.codiceFiscale.slice(0, 15)}${person.codiceFiscale[15] === 'A' ? 'B' : 'A'}`,
        ),
        'lavoratore.codiceFiscale',
      ],
      [withWorker(ok, 'codiceFiscale', other.codiceFiscale), 'lavoratore.codiceFiscale'],
      [
        withWorker(ok, 'codiceFiscale', person.codiceFiscale.toLowerCase()),
        'lavoratore.codiceFiscale',
      ],
      [withWorker(ok, 'cognome', 'SCRITTURA1'), 'lavoratore.cognome'],
      [withWorker(ok, 'nome', ''), 'lavoratore.nome'],
      [withWorker(ok, 'nome', ' LUCIA'), 'lavoratore.nome'],
      [withWorker(ok, 'sesso', 'X'), 'lavoratore.sesso'],
      [withWorker(ok, 'sesso', 'M'), 'lavoratore.codiceFiscale'], // disagrees with the code
      [withWorker(ok, 'dataNascita', day(-365 * 14)), 'lavoratore.dataNascita'], // under 15
      [withWorker(ok, 'luogoNascita', 'Z999'), 'lavoratore.luogoNascita'],
      [withWorker(ok, 'luogoNascita', 'g999'), 'lavoratore.luogoNascita'],
      [withWorker(ok, 'cittadinanza', '123'), 'lavoratore.cittadinanza'],
      [withWorker(ok, 'titoloStudio', '99'), 'lavoratore.titoloStudio'],
      [withWorker(ok, 'residenza', undefined), 'lavoratore.residenza'],
      [
        withWorker(ok, 'residenza', { indirizzo: 'Via Roma 1', comune: '058091', cap: '00100' }),
        'lavoratore.residenza.comune',
      ],
      [
        withWorker(ok, 'residenza', { indirizzo: 'Via Roma 1', comune: '100005', cap: '591' }),
        'lavoratore.residenza.cap',
      ],
      [
        withWorker(ok, 'residenza', { indirizzo: 'Via\u0000Roma', comune: '100005', cap: '59100' }),
        'lavoratore.residenza.indirizzo',
      ],
      [
        withWorker(ok, 'residenza', {
          indirizzo: 'Via Roma 1',
          comune: '100005',
          cap: '59100',
          scala: 'B',
        }),
        'lavoratore.residenza.scala',
      ],
    ];
    const before = counts();
    for (const [body, campo] of cases) {
      const r = await post('idol', '/v1/lavoratori', body, { key: `bad-${campo}` });
      expectRefusal(r, 400, 'PARAMETRO_NON_VALIDO', campo, [
        ...secretsOf(person),
        ...secretsOf(other),
      ]);
    }
    // a field name that is a fiscal code is not repeated either
    const named = await post('idol', '/v1/lavoratori', { ...ok, [person.codiceFiscale]: 1 });
    expectRefusal(named, 400, 'PARAMETRO_NON_VALIDO', undefined, secretsOf(person));
    expect(counts()).toEqual(before);
    // the refusals did not use up their keys: the corrected body files under one of them
    const fixed = await post('idol', '/v1/lavoratori', ok, { key: 'bad-sportello' });
    expect(fixed.status).toBe(201);
  });
});

describe('idol POST /v1/colloqui', () => {
  it('records a session of a registered worker, served by GET /v1/colloqui', async () => {
    const reg = await post(
      'idol',
      '/v1/lavoratori',
      registration(newPerson(), { dataDid: day(-10) }),
    );
    const id = reg.json<{ lavoratore: { id: string } }>().lavoratore.id;
    const maxId = scalar<string>('idol', 'SELECT max(id) FROM colloqui');
    const body = {
      lavoratore: id,
      sportello: 'PO-NORD',
      data: day(-3),
      tipo: 'ORIENTAMENTO_BASE',
      esito: 'RINVIO',
    };
    const r = await post('idol', '/v1/colloqui', body);
    expect(r.status).toBe(201);
    const session = r.json();
    expect(session).toEqual({
      id: `G${String(Number(maxId.slice(1)) + 1).padStart(7, '0')}`,
      ...body,
    });
    expect(Object.keys(session)).toEqual([
      'id',
      'lavoratore',
      'sportello',
      'data',
      'tipo',
      'esito',
    ]);
    expect((await get('idol', `/v1/colloqui?lavoratori=${id}`)).json()).toEqual({
      colloqui: [session],
    });

    const before = counts();
    const cases: [Json, number, string, string][] = [
      [{ ...body, data: day(-11) }, 400, 'PARAMETRO_NON_VALIDO', 'data'], // before the DID
      [{ ...body, data: day(1) }, 400, 'PARAMETRO_NON_VALIDO', 'data'],
      [{ ...body, tipo: 'VISITA' }, 400, 'PARAMETRO_NON_VALIDO', 'tipo'],
      [{ ...body, esito: 'OK' }, 400, 'PARAMETRO_NON_VALIDO', 'esito'],
      [{ ...body, lavoratore: 'X1' }, 400, 'PARAMETRO_NON_VALIDO', 'lavoratore'],
      [{ ...body, sportello: 'PA-CISL-1' }, 400, 'PARAMETRO_NON_VALIDO', 'sportello'],
      [{ ...body, lavoratore: 'L9999999' }, 422, 'RIFERIMENTO_SCONOSCIUTO', 'lavoratore'],
    ];
    const unregistered = scalar<string>(
      'idol',
      'SELECT id FROM lavoratori WHERE id NOT IN (SELECT lavoratore FROM schede) ORDER BY id DESC LIMIT 1',
    );
    cases.push([
      { ...body, lavoratore: unregistered },
      422,
      'RIFERIMENTO_SCONOSCIUTO',
      'lavoratore',
    ]);
    for (const [b, status, codice, campo] of cases) {
      expectRefusal(await post('idol', '/v1/colloqui', b), status, codice, campo);
    }
    expect(counts()).toEqual(before);
  });
});

// --------------------------------------------------------------------------------- co

const EMPLOYER = 'A000003';

function hiring(person: Person, overrides: Json = {}): Json {
  return {
    modulo: 'UNILAV',
    tipo: 'ASS',
    natura: 'ORDINARIA',
    precedente: null,
    azienda: EMPLOYER,
    sedeLavoro: '100005',
    lavoratore: person,
    dataInizio: day(7),
    dataFine: day(190),
    tipologiaContrattuale: 'A.02.00',
    tipoOrario: 'P',
    oreSettimanali: 20,
    ccnl: '018',
    qualifica: '6.5.3.1.0.11',
    trasformazione: null,
    causaCessazione: null,
    sportello: 'PO-NORD',
    ...overrides,
  };
}

describe('co POST /v1/comunicazioni', () => {
  it("files a hiring with its code: read back by id, by worker, in the employer's cursor pages and in the flows", async () => {
    const flows = async (): Promise<number> => {
      const r = await get(
        'co',
        `/v1/statistiche/flussi?dal=${day(7)}&al=${day(7)}&raggruppa=tipo,contratto`,
      );
      const cell = r
        .json<{ gruppi: { tipo: string; contratto: string; comunicazioni: number }[] }>()
        .gruppi.find((g) => g.tipo === 'ASS' && g.contratto === 'A.02.00');
      return cell?.comunicazioni ?? 0;
    };
    const before = await flows();
    const maxId = scalar<string>('co', 'SELECT max(id) FROM comunicazioni');
    const person = newPerson();
    const body = hiring(person);
    const r = await post('co', '/v1/comunicazioni', body);
    expect(r.status).toBe(201);
    const comm = r.json<Json & { id: string; codice: string }>();
    const { precedente, ...rest } = body;
    expect(comm).toEqual({
      id: `C${String(Number(maxId.slice(1)) + 1).padStart(8, '0')}`,
      codice: comm.codice,
      ...rest,
      precedente,
      dataInvio: TODAY,
    });
    expect(comm.codice).toMatch(/^0925\d{12}$/);
    expect(Object.keys(comm)).toEqual([
      'id',
      'codice',
      'modulo',
      'tipo',
      'natura',
      'precedente',
      'dataInvio',
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
    // the same worker shape as the generator's communications
    const sample = JSON.parse(
      scalar<string>('co', 'SELECT doc FROM comunicazioni WHERE id = ?', 'C00000001'),
    ) as { lavoratore: Json };
    expect(Object.keys(comm.lavoratore as Json)).toEqual(Object.keys(sample.lavoratore));

    expect((await get('co', `/v1/comunicazioni?id=${comm.id}`)).json()).toEqual({
      comunicazioni: [comm],
      cursore: null,
      totale: 1,
    });
    expect(
      (await get('co', `/v1/comunicazioni?lavoratoreCf=${person.codiceFiscale}`)).json(),
    ).toEqual({ comunicazioni: [comm], cursore: null, totale: 1 });
    // every page of the employer's communications: the new one exactly once, last by date
    const seen: string[] = [];
    let cursor: string | null = null;
    let total = 0;
    do {
      const page: Answer = await get(
        'co',
        `/v1/comunicazioni?azienda=${EMPLOYER}&limite=7${cursor ? `&cursore=${cursor}` : ''}`,
      );
      const json = page.json<{
        comunicazioni: { id: string }[];
        cursore: string | null;
        totale: number;
      }>();
      seen.push(...json.comunicazioni.map((c) => c.id));
      cursor = json.cursore;
      total = json.totale;
    } while (cursor !== null);
    expect(seen.length).toBe(total);
    expect(seen.filter((id) => id === comm.id)).toHaveLength(1);
    expect(seen[seen.length - 1]).toBe(comm.id);
    expect(await flows()).toBe(before + 1);

    // the next code of the year follows
    const second = await post('co', '/v1/comunicazioni', hiring(newPerson()));
    const next = second.json<{ codice: string }>().codice;
    expect(Number(next.slice(4))).toBe(Number(comm.codice.slice(4)) + 1);
  });

  it('files urgent hirings on the day, rectifications and cancellations of the same employer and worker', async () => {
    const person = newPerson();
    const urgent = await post(
      'co',
      '/v1/comunicazioni',
      hiring(person, { modulo: 'URGENZA', natura: 'URGENTE', dataInizio: TODAY }),
    );
    expect(urgent.status).toBe(201);
    const codice = urgent.json<{ codice: string }>().codice;
    const fix = await post(
      'co',
      '/v1/comunicazioni',
      hiring(person, {
        natura: 'RETTIFICA',
        precedente: codice,
        dataInizio: TODAY,
        oreSettimanali: 24,
      }),
    );
    expect(fix.status).toBe(201);
    expect(fix.json()).toMatchObject({
      natura: 'RETTIFICA',
      precedente: codice,
      oreSettimanali: 24,
    });
    const cancel = await post(
      'co',
      '/v1/comunicazioni',
      hiring(person, { natura: 'ANNULLAMENTO', precedente: codice, dataInizio: TODAY }),
    );
    expect(cancel.status).toBe(201);

    // another employer's communication answers like an unknown code
    const foreign = scalar<string>(
      'co',
      'SELECT codice FROM comunicazioni WHERE azienda <> ? LIMIT 1',
      EMPLOYER,
    );
    const before = counts();
    for (const precedente of [foreign, '0999000000000001']) {
      const r = await post(
        'co',
        '/v1/comunicazioni',
        hiring(person, { natura: 'RETTIFICA', precedente }),
      );
      expectRefusal(r, 422, 'RIFERIMENTO_SCONOSCIUTO', 'precedente', secretsOf(person));
    }
    // the same code for another worker of the employer
    const r = await post(
      'co',
      '/v1/comunicazioni',
      hiring(newPerson(), { natura: 'ANNULLAMENTO', precedente: codice }),
    );
    expectRefusal(r, 422, 'RIFERIMENTO_SCONOSCIUTO', 'precedente');
    expect(counts()).toEqual(before);
  });

  it('files the other types: extension, transformation, termination', async () => {
    const person = newPerson();
    const cases: Json[] = [
      { tipo: 'PRO', dataInizio: day(-1), dataFine: day(200) },
      {
        tipo: 'TRS',
        trasformazione: 'DI',
        tipologiaContrattuale: 'A.01.00',
        dataFine: null,
        tipoOrario: 'F',
        oreSettimanali: null,
      },
      { tipo: 'TRS', trasformazione: 'TP', tipoOrario: 'V', oreSettimanali: 18 },
      { tipo: 'CES', causaCessazione: 'DI', dataInizio: day(-1) },
      // a termination need not repeat the term it ends; weekly hours may have a fraction
      {
        tipo: 'CES',
        causaCessazione: 'SC',
        dataInizio: day(-1),
        dataFine: null,
        oreSettimanali: 37.5,
      },
      // traineeship: working time "not defined", so no weekly hours
      {
        tipo: 'ASS',
        tipologiaContrattuale: 'C.01.00',
        tipoOrario: 'N',
        oreSettimanali: null,
        dataFine: day(300),
      },
      {
        tipo: 'ASS',
        tipologiaContrattuale: 'A.03.09',
        tipoOrario: 'F',
        oreSettimanali: null,
        dataFine: null,
        ccnl: null,
        sportello: null,
      },
    ];
    for (const overrides of cases) {
      const r = await post('co', '/v1/comunicazioni', hiring(person, overrides));
      expect(r.status, JSON.stringify(overrides)).toBe(201);
    }
    // nullable fields may be left out
    const short = hiring(newPerson());
    delete short.precedente;
    delete short.trasformazione;
    delete short.causaCessazione;
    expect((await post('co', '/v1/comunicazioni', short)).status).toBe(201);
  });

  it('refuses each broken rule of DOMAIN.md §2 naming the field, storing nothing', async () => {
    const person = newPerson();
    const cases: [Json, number, string, string][] = [
      [{ azienda: 'A999999' }, 422, 'RIFERIMENTO_SCONOSCIUTO', 'azienda'],
      [{ azienda: '01234567890' }, 400, 'PARAMETRO_NON_VALIDO', 'azienda'],
      [{ modulo: 'UNIEMENS' }, 400, 'PARAMETRO_NON_VALIDO', 'modulo'],
      [{ tipo: 'XXX' }, 400, 'PARAMETRO_NON_VALIDO', 'tipo'],
      [{ natura: 'STRAORDINARIA' }, 400, 'PARAMETRO_NON_VALIDO', 'natura'],
      [
        {
          lavoratore: {
            ...person,
            codiceFiscale: `${person.codiceFiscale.slice(0, 15)}${person.codiceFiscale[15] === 'Z' ? 'Y' : 'Z'}`,
          },
        },
        400,
        'PARAMETRO_NON_VALIDO',
        'lavoratore.codiceFiscale',
      ],
      [{ lavoratore: { ...person, eta: 40 } }, 400, 'PARAMETRO_NON_VALIDO', 'lavoratore.eta'],
      [
        { lavoratore: { ...person, cittadinanza: undefined } },
        400,
        'PARAMETRO_NON_VALIDO',
        'lavoratore.cittadinanza',
      ],
      [{ tipologiaContrattuale: 'A.06.01' }, 400, 'PARAMETRO_NON_VALIDO', 'tipologiaContrattuale'], // lapsed in 2013
      [{ tipologiaContrattuale: 'Z.99.99' }, 400, 'PARAMETRO_NON_VALIDO', 'tipologiaContrattuale'],
      [{ dataFine: day(6) }, 400, 'PARAMETRO_NON_VALIDO', 'dataFine'],
      [{ dataFine: null }, 400, 'PARAMETRO_NON_VALIDO', 'dataFine'], // fixed-term without an end
      [{ dataInizio: '2025-13-01' }, 400, 'PARAMETRO_NON_VALIDO', 'dataInizio'],
      [{ oreSettimanali: null }, 400, 'PARAMETRO_NON_VALIDO', 'oreSettimanali'],
      [{ oreSettimanali: 41 }, 400, 'PARAMETRO_NON_VALIDO', 'oreSettimanali'],
      [{ oreSettimanali: 0.5 }, 400, 'PARAMETRO_NON_VALIDO', 'oreSettimanali'],
      [{ oreSettimanali: '20' }, 400, 'PARAMETRO_NON_VALIDO', 'oreSettimanali'],
      [{ tipoOrario: 'F' }, 400, 'PARAMETRO_NON_VALIDO', 'oreSettimanali'], // full time with hours
      [{ tipoOrario: 'X' }, 400, 'PARAMETRO_NON_VALIDO', 'tipoOrario'],
      [{ tipo: 'TRS' }, 400, 'PARAMETRO_NON_VALIDO', 'trasformazione'],
      [{ tipo: 'TRS', trasformazione: 'ZZ' }, 400, 'PARAMETRO_NON_VALIDO', 'trasformazione'],
      [
        { tipo: 'TRS', trasformazione: 'TP', tipoOrario: 'F', oreSettimanali: null },
        400,
        'PARAMETRO_NON_VALIDO',
        'tipoOrario',
      ],
      [{ tipo: 'TRS', trasformazione: 'PP' }, 400, 'PARAMETRO_NON_VALIDO', 'tipoOrario'],
      [{ trasformazione: 'DI' }, 400, 'PARAMETRO_NON_VALIDO', 'trasformazione'],
      [{ tipo: 'CES' }, 400, 'PARAMETRO_NON_VALIDO', 'causaCessazione'],
      [{ tipo: 'CES', causaCessazione: 'XX' }, 400, 'PARAMETRO_NON_VALIDO', 'causaCessazione'],
      [{ causaCessazione: 'DI' }, 400, 'PARAMETRO_NON_VALIDO', 'causaCessazione'],
      [{ dataInizio: TODAY }, 400, 'PARAMETRO_NON_VALIDO', 'dataInizio'], // due the day before
      [{ dataInizio: day(-3), dataFine: day(100) }, 400, 'PARAMETRO_NON_VALIDO', 'dataInizio'],
      [
        { modulo: 'URGENZA', natura: 'URGENTE', dataInizio: day(-1) },
        400,
        'PARAMETRO_NON_VALIDO',
        'dataInizio',
      ],
      [{ natura: 'RETTIFICA' }, 400, 'PARAMETRO_NON_VALIDO', 'precedente'],
      [{ natura: 'ANNULLAMENTO', precedente: '12' }, 400, 'PARAMETRO_NON_VALIDO', 'precedente'],
      [{ precedente: '0925000000000001' }, 400, 'PARAMETRO_NON_VALIDO', 'precedente'],
      [{ ccnl: 'XYZ' }, 400, 'PARAMETRO_NON_VALIDO', 'ccnl'],
      [{ qualifica: '9.9.9.9.9.9' }, 400, 'PARAMETRO_NON_VALIDO', 'qualifica'],
      [{ qualifica: null }, 400, 'PARAMETRO_NON_VALIDO', 'qualifica'],
      [{ sedeLavoro: '048017' }, 400, 'PARAMETRO_NON_VALIDO', 'sedeLavoro'],
      [{ sportello: 'NESSUNO' }, 400, 'PARAMETRO_NON_VALIDO', 'sportello'],
      [{ sportello: 'PA-CGIL-1' }, 400, 'PARAMETRO_NON_VALIDO', 'sportello'], // union point: no CO assistance
      [{ codice: '0925000000000001' }, 400, 'PARAMETRO_NON_VALIDO', 'codice'],
      [{ dataInvio: TODAY }, 400, 'PARAMETRO_NON_VALIDO', 'dataInvio'],
    ];
    const before = counts();
    for (const [overrides, status, codice, campo] of cases) {
      const r = await post('co', '/v1/comunicazioni', hiring(person, overrides));
      expectRefusal(r, status, codice, campo, secretsOf(person));
    }
    expect(counts()).toEqual(before);
  });
});

describe('co POST /v1/offerte', () => {
  const vacancy = (overrides: Json = {}): Json => ({
    azienda: EMPLOYER,
    qualifica: '6.5.3.1.0.11',
    tipologiaContrattuale: 'A.02.00',
    comune: '100005',
    posti: 2,
    dataScadenza: day(60),
    descrizione: 'Tessitore/tessitrice su telai jacquard',
    ...overrides,
  });

  it('publishes a vacancy, served by id, by employer and by the open search', async () => {
    const maxId = scalar<string>('co', 'SELECT max(id) FROM offerte');
    const r = await post('co', '/v1/offerte', vacancy());
    expect(r.status).toBe(201);
    const doc = r.json<Json & { id: string }>();
    expect(doc).toEqual({
      id: `O${String(Number(maxId.slice(1)) + 1).padStart(6, '0')}`,
      azienda: EMPLOYER,
      qualifica: '6.5.3.1.0.11',
      tipologiaContrattuale: 'A.02.00',
      comune: '100005',
      posti: 2,
      dataPubblicazione: TODAY,
      dataScadenza: day(60),
      stato: 'APERTA',
      descrizione: 'Tessitore/tessitrice su telai jacquard',
    });
    expect(Object.keys(doc)).toEqual([
      'id',
      'azienda',
      'qualifica',
      'tipologiaContrattuale',
      'comune',
      'posti',
      'dataPubblicazione',
      'dataScadenza',
      'stato',
      'descrizione',
    ]);
    expect((await get('co', `/v1/offerte?id=${doc.id}`)).json()).toEqual({ offerte: [doc] });
    expect(
      (await get('co', `/v1/offerte?azienda=${EMPLOYER}`)).json<{ offerte: Json[] }>().offerte,
    ).toContainEqual(doc);
    const open = await get(
      'co',
      '/v1/offerte/ricerca?stato=APERTA&comune=100005&qualifica=6.5.3&dimensione=200',
    );
    expect(open.json<{ offerte: Json[] }>().offerte).toContainEqual(doc);
  });

  it('refuses each broken rule naming the field, storing nothing', async () => {
    const cases: [Json, number, string, string][] = [
      [{ azienda: 'A999999' }, 422, 'RIFERIMENTO_SCONOSCIUTO', 'azienda'],
      [{ posti: 0 }, 400, 'PARAMETRO_NON_VALIDO', 'posti'],
      [{ posti: 101 }, 400, 'PARAMETRO_NON_VALIDO', 'posti'],
      [{ posti: '2' }, 400, 'PARAMETRO_NON_VALIDO', 'posti'],
      [{ dataScadenza: TODAY }, 400, 'PARAMETRO_NON_VALIDO', 'dataScadenza'],
      [{ descrizione: '' }, 400, 'PARAMETRO_NON_VALIDO', 'descrizione'],
      [{ descrizione: 'x'.repeat(501) }, 400, 'PARAMETRO_NON_VALIDO', 'descrizione'],
      [{ descrizione: 'riga\nriga' }, 400, 'PARAMETRO_NON_VALIDO', 'descrizione'],
      [{ tipologiaContrattuale: 'A.06.01' }, 400, 'PARAMETRO_NON_VALIDO', 'tipologiaContrattuale'],
      [{ qualifica: '6.5.3' }, 400, 'PARAMETRO_NON_VALIDO', 'qualifica'],
      [{ comune: '100099' }, 400, 'PARAMETRO_NON_VALIDO', 'comune'],
      [{ stato: 'CHIUSA' }, 400, 'PARAMETRO_NON_VALIDO', 'stato'],
    ];
    const before = counts();
    for (const [overrides, status, codice, campo] of cases) {
      expectRefusal(await post('co', '/v1/offerte', vacancy(overrides)), status, codice, campo);
    }
    expect(counts()).toEqual(before);
  });
});

// ------------------------------------------------------------------------------- trio

describe('trio POST /v1/iscrizioni', () => {
  it('enrols a person, served by GET /v1/iscrizioni and counted in the usage statistics; a second enrolment in progress is 409', async () => {
    const usage = async (): Promise<number> => {
      const r = await get('trio', `/v1/statistiche/utilizzo?dal=${TODAY}&al=${TODAY}`);
      return r.json<{ gruppi: { iscrizioni: number }[] }>().gruppi[0]?.iscrizioni ?? 0;
    };
    const before = await usage();
    const course = scalar<string>('trio', 'SELECT id FROM corsi ORDER BY id LIMIT 1');
    const maxId = scalar<string>('trio', 'SELECT max(id) FROM iscrizioni');
    const person = newPerson();
    const body = { codiceFiscale: person.codiceFiscale, corso: course, sportello: 'PO-NORD' };
    const r = await post('trio', '/v1/iscrizioni', body);
    expect(r.status).toBe(201);
    const doc = r.json();
    expect(doc).toEqual({
      id: `I${String(Number(maxId.slice(1)) + 1).padStart(7, '0')}`,
      codiceFiscale: person.codiceFiscale,
      corso: course,
      data: TODAY,
      stato: 'IN_CORSO',
      avanzamento: 0,
      sportello: 'PO-NORD',
    });
    expect(Object.keys(doc)).toEqual([
      'id',
      'codiceFiscale',
      'corso',
      'data',
      'stato',
      'avanzamento',
      'sportello',
    ]);
    expect((await get('trio', `/v1/iscrizioni?cf=${person.codiceFiscale}`)).json()).toEqual({
      iscrizioni: [doc],
    });
    expect(await usage()).toBe(before + 1);

    const twice = await post('trio', '/v1/iscrizioni', { ...body, sportello: null });
    expectRefusal(twice, 409, 'CONFLITTO', 'corso', secretsOf(person));
    const online = await post('trio', '/v1/iscrizioni', {
      codiceFiscale: person.codiceFiscale,
      corso: scalar<string>('trio', 'SELECT id FROM corsi ORDER BY id LIMIT 1 OFFSET 1'),
    });
    expect(online.status).toBe(201);
    expect(online.json()).toMatchObject({ sportello: null });

    const cases: [Json, number, string, string][] = [
      [{ ...body, corso: 'TR9999' }, 422, 'RIFERIMENTO_SCONOSCIUTO', 'corso'],
      [{ ...body, corso: 'X1' }, 400, 'PARAMETRO_NON_VALIDO', 'corso'],
      [
        { ...body, codiceFiscale: person.codiceFiscale.slice(0, 15) },
        400,
        'PARAMETRO_NON_VALIDO',
        'codiceFiscale',
      ],
      [{ ...body, sportello: 'PA-CGIL-1' }, 400, 'PARAMETRO_NON_VALIDO', 'sportello'], // no workstations
      [{ ...body, sportello: 'NESSUNO' }, 400, 'PARAMETRO_NON_VALIDO', 'sportello'],
      [{ ...body, stato: 'COMPLETATO' }, 400, 'PARAMETRO_NON_VALIDO', 'stato'],
    ];
    const stored = counts();
    for (const [b, status, codice, campo] of cases) {
      expectRefusal(
        await post('trio', '/v1/iscrizioni', b),
        status,
        codice,
        campo,
        secretsOf(person),
      );
    }
    expect(counts()).toEqual(stored);
  });
});

describe('trio POST /v1/prenotazioni', () => {
  it('books whole hours of a workstation, served by GET /v1/postazioni; an overlapping slot is 409 on inizio', async () => {
    const person = newPerson();
    const slot = (from: string, to: string, postazione = 'PO-NORD-2'): Json => ({
      postazione,
      inizio: from,
      fine: to,
      codiceFiscale: person.codiceFiscale,
    });
    const maxId = scalar<string>('trio', 'SELECT max(id) FROM prenotazioni');
    const r = await post(
      'trio',
      '/v1/prenotazioni',
      slot(`${day(3)}T09:00:00+02:00`, `${day(3)}T11:00:00+02:00`),
    );
    expect(r.status).toBe(201);
    const booking = r.json<Json & { id: string }>();
    expect(booking).toEqual({
      id: `B${String(Number(maxId.slice(1)) + 1).padStart(7, '0')}`,
      postazione: 'PO-NORD-2',
      inizio: `${day(3)}T09:00:00+02:00`,
      fine: `${day(3)}T11:00:00+02:00`,
      codiceFiscale: person.codiceFiscale,
    });
    const stations = (await get('trio', '/v1/postazioni?sportello=PO-NORD')).json<{
      postazioni: { id: string; prenotazioni: Json[] }[];
    }>();
    // GET /v1/postazioni nests bookings under their workstation, without repeating it
    const served: Json = { ...booking };
    delete served.postazione;
    expect(stations.postazioni.find((p) => p.id === 'PO-NORD-2')?.prenotazioni).toContainEqual(
      served,
    );

    const before = counts();
    // the same hours written in UTC, and a slot straddling the end
    for (const [from, to] of [
      [`${day(3)}T07:00:00Z`, `${day(3)}T08:00:00Z`],
      [`${day(3)}T10:00:00+02:00`, `${day(3)}T12:00:00+02:00`],
      [`${day(3)}T06:00:00+00:00`, `${day(3)}T10:00:00+00:00`],
    ] as const) {
      expectRefusal(
        await post('trio', '/v1/prenotazioni', slot(from, to)),
        409,
        'CONFLITTO',
        'inizio',
        secretsOf(person),
      );
    }
    const cases: [Json, number, string, string][] = [
      [
        slot(`${day(3)}T09:30:00+02:00`, `${day(3)}T10:30:00+02:00`, 'PO-NORD-3'),
        400,
        'PARAMETRO_NON_VALIDO',
        'inizio',
      ],
      [
        slot(`${day(3)}T09:00:00+02:00`, `${day(3)}T14:00:00+02:00`, 'PO-NORD-3'),
        400,
        'PARAMETRO_NON_VALIDO',
        'fine',
      ], // 5 hours
      [
        slot(`${day(3)}T09:00:00+02:00`, `${day(3)}T09:00:00+02:00`, 'PO-NORD-3'),
        400,
        'PARAMETRO_NON_VALIDO',
        'fine',
      ],
      [
        slot(`${day(-1)}T09:00:00+02:00`, `${day(-1)}T10:00:00+02:00`, 'PO-NORD-3'),
        400,
        'PARAMETRO_NON_VALIDO',
        'inizio',
      ], // past
      [
        slot(`${day(3)} 09:00`, `${day(3)}T10:00:00+02:00`, 'PO-NORD-3'),
        400,
        'PARAMETRO_NON_VALIDO',
        'inizio',
      ],
      [
        slot(`${day(3)}T09:00:00`, `${day(3)}T10:00:00`, 'PO-NORD-3'),
        400,
        'PARAMETRO_NON_VALIDO',
        'inizio',
      ], // no offset
      [
        slot(`${day(3)}T09:00:00+02:00`, `${day(3)}T10:00:00+02:00`, 'XX-9'),
        422,
        'RIFERIMENTO_SCONOSCIUTO',
        'postazione',
      ],
      [
        {
          ...slot(`${day(3)}T09:00:00+02:00`, `${day(3)}T10:00:00+02:00`, 'PO-NORD-3'),
          codiceFiscale: 'RSSMRA80A01G999',
        },
        400,
        'PARAMETRO_NON_VALIDO',
        'codiceFiscale',
      ],
    ];
    for (const [b, status, codice, campo] of cases) {
      expectRefusal(
        await post('trio', '/v1/prenotazioni', b),
        status,
        codice,
        campo,
        secretsOf(person),
      );
    }
    expect(counts()).toEqual(before);
    // right after the booking, and the same hours at another workstation: free
    expect(
      (
        await post(
          'trio',
          '/v1/prenotazioni',
          slot(`${day(3)}T11:00:00+02:00`, `${day(3)}T12:00:00+02:00`),
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await post(
          'trio',
          '/v1/prenotazioni',
          slot(`${day(3)}T09:00:00+02:00`, `${day(3)}T11:00:00+02:00`, 'PO-NORD-3'),
        )
      ).status,
    ).toBe(201);
  });
});

// ------------------------------------------------------------------------ idempotency

describe('idempotency', () => {
  it('answers a repeated request with the first answer, marked replayed, and files nothing', async () => {
    const body = registration(newPerson());
    const first = await post('idol', '/v1/lavoratori', body, { key: 'idem-1' });
    expect(first.status).toBe(201);
    const before = counts();
    // the same body with its keys in another order is the same request
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await post('idol', '/v1/lavoratori', reordered, { key: 'idem-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    expect(counts()).toEqual(before);
  });

  it('files one record for 20 concurrent requests with one key', async () => {
    const person = newPerson();
    const body = {
      codiceFiscale: person.codiceFiscale,
      corso: scalar<string>('trio', 'SELECT id FROM corsi ORDER BY id LIMIT 1 OFFSET 2'),
      sportello: null,
    };
    const before = counts();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post('trio', '/v1/iscrizioni', body, { key: 'burst-1' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotency-replayed') === 'true')).toHaveLength(
      19,
    );
    expect(counts()['trio.iscrizioni']).toBe(before['trio.iscrizioni']! + 1);
    expect(
      (await get('trio', `/v1/iscrizioni?cf=${person.codiceFiscale}`)).json<{
        iscrizioni: unknown[];
      }>().iscrizioni,
    ).toHaveLength(1);
  });

  it('refuses the same key with another body (422) and scopes keys by route', async () => {
    const vacancy = {
      azienda: EMPLOYER,
      qualifica: '6.5.3.1.0.11',
      tipologiaContrattuale: 'A.01.00',
      comune: '100005',
      posti: 1,
      dataScadenza: day(30),
      descrizione: 'Rammendatrice',
    };
    expect((await post('co', '/v1/offerte', vacancy, { key: 'shared-key' })).status).toBe(201);
    const before = counts();
    const other = await post('co', '/v1/offerte', { ...vacancy, posti: 2 }, { key: 'shared-key' });
    expectRefusal(other, 422, 'CHIAVE_IDEMPOTENZA_RIUSATA', undefined);
    expect(counts()).toEqual(before);
    // the same key on another route of the same system is another key
    const comm = await post('co', '/v1/comunicazioni', hiring(newPerson()), { key: 'shared-key' });
    expect(comm.status).toBe(201);
    expect(comm.headers.get('idempotency-replayed')).toBeNull();
  });
});

// ----------------------------------------------------------------------- durability

describe('durability', () => {
  it('keeps records, sequences and idempotency keys across a restart', async () => {
    const person = newPerson();
    const first = await post('idol', '/v1/lavoratori', registration(person), { key: 'restart-1' });
    expect(first.status).toBe(201);
    const { id } = first.json<{ lavoratore: { id: string } }>().lavoratore;
    await up.idol.stop();
    up.idol = await start('idol');
    expect(
      (await get('idol', `/v1/lavoratori?cf=${person.codiceFiscale}`))
        .json<{ lavoratori: { id: string }[] }>()
        .lavoratori.map((w) => w.id),
    ).toEqual([id]);
    const replay = await post('idol', '/v1/lavoratori', registration(person), { key: 'restart-1' });
    expect(replay.headers.get('idempotency-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    const next = await post('idol', '/v1/lavoratori', registration(newPerson()));
    expect(next.json<{ lavoratore: { id: string } }>().lavoratore.id).toBe(
      `L${String(Number(id.slice(1)) + 1).padStart(7, '0')}`,
    );
  });

  it('keeps every acknowledged write exactly once when the process is killed mid-stream (kill -9)', async () => {
    const dir = join(root, 'kill');
    mkdirSync(dir);
    copyTestDataset(dir);
    const children: ChildProcess[] = [];
    const launch = async (): Promise<{ child: ChildProcess; url: string }> => {
      const launched = await launchUpstream('co', dir, {
        CO_API_KEY: KEYS.co,
        UPSTREAM_TODAY: TODAY,
      });
      children.push(launched.child);
      return launched;
    };
    const vacancy = (i: number): Json => ({
      azienda: 'A000002',
      qualifica: '6.5.3.1.0.11',
      tipologiaContrattuale: 'A.02.00',
      comune: '100005',
      posti: 1 + (i % 100),
      dataScadenza: day(90),
      descrizione: `kill-test ${i}`,
    });
    const send = (url: string, i: number): Promise<Answer> =>
      request(`${url}/v1/offerte`, {
        method: 'POST',
        headers: {
          ...auth('co'),
          'content-type': 'application/json',
          'idempotency-key': `kill-${i}`,
        },
        body: JSON.stringify(vacancy(i)),
      });
    const stored = async (url: string): Promise<Map<number, string[]>> => {
      const r = await request(`${url}/v1/offerte?azienda=A000002`, { headers: auth('co') });
      const byI = new Map<number, string[]>();
      for (const o of r.json<{ offerte: { id: string; descrizione: string }[] }>().offerte) {
        const m = /^kill-test (\d+)$/.exec(o.descrizione);
        if (m) byI.set(Number(m[1]), [...(byI.get(Number(m[1])) ?? []), o.id]);
      }
      return byI;
    };

    try {
      const first = await launch();
      const N = 200;
      const acknowledged = new Map<number, string>();
      let nextI = 0;
      let killed = false;
      const worker = async (): Promise<void> => {
        while (!killed && nextI < N) {
          const i = nextI++;
          try {
            const r = await send(first.url, i);
            if (r.status === 201) acknowledged.set(i, r.json<{ id: string }>().id);
            else throw new Error(`unexpected ${r.status}`);
          } catch (err) {
            if (!killed) throw err;
          }
          if (acknowledged.size >= 40 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      };
      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      await Promise.all(Array.from({ length: 16 }, worker));
      await exited;
      expect(killed).toBe(true);
      expect(acknowledged.size).toBeGreaterThanOrEqual(40);
      expect(acknowledged.size).toBeLessThan(N);

      const second = await launch();
      const after = await stored(second.url);
      for (const [i, id] of acknowledged) expect(after.get(i), `write ${i}`).toEqual([id]);
      for (const ids of after.values()) expect(ids).toHaveLength(1);

      // resending every write of the stream under its key: the missing ones are filed once,
      // the acknowledged ones replayed with their first answer
      const sent = Math.max(...acknowledged.keys(), ...after.keys()) + 1;
      for (let i = 0; i < sent; i++) {
        const r = await send(second.url, i);
        expect(r.status).toBe(201);
        const known = acknowledged.get(i) ?? after.get(i)?.[0];
        if (known !== undefined) {
          expect(r.headers.get('idempotency-replayed')).toBe('true');
          expect(r.json<{ id: string }>().id).toBe(known);
        }
      }
      const final = await stored(second.url);
      expect(final.size).toBe(sent);
      for (const ids of final.values()) expect(ids).toHaveLength(1);
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    } finally {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
  });
});

describe('configuration', () => {
  it('reads the frozen day from UPSTREAM_TODAY and refuses a malformed one', () => {
    expect(readUpstreamsConfig({ UPSTREAM_TODAY: '2025-06-16' }).today).toBe('2025-06-16');
    expect(readUpstreamsConfig({}).today).toBeUndefined();
    expect(() => readUpstreamsConfig({ UPSTREAM_TODAY: '2025-02-30' })).toThrow(/UPSTREAM_TODAY/);
  });
});
