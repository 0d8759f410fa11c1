// The load generator of `npm run bench` (bench/compare.ts), in a process of its own so that
// sending requests and reading answers never runs on a measured process. Driven over IPC, one
// message at a time:
//   reference  each request sent twice to our gateway: the answers every other gateway must give
//   check      each request sent once to a gateway, its data compared with the reference
//   load       autocannon against a gateway for a time and at most a number of requests
// Loopback only: the orchestrator gives 127.0.0.1 URLs and nothing else.
import autocannon from 'autocannon';

export interface BenchRequest {
  /** The logical request (bench/compare/workloads.ts WorkloadRequest.id). */
  id: string;
  /** Who sends it (bench/compare/workloads.ts CallerName). */
  caller: string;
  /** Headers besides content-type, the first user's: what checks send. */
  headers: Record<string, string>;
  /** The JSON body. */
  body: string;
  /** Paths of the lists compared without their order. */
  unordered: readonly string[];
}

export interface LoadSpec {
  url: string;
  requests: BenchRequest[];
  /** Each user's headers by caller: connection k sends as user k (modulo their number). */
  userHeaders: Record<string, Record<string, string>>[];
  connections: number;
  seconds: number;
  maxRequests: number;
}

export interface LoadResult {
  /** Answers received (any status). */
  responses: number;
  seconds: number;
  /** Answers per second. */
  rps: number;
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  /** Not 2xx. */
  non2xx: number;
  /** 2xx whose body holds `"errors"`. */
  withErrors: number;
  /** Socket errors and timeouts. */
  transportErrors: number;
}

export interface CheckResult {
  checked: number;
  /** One line per request whose answer was not the reference. */
  failures: string[];
}

export type ClientMessage =
  | { type: 'reference'; url: string; requests: BenchRequest[] }
  | { type: 'check'; url: string; requests: BenchRequest[] }
  | { type: 'load'; spec: LoadSpec }
  | { type: 'exit' };

export type ClientReply =
  | { type: 'reference'; result: CheckResult }
  | { type: 'check'; result: CheckResult }
  | { type: 'load'; result: LoadResult }
  | { type: 'error'; message: string };

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The data of an answer in a form that compares equal when only the order of unordered lists
 * differs: object keys sorted, unordered lists sorted by their elements' canonical text.
 */
