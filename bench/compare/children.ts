// The child processes of a side-by-side benchmark (bench/compare.ts, bench/foreign/run.ts):
// each started with an IPC channel (so that it stops if the benchmark dies, however it dies),
// its output kept (the last lines for the message if it fails; all of it with --logs), and all
// of them stopped together.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../lib/free-port.js';
import { listeningUrl, stopChildren } from '../backends.js';
import { hiveGatewayArgs } from '../hive-cli.js';
import type { CountQuery, CountReply } from './count-requests.js';
import type { ClientMessage, ClientReply } from './load-client.js';

/** A numeric command-line option within [min, max], or an error naming it. */
export function numberOption(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!(n >= min && n <= max)) throw new Error(`--${name} must be in [${min}, ${max}], got ${raw}`);
  return n;
}

/** The options every comparison run takes (its own go beside them in its parseArgs). */
export const LOAD_RUN_OPTIONS = {
  seconds: { type: 'string', default: '5' },
  warmup: { type: 'string', default: '2' },
  concurrency: { type: 'string', default: '16' },
  latencies: { type: 'string', default: '0,20' },
  'max-requests': { type: 'string', default: '200000' },
  json: { type: 'string' },
  logs: { type: 'string' },
} as const;

export interface LoadRunSettings {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  maxRequests: number;
  /** Upstream (or subgraph) latencies to measure at, in milliseconds. */
  latencies: number[];
}

/** LOAD_RUN_OPTIONS' values checked, the measured and warm-up seconds at most the given bounds. */
export function loadRunSettings(
  values: {
    seconds: string;
    warmup: string;
    concurrency: string;
    latencies: string;
    'max-requests': string;
  },
  bounds: { maxSeconds: number; maxWarmupSeconds: number },
): LoadRunSettings {
  const concurrency = Math.round(numberOption('concurrency', values.concurrency, 1, 256));
  return {
    seconds: numberOption('seconds', values.seconds, 1, bounds.maxSeconds),
    warmupSeconds: numberOption('warmup', values.warmup, 0, bounds.maxWarmupSeconds),
    concurrency,
    maxRequests: Math.round(numberOption('max-requests', values['max-requests'], concurrency, 1e7)),
    latencies: values.latencies
      .split(',')
      .map((l) => Math.round(numberOption('latencies', l, 0, 1000))),
  };
}

export interface Started {
  child: ChildProcess;
  /** The last lines it wrote, for the message if it fails. */
  tail: () => string;
}

export interface Children {
  /** Every child started, for the caller's own forks too. */
  readonly list: ChildProcess[];
  /** Starts `node <args>`; `onLine` hears each whole line it writes. */
  start: (
    name: string,
    args: string[],
    env: Record<string, string>,
    onLine?: (line: string) => void,
  ) => Started;
  /** Starts a service and resolves with the URL it prints once listening. */
  startService: (
    name: string,
    args: string[],
    env: Record<string, string>,
  ) => Promise<Started & { url: string }>;
  /**
   * Starts a stock gateway serving `supergraphPath`: Apollo's (apollo-stock.ts) or Hive's CLI
   * (hive.config.ts; `hive-nodedupe` with its deduplication off), given the assertions and
   * subgraph URLs in `env` (BENCH_*). Hive says it listens in its own words: the caller waits
   * until it answers (waitUntilServing).
   */
  startStockGateway: (
    name: string,
    variant: 'apollo' | 'hive' | 'hive-nodedupe',
    supergraphPath: string,
    env: Record<string, string>,
    /** Node's own options before the script (a CPU profile). */
    nodeArgs?: string[],
  ) => Promise<Started & { url: string }>;
  /** Stops every child (SIGTERM, then SIGKILL); their exits are no longer reported. */
  stopAll: () => Promise<void>;
}

/** bench/compare/, where the stock gateways' scripts are. */
const compareDir = dirname(fileURLToPath(import.meta.url));

