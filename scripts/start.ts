// `npm start`: builds (or reuses) the dataset, starts the four simulated upstreams, the four
// subgraphs and the gateway as separate processes, waits until each answers, prints where to go
// and how much memory each process uses, and stops them all on Ctrl-C.
//
// Every address comes from the configuration readers the processes themselves use, so that what
// this script waits on, prints and tells the others is where each process really listens:
// GATEWAY_PORT and HOST for the gateway; DESKS_PORT ... TRAINING_PORT and HOST for the subgraphs,
// and the gateway is pointed at them (SUBGRAPH_URL_<NAME>) unless it already is; each simulated
// upstream is started where its subgraph looks for it (REGISTRY_URL, IDOL_URL, CO_URL, TRIO_URL).
// The dataset is UPSTREAM_DATA_DIR (with DATASET_SEED and DATASET_SCALE), as for the upstreams.
//
// Built (`node dist/scripts/start.js`) it starts the built processes; from source
// (`node --import tsx scripts/start.ts`) it starts their sources the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join } from 'node:path';
import { ensureDataset } from '../upstreams/index.js';
import { readUpstreamsConfig } from '../upstreams/config.js';
import type { SystemName } from '../upstreams/types.js';
import { ensureKeys } from '../lib/auth/keys.js';
import { projectPath } from '../lib/project-files.js';
import type { Env } from '../lib/env.js';
import { readGatewayConfig, type GatewayConfig } from '../gateway/config.js';
import {
  readSupergraphFile,
  resolveSubgraphUrls,
  subgraphEnvName,
} from '../gateway/supergraph-file.js';
import { readDesksConfig } from '../subgraphs/desks/config.js';
import { readWorkersConfig } from '../subgraphs/workers/config.js';
import { readEmployersConfig } from '../subgraphs/employers/config.js';
import { readTrainingConfig } from '../subgraphs/training/config.js';
import type { SubgraphProcessConfig } from '../subgraphs/shared/config.js';

const ownFile = fileURLToPath(import.meta.url);
/** dist/ when built, the project root when run from source. */
const codeDir = dirname(dirname(ownFile));
const fromSource = ownFile.endsWith('.ts');

interface Service {
  name: string;
  /** The process's main module under codeDir, without its extension. */
  script: string;
  args: string[];
  /** Where it answers, no trailing slash: `/healthz` is waited on, the origin printed. */
  origin: string;
  /** Its port and the setting that gives it (to name it when two processes would share one). */
  port: number;
  portSetting: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  child?: ChildProcess;
}

/** The plan: every process, upstreams first, then subgraphs, then the gateway; and what to warn. */
interface Plan {
  services: Service[];
  warnings: string[];
}

/** A URL's host name without the brackets of an IPv6 address. */
const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/** How to reach a server listening on `host`: one listening on every interface, on loopback. */
function reachableHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Whether a URL's host name reaches a server listening on `listenHost` of this machine. */
function reachesHost(urlHost: string, listenHost: string): boolean {
  const h = bareHost(urlHost).toLowerCase();
  const l = listenHost.toLowerCase();
  if (h === l || l === '' || l === '0.0.0.0' || l === '::') return true;
  if (!isLoopback(h) || !isLoopback(l)) return false;
  return h === 'localhost' || l === 'localhost' || (h === '::1') === (l === '::1');
}

function urlPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Whether the gateway, asking a subgraph at `url`, reaches the one listening at `listen`. */
function reachesSubgraph(url: string, listen: SubgraphProcessConfig): boolean {
  const parsed = new URL(url);
  return (
    parsed.protocol === 'http:' &&
    urlPort(parsed) === listen.port &&
    (parsed.pathname === '/graphql' || parsed.pathname === '/') &&
    reachesHost(parsed.hostname, listen.host)
  );
}

/** A port this script can wait on: port 0 (any free port) cannot be known beforehand. */
function fixedPort(setting: string, port: number): number {
  if (port === 0) {
    throw new Error(
      `${setting}=0: npm start waits on each process's own port, so it needs a fixed one`,
    );
  }
  return port;
}

/**
 * Where a simulated upstream must listen for its subgraph to find it: the host and port of the
 * subgraph's `<SYSTEM>_URL`, which must be plain http without a path (the simulation serves
 * its API at the root).
 */
function upstreamListen(
  system: SystemName,
  setting: string,
  baseUrl: string,
): { host: string; port: number } {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' || url.pathname !== '/' || url.search !== '') {
    throw new Error(
      `${setting}=${baseUrl}: npm start runs the simulated ${system} there, which serves ` +
        'http://<host>:<port> without a path',
    );
  }
  return {
    host: bareHost(url.hostname),
    port: fixedPort(setting, urlPort(url)),
  };
}

/**
 * Reads the configuration as the processes will (the gateway's already read), and decides what
 * to start where.
 */
