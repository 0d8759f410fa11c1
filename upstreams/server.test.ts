import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstream, ensureDataset, type RunningUpstream, type SystemName } from './index.js';

const KEYS: Record<SystemName, string> = {
  registry: 'test-registry-key',
  idol: 'test-idol-key',
  co: 'test-co-key',
  trio: 'test-trio-token',
};

let root: string;
let dataDir: string;
const up = {} as Record<SystemName, RunningUpstream>;

function auth(system: SystemName): Record<string, string> {
  return system === 'trio'
    ? { authorization: `Bearer ${KEYS.trio}` }
    : { 'x-api-key': KEYS[system] };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

async function call(
  system: SystemName,
  path: string,
  init: {
    headers?: Record<string, string>;
    method?: string;
    body?: string;
    anonymous?: boolean;
  } = {},
): Promise<Answer> {
  const res = await fetch(`${up[system].url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.anonymous ? {} : auth(system)), ...(init.headers ?? {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

function db(system: SystemName): Database.Database {
  return new Database(join(dataDir, `${system}.sqlite`), { readonly: true });
}

function column<T = string>(system: SystemName, sql: string): T[] {
  const d = db(system);
  try {
    return d.prepare(sql).pluck().all() as T[];
  } finally {
    d.close();
  }
}

/** The error envelope: exactly `{"errore": {"codice", "messaggio"}}`. */
function expectError(r: Answer, status: number, codice: string): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const body = r.json<{ errore: { codice: string; messaggio: unknown } }>();
  expect(Object.keys(body)).toEqual(['errore']);
  expect(Object.keys(body.errore).sort()).toEqual(['codice', 'messaggio']);
  expect(body.errore.codice).toBe(codice);
  expect(typeof body.errore.messaggio).toBe('string');
}

async function putSettings(system: SystemName, body: unknown): Promise<Answer> {
  return call(system, '/_admin/settings', {
    method: 'PUT',
    body: JSON.stringify(body),
    anonymous: true,
    headers: { 'content-type': 'application/json' },
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'upstreams-http-'));
  dataDir = join(root, 'data');
  await ensureDataset({ dir: dataDir, seed: 2010, scale: 0.01 });
  for (const system of ['registry', 'idol', 'co', 'trio'] as const) {
    up[system] = await createUpstream({ system, dataDir, credential: KEYS[system] });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(up).map((u) => u.stop()));
  rmSync(root, { recursive: true, force: true });
});

describe('every upstream', () => {
  it('listens on a free loopback port and answers /healthz without credential', async () => {
    for (const system of ['registry', 'idol', 'co', 'trio'] as const) {
      expect(up[system].url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await call(system, '/healthz', { anonymous: true });
      expect(r.status).toBe(200);
      expect(r.json()).toEqual({ stato: 'ok' });
    }
  });

  it('answers 401 with the error envelope for a missing or wrong credential', async () => {
    const cases: [SystemName, string, Record<string, string>][] = [
      ['registry', '/v1/sportelli', {}],
      ['registry', '/v1/sportelli', { 'x-api-key': 'wrong' }],
      ['idol', '/v1/lavoratori?id=L0000001', { 'x-api-key': KEYS.co }],
      ['co', '/v1/aziende?id=A000001', { authorization: `Bearer ${KEYS.co}` }],
      ['trio', '/v1/aree', { 'x-api-key': KEYS.trio }],
      ['trio', '/v1/aree', { authorization: 'Bearer nope' }],
    ];
    for (const [system, path, headers] of cases) {
      const r = await call(system, path, { anonymous: true, headers });
      expect(r.status, `${system} ${JSON.stringify(headers)}`).toBe(401);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expectError(r, 401, 'NON_AUTORIZZATO');
    }
    const trio = await call('trio', '/v1/aree', { anonymous: true });
    expect(trio.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 404 NON_TROVATO for an unknown route', async () => {
    const r = await call('idol', '/v1/nothing');
    expectError(r, 404, 'NON_TROVATO');
  });

  it.each([
    [
      'idol',
      `/v1/lavoratori?id=${Array.from({ length: 101 }, (_, i) => `L${String(i + 1).padStart(7, '0')}`).join(',')}`,
    ],
    [
      'idol',
      `/v1/candidature?offerte=${Array.from({ length: 51 }, (_, i) => `O${String(i + 1).padStart(6, '0')}`).join(',')}`,
    ],
    [
      'co',
      `/v1/aziende?id=${Array.from({ length: 51 }, (_, i) => `A${String(i + 1).padStart(6, '0')}`).join(',')}`,
    ],
    [
      'co',
      `/v1/comunicazioni?id=${Array.from({ length: 51 }, (_, i) => `C${String(i + 1).padStart(8, '0')}`).join(',')}`,
    ],
    ['trio', `/v1/iscrizioni?cf=${Array.from({ length: 21 }, () => 'RSSMRA85T10A562S').join(',')}`],
    [
      'registry',
      `/v1/attivita?dal=2011-01&al=2011-02&sportelli=${Array.from({ length: 51 }, () => 'MM').join(',')}`,
    ],
    ['idol', '/v1/lavoratori/ricerca?dimensione=201'],
    ['co', '/v1/comunicazioni?azienda=A000001&limite=501'],
    ['trio', '/v1/corsi?dimensione=51'],
  ] as const)('refuses a list or page over its cap: %s %s', async (system, path) => {
    const r = await call(system, path);
    expectError(r, 400, 'PARAMETRO_NON_VALIDO');
  });

  it.each([
    ['idol', '/v1/lavoratori?id=L0000001&id=L0000002'],
    ['idol', '/v1/lavoratori?id=L1'],
    ['idol', '/v1/lavoratori?id=L0000001,,L0000002'],
    ['idol', '/v1/lavoratori?id=L0000001&cf=RSSMRA85T10A562S'],
    ['idol', '/v1/lavoratori?cf=rssmra85t10a562s'],
    ['idol', '/v1/lavoratori/ricerca?stato=09'],
    ['idol', '/v1/lavoratori/ricerca?pagina=0'],
    ['idol', '/v1/lavoratori/ricerca?sesso=F'],
    ['idol', '/v1/statistiche/iscrizioni?dal=2011-02-30'],
    ['idol', '/v1/statistiche/iscrizioni?dal=2012-01-01&al=2011-01-01'],
    ['idol', '/v1/statistiche/iscrizioni?raggruppa=mese,eta'],
    ['co', '/v1/comunicazioni?azienda=A000001&cursore=bm9wZQ'],
    ['co', '/v1/comunicazioni?azienda=A000001&tipo=XXX'],
    ['co', '/v1/comunicazioni?azienda=A000001&lavoratoreCf=RSSMRA85T10A562S'],
    ['co', '/v1/comunicazioni'],
    ['co', '/v1/aziende/ricerca?ateco=tessile'],
    ['co', '/v1/aziende/ricerca?delegato=cna'],
    ['co', '/v1/offerte/ricerca?stato=APERTE'],
    ['registry', '/v1/attivita?dal=2011-13&al=2012-01'],
    ['registry', '/v1/attivita?al=2012-01'],
    ['registry', '/v1/sportelli?codice=MM'],
    ['trio', '/v1/corsi?certificabile=si'],
    ['trio', '/v1/corsi?area=XYZ'],
    ['trio', '/v1/corsi/abc'],
    ['trio', '/v1/corsi?id=TR0001,TR0002'],
  ] as const)('refuses an invalid parameter: %s %s', async (system, path) => {
    const r = await call(system, path);
    expect(r.status).toBe(400);
    expect(r.json<{ errore: { codice: string } }>().errore.codice).toBe('PARAMETRO_NON_VALIDO');
  });
});

describe('registry', () => {
  it('serves the whole registry with a strong ETag and answers 304 to If-None-Match', async () => {
    const first = await call('registry', '/v1/sportelli');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const doc = first.json<{
      revisione: string;
      sportelli: { codice: string }[];
      enti: unknown[];
    }>();
    expect(doc.revisione).toBe('2014-12-31T00:00:00+01:00');
    expect(doc.sportelli).toHaveLength(30);
    expect(doc.enti.length).toBeGreaterThan(0);
    const again = await call('registry', '/v1/sportelli', {
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const stale = await call('registry', '/v1/sportelli', {
      headers: { 'if-none-match': '"old"' },
    });
    expect(stale.status).toBe(200);
    const comuni = await call('registry', '/v1/comuni');
    expect(comuni.json<{ comuni: unknown[] }>().comuni).toHaveLength(7);
    expect(comuni.json<{ comuni: unknown[] }>().comuni).toContainEqual({
      istat: '100005',
      belfiore: 'G999',
      denominazione: 'Prato',
      cap: '59100',
      provincia: 'PO',
    });
    const c304 = await call('registry', '/v1/comuni', {
      headers: { 'if-none-match': comuni.headers.get('etag') ?? '' },
    });
    expect(c304.status).toBe(304);
  });

  it('answers monthly activity for the asked desks and months only', async () => {
    const r = await call('registry', '/v1/attivita?sportelli=PO-NORD,MM&dal=2011-01&al=2011-03');
    const rows = r.json<{
      attivita: { sportello: string; mese: string; servizio: string; numero: number }[];
    }>().attivita;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(['PO-NORD', 'MM']).toContain(row.sportello);
      expect(row.mese >= '2011-01' && row.mese <= '2011-03').toBe(true);
      expect(row.numero).toBeGreaterThan(0);
    }
    const dids = column<number>(
      'idol',
      "SELECT count(*) FROM schede WHERE sportello = 'MM' AND did_data BETWEEN '2011-01-01' AND '2011-03-31'",
    )[0];
    const served = rows
      .filter((x) => x.sportello === 'MM' && x.servizio === 'ISCRIZIONE')
      .reduce((a, x) => a + x.numero, 0);
    expect(served).toBe(dids);
  });
});

describe('idol', () => {
  it('answers a batch completely, without unknown ids, in another order than asked', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `L${String(i + 1).padStart(7, '0')}`);
    const r = await call('idol', `/v1/lavoratori?id=${[...ids, 'L9999999'].join(',')}`);
    const got = r.json<{ lavoratori: { id: string }[] }>().lavoratori.map((w) => w.id);
    expect([...got].sort()).toEqual(ids);
    expect(got).not.toEqual(ids);
    const cfs = column('idol', 'SELECT cf FROM lavoratori ORDER BY id LIMIT 5');
    const byCf = await call('idol', `/v1/lavoratori?cf=${cfs.join(',')}`);
    expect(
      byCf
        .json<{ lavoratori: { codiceFiscale: string }[] }>()
        .lavoratori.map((w) => w.codiceFiscale)
        .sort(),
    ).toEqual([...cfs].sort());
  });

  it('answers schede, colloqui, candidature and ammortizzatori by their keys', async () => {
    const seekers = column('idol', 'SELECT lavoratore FROM schede ORDER BY lavoratore LIMIT 40');
    const schede = (await call('idol', `/v1/schede?lavoratori=${seekers.join(',')}`)).json<{
      schede: { lavoratore: string }[];
    }>().schede;
    expect(schede.map((s) => s.lavoratore).sort()).toEqual(seekers);
    const sessions = (await call('idol', `/v1/colloqui?lavoratori=${seekers.join(',')}`)).json<{
      colloqui: { lavoratore: string }[];
    }>().colloqui;
    expect(sessions.length).toBe(
      column<number>(
        'idol',
        `SELECT count(*) FROM colloqui WHERE lavoratore IN (${seekers.map((s) => `'${s}'`).join(',')})`,
      )[0],
    );
    const offers = column(
      'idol',
      'SELECT DISTINCT offerta FROM candidature ORDER BY offerta LIMIT 10',
    );
    const cands = (await call('idol', `/v1/candidature?offerte=${offers.join(',')}`)).json<{
      candidature: { offerta: string }[];
    }>().candidature;
    expect(new Set(cands.map((c) => c.offerta))).toEqual(new Set(offers));
    const firms = column(
      'idol',
      'SELECT DISTINCT azienda FROM ammortizzatori ORDER BY azienda LIMIT 5',
    );
    const eps = (await call('idol', `/v1/ammortizzatori?aziende=${firms.join(',')}`)).json<{
      ammortizzatori: { azienda: string }[];
    }>().ammortizzatori;
    expect(new Set(eps.map((e) => e.azienda))).toEqual(new Set(firms));
  });

  it('pages job seekers by id with a total', async () => {
    const total = column<number>('idol', "SELECT count(*) FROM schede WHERE stato = '02'")[0];
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const r = (
        await call('idol', `/v1/lavoratori/ricerca?stato=02&pagina=${page}&dimensione=200`)
      ).json<{
        totale: number;
        pagina: number;
        dimensione: number;
        lavoratori: { id: string }[];
      }>();
      expect(r).toMatchObject({ totale: total, pagina: page, dimensione: 200 });
      if (r.lavoratori.length === 0) break;
      seen.push(...r.lavoratori.map((w) => w.id));
    }
    expect(seen).toEqual(
      column('idol', "SELECT lavoratore FROM schede WHERE stato = '02' ORDER BY lavoratore"),
    );
  });

  it('groups registrations by the asked dimensions only', async () => {
    const r = await call(
      'idol',
      '/v1/statistiche/iscrizioni?dal=2011-01-01&al=2011-12-31&raggruppa=mese,genere',
    );
    const groups = r.json<{ gruppi: Record<string, unknown>[] }>().gruppi;
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(Object.keys(g).sort()).toEqual(['genere', 'iscrizioni', 'mese']);
    const sum = groups.reduce((a, g) => a + (g.iscrizioni as number), 0);
    expect(sum).toBe(
      column<number>(
        'idol',
        "SELECT count(*) FROM schede WHERE did_data BETWEEN '2011-01-01' AND '2011-12-31'",
      )[0],
    );
    const all = await call('idol', '/v1/statistiche/iscrizioni?dal=2011-01-01&al=2011-12-31');
    expect(all.json()).toEqual({ gruppi: [{ iscrizioni: sum }] });
  });
});

describe('co', () => {
  it("pages an employer's communications by cursor, every row exactly once", async () => {
    const employer = column(
      'co',
      'SELECT azienda FROM comunicazioni GROUP BY azienda ORDER BY count(*) DESC LIMIT 1',
    )[0]!;
    const expected = column(
      'co',
      `SELECT id FROM comunicazioni WHERE azienda = '${employer}' ORDER BY data_inizio, id`,
    );
    expect(expected.length).toBeGreaterThan(14);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/v1/comunicazioni?azienda=${employer}&limite=7${cursor ? `&cursore=${encodeURIComponent(cursor)}` : ''}`;
      const r = (await call('co', path)).json<{
        comunicazioni: { id: string; azienda: string }[];
        cursore: string | null;
        totale: number;
      }>();
      expect(r.totale).toBe(expected.length);
      expect(r.comunicazioni.length).toBeLessThanOrEqual(7);
      for (const c of r.comunicazioni) expect(c.azienda).toBe(employer);
      seen.push(...r.comunicazioni.map((c) => c.id));
      cursor = r.cursore;
      pages++;
    } while (cursor !== null && pages < 1000);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 7));

    const filtered = column(
      'co',
      `SELECT id FROM comunicazioni WHERE azienda = '${employer}' AND tipo = 'CES' AND data_inizio BETWEEN '2011-01-01' AND '2013-12-31' ORDER BY data_inizio, id`,
    );
    const f = (
      await call(
        'co',
        `/v1/comunicazioni?azienda=${employer}&tipo=CES&dal=2011-01-01&al=2013-12-31&limite=500`,
      )
    ).json<{ comunicazioni: { id: string }[]; cursore: string | null; totale: number }>();
    expect(f.comunicazioni.map((c) => c.id)).toEqual(filtered);
    expect(f.cursore).toBeNull();
    expect(f.totale).toBe(filtered.length);
  });

  it('answers every communication of the asked workers in date order', async () => {
    const cfs = column(
      'co',
      'SELECT lavoratore_cf FROM comunicazioni GROUP BY lavoratore_cf ORDER BY count(*) DESC LIMIT 3',
    );
    const r = (await call('co', `/v1/comunicazioni?lavoratoreCf=${cfs.join(',')}`)).json<{
      comunicazioni: { id: string }[];
      cursore: null;
    }>();
    expect(r.comunicazioni.map((c) => c.id)).toEqual(
      column(
        'co',
        `SELECT id FROM comunicazioni WHERE lavoratore_cf IN (${cfs.map((c) => `'${c}'`).join(',')}) ORDER BY data_inizio, id`,
      ),
    );
    expect(r.cursore).toBeNull();
  });

  it('answers employers, vacancies and searches', async () => {
    const ids = column('co', 'SELECT id FROM aziende ORDER BY id LIMIT 50');
    const byId = (await call('co', `/v1/aziende?id=${ids.join(',')}`)).json<{
      aziende: { id: string }[];
    }>().aziende;
    expect(byId.map((a) => a.id).sort()).toEqual(ids);
    expect(byId.map((a) => a.id)).not.toEqual(ids);
    // every employer says who acts for it, as the delegations table records
    for (const a of byId as { id: string; delegati: string[] }[]) {
      expect(a.delegati).toEqual(
        column('co', `SELECT ente FROM deleghe WHERE azienda = '${a.id}' ORDER BY ente`),
      );
    }
    const textile = (await call('co', '/v1/aziende/ricerca?ateco=13&dimensione=200')).json<{
      totale: number;
      aziende: { ateco: string }[];
    }>();
    expect(textile.totale).toBe(
      column<number>('co', "SELECT count(*) FROM aziende WHERE ateco LIKE '13%'")[0],
    );
    for (const a of textile.aziende) expect(a.ateco.startsWith('13')).toBe(true);
    const cna = (await call('co', '/v1/aziende/ricerca?delegato=CNA&dimensione=200')).json<{
      totale: number;
      aziende: { id: string; delegati: string[] }[];
    }>();
    const delegating = column('co', "SELECT azienda FROM deleghe WHERE ente = 'CNA' ORDER BY 1");
    expect(cna.totale).toBe(delegating.length);
    expect(cna.totale).toBeGreaterThan(0);
    expect(cna.aziende.map((a) => a.id)).toEqual(delegating.slice(0, 200));
    for (const a of cna.aziende) expect(a.delegati).toContain('CNA');
    const none = (await call('co', '/v1/aziende/ricerca?delegato=CGIL')).json<{ totale: number }>();
    expect(none.totale).toBe(0);
    const open = (await call('co', '/v1/offerte/ricerca?stato=APERTA')).json<{
      totale: number;
      offerte: { stato: string }[];
    }>();
    expect(open.totale).toBeGreaterThan(0);
    for (const o of open.offerte) expect(o.stato).toBe('APERTA');
    const firm = column('co', 'SELECT azienda FROM offerte LIMIT 1')[0]!;
    const byFirm = (await call('co', `/v1/offerte?azienda=${firm}`)).json<{
      offerte: { azienda: string }[];
    }>().offerte;
    expect(byFirm.length).toBe(
      column<number>('co', `SELECT count(*) FROM offerte WHERE azienda = '${firm}'`)[0],
    );
  });

  it('groups flows with communications and distinct workers per cell', async () => {
    const r = (
      await call('co', '/v1/statistiche/flussi?dal=2012-01-01&al=2012-12-31&raggruppa=tipo')
    ).json<{ gruppi: { tipo: string; comunicazioni: number; lavoratori: number }[] }>();
    expect(r.gruppi.map((g) => g.tipo)).toEqual(['ASS', 'CES', 'PRO', 'TRS']);
    const ass = r.gruppi.find((g) => g.tipo === 'ASS');
    expect(ass?.comunicazioni).toBe(
      column<number>(
        'co',
        "SELECT count(*) FROM comunicazioni WHERE tipo = 'ASS' AND data_inizio BETWEEN '2012-01-01' AND '2012-12-31'",
      )[0],
    );
    expect(ass?.lavoratori).toBe(
      column<number>(
        'co',
        "SELECT count(DISTINCT lavoratore_cf) FROM comunicazioni WHERE tipo = 'ASS' AND data_inizio BETWEEN '2012-01-01' AND '2012-12-31'",
      )[0],
    );
    const byAteco = (
      await call('co', '/v1/statistiche/flussi?dal=2012-01-01&al=2012-12-31&raggruppa=ateco,genere')
    ).json<{ gruppi: Record<string, unknown>[] }>();
    for (const g of byAteco.gruppi) {
      expect(Object.keys(g).sort()).toEqual(['ateco', 'comunicazioni', 'genere', 'lavoratori']);
      expect(g.ateco).toMatch(/^\d{2}$/);
    }
  });

  it('counts 2011 flows by month and contract type as the raw communications do', async () => {
    type Cell = { mese: string; contratto: string; comunicazioni: number; lavoratori: number };
    const r = await call(
      'co',
      '/v1/statistiche/flussi?dal=2011-01-01&al=2011-12-31&raggruppa=mese,contratto',
    );
    expect(r.status).toBe(200);
    const served = r.json<{ gruppi: Cell[] }>().gruppi;
    for (const g of served) {
      expect(Object.keys(g).sort()).toEqual(['comunicazioni', 'contratto', 'lavoratori', 'mese']);
    }
    // Independent of the route: the stored documents themselves, not the indexed columns
    // the route groups on.
    const d = db('co');
    let expected: Cell[];
    try {
      expected = d
        .prepare(
          `SELECT substr(json_extract(doc, '$.dataInizio'), 1, 7) AS mese,
                  json_extract(doc, '$.tipologiaContrattuale') AS contratto,
                  count(*) AS comunicazioni,
                  count(DISTINCT json_extract(doc, '$.lavoratore.codiceFiscale')) AS lavoratori
             FROM comunicazioni
            WHERE json_extract(doc, '$.dataInizio') BETWEEN '2011-01-01' AND '2011-12-31'
            GROUP BY 1, 2`,
        )
        .all() as Cell[];
    } finally {
      d.close();
    }
    // A year of a district's flows: every month, several contract types, more communications
    // than workers somewhere (someone hired twice in a month under the same contract).
    expect(new Set(expected.map((c) => c.mese)).size).toBe(12);
    expect(new Set(expected.map((c) => c.contratto)).size).toBeGreaterThan(3);
    expect(expected.some((c) => c.comunicazioni > c.lavoratori)).toBe(true);
    const key = (c: Cell) => `${c.mese} ${c.contratto}`;
    const byKey = (cells: Cell[]) => [...cells].sort((a, b) => key(a).localeCompare(key(b)));
    expect(byKey(served)).toEqual(byKey(expected));
    expect(served.reduce((n, c) => n + c.comunicazioni, 0)).toBe(
      column<number>(
        'co',
        "SELECT count(*) FROM comunicazioni WHERE json_extract(doc, '$.dataInizio') LIKE '2011-%'",
      )[0],
    );
  });

  it('answers 429 with Retry-After past its quota, per key', async () => {
    expect((await putSettings('co', { quotaAlSecondo: 3 })).json()).toEqual({
      latenzaMs: 0,
      quotaAlSecondo: 3,
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => call('co', '/v1/aziende?id=A000001')),
      );
      const limited = answers.filter((a) => a.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(4);
      for (const a of limited) {
        expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(a.json<{ errore: { codice: string } }>().errore.codice).toBe('QUOTA_SUPERATA');
      }
      const stats = (await call('co', '/_admin/stats', { anonymous: true })).json<{
        richieste: Record<string, number>;
      }>();
      expect(stats.richieste['GET /v1/aziende 429']).toBeGreaterThanOrEqual(limited.length);
    } finally {
      await putSettings('co', { quotaAlSecondo: 1000 });
    }
  });

  it('takes its quota from the factory option', async () => {
    const strict = await createUpstream({
      system: 'co',
      dataDir,
      credential: KEYS.co,
      quotaPerSecond: 1,
    });
    try {
      const first = await fetch(`${strict.url}/v1/aziende?id=A000001`, { headers: auth('co') });
      const second = await fetch(`${strict.url}/v1/aziende?id=A000001`, { headers: auth('co') });
      await first.text();
      await second.text();
      expect([first.status, second.status]).toEqual([200, 429]);
      expect(second.headers.get('retry-after')).toBe('1');
    } finally {
      await strict.stop();
    }
  });
});

