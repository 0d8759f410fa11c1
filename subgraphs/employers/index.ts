// Wiring of the employers subgraph: co client -> per-request loaders -> resolvers.
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { createSubgraphServer, type SubgraphTrust } from '../shared/server.js';
import { withUpstreamClients } from '../shared/upstream-client.js';
import { DEFAULT_MIN_CELL_PEOPLE } from '../shared/suppression.js';
import { CoClient } from './client.js';
import type { EmployersConfig } from './config.js';
import { createLoaders } from './loaders.js';
import { resolvers, type EmployersContext } from './resolvers.js';

export type EmployersSubgraphOptions = Omit<EmployersConfig, 'port' | 'host' | 'coConcurrency'> & {
  port?: number;
  host?: string;
  coConcurrency?: number;
};

export async function createEmployersSubgraph(
  config: EmployersSubgraphOptions,
  trust: SubgraphTrust,
): Promise<RunningHttpServer> {
  // The upstream clients it builds are kept for /readyz, which reports their circuits.
  const { value: client, clients: upstreams } = withUpstreamClients(() => new CoClient(config.co));
  const loaderOptions = { concurrency: config.coConcurrency ?? 8 };
  return createSubgraphServer<EmployersContext>({
    name: 'employers',
    resolvers,
    trust,
    context: (caller) =>
      Promise.resolve({
        loaders: createLoaders(client, loaderOptions),
        coWrites: client,
        caller,
        minCellPeople: config.minCellPeople ?? DEFAULT_MIN_CELL_PEOPLE,
      }),
    port: config.port,
    host: config.host,
    requestDeadlineMs: config.requestDeadlineMs,
    upstreams,
    logger: config.logger,
    tracing: config.tracing,
    onStop: () => client.close(),
  });
}
