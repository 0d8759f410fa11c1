// Runs one subgraph as its own process: `node dist/subgraphs/main.js --name employers`.
import { parseArgs } from 'node:util';
import type { RunningHttpServer } from '../lib/graphql-http.js';
import { readDesksConfig } from './desks/config.js';
import { createDesksSubgraph } from './desks/index.js';
import { readEmployersConfig } from './employers/config.js';
import { createEmployersSubgraph } from './employers/index.js';
import { readTrainingConfig } from './training/config.js';
import { createTrainingSubgraph } from './training/index.js';
import { readWorkersConfig } from './workers/config.js';
import { createWorkersSubgraph } from './workers/index.js';

const starters: Record<string, () => Promise<RunningHttpServer>> = {
  desks: () => createDesksSubgraph(readDesksConfig(process.env)),
  workers: () => createWorkersSubgraph(readWorkersConfig(process.env)),
  employers: () => createEmployersSubgraph(readEmployersConfig(process.env)),
  training: () => createTrainingSubgraph(readTrainingConfig(process.env)),
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
