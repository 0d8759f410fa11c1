// Serving a Prometheus registry over node:http: shared by the gateway's and the subgraphs'
// `/metrics` routes (lib/graphql-http.ts `extraRoutes`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** True when the request is for `/metrics` (any query string). */
export function metricsPath(req: IncomingMessage): boolean {
  const url = req.url ?? '/';
  const queryIndex = url.indexOf('?');
  return (queryIndex === -1 ? url : url.slice(0, queryIndex)) === '/metrics';
}

/** Serves a registry's text exposition; errors become a bare 500. */
export function serveMetrics(registry: Registry, res: ServerResponse): void {
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
