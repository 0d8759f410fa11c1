// Wiring of the training subgraph: trio client -> per-request loaders -> resolvers.
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { createSubgraphServer, type SubgraphTrust } from '../shared/server.js';
import { withUpstreamClients } from '../shared/upstream-client.js';
import { DEFAULT_MIN_CELL_PEOPLE } from '../shared/suppression.js';
import { TrioClient } from './client.js';
import type { TrainingConfig } from './config.js';
import { DEFAULT_COURSE_CONCURRENCY, createLoaders } from './loaders.js';
import { resolvers, type TrainingContext } from './resolvers.js';

export async function createTrainingSubgraph(
  config: Omit<TrainingConfig, 'port' | 'host' | 'courseConcurrency'> & {
    port?: number;
    host?: string;
    courseConcurrency?: number;
  },
  trust: SubgraphTrust,
): Promise<RunningHttpServer> {
  // The upstream clients it builds are kept for /readyz, which reports their circuits.
  const { value: client, clients: upstreams } = withUpstreamClients(
    () => new TrioClient(config.trio),
  );
  const options = { courseConcurrency: config.courseConcurrency ?? DEFAULT_COURSE_CONCURRENCY };
  return createSubgraphServer<TrainingContext>({
    name: 'training',
    resolvers,
    trust,
    context: (caller) =>
      Promise.resolve({
        loaders: createLoaders(client, options),
        writes: client,
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
