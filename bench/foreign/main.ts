// One subgraph of the foreign benchmark as its own process, as the public benchmark runs them:
// `node dist/bench/foreign/main.js <accounts|inventory|products|reviews> [port]`. Prints its URL
// when listening. Started by bench/foreign/run.ts with an IPC channel, over which it takes
// `{ type: 'foreign-delay', ms }` (every GraphQL request then waits that long before it is
// executed, the benchmark's SUBGRAPH_DELAY_MS) and answers with the same message once applied.
import { createForeignSubgraph, FOREIGN_SUBGRAPHS, type ForeignSubgraphName } from './subgraphs.js';

export interface DelayMessage {
  type: 'foreign-delay';
  ms: number;
}

const [name, port] = process.argv.slice(2);
if (!(FOREIGN_SUBGRAPHS as readonly string[]).includes(name ?? '')) {
  throw new Error(`usage: main.js <${FOREIGN_SUBGRAPHS.join('|')}> [port]`);
}
const subgraph = await createForeignSubgraph(name as ForeignSubgraphName, {
  port: Number(port ?? 0),
  delayMs: Number(process.env.SUBGRAPH_DELAY_MS ?? 0),
});
console.log(`foreign subgraph ${subgraph.name} ready at ${subgraph.url}`);

process.on('message', (message: unknown) => {
  const delay = message as DelayMessage | null;
  if (delay?.type !== 'foreign-delay' || !(delay.ms >= 0)) return;
  subgraph.setDelay(delay.ms);
  process.send?.({ type: 'foreign-delay', ms: delay.ms } satisfies DelayMessage);
});

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await subgraph.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.on('disconnect', () => void shutdown());
