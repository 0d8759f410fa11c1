// How the gateway talks to a subgraph: Apollo's RemoteGraphQLDataSource over undici,
// with failed subgraph responses turned into errors a client can act on, and every fetch
// held to the client request's deadline.
import { performance } from 'node:perf_hooks';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { ASSERTION_HEADER } from '../lib/auth/assertion.js';
import type { GatewayContext } from './context.js';
import { SUBGRAPH_COST_EXTENSION, SUBGRAPH_COST_REPORT_HEADER } from './cost-report.js';

/** Signs the caller's assertion for one client request (once, shared by its fetches). */
export type AssertionSigner = (context: GatewayContext) => Promise<string>;

/** Told of every subgraph fetch that was sent: whether it answered 2xx, and how long it took. */
export type FetchObserver = (subgraph: string, ok: boolean, seconds: number) => void;

/** Wraps a fetcher so that `observe` hears of each fetch's end (metrics). */
export function observeFetches(
  fetcher: Fetcher,
  subgraph: string,
  observe: FetchObserver,
): Fetcher {
  return (url: string, init?: FetcherRequestInit) => {
    const started = performance.now();
    return fetcher(url, init).then(
      (response) => {
        observe(subgraph, response.ok, (performance.now() - started) / 1000);
        return response;
      },
      (error: unknown) => {
        observe(subgraph, false, (performance.now() - started) / 1000);
        throw error;
      },
    );
  };
}

/**
 * The client request's remaining budget in milliseconds, sent with every subgraph fetch; the
 * subgraph clamps it to its own maximum and holds its upstream requests to it
 * (subgraphs/shared/request-deadline.ts, which names the same header).
 */
export const DEADLINE_HEADER = 'x-request-deadline-ms';

/** The budget of a request whose context carries no deadline (one built outside the gateway). */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;

/** The monotonic clock deadlines are measured on. */
export const deadlineClock = (): number => performance.now();

/**
 * The gateway's own note of when a fetch must be aborted (the whole remaining budget). Set
 * by willSendRequest for abortAtDeadline, which takes it off before the request leaves.
 */
const ABORT_AFTER_HEADER = 'x-gateway-abort-after-ms';

/**
 * What a subgraph is told it has: the remaining budget less a margin (a tenth, at most
 * 100 ms), so that it answers with what it has, upstream timeouts included, before the
 * gateway gives up on the whole fetch and loses every field of it.
 */
export function subgraphBudget(remainingMs: number): number {
  return Math.max(1, remainingMs - Math.min(100, Math.floor(remainingMs / 10)));
}

/**
 * Wraps a fetcher so that each fetch is aborted when the request's remaining budget (noted
 * by willSendRequest) runs out: Apollo's data source passes no signal of its own.
 */
export function abortAtDeadline(fetcher: Fetcher): Fetcher {
  return (url: string, init?: FetcherRequestInit) => {
    if (!init?.headers || !(ABORT_AFTER_HEADER in init.headers)) return fetcher(url, init);
    const { [ABORT_AFTER_HEADER]: abortAfter, ...headers } = init.headers;
    const budget = Number(abortAfter);
    if (!Number.isInteger(budget) || budget < 1) return fetcher(url, { ...init, headers });
    const signal = AbortSignal.timeout(budget);
    const given = init.signal as AbortSignal | undefined;
    return fetcher(url, {
      ...init,
      headers,
      signal: given ? AbortSignal.any([given, signal]) : signal,
    });
  };
}

function outOfTime(originalError?: Error): GraphQLError {
  return new GraphQLError('A part of the graph did not answer in time', {
    extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    ...(originalError ? { originalError } : {}),
  });
}

/** Codes a subgraph uses for input it refused before asking any upstream. */
const INPUT_REFUSED_CODES = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);

/** An input path such as `input.person.fiscalCode`: names from the schema, no values. */
const INPUT_FIELD = /^\w{1,100}(?:\.\w{1,100}|\[\d{1,6}\]){0,20}$/;

