/**
 * createUpstream: one simulated system over HTTP, reading its SQLite file in the
 * dataset folder. No side effects until called.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RateLimiter, startHttpServer, type Credential, type Route } from './http.js';
import { coRoutes } from './systems/co.js';
import { idolRoutes } from './systems/idol.js';
import { registryRoutes } from './systems/registry.js';
import { trioRoutes } from './systems/trio.js';
import { SYSTEMS, type RunningUpstream, type SystemName, type UpstreamOptions } from './types.js';

const ROUTES: Readonly<Record<SystemName, (db: Database.Database) => Route[]>> = {
  registry: registryRoutes,
  idol: idolRoutes,
  co: coRoutes,
  trio: trioRoutes,
};

function checkOptions(opts: UpstreamOptions): void {
  if (!SYSTEMS.includes(opts.system)) throw new RangeError(`unknown system ${String(opts.system)}`);
  if (typeof opts.dataDir !== 'string' || opts.dataDir.length === 0) {
    throw new RangeError(
      `${opts.system}: dataDir must be a non-empty string, got ${String(opts.dataDir)}`,
    );
  }
  if (typeof opts.credential !== 'string' || opts.credential.length === 0) {
    throw new RangeError(`${opts.system}: credential must be a non-empty string`);
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`${opts.system}: invalid port ${port}`);
  const latency = opts.latencyMs ?? 0;
  if (!Number.isInteger(latency) || latency < 0 || latency > 60_000) {
    throw new RangeError(
      `${opts.system}: latencyMs must be an integer in [0, 60000], got ${latency}`,
    );
  }
  const quota = opts.quotaPerSecond ?? 1000;
  if (!Number.isInteger(quota) || quota < 1) {
    throw new RangeError(`${opts.system}: quotaPerSecond must be a positive integer, got ${quota}`);
  }
  if (opts.now !== undefined && opts.today !== undefined) {
    throw new RangeError(`${opts.system}: give now or today, not both`);
  }
}

/** The server's clock: `now`, or `today` at 00:00 UTC, or the real one. */
function clockOf(opts: UpstreamOptions): (() => Date) | undefined {
  const { now, today } = opts;
  if (now) return now;
  if (!today) return undefined;
  return () => {
    const day = today();
    const at = new Date(`${day}T00:00:00.000Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(at.getTime())) {
      throw new RangeError(`${opts.system}: today() must answer YYYY-MM-DD`);
    }
    return at;
  };
}

export async function createUpstream(opts: UpstreamOptions): Promise<RunningUpstream> {
  checkOptions(opts);
  const file = join(opts.dataDir, `${opts.system}.sqlite`);
  if (!existsSync(file)) {
    throw new Error(
      `${opts.system}: ${file} not found (generate the dataset first: ensureDataset)`,
    );
  }
  const db = new Database(file, { fileMustExist: true });
  let routes: Route[];
  try {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL writes each commit to the WAL before the write returns (only the
    // fsync waits for a checkpoint): a commit survives the process being killed, not a
    // power cut, which is enough for a simulator (API.md "Storage").
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536');
    db.pragma('mmap_size = 268435456');
    routes = ROUTES[opts.system](db);
  } catch (err) {
    db.close();
    throw err;
  }
  const credential: Credential =
    opts.system === 'trio'
      ? { kind: 'bearer', value: opts.credential }
      : { kind: 'api-key', value: opts.credential };
  try {
    const http = await startHttpServer(
      {
        system: opts.system,
        routes,
        credential,
        latencyMs: opts.latencyMs ?? 0,
        ...(opts.system === 'co' ? { quota: new RateLimiter(opts.quotaPerSecond ?? 1000) } : {}),
        onClose: () => db.close(),
        now: clockOf(opts),
        ...(opts.logger ? { logger: opts.logger } : {}),
      },
      opts.host ?? '127.0.0.1',
      opts.port ?? 0,
    );
    return { system: opts.system, url: http.url, stop: () => http.stop() };
  } catch (err) {
    db.close();
    throw err;
  }
}
