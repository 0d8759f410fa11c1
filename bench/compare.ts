// `npm run bench`: this gateway side by side with the gateways users would pick instead, in one
// run, on the same machine, against the same subgraphs and upstreams, at the same concurrency:
//
//   (a) ours     gateway/main.js as `npm start` runs it (tokens verified, policy, limits, signed
//                assertions, deadlines), the per-caller rate limit set out of the way
//   (b) apollo   stock @apollo/gateway + plain @apollo/server (bench/compare/apollo-stock.ts)
//   (c) hive     Hive Gateway's CLI with default settings (bench/compare/hive.config.ts)
//   (c') hive-nodedupe   the same with its in-flight subgraph request deduplication off (opt-in:
//                --variants ...,hive-nodedupe)
//   (a') ours-nocoalesce   ours with anonymous callers' in-flight fetch sharing off
//                (COALESCE_ANONYMOUS_FETCHES=false; opt-in: --variants ...,ours-nocoalesce)
//   (a'') ours-nocache     ours with the response cache of public answers off (RESPONSE_CACHE=false)
//   (a''') ours-plain      ours with both off: no answer or fetch shared between requests
//   (d) direct   the subgraph itself, for workloads whose every operation is one subgraph fetch
//
// Everything runs as a child process of this one: four upstreams and four subgraphs (as `npm
// start` runs them, each subgraph with bench/compare/count-requests.ts preloaded to count the
// requests it serves), the gateways, and the load generator (bench/compare/load-client.ts,
// autocannon). Each gateway's CPU time and peak RSS are read from /proc, so that all are measured
// alike. Connection k of the load sends as user k (tokens of its own; --users, default one per
// connection). For each upstream latency (0 and 20 ms by default), each workload
// (bench/compare/workloads.ts) and each variant, in turn (the order rotates between workloads):
//   check    every distinct request once, its data compared with our gateway's reference answer
//   warm-up  autocannon for --warmup seconds, not measured
//   measure  autocannon for --seconds (at most --max-requests), counting upstream requests
//            (/_admin/stats), subgraph requests, gateway CPU and peak RSS
//   check    again; and, the first time for a workload and variant, each distinct request sent
//            alone to count exactly the subgraph and upstream requests one operation costs
// Loopback only, a temporary dataset, keys and audit log, and a watchdog that stops everything
// if the run overstays. Markdown tables on stdout, progress on stderr, all figures as JSON with
// --json <file>.
// Usage: npm run bench -- [--seconds 5] [--warmup 2] [--concurrency 16] [--users 16]
//        [--latencies 0,20] [--scale 0.1] [--seed 2010] [--max-requests 200000]
//        [--workloads operator-worker,...] [--variants ours,apollo,hive,direct]
//        [--json results.json] [--logs <dir>: each process's output]
//        [--cpu-prof <dir>: a V8 CPU profile of each gateway that stops cleanly]
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Supergraph, operationFromDocument } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { parse, validate } from 'graphql';
import { decodeJwt } from 'jose';
import { principalFromClaims } from '../gateway/auth.js';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER } from '../gateway/config.js';
import { ASSERTION_HEADER, signAssertion } from '../lib/auth/assertion.js';
import { mintDevToken } from '../lib/auth/dev-tokens.js';
import { ensureKeys, keyFiles, loadPrivateKey } from '../lib/auth/keys.js';
import { withoutSecurityPurpose } from '../lib/auth/policy.js';
import type { Principal, Purpose } from '../lib/auth/principal.js';
import { projectPath } from '../lib/project-files.js';
import { ensureDataset } from '../upstreams/index.js';
import type { BenchCaller } from './compare/assertions.js';
import type {
  BenchRequest,
  CheckResult,
  ClientMessage,
  ClientReply,
  LoadResult,
} from './compare/load-client.js';
import {
  benchChildren,
  LOAD_RUN_OPTIONS,
  loadClient,
  loadRunSettings,
  numberOption,
  type Started,
  subgraphCount as subgraphCounter,
  waitUntilServing,
} from './compare/children.js';
import { cpuMs, peakRssMiB, resetPeakRss, rssMiB } from './compare/proc.js';
import {
  resetUpstreamStats,
  SUBGRAPHS,
  SYSTEMS,
  startBackends,
  upstreamTotal,
  type SubgraphName,
  type System,
} from './backends.js';
import {
  buildProbes,
  buildWorkloads,
  type CallerName,
  type Fixtures,
  type Operation,
  type Workload,
} from './compare/workloads.js';

