/**
 * The small HTTP layer shared by the four simulated systems (node:http, no
 * framework): routing by pattern, strict query parameters, the Italian error
 * envelope, credential check, latency, rate quota, per-route request counters,
 * /healthz and the loopback-only /_admin endpoints.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type PickedFault } from './faults.js';
import type { SystemName } from './types.js';
import { loggedError, type Logger } from '../lib/log.js';
import { gatewayRequestIdOr } from '../lib/request-scope.js';

export type ErrorCode =
  | 'PARAMETRO_NON_VALIDO'
  | 'NON_AUTORIZZATO'
  | 'NON_TROVATO'
  | 'QUOTA_SUPERATA'
  | 'ERRORE_INTERNO'
  // writes (API.md "Writes")
  | 'TIPO_CONTENUTO_NON_VALIDO'
  | 'CORPO_TROPPO_GRANDE'
  | 'RIFERIMENTO_SCONOSCIUTO'
  | 'CONFLITTO'
  | 'CHIAVE_IDEMPOTENZA_RIUSATA';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly codice: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** The body field at fault, as a dotted path (`lavoratore.codiceFiscale`); writes only. */
    readonly campo?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function badParameter(message: string): ApiError {
  return new ApiError(400, 'PARAMETRO_NON_VALIDO', message);
}

export function notFound(message = 'risorsa non trovata'): ApiError {
  return new ApiError(404, 'NON_TROVATO', message);
}

export interface Reply {
  status: number;
  /** null: no body (304) */
  body: string | null;
  headers?: Readonly<Record<string, string>>;
}

export function ok(body: string, headers?: Readonly<Record<string, string>>): Reply {
  return headers ? { status: 200, body, headers } : { status: 200, body };
}

/** `{"<key>":[doc,doc,...]}` from documents already serialised. */
export function listBody(key: string, docs: readonly string[]): string {
  return `{"${key}":[${docs.join(',')}]}`;
}