function planServices(env: Env, gateway: GatewayConfig): Plan {
  const warnings: string[] = [];
  const desks = readDesksConfig(env);
  const workers = readWorkersConfig(env);
  const employers = readEmployersConfig(env);
  const training = readTrainingConfig(env);
  // Each subgraph, the setting naming its port (`<NAME>_PORT`), and its upstream as its own
  // reader gives it (`<SYSTEM>_URL`).
  const subgraphs = (
    [
      ['desks', desks, 'registry', desks.registry.baseUrl],
      ['workers', workers, 'idol', workers.idol.baseUrl],
      ['employers', employers, 'co', employers.co.baseUrl],
      ['training', training, 'trio', training.trio.baseUrl],
    ] as const
  ).map(([name, listen, system, baseUrl]) => ({
    name,
    portSetting: `${name.toUpperCase()}_PORT`,
    listen,
    upstream: { system, setting: `${system.toUpperCase()}_URL`, baseUrl },
  }));

  const upstreamServices: Service[] = subgraphs.map(({ upstream }) => {
    const listen = upstreamListen(upstream.system, upstream.setting, upstream.baseUrl);
    return {
      name: `upstream ${upstream.system}`,
      script: 'upstreams/main',
      args: ['--system', upstream.system, '--port', String(listen.port), '--host', listen.host],
      origin: upstream.baseUrl,
      port: listen.port,
      portSetting: upstream.setting,
    };
  });

  const subgraphServices: Service[] = subgraphs.map(({ name, portSetting, listen }) => ({
    name: `subgraph ${name}`,
    script: 'subgraphs/main',
    args: ['--name', name],
    origin: `http://${reachableHost(listen.host)}:${fixedPort(portSetting, listen.port)}`,
    port: listen.port,
    portSetting,
  }));

  // Where the gateway would ask each subgraph (SUBGRAPH_URL_<NAME>, else the supergraph's own
  // URLs, as the gateway resolves them); where that is not the subgraph started here, it is
  // told where the subgraph is, unless its URL was configured on purpose.
  const supergraph = readSupergraphFile(gateway.supergraphPath);
  const asked = resolveSubgraphUrls(supergraph, gateway.subgraphUrls, gateway.supergraphPath);
  const gatewayEnv: Record<string, string> = {};
  subgraphs.forEach(({ name, portSetting, listen }, i) => {
    const url = asked[name];
    const started = `${subgraphServices[i]?.origin}/graphql`;
    if (url === undefined || reachesSubgraph(url, listen)) return;
    const envName = subgraphEnvName(name);
    if (gateway.subgraphUrls[envName] !== undefined) {
      warnings.push(
        `the gateway asks the ${name} subgraph at ${url} ` +
          `(SUBGRAPH_URL_${envName} or ${envName}_SUBGRAPH_URL), ` +
          `not where npm start runs it (${started}, ${portSetting} and HOST)`,
      );
      return;
    }
    gatewayEnv[`SUBGRAPH_URL_${envName}`] = started;
  });
  const gatewayService: Service = {
    name: 'gateway',
    script: 'gateway/main',
    args: [],
    origin: `http://${reachableHost(gateway.host)}:${fixedPort('GATEWAY_PORT', gateway.port)}`,
    port: gateway.port,
    portSetting: 'GATEWAY_PORT',
    env: gatewayEnv,
  };

  const services = [...upstreamServices, ...subgraphServices, gatewayService];
  const byPort = new Map<number, Service>();
  for (const service of services) {
    const other = byPort.get(service.port);
    if (other) {
      throw new Error(
        `${other.portSetting} and ${service.portSetting} both give port ${service.port}: ` +
          `npm start cannot run the ${other.name} and the ${service.name} on the same port`,
      );
    }
    byPort.set(service.port, service);
  }
  return { services, warnings };
}

/** An address as people type it: `localhost` for the loopback address every server defaults to. */
function shown(url: string): string {
  return url.replace('//127.0.0.1:', '//localhost:');
}

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

function hasExited(child: ChildProcess | undefined): boolean {
  return child !== undefined && (child.exitCode !== null || child.signalCode !== null);
}

async function waitHealthy(service: Service, deadline: number): Promise<void> {
  const health = `${service.origin}/healthz`;
  for (;;) {
    if (hasExited(service.child)) {
      throw new Error(
        `${service.name} exited (${service.child?.signalCode ?? `code ${service.child?.exitCode}`})`,
      );
    }
    try {
      const res = await fetch(health, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${service.name} did not answer ${health} in time`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

let services: Service[] = [];
let stopping = false;
let stopped: Promise<void> | null = null;
/** Stops every child (SIGTERM, SIGKILL after 5 s), then exits with the first caller's code. */
function stopAll(code: number): Promise<never> {
  stopping = true;
  stopped ??= Promise.all(
    services
      .filter((s) => s.child && !hasExited(s.child))
      .reverse()
      .map(
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
  ).then(() => undefined);
  return stopped.then(() => process.exit(code));
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const started = Date.now();
try {
  const config = readUpstreamsConfig(process.env);
  // Development keys (token signing, gateway assertions, pseudonym secret): created once, in
  // KEYS_DIR as the gateway reads it; before the plan, which reads the workers' pseudonym key.
  const gateway = readGatewayConfig(process.env);
  const keysDir = gateway.auth.keysDir;
  await ensureKeys(isAbsolute(keysDir) ? keysDir : projectPath(keysDir));
  const plan = planServices(process.env, gateway);
  services = plan.services;
  for (const warning of plan.warnings) console.warn(`warning: ${warning}`);

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
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}

try {
  // Upstreams first, then subgraphs, then the gateway: each layer needs the one below.
  for (const layer of [services.slice(0, 4), services.slice(4, 8), services.slice(8)]) {
    if (stopping) break;
    for (const service of layer) {
      const script = join(codeDir, `${service.script}.${fromSource ? 'ts' : 'js'}`);
      const loader = fromSource ? ['--import', 'tsx'] : [];
      service.child = spawn(process.execPath, [...loader, script, ...service.args], {
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
  if (!stopping) console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}

if (!stopping) {
  const gatewayOrigin = services.at(-1)?.origin ?? '';
  console.log(`\nall services ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const s of services) {
    console.log(
      `  ${s.name.padEnd(20)} ${shown(s.origin)}  pid ${s.child?.pid}  rss ${rssMiB(s.child?.pid)}`,
    );
  }
  console.log(`\nGraphQL endpoint: ${shown(gatewayOrigin)}/graphql   (Ctrl-C stops everything)`);
  console.log(`IDE, in a browser: ${shown(gatewayOrigin)}/`);
}