const { values } = parseArgs({
  options: {
    ...LOAD_RUN_OPTIONS,
    scale: { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '2010' },
    workloads: { type: 'string' },
    variants: { type: 'string', default: 'ours,apollo,hive,direct' },
    users: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});

const { seconds, warmupSeconds, concurrency, maxRequests, latencies } = loadRunSettings(values, {
  maxSeconds: 40,
  maxWarmupSeconds: 15,
});
const userCount = Math.round(numberOption('users', values.users ?? values.concurrency, 1, 256));
numberOption('scale', values.scale, 0.001, 10);
const OURS = ['ours', 'ours-nocoalesce', 'ours-nocache', 'ours-plain'] as const;
const VARIANTS = [...OURS, 'apollo', 'hive', 'hive-nodedupe', 'direct'] as const;
/** How each of our variants differs from (a): sharing between requests turned off. */
const OURS_ENV: Record<(typeof OURS)[number], Record<string, string>> = {
  ours: {},
  'ours-nocoalesce': { COALESCE_ANONYMOUS_FETCHES: 'false' },
  'ours-nocache': { RESPONSE_CACHE: 'false' },
  'ours-plain': { COALESCE_ANONYMOUS_FETCHES: 'false', RESPONSE_CACHE: 'false' },
};
const isOurs = (v: string): v is (typeof OURS)[number] => (OURS as readonly string[]).includes(v);
type Variant = (typeof VARIANTS)[number];
const variants = values.variants.split(',').map((v) => {
  if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant ${v}`);
  return v as Variant;
});
// (d) signs one assertion just before each check, warm-up and measured run; it must outlive them.
if (warmupSeconds + seconds > 50) throw new Error('--warmup + --seconds must be at most 50');

const LABEL: Record<Variant, string> = {
  ours: '(a) ours',
  'ours-nocoalesce': "(a') ours, coalescing off",
  'ours-nocache': "(a'') ours, response cache off",
  'ours-plain': "(a''') ours, cache and coalescing off",
  apollo: '(b) stock Apollo',
  hive: '(c) Hive',
  'hive-nodedupe': "(c') Hive, in-flight dedupe off",
  direct: '(d) subgraph direct',
};
type UserHeaders = Record<CallerName, Record<string, string>>;
const mapCallers = <T>(
  callers: Record<CallerName, BenchCaller>,
  fn: (c: BenchCaller) => T,
): Record<CallerName, T> =>
  Object.fromEntries(Object.entries(callers).map(([k, c]) => [k, fn(c)])) as Record<CallerName, T>;
/** The upstreams' development credentials (upstreams/config.ts defaults). */
const CREDENTIALS = { idol: 'idol-dev-key', co: 'co-dev-key' } as const;
const PARTNER_ORGANISATION = 'CNA';

const benchDir = dirname(fileURLToPath(import.meta.url));
/** With --cpu-prof <dir>: V8 CPU profiles of the gateways, written when they stop. */
const profile = (variant: string): string[] =>
  values['cpu-prof']
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        values['cpu-prof'],
        '--cpu-prof-name',
        `${variant}.cpuprofile`,
      ]
    : [];
const distDir = dirname(benchDir);
const tempDir = mkdtempSync(join(tmpdir(), 'prato-compare-bench-'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const children = benchChildren({ logsDir: values.logs, log });

async function stopAll(): Promise<void> {
  await children.stopAll();
  rmSync(tempDir, { recursive: true, force: true });
}

/** Every run, the checks and start-up with a margin: past this, something hangs. */
function watchdogSeconds(runs: number): number {
  return runs * (warmupSeconds + seconds + 20) + 300;
}
let watchdog: NodeJS.Timeout | undefined;

interface GraphQLAnswer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string }[];
}

async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, ...((await res.json()) as Omit<GraphQLAnswer, 'status'>) };
}

async function upstreamGet<T>(base: string, path: string, key: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': key } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** The GraphQL requests the subgraphs served since the last reset (and zeroes them when `reset`). */
function subgraphRequests(subgraphs: readonly ChildProcess[], reset: boolean): Promise<number> {
  return Promise.all(subgraphs.map((child) => subgraphCounter(child, reset))).then((counts) =>
    counts.reduce((a, b) => a + b, 0),
  );
}

async function upstreamRequests(urls: readonly string[], reset: boolean): Promise<number> {
  let total = 0;
  for (const url of urls) {
    total += await upstreamTotal(url);
    if (reset) await resetUpstreamStats([url]);
  }
  return total;
}

/** How the planner splits an operation: its subgraph fetches and the subgraphs they go to. */
interface PlanShape {
  fetches: number;
  subgraphs: string[];
}

function planShapes(supergraphSdl: string, operations: Operation[]): Map<string, PlanShape> {
  const supergraph = Supergraph.build(supergraphSdl);
  const apiSchema = supergraph.apiSchema();
  const schema = apiSchema.toGraphQLJSSchema();
  const planner = new QueryPlanner(supergraph);
  const shapes = new Map<string, PlanShape>();
  for (const op of operations) {
    const document = parse(op.query);
    const errors = validate(schema, document);
    if (errors.length > 0)
      throw new Error(`${op.name}: ${errors.map((e) => e.message).join('; ')}`);
    const plan = planner.buildQueryPlan(operationFromDocument(apiSchema, document));
    let fetches = 0;
    const services = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node === null || typeof node !== 'object') return;
      const n = node as { kind?: string; serviceName?: string };
      if (n.kind === 'Fetch' && n.serviceName) {
        fetches += 1;
        services.add(n.serviceName);
      }
      for (const value of Object.values(node)) if (typeof value === 'object') walk(value);
    };
    walk(plan.node);
    shapes.set(op.name, { fetches, subgraphs: [...services].sort() });
  }
  return shapes;
}

/** Finds, in the run's dataset, what the workloads' variables are drawn from. */
async function findFixtures(
  gatewayUrl: string,
  upstreams: Record<System, string>,
  operatorHeaders: Record<string, string>,
): Promise<Fixtures> {
  const must = (answer: GraphQLAnswer, what: string): Record<string, unknown> => {
    if (answer.status !== 200 || !answer.data || answer.errors?.length) {
      throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.errors ?? null)}`);
    }
    return answer.data;
  };
  const people = await upstreamGet<{ lavoratori: { id: string }[] }>(
    upstreams.idol,
    '/v1/lavoratori/ricerca?pagina=1&dimensione=200',
    CREDENTIALS.idol,
  );
  const rich: string[] = [];
  const plain: string[] = [];
  for (const { id } of people.lavoratori) {
    if (rich.length >= 32) break;
    const data = must(
      await gql(
        gatewayUrl,
        'query ($id: ID!) { worker(id: $id) { employmentHistory { id } trainingEnrollments { id } } }',
        { id },
        operatorHeaders,
      ),
      'fixture worker',
    );
    const worker = data.worker as { employmentHistory: unknown[]; trainingEnrollments: unknown[] };
    if (worker.employmentHistory.length >= 2 && worker.trainingEnrollments.length >= 1)
      rich.push(id);
    else if (worker.employmentHistory.length >= 1) plain.push(id);
  }
  const employers = async (query: string) =>
    (
      await upstreamGet<{ aziende: { id: string; ateco: string }[] }>(
        upstreams.co,
        `/v1/aziende/ricerca?${query}pagina=1&dimensione=200`,
        CREDENTIALS.co,
      )
    ).aziende;
  const withCommunications = async (
    candidates: { id: string }[],
    atLeast: number,
    n: number,
  ): Promise<string[]> => {
    const found: string[] = [];
    for (const { id } of candidates) {
      if (found.length >= n) break;
      const page = await upstreamGet<{ totale: number }>(
        upstreams.co,
        `/v1/comunicazioni?azienda=${id}&limite=1`,
        CREDENTIALS.co,
      );
      if (page.totale >= atLeast) found.push(id);
    }
    return found;
  };
  const firstEmployers = await employers('');
  const divisions = new Map<string, number>();
  for (const e of firstEmployers) {
    const division = e.ateco.slice(0, 2);
    divisions.set(division, (divisions.get(division) ?? 0) + 1);
  }
  const publicData = must(
    await gql(
      gatewayUrl,
      '{ desks(kind: LABOUR_REGISTRY_DESK) { id } courseAreas { code } comuni { istatCode } }',
    ),
    'fixture public lists',
  );
  const comuni = (publicData.comuni as { istatCode: string }[]).map((c) => c.istatCode);
  const vacancyComuni: string[] = [];
  for (const comune of comuni) {
    const data = must(
      await gql(gatewayUrl, 'query ($c: ID!) { vacancies(comune: $c, first: 1) { totalCount } }', {
        c: comune,
      }),
      'fixture vacancies',
    );
    if ((data.vacancies as { totalCount: number }).totalCount >= 5) vacancyComuni.push(comune);
  }
  const fixtures: Fixtures = {
    workerIds: [...rich, ...plain].slice(0, 32),
    employerIds: await withCommunications(firstEmployers, 20, 32),
    partnerEmployerIds: await withCommunications(
      await employers(`delegato=${PARTNER_ORGANISATION}&`),
      5,
      8,
    ),
    deskIds: (publicData.desks as { id: string }[]).map((d) => d.id),
    sectors: [...divisions.entries()]
      .filter(([, n]) => n >= 3)
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .map(([division]) => division),
    areaCodes: (publicData.courseAreas as { code: string }[]).map((a) => a.code),
    comuni,
    vacancyComuni,
    organisation: PARTNER_ORGANISATION,
  };
  for (const [key, list] of Object.entries(fixtures)) {
    if (Array.isArray(list) && list.length === 0) {
      throw new Error(`the dataset offers no ${key} for the workloads (try a larger --scale)`);
    }
  }
  return fixtures;
}