function errorBody(codice: ErrorCode, messaggio: string, campo?: string): string {
  return JSON.stringify({
    errore: campo === undefined ? { codice, messaggio } : { codice, messaggio, campo },
  });
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

export function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * Strict access to the query string: every parameter a handler reads is validated,
 * and `done()` refuses the ones it did not read (a misspelt filter must not
 * silently widen a search).
 */
export class Query {
  private readonly values = new Map<string, string>();
  private readonly read = new Set<string>();

  constructor(search: string) {
    for (const [name, value] of new URLSearchParams(search)) {
      if (this.values.has(name)) throw badParameter(`parametro ripetuto: ${name}`);
      this.values.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string, pattern?: RegExp, describe = 'valore non valido'): string | undefined {
    this.read.add(name);
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (v === '') throw badParameter(`${name}: valore vuoto`);
    if (pattern && !pattern.test(v)) throw badParameter(`${name}: ${describe}: ${clip(v)}`);
    return v;
  }

  required(name: string, pattern?: RegExp, describe?: string): string {
    const v = this.string(name, pattern, describe);
    if (v === undefined) throw badParameter(`${name}: parametro obbligatorio`);
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw badParameter(`${name}: atteso uno tra ${allowed.join(', ')}: ${clip(v)}`);
    }
    return v as T;
  }

  /** Comma-separated values, each matching the pattern; duplicates dropped. */
  list(
    name: string,
    cap: number,
    pattern: RegExp,
    describe = 'valore non valido',
  ): string[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const items = v.split(',');
    if (items.length > cap)
      throw badParameter(`${name}: al massimo ${cap} valori, ricevuti ${items.length}`);
    for (const item of items) {
      if (item === '') throw badParameter(`${name}: valore vuoto nella lista`);
      if (!pattern.test(item)) throw badParameter(`${name}: ${describe}: ${clip(item)}`);
    }
    return [...new Set(items)];
  }

  date(name: string): string | undefined {
    const v = this.string(name);
    if (v !== undefined && !isCalendarDate(v))
      throw badParameter(`${name}: data non valida (AAAA-MM-GG): ${clip(v)}`);
    return v;
  }

  month(name: string): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const m = MONTH.exec(v);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) {
      throw badParameter(`${name}: mese non valido (AAAA-MM): ${clip(v)}`);
    }
    return v;
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max))
      throw badParameter(`${name}: atteso un intero tra ${min} e ${max}: ${clip(v)}`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.oneOf(name, ['true', 'false'] as const);
    return v === undefined ? undefined : v === 'true';
  }

  /** Refuse any parameter the handler did not read. */
  done(): void {
    for (const name of this.values.keys()) {
      if (!this.read.has(name)) throw badParameter(`parametro sconosciuto: ${clip(name)}`);
    }
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

export interface Paging {
  page: number;
  size: number;
  offset: number;
}

/** Paging parameters shared by the searches. */
export function paging(q: Query, maxSize: number, defaultSize: number): Paging {
  const page = q.int('pagina', 1, 1_000_000, 1);
  const size = q.int('dimensione', 1, maxSize, defaultSize);
  return { page, size, offset: (page - 1) * size };
}

export function pageBody(
  total: number,
  page: number,
  size: number,
  key: string,
  docs: readonly string[],
): string {
  return `{"totale":${total},"pagina":${page},"dimensione":${size},"${key}":[${docs.join(',')}]}`;
}

/** Both bounds of a statistics range, optional, inclusive, in order. */
export function dateRange(q: Query): { from: string; to: string } {
  const from = q.date('dal') ?? '0000-01-01';
  const to = q.date('al') ?? '9999-12-31';
  if (from > to) throw badParameter(`dal (${from}) successivo ad al (${to})`);
  return { from, to };
}

/** `raggruppa`: a subset of the allowed dimensions, in the caller's order. */
export function groupBy(q: Query, allowed: readonly string[]): string[] {
  const dims = q.list('raggruppa', allowed.length, /^[A-Za-z]+$/, 'dimensione non valida') ?? [];
  for (const d of dims) {
    if (!allowed.includes(d))
      throw badParameter(
        `raggruppa: dimensione sconosciuta ${clip(d)}; ammesse: ${allowed.join(', ')}`,
      );
  }
  return dims;
}

/**
 * Batch answers come back in an order of the simulator's choosing (API.md), never
 * the order the caller asked for: deterministic per request number, so a test can
 * rely on "shuffled" without relying on a particular order.
 */
export function shuffleAnswer<T>(
  rows: T[],
  requestNo: number,
  keyOf: (row: T) => string,
  requested: readonly string[],
): T[] {
  if (rows.length < 2) return rows;
  let s = (requestNo * 2654435761 + 0x9e3779b9) >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = rows[i] as T;
    rows[i] = rows[j] as T;
    rows[j] = t;
  }
  const position = new Map(requested.map((k, i) => [k, i]));
  let inOrder = true;
  for (let i = 1; i < rows.length && inOrder; i++) {
    if ((position.get(keyOf(rows[i - 1] as T)) ?? 0) > (position.get(keyOf(rows[i] as T)) ?? 0))
      inOrder = false;
  }
  if (inOrder) rows.push(rows.shift() as T);
  return rows;
}

export interface RouteContext {
  query: Query;
  params: readonly string[];
  headers: IncomingHttpHeaders;
  requestNo: number;
  /** POST routes: the body, a JSON object (the HTTP layer refused anything else). */
  body?: Readonly<Record<string, unknown>>;
  /** POST routes: the body as received (UTF-8). */
  rawBody?: string;
  /** The server's clock when the request was taken up; "today" is its UTC date. */
  now: Date;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As in API.md: "/v1/corsi/{id}" */
  pattern: string;
  handle(ctx: RouteContext): Reply;
}

interface CompiledRoute extends Route {
  segments: (string | null)[];
}

function compile(route: Route): CompiledRoute {
  return {
    ...route,
    segments: route.pattern.split('/').map((s) => (s.startsWith('{') ? null : s)),
  };
}

/** Token bucket per credential: `rate` requests a second, bursts up to `rate`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private rate: number) {}

  setRate(rate: number): void {
    this.rate = rate;
    this.buckets.clear();
  }

  get perSecond(): number {
    return this.rate;
  }

  /** 0 when allowed, otherwise the whole seconds to wait. */
  take(key: string, now = performance.now()): number {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.rate, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.rate, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }
}

export type Credential = { kind: 'api-key'; value: string } | { kind: 'bearer'; value: string };

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function presented(credential: Credential, headers: IncomingHttpHeaders): string | undefined {
  if (credential.kind === 'api-key') {
    const v = headers['x-api-key'];
    return typeof v === 'string' ? v : undefined;
  }
  const auth = headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m?.[1];
}

