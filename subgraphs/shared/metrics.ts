// Prometheus metrics of one subgraph process, served at `/metrics` on its own port (a
// subgraph is internal: it answers only the gateway, like its `/readyz`). Labels are
// bounded sets chosen here (subgraph and upstream names, methods, outcomes, circuit states):
// never an operation's text, a variable, an id or a path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CircuitState } from './circuit-breaker.js';
import type { UpstreamEvent, UpstreamObserver } from './upstream-client.js';
import { LATENCY_BUCKETS, responseOutcome, serveMetrics } from '../../lib/metrics-http.js';

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half-open'];

/** Error codes a subgraph answers deliberately; any other first error counts as `error`. */
const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PURPOSE_REQUIRED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'COST_LIMIT_EXCEEDED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'UPSTREAM_REJECTED',
  'AUDIT_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
]);

/** What metrics need of an upstream client (UpstreamHttpClient). */
export interface ObservedUpstream {
  readonly name: string;
  circuitState(): CircuitState;
  observe?(observer: UpstreamObserver): void;
}

export interface SubgraphMetrics {
  readonly registry: Registry;
  /** Counts each GraphQL request and its latency. */
  plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext>;
  /** Answers `GET /metrics`; false for any other path (lib/graphql-http.ts `extraRoutes`). */
  route: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

export function createSubgraphMetrics(
  subgraph: string,
  upstreams: readonly ObservedUpstream[],
): SubgraphMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ subgraph });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: 'subgraph_requests_total',
    help: 'GraphQL requests served by the subgraph, by outcome (ok, partial, or the first error code)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: 'subgraph_request_duration_seconds',
    help: 'Time to answer a GraphQL request, in seconds',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const attempts = new Counter({
    name: 'upstream_requests_total',
    help: 'HTTP requests sent to an upstream system (each attempt, retries included), by method and outcome',
    labelNames: ['upstream', 'method', 'outcome'] as const,
    registers,
  });
  const retries = new Counter({
    name: 'upstream_retries_total',
    help: 'Attempts after the first of a call to an upstream system',
    labelNames: ['upstream'] as const,
    registers,
  });
  const shortCircuited = new Counter({
    name: 'upstream_short_circuited_total',
    help: 'Calls to an upstream system refused at once by its open circuit (no request sent)',
    labelNames: ['upstream'] as const,
    registers,
  });
  const attemptSeconds = new Histogram({
    name: 'upstream_request_duration_seconds',
    help: 'Duration of one HTTP request to an upstream system, in seconds',
    labelNames: ['upstream', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  new Gauge({
    name: 'upstream_circuit_state',
    help: 'Circuit breaker state of each upstream system: 1 for the current state, 0 for the others',
    labelNames: ['upstream', 'state'] as const,
    registers,
    collect() {
      for (const upstream of upstreams) {
        const current = upstream.circuitState();
        for (const state of CIRCUIT_STATES) {
          this.set({ upstream: upstream.name, state }, state === current ? 1 : 0);
        }
      }
    },
  });
  // Known from the start, so that a scrape shows every upstream at zero before any traffic.
  for (const upstream of upstreams) {
    retries.inc({ upstream: upstream.name }, 0);
    shortCircuited.inc({ upstream: upstream.name }, 0);
  }
  const observer = (event: UpstreamEvent): void => {
    if (event.kind === 'short-circuit') {
      shortCircuited.inc({ upstream: event.upstream });
      return;
    }
    attempts.inc({ upstream: event.upstream, method: event.method, outcome: event.outcome });
    attemptSeconds.observe(
      { upstream: event.upstream, method: event.method },
      event.durationMs / 1000,
    );
    if (event.retry) retries.inc({ upstream: event.upstream });
  };
  for (const upstream of upstreams) upstream.observe?.(observer);

  return {
    registry,
    plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
      return {
        requestDidStart() {
          const started = performance.now();
          return Promise.resolve({
            willSendResponse({ response }) {
              const body = response.body;
              const outcome =
                body.kind === 'single'
                  ? responseOutcome(body.singleResult.data, body.singleResult.errors, KNOWN_CODES)
                  : 'ok';
              requests.inc({ outcome });
              requestSeconds.observe((performance.now() - started) / 1000);
              return Promise.resolve();
            },
          });
        },
      };
    },
    route(req, res, path) {
      if (path !== '/metrics') return false;
      serveMetrics(registry, req, res);
      return true;
    },
  };
}
