// Wiring of the desks subgraph: registry client -> per-request loaders -> resolvers.
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { createSubgraphServer, type SubgraphTrust } from '../shared/server.js';
import { withUpstreamClients } from '../shared/upstream-client.js';
import { RegistryClient } from './client.js';
import type { DesksConfig } from './config.js';
import { createLoaders } from './loaders.js';
import { resolvers, type DesksContext } from './resolvers.js';

export async function createDesksSubgraph(
  config: Omit<DesksConfig, 'port' | 'host'> & { port?: number; host?: string },
  trust: SubgraphTrust,
): Promise<RunningHttpServer> {
  // The upstream clients it builds are kept for /readyz, which reports their circuits.
  const { value: client, clients: upstreams } = withUpstreamClients(
    () => new RegistryClient(config.registry),
  );
  return createSubgraphServer<DesksContext>({
    name: 'desks',
    resolvers,
    trust,
    context: (caller) =>
      Promise.resolve({ loaders: createLoaders(client, config.minCellPeople), caller }),
    port: config.port,
    host: config.host,
    requestDeadlineMs: config.requestDeadlineMs,
    upstreams,
    logger: config.logger,
    tracing: config.tracing,
    onStop: () => client.close(),
  });
}
