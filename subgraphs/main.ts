// Runs one subgraph as its own process: `node dist/subgraphs/main.js --name employers`.
import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPublicKey } from '../lib/auth/keys.js';
import { projectPath } from '../lib/project-files.js';
import { readAssertionKeyFile } from './shared/config.js';
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

const starters: Record<string, () => Promise<RunningHttpServer>> = {
  desks: () => createDesksSubgraph(readDesksConfig(process.env), trust),
  workers: () => createWorkersSubgraph(readWorkersConfig(process.env), trust),
  employers: () => createEmployersSubgraph(readEmployersConfig(process.env), trust),
  training: () => createTrainingSubgraph(readTrainingConfig(process.env), trust),
};

const { values } = parseArgs({ options: { name: { type: 'string' } } });
const start = values.name ? starters[values.name] : undefined;
if (!start) {
  console.error(`usage: main.js --name ${Object.keys(starters).join('|')}`);
  process.exit(2);
}
const server = await start();
console.log(`subgraph ${values.name} ready at ${server.url}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// Started by `npm start` with an IPC channel: if that parent dies, stop too.
process.on('disconnect', () => void shutdown());
