/**
 * `node dist/upstreams/main.js --system co [--port 4103] [--host 127.0.0.1]`: one
 * simulated upstream on a fixed port (default 4101-4104), over the dataset named by
 * the environment (built first if missing). Stops cleanly on SIGTERM / SIGINT.
 */
import { parseArgs } from 'node:util';
import { createLogger, loggedError } from '../lib/log.js';
import { loadUpstreamsConfig, loadUpstreamsLogConfig } from './config.js';
import { ensureDataset } from './dataset/index.js';
import { createUpstream } from './server.js';
import { DEFAULT_PORTS, SYSTEMS, type SystemName } from './types.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      system: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
    },
  });
  const system = values.system as SystemName | undefined;
  if (system === undefined || !SYSTEMS.includes(system)) {
    throw new Error(`--system must be one of ${SYSTEMS.join(', ')}, got ${String(values.system)}`);
  }
  const port = values.port === undefined ? DEFAULT_PORTS[system] : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: invalid port ${values.port}`);
  const config = loadUpstreamsConfig();
  await ensureDataset({ dir: config.dataDir, seed: config.seed, scale: config.scale });
  const today = config.today;
  const logger = createLogger({ name: `upstream-${system}`, ...loadUpstreamsLogConfig() });
  const upstream = await createUpstream({
    system,
    dataDir: config.dataDir,
    credential: config.credentials[system],
    port,
    host: values.host ?? '127.0.0.1',
    latencyMs: config.latencyMs,
    ...(today !== undefined ? { today: () => today } : {}),
    logger,
  });
  // A human line, not a log record: `npm run bench` and the tests read the URL from it.
  console.log(`upstream ${system} listening on ${upstream.url} (data ${config.dataDir})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    upstream.stop().then(
      () => {
        console.log(`upstream ${system} stopped (${signal})`);
        // Exit explicitly: an IPC channel from `npm start` would keep the process alive.
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: loggedError(err) }, 'upstream failed to stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Started by `npm start` with an IPC channel: if that parent dies, stop too.
  process.once('disconnect', () => stop('parent gone'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
