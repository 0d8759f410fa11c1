// What the process knows of the request it is serving, wherever the code is: its id, its
// logger, the facts of its access record as they become known, and its server span when
// traces are on. Opened by lib/graphql-http.ts for every request and closed when the response
// ends, which writes the one access record and ends the span. Code deep in a request (an
// error formatter, the subgraph fetcher, the upstream client) reaches it through
// AsyncLocalStorage instead of threading it through every call.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  parseTraceparent,
  routeTemplate,
  startClientSpan,
  startServerSpan,
  traceparentOf,
  TRACEPARENT_HEADER,
  type Tracing,
} from './telemetry.js';

/** The facts of a request's access record, filled in while it is served. */
export interface AccessFacts {
  /** A registered name, or the client's own name sanitized (lib/log.ts loggedOperationName). */
  operation?: string;
  operationType?: string;
  /** The caller's role, never their subject. */
  role?: string;
  outcome?: 'ok' | 'partial' | 'error';
  /** Error codes of the response (ours, SCREAMING_SNAKE). */
  codes: Set<string>;
  /** The gateway's fetches from subgraphs. */
  subgraphFetches?: number;
}

export interface RequestScope {
  readonly requestId: string;
  /** The request's path as its access record names it (`other` for one a client made up). */
  readonly path: string;
  /** The process's logger with this request's id on every record. */
  readonly log: Logger;
  readonly facts: AccessFacts;
  /** Only when traces are on. */
  readonly tracer?: Tracer;
  readonly span?: Span;
  readonly started: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Carries a request's id in responses, and from the gateway on to subgraphs and upstreams. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The gateway's request ids are UUIDs; a process behind it repeats nothing else into its logs. */
const GATEWAY_REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A request header's value; the first when the client sent it more than once. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request id the gateway sent with `req` when it is one of its ids, else a new one. */
export function gatewayRequestIdOr(req: IncomingMessage): string {
  const given = headerOf(req, REQUEST_ID_HEADER);
  return given !== undefined && GATEWAY_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The request being served, or undefined outside one. */
export function currentRequest(): RequestScope | undefined {
  return storage.getStore();
}

/** Paths an access record names as they are; any other is `other` (a client typed it). */
const KNOWN_PATHS = new Set(['/graphql', '/', '/healthz', '/readyz', '/metrics']);
/** Probes and scrapes, logged at debug: a load balancer asks every few seconds. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface OpenRequestOptions {
  requestId: string;
  logger: Logger;
  tracing?: Tracing | null;
  /** The caller's `traceparent`, continued when given (subgraphs, from the gateway). */
  traceparent?: string;
}

/** Runs `serve` within a new request scope. */
export function runInRequestScope<T>(
  options: OpenRequestOptions,
  req: IncomingMessage,
  serve: (scope: RequestScope) => T,
): T {
  const path = pathOf(req);
  // Probes and scrapes get no trace: a load balancer's every few seconds would bury the rest.
  const tracer = PROBE_PATHS.has(path) ? undefined : options.tracing?.tracer;
  const scope: RequestScope = {
    requestId: options.requestId,
    path,
    // No child logger to make when nothing is logged (LOG_LEVEL=silent, tests' stacks).
    log: options.logger.isLevelEnabled('fatal')
      ? options.logger.child({ requestId: options.requestId })
      : options.logger,
    facts: { codes: new Set() },
    started: performance.now(),
    ...(tracer
      ? {
          tracer,
          span: startServerSpan(
            tracer,
            `${req.method ?? 'GET'} ${path}`,
            {
              'http.request.method': req.method ?? 'GET',
              'url.path': path,
              'app.request.id': options.requestId,
            },
            parseTraceparent(options.traceparent),
          ),
        }
      : {}),
  };
  return storage.run(scope, () => serve(scope));
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return KNOWN_PATHS.has(path) ? path : 'other';
}

/** The access record of a request whose response is over. */
function accessRecord(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  outcome: string,
  codes: string[],
) {
  const { facts, path } = scope;
  return {
    method: req.method,
    path,
    status: res.statusCode,
    ms: Math.round((performance.now() - scope.started) * 10) / 10,
    ...(facts.operation !== undefined ? { operation: facts.operation } : {}),
    ...(facts.operationType !== undefined ? { operationType: facts.operationType } : {}),
    ...(facts.role !== undefined ? { role: facts.role } : {}),
    outcome,
    ...(codes.length > 0 ? { codes } : {}),
    ...(facts.subgraphFetches !== undefined ? { subgraphFetches: facts.subgraphFetches } : {}),
    // The client went away before the whole response was sent.
    ...(res.writableFinished ? {} : { aborted: true }),
  };
}

/** Writes the request's access record and ends its span; called once the response is over. */
export function closeRequestScope(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const { facts, path } = scope;
  const level = PROBE_PATHS.has(path) ? 'debug' : 'info';
  const logged = scope.log.isLevelEnabled(level);
  const span = scope.span;
  // Nothing to build when neither a record nor a span wants it (LOG_LEVEL=warn, no traces).
  if (!logged && !span) return;
  const status = res.statusCode;
  const outcome = facts.outcome ?? (status < 400 ? 'ok' : 'error');
  const codes = [...facts.codes];
  if (logged) scope.log[level](accessRecord(scope, req, res, outcome, codes), 'request');
  if (!span) return;
  span.setAttributes({
    'http.response.status_code': status,
    'app.outcome': outcome,
    ...(facts.operation !== undefined ? { 'graphql.operation.name': facts.operation } : {}),
    ...(facts.operationType !== undefined ? { 'graphql.operation.type': facts.operationType } : {}),
    ...(facts.role !== undefined ? { 'app.principal.role': facts.role } : {}),
    ...(codes.length > 0 ? { 'app.error.codes': codes } : {}),
    ...(facts.subgraphFetches !== undefined
      ? { 'app.subgraph.fetches': facts.subgraphFetches }
      : {}),
  });
  // GraphQL's span name convention: `query Name`, when the operation is known.
  if (facts.operationType !== undefined) {
    span.updateName(
      facts.operation ? `${facts.operationType} ${facts.operation}` : facts.operationType,
    );
  }
  if (status >= 500 || facts.codes.has('INTERNAL_SERVER_ERROR')) {
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** One subgraph fetch being observed. */
export interface ObservedFetch {
  /** `status`: the subgraph's answer; undefined when none came (refused, cut, timed out). */
  end(status: number | undefined): void;
}

/**
 * Observes one fetch the gateway sends to a subgraph: counts it in the request's access
 * record, logs it at debug, and, with traces on, makes it a client span and adds the
 * `traceparent` the subgraph continues to `headers` (the fetch's own, about to be sent).
 */
export function observeSubgraphFetch(
  subgraph: string,
  headers: Record<string, string>,
): ObservedFetch | undefined {
  const scope = storage.getStore();
  if (!scope) return undefined;
  scope.facts.subgraphFetches = (scope.facts.subgraphFetches ?? 0) + 1;
  const debug = scope.log.isLevelEnabled('debug');
  const span =
    scope.tracer && scope.span
      ? startClientSpan(scope.tracer, scope.span, `subgraph ${subgraph}`, {
          'app.subgraph.name': subgraph,
          'http.request.method': 'POST',
        })
      : undefined;
  if (span) headers[TRACEPARENT_HEADER] = traceparentOf(span);
  if (!debug && !span) return undefined;
  const started = performance.now();
  return {
    end(status) {
      if (debug) {
        scope.log.debug(
          {
            subgraph,
            ...(status !== undefined ? { status } : { error: 'no_response' }),
            ms: Math.round((performance.now() - started) * 10) / 10,
          },
          'subgraph fetch',
        );
      }
      if (!span) return;
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      else span.setAttribute('error.type', 'no_response');
      if (status === undefined || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/** One upstream attempt being observed; `status` is set when the upstream answers. */
export interface ObservedAttempt {
  status?: number;
  end(outcome: string): void;
}

/**
 * Observes one attempt of an upstream request (subgraphs/shared/upstream-client.ts): a debug
 * record and, with traces on, a client span. Undefined, and no cost, when neither is wanted.
 * Only the route template is recorded: the real path or query may hold a fiscal code.
 */
export function observeUpstreamAttempt(
  system: string,
  method: string,
  path: string,
  attempt: number,
): ObservedAttempt | undefined {
  const scope = storage.getStore();
  if (!scope) return undefined;
  const debug = scope.log.isLevelEnabled('debug');
  if (!debug && !(scope.tracer && scope.span)) return undefined;
  const route = routeTemplate(path);
  const span =
    scope.tracer && scope.span
      ? startClientSpan(scope.tracer, scope.span, `${method} ${route}`, {
          'app.upstream.system': system,
          'http.request.method': method,
          'url.template': route,
          'app.upstream.attempt': attempt + 1,
          ...(attempt > 0 ? { 'http.request.resend_count': attempt } : {}),
        })
      : undefined;
  const started = performance.now();
  const observed: ObservedAttempt = {
    end(outcome) {
      const status = observed.status;
      if (debug) {
        scope.log.debug(
          {
            system,
            method,
            route,
            ...(status !== undefined ? { status } : {}),
            outcome,
            attempt: attempt + 1,
            ms: Math.round((performance.now() - started) * 10) / 10,
          },
          'upstream request',
        );
      }
      if (!span) return;
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      span.setAttribute('app.upstream.outcome', outcome);
      if (outcome !== 'ok' && outcome !== 'not_modified' && outcome !== 'not_found') {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
  return observed;
}
