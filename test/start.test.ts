// `npm start` (scripts/start.ts, run from source) with every port moved off its default: it
// waits on and prints the addresses the processes really listen on, the gateway finds the
// subgraphs and the subgraphs their upstreams there, and Ctrl-C (SIGINT) stops every process
// and frees every port. On the small test dataset (UPSTREAM_DATA_DIR), with keys and audit log
// of its own, so that nothing of data/ is touched.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../lib/free-port.js';
import { projectRoot } from '../lib/project-files.js';
import { TEST_SCALE, TEST_SEED } from './global-setup.js';
import { graphql } from './stack.js';

const SERVICES = [
  'upstream registry',
  'upstream idol',
  'upstream co',
  'upstream trio',
  'subgraph desks',
  'subgraph workers',
  'subgraph employers',
  'subgraph training',
  'gateway',
] as const;
type ServiceName = (typeof SERVICES)[number];

let workDir: string;
let start: ChildProcess;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let output = '';
const ports = {} as Record<ServiceName, number>;
/** Each process as the script printed it once everything was ready. */
const printed = new Map<string, { port: number; pid: number }>();

/** Nine different free ports (freePort may, rarely, give one twice). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const found = new Set<number>();
  while (found.size < count) found.add(await freePort());
  return [...found];
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether a server can listen on 127.0.0.1:port again. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'prato-graph-start-'));
  const free = await distinctFreePorts(SERVICES.length);
  SERVICES.forEach((name, i) => (ports[name] = free[i] as number));
  const upstreamUrl = (system: string) =>
    `http://127.0.0.1:${ports[`upstream ${system}` as ServiceName]}`;
  start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: projectRoot(),
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      UPSTREAM_DATA_DIR: inject('dataDir'),
      DATASET_SEED: String(TEST_SEED),
      DATASET_SCALE: String(TEST_SCALE),
      KEYS_DIR: join(workDir, 'keys'),
      AUDIT_LOG_PATH: join(workDir, 'audit', 'workers-audit.jsonl'),
      GATEWAY_PORT: String(ports.gateway),
      DESKS_PORT: String(ports['subgraph desks']),
      WORKERS_PORT: String(ports['subgraph workers']),
      EMPLOYERS_PORT: String(ports['subgraph employers']),
      TRAINING_PORT: String(ports['subgraph training']),
      REGISTRY_URL: upstreamUrl('registry'),
      IDOL_URL: upstreamUrl('idol'),
      CO_URL: upstreamUrl('co'),
      TRIO_URL: upstreamUrl('trio'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) =>
    start.once('exit', (code, signal) => resolve({ code, signal })),
  );
  start.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  start.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => {
      const check = setInterval(() => {
        if (!output.includes('GraphQL endpoint')) return;
        clearInterval(check);
        resolve(true);
      }, 50);
      void exited.then(() => clearInterval(check));
    }),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 45_000)),
  ]);
  if (!ready) throw new Error(`npm start did not become ready:\n${output.slice(-3000)}`);
  for (const m of output.matchAll(/^ {2}(\S+(?: \S+)?)\s+http:\/\/localhost:(\d+)\s+pid (\d+)/gm)) {
    printed.set(m[1] as string, { port: Number(m[2]), pid: Number(m[3]) });
  }
}, 50_000);

afterAll(async () => {
  // Only if a check failed half-way: what this file started, by pid.
  if (start && start.exitCode === null && start.signalCode === null) {
    start.kill('SIGKILL');
    await exited;
  }
  for (const { pid } of printed.values()) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('npm start with every port configured', () => {
  it('waits on and prints the configured address of every process', () => {
    expect([...printed.keys()].sort()).toEqual([...SERVICES].sort());
    for (const name of SERVICES) expect(printed.get(name)?.port, name).toBe(ports[name]);
    expect(output).toContain(`GraphQL endpoint: http://localhost:${ports.gateway}/graphql`);
  });

  it('serves the graph on the gateway port, through the subgraphs and upstreams on theirs', async () => {
    const gateway = `http://127.0.0.1:${ports.gateway}/graphql`;
    const desks = await graphql<{ desks: { id: string }[] }>(gateway, '{ desks { id } }');
    expect(desks.errors).toBeUndefined();
    expect(desks.status).toBe(200);
    expect(desks.data?.desks.map((d) => d.id)).toContain('PO-NORD');

    // One field of each subgraph, each from its own upstream: all four found where configured.
    const all = await graphql<Record<string, unknown[] | { edges: unknown[] }>>(
      gateway,
      `
        {
          desks {
            id
          }
          employers(first: 1) {
            edges {
              node {
                id
              }
            }
          }
          courseAreas {
            code
          }
          registrationStats(from: "2011-01-01", to: "2011-12-31", groupBy: [MONTH]) {
            month
          }
        }
      `,
    );
    expect(all.errors).toBeUndefined();
    expect(all.data?.desks).not.toHaveLength(0);
    expect((all.data?.employers as { edges: unknown[] }).edges).toHaveLength(1);
    expect(all.data?.courseAreas).not.toHaveLength(0);
    expect(all.data?.registrationStats).toHaveLength(12);
  });

  it('stops every process on SIGINT and frees every port', async () => {
    start.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    for (const [name, { pid }] of printed)
      expect(isRunning(pid), `${name} (pid ${pid})`).toBe(false);
    for (const name of SERVICES) {
      expect(await canListen(ports[name]), `${name} port ${ports[name]}`).toBe(true);
    }
  });
});
