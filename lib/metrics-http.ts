// Serving a Prometheus registry over node:http: shared by the gateway's and the subgraphs'
// `/metrics` routes (lib/graphql-http.ts `extraRoutes`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** Latency buckets in seconds, from a cached answer to the 10 s request budget. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A response's outcome: `ok`, `partial` (data and errors), or the first error's code if known. */
export function responseOutcome(
  data: unknown,
  errors: readonly { extensions?: Record<string, unknown> }[] | undefined,
  knownCodes: ReadonlySet<string>,
): string {
  if (!errors || errors.length === 0) return 'ok';
  if (data !== null && data !== undefined) return 'partial';
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' && knownCodes.has(code) ? code : 'error';
}

/** Serves a registry's text exposition to GET and HEAD (405 otherwise); errors become a bare 500. */
export function serveMetrics(registry: Registry, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET' });
    res.end();
    return;
  }
  registry.metrics().then(
    (text) => {
      res.writeHead(200, {
        'content-type': registry.contentType,
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    },
    () => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('metrics unavailable\n');
    },
  );
}