interface RunRecord {
  latencyMs: number;
  workload: string;
  variant: Variant;
  load: LoadResult;
  /** CPU time of the gateway process per answered request (ms); null for (d). */
  gatewayCpuMsPerRequest: number | null;
  /** CPU time of the four subgraph processes per answered request (ms). */
  subgraphCpuMsPerRequest: number;
  /** CPU time of the four upstream processes per answered request (ms). */
  upstreamCpuMsPerRequest: number;
  /** Subgraph requests per operation, each sent alone (exact). */
  subgraphRequestsPerOperation: number;
  /** Upstream requests per operation, each sent alone (exact; caches warm). */
  upstreamRequestsPerOperation: number;
  /**
   * Under load: subgraph requests counted during the measured run over the answers received.
   * Slightly above the exact figure (requests cut off at the end still reach the subgraphs), and
   * below it where a gateway coalesces identical in-flight fetches.
   */
  subgraphRequestsPerResponseUnderLoad: number;
  upstreamRequestsPerResponseUnderLoad: number;
  /** The gateway's RSS high-water mark during the measured run (MiB); null for (d). */
  gatewayPeakRssMiB: number | null;
  checkBefore: CheckResult;
  checkAfter: CheckResult;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = join(tempDir, 'data');
  await ensureDataset({ dir: dataDir, seed: Number(values.seed), scale: Number(values.scale) });
  const keysDir = join(tempDir, 'keys');
  await ensureKeys(keysDir);
  log(
    `dataset (scale ${values.scale}) and keys ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  // Upstreams and subgraphs, as `npm start` runs them (the subgraphs with the request counter).
  const auditDir = join(tempDir, 'audit');
  mkdirSync(auditDir, { recursive: true });
  const counter = pathToFileURL(join(benchDir, 'compare', 'count-requests.js')).href;
  const backends = await startBackends({
    start: children.startService,
    distDir,
    dataDir,
    seed: values.seed,
    scale: values.scale,
    keysDir,
    auditLogPath: join(auditDir, 'workers-audit.jsonl'),
    subgraphNodeArgs: ['--import', counter],
  });
  const upstreamUrls = SYSTEMS.map((system) => backends.upstreams[system].url);
  const upstreamBySystem = Object.fromEntries(
    SYSTEMS.map((system) => [system, backends.upstreams[system].url]),
  ) as Record<System, string>;
  const subgraphUrls = Object.fromEntries(
    SUBGRAPHS.map((name) => [name, backends.subgraphs[name].url]),
  ) as Record<SubgraphName, string>;
  const upstreamProcesses = SYSTEMS.map((system) => backends.upstreams[system]);
  const subgraphProcesses = SUBGRAPHS.map((name) => backends.subgraphs[name]);
  const subgraphChildren = subgraphProcesses.map((p) => p.child);

  // Users: one per connection by default, each with its own tokens as `npm run token` mints
  // them, and what our gateway derives from each token. Connection k sends as user k, so no two
  // requests in flight carry the same credentials unless they are public: a gateway that
  // coalesces identical in-flight fetches of one caller (Hive does, keyed by the headers it
  // sends, the assertion included) can do so across anonymous requests only, as in real use.
  const tokenKey = await loadPrivateKey(keyFiles(keysDir, 'token-signing').privateFile);
  const audience = { issuer: DEV_TOKEN_ISSUER, audience: DEV_TOKEN_AUDIENCE };
  const caller = (token: string | null, purpose: Purpose | null): BenchCaller => ({
    authorization: token ? `Bearer ${token}` : null,
    purpose,
    principal: token
      ? principalFromClaims(decodeJwt(token))
      : ({
          role: 'public',
          subject: null,
          scopes: [],
          desk: null,
          organization: null,
          fiscalCode: null,
        } satisfies Principal),
  });
  const users: Record<CallerName, BenchCaller>[] = [];
  for (let u = 0; u < userCount; u += 1) {
    const mint = (claims: Parameters<typeof mintDevToken>[1]) =>
      mintDevToken(tokenKey, { ...claims, expiresIn: '3h' }, audience);
    const operatorToken = await mint({
      role: 'operator',
      subject: `op-bench-${u}`,
      desk: 'PO-NORD',
    });
    const analystToken = await mint({ role: 'analyst', subject: `an-bench-${u}` });
    const partnerToken = await mint({
      role: 'partner',
      subject: `pa-bench-${u}`,
      organization: PARTNER_ORGANISATION,
    });
    users.push({
      public: caller(null, null),
      operatorGuidance: caller(operatorToken, 'GUIDANCE'),
      operatorCommunications: caller(operatorToken, 'COMMUNICATIONS'),
      analyst: caller(analystToken, null),
      partner: caller(partnerToken, null),
    });
  }
  const firstUser = users[0] as Record<CallerName, BenchCaller>;
  const callersFile = join(tempDir, 'callers.json');
  writeFileSync(
    callersFile,
    JSON.stringify(
      users.flatMap((u, i) => Object.values(u).filter((c) => i === 0 || c.authorization)),
    ),
    { mode: 0o600 },
  );
  const headersOf = (c: BenchCaller): Record<string, string> => ({
    ...(c.authorization ? { authorization: c.authorization } : {}),
    ...(c.purpose ? { 'x-purpose': c.purpose } : {}),
  });
  const assertionKeyFile = keyFiles(keysDir, 'assertion').privateFile;
  const assertionKey = (await loadPrivateKey(assertionKeyFile)).key;

  // The gateways.
  const supergraphPath = projectPath('schema/supergraph.graphql');
  const supergraphUrlsEnv = JSON.stringify(subgraphUrls);
  const gateways: Partial<Record<Variant, Started & { url: string }>> = {};
  const startOurs = (variant: Variant, label: string, env: Record<string, string> = {}) =>
    children.startService(label, [...profile(variant), join(distDir, 'gateway/main.js')], {
      HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      KEYS_DIR: keysDir,
      SUPERGRAPH_PATH: supergraphPath,
      DESKS_SUBGRAPH_URL: subgraphUrls.desks,
      WORKERS_SUBGRAPH_URL: subgraphUrls.workers,
      EMPLOYERS_SUBGRAPH_URL: subgraphUrls.employers,
      TRAINING_SUBGRAPH_URL: subgraphUrls.training,
      // One client address and a few tokens send everything: the per-caller rate limit (10/s,
      // burst 100) would answer 429 within a second. Out of the way, as in bench:hostile.
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      ...env,
    });
  if (variants.includes('ours')) {
    for (const variant of OURS) {
      if (!variants.includes(variant)) continue;
      gateways[variant] = await startOurs(variant, `gateway ${LABEL[variant]}`, OURS_ENV[variant]);
    }
  }
  const reference = gateways.ours;
  if (!reference) {
    throw new Error('--variants must include ours: its answers are the reference');
  }
  const stockEnv = {
    BENCH_SUPERGRAPH: supergraphPath,
    BENCH_SUBGRAPH_URLS: supergraphUrlsEnv,
    BENCH_CALLERS: callersFile,
    BENCH_ASSERTION_KEY: assertionKeyFile,
  };
  for (const variant of ['apollo', 'hive', 'hive-nodedupe'] as const) {
    if (!variants.includes(variant)) continue;
    gateways[variant] = await children.startStockGateway(
      `gateway ${LABEL[variant]}`,
      variant,
      supergraphPath,
      stockEnv,
      profile(variant),
    );
  }
  for (const [variant, gateway] of Object.entries(gateways)) {
    await waitUntilServing(LABEL[variant as Variant], gateway.url);
  }
  const idleRss = Object.fromEntries(
    Object.entries(gateways).map(([variant, g]) => [variant, rssMiB(g.child.pid ?? 0)]),
  );

  const fixtures = await findFixtures(
    reference.url,
    upstreamBySystem,
    headersOf(firstUser.operatorGuidance),
  );
  const workloads = buildWorkloads(fixtures).filter(
    (w) => !values.workloads || values.workloads.split(',').includes(w.name),
  );
  const operations = [
    ...new Map(
      workloads.flatMap((w) => w.requests.map((r) => [r.operation.name, r.operation])),
    ).values(),
  ];
  const shapes = planShapes(
    withoutSecurityPurpose(readFileSync(supergraphPath, 'utf8')),
    operations,
  );
  /** The one subgraph a workload's every operation is planned to, if there is one. */
  const directSubgraph = (w: Workload): SubgraphName | null => {
    const names = new Set(
      w.requests.flatMap((r) => {
        const shape = shapes.get(r.operation.name);
        return shape && shape.fetches === 1 ? shape.subgraphs : ['(several)'];
      }),
    );
    const [only] = [...names];
    return names.size === 1 && (SUBGRAPHS as readonly string[]).includes(only ?? '')
      ? (only as SubgraphName)
      : null;
  };

  /**
   * Each user's headers for each caller, as a variant wants them: the client's token and purpose
   * for the gateways; for (d), the gateway assertion that our gateway would have made, signed
   * afresh for each phase (assertions live 60 s, lib/auth/assertion.ts).
   */
  const userHeadersFor = async (variant: Variant): Promise<UserHeaders[]> => {
    if (variant !== 'direct') {
      return users.map((u) => mapCallers(u, (c) => headersOf(c)));
    }
    const signed: UserHeaders[] = [];
    for (const u of users) {
      const headers: Partial<UserHeaders> = {};
      for (const [name, c] of Object.entries(u) as [CallerName, BenchCaller][]) {
        headers[name] = {
          [ASSERTION_HEADER]: await signAssertion(assertionKey, {
            principal: c.principal,
            purpose: c.purpose,
            operationName: null,
            operationHash: null,
          }),
        };
      }
      signed.push(headers as UserHeaders);
    }
    return signed;
  };

  /** The HTTP requests of a workload for one variant (with the first user's headers). */
  const requestsFor = (w: Workload, variant: Variant, headers: UserHeaders[]): BenchRequest[] =>
    w.requests.map((r) => {
      const op = r.operation;
      const byId = isOurs(variant) && op.registered;
      const body = byId
        ? {
            operationName: op.name,
            variables: r.variables,
            extensions: { persistedQuery: { version: 1, sha256Hash: op.registered?.id } },
          }
        : { query: op.query, operationName: op.name, variables: r.variables };
      return {
        id: r.id,
        caller: op.caller,
        headers: headers[0]?.[op.caller] ?? {},
        body: JSON.stringify(body),
        unordered: op.unordered,
      };
    });

  const client = loadClient(children);
  const expect = async <T extends ClientReply['type']>(
    message: Exclude<ClientMessage, { type: 'exit' }>,
    type: T,
  ): Promise<Extract<ClientReply, { type: T }>> => {
    const reply = await client.ask(message);
    if (reply.type !== type) throw new Error(`expected ${type}, got ${reply.type}`);
    return reply as Extract<ClientReply, { type: T }>;
  };
  /** The load generator's check of a workload's answers against the reference. */
  const check = async (w: Workload, variant: Variant, url: string, headers: UserHeaders[]) =>
    (await expect({ type: 'check', url, requests: requestsFor(w, variant, headers) }, 'check'))
      .result;

  // Co's simulated rate quota (1,000/s) would answer 429 at the load's peak and make the
  // subgraph wait out Retry-After: out of the way, for every variant alike.
  await fetch(`${upstreamBySystem.co}/_admin/settings`, {
    method: 'PUT',
    body: JSON.stringify({ quotaAlSecondo: 1_000_000 }),
  });
  const setLatency = (ms: number) =>
    Promise.all(
      upstreamUrls.map((url) =>
        fetch(`${url}/_admin/settings`, { method: 'PUT', body: JSON.stringify({ latenzaMs: ms }) }),
      ),
    );
  await setLatency(0);

  // Our gateway's answers: what every other variant must answer.
  const probes: Workload = {
    name: 'probes',
    description: 'checked once per gateway, not measured',
    requests: buildProbes(fixtures),
  };
  const references = await expect(
    {
      type: 'reference',
      url: reference.url,
      requests: (
        await Promise.all(
          [...workloads, probes].map(async (w) =>
            requestsFor(w, 'ours', await userHeadersFor('ours')),
          ),
        )
      ).flat(),
    },
    'reference',
  );
  if (references.result.failures.length > 0) {
    throw new Error(
      `our gateway's reference answers failed:\n${references.result.failures.join('\n')}`,
    );
  }
  const probeResults: Partial<Record<Variant, CheckResult>> = {};
  for (const variant of Object.keys(gateways) as Variant[]) {
    const url = gateways[variant as Exclude<Variant, 'direct'>]?.url ?? '';
    probeResults[variant] = await check(probes, variant, url, await userHeadersFor(variant));
  }

  /**
   * Subgraph and upstream requests of each distinct request of a workload, sent one at a time
   * (so that nothing is shared between requests and none is cut off), averaged over the
   * workload's list: what one operation costs, exactly.
   */
  const countedAlone = new Map<string, { subgraph: number; upstream: number }>();
  const countAlone = async (w: Workload, variant: Variant, url: string) => {
    const key = `${w.name} ${variant}`;
    const known = countedAlone.get(key);
    if (known) return known;
    const perRequest = new Map<string, { subgraph: number; upstream: number }>();
    for (const r of requestsFor(w, variant, await userHeadersFor(variant))) {
      if (perRequest.has(r.id)) continue;
      await upstreamRequests(upstreamUrls, true);
      await subgraphRequests(subgraphChildren, true);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...r.headers },
        body: r.body,
        signal: AbortSignal.timeout(30_000),
      });
      await res.text();
      perRequest.set(r.id, {
        subgraph: await subgraphRequests(subgraphChildren, true),
        upstream: await upstreamRequests(upstreamUrls, true),
      });
    }
    const all = w.requests.map((r) => perRequest.get(r.id) ?? { subgraph: NaN, upstream: NaN });
    const mean = (pick: (c: { subgraph: number; upstream: number }) => number) =>
      all.reduce((sum, c) => sum + pick(c), 0) / Math.max(1, all.length);
    const counted = { subgraph: mean((c) => c.subgraph), upstream: mean((c) => c.upstream) };
    countedAlone.set(key, counted);
    return counted;
  };

  const plan: { latency: number; workload: Workload; variant: Variant }[] = [];
  for (const latency of latencies) {
    for (const [i, w] of workloads.entries()) {
      const own = variants.filter(
        (v) => gateways[v as Exclude<Variant, 'direct'>] || (v === 'direct' && directSubgraph(w)),
      );
      // Rotate the order from one workload to the next, so no variant always goes first.
      for (let k = 0; k < own.length; k += 1) {
        const variant = own[(i + k) % own.length];
        if (variant) plan.push({ latency, workload: w, variant });
      }
    }
  }
  watchdog = setTimeout(
    () => {
      log('compare benchmark: overran its time budget, stopping');
      void stopAll().finally(() => process.exit(1));
    },
    watchdogSeconds(plan.length) * 1000,
  );
  log(
    `stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s; ${plan.length} measured runs of ${warmupSeconds} + ${seconds} s`,
  );
  const loadBefore = loadavg();

  const records: RunRecord[] = [];
  let currentLatency = -1;
  for (const [n, step] of plan.entries()) {
    const { latency, workload, variant } = step;
    if (latency !== currentLatency) {
      await setLatency(latency);
      currentLatency = latency;
    }
    const gateway = variant === 'direct' ? undefined : gateways[variant];
    const subgraph = variant === 'direct' ? directSubgraph(workload) : null;
    const url = gateway?.url ?? (subgraph ? subgraphUrls[subgraph] : '');
    const pid = gateway?.child.pid;
    let headers = await userHeadersFor(variant);
    const checkBefore = await check(workload, variant, url, headers);
    if (warmupSeconds > 0) {
      await expect(
        {
          type: 'load',
          spec: {
            url,
            requests: requestsFor(workload, variant, headers),
            userHeaders: headers,
            connections: concurrency,
            seconds: warmupSeconds,
            maxRequests,
          },
        },
        'load',
      );
    }
    headers = await userHeadersFor(variant);
    const requests = requestsFor(workload, variant, headers);
    await sleep(300);
    await upstreamRequests(upstreamUrls, true);
    await subgraphRequests(subgraphChildren, true);
    const cpuOf = (ps: { child: ChildProcess }[]) =>
      ps.reduce((sum, p) => sum + cpuMs(p.child.pid ?? 0), 0);
    const subgraphCpu0 = cpuOf(subgraphProcesses);
    const upstreamCpu0 = cpuOf(upstreamProcesses);
    const gatewayCpu0 = pid ? cpuMs(pid) : 0;
    if (pid) resetPeakRss(pid);
    const load = (
      await expect(
        {
          type: 'load',
          spec: {
            url,
            requests,
            userHeaders: headers,
            connections: concurrency,
            seconds,
            maxRequests,
          },
        },
        'load',
      )
    ).result;
    const gatewayCpu = pid ? cpuMs(pid) - gatewayCpu0 : 0;
    const peak = pid ? peakRssMiB(pid) : null;
    // Requests cut off when autocannon stops still finish: let them, and count their fetches.
    await sleep(300);
    const subgraphCpu = cpuOf(subgraphProcesses) - subgraphCpu0;
    const upstreamCpu = cpuOf(upstreamProcesses) - upstreamCpu0;
    const subgraphCount = await subgraphRequests(subgraphChildren, true);
    const upstreamCount = await upstreamRequests(upstreamUrls, true);
    const checkAfter = await check(workload, variant, url, await userHeadersFor(variant));
    const alone = await countAlone(workload, variant, url);
    const per = (x: number) => x / Math.max(1, load.responses);
    const record: RunRecord = {
      latencyMs: latency,
      workload: workload.name,
      variant,
      load,
      gatewayCpuMsPerRequest: pid ? per(gatewayCpu) : null,
      subgraphCpuMsPerRequest: per(subgraphCpu),
      upstreamCpuMsPerRequest: per(upstreamCpu),
      subgraphRequestsPerOperation: alone.subgraph,
      upstreamRequestsPerOperation: alone.upstream,
      subgraphRequestsPerResponseUnderLoad: per(subgraphCount),
      upstreamRequestsPerResponseUnderLoad: per(upstreamCount),
      gatewayPeakRssMiB: peak,
      checkBefore,
      checkAfter,
    };
    records.push(record);
    const bad = checkBefore.failures.length + checkAfter.failures.length;
    log(
      `[${n + 1}/${plan.length}] ${latency} ms ${workload.name} ${LABEL[variant]}: ` +
        `${load.rps.toFixed(0)} req/s, p50 ${load.latencyMs.p50.toFixed(1)} ms, p99 ${load.latencyMs.p99.toFixed(1)} ms` +
        (record.gatewayCpuMsPerRequest !== null
          ? `, ${record.gatewayCpuMsPerRequest.toFixed(2)} CPU ms/req`
          : '') +
        (bad
          ? `, ${bad} check failures: ${[...checkBefore.failures, ...checkAfter.failures].slice(0, 3).join(' | ')}`
          : '') +
        (load.non2xx + load.withErrors + load.transportErrors
          ? `, ${load.non2xx} non-2xx, ${load.withErrors} with errors, ${load.transportErrors} transport errors`
          : ''),
    );
  }
  const loadAfter = loadavg();
  client.exit();

  const machine = {
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadBefore,
    loadAfter,
  };
  const settings = {
    seconds,
    warmupSeconds,
    concurrency,
    latencies,
    scale: Number(values.scale),
    maxRequests,
  };
  report({ machine, settings, workloads, shapes, idleRss, probes, probeResults, records });
  if (values.json) {
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          machine,
          settings,
          idleRssMiB: idleRss,
          probes: probeResults,
          plans: Object.fromEntries(shapes),
          workloads: workloads.map((w) => ({
            name: w.name,
            description: w.description,
            requests: w.requests.map((r) => ({
              id: r.id,
              operation: r.operation.name,
              variables: r.variables,
            })),
          })),
          records,
        },
        null,
        2,
      ),
    );
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const f = (n: number | null, digits = 1) =>
  n === null || !Number.isFinite(n) ? '-' : n.toFixed(n !== 0 && Math.abs(n) < 10 ? digits : 0);
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a == null || b == null || b === 0 ? '-' : (a / b).toFixed(2);

