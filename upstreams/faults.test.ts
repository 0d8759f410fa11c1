// Fault injection in the simulated upstreams (faults.ts, API.md "Admin"): every kind seen
// from a plain HTTP client over real sockets, rule matching, counting and validation.
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { isValidFiscalCode } from '../lib/fiscal-code.js';
import {
  clearFaults,
  FaultRuleError,
  getFaults,
  parseFaultRule,
  parseFaultSettings,
  setFaults,
  type FaultRule,
} from './faults.js';
import { createUpstream, type RunningUpstream } from './index.js';

const IDOL_KEY = 'faults-idol-key';
const TRIO_TOKEN = 'faults-trio-token';

let idol: RunningUpstream;
let trio: RunningUpstream;

const IDS = ['L0000001', 'L0000002', 'L0000003', 'L0000004', 'L0000005'];
const BATCH = `/v1/lavoratori?id=${IDS.join(',')}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A plain undici request to idol (or trio), body read whole. */
async function get(
  path: string,
  opts: { upstream?: RunningUpstream; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const upstream = opts.upstream ?? idol;
  const auth: Record<string, string> =
    upstream === trio ? { authorization: `Bearer ${TRIO_TOKEN}` } : { 'x-api-key': IDOL_KEY };
  const res = await request(`${upstream.url}${path}`, {
    headers: { ...auth, ...(opts.headers ?? {}) },
    headersTimeout: opts.timeoutMs ?? 5_000,
    bodyTimeout: opts.timeoutMs ?? 5_000,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** The error a request ends with (undici's code), or 'none'. */
async function failure(path: string, timeoutMs = 5_000): Promise<string> {
  try {
    await get(path, { timeoutMs });
    return 'none';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

async function stats(upstream = idol): Promise<Record<string, number>> {
  const res = await request(`${upstream.url}/_admin/stats`);
  return ((await res.body.json()) as { richieste: Record<string, number> }).richieste;
}

async function putRaw(body: string): Promise<Answer> {
  const res = await request(`${idol.url}/_admin/guasti`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

interface Worker {
  id: string;
  codiceFiscale: string;
  cognome: string;
  [k: string]: unknown;
}

function workers(a: Answer): Worker[] {
  expect(a.status).toBe(200);
  return (JSON.parse(a.text) as { lavoratori: Worker[] }).lavoratori;
}

let baseline: Worker[];

beforeAll(async () => {
  const dataDir = inject('dataDir');
  idol = await createUpstream({ system: 'idol', dataDir, credential: IDOL_KEY });
  trio = await createUpstream({ system: 'trio', dataDir, credential: TRIO_TOKEN });
  baseline = workers(await get(BATCH));
  expect(baseline.map((w) => w.id).sort()).toEqual(IDS);
});

afterAll(async () => {
  await Promise.all([idol?.stop(), trio?.stop()]);
});

beforeEach(async () => {
  await clearFaults(idol.url);
  await clearFaults(trio.url);
  await request(`${idol.url}/_admin/stats`, { method: 'DELETE' });
});

describe('answer faults', () => {
  it('latenza delays the answer by ms, then answers normally', async () => {
    await setFaults(idol.url, [{ tipo: 'latenza', ms: 300 }]);
    const t0 = performance.now();
    const a = await get(BATCH);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(workers(a)).toHaveLength(5);
    expect((await stats())['guasto latenza']).toBe(1);
  });

  it('blocco never answers: the client gives up at its own timeout', async () => {
    await setFaults(idol.url, [{ tipo: 'blocco' }]);
    const t0 = performance.now();
    expect(await failure(BATCH, 300)).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((await stats())['guasto blocco']).toBe(1);
  });

  it.each([500, 502, 503, 504] as const)(
    'errore %i answers that status with the Italian error envelope',
    async (stato) => {
      await setFaults(idol.url, [{ tipo: 'errore', stato }]);
      const a = await get(BATCH);
      expect(a.status).toBe(stato);
      expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = JSON.parse(a.text) as { errore: { codice: string; messaggio: string } };
      expect(Object.keys(body.errore).sort()).toEqual(['codice', 'messaggio']);
      expect(body.errore.codice).toMatch(/^[A-Z_]+$/);
      expect(a.headers['retry-after']).toBeUndefined();
      const s = await stats();
      expect(s['guasto errore']).toBe(1);
      expect(s[`GET /v1/lavoratori ${stato}`]).toBe(1);
    },
  );

  it('errore 503 with secondi adds Retry-After', async () => {
    await setFaults(idol.url, [{ tipo: 'errore', stato: 503, secondi: 7 }]);
    const a = await get(BATCH);
    expect(a.status).toBe(503);
    expect(JSON.parse(a.text)).toMatchObject({ errore: { codice: 'SERVIZIO_NON_DISPONIBILE' } });
    expect(a.headers['retry-after']).toBe('7');
  });

  it('quota answers 429 QUOTA_SUPERATA with Retry-After in seconds', async () => {
    await setFaults(idol.url, [{ tipo: 'quota', secondi: 3 }]);
    const a = await get(BATCH);
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBe('3');
    expect(JSON.parse(a.text)).toMatchObject({ errore: { codice: 'QUOTA_SUPERATA' } });
    expect((await stats())['guasto quota']).toBe(1);
  });

  it('malformato answers 200 with the JSON content type and a body that is not JSON', async () => {
    await setFaults(idol.url, [{ tipo: 'malformato' }]);
    const a = await get(BATCH);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(a.headers['content-length'])).toBe(Buffer.byteLength(a.text));
    expect(() => JSON.parse(a.text) as unknown).toThrow(SyntaxError);
  });

  it('troncato declares more than it sends, then hangs up: the body read fails', async () => {
    await setFaults(idol.url, [{ tipo: 'troncato' }]);
    const res = await request(`${idol.url}${BATCH}`, { headers: { 'x-api-key': IDOL_KEY } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const declared = Number(res.headers['content-length']);
    let received = 0;
    let error: unknown;
    try {
      for await (const chunk of res.body) received += (chunk as Buffer).length;
    } catch (err) {
      error = err;
    }
    expect(error).toBeDefined();
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(declared);
    expect((await stats())['guasto troncato']).toBe(1);
  });

  it('troncato with fase dopo cuts the route’s real answer', async () => {
    await setFaults(idol.url, [{ tipo: 'troncato', fase: 'dopo' }]);
    const res = await request(`${idol.url}${BATCH}`, { headers: { 'x-api-key': IDOL_KEY } });
    const declared = Number(res.headers['content-length']);
    const chunks: Buffer[] = [];
    await expect(
      (async () => {
        for await (const chunk of res.body) chunks.push(chunk as Buffer);
      })(),
    ).rejects.toThrow();
    const got = Buffer.concat(chunks).toString();
    expect(got.startsWith('{"lavoratori":[')).toBe(true);
    expect(Buffer.byteLength(got)).toBe(Math.floor(declared / 2));
  });

  it('tipoErrato answers 200 with an HTML page', async () => {
    await setFaults(idol.url, [{ tipo: 'tipoErrato' }]);
    const a = await get(BATCH);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(a.text).toMatch(/^<!DOCTYPE html>/);
  });

  it('enorme streams valid JSON of the size asked for, 40 MB by default', async () => {
    await setFaults(idol.url, [{ tipo: 'enorme', mb: 1 }]);
    const small = await get(BATCH);
    expect(small.status).toBe(200);
    expect(small.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(small.headers['content-length']).toBeUndefined();
    const size = Buffer.byteLength(small.text);
    expect(size).toBeGreaterThanOrEqual(1024 * 1024);
    expect(size).toBeLessThan(1024 * 1024 + 64 * 1024);
    expect((JSON.parse(small.text) as { dati: unknown[] }).dati.length).toBeGreaterThan(1000);

    await setFaults(idol.url, [{ tipo: 'enorme' }]);
    const res = await request(`${idol.url}${BATCH}`, { headers: { 'x-api-key': IDOL_KEY } });
    let bytes = 0;
    let last = '';
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length;
      last = (chunk as Buffer).toString();
    }
    expect(bytes).toBeGreaterThanOrEqual(40 * 1024 * 1024);
    expect(last.endsWith('}]}')).toBe(true);
    expect((await stats())['guasto enorme']).toBe(2);
  });

  it('reset drops the connection without any answer', async () => {
    await setFaults(idol.url, [{ tipo: 'reset' }]);
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(await failure(BATCH));
    expect((await stats())['guasto reset']).toBe(1);
  });
});

describe('batch faults on the route’s own answer', () => {
  const ids = (list: Worker[]): string[] => list.map((w) => w.id);

  it('mancanti drops records (one by default, quanti of them)', async () => {
    await setFaults(idol.url, [{ tipo: 'mancanti' }]);
    const one = workers(await get(BATCH));
    expect(one).toHaveLength(4);
    expect(IDS).toEqual(expect.arrayContaining(ids(one)));
    await setFaults(idol.url, [{ tipo: 'mancanti', quanti: 3 }]);
    expect(workers(await get(BATCH))).toHaveLength(2);
    expect((await stats())['guasto mancanti']).toBe(2);
  });

  it('riordinati reverses the order the route answered in', async () => {
    // A paged search answers in id order, so the reversal is visible.
    const page = '/v1/lavoratori/ricerca?dimensione=5';
    const plain = ids(workers(await get(page)));
    expect(plain).toEqual([...plain].sort());
    await setFaults(idol.url, [{ tipo: 'riordinati' }]);
    const answer = await get(page);
    expect(ids(workers(answer))).toEqual([...plain].reverse());
    expect(JSON.parse(answer.text)).toMatchObject({ pagina: 1, dimensione: 5 });
    expect((await stats())['guasto riordinati']).toBe(1);
  });

  it('duplicati repeats records, with the same or (diversi) other content for the same id', async () => {
    await setFaults(idol.url, [{ tipo: 'duplicati', quanti: 2 }]);
    const same = workers(await get(BATCH));
    expect(same).toHaveLength(7);
    expect(new Set(ids(same)).size).toBe(5);
    expect(same[5]).toEqual(same[0]);
    expect(same[6]).toEqual(same[1]);

    await setFaults(idol.url, [{ tipo: 'duplicati', diversi: true }]);
    const different = workers(await get(BATCH));
    expect(different).toHaveLength(6);
    const [first, copy] = [different[0] as Worker, different[5] as Worker];
    expect(copy.id).toBe(first.id);
    expect(copy.codiceFiscale).toBe(first.codiceFiscale);
    expect(copy).not.toEqual(first);
    expect(copy.cognome).toBe(`${first.cognome} BIS`);
  });

  it('estranei adds records with ids and fiscal codes not asked for, still well-formed', async () => {
    await setFaults(idol.url, [{ tipo: 'estranei', quanti: 2 }]);
    const byId = workers(await get(BATCH));
    expect(byId).toHaveLength(7);
    const foreign = byId.filter((w) => !IDS.includes(w.id));
    expect(foreign).toHaveLength(2);
    const knownCodes = new Set(baseline.map((w) => w.codiceFiscale));
    for (const w of foreign) {
      expect(w.id).toMatch(/^L\d{7}$/);
      expect(isValidFiscalCode(w.codiceFiscale)).toBe(true);
      expect(knownCodes.has(w.codiceFiscale)).toBe(false);
    }
    expect(new Set(foreign.map((w) => w.id)).size).toBe(2);

    // Asked by fiscal code: the foreign record's code is valid and not among those asked.
    const codes = baseline.map((w) => w.codiceFiscale);
    await setFaults(idol.url, [{ tipo: 'estranei' }]);
    const byCode = workers(await get(`/v1/lavoratori?cf=${codes.join(',')}`));
    const extra = byCode.filter((w) => !codes.includes(w.codiceFiscale));
    expect(extra).toHaveLength(1);
    expect(isValidFiscalCode((extra[0] as Worker).codiceFiscale)).toBe(true);
    expect(IDS).not.toContain((extra[0] as Worker).id);
  });

  it('is a no-op, and not counted, on an answer that is not a batch', async () => {
    await setFaults(trio.url, [{ tipo: 'mancanti' }, { tipo: 'riordinati' }]);
    const a = await get('/v1/corsi/TR0001', { upstream: trio });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toMatchObject({ id: 'TR0001' });
    const missing = await get('/v1/corsi/TR9999', { upstream: trio });
    expect(missing.status).toBe(404);
    expect((await getFaults(trio.url)).guasti.map((g) => g.scatti)).toEqual([0, 0]);
    expect((await stats(trio))['guasto mancanti']).toBeUndefined();
  });
});

describe('matching and counting', () => {
  it('volte fires on the next n matching requests only', async () => {
    await setFaults(idol.url, [{ tipo: 'errore', stato: 503, volte: 2 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(BATCH)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    const status = await getFaults(idol.url);
    expect(status.guasti).toEqual([{ tipo: 'errore', stato: 503, volte: 2, scatti: 2 }]);
    expect((await stats())['guasto errore']).toBe(2);
  });

  it('percorso matches a route key, a concrete path, or a path of any method', async () => {
    await setFaults(trio.url, [{ tipo: 'errore', stato: 500, percorso: 'GET /v1/corsi/{id}' }]);
    expect((await get('/v1/corsi/TR0002', { upstream: trio })).status).toBe(500);
    expect((await get('/v1/aree', { upstream: trio })).status).toBe(200);
    expect((await get('/v1/corsi?dimensione=1', { upstream: trio })).status).toBe(200);

    await setFaults(trio.url, [{ tipo: 'errore', stato: 502, percorso: 'GET /v1/corsi/TR0003' }]);
    expect((await get('/v1/corsi/TR0003', { upstream: trio })).status).toBe(502);
    expect((await get('/v1/corsi/TR0002', { upstream: trio })).status).toBe(200);

    await setFaults(trio.url, [{ tipo: 'errore', stato: 504, percorso: '/v1/aree' }]);
    expect((await get('/v1/aree', { upstream: trio })).status).toBe(504);

    await setFaults(trio.url, [{ tipo: 'errore', stato: 504, percorso: 'POST /v1/aree' }]);
    expect((await get('/v1/aree', { upstream: trio })).status).toBe(200);
  });

  it('tries the rules in order: the first that fires is the one fault of a request', async () => {
    await setFaults(idol.url, [
      { tipo: 'errore', stato: 503, volte: 1 },
      { tipo: 'quota', secondi: 2 },
    ]);
    expect((await get(BATCH)).status).toBe(503);
    expect((await get(BATCH)).status).toBe(429);
    expect((await getFaults(idol.url)).guasti.map((g) => g.scatti)).toEqual([1, 1]);
  });

  it('probabilita draws from a seeded generator: the same seed gives the same firings', async () => {
    const run = async (seme: number): Promise<string> => {
      await setFaults(idol.url, [{ tipo: 'errore', stato: 500, probabilita: 0.5 }], { seme });
      let pattern = '';
      for (let i = 0; i < 24; i++) pattern += (await get(BATCH)).status === 500 ? 'x' : '.';
      return pattern;
    };
    const a = await run(7);
    expect(await run(7)).toBe(a);
    expect(a).toMatch(/x/);
    expect(a).toMatch(/\./);
    expect(await run(8)).not.toBe(a);
    expect((await getFaults(idol.url)).seme).toBe(8);

    await setFaults(idol.url, [{ tipo: 'errore', stato: 500, probabilita: 0 }]);
    for (let i = 0; i < 5; i++) expect((await get(BATCH)).status).toBe(200);
  });

  it('comes after the credential check, and never on /healthz or the admin endpoints', async () => {
    await setFaults(idol.url, [{ tipo: 'reset' }]);
    const anonymous = await request(`${idol.url}${BATCH}`);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    const health = await request(`${idol.url}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ stato: 'ok' });
    expect(Object.keys(await stats())).not.toContain('guasto reset');
    expect((await getFaults(idol.url)).guasti[0]?.scatti).toBe(0);
  });

  it('GET shows the rules with their firings, DELETE clears them', async () => {
    const rules: FaultRule[] = [
      { tipo: 'latenza', ms: 1, percorso: 'GET /v1/lavoratori' },
      { tipo: 'duplicati', diversi: true, volte: 3 },
    ];
    const put = await setFaults(idol.url, rules, { seme: 42 });
    expect(put).toEqual({ seme: 42, guasti: rules.map((r) => ({ ...r, scatti: 0 })) });
    await get(BATCH);
    await get(BATCH);
    await get('/v1/schede?lavoratori=L0000001,L0000002');
    expect((await getFaults(idol.url)).guasti.map((g) => g.scatti)).toEqual([2, 1]);
    expect(await stats()).toMatchObject({ 'guasto latenza': 2, 'guasto duplicati': 1 });

    const cleared = await request(`${idol.url}/_admin/guasti`, { method: 'DELETE' });
    expect(cleared.statusCode).toBe(200);
    expect(await cleared.body.json()).toEqual({ seme: 42, guasti: [] });
    expect(workers(await get(BATCH))).toHaveLength(5);
    expect((await getFaults(idol.url)).guasti).toEqual([]);
  });
});

