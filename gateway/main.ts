// Runs the gateway as its own process on its configured port.
import { createLogger } from '../lib/log.js';
import { tracingFromConfig } from '../lib/telemetry.js';
import { readGatewayConfig } from './config.js';
import { createGateway, loadGatewaySecurity } from './index.js';

const config = readGatewayConfig(process.env);
const logger = createLogger({ name: 'gateway', ...config.log });
// Null (no traces, no cost) unless an OTLP endpoint is configured.
const tracing = tracingFromConfig(config.telemetry, 'gateway');
const gateway = await createGateway(
  { ...config, logger, tracing },
  await loadGatewaySecurity(config.auth),
);
// A human line, not a log record: `npm run bench` and the tests read the URL from it.
console.log(`gateway ready at ${gateway.url.replace('127.0.0.1', 'localhost')}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway.stop();
  // The spans of the last requests, still batched, go out before the process ends.
  await tracing?.shutdown();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// Started by `npm start` with an IPC channel: if that parent dies, stop too.
process.on('disconnect', () => void shutdown());
