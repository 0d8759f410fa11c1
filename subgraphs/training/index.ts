// Wiring of the training subgraph: trio client -> per-request loaders -> resolvers.
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { createSubgraphServer } from '../shared/server.js';
import { TrioClient } from './client.js';
import type { TrainingConfig } from './config.js';
import { createLoaders } from './loaders.js';
import { resolvers, type TrainingContext } from './resolvers.js';

export async function createTrainingSubgraph(
  config: Omit<TrainingConfig, 'port' | 'host'> & { port?: number; host?: string },
): Promise<RunningHttpServer> {
  const client = new TrioClient(config.trio);
  const options = { courseConcurrency: config.courseConcurrency };
  return createSubgraphServer<TrainingContext>({
    name: 'training',
    resolvers,
    context: () => Promise.resolve({ loaders: createLoaders(client, options) }),
    port: config.port,
    host: config.host,
    onStop: () => client.close(),
  });
}