describe('rule validation', () => {
  it.each([
    ['not JSON', '{"guasti": [', /corpo JSON non valido/],
    ['no list', '{}', /guasti: attesa una lista/],
    ['an unknown top-level key', '{"guasti": [], "semi": 1}', /chiave sconosciuta: semi/],
    ['a bad seed', '{"guasti": [], "seme": -1}', /^seme: atteso un intero/],
    ['no kind', '{"guasti": [{}]}', /guasti\[0\]\.tipo: obbligatorio/],
    ['an unknown kind', '{"guasti": [{"tipo": "lento"}]}', /tipo di guasto sconosciuto "lento"/],
    [
      'an unknown key',
      '{"guasti": [{"tipo": "blocco"}, {"tipo": "latenza", "ms": 5, "stato": 500}]}',
      /guasti\[1\]: chiave sconosciuta per il tipo latenza: stato/,
    ],
    ['a missing parameter', '{"guasti": [{"tipo": "latenza"}]}', /guasti\[0\]\.ms: obbligatorio/],
    [
      'a status not offered',
      '{"guasti": [{"tipo": "errore", "stato": 501}]}',
      /guasti\[0\]\.stato: atteso uno tra 500, 502, 503, 504/,
    ],
    [
      'a probability over 1',
      '{"guasti": [{"tipo": "reset", "probabilita": 1.5}]}',
      /probabilita: atteso un numero/,
    ],
    ['volte 0', '{"guasti": [{"tipo": "reset", "volte": 0}]}', /volte: atteso un intero tra 1/],
    [
      'a path outside /v1',
      '{"guasti": [{"tipo": "reset", "percorso": "GET /healthz"}]}',
      /percorso: atteso/,
    ],
    [
      'a phase on a batch kind',
      '{"guasti": [{"tipo": "mancanti", "fase": "dopo"}]}',
      /chiave sconosciuta per il tipo mancanti: fase/,
    ],
    ['a zero size', '{"guasti": [{"tipo": "enorme", "mb": 0}]}', /mb: atteso un numero maggiore/],
  ])('refuses %s with 400 and says why', async (_what, body, message) => {
    await setFaults(idol.url, [{ tipo: 'blocco', percorso: 'GET /v1/colloqui' }]);
    const a = await putRaw(body);
    expect(a.status).toBe(400);
    const err = JSON.parse(a.text) as { errore: { codice: string; messaggio: string } };
    expect(err.errore.codice).toBe('PARAMETRO_NON_VALIDO');
    expect(err.errore.messaggio).toMatch(message);
    // The rules in force are untouched by a refused PUT.
    expect((await getFaults(idol.url)).guasti).toHaveLength(1);
  });

  it('parses rules programmatically and refuses the same mistakes before any request', async () => {
    expect(parseFaultRule({ tipo: 'errore', stato: 503, volte: 1 })).toEqual({
      tipo: 'errore',
      stato: 503,
      volte: 1,
    });
    expect(() => parseFaultRule({ tipo: 'quota', ms: 3 })).toThrow(FaultRuleError);
    expect(parseFaultSettings({ guasti: [] })).toEqual({ guasti: [], seme: 1 });
    await expect(setFaults(idol.url, [{ tipo: 'nope' } as unknown as FaultRule])).rejects.toThrow(
      /tipo di guasto sconosciuto/,
    );
    const other = await request(`${idol.url}/_admin/guasti`, { method: 'POST' });
    expect(other.statusCode).toBe(404);
    await other.body.dump();
  });
});

describe('stopping', () => {
  it('stop() completes promptly while a request hangs', async () => {
    const own = await createUpstream({
      system: 'idol',
      dataDir: inject('dataDir'),
      credential: IDOL_KEY,
    });
    await setFaults(own.url, [{ tipo: 'blocco' }]);
    const hanging = request(`${own.url}${BATCH}`, {
      headers: { 'x-api-key': IDOL_KEY },
      headersTimeout: 30_000,
    }).then(
      () => 'answered',
      (err: { code?: string }) => err.code ?? 'failed',
    );
    while ((await getFaults(own.url)).guasti[0]?.scatti !== 1) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const t0 = performance.now();
    await own.stop();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await hanging).not.toBe('answered');
  });
});
