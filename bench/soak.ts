// A bounded soak: does the graph keep answering valid requests correctly, with a low event-loop
// delay and memory that levels off, for a few minutes of steady load with a share of hostile
// documents, while the upstreams misbehave, and does a hung upstream leave the queries that do
// not touch it alone (SECURITY.md, "Load")?
//
// The gateway runs in this process (as in bench/hostile.ts), with perf_hooks' event-loop delay
// histogram and event-loop utilisation on it, and `process.memoryUsage()` (after a full GC at
// every phase boundary, with --expose-gc); the four upstreams and the four subgraphs run as
// child processes (as `npm start` runs them; their resident memory is read from /proc), and the
// load generator (bench/soak-client.ts) in another child, so that building 1 MB hostile bodies
// and checking answers is not counted against the gateway. This process's own extra work on the
// gateway's loop is a sample every few seconds and a handful of admin calls per phase.
//
// N closed loops (default 16) send, at random but reproducibly (--seed): valid reads (an
// operator's worker with profile, history and enrolments, with token and purpose; an analyst's
// page of an employer's communications; public flows by month and contract type, the desk list
// and the course catalogue), valid writes (publishVacancy, a fresh idempotency key each), and
// hostile documents (bench/hostile-documents.ts). Every answer is checked (bench/soak-operations.ts).
// Phases, one after the other, in shares of --seconds, while the loops keep running:
//
//   warm-up        no faults (JIT, caches, connections); reported, not compared
//   baseline       no faults
//   answer faults  on each upstream, --fault-rate of its requests get one fault: 300 ms more
//                  latency, 503, 429 with Retry-After, a malformed body, a connection reset
//   mancanti, duplicati, estranei
//                  one batch fault at a time, on --fault-rate of each upstream's requests: a
//                  record left out, a record copied, a record nobody asked for added
//   trio hangs     trio never answers (`blocco` on every request): its circuit should open
//   recovery       faults cleared: the circuit should close again
//
// Every fault rule is seeded (`seme` = --seed). A request counts under the phase it was sent in
// and only if it was answered within it (those in flight at a phase change are counted apart).
// At the end: the vacancies acknowledged are checked against co (each stored exactly once).
// Loopback only, a temporary dataset, keys and audit log; bounded in time and requests, with a
// watchdog that stops everything if the run overstays.
// Usage: npm run bench:soak -- [--seconds 120] [--concurrency 16]
//        [--hostile-share 0.15] [--write-share 0.05] [--fault-rate 0.05] [--sample-seconds 5]
//        [--scale 0.01] [--seed 2010] [--max-requests 1000000]
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import {
  monitorEventLoopDelay,
  performance,
  type EventLoopUtilization,
  type IntervalHistogram,
} from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER } from '../gateway/config.js';
import { mintDevToken } from '../lib/auth/dev-tokens.js';
import { ensureKeys, keyFiles, loadPrivateKey } from '../lib/auth/keys.js';
import type { RunningHttpServer } from '../lib/graphql-http.js';
import { clearFaults, getFaults, setFaults, type FaultRule } from '../upstreams/faults.js';
import { ensureDataset } from '../upstreams/index.js';
import type { LatencySummary } from './client-request.js';
import type {
  CategoryTally,
  PhaseTally,
  Snapshot,
  SoakReply,
  SoakRequest,
  SoakResults,
} from './soak-client.js';
import { READS } from './soak-operations.js';
import {
  resetUpstreamStats,
  SUBGRAPHS,
  SYSTEMS,
  spawnService,
  startBackends,
  stopChildren,
  upstreamTotal,
  type System,
} from './backends.js';
import { numberOption } from './compare/children.js';
import { rssMiB } from './compare/proc.js';
import { startBenchGateway } from './gateway.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    concurrency: { type: 'string', default: '16' },
    'hostile-share': { type: 'string', default: '0.15' },
    'write-share': { type: 'string', default: '0.05' },
    'fault-rate': { type: 'string', default: '0.05' },
    'sample-seconds': { type: 'string', default: '5' },
    scale: { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '2010' },
    'max-requests': { type: 'string', default: '1000000' },
  },
});

