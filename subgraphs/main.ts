// Runs one subgraph as its own process: `node dist/subgraphs/main.js --name employers`.
import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPublicKey } from '../lib/auth/keys.js';
import { createLogger } from '../lib/log.js';
import { tracingFromConfig } from '../lib/telemetry.js';
import { projectPath } from '../lib/project-files.js';
import { readAssertionKeyFile, readObservabilityConfig } from './shared/config.js';
import type { RunningHttpServer } from '../lib/graphql-http.js';
import { readDesksConfig } from './desks/config.js';
import { createDesksSubgraph } from './desks/index.js';
import { readEmployersConfig } from './employers/config.js';
import { createEmployersSubgraph } from './employers/index.js';
import { readTrainingConfig } from './training/config.js';
import { createTrainingSubgraph } from './training/index.js';
import { readWorkersConfig } from './workers/config.js';
import { createWorkersSubgraph } from './workers/index.js';

const keyFile = readAssertionKeyFile(process.env);
const trust = {
  assertionKey: await loadPublicKey(isAbsolute(keyFile) ? keyFile : projectPath(keyFile)),
};

const { values } = parseArgs({ options: { name: { type: 'string' } } });
const processName = `subgraph-${values.name}`;
const observability = readObservabilityConfig(process.env);
const logger = createLogger({ name: processName, ...observability.log });
// Null (no traces, no cost) unless an OTLP endpoint is configured.
const tracing = tracingFromConfig(observability.telemetry, processName);

const starters: Record<string, () => Promise<RunningHttpServer>> = {
  desks: () => createDesksSubgraph({ ...readDesksConfig(process.env), logger, tracing }, trust),
  workers: () =>
    createWorkersSubgraph({ ...readWorkersConfig(process.env), logger, tracing }, trust),
  employers: () =>
    createEmployersSubgraph({ ...readEmployersConfig(process.env), logger, tracing }, trust),
  training: () =>
    createTrainingSubgraph({ ...readTrainingConfig(process.env), logger, tracing }, trust),
};

const start = values.name ? starters[values.name] : undefined;
if (!start) {
  console.error(`usage: main.js --name ${Object.keys(starters).join('|')}`);
  process.exit(2);
}
const server = await start();
// A human line, not a log record: `npm run bench` and the tests read the URL from it.
console.log(`subgraph ${values.name} ready at ${server.url}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop();
  // The spans of the last requests, still batched, go out before the process ends.
  await tracing?.shutdown();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// Started by `npm start` with an IPC channel: if that parent dies, stop too.
process.on('disconnect', () => void shutdown());
