// Does a valid query still answer while 20 maximal-size hostile documents arrive at once, and
// how long do they hold up the gateway's event loop? Runs the gateway in this process, with
// perf_hooks' event-loop delay histogram on it; the upstreams and subgraphs run as child
// processes (as `npm start` runs them) and the load generator (bench/hostile-client.ts) in
// another, so that what is measured is the gateway's own work. Phases, one after the other:
//
//   idle           nothing is sent
//   probe only     the valid query (an operator's worker read, with token and purpose) in a loop
//   valid load     the probe, plus N closed loops sending the same valid query
//   hostile load   the probe, plus N closed loops sending hostile documents (bench/hostile-documents.ts)
//   hostile only   the N hostile loops alone, to count the upstream requests they cause (must be 0)
//
// Loopback only, a temporary dataset, keys and audit log, every phase bounded in time, and a
// watchdog that stops everything if the whole run overstays.
// With --per-kind, one more "hostile only" phase per kind of document, to see which cost what.
// Usage: npm run build && node --expose-gc dist/bench/hostile.js [--seconds 5] [--concurrency 20]
//        [--scale 0.01] [--per-kind]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER } from '../gateway/config.js';
import { mintDevToken } from '../lib/auth/dev-tokens.js';
import { ensureKeys, keyFiles, loadPrivateKey } from '../lib/auth/keys.js';
import type { RunningHttpServer } from '../lib/graphql-http.js';
import { ensureDataset } from '../upstreams/index.js';
import {
  resetUpstreamStats,
  SYSTEMS,
  spawnService,
  startBackends,
  stopChildren,
} from './backends.js';
import type { LatencySummary } from './client-request.js';
import type { ClientMessage, ClientReply, PhaseCounts, PhaseSpec } from './hostile-client.js';
import { startBenchGateway } from './gateway.js';
import { HOSTILE_KIND_NAMES, HOSTILE_KINDS, type HostileKind } from './hostile-documents.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '20' },
    scale: { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '2010' },
    'per-kind': { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!(n > 0 && n <= max))
    throw new Error(`--${name} must be a number in (0, ${max}], got ${raw}`);
  return n;
}
const seconds = positive('seconds', values.seconds, 60);
const concurrency = Math.round(positive('concurrency', values.concurrency, 200));
positive('scale', values.scale, 10);

/** The event-loop delay histogram's sampling interval; reported delays are beyond it. */
const RESOLUTION_MS = 10;
/** The upstreams' and subgraphs' development credentials (upstreams/config.ts defaults). */
const IDOL_CREDENTIAL = 'idol-dev-key';

const benchDir = dirname(fileURLToPath(import.meta.url));
const distDir = dirname(benchDir);
const tempDir = mkdtempSync(join(tmpdir(), 'prato-hostile-bench-'));
const children: ChildProcess[] = [];
let gateway: RunningHttpServer | undefined;

async function stopAll(): Promise<void> {
  await gateway?.stop().catch(() => undefined);
  await stopChildren(children);
  rmSync(tempDir, { recursive: true, force: true });
}

// Every phase, start-up and a margin: past this, something hangs; stop rather than wait.
const phaseCount = 5 + (values['per-kind'] ? HOSTILE_KIND_NAMES.length : 0);
const watchdog = setTimeout(
  () => {
    console.error('hostile benchmark: overran its time budget, stopping');
    void stopAll().finally(() => process.exit(1));
  },
  (phaseCount * (seconds + 30) + 180) * 1000,
);

async function upstreamRequests(urls: readonly string[]): Promise<number> {
  let total = 0;
  for (const url of urls) {
    const body = (await (await fetch(`${url}/_admin/stats`)).json()) as {
      richieste: Record<string, number>;
    };
    total += Object.values(body.richieste).reduce((a, b) => a + b, 0);
  }
  return total;
}

interface PhaseResult {
  spec: PhaseSpec;
  counts: PhaseCounts;
  /** Event-loop delay beyond the sampling interval, in ms. */
  delay: { p50: number; p99: number; max: number; samples: number };
  /** Share of the phase the gateway's event loop was busy. */
  utilization: number;
  /** CPU time of this process (the gateway), user + system, in ms: GC threads included. */
  cpuMs: number;
  rssMiB: number;
  /** JS heap in use at the end of the phase (after a full GC when --expose-gc is given). */
  heapMiB: number;
  upstreamRequests: number;
}

