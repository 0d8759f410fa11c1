// The side-by-side comparison of `npm run bench` on a graph nobody here wrote: the public
// federation gateway benchmark's four subgraphs (bench/foreign/subgraphs.ts, each its own
// process) and its one query (bench/foreign/query.graphql), served from
// bench/foreign/supergraph.graphql by
//   ours              gateway/main.js as `npm start` runs it, pointed at the file by SUPERGRAPH_PATH
//                     and at the subgraphs by SUBGRAPH_URL_<NAME>, the per-caller rate limit out
//                     of the way (one client address sends everything)
//   ours-nocoalesce   the same with COALESCE_ANONYMOUS_FETCHES=false (opt-in)
//   apollo            stock @apollo/gateway + @apollo/server (bench/compare/apollo-stock.ts)
//   hive              Hive Gateway's CLI, default settings (bench/compare/hive.config.ts)
//   hive-nodedupe     the same with its in-flight deduplication off (opt-in)
// The pieces are bench/compare's: the load generator (load-client.ts, autocannon, every answer
// compared with our gateway's), the subgraph request counter preloaded into each subgraph
// (count-requests.ts), gateway CPU from /proc (proc.ts). The benchmark's requests are all
// anonymous: a gateway that shares identical fetches in flight can share them across clients
// here (the public benchmark sends a random token with each request to prevent that, which our
// gateway would refuse), hence the opt-in variants without it.
// For each subgraph latency (--latencies, each subgraph request waits that long, the benchmark's
// SUBGRAPH_DELAY_MS) and each variant, in turn (the order rotates between latencies):
//   check    the query once, its data compared with our gateway's reference answer
//   warm-up  autocannon for --warmup seconds, not measured
//   measure  autocannon for --seconds (at most --max-requests): requests/s, p50/p99, gateway CPU
//            ms per answer, subgraph requests per answer
//   check    again, then the query alone once: exactly the subgraph requests one operation costs
// Loopback only, a temporary folder for keys, a watchdog. A Markdown table on stdout, progress on
// stderr, all figures as JSON with --json <file>.
// Usage: npm run build && node dist/bench/foreign/run.js [--seconds 5] [--warmup 2]
//        [--concurrency 16] [--latencies 0,20] [--variants ours,apollo,hive] [--max-requests N]
//        [--json results.json] [--logs <dir>]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureKeys, keyFiles } from '../../lib/auth/keys.js';
import { PUBLIC_PRINCIPAL } from '../../lib/auth/principal.js';
import { subgraphEnvName } from '../../gateway/supergraph-file.js';
import { projectPath } from '../../lib/project-files.js';
import {
  askChild,
  benchChildren,
  LOAD_RUN_OPTIONS,
  loadClient,
  loadRunSettings,
  subgraphCount,
  waitUntilServing,
  type Started as Child,
} from '../compare/children.js';
import type { BenchCaller } from '../compare/assertions.js';
import type { BenchRequest, CheckResult, ClientReply, LoadResult } from '../compare/load-client.js';
import { cpuMs } from '../compare/proc.js';
import { FOREIGN_QUERY_PATH, FOREIGN_SUPERGRAPH_PATH } from './compose.js';
import type { DelayMessage } from './main.js';
import { FOREIGN_SUBGRAPHS, type ForeignSubgraphName } from './subgraphs.js';

const { values } = parseArgs({
  options: {
    ...LOAD_RUN_OPTIONS,
    variants: { type: 'string', default: 'ours,apollo,hive' },
  },
});

const { seconds, warmupSeconds, concurrency, maxRequests, latencies } = loadRunSettings(values, {
  maxSeconds: 60,
  maxWarmupSeconds: 30,
});

