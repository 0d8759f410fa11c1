// The upstream client against a tiny local node:http server that misbehaves on demand: each
// fault kind, retries (counted server-side), Retry-After, deadlines, writes with and without
// an idempotency key, and the circuit breaker.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  UpstreamBadResponseError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';
import { runWithDeadline } from './request-deadline.js';
import {
  createUpstreamClient,
  retryAfterMs,
  UpstreamHttpClient,
  withUpstreamClients,
  type UpstreamClientOptions,
} from './upstream-client.js';

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  authorization?: string;
  contentType?: string;
  idempotencyKey?: string;
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
/** Per-path handlers a test installs; `attempt` counts that path's requests from 1. */
const routes = new Map<string, Handler>();
const clients: UpstreamHttpClient[] = [];

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Answers each attempt in turn with the given handlers; the last one repeats. */
function sequence(...handlers: ((res: ServerResponse, req: IncomingMessage) => void)[]): Handler {
  return (req, res, attempt) => handlers[Math.min(attempt, handlers.length) - 1]!(res, req);
}

const ok = (res: ServerResponse) => json(res, 200, { ok: true });
const unavailable = (res: ServerResponse) => json(res, 503, { errore: { codice: 'GUASTO' } });
const reset = (_res: ServerResponse, req: IncomingMessage) => req.socket.destroy();
const hang = () => undefined;