describe('trio', () => {
  it('answers one course by id, 404 for an unknown one, and searches titles by word', async () => {
    const course = await call('trio', '/v1/corsi/TR0001');
    const doc = course.json<{ id: string; area: string; livello: string }>();
    expect(doc.id).toBe('TR0001');
    expect(['BASE', 'INTERMEDIO', 'AVANZATO']).toContain(doc.livello);
    const missing = await call('trio', '/v1/corsi/TR9999');
    expect(missing.status).toBe(404);
    expect(missing.json<{ errore: { codice: string } }>().errore.codice).toBe('NON_TROVATO');
    const search = (await call('trio', '/v1/corsi?q=INGLESE&dimensione=50')).json<{
      totale: number;
      corsi: { titolo: string }[];
    }>();
    expect(search.totale).toBeGreaterThan(0);
    for (const c of search.corsi) expect(c.titolo.toLowerCase()).toContain('inglese');
    const areas = (await call('trio', '/v1/aree')).json<{ aree: { codice: string }[] }>().aree;
    expect(areas).toHaveLength(12);
    const inf = (await call('trio', '/v1/corsi?area=INF&certificabile=true&dimensione=50')).json<{
      totale: number;
      corsi: { area: string; certificabile: boolean }[];
    }>();
    expect(inf.totale).toBe(
      column<number>(
        'trio',
        "SELECT count(*) FROM corsi WHERE area = 'INF' AND certificabile = 1",
      )[0],
    );
    for (const c of inf.corsi) expect(c).toMatchObject({ area: 'INF', certificabile: true });
  });

  it('answers enrolments and certificates by fiscal code, and workstations with bookings', async () => {
    const cfs = column(
      'trio',
      'SELECT cf FROM iscrizioni GROUP BY cf ORDER BY count(*) DESC LIMIT 20',
    );
    const r = (await call('trio', `/v1/iscrizioni?cf=${cfs.join(',')}`)).json<{
      iscrizioni: { codiceFiscale: string }[];
    }>();
    expect(r.iscrizioni.length).toBe(
      column<number>(
        'trio',
        `SELECT count(*) FROM iscrizioni WHERE cf IN (${cfs.map((c) => `'${c}'`).join(',')})`,
      )[0],
    );
    const certs = (await call('trio', `/v1/attestati?cf=${cfs.join(',')}`)).json<{
      attestati: unknown[];
    }>();
    expect(Array.isArray(certs.attestati)).toBe(true);
    const stations = (await call('trio', '/v1/postazioni?sportello=PO-CPI,MM')).json<{
      postazioni: { id: string; sportello: string; prenotazioni: unknown[] }[];
    }>();
    expect(stations.postazioni.map((p) => p.id).sort()).toEqual([
      'MM-1',
      'MM-2',
      'MM-3',
      'PO-CPI-1',
      'PO-CPI-2',
      'PO-CPI-3',
      'PO-CPI-4',
      'PO-CPI-5',
      'PO-CPI-6',
    ]);
    const all = (await call('trio', '/v1/postazioni')).json<{ postazioni: unknown[] }>();
    expect(all.postazioni).toHaveLength(30);
  });

  it('groups usage with enrolments, completions and distinct people', async () => {
    const r = (
      await call('trio', '/v1/statistiche/utilizzo?dal=2010-01-01&al=2014-12-31&raggruppa=area')
    ).json<{
      gruppi: { area: string; iscrizioni: number; completati: number; persone: number }[];
    }>();
    expect(r.gruppi.reduce((a, g) => a + g.iscrizioni, 0)).toBe(
      column<number>('trio', 'SELECT count(*) FROM iscrizioni')[0],
    );
    for (const g of r.gruppi) {
      expect(g.completati).toBeLessThanOrEqual(g.iscrizioni);
      expect(g.persone).toBeLessThanOrEqual(g.iscrizioni);
    }
  });
});