const VARIANTS = ['ours', 'ours-nocoalesce', 'apollo', 'hive', 'hive-nodedupe'] as const;
type Variant = (typeof VARIANTS)[number];
const variants = values.variants.split(',').map((v) => {
  if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant ${v}`);
  return v as Variant;
});
if (!variants.includes('ours'))
  throw new Error('--variants must include ours: its answer is the reference');
const LABEL: Record<Variant, string> = {
  ours: 'ours',
  'ours-nocoalesce': 'ours, coalescing off',
  apollo: 'stock Apollo',
  hive: 'Hive',
  'hive-nodedupe': 'Hive, dedupe off',
};

const foreignDir = dirname(fileURLToPath(import.meta.url));
const benchDir = dirname(foreignDir);
const distDir = dirname(benchDir);
const tempDir = mkdtempSync(join(tmpdir(), 'prato-foreign-bench-'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const children = benchChildren({ logsDir: values.logs, log });

type Started = Pick<Child, 'child'> & { url: string };

type Subgraphs = Record<ForeignSubgraphName, Started>;

/** GraphQL requests each subgraph served (its preloaded counter), zeroed when `reset`. */
async function subgraphRequests(
  subgraphs: Subgraphs,
  reset: boolean,
): Promise<Record<ForeignSubgraphName, number>> {
  const counts = await Promise.all(
    FOREIGN_SUBGRAPHS.map(async (name) => {
      return [name, await subgraphCount(subgraphs[name].child, reset)] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<ForeignSubgraphName, number>;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

interface RunRecord {
  latencyMs: number;
  variant: Variant;
  load: LoadResult;
  /** CPU time of the gateway process per answer (ms). */
  gatewayCpuMsPerRequest: number;
  /** The query sent alone: subgraph requests, by subgraph (exact). */
  subgraphRequestsPerOperation: Record<ForeignSubgraphName, number>;
  /** Subgraph requests during the measured run over the answers received. */
  subgraphRequestsPerResponseUnderLoad: number;
  checkBefore: CheckResult;
  checkAfter: CheckResult;
}

async function main(): Promise<void> {
  const keysDir = join(tempDir, 'keys');
  await ensureKeys(keysDir);
  const supergraphPath = projectPath(FOREIGN_SUPERGRAPH_PATH);
  const query = readFileSync(projectPath(FOREIGN_QUERY_PATH), 'utf8');

  const counter = pathToFileURL(join(benchDir, 'compare', 'count-requests.js')).href;
  const started = await Promise.all(
    FOREIGN_SUBGRAPHS.map((name) =>
      children.startService(
        `subgraph ${name}`,
        ['--import', counter, join(foreignDir, 'main.js'), name, '0'],
        {},
      ),
    ),
  );
  const subgraphs = Object.fromEntries(
    FOREIGN_SUBGRAPHS.map((name, i) => [name, started[i] as Started]),
  ) as Subgraphs;
  const urls = Object.fromEntries(FOREIGN_SUBGRAPHS.map((name) => [name, subgraphs[name].url]));

  // The stock gateways put the public caller's assertion on subgraph requests, as for our graph;
  // these subgraphs ignore it, as they ignore the one our gateway sends.
  const publicCaller: BenchCaller = {
    authorization: null,
    purpose: null,
    principal: PUBLIC_PRINCIPAL,
  };
  const callersFile = join(tempDir, 'callers.json');
  writeFileSync(callersFile, JSON.stringify([publicCaller]), { mode: 0o600 });
  const stockEnv = {
    BENCH_SUPERGRAPH: supergraphPath,
    BENCH_SUBGRAPH_URLS: JSON.stringify(urls),
    BENCH_CALLERS: callersFile,
    BENCH_ASSERTION_KEY: keyFiles(keysDir, 'assertion').privateFile,
  };
  const gateways: Partial<Record<Variant, Started>> = {};
  for (const variant of variants) {
    if (variant === 'ours' || variant === 'ours-nocoalesce') {
      gateways[variant] = await children.startService(
        `gateway ${variant}`,
        [join(distDir, 'gateway/main.js')],
        {
          HOST: '127.0.0.1',
          GATEWAY_PORT: '0',
          KEYS_DIR: keysDir,
          SUPERGRAPH_PATH: supergraphPath,
          ...Object.fromEntries(
            FOREIGN_SUBGRAPHS.map((name) => [`SUBGRAPH_URL_${subgraphEnvName(name)}`, urls[name]]),
          ),
          RATE_LIMIT_PER_SECOND: '1000000',
          RATE_LIMIT_BURST: '1000000',
          ...(variant === 'ours-nocoalesce' ? { COALESCE_ANONYMOUS_FETCHES: 'false' } : {}),
        },
      );
    } else {
      gateways[variant] = await children.startStockGateway(
        `gateway ${variant}`,
        variant,
        supergraphPath,
        stockEnv,
      );
    }
  }
  for (const [variant, gateway] of Object.entries(gateways)) {
    await waitUntilServing(LABEL[variant as Variant], gateway.url);
  }

  const request: BenchRequest = {
    id: 'TestQuery',
    caller: 'public',
    headers: {},
    body: JSON.stringify({ query, operationName: 'TestQuery' }),
    unordered: [],
  };
  const client = loadClient(children).ask;
  const reference = (await client({
    type: 'reference',
    url: gateways.ours!.url,
    requests: [request],
  })) as Extract<ClientReply, { type: 'reference' }>;
  if (reference.result.failures.length > 0) {
    throw new Error(
      `our gateway's reference answer failed: ${reference.result.failures.join('; ')}`,
    );
  }
  const check = async (url: string) =>
    (
      (await client({ type: 'check', url, requests: [request] })) as Extract<
        ClientReply,
        { type: 'check' }
      >
    ).result;
  const loadRun = async (url: string, runSeconds: number) =>
    (
      (await client({
        type: 'load',
        spec: {
          url,
          requests: [request],
          userHeaders: [],
          connections: concurrency,
          seconds: runSeconds,
          maxRequests,
        },
      })) as Extract<ClientReply, { type: 'load' }>
    ).result;

  const records: RunRecord[] = [];
  for (const [round, latencyMs] of latencies.entries()) {
    await Promise.all(
      FOREIGN_SUBGRAPHS.map((name) =>
        askChild<DelayMessage>(subgraphs[name].child, {
          type: 'foreign-delay',
          ms: latencyMs,
        } satisfies DelayMessage),
      ),
    );
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
    for (const variant of order) {
      const gateway = gateways[variant] as Started;
      const pid = gateway.child.pid ?? 0;
      log(
        `latency ${latencyMs} ms, ${LABEL[variant]}: check, warm-up ${warmupSeconds} s, measure ${seconds} s`,
      );
      const checkBefore = await check(gateway.url);
      if (warmupSeconds > 0) await loadRun(gateway.url, warmupSeconds);
      await subgraphRequests(subgraphs, true);
      const cpuBefore = cpuMs(pid);
      const load = await loadRun(gateway.url, seconds);
      const cpu = cpuMs(pid) - cpuBefore;
      const underLoad = sum(await subgraphRequests(subgraphs, true));
      const checkAfter = await check(gateway.url);
      await subgraphRequests(subgraphs, true);
      await check(gateway.url);
      const perOperation = await subgraphRequests(subgraphs, true);
      records.push({
        latencyMs,
        variant,
        load,
        gatewayCpuMsPerRequest: load.responses > 0 ? cpu / load.responses : NaN,
        subgraphRequestsPerOperation: perOperation,
        subgraphRequestsPerResponseUnderLoad: load.responses > 0 ? underLoad / load.responses : NaN,
        checkBefore,
        checkAfter,
      });
    }
  }
  report(records);
}

