// Tests that need a simulated upstream as its own process (to kill it, or send it SIGTERM):
// `node --import tsx upstreams/main.ts` on a given data folder, resolved once it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../lib/project-files.js';
import type { SystemName } from './types.js';

export interface LaunchedUpstream {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts one upstream process on `dir` (a dataset folder) with `env` added. */
export function launchUpstream(
  system: SystemName,
  dir: string,
  env: Record<string, string>,
): Promise<LaunchedUpstream> {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    seed: number;
    scale: number;
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'upstreams/main.ts', '--system', system, '--port', '0'],
    {
      cwd: projectRoot(),
      env: {
        PATH: process.env.PATH ?? '',
        UPSTREAM_DATA_DIR: dir,
        DATASET_SEED: String(manifest.seed),
        DATASET_SCALE: String(manifest.scale),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /listening on (http:\/\/\S+)/.exec(output);
      if (ready) resolve({ child, url: ready[1]!, exited });
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) =>
      reject(
        new Error(`${system} exited before ready (${code ?? signal}): ${output.slice(0, 500)}`),
      ),
    );
  });
}
