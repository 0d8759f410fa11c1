// A real redis-server for tests that share state between gateways: started on a free port in
// a temporary folder, with persistence off, and stopped (folder removed) afterwards. Debian's
// redis-server is at /usr/bin/redis-server (REDIS_SERVER_PATH names another).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib/free-port.js';

export const REDIS_SERVER_PATH = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

export interface RunningRedis {
  /** `redis://127.0.0.1:<port>`, for REDIS_URL. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then waits for it to exit); the port is free again after. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts redis-server and resolves once it accepts connections. `port` restarts a server on
 * the port a stopped one used (the gateways' REDIS_URL stays valid).
 */
export async function startRedis(options: { port?: number } = {}): Promise<RunningRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'prato-graph-redis-'));
  const child = spawn(
    REDIS_SERVER_PATH,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Ready to accept connections')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (err) =>
        reject(new Error(`cannot run ${REDIS_SERVER_PATH}: ${err.message}`)),
      );
      child.once('exit', (code) =>
        reject(
          new Error(`redis-server exited with ${String(code)} before it was ready:\n${output}`),
        ),
      );
    });
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  // Drained so that a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  let stopped: Promise<void> | null = null;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop() {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        await exited(child);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