export function canonical(value: unknown, unordered: ReadonlySet<string>, path = ''): string {
  if (Array.isArray(value)) {
    const items = value.map((item) => canonical(item, unordered, path));
    if (unordered.has(path)) items.sort();
    return `[${items.join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, unordered, path ? `${path}.${k}` : k)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Sends one request; the canonical data, or why there is none. */
async function ask(url: string, request: BenchRequest): Promise<{ data?: string; why?: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: request.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    return { why: `no answer (${err instanceof Error ? err.message : String(err)})` };
  }
  const text = await res.text();
  let parsed: { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { why: `${res.status}, not JSON: ${text.slice(0, 200)}` };
  }
  if (res.status !== 200 || parsed.errors?.length || parsed.data == null) {
    const first = parsed.errors?.[0];
    return {
      why: `${res.status} ${first?.extensions?.code ?? ''} ${first?.message ?? 'no data'}`.slice(
        0,
        300,
      ),
    };
  }
  return { data: canonical(parsed.data, new Set(request.unordered)) };
}

/** The distinct logical requests of a list (a workload repeats some). */
function distinct(requests: BenchRequest[]): BenchRequest[] {
  const seen = new Map<string, BenchRequest>();
  for (const r of requests) if (!seen.has(r.id)) seen.set(r.id, r);
  return [...seen.values()];
}

const reference = new Map<string, string>();
/** Checks run a few requests at a time: with 20 ms upstreams a worker page takes ~100 ms. */
const CHECK_CONCURRENCY = 8;

async function eachConcurrently<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, items.length) }, lane));
}

async function makeReference(url: string, requests: BenchRequest[]): Promise<CheckResult> {
  const failures: string[] = [];
  const all = distinct(requests);
  await eachConcurrently(all, async (request) => {
    const first = await ask(url, request);
    const second = await ask(url, request);
    if (first.data === undefined) failures.push(`${request.id}: ${first.why}`);
    else if (second.data !== first.data)
      failures.push(`${request.id}: two answers of our gateway differ`);
    else reference.set(request.id, first.data);
  });
  return { checked: all.length, failures: failures.sort() };
}

async function check(url: string, requests: BenchRequest[]): Promise<CheckResult> {
  const failures: string[] = [];
  const all = distinct(requests);
  await eachConcurrently(all, async (request) => {
    const expected = reference.get(request.id);
    const got = await ask(url, request);
    if (expected === undefined) failures.push(`${request.id}: no reference answer`);
    else if (got.data === undefined) failures.push(`${request.id}: ${got.why}`);
    else if (got.data !== expected) failures.push(`${request.id}: data differs from our gateway's`);
  });
  return { checked: all.length, failures: failures.sort() };
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error(`loopback only, not ${target.hostname}`);
  }
  const latencies = new Float64Array(spec.maxRequests + spec.connections);
  let n = 0;
  let non2xx = 0;
  let withErrors = 0;
  const started = performance.now();
  // Without a callback autocannon returns its instance, an event emitter that is also a promise
  // of the result (the typings show only the promise).
  const asUser = (k: number): autocannon.Request[] => {
    const user = spec.userHeaders[k % Math.max(1, spec.userHeaders.length)];
    return spec.requests.map((r) => ({
      method: 'POST',
      path: target.pathname,
      headers: { 'content-type': 'application/json', ...(user?.[r.caller] ?? r.headers) },
      body: r.body,
    }));
  };
  let clients = 0;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.seconds,
    maxOverallRequests: spec.maxRequests,
    timeout: REQUEST_TIMEOUT_MS / 1000,
    requests: asUser(0),
    // Connection k sends as user k, and goes through the list from its own starting point,
    // spread evenly, so that the connections do not all ask the same request at once.
    setupClient: (client) => {
      const k = clients;
      clients += 1;
      const own = asUser(k);
      const offset = Math.floor((k * own.length) / spec.connections) % own.length;
      client.setRequests([...own.slice(offset), ...own.slice(0, offset)]);
    },
    // A GraphQL error comes with status 200: count those answers apart.
    verifyBody: (body) => {
      if (body?.includes('"errors"')) withErrors += 1;
      return true;
    },
  }) as unknown as autocannon.Instance;
  const finished = instance as unknown as Promise<autocannon.Result>;
  // autocannon's own histogram keeps whole milliseconds; these are the exact durations.
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (n < latencies.length) latencies[n] = ms;
    n += 1;
    if (status < 200 || status >= 300) non2xx += 1;
  });
  const result = await finished;
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.subarray(0, Math.min(n, latencies.length)).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    responses: n,
    seconds,
    rps: n / seconds,
    latencyMs: {
      mean: sorted.length ? sum / sorted.length : 0,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? 0,
    },
    non2xx,
    withErrors,
    transportErrors: result.errors + result.timeouts,
  };
}

function reply(message: ClientReply): void {
  process.send?.(message);
}

if (process.send) {
  process.on('message', (message: ClientMessage) => {
    const handle = async (): Promise<ClientReply | null> => {
      switch (message.type) {
        case 'reference':
          return { type: 'reference', result: await makeReference(message.url, message.requests) };
        case 'check':
          return { type: 'check', result: await check(message.url, message.requests) };
        case 'load':
          return { type: 'load', result: await load(message.spec) };
        case 'exit':
          process.exit(0);
      }
    };
    handle().then(
      (answer) => answer && reply(answer),
      (err: unknown) =>
        reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  });
  // Never outlive the benchmark.
  process.on('disconnect', () => process.exit(0));
}