function requestsTo(path: string): Seen[] {
  return seen.filter((s) => s.url.split('?')[0] === path);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        key: req.headers['x-api-key'] as string | undefined,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        ...(req.headers['idempotency-key']
          ? { idempotencyKey: req.headers['idempotency-key'] as string }
          : {}),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      const path = entry.url.split('?')[0] ?? '';
      const handler = routes.get(path);
      if (handler) return handler(req, res, requestsTo(path).length);
      switch (path) {
        case '/ok':
          return json(res, 200, { ok: true });
        case '/etag':
          if (req.headers['if-none-match'] === '"1"') {
            res.writeHead(304, { etag: '"1"' });
            return res.end();
          }
          res.writeHead(200, { 'content-type': 'application/json', etag: '"1"' });
          return res.end('{"v":1}');
        case '/bad-request':
          return json(res, 400, {
            errore: {
              codice: 'PARAMETRO_NON_VALIDO',
              messaggio: 'RSSMRA80A01H501U is wrong',
              campo: 'lavoratore.codiceFiscale',
            },
          });
        case '/quota':
          return json(res, 429, { errore: { codice: 'QUOTA_SUPERATA' } }, { 'retry-after': '1' });
        case '/boom':
          return json(res, 503, {
            errore: { codice: 'GUASTO', messaggio: 'http://internal:9 down' },
          });
        case '/html':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html>');
        case '/malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"a": [1, 2');
        case '/truncated':
          // Promises 1000 bytes, sends a few, and drops the connection.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"a": [1, 2');
          return setTimeout(() => req.socket.destroy(), 10);
        case '/oversized-declared':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
          return res.end(`"${'x'.repeat(4998)}"`);
        case '/oversized-streamed':
          res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
          res.write(`"${'x'.repeat(3000)}`);
          return res.end(`${'x'.repeat(3000)}"`);
        case '/hang':
          return; // never answers
        case '/reset':
          return req.socket.destroy();
        default:
          return json(res, 404, { errore: { codice: 'NON_TROVATO' } });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  routes.clear();
  seen = [];
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A client of the test server; waits between attempts are recorded, not slept, by default. */
function makeClient(
  options: Partial<UpstreamClientOptions> = {},
): UpstreamHttpClient & { waits: number[] } {
  const waits: number[] = [];
  const client = new UpstreamHttpClient({
    name: 'co',
    baseUrl,
    auth: { header: 'x-api-key', value: 'secret' },
    timeoutMs: 300,
    retryBaseMs: 10,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  clients.push(client);
  return Object.assign(client, { waits });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('UpstreamHttpClient reads', () => {
  it('sends the credential and comma-joined list parameters, and decodes JSON', async () => {
    const client = makeClient();
    expect(await client.get('/ok', { id: ['A1', 'A2'], pagina: 2, vuoto: undefined })).toEqual({
      status: 200,
      etag: undefined,
      body: { ok: true },
    });
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      url: '/ok?id=A1%2CA2&pagina=2',
      key: 'secret',
    });
  });

  it('answers 304 to a conditional request when asked to accept it', async () => {
    const client = makeClient();
    const first = await client.get('/etag', undefined, { accept: [304] });
    const second = await client.get('/etag', undefined, {
      headers: { 'if-none-match': first.etag! },
      accept: [304],
    });
    expect(second).toEqual({ status: 304, etag: '"1"', body: null });
  });

  it.each([
    ['/bad-request', UpstreamRejectedError, 1],
    ['/missing', UpstreamRejectedError, 1],
    ['/quota', UpstreamUnavailableError, 3],
    ['/boom', UpstreamUnavailableError, 3],
    ['/html', UpstreamBadResponseError, 1],
    ['/malformed', UpstreamBadResponseError, 1],
    ['/truncated', UpstreamBadResponseError, 3],
    ['/oversized-declared', UpstreamBadResponseError, 1],
    ['/oversized-streamed', UpstreamBadResponseError, 1],
    ['/hang', UpstreamTimeoutError, 3],
    ['/reset', UpstreamUnavailableError, 3],
  ])(
    'turns %s into a typed %O with no upstream text, after %i request(s)',
    async (path, type, requests) => {
      const client = makeClient({ timeoutMs: 100, maxResponseBytes: 4000, breakerFailures: 100 });
      const error = await failure(client.get(path));
      expect(error).toBeInstanceOf(type);
      expect((error as UpstreamRejectedError).upstream).toBe('co');
      expect(error.message).not.toMatch(/RSSMRA|internal|http:|127\.0\.0\.1/);
      expect(requestsTo(path)).toHaveLength(requests);
    },
  );

  it('keeps the status, code and campo of a refusal, never its message, and does not retry it', async () => {
    const client = makeClient();
    const error = (await failure(client.get('/bad-request'))) as UpstreamRejectedError;
    expect(error).toMatchObject({
      code: 'UPSTREAM_REJECTED',
      status: 400,
      upstreamCode: 'PARAMETRO_NON_VALIDO',
      campo: 'lavoratore.codiceFiscale',
    });
    expect(JSON.stringify(error)).not.toMatch(/RSSMRA|wrong/);
    expect(requestsTo('/bad-request')).toHaveLength(1);
  });

  it('drops a campo or a code that is not a plain name', async () => {
    routes.set('/odd', (_req, res) =>
      json(res, 422, { errore: { codice: 'non valido!', campo: 'a b <script>' } }),
    );
    const error = (await failure(makeClient().get('/odd'))) as UpstreamRejectedError;
    expect(error).toMatchObject({ status: 422, upstreamCode: undefined, campo: undefined });
  });

  it('retries 500 and 503 and answers when the upstream recovers', async () => {
    routes.set(
      '/flaky',
      sequence((res) => json(res, 500, {}), unavailable, ok),
    );
    const client = makeClient();
    expect((await client.get('/flaky')).body).toEqual({ ok: true });
    expect(requestsTo('/flaky')).toHaveLength(3);
    // Jittered exponential backoff from retryBaseMs (10): [5, 10) then [10, 20).
    expect(client.waits).toHaveLength(2);
    expect(client.waits[0]).toBeGreaterThanOrEqual(5);
    expect(client.waits[0]).toBeLessThan(10);
    expect(client.waits[1]).toBeGreaterThanOrEqual(10);
    expect(client.waits[1]).toBeLessThan(20);
  });

  it('gives up after the configured retries with UPSTREAM_UNAVAILABLE and the status', async () => {
    routes.set('/down', sequence(unavailable));
    const client = makeClient({ retries: 1 });
    const error = (await failure(client.get('/down'))) as UpstreamUnavailableError;
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503, circuitOpen: false });
    expect(error.message).toBe('co is unavailable');
    expect(requestsTo('/down')).toHaveLength(2);
  });

  it('retries a connection reset', async () => {
    routes.set('/reset-once', sequence(reset, ok));
    const client = makeClient();
    expect((await client.get('/reset-once')).body).toEqual({ ok: true });
    expect(requestsTo('/reset-once')).toHaveLength(2);
  });

  it('honours Retry-After on 429 instead of its own backoff', async () => {
    routes.set(
      '/busy',
      sequence(
        (res) => json(res, 429, { errore: { codice: 'QUOTA_SUPERATA' } }, { 'retry-after': '2' }),
        ok,
      ),
    );
    const client = makeClient();
    await runWithDeadline(5000, () => client.get('/busy'));
    expect(requestsTo('/busy')).toHaveLength(2);
    expect(client.waits).toEqual([2000]);
  });

  it('really waits for Retry-After (a small one)', async () => {
    routes.set(
      '/busy-briefly',
      sequence((res) => json(res, 429, {}, { 'retry-after': '1' }), ok),
    );
    const client = makeClient({ sleep: undefined });
    const started = performance.now();
    await runWithDeadline(3000, () => client.get('/busy-briefly'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(requestsTo('/busy-briefly')).toHaveLength(2);
  });

  it('fails at once when Retry-After would end past the deadline', async () => {
    routes.set(
      '/busy-long',
      sequence((res) => json(res, 429, {}, { 'retry-after': '5' })),
    );
    const client = makeClient({ sleep: undefined });
    const started = performance.now();
    const error = await failure(runWithDeadline(1000, () => client.get('/busy-long')));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).status).toBe(429);
    expect(performance.now() - started).toBeLessThan(500);
    expect(requestsTo('/busy-long')).toHaveLength(1);
  });

  it('times out a hung upstream within the request budget, even when its own timeout is longer', async () => {
    const client = makeClient({ timeoutMs: 5000, sleep: undefined });
    const started = performance.now();
    const error = await failure(runWithDeadline(200, () => client.get('/hang')));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
    expect(requestsTo('/hang')).toHaveLength(1);
  });

  it('retries a timed-out attempt while the budget lasts, and never past it', async () => {
    const client = makeClient({ timeoutMs: 100, sleep: undefined });
    const started = performance.now();
    const error = await failure(runWithDeadline(250, () => client.get('/hang')));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(performance.now() - started).toBeLessThan(1500);
    // 100 ms, a few ms of backoff, 100 ms, then only what is left of the 250.
    expect(requestsTo('/hang').length).toBeGreaterThanOrEqual(2);
    expect(requestsTo('/hang').length).toBeLessThanOrEqual(3);
  });

  it('starts nothing once the deadline has passed', async () => {
    const client = makeClient();
    const error = await failure(runWithDeadline(-1, () => client.get('/ok')));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(seen).toHaveLength(0);
  });

  it('reports a refused connection as unavailable', async () => {
    const closed = makeClient({ name: 'idol', baseUrl: 'http://127.0.0.1:1', retries: 0 });
    await expect(closed.get('/x')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('sends a list parameter of 1..cap values and refuses any other size without a request', async () => {
    const client = makeClient();
    await client.getList('/ok', 'id', ['A1', 'A2'], 2);
    expect(seen.at(-1)?.url).toBe('/ok?id=A1%2CA2');
    await expect(client.getList('/ok', 'id', ['A1', 'A2', 'A3'], 2)).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(client.getList('/ok', 'id', [], 2)).rejects.toBeInstanceOf(RangeError);
    expect(seen).toHaveLength(1);
  });
});

describe('UpstreamHttpClient writes', () => {
  const created =
    (replayed = false) =>
    (res: ServerResponse, req: IncomingMessage) => {
      void req;
      json(res, 201, { id: 'X1' }, replayed ? { 'idempotency-replayed': 'true' } : {});
    };

  it('POSTs JSON with the idempotency key and answers 201 with the decoded body', async () => {
    routes.set('/v1/offerte', sequence(created()));
    const client = makeClient();
    const response = await client.post(
      '/v1/offerte',
      { posti: 2 },
      { idempotencyKey: 'k-1:a.b_c' },
    );
    expect(response).toEqual({ status: 201, etag: undefined, body: { id: 'X1' }, replayed: false });
    expect(seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/v1/offerte',
        key: 'secret',
        contentType: 'application/json',
        idempotencyKey: 'k-1:a.b_c',
        body: '{"posti":2}',
      }),
    ]);
  });

  it('says when the upstream replayed an earlier answer', async () => {
    routes.set('/v1/offerte', sequence(created(true)));
    const response = await makeClient().post('/v1/offerte', {}, { idempotencyKey: 'k' });
    expect(response.replayed).toBe(true);
  });

  it('takes 200 as well as 201, and nothing else in 2xx', async () => {
    routes.set('/v1/two-hundred', (_req, res) => json(res, 200, { id: 'X1' }));
    routes.set('/v1/no-content', (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const client = makeClient();
    expect((await client.post('/v1/two-hundred', {})).status).toBe(200);
    expect(await failure(client.post('/v1/no-content', {}))).toBeInstanceOf(
      UpstreamBadResponseError,
    );
  });

  it.each([
    [400, 'PARAMETRO_NON_VALIDO', 'lavoratore.codiceFiscale'],
    [409, 'CONFLITTO', 'inizio'],
    [422, 'RIFERIMENTO_SCONOSCIUTO', 'azienda'],
    [422, 'CHIAVE_IDEMPOTENZA_RIUSATA', undefined],
  ])('refuses %i %s with the field, never retried', async (status, codice, campo) => {
    routes.set('/v1/comunicazioni', (_req, res) =>
      json(res, status, { errore: { codice, messaggio: 'RSSMRA80A01H501U', campo } }),
    );
    const error = (await failure(
      makeClient().post('/v1/comunicazioni', {}, { idempotencyKey: 'k' }),
    )) as UpstreamRejectedError;
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({ status, upstreamCode: codice, campo });
    expect(error.message).not.toMatch(/RSSMRA/);
    expect(requestsTo('/v1/comunicazioni')).toHaveLength(1);
  });

  it.each([
    ['a 503', unavailable],
    ['a connection reset', reset],
    ['a 429', (res: ServerResponse) => json(res, 429, {}, { 'retry-after': '0' })],
  ])('never retries a write without an idempotency key after %s', async (_what, fault) => {
    routes.set('/v1/colloqui', sequence(fault, created()));
    const error = await failure(makeClient().post('/v1/colloqui', { data: '2026-01-01' }));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(requestsTo('/v1/colloqui')).toHaveLength(1);
  });

  it('never retries a timed-out write without an idempotency key', async () => {
    routes.set('/v1/colloqui', hang);
    const error = await failure(makeClient({ timeoutMs: 100 }).post('/v1/colloqui', {}));
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(requestsTo('/v1/colloqui')).toHaveLength(1);
  });

  it('retries a keyed write with the same key and body until the upstream files it', async () => {
    routes.set('/v1/iscrizioni', sequence(unavailable, reset, created(true)));
    const client = makeClient();
    const response = await client.post(
      '/v1/iscrizioni',
      { corso: 'TR0001' },
      { idempotencyKey: 'k-7' },
    );
    expect(response).toMatchObject({ status: 201, replayed: true });
    const requests = requestsTo('/v1/iscrizioni');
    expect(requests).toHaveLength(3);
    for (const r of requests) {
      expect(r).toMatchObject({ idempotencyKey: 'k-7', body: '{"corso":"TR0001"}' });
    }
  });

  it('refuses a malformed idempotency key or a body that is not JSON, without a request', async () => {
    const client = makeClient();
    await expect(client.post('/v1/x', {}, { idempotencyKey: 'has space' })).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(
      client.post('/v1/x', {}, { idempotencyKey: 'k'.repeat(129) }),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(client.post('/v1/x', undefined)).rejects.toBeInstanceOf(TypeError);
    expect(seen).toHaveLength(0);
  });
});

describe('UpstreamHttpClient circuit breaker', () => {
  function clocked(options: Partial<UpstreamClientOptions> = {}) {
    let now = 0;
    const client = makeClient({
      retries: 0,
      breakerFailures: 3,
      breakerCoolDownMs: 1000,
      now: () => now,
      ...options,
    });
    return { client, advance: (ms: number) => (now += ms) };
  }

  it('opens after the threshold, fails fast without a request, half-opens after the cool-down and closes on success', async () => {
    let healthy = false;
    routes.set('/svc', (_req, res) => (healthy ? ok(res) : unavailable(res)));
    const { client, advance } = clocked();
    for (let i = 0; i < 3; i++) await failure(client.get('/svc'));
    expect(requestsTo('/svc')).toHaveLength(3);
    expect(client.circuitState()).toBe('open');

    const fast = (await failure(client.get('/svc'))) as UpstreamUnavailableError;
    expect(fast).toBeInstanceOf(UpstreamUnavailableError);
    expect(fast).toMatchObject({ circuitOpen: true, message: 'co is unavailable' });
    expect(requestsTo('/svc')).toHaveLength(3);

    advance(999);
    expect(client.circuitState()).toBe('open');
    advance(1);
    expect(client.circuitState()).toBe('half-open');
    healthy = true;
    expect((await client.get('/svc')).body).toEqual({ ok: true });
    expect(requestsTo('/svc')).toHaveLength(4);
    expect(client.circuitState()).toBe('closed');
  });

  it('lets one probe through at a time and reopens when it fails', async () => {
    routes.set('/slow-fail', (_req, res) => setTimeout(() => unavailable(res), 50));
    routes.set('/fail', (_req, res) => unavailable(res));
    const { client, advance } = clocked();
    for (let i = 0; i < 3; i++) await failure(client.get('/fail'));
    advance(1000);
    const probe = failure(client.get('/slow-fail'));
    const meanwhile = (await failure(client.get('/fail'))) as UpstreamUnavailableError;
    expect(meanwhile.circuitOpen).toBe(true);
    expect(client.circuitState()).toBe('half-open');
    await probe;
    expect(client.circuitState()).toBe('open');
    expect(requestsTo('/fail')).toHaveLength(3);
    expect(requestsTo('/slow-fail')).toHaveLength(1);
  });

  it('counts retries, timeouts, resets and bad responses, but never a 4xx refusal', async () => {
    routes.set('/fail', (_req, res) => unavailable(res));
    const { client } = clocked({ retries: 1, breakerFailures: 4 });
    await failure(client.get('/fail')); // two failed attempts
    await failure(client.get('/bad-request')); // an answer: resets the count
    await failure(client.get('/fail'));
    expect(client.circuitState()).toBe('closed');
    await failure(client.get('/html'));
    await failure(client.get('/reset'));
    expect(client.circuitState()).toBe('open');
  });

  it('takes its settings from the upstream config', async () => {
    const client = createUpstreamClient(
      'co',
      { baseUrl, credential: 'k', timeoutMs: 300, connections: 1, retries: 0, breakerFailures: 1 },
      'x-api-key',
    );
    clients.push(client);
    await failure(client.get('/boom'));
    expect(client.circuitState()).toBe('open');
    expect(requestsTo('/boom')).toHaveLength(1);
  });
});

describe('upstream client construction', () => {
  it('builds a client from an upstream config, with an API key or a bearer token', async () => {
    const config = { baseUrl, credential: 'tok', timeoutMs: 300, connections: 1 };
    const keyed = createUpstreamClient('co', config, 'x-api-key');
    const bearer = createUpstreamClient('trio', config, 'bearer');
    clients.push(keyed, bearer);
    await keyed.get('/ok');
    expect(seen.at(-1)).toMatchObject({ url: '/ok', key: 'tok' });
    await bearer.get('/ok');
    expect(seen.at(-1)).toMatchObject({ url: '/ok', key: undefined, authorization: 'Bearer tok' });
  });

  it('collects the clients a subgraph builds, for its readiness', () => {
    const config = { baseUrl, credential: 'k', timeoutMs: 300, connections: 1 };
    const { value, clients: built } = withUpstreamClients(() => ({
      a: createUpstreamClient('co', config, 'x-api-key'),
      b: createUpstreamClient('trio', config, 'bearer'),
    }));
    const outside = createUpstreamClient('idol', config, 'x-api-key');
    clients.push(value.a, value.b, outside);
    expect(built).toEqual([value.a, value.b]);
    expect(built.map((c) => c.circuitState())).toEqual(['closed', 'closed']);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(' 0 ')).toBe(0);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs(new Date(0).toUTCString(), 4000)).toBe(0);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs('-1')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