export function benchChildren(options: {
  /** Each child's whole output goes to `<logsDir>/<name>.log`. */
  logsDir?: string | undefined;
  log: (line: string) => void;
}): Children {
  const list: ChildProcess[] = [];
  let stopping = false;
  if (options.logsDir) mkdirSync(options.logsDir, { recursive: true });
  const start: Children['start'] = (name, args, env, onLine) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    });
    list.push(child);
    let tail = '';
    let pending = '';
    const file = options.logsDir
      ? join(options.logsDir, `${name.replace(/[^\w.-]+/g, '-')}.log`)
      : null;
    const keep = (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      if (file) appendFileSync(file, chunk);
      if (!onLine) return;
      // Whole lines only: a chunk may end in the middle of one.
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);
    child.once('exit', (code, signal) => {
      if (!stopping) options.log(`${name} exited (${code ?? signal}); its last output:\n${tail}`);
    });
    return { child, tail: () => tail };
  };
  const startService: Children['startService'] = (name, args, env) =>
    new Promise((resolve, reject) => {
      let started: Started | undefined = undefined;
      let resolved = false;
      started = start(name, args, env, (line) => {
        const url = listeningUrl(line);
        if (url && started && !resolved) {
          resolved = true;
          resolve({ ...started, url });
        }
      });
      started.child.once('exit', (code, signal) =>
        reject(new Error(`${name} exited with code ${code ?? signal}`)),
      );
    });
  return {
    list,
    start,
    startService,
    async startStockGateway(name, variant, supergraphPath, env, nodeArgs = []) {
      if (variant === 'apollo') {
        return startService(name, [...nodeArgs, join(compareDir, 'apollo-stock.js')], {
          ...env,
          BENCH_PORT: '0',
        });
      }
      const port = await freePort();
      const hive = start(
        name,
        [...nodeArgs, ...hiveGatewayArgs(supergraphPath, join(compareDir, 'hive.config.js'), port)],
        { ...env, ...(variant === 'hive-nodedupe' ? { BENCH_HIVE_DEDUPE: 'off' } : {}) },
      );
      return { ...hive, url: `http://127.0.0.1:${port}/graphql` };
    },
    async stopAll() {
      stopping = true;
      await stopChildren(list);
    },
  };
}

/** Waits until a GraphQL endpoint answers `{ __typename }` with 200 (at most 60 s). */
export async function waitUntilServing(name: string, url: string): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${name} did not answer { __typename } within 60 s`);
    await sleep(250);
  }
}

/** Sends `message` to a child and waits (at most 10 s) for its reply of the same type. */
export function askChild<R extends { type: string }>(
  child: ChildProcess,
  message: { type: string } & Record<string, unknown>,
): Promise<R> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${message.type}`)), 10_000);
    const onMessage = (reply: R) => {
      if (reply?.type !== message.type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/**
 * The GraphQL requests a subgraph served, from the counter preloaded into it
 * (count-requests.ts), zeroed after reading when `reset`.
 */
export async function subgraphCount(child: ChildProcess, reset: boolean): Promise<number> {
  const reply = await askChild<CountReply>(child, {
    type: 'bench-count',
    reset,
  } satisfies CountQuery);
  return reply.requests;
}

/**
 * Forks the load generator (load-client.ts) into `children`: `ask` sends one request and waits
 * for its reply, one at a time over its IPC channel; `exit` lets it go.
 */
export function loadClient(children: Children): {
  ask: (message: Exclude<ClientMessage, { type: 'exit' }>) => Promise<ClientReply>;
  exit: () => void;
} {
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'load-client.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.list.push(child);
  let pending: { resolve: (reply: ClientReply) => void; reject: (err: Error) => void } | null =
    null;
  child.on('message', (reply: ClientReply) => {
    const p = pending;
    pending = null;
    if (reply.type === 'error') p?.reject(new Error(`load generator: ${reply.message}`));
    else p?.resolve(reply);
  });
  child.once('exit', (code) =>
    pending?.reject(new Error(`load generator exited with code ${code}`)),
  );
  return {
    ask: (message) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(message);
      }),
    exit: () => child.send({ type: 'exit' } satisfies ClientMessage),
  };
}
