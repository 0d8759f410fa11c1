// The gateway's Prometheus metrics (README "Metrics"), served at `/metrics` on the gateway's
// own port only when METRICS_TOKEN is set, and then only to a scraper presenting it as a
// bearer token: the gateway's port is the public one. Labels are bounded sets chosen here:
// an operation is named only when it is a registered (trusted-document) name, otherwise
// `other` (a free-text operation's name is the client's text and could be anything, a
// person's name included); outcomes are `ok`, `partial` or a known error code.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS, responseOutcome, serveMetrics } from '../lib/metrics-http.js';

/** The label of an operation whose name is not a known one. */
export const OTHER_OPERATION = 'other';

/** Statistics a cache keeps (BoundedCache.stats()). */
export interface CacheStats {
  /** Unknown for a cache other replicas also write (Redis). */
  entries?: number;
  hits?: number;
  misses?: number;
  /** Reads and writes of a shared store that failed and were done without it. */
  errors?: number;
  /** Writes declined on purpose (persisted queries over a caller's registration quota). */
  refused?: number;
}

export interface GatewayMetricsOptions {
  /** Operation names reported as themselves; any other is `other`. */
  knownOperationNames: Iterable<string>;
  /** Error codes reported as outcomes; any other first error is `error`. */
  knownCodes: ReadonlySet<string>;
  /** The gateway's caches, by name, read at each scrape. */
  caches: Readonly<Record<string, () => CacheStats>>;
  /** The bearer token `/metrics` wants; null: no `/metrics` (404). */
  token: string | null;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext>;
  /** For SubgraphDataSource's `onFetch`. */
  fetched: (subgraph: string, ok: boolean, seconds: number) => void;
  /** lib/graphql-http.ts `extraRoutes`: answers `/metrics`, false for anything else. */
  route: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const known = new Set(options.knownOperationNames);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'GraphQL requests, by operation (registered names, anonymous or other) and outcome (ok, partial, or the first error code)',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Time to answer a GraphQL request, from its context to its response, in seconds',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const fetches = new Counter({
    name: 'gateway_subgraph_fetches_total',
    help: 'Fetches from the subgraphs, by subgraph and outcome (ok: a 2xx answer)',
    labelNames: ['subgraph', 'outcome'] as const,
    registers,
  });
  const fetchSeconds = new Histogram({
    name: 'gateway_subgraph_fetch_duration_seconds',
    help: 'Duration of one subgraph fetch, in seconds',
    labelNames: ['subgraph'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  // Counters read from the caches' own counts at each scrape.
  const cacheCounter = (
    name: string,
    help: string,
    pick: (stats: CacheStats) => number | undefined,
  ): void => {
    const seen = new Map<string, number>();
    new Counter({
      name,
      help,
      labelNames: ['cache'] as const,
      registers,
      collect() {
        for (const [cache, stats] of Object.entries(options.caches)) {
          const value = pick(stats());
          if (value === undefined) continue;
          this.inc({ cache }, Math.max(0, value - (seen.get(cache) ?? 0)));
          seen.set(cache, value);
        }
      },
    });
  };
  cacheCounter(
    'gateway_cache_hits_total',
    'Lookups that found an entry, by cache (cost estimates, result-size estimates, parsed documents, persisted queries, public responses)',
    (stats) => stats.hits,
  );
  cacheCounter(
    'gateway_cache_misses_total',
    'Lookups that found no entry, by cache',
    (stats) => stats.misses,
  );
  cacheCounter(
    'gateway_cache_errors_total',
    'Reads and writes of the shared store (persisted queries, public responses, rate limits) that failed, Redis being unreachable or too slow, and were done without it, by cache',
    (stats) => stats.errors,
  );
  cacheCounter(
    'gateway_cache_refused_total',
    "Writes declined on purpose, by cache (persisted queries beyond a caller's registration quota: served, not registered)",
    (stats) => stats.refused,
  );
  new Gauge({
    name: 'gateway_cache_entries',
    help: 'Entries kept, by cache',
    labelNames: ['cache'] as const,
    registers,
    collect() {
      for (const [cache, stats] of Object.entries(options.caches)) {
        const { entries } = stats();
        if (entries !== undefined) this.set({ cache }, entries);
      }
    },
  });
  const expected = options.token === null ? null : digest(`Bearer ${options.token}`);

  const operationLabel = (name: string | null | undefined): string =>
    name === null || name === undefined ? 'anonymous' : known.has(name) ? name : OTHER_OPERATION;

  return {
    registry,
    plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
      return {
        // Refused before any request listener (rate limit, bad token or header).
        contextCreationDidFail({ error }) {
          requests.inc({
            operation: OTHER_OPERATION,
            outcome: responseOutcome(
              null,
              [error as { extensions?: Record<string, unknown> }],
              options.knownCodes,
            ),
          });
          return Promise.resolve();
        },
        requestDidStart() {
          const started = performance.now();
          return Promise.resolve({
            willSendResponse({ response, operationName, operation }) {
              const body = response.body;
              const operation_ = operationLabel(
                operation ? (operation.name?.value ?? null) : operationName,
              );
              const outcome =
                body.kind === 'single'
                  ? responseOutcome(
                      body.singleResult.data,
                      body.singleResult.errors,
                      options.knownCodes,
                    )
                  : 'ok';
              requests.inc({ operation: operation_, outcome });
              requestSeconds.observe(
                { operation: operation_ },
                (performance.now() - started) / 1000,
              );
              return Promise.resolve();
            },
          });
        },
      };
    },
    fetched(subgraph, ok, seconds) {
      fetches.inc({ subgraph, outcome: ok ? 'ok' : 'error' });
      fetchSeconds.observe({ subgraph }, seconds);
    },
    route(req, res, path) {
      if (path !== '/metrics') return false;
      // Off unless configured: the path is then as unknown as any other (404 from the caller).
      if (expected === null) return false;
      const presented = digest(req.headers.authorization ?? '');
      if (!timingSafeEqual(presented, expected)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' });
        res.end('metrics need the configured bearer token\n');
        return true;
      }
      serveMetrics(registry, req, res);
      return true;
    },
  };
}