const seconds = numberOption('seconds', values.seconds, 20, 600);
const concurrency = Math.round(numberOption('concurrency', values.concurrency, 1, 64));
const hostileShare = numberOption('hostile-share', values['hostile-share'], 0, 0.5);
const writeShare = numberOption('write-share', values['write-share'], 0, 0.5);
const faultRate = numberOption('fault-rate', values['fault-rate'], 0, 0.5);
const sampleSeconds = numberOption('sample-seconds', values['sample-seconds'], 1, 60);
const scale = numberOption('scale', values.scale, 0.001, 1);
const seed = Math.round(numberOption('seed', values.seed, 0, 2 ** 31));
const maxRequests = Math.round(numberOption('max-requests', values['max-requests'], 1, 10_000_000));

/** The event-loop delay histogram's sampling interval; reported delays are beyond it. */
const RESOLUTION_MS = 10;
/** The upstreams' development credentials (upstreams/config.ts defaults). */
const CREDENTIALS: Record<'idol' | 'co' | 'trio', Record<string, string>> = {
  idol: { 'x-api-key': 'idol-dev-key' },
  co: { 'x-api-key': 'co-dev-key' },
  trio: { authorization: 'Bearer trio-dev-token' },
};

const benchDir = dirname(fileURLToPath(import.meta.url));
const distDir = dirname(benchDir);
const tempDir = mkdtempSync(join(tmpdir(), 'prato-soak-bench-'));
const children: ChildProcess[] = [];
let gateway: RunningHttpServer | undefined;

async function stopAll(): Promise<void> {
  await gateway?.stop().catch(() => undefined);
  await stopChildren(children);
  rmSync(tempDir, { recursive: true, force: true });
}

// The run, start-up (a small dataset: seconds), the answers recorded before the load, the
// drain at the end (30 s at most per request) and a margin: past this, something hangs.
const watchdog = setTimeout(
  () => {
    console.error('soak benchmark: overran its time budget, stopping');
    void stopAll().finally(() => process.exit(1));
  },
  (seconds + 300) * 1000,
);

/** The training subgraph's circuit towards trio, as its /readyz reports it. */
async function circuitOf(subgraphUrl: string): Promise<string> {
  try {
    const res = await fetch(subgraphUrl.replace(/\/graphql$/, '/readyz'), {
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { upstreams?: { circuit?: unknown }[] };
    const circuit = body.upstreams?.[0]?.circuit;
    return typeof circuit === 'string' ? circuit : String(res.status);
  } catch {
    return '?';
  }
}

async function upstreamTotals(urls: Record<System, string>): Promise<Record<System, number>> {
  const totals = {} as Record<System, number>;
  for (const system of SYSTEMS) totals[system] = await upstreamTotal(urls[system]);
  return totals;
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

/** Request/reply over the load generator's IPC channel, matched by id. */
function createClientChannel(child: ChildProcess) {
  let nextId = 0;
  const pending = new Map<
    number,
    { resolve: (r: SoakReply) => void; reject: (e: Error) => void }
  >();
  child.on('message', ({ id, body }: { id: number; body: SoakReply }) => {
    pending.get(id)?.resolve(body);
    pending.delete(id);
  });
  child.once('exit', (code) => {
    for (const p of pending.values())
      p.reject(new Error(`load generator exited with code ${code}`));
    pending.clear();
  });
  return (body: SoakRequest): Promise<SoakReply> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, body });
    });
}

// ---------------------------------------------------------------------------- faults

/**
 * The faults phases' mixes: weights of one fault each, scaled so that they add up to the rate.
 * Answer faults (the upstream is slow, fails, refuses, garbles its body or drops the
 * connection) must never make a valid answer wrong, only partial. Batch faults alter a
 * correct `200` answer (a record left out, copied, or one nobody asked for added): a record
 * left out is, by the upstreams' contract (API.md: "unknown ids are simply absent"), what an
 * unknown id looks like, so those answers may be wrong without anyone being able to tell.
 * They run in phases of their own so that each phase's figures say one thing.
 */