interface Machine {
  node: string;
  cores: number;
  cpu: string;
  memoryGiB: number;
  loadBefore: number[];
  loadAfter: number[];
}
interface Settings {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  latencies: number[];
  scale: number;
  maxRequests: number;
}

function report(input: {
  machine: Machine;
  settings: Settings;
  workloads: Workload[];
  shapes: Map<string, PlanShape>;
  idleRss: Record<string, number>;
  probes: Workload;
  probeResults: Partial<Record<Variant, CheckResult>>;
  records: RunRecord[];
}): void {
  const { machine, settings, workloads, shapes, records } = input;
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `node ${machine.node}, ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB; ` +
      `load average ${la(machine.loadBefore)} before, ${la(machine.loadAfter)} after; ` +
      `${settings.concurrency} connections, warm-up ${settings.warmupSeconds} s + ${settings.seconds} s measured per run, ` +
      `dataset scale ${settings.scale}`,
  );
  console.log("\nOperations and their query plans (Apollo's planner, as in (a) and (b)):\n");
  console.log(
    '| workload | operation | caller | distinct requests | subgraph fetches | subgraphs |',
  );
  console.log('| --- | --- | --- | --: | --: | --- |');
  for (const w of workloads) {
    if (w.name === 'mixed') continue;
    const byOperation = new Map<string, { op: Operation; ids: Set<string> }>();
    for (const r of w.requests) {
      const entry = byOperation.get(r.operation.name) ?? { op: r.operation, ids: new Set() };
      entry.ids.add(r.id);
      byOperation.set(r.operation.name, entry);
    }
    for (const { op, ids } of byOperation.values()) {
      const s = shapes.get(op.name);
      console.log(
        `| ${w.name} | ${op.name} | ${op.caller}${op.registered ? ' (registered)' : ''} | ${ids.size} | ${s?.fetches ?? '?'} | ${s?.subgraphs.join(', ') ?? '?'} |`,
      );
    }
  }
  console.log(
    `\nIdle RSS after start: ${Object.entries(input.idleRss)
      .map(([v, m]) => `${LABEL[v as Variant]} ${m.toFixed(0)} MiB`)
      .join(', ')}`,
  );
  console.log(
    `\nChecked once per gateway, not measured (${input.probes.requests[0]?.operation.name ?? ''}):\n`,
  );
  for (const [variant, result] of Object.entries(input.probeResults)) {
    console.log(
      `- ${LABEL[variant as Variant]}: ${result.failures.length === 0 ? `${result.checked} of ${result.checked} answers as ours` : result.failures.join('; ')}`,
    );
  }
  for (const latency of settings.latencies) {
    console.log(`\n### Upstream latency ${latency} ms\n`);
    console.log(
      '| workload | gateway | req/s | p50 ms | p99 ms | gateway CPU ms/req | gateway peak RSS MiB | subgraph req/op alone (under load) | upstream req/op alone (under load) | subgraph CPU ms/req | errors | checks |',
    );
    console.log('| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |');
    for (const w of workloads) {
      for (const v of VARIANTS) {
        const r = records.find(
          (x) => x.latencyMs === latency && x.workload === w.name && x.variant === v,
        );
        if (!r) continue;
        const errors = r.load.non2xx + r.load.withErrors + r.load.transportErrors;
        const failed = r.checkBefore.failures.length + r.checkAfter.failures.length;
        const total = r.checkBefore.checked + r.checkAfter.checked;
        console.log(
          `| ${w.name} | ${LABEL[v]} | ${f(r.load.rps, 0)} | ${f(r.load.latencyMs.p50)} | ${f(r.load.latencyMs.p99)} | ` +
            `${f(r.gatewayCpuMsPerRequest, 2)} | ${f(r.gatewayPeakRssMiB)} | ` +
            `${f(r.subgraphRequestsPerOperation, 2)} (${f(r.subgraphRequestsPerResponseUnderLoad, 2)}) | ` +
            `${f(r.upstreamRequestsPerOperation, 2)} (${f(r.upstreamRequestsPerResponseUnderLoad, 2)}) | ` +
            `${f(r.subgraphCpuMsPerRequest, 2)} | ${errors} | ${failed ? `${failed} of ${total} differ` : `${total} ok`} |`,
        );
      }
    }
    console.log(
      '\nRatios, each of our variants over (b) stock Apollo, (c) Hive and (d) the subgraph called directly: requests/s above 1 when ours serves more; p99 and gateway CPU per request below 1 when ours is faster or spends less; p50 and p99 over (d), our gateway over the subgraph alone.\n',
    );
    const noDedupe = records.some((r) => r.variant === 'hive-nodedupe');
    console.log(
      '| workload | ours | req/s /(b) | req/s /(c) | p99 /(b) | p99 /(c) | CPU/req /(b) | CPU/req /(c) | p50 /(d) | p99 /(d) |' +
        (noDedupe ? " req/s /(c') | p99 /(c') |" : ''),
    );
    console.log(
      '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: |' +
        (noDedupe ? ' --: | --: |' : ''),
    );
    for (const w of workloads) {
      const get = (v: Variant) =>
        records.find((x) => x.latencyMs === latency && x.workload === w.name && x.variant === v);
      const b = get('apollo');
      const c = get('hive');
      const c2 = get('hive-nodedupe');
      const d = get('direct');
      for (const variant of OURS) {
        const a = get(variant);
        if (!a) continue;
        console.log(
          `| ${w.name} | ${LABEL[variant]} | ${ratio(a.load.rps, b?.load.rps)} | ${ratio(a.load.rps, c?.load.rps)} | ` +
            `${ratio(a.load.latencyMs.p99, b?.load.latencyMs.p99)} | ${ratio(a.load.latencyMs.p99, c?.load.latencyMs.p99)} | ` +
            `${ratio(a.gatewayCpuMsPerRequest, b?.gatewayCpuMsPerRequest)} | ${ratio(a.gatewayCpuMsPerRequest, c?.gatewayCpuMsPerRequest)} | ` +
            `${ratio(a.load.latencyMs.p50, d?.load.latencyMs.p50)} | ${ratio(a.load.latencyMs.p99, d?.load.latencyMs.p99)} |` +
            (noDedupe
              ? ` ${ratio(a.load.rps, c2?.load.rps)} | ${ratio(a.load.latencyMs.p99, c2?.load.latencyMs.p99)} |`
              : ''),
        );
      }
    }
  }
}

try {
  await main();
} finally {
  clearTimeout(watchdog);
  await stopAll();
}
