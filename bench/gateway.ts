// The gateway as bench/hostile.ts and bench/soak.ts run it: in the benchmark's own process
// (whose event loop they measure), over the subgraphs of bench/backends.ts.
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER } from '../gateway/config.js';
import { createGateway, loadGatewaySecurity } from '../gateway/index.js';
import type { RunningHttpServer } from '../lib/graphql-http.js';
import type { SubgraphName } from './backends.js';

export async function startBenchGateway(
  keysDir: string,
  subgraphs: Record<SubgraphName, { url: string }>,
): Promise<RunningHttpServer> {
  const security = await loadGatewaySecurity({
    jwksUrl: null,
    keysDir,
    issuer: DEV_TOKEN_ISSUER,
    audience: DEV_TOKEN_AUDIENCE,
  });
  return createGateway(
    {
      subgraphUrls: {
        desks: subgraphs.desks.url,
        workers: subgraphs.workers.url,
        employers: subgraphs.employers.url,
        training: subgraphs.training.url,
      },
      subgraphTimeoutMs: 10_000,
      subgraphConnections: 32,
      maxBodyBytes: 1_000_000,
      // Out of the way: the load comes from a handful of callers (or one anonymous address)
      // sending as fast as they are answered, which the default (10/s, burst 100 per caller)
      // would answer 429 after the first seconds, before parsing; and every hostile document
      // should reach the parser and validation.
      limits: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } },
    },
    security,
  );
}