function report(records: RunRecord[]): void {
  const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
  const lines = [
    `Foreign supergraph (${FOREIGN_SUPERGRAPH_PATH}), the benchmark's TestQuery; ${concurrency} connections, ${seconds} s measured after ${warmupSeconds} s of warm-up; ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    '',
    '| subgraph latency | gateway | req/s | p50 ms | p99 ms | gateway CPU ms/req | subgraph requests/op (accounts, inventory, products, reviews) | under load /answer | non-2xx | with errors | checks |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of records) {
    const op = r.subgraphRequestsPerOperation;
    const failures = [...r.checkBefore.failures, ...r.checkAfter.failures];
    lines.push(
      `| ${r.latencyMs} ms | ${LABEL[r.variant]} | ${f(r.load.rps)} | ${f(r.load.latencyMs.p50)} | ${f(r.load.latencyMs.p99)} | ${f(r.gatewayCpuMsPerRequest, 2)} | ${sum(op)} (${FOREIGN_SUBGRAPHS.map((n) => op[n]).join(', ')}) | ${f(r.subgraphRequestsPerResponseUnderLoad, 2)} | ${r.load.non2xx} | ${r.load.withErrors} | ${failures.length === 0 ? 'same data as ours' : failures.join('; ')} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify({ concurrency, seconds, warmupSeconds, records }, null, 2),
    );
}

const watchdog = setTimeout(
  () => {
    log('watchdog: the run overstayed, stopping everything');
    void stopAll().then(() => process.exit(2));
  },
  (latencies.length * variants.length * (warmupSeconds + seconds + 20) + 180) * 1000,
);

async function stopAll(): Promise<void> {
  await children.stopAll();
  rmSync(tempDir, { recursive: true, force: true });
}

try {
  await main();
} catch (err) {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await stopAll();
}
