// `npm start`: builds (or reuses) the default dataset, starts the four simulated upstreams,
// the four subgraphs and the gateway as separate processes, waits until each answers,
// prints where to go and how much memory each process uses, and stops them all on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join } from 'node:path';
import { ensureDataset } from '../upstreams/index.js';
import { readUpstreamsConfig } from '../upstreams/config.js';
import { ensureKeys } from '../lib/auth/keys.js';
import { projectPath } from '../lib/project-files.js';

const distDir = dirname(dirname(fileURLToPath(import.meta.url)));

interface Service {
  name: string;
  script: string;
  args: string[];
  port: number;
  health: string;
  env?: Record<string, string>;
  child?: ChildProcess;
}

const upstreamPorts = { registry: 4101, idol: 4102, co: 4103, trio: 4104 } as const;
const subgraphPorts = { desks: 4001, workers: 4002, employers: 4003, training: 4004 } as const;

const services: Service[] = [
  ...Object.entries(upstreamPorts).map(([system, port]) => ({
    name: `upstream ${system}`,
    script: 'upstreams/main.js',
    args: ['--system', system, '--port', String(port)],
    port,
    health: `http://127.0.0.1:${port}/healthz`,
  })),
  ...Object.entries(subgraphPorts).map(([name, port]) => ({
    name: `subgraph ${name}`,
    script: 'subgraphs/main.js',
    args: ['--name', name],
    port,
    health: `http://127.0.0.1:${port}/healthz`,
  })),
  {
    name: 'gateway',
    script: 'gateway/main.js',
    args: [],
    port: 4000,
    health: 'http://127.0.0.1:4000/healthz',
  },
];

function rssMiB(pid: number | undefined): string {
  if (pid === undefined) return '?';
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MiB` : '?';
  } catch {
    return '?';
  }
}

async function waitHealthy(service: Service, deadline: number): Promise<void> {
  for (;;) {
    if (service.child?.exitCode !== null && service.child?.exitCode !== undefined) {
      throw new Error(`${service.name} exited with code ${service.child.exitCode}`);
    }
    try {
      const res = await fetch(service.health);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${service.name} did not become ready in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    const running = services.filter((s) => s.child && s.child.exitCode === null).reverse();
    await Promise.all(
      running.map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => s.child?.kill('SIGKILL'), 5000);
            s.child?.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            s.child?.kill('SIGTERM');
          }),
      ),
    );
  }
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const started = Date.now();
const config = readUpstreamsConfig(process.env);
console.log(`dataset: ${config.dataDir} (seed ${config.seed}, scale ${config.scale})`);
const datasetStarted = Date.now();
const manifest = await ensureDataset({
  dir: config.dataDir,
  seed: config.seed,
  scale: config.scale,
});
console.log(
  `dataset ready in ${((Date.now() - datasetStarted) / 1000).toFixed(1)} s: ` +
    Object.entries(manifest.counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', '),
);

// Development keys (token signing, gateway assertions): created once, kept in data/keys.
const keysDir = process.env.KEYS_DIR ?? 'data/keys';
await ensureKeys(isAbsolute(keysDir) ? keysDir : projectPath(keysDir));

try {
  // Upstreams first, then subgraphs, then the gateway: each layer needs the one below.
  for (const layer of [services.slice(0, 4), services.slice(4, 8), services.slice(8)]) {
    for (const service of layer) {
      service.child = spawn(process.execPath, [join(distDir, service.script), ...service.args], {
        // The IPC channel lets each child notice when this process dies, however it dies.
        // Their log records (stderr, lib/log.ts) share this terminal: warnings and errors only
        // unless LOG_LEVEL says otherwise, so that the summary below stays readable;
        // `LOG_LEVEL=info npm start` shows every request too.
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { LOG_LEVEL: 'warn', ...process.env, ...service.env },
      });
      service.child.once('exit', (code, signal) => {
        if (!stopping) {
          console.error(
            `${service.name} stopped unexpectedly (${signal ?? `code ${code}`}); stopping everything`,
          );
          void stopAll(1);
        }
      });
    }
    const deadline = Date.now() + 60_000;
    await Promise.all(layer.map((s) => waitHealthy(s, deadline)));
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}

console.log(`\nall services ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
for (const s of services) {
  console.log(
    `  ${s.name.padEnd(20)} http://localhost:${s.port}  pid ${s.child?.pid}  rss ${rssMiB(s.child?.pid)}`,
  );
}
console.log('\nGraphQL endpoint: http://localhost:4000/graphql   (Ctrl-C stops everything)');
console.log('IDE, in a browser: http://localhost:4000/');
