// The one way subgraphs speak HTTP to an upstream: an undici Pool per upstream with
// keep-alive and bounded connections, JSON decoding, failures turned into typed upstream
// errors, and the resilience around it:
// - every attempt gets min(per-upstream timeout, time left before the request's deadline,
//   request-deadline.ts); nothing is started after the deadline (UpstreamTimeoutError);
// - reads (GET) are retried on transport errors, timeouts, 5xx and 429, at most `retries`
//   times, after a jittered exponential backoff or the upstream's `Retry-After`, and never
//   when the wait would end past the deadline (the error is thrown at once instead);
// - writes (POST) are retried the same way only when they carry an idempotency key, so the
//   upstream files them once whatever happens; a write without a key is sent exactly once;
// - 4xx refusals other than 429 are never retried;
// - a circuit breaker per client (circuit-breaker.ts) fails fast while the upstream is down.
// Clients know nothing of GraphQL.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, errors as undiciErrors } from 'undici';
import {
  currentRequest,
  observeUpstreamAttempt,
  REQUEST_ID_HEADER,
  type ObservedAttempt,
} from '../../lib/request-scope.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_UPSTREAM_RETRIES,
  type UpstreamConfig,
} from './config.js';
import {
  UPSTREAM_CODE_PATTERN,
  UpstreamBadResponseError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './errors.js';
import {
  currentCostAccount,
  currentDeadline,
  DEFAULT_REQUEST_DEADLINE_MS,
  monotonicNow,
} from './request-deadline.js';

export interface UpstreamClientOptions {
  /** The upstream's name, as shown in errors (`co`, `idol`...). */
  name: string;
  /** Base URL, e.g. `http://127.0.0.1:4103`. */
  baseUrl: string;
  /** The credential header and its value. */
  auth: { header: string; value: string };
  /** Deadline for one attempt, headers and body included. Default 5000 ms. */
  timeoutMs?: number;
  /** Connections kept to the upstream. Default 16. */
  connections?: number;
  /** Largest accepted body. Default 32 MiB. */
  maxResponseBytes?: number;
  /** Retries after a failed first attempt (reads, keyed writes). Default 2. */
  retries?: number;
  /** Base of the jittered exponential backoff. Default 100 ms. */
  retryBaseMs?: number;
  /** Longest backoff between two attempts when the upstream says nothing. Default 2000 ms. */
  retryMaxMs?: number;
  /** Consecutive failed attempts that open the circuit. Default 5. */
  breakerFailures?: number;
  /** How long the open circuit fails fast before a probe. Default 5000 ms. */
  breakerCoolDownMs?: number;
  /** Tests: the monotonic clock (ms), the wait between attempts, the jitter's randomness. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export type QueryValue = string | number | boolean | undefined | null | readonly string[];

export interface GetOptions {
  headers?: Record<string, string>;
  /** Statuses answered to the caller instead of thrown (e.g. 304, 404). */
  accept?: readonly number[];
}

export interface PostOptions {
  /**
   * Sent as `Idempotency-Key` (1-128 of A-Z a-z 0-9 . _ : -): the upstream files the write
   * once per key, so the client may retry it. Without a key a write is never retried.
   */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export interface UpstreamResponse {
  status: number;
  etag: string | undefined;
  /** Decoded JSON; null for bodiless answers such as 304. */
  body: unknown;
  /**
   * Writes only: the upstream answered from its idempotency store (`Idempotency-Replayed:
   * true`): this key's write had been filed before, and nothing new was filed.
   */
  replayed?: boolean;
}

export type UpstreamWriteResponse = UpstreamResponse & { replayed: boolean };

export function buildPath(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** How an upstream wants its credential: `x-api-key: <key>` or `authorization: Bearer <token>`. */
export type UpstreamAuth = 'x-api-key' | 'bearer';

/** The client for an upstream as configured by readUpstreamConfig. */
export function createUpstreamClient(
  name: string,
  config: UpstreamConfig,
  auth: UpstreamAuth,
): UpstreamHttpClient {
  return new UpstreamHttpClient({
    name,
    baseUrl: config.baseUrl,
    auth:
      auth === 'bearer'
        ? { header: 'authorization', value: `Bearer ${config.credential}` }
        : { header: 'x-api-key', value: config.credential },
    timeoutMs: config.timeoutMs,
    connections: config.connections,
    retries: config.retries,
    retryBaseMs: config.retryBaseMs,
    breakerFailures: config.breakerFailures,
    breakerCoolDownMs: config.breakerCoolDownMs,
    maxResponseBytes: config.maxResponseBytes,
  });
}

/**
 * Refuses a list or page size outside 1..cap before it reaches the upstream. A caller's
 * bug, not a user's or the upstream's: loaders chunk to the cap and never ask for nothing.
 */
export function checkCap(what: string, size: number, cap: number): void {
  if (size < 1 || size > cap)
    throw new RangeError(`${what}: between 1 and ${cap} values, got ${size}`);
}

const collectors: UpstreamHttpClient[][] = [];

/**
 * Builds a subgraph's upstream client wrapper (`new CoClient(config)`) and returns it with
 * the UpstreamHttpClients constructed meanwhile, so that the subgraph's `/readyz` can report
 * their circuits without the wrapper having to expose them. Construction is synchronous, so
 * exactly the clients `build` made are collected.
 */
export function withUpstreamClients<T>(build: () => T): {
  value: T;
  clients: UpstreamHttpClient[];
} {
  const clients: UpstreamHttpClient[] = [];
  collectors.push(clients);
  try {
    return { value: build(), clients };
  } finally {
    collectors.pop();
  }
}

/** The upstream's idempotency key alphabet (upstreams/API.md, "Writes"). */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
/** Error bodies are read only this far, for their code and field. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

interface Request {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Statuses (304, 404) answered to the caller instead of thrown. */
  accept?: readonly number[];
  /** Statuses that are a success; default any 2xx. */
  success?: readonly number[];
}

type Attempt =
  | { ok: true; response: UpstreamResponse }
  | {
      ok: false;
      error: UpstreamError;
      /** Counts against the upstream in the circuit breaker. */
      counts: boolean;
      /** Worth another attempt (transport error, timeout, 5xx, 429, body cut short). */
      retryable: boolean;
      /** The upstream's `Retry-After`, in milliseconds. */
      retryAfterMs?: number;
    };

type PoolResponse = Awaited<ReturnType<Pool['request']>>;

/** How one attempt ended, for metrics: a bounded set of values, no status codes or paths. */
export type AttemptOutcome =
  | 'ok'
  | 'not_modified'
  | 'not_found'
  | 'timeout'
  | 'unavailable'
  | 'bad_response'
  | 'rejected'
  | 'error';

/** What the client tells an observer (metrics): each attempt sent, each call the circuit refused. */
export type UpstreamEvent =
  | {
      kind: 'attempt';
      upstream: string;
      method: 'GET' | 'POST';
      outcome: AttemptOutcome;
      /** Not the call's first attempt. */
      retry: boolean;
      durationMs: number;
    }
  | { kind: 'short-circuit'; upstream: string };

export type UpstreamObserver = (event: UpstreamEvent) => void;

function attemptOutcome(result: Attempt): AttemptOutcome {
  if (result.ok) {
    const { status } = result.response;
    return status === 304 ? 'not_modified' : status === 404 ? 'not_found' : 'ok';
  }
  switch (result.error.code) {
    case 'UPSTREAM_TIMEOUT':
      return 'timeout';
    case 'UPSTREAM_UNAVAILABLE':
      return 'unavailable';
    case 'UPSTREAM_BAD_RESPONSE':
      return 'bad_response';
    case 'UPSTREAM_REJECTED':
      return 'rejected';
    default:
      return 'error';
  }
}

export class UpstreamHttpClient {
  readonly name: string;
  private readonly pool: Pool;
  private readonly auth: { header: string; value: string };
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly breaker: CircuitBreaker;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private observers: UpstreamObserver[] = [];

  constructor(options: UpstreamClientOptions) {
    this.name = options.name;
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.retries = Math.max(0, options.retries ?? DEFAULT_UPSTREAM_RETRIES);
    this.retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.retryMaxMs = options.retryMaxMs ?? 2000;
    this.now = options.now ?? monotonicNow;
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
    this.random = options.random ?? Math.random;
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breakerFailures,
      coolDownMs: options.breakerCoolDownMs,
      now: this.now,
    });
    this.pool = new Pool(options.baseUrl, {
      connections: options.connections ?? 16,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
    collectors.at(-1)?.push(this);
  }

  /** The circuit breaker's state, for readiness and metrics. */
  circuitState(): CircuitState {
    return this.breaker.circuitState();
  }

  /** Tells `observer` of every attempt and every call the open circuit refused (metrics). */
  observe(observer: UpstreamObserver): void {
    this.observers = [...this.observers, observer];
  }

  private emit(event: UpstreamEvent): void {
    for (const observer of this.observers) observer(event);
  }

  async get(
    path: string,
    query?: Record<string, QueryValue>,
    options?: GetOptions,
  ): Promise<UpstreamResponse> {
    return await this.send(
      {
        method: 'GET',
        path: buildPath(path, query),
        headers: { accept: 'application/json', ...options?.headers },
        accept: options?.accept,
      },
      true,
    );
  }

  /** GET with one comma-separated list parameter (`?id=a,b,c`) of 1..cap values. */
  async getList(
    path: string,
    param: string,
    values: readonly string[],
    cap: number,
  ): Promise<UpstreamResponse> {
    checkCap(`${this.name} ${path}?${param}`, values.length, cap);
    return await this.get(path, { [param]: values });
  }

  /**
   * POSTs `body` as JSON. 200 and 201 are answered (JSON decoded, `replayed` from the
   * `Idempotency-Replayed` header); a refusal is an UpstreamRejectedError with the upstream's
   * code and `campo`. Retried only when `idempotencyKey` is given.
   */
  async post(path: string, body: unknown, options?: PostOptions): Promise<UpstreamWriteResponse> {
    const key = options?.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new RangeError(
        `${this.name} ${path}: the idempotency key is not 1-128 of A-Za-z0-9._:-`,
      );
    }
    const text = JSON.stringify(body) as string | undefined;
    if (text === undefined) throw new TypeError(`${this.name} ${path}: the body is not JSON`);
    const response = await this.send(
      {
        method: 'POST',
        path,
        headers: {
          accept: 'application/json',
          ...options?.headers,
          'content-type': 'application/json',
          ...(key !== undefined ? { 'idempotency-key': key } : {}),
        },
        body: text,
        success: [200, 201],
      },
      key !== undefined,
    );
    return { ...response, replayed: response.replayed ?? false };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Attempts the request until it succeeds, fails for good, or runs out of time or tries. */
  private async send(request: Request, retryable: boolean): Promise<UpstreamResponse> {
    // Outside a request (no deadline in scope) a call still gets a bounded budget.
    const deadline =
      currentDeadline() ?? this.now() + Math.max(DEFAULT_REQUEST_DEADLINE_MS, this.timeoutMs);
    // Only when the gateway's client asked for a cost report (cost-report.ts).
    const account = currentCostAccount();
    account?.call(this.name);
    let lastError: UpstreamError | undefined;
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - this.now();
      if (remaining <= 0) throw lastError ?? new UpstreamTimeoutError(this.name);
      const permit = this.breaker.tryAcquire();
      if (!permit) {
        account?.shortCircuit(this.name);
        if (this.observers.length > 0) this.emit({ kind: 'short-circuit', upstream: this.name });
        throw lastError ?? new UpstreamUnavailableError(this.name, { circuitOpen: true });
      }
      // Whole milliseconds, at least one (AbortSignal.timeout takes no fractions).
      const attemptMs = Math.max(1, Math.ceil(Math.min(this.timeoutMs, remaining)));
      const started = this.now();
      // A debug record and, with traces on, a span per attempt: each is a request the upstream
      // serves (and counts). Undefined when neither is wanted.
      const observed = observeUpstreamAttempt(this.name, request.method, request.path, attempt);
      let result: Attempt;
      try {
        result = await this.attempt(request, attemptMs, observed);
      } catch (unexpected) {
        permit.release();
        observed?.end('error');
        this.account(account, request, attempt, started, 'error');
        throw unexpected;
      }
      observed?.end(attemptOutcome(result));
      this.account(account, request, attempt, started, result);
      if (result.ok) {
        permit.success();
        return result.response;
      }
      // A timeout we imposed because the request's deadline was near says nothing about
      // the upstream: it does not count towards opening the circuit.
      const cutByDeadline =
        result.error instanceof UpstreamTimeoutError && attemptMs < this.timeoutMs;
      if (result.counts && !cutByDeadline) permit.failure();
      else if (result.counts) permit.release();
      else permit.success();
      lastError = result.error;
      if (!retryable || !result.retryable || attempt >= this.retries) throw result.error;
      const wait = result.retryAfterMs ?? this.backoff(attempt);
      if (this.now() + wait >= deadline) throw result.error;
      await this.sleep(wait);
    }
  }

  /** Counts an attempt that ended, for the request's cost report and the observers. */
  private account(
    account: ReturnType<typeof currentCostAccount>,
    request: Request,
    attempt: number,
    started: number,
    result: Attempt | 'error',
  ): void {
    if (!account && this.observers.length === 0) return;
    const durationMs = this.now() - started;
    account?.attempt(this.name, attempt > 0, durationMs);
    if (this.observers.length === 0) return;
    this.emit({
      kind: 'attempt',
      upstream: this.name,
      method: request.method,
      outcome: result === 'error' ? 'error' : attemptOutcome(result),
      retry: attempt > 0,
      durationMs,
    });
  }

  /** Equal jitter: half the exponential step, plus a random part of the other half. */
  private backoff(attempt: number): number {
    const step = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
    return step / 2 + (this.random() * step) / 2;
  }

  private async attempt(
    request: Request,
    timeoutMs: number,
    observed?: ObservedAttempt,
  ): Promise<Attempt> {
    const signal = AbortSignal.timeout(timeoutMs);
    // The gateway's id of the client request, so that the upstream's own logs can be joined
    // to ours: a UUID, nothing about the caller.
    const requestId = currentRequest()?.requestId;
    let response: PoolResponse;
    try {
      response = await this.pool.request({
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          [this.auth.header]: this.auth.value,
          ...(requestId !== undefined ? { [REQUEST_ID_HEADER]: requestId } : {}),
        },
        body: request.body ?? null,
        signal,
      });
    } catch (cause) {
      return {
        ok: false,
        error: this.transportError(cause, signal),
        counts: true,
        retryable: true,
      };
    }
    const { statusCode, headers } = response;
    if (observed) observed.status = statusCode;
    const etag = firstHeader(headers.etag);
    if (request.accept?.includes(statusCode) && (statusCode === 304 || statusCode === 404)) {
      await response.body.dump();
      return { ok: true, response: { status: statusCode, etag, body: null } };
    }
    if (statusCode === 429 || statusCode >= 500) {
      await response.body.dump().catch(() => undefined);
      return {
        ok: false,
        error: new UpstreamUnavailableError(this.name, { status: statusCode }),
        counts: true,
        retryable: true,
        retryAfterMs: retryAfterMs(firstHeader(headers['retry-after'])),
      };
    }
    if (statusCode >= 300) {
      const refusal = await this.readErrorEnvelope(response.body);
      return {
        ok: false,
        error: new UpstreamRejectedError(this.name, statusCode, refusal.code, {
          campo: refusal.campo,
        }),
        counts: false,
        retryable: false,
      };
    }
    const bad = (detail: string, options?: { retryable?: boolean; cause?: unknown }): Attempt => ({
      ok: false,
      error: new UpstreamBadResponseError(this.name, detail, { cause: options?.cause }),
      counts: true,
      retryable: options?.retryable ?? false,
    });
    if (request.success && !request.success.includes(statusCode)) {
      await response.body.dump().catch(() => undefined);
      return bad(`status ${statusCode}`);
    }
    const contentType = String(headers['content-type'] ?? '');
    if (!contentType.includes('application/json')) {
      await response.body.dump().catch(() => undefined);
      return bad('content type is not JSON');
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      discard(response.body);
      return bad('response too large');
    }
    let text: string;
    try {
      text = await readText(response.body, this.maxResponseBytes);
    } catch (cause) {
      if (cause instanceof TooLargeError) return bad('response too large');
      if (signal.aborted) {
        return {
          ok: false,
          error: new UpstreamTimeoutError(this.name, { cause }),
          counts: true,
          retryable: true,
        };
      }
      // The connection broke in the middle of the body: worth another try for a read.
      return bad('truncated body', { retryable: true, cause });
    }
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch (cause) {
      return bad('malformed JSON', { cause });
    }
    const replayed =
      request.method === 'POST'
        ? firstHeader(headers['idempotency-replayed'])?.toLowerCase() === 'true'
        : undefined;
    return {
      ok: true,
      response: {
        status: statusCode,
        etag,
        body,
        ...(replayed !== undefined ? { replayed } : {}),
      },
    };
  }

  /** The refusal's `codice` and `campo`, when well-formed; never its message. */
  private async readErrorEnvelope(
    body: PoolResponse['body'],
  ): Promise<{ code: string | undefined; campo: string | undefined }> {
    try {
      const parsed = JSON.parse(await readText(body, MAX_ERROR_BODY_BYTES)) as {
        errore?: { codice?: unknown; campo?: unknown };
      };
      const code = parsed.errore?.codice;
      const campo = parsed.errore?.campo;
      return {
        code: typeof code === 'string' && UPSTREAM_CODE_PATTERN.test(code) ? code : undefined,
        // UpstreamRejectedError keeps it only when it matches UPSTREAM_FIELD_PATTERN.
        campo: typeof campo === 'string' ? campo : undefined,
      };
    } catch {
      discard(body);
      return { code: undefined, campo: undefined };
    }
  }

  private transportError(cause: unknown, signal: AbortSignal): UpstreamError {
    if (
      signal.aborted ||
      cause instanceof undiciErrors.HeadersTimeoutError ||
      cause instanceof undiciErrors.BodyTimeoutError ||
      cause instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new UpstreamTimeoutError(this.name, { cause });
    }
    return new UpstreamUnavailableError(this.name, { cause });
  }
}

class TooLargeError extends Error {}

async function readText(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw new TooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Drops a body not worth reading; the aborted stream's error is expected, not unhandled. */
function discard(body: PoolResponse['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or odd. */
export function retryAfterMs(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`); Date.parse alone would take "-1" for a year.
  const at = /^[A-Za-z]{3}, /.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
