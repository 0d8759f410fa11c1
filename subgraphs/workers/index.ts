// Wiring of the workers subgraph: IDOL client -> per-request loaders -> resolvers.
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { createPseudonymizer } from './pseudonym.js';
import { createSubgraphServer, type SubgraphTrust } from '../shared/server.js';
import { IdolClient } from './client.js';
import type { WorkersConfig } from './config.js';
import { createLoaders } from './loaders.js';
import { resolvers, type WorkersContext } from './resolvers.js';

export type { WorkersConfig } from './config.js';
export { readWorkersConfig } from './config.js';

export async function createWorkersSubgraph(
  config: Omit<WorkersConfig, 'port' | 'host'> & { port?: number; host?: string },
  trust: SubgraphTrust,
): Promise<RunningHttpServer> {
  const client = new IdolClient(config.idol);
  const pseudonymOf = createPseudonymizer(config.pseudonymKey);
  return createSubgraphServer<WorkersContext>({
    name: 'workers',
    resolvers,
    trust,
    context: (caller) => Promise.resolve({ loaders: createLoaders(client), caller, pseudonymOf }),
    port: config.port,
    host: config.host,
    onStop: () => client.close(),
  });
}