/** One request, one reply at a time over the load generator's IPC channel. */
function createClientChannel(child: ChildProcess) {
  let pending: { resolve: (reply: ClientReply) => void; reject: (err: Error) => void } | null =
    null;
  child.on('message', (reply: ClientReply) => pending?.resolve(reply));
  child.once('exit', (code) =>
    pending?.reject(new Error(`load generator exited with code ${code}`)),
  );
  return (message: ClientMessage): Promise<ClientReply> =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      child.send(message);
    });
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = join(tempDir, 'data');
  await ensureDataset({ dir: dataDir, seed: Number(values.seed), scale: Number(values.scale) });
  const keysDir = join(tempDir, 'keys');
  await ensureKeys(keysDir);

  const backends = await startBackends({
    start: spawnService(children),
    distDir,
    dataDir,
    seed: values.seed,
    scale: values.scale,
    keysDir,
    auditLogPath: join(tempDir, 'audit', 'workers-audit.jsonl'),
  });
  const upstreamUrls = SYSTEMS.map((system) => backends.upstreams[system].url);

  gateway = await startBenchGateway(keysDir, backends.subgraphs);

  const tokenKey = await loadPrivateKey(keyFiles(keysDir, 'token-signing').privateFile);
  const audience = { issuer: DEV_TOKEN_ISSUER, audience: DEV_TOKEN_AUDIENCE };
  const idolUrl = backends.upstreams.idol.url;
  const search = (await (
    await fetch(`${idolUrl}/v1/lavoratori/ricerca?pagina=1&dimensione=20`, {
      headers: { 'x-api-key': IDOL_CREDENTIAL },
    })
  ).json()) as { lavoratori: { id: string }[] };

  const client = fork(join(benchDir, 'hostile-client.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(client);
  const ask = createClientChannel(client);
  await ask({
    type: 'init',
    gatewayUrl: gateway.url,
    operatorToken: await mintDevToken(
      tokenKey,
      { role: 'operator', subject: 'op-bench', desk: 'PO-NORD' },
      audience,
    ),
    purpose: 'GUIDANCE',
    analystToken: await mintDevToken(tokenKey, { role: 'analyst', subject: 'an-bench' }, audience),
    workerIds: search.lavoratori.map((w) => w.id),
  });
  console.error(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s; measuring`);
  // The machine may be shared: its load before and after says how far to trust the figures.
  const loadBefore = loadavg()[0] ?? 0;

  const phases: PhaseSpec[] = [
    { name: 'idle', seconds, load: 'none', concurrency: 0, probe: false },
    { name: 'probe only', seconds, load: 'none', concurrency: 0, probe: true },
    { name: 'valid load', seconds, load: 'valid', concurrency, probe: true },
    { name: 'hostile load', seconds, load: 'hostile', concurrency, probe: true },
    { name: 'hostile only', seconds, load: 'hostile', concurrency, probe: false },
  ];
  if (values['per-kind']) {
    for (const kind of HOSTILE_KIND_NAMES) {
      phases.push({
        name: kind,
        seconds,
        load: 'hostile',
        concurrency,
        probe: false,
        kinds: [kind],
      });
    }
  }
  const results: PhaseResult[] = [];
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  for (const spec of phases) {
    await resetUpstreamStats(upstreamUrls);
    histogram.reset();
    histogram.enable();
    const busy = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const reply = await ask({ type: 'run', phase: spec });
    const utilization = performance.eventLoopUtilization(busy).utilization;
    const cpuUsed = process.cpuUsage(cpu);
    histogram.disable();
    if (reply.type !== 'done') throw new Error(`unexpected reply ${reply.type}`);
    // With --expose-gc (as `npm run bench:hostile` runs it), the heap figure is what the
    // gateway still holds after the phase, not garbage that V8 has not collected yet.
    (globalThis as { gc?: () => void }).gc?.();
    const beyond = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    results.push({
      spec,
      counts: reply.counts,
      delay: {
        p50: beyond(histogram.percentile(50)),
        p99: beyond(histogram.percentile(99)),
        max: beyond(histogram.max),
        samples: histogram.count,
      },
      utilization,
      cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
      upstreamRequests: await upstreamRequests(upstreamUrls),
    });
  }
  client.send({ type: 'exit' } satisfies ClientMessage);
  report(results, [loadBefore, loadavg()[0] ?? 0]);
}

const ms = (n: number) => n.toFixed(n < 10 ? 1 : 0);
const latency = (l: LatencySummary) =>
  l.count === 0 ? '-' : `${ms(l.p50)} / ${ms(l.p99)} / ${ms(l.max)}`;
const answers = (byLabel: Record<string, number>) =>
  Object.entries(byLabel)
    .sort(([, a], [, b]) => b - a)
    .map(([label, n]) => `${n} × ${label}`)
    .join(', ');

function report(all: PhaseResult[], load: [number, number]): void {
  const results = all.filter((r) => !r.spec.kinds);
  const perKind = all.filter((r) => r.spec.kinds);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `node ${process.version}, ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `${seconds} s per phase, concurrency ${concurrency}, dataset scale ${values.scale}; ` +
      `load average ${load[0].toFixed(1)} before, ${load[1].toFixed(1)} after`,
  );
  const afterGc = typeof (globalThis as { gc?: unknown }).gc === 'function' ? ' after GC' : '';
  console.log('\nGateway event loop (delay beyond the 10 ms sampling interval, ms):\n');
  console.log(
    `| phase | delay p50 | delay p99 | delay max | loop busy | gateway RSS / heap${afterGc} |`,
  );
  console.log('| --- | --: | --: | --: | --: | --: |');
  for (const r of results) {
    console.log(
      `| ${r.spec.name} | ${ms(r.delay.p50)} | ${ms(r.delay.p99)} | ${ms(r.delay.max)} | ` +
        `${(r.utilization * 100).toFixed(0)} % | ${r.rssMiB.toFixed(0)} / ${r.heapMiB.toFixed(0)} MiB |`,
    );
  }
  console.log('\nThe valid query (operator, token and purpose), one at a time:\n');
  console.log(
    '| phase | sent | answered correctly | latency p50 / p99 / max (ms) | other answers |',
  );
  console.log('| --- | --: | --: | --: | --- |');
  for (const r of results.filter((x) => x.spec.probe)) {
    const p = r.counts.probe;
    const rate = p.sent === 0 ? 0 : (100 * p.correct) / p.sent;
    console.log(
      `| ${r.spec.name} | ${p.sent} | ${p.correct} (${rate.toFixed(1)} %) | ${latency(p.latencyMs)} | ${answers(p.wrong) || '-'} |`,
    );
  }
  console.log(`\nThe ${concurrency} concurrent loops beside it:\n`);
  console.log(
    '| phase | requests | per second | latency p50 / p99 / max (ms) | upstream requests |',
  );
  console.log('| --- | --: | --: | --: | --: |');
  for (const r of results) {
    const l = r.counts.load;
    console.log(
      `| ${r.spec.name} | ${l.sent} | ${(l.sent / r.counts.seconds).toFixed(0)} | ${latency(l.latencyMs)} | ${r.upstreamRequests} |`,
    );
  }
  console.log('\nWhat the hostile documents got (hostile load and hostile only together):\n');
  console.log('| kind | aims at | expected | got |');
  console.log('| --- | --- | --- | --- |');
  const got: Partial<Record<HostileKind, Record<string, number>>> = {};
  for (const r of results) {
    for (const [kind, byLabel] of Object.entries(r.counts.load.answers)) {
      if (kind === 'valid') continue;
      const into = (got[kind as HostileKind] ??= {});
      for (const [label, n] of Object.entries(byLabel)) into[label] = (into[label] ?? 0) + n;
    }
  }
  for (const kind of HOSTILE_KIND_NAMES) {
    const info: { aims: string; expected: { status: number; code: string } } = HOSTILE_KINDS[kind];
    console.log(
      `| ${kind} | ${info.aims} | ${info.expected.status} ${info.expected.code} | ${answers(got[kind] ?? {}) || '-'} |`,
    );
  }
  const hostileOnly = results.find((r) => r.spec.name === 'hostile only');
  console.log(
    `\nUpstream requests caused by the hostile documents alone: ${hostileOnly?.upstreamRequests ?? '?'}`,
  );
  if (perKind.length === 0) return;
  console.log(
    `\nEach kind alone, ${concurrency} at once (gateway time per request = busy time / requests):\n`,
  );
  console.log(
    `| kind | requests/s | loop busy | loop ms per request | CPU ms per request | delay p99 | delay max | RSS / heap${afterGc} | upstream | got |`,
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |');
  for (const r of perKind) {
    const n = Math.max(1, r.counts.load.sent);
    const busyMs = r.utilization * r.counts.seconds * 1000;
    console.log(
      `| ${r.spec.name} | ${(r.counts.load.sent / r.counts.seconds).toFixed(0)} | ${(r.utilization * 100).toFixed(0)} % | ` +
        `${ms(busyMs / n)} | ${ms(r.cpuMs / n)} | ${ms(r.delay.p99)} | ${ms(r.delay.max)} | ${r.rssMiB.toFixed(0)} / ${r.heapMiB.toFixed(0)} MiB | ` +
        `${r.upstreamRequests} | ${answers(r.counts.load.answers[r.spec.name] ?? {})} |`,
    );
  }
}

try {
  await main();
} finally {
  clearTimeout(watchdog);
  await stopAll();
}