const ANSWER_FAULTS: readonly (readonly [number, FaultRule])[] = [
  [2, { tipo: 'latenza', ms: 300 }],
  [2, { tipo: 'errore', stato: 503 }],
  [1, { tipo: 'quota', secondi: 1 }],
  [1, { tipo: 'malformato' }],
  [1, { tipo: 'reset' }],
];
const BATCH_FAULTS: readonly (readonly [number, FaultRule])[] = [
  [1, { tipo: 'mancanti' }],
  [1, { tipo: 'duplicati' }],
  [1, { tipo: 'estranei' }],
];

function faultMix(weighted: readonly (readonly [number, FaultRule])[], rate: number): FaultRule[] {
  const total = weighted.reduce((sum, [w]) => sum + w, 0);
  // Rules are tried in order and the first that wins its draw is the fault: each later rule's
  // probability is raised by what the earlier ones took, so that each gets its share.
  let left = 1;
  return weighted.map(([w, rule]) => {
    const share = (rate * w) / total;
    const p = Math.min(1, share / left);
    left -= share;
    return { ...rule, probabilita: Number(p.toFixed(6)) };
  });
}

interface PhasePlan {
  name: string;
  /** Share of --seconds. */
  share: number;
  /** The rules in force on each upstream during the phase (absent: none). */
  faults: Partial<Record<System, FaultRule[]>>;
}

const everywhere = (rules: FaultRule[]): Partial<Record<System, FaultRule[]>> =>
  faultRate > 0 ? { registry: rules, idol: rules, co: rules, trio: rules } : {};
const PHASES: readonly PhasePlan[] = [
  { name: 'warm-up', share: 0.1, faults: {} },
  { name: 'baseline', share: 0.2, faults: {} },
  { name: 'answer faults', share: 0.2, faults: everywhere(faultMix(ANSWER_FAULTS, faultRate)) },
  // One batch fault at a time, so that what each does shows on its own.
  ...BATCH_FAULTS.map(([, rule]) => ({
    name: rule.tipo,
    share: 0.06,
    faults: everywhere(faultMix([[1, rule]], faultRate)),
  })),
  { name: 'trio hangs', share: 0.18, faults: { trio: [{ tipo: 'blocco' }] } },
  { name: 'recovery', share: 0.14, faults: {} },
];

// ---------------------------------------------------------------------------- measuring

interface Memory {
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
}

function gatewayMemory(): Memory {
  const m = process.memoryUsage();
  return {
    rssMiB: m.rss / 2 ** 20,
    heapMiB: m.heapUsed / 2 ** 20,
    externalMiB: m.external / 2 ** 20,
  };
}

/** Memory after a full GC (with --expose-gc; otherwise as it is). */
function memoryAfterGc(): Memory {
  (globalThis as { gc?: () => void }).gc?.();
  return gatewayMemory();
}

interface Delay {
  p50: number;
  p99: number;
  max: number;
}

const beyond = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);
function delayOf(h: IntervalHistogram): Delay {
  return { p50: beyond(h.percentile(50)), p99: beyond(h.percentile(99)), max: beyond(h.max) };
}

interface Sample {
  t: number;
  phase: string;
  snapshot: Snapshot;
  delay: Delay;
  busy: number;
  gateway: Memory;
  subgraphsMiB: number[];
  circuit: string;
}

interface PhaseResult {
  name: string;
  seconds: number;
  faults: Partial<Record<System, FaultRule[]>>;
  /** How often each rule fired, per upstream (GET /_admin/guasti `scatti`). */
  fired: Partial<Record<System, Record<string, number>>>;
  delay: Delay;
  busy: number;
  start: Memory;
  end: Memory;
  subgraphsStart: number[];
  subgraphsEnd: number[];
  upstreamRequests: Record<System, number>;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = join(tempDir, 'data');
  await ensureDataset({ dir: dataDir, seed, scale });
  const keysDir = join(tempDir, 'keys');
  await ensureKeys(keysDir);