function firstError(
  body: unknown,
): { message: string; code: unknown; field: string | undefined } | undefined {
  if (typeof body !== 'object' || body === null || !('errors' in body)) return undefined;
  const errors = body.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as {
    message?: unknown;
    extensions?: { code?: unknown; field?: unknown };
  };
  const field = first.extensions?.field;
  return typeof first.message === 'string'
    ? {
        message: first.message,
        code: first.extensions?.code,
        field: typeof field === 'string' && INPUT_FIELD.test(field) ? field : undefined,
      }
    : undefined;
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly sign: AssertionSigner;
  private readonly requestDeadlineMs: number;
  /** The subgraph's name in the supergraph (cost reports and metrics). */
  readonly subgraphName: string;

  constructor(
    config: ConstructorParameters<typeof RemoteGraphQLDataSource>[0] & {
      sign: AssertionSigner;
      /** Budget of a request whose context has no deadline. Default 10 s. */
      requestDeadlineMs?: number;
      /** The subgraph's name in the supergraph. Default: its URL's host. */
      subgraphName?: string;
      /** Told of each fetch (metrics). */
      onFetch?: FetchObserver;
    },
  ) {
    super(config);
    this.sign = config.sign;
    this.requestDeadlineMs = config.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;
    this.subgraphName = config.subgraphName ?? (config.url ? new URL(config.url).host : 'unknown');
    const fetcher = config.onFetch
      ? observeFetches(this.fetcher, this.subgraphName, config.onFetch)
      : this.fetcher;
    this.fetcher = abortAtDeadline(fetcher);
  }

  /**
   * Every subgraph request carries the gateway's signed assertion of the caller and nothing
   * the client said about itself: the request's headers are built here, not forwarded.
   */
  override async willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (!('principal' in context)) {
      throw new GraphQLError('A subgraph request without a client request', {
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    }
    request.http?.headers.set(ASSERTION_HEADER, await this.sign(context as GatewayContext));
    // No fetch starts once the client request's budget is spent; the subgraph gets what is
    // left, and the fetch is aborted when it runs out (abortAtDeadline).
    const deadline =
      (context as GatewayContext).deadline ?? deadlineClock() + this.requestDeadlineMs;
    const remaining = Math.floor(deadline - deadlineClock());
    if (remaining < 1) throw outOfTime();
    request.http?.headers.set(DEADLINE_HEADER, String(subgraphBudget(remaining)));
    request.http?.headers.set(ABORT_AFTER_HEADER, String(remaining));
    // Only when the client asked for a cost report: the subgraph counts nothing otherwise.
    const report = (context as GatewayContext).costReport;
    if (report) {
      request.http?.headers.set(SUBGRAPH_COST_REPORT_HEADER, '1');
      report.fetched(this.subgraphName);
    }
  }

  /** Adds the subgraph's own report of its upstream requests to the client request's. */
  override didReceiveResponse({
    response,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    context.costReport?.add(response.extensions?.[SUBGRAPH_COST_EXTENSION]);
    return response;
  }

  /**
   * Apollo's default puts the subgraph's URL and raw body into the error. The gateway has
   * already validated the operation against the supergraph, so a subgraph that refuses it
   * with a 400 is refusing a value (a malformed Date, say): that is the client's input
   * error. Anything else is the subgraph's failure and says only that.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = await this.parseBody(response).catch(() => undefined);
    const refused = response.status === 400 ? firstError(body) : undefined;
    if (refused && INPUT_REFUSED_CODES.has(String(refused.code))) {
      return new GraphQLError(refused.message, {
        extensions: {
          code: 'BAD_USER_INPUT',
          ...(refused.field === undefined ? {} : { field: refused.field }),
        },
      });
    }
    // Personal data is not served when its audit record cannot be written: say so plainly.
    const failed = firstError(body);
    if (response.status === 503 && failed?.code === 'AUDIT_UNAVAILABLE') {
      return new GraphQLError('Personal data cannot be served now: the audit log is unavailable', {
        extensions: { code: 'AUDIT_UNAVAILABLE' },
      });
    }
    return new GraphQLError('A part of the graph failed to answer', {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    });
  }

  /** Transport failures (refused connection, timeout) carry the subgraph's URL: replace them. */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    if (error.name === 'TimeoutError') throw outOfTime(error);
    throw new GraphQLError('A part of the graph failed to answer', {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
      originalError: error,
    });
  }
}
