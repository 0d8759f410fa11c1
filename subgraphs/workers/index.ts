// Wiring of the workers subgraph: IDOL client -> per-request loaders -> resolvers, and the
// audit log of personal-data reads (this subgraph owns the personal data).
import type { ApolloServerPlugin } from '@apollo/server';
import { parse } from 'graphql';
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { extractPolicy } from '../../lib/auth/policy.js';
import { readProjectFile } from '../../lib/project-files.js';
import { createPseudonymizer } from './pseudonym.js';
import { auditPlugin, openAuditLog, type AuditLog } from '../shared/audit.js';
import { createSubgraphServer, type SubgraphTrust } from '../shared/server.js';
import { withUpstreamClients } from '../shared/upstream-client.js';
import { DEFAULT_MIN_CELL_PEOPLE } from '../shared/suppression.js';
import { IdolClient } from './client.js';
import type { WorkersConfig } from './config.js';
import { createLoaders } from './loaders.js';
import type { Worker } from './model.js';
import { resolvers, type WorkersContext } from './resolvers.js';

export type { WorkersConfig } from './config.js';
export { readWorkersConfig } from './config.js';

/** The audit of personal-data reads, with this subgraph's own SDL policy and pseudonyms. */
export function workersAuditPlugin(
  log: AuditLog,
  pseudonymOf: (workerId: string) => string,
): ApolloServerPlugin<WorkersContext> {
  return auditPlugin<WorkersContext>({
    log,
    policy: extractPolicy(parse(readProjectFile('schema', 'workers.graphql'))),
    // Every personal field of this SDL is on Worker, whose resolvers get the IDOL record.
    dataSubjects: { Worker: (source) => (source as Worker).id },
    pseudonymOf,
    // A citizen's subject is their own worker id: the log names them by pseudonym too.
    callerSubject: (principal) =>
      principal.role === 'citizen' && principal.subject
        ? pseudonymOf(principal.subject)
        : principal.subject,
  });
}

export async function createWorkersSubgraph(
  config: Omit<WorkersConfig, 'port' | 'host'> & { port?: number; host?: string },
  trust: SubgraphTrust,
): Promise<RunningHttpServer> {
  // Opened before serving: a subgraph that cannot keep its audit log does not start.
  const auditLog = openAuditLog(config.auditLogPath);
  // The upstream clients it builds are kept for /readyz, which reports their circuits.
  const { value: client, clients: upstreams } = withUpstreamClients(
    () => new IdolClient(config.idol),
  );
  const pseudonymOf = createPseudonymizer(config.pseudonymKey);
  const closeAll = async () => {
    await client.close();
    await auditLog.close();
  };
  try {
    return await createSubgraphServer<WorkersContext>({
      name: 'workers',
      resolvers,
      trust,
      context: (caller) =>
        Promise.resolve({
          loaders: createLoaders(client),
          idolWrites: client,
          caller,
          pseudonymOf,
          minCellPeople: config.minCellPeople ?? DEFAULT_MIN_CELL_PEOPLE,
        }),
      port: config.port,
      host: config.host,
      requestDeadlineMs: config.requestDeadlineMs,
      upstreams,
      logger: config.logger,
      tracing: config.tracing,
      onStop: closeAll,
      plugins: [workersAuditPlugin(auditLog, pseudonymOf)],
    });
  } catch (err) {
    await closeAll();
    throw err;
  }
}
