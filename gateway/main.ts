// Runs the gateway as its own process on its configured port.
import { readGatewayConfig } from './config.js';
import { createGateway, loadGatewaySecurity } from './index.js';

const config = readGatewayConfig(process.env);
const gateway = await createGateway(config, await loadGatewaySecurity(config.auth));
console.log(`gateway ready at ${gateway.url.replace('127.0.0.1', 'localhost')}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// Started by `npm start` with an IPC channel: if that parent dies, stop too.
process.on('disconnect', () => void shutdown());