  const backends = await startBackends({
    start: spawnService(children),
    distDir,
    dataDir,
    seed: String(seed),
    scale: String(scale),
    keysDir,
    auditLogPath: join(tempDir, 'audit', 'workers-audit.jsonl'),
  });
  const upstreams = Object.fromEntries(
    SYSTEMS.map((system) => [system, backends.upstreams[system].url]),
  ) as Record<System, string>;
  const subgraphPids = SUBGRAPHS.map((name) => backends.subgraphs[name].pid);
  const trainingUrl = backends.subgraphs.training.url;

  gateway = await startBenchGateway(keysDir, backends.subgraphs);

  const tokenKey = await loadPrivateKey(keyFiles(keysDir, 'token-signing').privateFile);
  const audience = { issuer: DEV_TOKEN_ISSUER, audience: DEV_TOKEN_AUDIENCE };
  const workers = await getJson<{ lavoratori: { id: string }[] }>(
    `${upstreams.idol}/v1/lavoratori/ricerca?pagina=1&dimensione=20`,
    CREDENTIALS.idol,
  );
  const employers = await getJson<{ aziende: { id: string }[] }>(
    `${upstreams.co}/v1/aziende/ricerca?pagina=1&dimensione=21`,
    CREDENTIALS.co,
  );
  const areas = await getJson<{ aree: { codice: string }[] }>(
    `${upstreams.trio}/v1/aree`,
    CREDENTIALS.trio,
  );
  const employerIds = employers.aziende.map((e) => e.id);
  // The last one gets the vacancies; the others are read.
  const vacancyEmployerId = employerIds.pop() ?? '';
  const runId = randomBytes(4).toString('hex');