export interface ServerSpec {
  system: SystemName;
  routes: readonly Route[];
  credential: Credential;
  latencyMs: number;
  /** co only */
  quota?: RateLimiter;
  /** Called once the server has stopped listening. */
  onClose?: () => void;
  /** The server's clock (writes' "today"); default the real one. */
  now?: () => Date;
  /**
   * How long stop() lets requests being served finish (a write commits and is answered)
   * before it cuts the remaining connections. Default 5000 ms.
   */
  drainMs?: number;
  /** Where each request served is logged (lib/log.ts); default nowhere. */
  logger?: Logger;
}

export interface HttpUpstream {
  url: string;
  stop(): Promise<void>;
}

function isLoopback(address: string | undefined): boolean {
  return (
    address !== undefined &&
    (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
  );
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw badParameter('corpo della richiesta troppo grande');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Largest body of a POST to a /v1 route (API.md "Writes"). */
export const MAX_WRITE_BODY_BYTES = 64 * 1024;
/** Past this, an oversized body is not even drained: the connection is closed. */
const MAX_DRAINED_BYTES = 1024 * 1024;

/** `application/json`, with at most a UTF-8 charset among its parameters. */
function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...params] = value.split(';');
  if (type?.trim().toLowerCase() !== 'application/json') return false;
  return params.every((p) => {
    const [name, v] = p.split('=');
    if (name?.trim().toLowerCase() !== 'charset') return true;
    return /^"?utf-8"?$/i.test((v ?? '').trim());
  });
}

/**
 * The JSON object body of a POST: 415 for another content type, 413 past the limit
 * (a body up to MAX_DRAINED_BYTES is read to its end first, so that the client gets
 * the answer rather than a reset connection), 400 for anything but a JSON object.
 */
