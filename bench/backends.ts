// What every benchmark starts the same way: the four simulated upstreams and the four
// subgraphs as child processes (as `npm start` runs them), each stopping with this process
// (IPC channel), and their orderly stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const SYSTEMS = ['registry', 'idol', 'co', 'trio'] as const;
export const SUBGRAPHS = ['desks', 'workers', 'employers', 'training'] as const;
export type System = (typeof SYSTEMS)[number];
export type SubgraphName = (typeof SUBGRAPHS)[number];

/** Starts `node <argv>` and resolves once it has printed the URL it listens on. */
export type StartService<T extends { url: string }> = (
  name: string,
  argv: string[],
  env: Record<string, string>,
) => Promise<T>;

/** The URL a service prints when it listens, from a whole line of its output. */
export function listeningUrl(line: string): string | undefined {
  return /(http:\/\/[\w.:[\]]+(\/graphql)?)/.exec(line)?.[1]?.replace('localhost', '127.0.0.1');
}

/**
 * A StartService that keeps each child in `children` and passes its stderr through; it
 * resolves with the URL and the child's pid.
 */
export function spawnService(children: ChildProcess[]): StartService<{ url: string; pid: number }> {
  return (name, argv, env) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, argv, {
        // The IPC channel makes each child stop if this process dies, however it dies.
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        env: { ...process.env, ...env },
      });
      children.push(child);
      let output = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        output += chunk;
        // Whole lines only: a chunk may end in the middle of the URL.
        const lines = output.split('\n').slice(0, -1);
        const url = lines.map(listeningUrl).find((u) => u !== undefined);
        if (url && child.pid !== undefined) resolve({ url, pid: child.pid });
      });
      child.once('exit', (code) => reject(new Error(`${name} exited with code ${code}`)));
    });
}

export interface BackendOptions<T extends { url: string }> {
  start: StartService<T>;
  /** The built tree (`dist/`). */
  distDir: string;
  dataDir: string;
  seed: string;
  scale: string;
  keysDir: string;
  auditLogPath: string;
  /** Node options put before each subgraph's script (e.g. `--import` of a counter). */
  subgraphNodeArgs?: string[];
}

function byName<N extends string, T>(names: readonly N[], values: readonly T[]): Record<N, T> {
  const out = {} as Record<N, T>;
  names.forEach((name, i) => {
    out[name] = values[i] as T;
  });
  return out;
}

/** Starts the upstreams, then the subgraphs pointed at them, all on free ports. */
export async function startBackends<T extends { url: string }>(
  options: BackendOptions<T>,
): Promise<{ upstreams: Record<System, T>; subgraphs: Record<SubgraphName, T> }> {
  // The upstreams and subgraphs serve every gateway alike and are not what is measured: their
  // access records (LOG_LEVEL info) would only fill the terminal. Warnings and errors still show.
  const quiet = { LOG_LEVEL: process.env.BENCH_BACKEND_LOG_LEVEL ?? 'warn' };
  const upstreamEnv = {
    ...quiet,
    UPSTREAM_DATA_DIR: options.dataDir,
    DATASET_SEED: options.seed,
    DATASET_SCALE: options.scale,
  };
  const upstreamList = await Promise.all(
    SYSTEMS.map((system) =>
      options.start(
        `upstream ${system}`,
        [join(options.distDir, 'upstreams/main.js'), '--system', system, '--port', '0'],
        upstreamEnv,
      ),
    ),
  );
  const upstreams = byName(SYSTEMS, upstreamList);
  const subgraphEnv: Record<string, string> = {
    ...quiet,
    KEYS_DIR: options.keysDir,
    AUDIT_LOG_PATH: options.auditLogPath,
    ...Object.fromEntries(SUBGRAPHS.map((name) => [`${name.toUpperCase()}_PORT`, '0'])),
    ...Object.fromEntries(
      SYSTEMS.map((system) => [`${system.toUpperCase()}_URL`, upstreams[system].url]),
    ),
  };
  const subgraphList = await Promise.all(
    SUBGRAPHS.map((name) =>
      options.start(
        `subgraph ${name}`,
        [
          ...(options.subgraphNodeArgs ?? []),
          join(options.distDir, 'subgraphs/main.js'),
          '--name',
          name,
        ],
        subgraphEnv,
      ),
    ),
  );
  const subgraphs = byName(SUBGRAPHS, subgraphList);
  return { upstreams, subgraphs };
}

/** Stops every child still running: SIGTERM, then SIGKILL after 5 s. */
export async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
  );
}

/** The requests an upstream served since its counters were last zeroed (`/_admin/stats`). */
export async function upstreamTotal(url: string): Promise<number> {
  const body = (await (await fetch(`${url}/_admin/stats`)).json()) as { totale: number };
  return body.totale;
}

/** Zeroes the upstreams' request counters. */
export async function resetUpstreamStats(urls: readonly string[]): Promise<void> {
  await Promise.all(urls.map((url) => fetch(`${url}/_admin/stats`, { method: 'DELETE' })));
}