describe('admin endpoints', () => {
  it('count requests per route pattern, with a key per non-200 status', async () => {
    await call('trio', '/_admin/stats', { method: 'DELETE', anonymous: true });
    await call('trio', '/v1/corsi/TR0001');
    await call('trio', '/v1/corsi/TR0002');
    await call('trio', '/v1/corsi/TR9999');
    await call('trio', '/v1/aree', { anonymous: true });
    await call('trio', '/healthz', { anonymous: true });
    const stats = await call('trio', '/_admin/stats', { anonymous: true });
    expect(stats.json()).toEqual({
      totale: 4,
      richieste: {
        'GET /v1/corsi/{id}': 3,
        'GET /v1/corsi/{id} 404': 1,
        'GET /v1/aree': 1,
        'GET /v1/aree 401': 1,
      },
      concorrenzaMassima: { 'GET /v1/corsi/{id}': 1, 'GET /v1/aree': 1 },
    });
    await call('registry', '/_admin/stats', { method: 'DELETE', anonymous: true });
    const first = await call('registry', '/v1/sportelli');
    await call('registry', '/v1/sportelli', {
      headers: { 'if-none-match': first.headers.get('etag') ?? '' },
    });
    expect((await call('registry', '/_admin/stats', { anonymous: true })).json()).toEqual({
      totale: 2,
      richieste: { 'GET /v1/sportelli': 2, 'GET /v1/sportelli 304': 1 },
      concorrenzaMassima: { 'GET /v1/sportelli': 1 },
    });
  });

  it('reports the most requests of a route served at once', async () => {
    await call('trio', '/_admin/stats', { method: 'DELETE', anonymous: true });
    await putSettings('trio', { latenzaMs: 50 });
    try {
      await Promise.all(
        ['TR0001', 'TR0002', 'TR0003'].map((id) => call('trio', `/v1/corsi/${id}`)),
      );
    } finally {
      await putSettings('trio', { latenzaMs: 0 });
    }
    const stats = (await call('trio', '/_admin/stats', { anonymous: true })).json<{
      concorrenzaMassima: Record<string, number>;
    }>();
    expect(stats.concorrenzaMassima['GET /v1/corsi/{id}']).toBe(3);
  });

  it('adds the configured latency to /v1 requests and validates settings', async () => {
    expect((await putSettings('idol', { latenzaMs: 120 })).json()).toEqual({ latenzaMs: 120 });
    try {
      const t0 = performance.now();
      const r = await call('idol', '/v1/lavoratori?id=L0000001');
      expect(r.status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
      const h0 = performance.now();
      await call('idol', '/healthz', { anonymous: true });
      expect(performance.now() - h0).toBeLessThan(100);
    } finally {
      expect((await putSettings('idol', { latenzaMs: 0 })).json()).toEqual({ latenzaMs: 0 });
    }
    expect((await putSettings('idol', { latenzaMs: -1 })).status).toBe(400);
    expect((await putSettings('idol', { quotaAlSecondo: 5 })).status).toBe(400);
    expect(
      (await call('idol', '/_admin/settings', { method: 'PUT', body: 'nope', anonymous: true }))
        .status,
    ).toBe(400);
    expect((await call('idol', '/_admin/settings', { anonymous: true })).json()).toEqual({
      latenzaMs: 0,
    });
  });

  it('takes the initial latency from the factory option', async () => {
    const slow = await createUpstream({
      system: 'registry',
      dataDir,
      credential: KEYS.registry,
      latencyMs: 80,
    });
    try {
      const t0 = performance.now();
      const res = await fetch(`${slow.url}/v1/comuni`, { headers: auth('registry') });
      await res.text();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(70);
    } finally {
      await slow.stop();
    }
  });

  it('refuses to start without the dataset', async () => {
    await expect(
      createUpstream({ system: 'co', dataDir: join(root, 'missing'), credential: 'x' }),
    ).rejects.toThrow(/not found/);
  });
});