  const client = fork(join(benchDir, 'soak-client.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(client);
  const ask = createClientChannel(client);
  const ready = await ask({
    type: 'init',
    gatewayUrl: gateway.url,
    concurrency,
    hostileShare,
    writeShare,
    seed,
    maxRequests,
    runId,
    operatorToken: await mintDevToken(
      tokenKey,
      { role: 'operator', subject: 'op-soak', desk: 'PO-NORD' },
      audience,
    ),
    analystToken: await mintDevToken(tokenKey, { role: 'analyst', subject: 'an-soak' }, audience),
    purpose: 'GUIDANCE',
    workerIds: workers.lavoratori.map((w) => w.id),
    employerIds,
    courseAreas: areas.aree.map((a) => a.codice),
    vacancyEmployerId,
  });
  if (ready.type !== 'ready') throw new Error(`unexpected reply ${ready.type}`);
  console.error(
    `stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s, ${ready.variants} read variants recorded; soaking for ${seconds} s`,
  );
  // The machine may be shared: its load before and after says how far to trust the figures.
  const loadBefore = loadavg();

  const phaseHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const sampleHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  phaseHistogram.enable();
  sampleHistogram.enable();
  const runStart = performance.now();
  const samples: Sample[] = [];
  const results: PhaseResult[] = [];
  let currentPhase = PHASES[0]?.name ?? '';
  let sampling = true;

  // The timeline: every few seconds, the gateway's loop and memory as they are (no GC), the
  // subgraphs' resident memory, the training subgraph's circuit, the load generator's counts.
  // A sample that spans a phase change includes the full GC forced there in its delay max.
  const sampler = (async () => {
    let busySince = performance.eventLoopUtilization();
    let next = runStart + sampleSeconds * 1000;
    while (sampling) {
      await sleep(Math.max(0, next - performance.now()));
      if (!sampling) break;
      next += sampleSeconds * 1000;
      const delay = delayOf(sampleHistogram);
      sampleHistogram.reset();
      const busy: EventLoopUtilization = performance.eventLoopUtilization(busySince);
      busySince = performance.eventLoopUtilization();
      const reply = await ask({ type: 'snapshot' });
      if (reply.type !== 'snapshot') throw new Error(`unexpected reply ${reply.type}`);
      samples.push({
        t: (performance.now() - runStart) / 1000,
        phase: currentPhase,
        snapshot: reply.snapshot,
        delay,
        busy: busy.utilization,
        gateway: gatewayMemory(),
        subgraphsMiB: subgraphPids.map(rssMiB),
        circuit: await circuitOf(trainingUrl),
      });
    }
  })();

  let boundary = { memory: memoryAfterGc(), subgraphs: subgraphPids.map(rssMiB) };
  for (const [i, plan] of PHASES.entries()) {
    // Requests count under the phase they were sent in, and only if answered within it: while
    // the faults change, the load generator counts what it sends nowhere (`phase: null`).
    if (i > 0) {
      const between = await ask({ type: 'phase', phase: null });
      if (between.type !== 'ok') throw new Error(`unexpected reply ${between.type}`);
    }
    await Promise.all(
      SYSTEMS.map((system) => {
        const rules = plan.faults[system];
        return rules
          ? setFaults(upstreams[system], rules, { seme: seed })
          : clearFaults(upstreams[system]);
      }),
    );
    await resetUpstreamStats(Object.values(upstreams));
    currentPhase = plan.name;
    const reply = await ask(
      i === 0 ? { type: 'start', phase: plan.name } : { type: 'phase', phase: plan.name },
    );
    if (reply.type !== 'ok') throw new Error(`unexpected reply ${reply.type}`);
    const phaseStart = performance.now();
    phaseHistogram.reset();
    const busySince = performance.eventLoopUtilization();
    console.error(`phase ${plan.name}: ${Math.round(seconds * plan.share)} s`);
    await sleep(seconds * plan.share * 1000);

    const delay = delayOf(phaseHistogram);
    const busy = performance.eventLoopUtilization(busySince).utilization;
    const fired: PhaseResult['fired'] = {};
    for (const system of SYSTEMS) {
      if (!plan.faults[system]) continue;
      const status = await getFaults(upstreams[system]);
      fired[system] = Object.fromEntries(status.guasti.map((r) => [r.tipo, r.scatti]));
    }
    const upstreamRequests = await upstreamTotals(upstreams);
    // The full GC holds the loop for a moment: after the phase's delay figures, before the next.
    const end = { memory: memoryAfterGc(), subgraphs: subgraphPids.map(rssMiB) };
    results.push({
      name: plan.name,
      seconds: (performance.now() - phaseStart) / 1000,
      faults: plan.faults,
      fired,
      delay,
      busy,
      start: boundary.memory,
      end: end.memory,
      subgraphsStart: boundary.subgraphs,
      subgraphsEnd: end.subgraphs,
      upstreamRequests,
    });
    boundary = end;
  }
  await Promise.all(SYSTEMS.map((system) => clearFaults(upstreams[system])));
  sampling = false;
  await sampler;
  const stopped = await ask({ type: 'stop' });
  if (stopped.type !== 'results') throw new Error(`unexpected reply ${stopped.type}`);
  const vacancyCheck = await checkVacancies(
    upstreams.co,
    vacancyEmployerId,
    runId,
    stopped.results,
  );
  void ask({ type: 'exit' }).catch(() => undefined);
  report(results, samples, stopped.results, vacancyCheck, [loadBefore, loadavg()]);
}

// ---------------------------------------------------------------------------- exactly once

interface VacancyCheck {
  acknowledged: number;
  /** Acknowledged vacancies co holds exactly once, with the description sent. */
  storedOnce: number;
  /** Acknowledged but not in co. */
  missing: number;
  /** Descriptions (one per client request) co holds more than once. */
  duplicated: number;
  /** Filed in co although the client got no vacancy back (a failed or degraded answer). */
  storedUnacknowledged: number;
}

async function checkVacancies(
  coUrl: string,
  employerId: string,
  runId: string,
  results: SoakResults,
): Promise<VacancyCheck> {
  const { offerte } = await getJson<{ offerte: { id: string; descrizione: string }[] }>(
    `${coUrl}/v1/offerte?azienda=${employerId}`,
    CREDENTIALS.co,
  );
  const byDescription = new Map<string, string[]>();
  for (const o of offerte) {
    if (!o.descrizione.startsWith(`Soak ${runId} `)) continue;
    byDescription.set(o.descrizione, [...(byDescription.get(o.descrizione) ?? []), o.id]);
  }
  const check: VacancyCheck = {
    acknowledged: 0,
    storedOnce: 0,
    missing: 0,
    duplicated: 0,
    storedUnacknowledged: 0,
  };
  for (const ids of byDescription.values()) if (ids.length > 1) check.duplicated += 1;
  for (const attempt of results.vacancies) {
    const stored = byDescription.get(attempt.description) ?? [];
    if (attempt.acknowledged === null) {
      if (stored.length > 0) check.storedUnacknowledged += 1;
      continue;
    }
    check.acknowledged += 1;
    if (stored.length === 1 && stored[0] === attempt.acknowledged) check.storedOnce += 1;
    else if (!stored.includes(attempt.acknowledged)) check.missing += 1;
  }
  return check;
}

// ---------------------------------------------------------------------------- report

const num = (n: number): string =>
  Number.isNaN(n) ? '-' : n >= 10 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
const pct = (part: number, whole: number): string =>
  whole === 0 ? '-' : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1)} %`;
const lat = (l: LatencySummary): string =>
  l.count === 0 ? '-' : `${num(l.p50)} / ${num(l.p99)} / ${num(l.max)}`;
const mem = (m: Memory): string => `${num(m.rssMiB)} / ${num(m.heapMiB)}`;
const labels = (byLabel: Record<string, number>): string =>
  Object.entries(byLabel)
    .sort(([, a], [, b]) => b - a)
    .map(([label, n]) => `${n} × ${label}`)
    .join(', ');

function sumTallies(tallies: readonly CategoryTally[]): {
  sent: number;
  ok: number;
  partial: number;
  failed: number;
} {
  return tallies.reduce(
    (s, t) => ({
      sent: s.sent + t.sent,
      ok: s.ok + t.ok,
      partial: s.partial + t.partial,
      failed: s.failed + t.failed,
    }),
    { sent: 0, ok: 0, partial: 0, failed: 0 },
  );
}

function report(
  results: PhaseResult[],
  samples: Sample[],
  soak: SoakResults,
  vacancies: VacancyCheck,
  load: [number[], number[]],
): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(' ');
  const afterGc = typeof (globalThis as { gc?: unknown }).gc === 'function' ? ' after GC' : '';
  console.log(
    `node ${process.version}, ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `${seconds} s, ${concurrency} loops (${Math.round(hostileShare * 100)} % hostile, ${Math.round(writeShare * 100)} % writes), ` +
      `fault rate ${Math.round(faultRate * 100)} % per upstream, dataset scale ${scale}, seed ${seed}; ` +
      `load average (1, 5, 15 min) ${la(load[0])} before, ${la(load[1])} after` +
      (soak.capped ? `; the request cap (${maxRequests}) stopped the loops early` : ''),
  );
  const phaseOf = (name: string): PhaseTally | undefined =>
    soak.phases.find((p) => p.name === name);

  console.log(
    '\nPer phase: valid requests (reads and writes) sent and answered within the phase, and hostile ones:\n',
  );
  console.log(
    '| phase | s | valid | ok | partial | failed | in flight at a phase change (not counted) | hostile (answered as expected) | requests/s |',
  );
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const r of results) {
    const tally = phaseOf(r.name);
    const v = sumTallies(Object.values(tally?.valid ?? {}));
    const h = tally?.hostile;
    const st = tally?.straddled;
    const straddled = st
      ? `${st.sent}${st.sent > st.ok ? ` (${st.partial} partial, ${st.failed} failed)` : ''}`
      : '0';
    console.log(
      `| ${r.name} | ${num(r.seconds)} | ${v.sent} | ${pct(v.ok, v.sent)} | ${pct(v.partial, v.sent)} | ${pct(v.failed, v.sent)} | ` +
        `${straddled} | ${h?.sent ?? 0} (${pct(h?.asExpected ?? 0, h?.sent ?? 0)}) | ${num((v.sent + (st?.sent ?? 0) + (h?.sent ?? 0)) / r.seconds)} |`,
    );
  }
  const between = phaseOf('(between phases)');
  if (between) {
    const st = between.straddled;
    console.log(
      `\nSent while the faults were being changed (not counted): ${st.sent} valid (${st.ok} ok, ${st.partial} partial, ${st.failed} failed), ${between.hostile.sent} hostile`,
    );
  }

  console.log('\nPer phase: the gateway (this process) and the subgraphs:\n');
  console.log(
    `| phase | loop delay p50 / p99 / max (ms) | loop busy | gateway RSS / heap${afterGc} (MiB), start → end | subgraphs' RSS, sum (MiB), start → end |`,
  );
  console.log('| --- | --: | --: | --: | --: |');
  for (const r of results) {
    const sub = (list: number[]) => num(list.reduce((a, b) => a + b, 0));
    console.log(
      `| ${r.name} | ${num(r.delay.p50)} / ${num(r.delay.p99)} / ${num(r.delay.max)} | ${(r.busy * 100).toFixed(0)} % | ` +
        `${mem(r.start)} → ${mem(r.end)} | ${sub(r.subgraphsStart)} → ${sub(r.subgraphsEnd)} |`,
    );
  }

  const kinds = [...Object.keys(READS), 'publishVacancy'];
  const what = (kind: string): string =>
    kind in READS ? `${kind} (${READS[kind as keyof typeof READS].upstreams})` : `${kind} (co)`;
  const byKind = (title: string, cell: (c: CategoryTally) => string): void => {
    console.log(`\n${title}\n`);
    console.log(`| request (upstreams) | ${results.map((r) => r.name).join(' | ')} |`);
    console.log(`| --- |${results.map(() => ' --: |').join('')}`);
    for (const kind of kinds) {
      const cells = results.map((r) => {
        const c = phaseOf(r.name)?.valid[kind];
        return c && c.sent > 0 ? cell(c) : '-';
      });
      console.log(`| ${what(kind)} | ${cells.join(' | ')} |`);
    }
  };
  byKind(
    'Valid requests by kind and phase: sent, and the share not fully correct as partial / failed:',
    (c) =>
      c.ok === c.sent
        ? `${c.sent}, all ok`
        : `${c.sent}: ${pct(c.partial, c.sent)} / ${pct(c.failed, c.sent)}`,
  );
  byKind(
    'Latency by kind and phase, p50 / p99 (ms):',
    (c) => `${num(c.latencyMs.p50)} / ${num(c.latencyMs.p99)}`,
  );
  console.log('\nValid answers that were not fully correct, by phase and kind:\n');
  for (const r of results) {
    for (const kind of kinds) {
      const c = phaseOf(r.name)?.valid[kind];
      if (c && c.ok < c.sent) console.log(`- ${r.name}, ${kind}: ${labels(c.labels)}`);
    }
  }

  // Does a hung trio slow what does not touch it? Against the phases before and after.
  console.log(
    '\nRequests that do not touch trio, before, while and after it hangs (latency ms, p50 / p99):\n',
  );
  const around = ['baseline', 'trio hangs', 'recovery'];
  console.log(`| request | ${around.join(' | ')} |`);
  console.log(`| --- |${around.map(() => ' --: |').join('')}`);
  for (const kind of ['desks', 'flows', 'employerCommunications', 'publishVacancy']) {
    const cells = around.map((name) => {
      const l = phaseOf(name)?.valid[kind]?.latencyMs;
      return l && l.count > 0 ? `${num(l.p50)} / ${num(l.p99)}` : '-';
    });
    console.log(`| ${kind} | ${cells.join(' | ')} |`);
  }
  const recovery = phaseOf('recovery');
  for (const kind of ['courses', 'worker']) {
    const c = recovery?.valid[kind];
    if (!c) continue;
    console.log(
      `\nrecovery, ${kind}: first fully correct answer ${c.firstOkAtMs === null ? 'never' : `${(c.firstOkAtMs / 1000).toFixed(1)} s`} ` +
        `after the faults were cleared; last answer that was not ${c.lastNotOkAtMs === null ? '-' : `${(c.lastNotOkAtMs / 1000).toFixed(1)} s`}`,
    );
  }

  const rule = (r: FaultRule): string => {
    const { tipo, probabilita, ...rest } = r;
    const params = Object.entries(rest)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    return `${tipo}${params ? ` (${params})` : ''}${probabilita === undefined ? '' : ` p=${probabilita}`}`;
  };
  console.log('\nFault rules per phase (seme = --seed), and how often each fired:\n');
  for (const r of results) {
    const rules = Object.values(r.faults)[0];
    if (rules) {
      console.log(
        `- ${r.name}, on ${Object.keys(r.faults).join(', ')}: ${rules.map(rule).join('; ')}`,
      );
    }
  }
  console.log('');
  for (const r of results) {
    for (const [system, byKind] of Object.entries(r.fired)) {
      console.log(
        `- ${r.name}, ${system}: ${labels(byKind) || 'none'} (${r.upstreamRequests[system as System]} requests)`,
      );
    }
  }
  console.log(
    `\nUpstream requests per phase: ${results
      .map((r) => `${r.name} ${SYSTEMS.map((s) => `${s} ${r.upstreamRequests[s]}`).join(', ')}`)
      .join('; ')}`,
  );

  console.log('\nHostile documents, all phases (expected answer: bench/hostile-documents.ts):\n');
  const hostile: Record<string, Record<string, number>> = {};
  let hostileLatency: LatencySummary | undefined;
  for (const p of soak.phases) {
    for (const [kind, byLabel] of Object.entries(p.hostile.answers)) {
      const into = (hostile[kind] ??= {});
      for (const [label, n] of Object.entries(byLabel)) into[label] = (into[label] ?? 0) + n;
    }
    if (p.name === 'baseline') hostileLatency = p.hostile.latencyMs;
  }
  for (const [kind, byLabel] of Object.entries(hostile))
    console.log(`- ${kind}: ${labels(byLabel)}`);
  if (hostileLatency)
    console.log(`(baseline hostile latency p50 / p99 / max: ${lat(hostileLatency)} ms)`);

  console.log(
    `\nWrites: ${vacancies.acknowledged} vacancies acknowledged, ${vacancies.storedOnce} of them in co exactly once, ` +
      `${vacancies.missing} missing, ${vacancies.duplicated} filed twice or more, ` +
      `${vacancies.storedUnacknowledged} filed although the client got an error`,
  );

  console.log(`\nTimeline (every ${sampleSeconds} s; gateway memory as it is, no GC):\n`);
  console.log(
    `| t (s) | phase | answers/s | in flight | valid ok / partial / failed | loop delay p99 / max (ms) | loop busy | gateway RSS / heap (MiB) | subgraphs RSS ${SUBGRAPHS.join(' / ')} (MiB) | trio circuit |`,
  );
  console.log('| --: | --- | --: | --: | --: | --: | --: | --: | --: | --- |');
  for (const s of samples) {
    console.log(
      `| ${s.t.toFixed(0)} | ${s.phase} | ${num(s.snapshot.completed / sampleSeconds)} | ${s.snapshot.inFlight} | ${s.snapshot.ok} / ${s.snapshot.partial} / ${s.snapshot.failed} | ` +
        `${num(s.delay.p99)} / ${num(s.delay.max)} | ${(s.busy * 100).toFixed(0)} % | ${mem(s.gateway)} | ${s.subgraphsMiB.map(num).join(' / ')} | ${s.circuit} |`,
    );
  }

  if (soak.examples.length > 0) {
    console.log(
      `\nFailed valid answers (the first ${soak.examples.length}; ${soak.examplesDropped} more not kept):\n`,
    );
    for (const e of soak.examples) {
      console.log(
        `- ${e.phase}, ${e.kind} ${JSON.stringify(e.variables)}: ${e.problem} (HTTP ${e.status})`,
      );
      console.log(`    ${e.body.replace(/\s+/g, ' ')}`);
    }
  }
}

try {
  await main();
} finally {
  clearTimeout(watchdog);
  await stopAll();
}