function readJsonBody(
  req: IncomingMessage,
): Promise<{ raw: string; json: Record<string, unknown> }> {
  if (!isJsonContentType(req.headers['content-type'])) {
    return Promise.reject(
      new ApiError(
        415,
        'TIPO_CONTENUTO_NON_VALIDO',
        'atteso un corpo Content-Type: application/json (UTF-8)',
      ),
    );
  }
  const tooBig = (close: boolean): ApiError =>
    new ApiError(
      413,
      'CORPO_TROPPO_GRANDE',
      `corpo della richiesta oltre ${MAX_WRITE_BODY_BYTES} byte`,
      close ? { connection: 'close' } : {},
    );
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_DRAINED_BYTES) return Promise.reject(tooBig(true));
  return new Promise((resolve, reject) => {
    let size = 0;
    let chunks: Buffer[] = [];
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_DRAINED_BYTES) {
        cleanup();
        reject(tooBig(true));
      } else if (size > MAX_WRITE_BODY_BYTES) {
        chunks = [];
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = (): void => {
      cleanup();
      if (size > MAX_WRITE_BODY_BYTES) {
        reject(tooBig(false));
        return;
      }
      let raw: string;
      try {
        raw = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
      } catch {
        reject(badParameter('corpo non codificato in UTF-8'));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        reject(badParameter('corpo JSON non valido'));
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        reject(badParameter('atteso un oggetto JSON'));
        return;
      }
      resolve({ raw, json: parsed as Record<string, unknown> });
    };
    const onError = (): void => {
      cleanup();
      reject(badParameter('corpo della richiesta interrotto'));
    };
    const onClose = (): void => {
      if (!req.complete) onError();
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * One record per request served, when its response ends: the route's pattern
 * (`GET /v1/lavoratori/{cf}`), never the path or query, which may hold a fiscal code. At debug,
 * as the subgraphs record their side of it: a simulator's traffic is not what an operator of
 * `npm start` reads at info.
 */
function logServed(logger: Logger, req: IncomingMessage, res: ServerResponse, route: string): void {
  const started = performance.now();
  // The gateway's id, passed on by the subgraphs' clients.
  const requestId = gatewayRequestIdOr(req);
  res.once('close', () => {
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger.debug({ requestId, route, status: res.statusCode, ms }, 'request');
  });
}

export function startHttpServer(
  spec: ServerSpec,
  host: string,
  port: number,
): Promise<HttpUpstream> {
  const compiled = spec.routes.map(compile);
  const exact = new Map<string, CompiledRoute>();
  const withParams: CompiledRoute[] = [];
  for (const r of compiled) {
    if (r.segments.includes(null)) withParams.push(r);
    else exact.set(`${r.method} ${r.pattern}`, r);
  }
  const expected = digest(spec.credential.value);
  const counters = new Map<string, number>();
  let total = 0;
  let latencyMs = spec.latencyMs;
  const bump = (key: string): void => {
    counters.set(key, (counters.get(key) ?? 0) + 1);
  };
  // Requests being served at once per route, and the most seen since the last reset:
  // lets tests check that a client bounds its fan-out (meaningful with latenzaMs > 0).
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();

  const match = (
    method: string,
    path: string,
  ): { route: CompiledRoute; params: string[] } | undefined => {
    const direct = exact.get(`${method} ${path}`);
    if (direct) return { route: direct, params: [] };
    const parts = path.split('/');
    for (const r of withParams) {
      if (r.method !== method || r.segments.length !== parts.length) continue;
      const params: string[] = [];
      let okMatch = true;
      for (let i = 0; i < parts.length && okMatch; i++) {
        const seg = r.segments[i];
        const part = parts[i] ?? '';
        if (seg === null) {
          if (part === '') okMatch = false;
          else params.push(decodeURIComponent(part));
        } else if (seg !== part) okMatch = false;
      }
      if (okMatch) return { route: r, params };
    }
    return undefined;
  };

  const send = (res: ServerResponse, reply: Reply): void => {
    const headers: Record<string, string | number> = { ...(reply.headers ?? {}) };
    if (reply.body === null) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    headers['content-type'] = JSON_TYPE;
    headers['content-length'] = Buffer.byteLength(reply.body);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  const fail = (err: unknown): Reply => {
    if (err instanceof ApiError) {
      return {
        status: err.status,
        body: errorBody(err.codice, err.message, err.campo),
        headers: err.headers,
      };
    }
    if (err instanceof URIError) {
      return { status: 400, body: errorBody('PARAMETRO_NON_VALIDO', 'codifica URL non valida') };
    }
    // The error's class and redacted message and stack: a message may quote a fiscal code.
    const logged = loggedError(err);
    if (spec.logger) spec.logger.error({ err: logged }, 'unexpected error');
    else {
      process.stderr.write(
        `[${spec.system}] ${logged.class}: ${logged.message}\n${logged.stack ?? ''}\n`,
      );
    }
    return { status: 500, body: errorBody('ERRORE_INTERNO', 'errore interno') };
  };

  const settingsBody = (): string =>
    JSON.stringify(
      spec.quota
        ? { latenzaMs: latencyMs, quotaAlSecondo: spec.quota.perSecond }
        : { latenzaMs: latencyMs },
    );

  // Fault rules set through /_admin/guasti (faults.ts); firings count in the stats.
  const faults = new FaultInjector(bump);

  const admin = async (req: IncomingMessage, path: string): Promise<Reply> => {
    if (path === '/_admin/guasti') {
      const body = req.method === 'PUT' ? await readBody(req, 65_536) : undefined;
      const answer = faults.admin(req.method ?? 'GET', body);
      if (answer) return answer;
    }
    if (path === '/_admin/stats' && req.method === 'GET') {
      return ok(
        JSON.stringify({
          totale: total,
          richieste: Object.fromEntries(counters),
          concorrenzaMassima: Object.fromEntries(maxInFlight),
        }),
      );
    }
    if (path === '/_admin/stats' && req.method === 'DELETE') {
      counters.clear();
      maxInFlight.clear();
      total = 0;
      return ok(JSON.stringify({ totale: 0, richieste: {}, concorrenzaMassima: {} }));
    }
    if (path === '/_admin/settings' && req.method === 'GET') return ok(settingsBody());
    if (path === '/_admin/settings' && req.method === 'PUT') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req, 4096));
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw badParameter('corpo JSON non valido');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw badParameter('atteso un oggetto JSON');
      }
      const body = parsed as Record<string, unknown>;
      let nextLatency = latencyMs;
      let nextQuota: number | undefined;
      for (const [key, v] of Object.entries(body)) {
        if (key === 'latenzaMs') {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 60_000) {
            throw badParameter('latenzaMs: atteso un intero tra 0 e 60000');
          }
          nextLatency = v;
        } else if (key === 'quotaAlSecondo' && spec.quota) {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000) {
            throw badParameter('quotaAlSecondo: atteso un intero tra 1 e 1000000');
          }
          nextQuota = v;
        } else {
          throw badParameter(`impostazione sconosciuta: ${clip(key)}`);
        }
      }
      latencyMs = nextLatency;
      if (nextQuota !== undefined) spec.quota?.setRate(nextQuota);
      return ok(settingsBody());
    }
    throw notFound();
  };

  // Requests being served (not yet answered), for a graceful stop.
  const serving = new Set<ServerResponse>();

  let requestNo = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const qmark = url.indexOf('?');
    const path = qmark < 0 ? url : url.slice(0, qmark);
    const search = qmark < 0 ? '' : url.slice(qmark + 1);
    const method = req.method ?? 'GET';
    if (path === '/healthz') {
      send(res, ok('{"stato":"ok"}'));
      return;
    }
    if (path.startsWith('/_admin/')) {
      if (!isLoopback(req.socket.remoteAddress)) {
        send(res, fail(notFound()));
        return;
      }
      try {
        send(res, await admin(req, path));
      } catch (err) {
        send(res, fail(err));
      }
      return;
    }
    const found = match(method, path);
    const key = found
      ? `${method} ${found.route.pattern}`
      : `${method} ${path.startsWith('/v1/') ? '/v1/*' : '/*'}`;
    total++;
    bump(key);
    if (spec.logger) logServed(spec.logger, req, res, key);
    // Served until answered: stop() waits for these (a hung fault is not work, see below).
    serving.add(res);
    res.once('close', () => serving.delete(res));
    const concurrent = (inFlight.get(key) ?? 0) + 1;
    inFlight.set(key, concurrent);
    if (concurrent > (maxInFlight.get(key) ?? 0)) maxInFlight.set(key, concurrent);
    res.once('close', () => inFlight.set(key, (inFlight.get(key) ?? 1) - 1));
    const no = ++requestNo;
    if (latencyMs > 0 && path.startsWith('/v1/'))
      await new Promise((r) => setTimeout(r, latencyMs));
    let reply: Reply;
    let fault: PickedFault | undefined;
    try {
      const given = presented(spec.credential, req.headers);
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        throw new ApiError(
          401,
          'NON_AUTORIZZATO',
          'credenziale mancante o non valida',
          spec.credential.kind === 'bearer' ? { 'www-authenticate': 'Bearer' } : {},
        );
      }
      if (spec.quota) {
        const wait = spec.quota.take(given);
        if (wait > 0) {
          throw new ApiError(
            429,
            'QUOTA_SUPERATA',
            `quota di ${spec.quota.perSecond} richieste al secondo superata`,
            {
              'retry-after': String(wait),
            },
          );
        }
      }
      fault = faults.pick({ method, route: key, path, search });
      // A hang answers nothing, ever: stop() need not wait for it.
      if (fault?.rule.tipo === 'blocco') serving.delete(res);
      if (fault && (await faults.before(fault, res))) return;
      if (!found) throw notFound();
      const body = found.route.method === 'POST' ? await readJsonBody(req) : undefined;
      reply = found.route.handle({
        query: new Query(search),
        params: found.params,
        headers: req.headers,
        requestNo: no,
        now: spec.now?.() ?? new Date(),
        ...(body ? { body: body.json, rawBody: body.raw } : {}),
      });
    } catch (err) {
      reply = fail(err);
    }
    if (fault) {
      const faulted = await faults.after(fault, reply, res);
      if (!faulted) return;
      reply = faulted;
    }
    if (reply.status !== 200) bump(`${key} ${reply.status}`);
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, fail(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(port, host, () => {
      server.off('error', rejectStart);
      const addr = server.address() as AddressInfo;
      const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      let stopped: Promise<void> | undefined;
      resolveStart({
        url: `http://${shownHost}:${addr.port}`,
        // Graceful: no new connections, idle ones closed, requests being served finish (up
        // to drainMs), then whatever is left is cut. An acknowledged write is committed
        // before its answer leaves, so cutting never loses one.
        stop: () => {
          stopped ??= (async () => {
            const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
            server.closeIdleConnections();
            const until = performance.now() + (spec.drainMs ?? 5000);
            while (serving.size > 0 && performance.now() < until) {
              await new Promise((r) => setTimeout(r, 10));
            }
            server.closeAllConnections();
            await closed;
            spec.onClose?.();
          })();
          return stopped;
        },
      });
    });
  });
}
