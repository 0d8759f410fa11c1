// The one way subgraphs speak HTTP to an upstream: an undici Pool per upstream with
// keep-alive and bounded connections, a deadline per request, JSON decoding, and
// failures turned into typed upstream errors. Clients know nothing of GraphQL.
import { Pool, errors as undiciErrors } from 'undici';
import type { UpstreamConfig } from './config.js';
import {
  UpstreamBadResponseError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';

export interface UpstreamClientOptions {
  /** The upstream's name, as shown in errors (`co`, `idol`...). */
  name: string;
  /** Base URL, e.g. `http://127.0.0.1:4103`. */
  baseUrl: string;
  /** The credential header and its value. */
  auth: { header: string; value: string };
  /** Deadline for one request, headers and body included. Default 5000 ms. */
  timeoutMs?: number;
  /** Connections kept to the upstream. Default 16. */
  connections?: number;
  /** Largest accepted body. Default 32 MiB. */
  maxResponseBytes?: number;
}

export type QueryValue = string | number | boolean | undefined | null | readonly string[];

export interface GetOptions {
  headers?: Record<string, string>;
  /** Statuses answered to the caller instead of thrown (e.g. 304, 404). */
  accept?: readonly number[];
}

export interface UpstreamResponse {
  status: number;
  etag: string | undefined;
  /** Decoded JSON; null for bodiless answers such as 304. */
  body: unknown;
}

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

export class UpstreamHttpClient {
  readonly name: string;
  private readonly pool: Pool;
  private readonly auth: { header: string; value: string };
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(options: UpstreamClientOptions) {
    this.name = options.name;
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    this.pool = new Pool(options.baseUrl, {
      connections: options.connections ?? 16,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
  }

  async get(
    path: string,
    query?: Record<string, QueryValue>,
    options?: GetOptions,
  ): Promise<UpstreamResponse> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.pool.request({
        method: 'GET',
        path: buildPath(path, query),
        headers: {
          accept: 'application/json',
          [this.auth.header]: this.auth.value,
          ...options?.headers,
        },
        signal,
      });
    } catch (cause) {
      throw this.transportError(cause, signal);
    }
    const { statusCode, headers } = response;
    const etagHeader = headers.etag;
    const etag = Array.isArray(etagHeader) ? etagHeader[0] : etagHeader;
    if (options?.accept?.includes(statusCode) && (statusCode === 304 || statusCode === 404)) {
      await response.body.dump();
      return { status: statusCode, etag, body: null };
    }
    if (statusCode >= 300) {
      const upstreamCode = await this.readErrorCode(response.body);
      if (statusCode === 429 || statusCode >= 500) {
        throw new UpstreamUnavailableError(this.name, { status: statusCode });
      }
      throw new UpstreamRejectedError(this.name, statusCode, upstreamCode);
    }
    const contentType = String(headers['content-type'] ?? '');
    if (!contentType.includes('application/json')) {
      await response.body.dump();
      throw new UpstreamBadResponseError(this.name, 'content type is not JSON');
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
      response.body.destroy();
      throw new UpstreamBadResponseError(this.name, 'response too large');
    }
    let text: string;
    try {
      text = await this.readText(response.body);
    } catch (cause) {
      if (cause instanceof UpstreamBadResponseError) throw cause;
      throw this.transportError(cause, signal);
    }
    try {
      return { status: statusCode, etag, body: JSON.parse(text) as unknown };
    } catch (cause) {
      throw new UpstreamBadResponseError(this.name, 'malformed JSON', { cause });
    }
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

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async readText(body: AsyncIterable<Buffer>): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.maxResponseBytes)
        throw new UpstreamBadResponseError(this.name, 'response too large');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async readErrorCode(body: { text(): Promise<string> }): Promise<string | undefined> {
    try {
      const parsed = JSON.parse(await body.text()) as { errore?: { codice?: unknown } };
      const code = parsed.errore?.codice;
      return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : undefined;
    } catch {
      return undefined;
    }
  }

  private transportError(cause: unknown, signal: AbortSignal): Error {
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
