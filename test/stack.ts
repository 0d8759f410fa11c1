// Test harness: the whole system in this process over real HTTP on free ports — four
// simulated upstreams on a small dataset, the four subgraphs and the gateway.
import { createUpstream, type RunningUpstream, type SystemName } from '../upstreams/index.js';
import { createDesksSubgraph } from '../subgraphs/desks/index.js';
import { createWorkersSubgraph } from '../subgraphs/workers/index.js';
import { createEmployersSubgraph } from '../subgraphs/employers/index.js';
import { createTrainingSubgraph } from '../subgraphs/training/index.js';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createGateway,
  loadGatewaySecurity,
  type GatewayOptions,
  type LimitOverrides,
} from '../gateway/index.js';
import { IN_MEMORY, type SharedStoreConfig } from '../gateway/shared-store/index.js';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER } from '../gateway/config.js';
import { mintDevToken, type DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { ensureKeys, keyFiles, loadPrivateKey, loadPublicKey } from '../lib/auth/keys.js';
import type { RunningHttpServer } from '../lib/graphql-http.js';
import type { UpstreamConfig } from '../subgraphs/shared/config.js';
import { createLogger, type Logger } from '../lib/log.js';
import { createTracing, type Tracing } from '../lib/telemetry.js';
import type { DestinationStream } from 'pino';

export const CREDENTIALS: Record<SystemName, string> = {
  registry: 'registry-test-key',
  idol: 'idol-test-key',
  co: 'co-test-key',
  trio: 'trio-test-token',
};

export interface StackOptions {
  dataDir: string;
  /** How long the desks subgraph uses the registry document before revalidating. */
  registryMaxAgeMs?: number;
  upstreamTimeoutMs?: number;
  /** The gateway's limits, where a test needs other values than the defaults. */
  gatewayLimits?: LimitOverrides;
  /** The workers subgraph's audit log; by default a file in a temporary folder of its own. */
  auditLogPath?: string;
  /** The partners' registered operations; by default the committed manifest. */
  trustedDocumentsPath?: string;
  /** The gateway's METRICS_TOKEN; by default none (no `/metrics` on the gateway). */
  metricsToken?: string;
  /**
   * The gateway's shared store (REDIS_URL...). By default in memory and without the response
   * cache: tests count the subgraph and upstream requests each operation causes, and a cached
   * answer causes none.
   */
  sharedStore?: SharedStoreConfig;
  /**
   * Where every process of the stack writes its log records, JSON lines at debug level
   * (lib/log.ts); by default none are written.
   */
  logStream?: DestinationStream;
  /** The OTLP/HTTP traces URL the gateway and subgraphs export to; by default no traces. */
  tracesEndpoint?: string;
  /** Retry and circuit-breaker settings of one upstream's client, where a test needs others. */
  upstreamSettings?: Partial<
    Record<
      SystemName,
      Partial<
        Pick<
          UpstreamConfig,
          'retries' | 'retryBaseMs' | 'breakerFailures' | 'breakerCoolDownMs' | 'maxResponseBytes'
        >
      >
    >
  >;
}

/** What a replica started with `Stack.startGateway` may set otherwise than the first gateway. */
export type ReplicaOptions = Partial<
  Pick<
    GatewayOptions,
    | 'sharedStore'
    | 'limits'
    | 'batchSubgraphFetches'
    | 'coalesceAnonymousFetches'
    | 'trustedProxies'
  >
>;

export interface Stack {
  gatewayUrl: string;
  subgraphUrls: Record<'desks' | 'workers' | 'employers' | 'training', string>;
  upstreamUrls: Record<SystemName, string>;
  /** Where the workers subgraph appends its audit records. */
  auditLogPath: string;
  /** This stack's development keys (`lib/auth/keys.ts` layout), the gateway's assertion key among them. */
  keysDir: string;
  /**
   * Starts one more gateway on the same subgraphs, with the same keys and settings but for
   * `replica`'s: a replica behind a load balancer. Stopped with the stack; returns its URL.
   */
  startGateway(replica?: ReplicaOptions): Promise<string>;
  /** Sends the spans that ended and are still batched (with `tracesEndpoint`). */
  flushTraces(): Promise<void>;
  /** A token for this stack's gateway, as `npm run token` would mint it. */
  token(claims: DevTokenClaims): Promise<string>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  // Development keys of this stack's own: token signing (for tests' tokens) and assertions.
  const keysDir = mkdtempSync(join(tmpdir(), 'prato-graph-keys-'));
  await ensureKeys(keysDir);
  const security = await loadGatewaySecurity({
    jwksUrl: null,
    keysDir,
    issuer: DEV_TOKEN_ISSUER,
    audience: DEV_TOKEN_AUDIENCE,
  });
  const trust = { assertionKey: await loadPublicKey(keyFiles(keysDir, 'assertion').publicFile) };
  const tokenKey = await loadPrivateKey(keyFiles(keysDir, 'token-signing').privateFile);
  let auditDir: string | null = null;
  let auditLogPath = options.auditLogPath;
  if (auditLogPath === undefined) {
    auditDir = mkdtempSync(join(tmpdir(), 'prato-graph-audit-'));
    auditLogPath = join(auditDir, 'workers-audit.jsonl');
  }
  const upstreams: RunningUpstream[] = [];
  const servers: RunningHttpServer[] = [];
  const tracings: Tracing[] = [];
  // Each process's logger and tracing, named as its own process would name them.
  const loggerFor = (name: string): Logger | undefined =>
    options.logStream
      ? createLogger({ name, level: 'debug', format: 'json', destination: options.logStream })
      : undefined;
  const observed = (name: string): { logger?: Logger; tracing?: Tracing } => {
    const logger = loggerFor(name);
    const tracing = options.tracesEndpoint
      ? createTracing({ serviceName: name, endpoint: options.tracesEndpoint })
      : undefined;
    if (tracing) tracings.push(tracing);
    return { ...(logger ? { logger } : {}), ...(tracing ? { tracing } : {}) };
  };
  const stopAll = async () => {
    await Promise.allSettled(servers.reverse().map((s) => s.stop()));
    await Promise.allSettled(upstreams.map((u) => u.stop()));
    await Promise.allSettled(tracings.map((t) => t.shutdown()));
  };
  try {
    const systems: SystemName[] = ['registry', 'idol', 'co', 'trio'];
    for (const system of systems) {
      upstreams.push(
        await createUpstream({
          system,
          dataDir: options.dataDir,
          credential: CREDENTIALS[system],
          logger: loggerFor(`upstream-${system}`),
        }),
      );
    }
    const upstreamUrls = Object.fromEntries(upstreams.map((u) => [u.system, u.url])) as Record<
      SystemName,
      string
    >;
    const upstream = (system: SystemName) => ({
      baseUrl: upstreamUrls[system],
      credential: CREDENTIALS[system],
      timeoutMs: options.upstreamTimeoutMs ?? 5000,
      connections: 8,
      ...options.upstreamSettings?.[system],
    });
    const desks = await createDesksSubgraph(
      {
        registry: { ...upstream('registry'), documentMaxAgeMs: options.registryMaxAgeMs ?? 60_000 },
        ...observed('subgraph-desks'),
      },
      trust,
    );
    servers.push(desks);
    const workers = await createWorkersSubgraph(
      {
        idol: upstream('idol'),
        pseudonymKey: randomBytes(32),
        auditLogPath,
        ...observed('subgraph-workers'),
      },
      trust,
    );
    servers.push(workers);
    const employers = await createEmployersSubgraph(
      { co: upstream('co'), ...observed('subgraph-employers') },
      trust,
    );
    servers.push(employers);
    const training = await createTrainingSubgraph(
      { trio: upstream('trio'), ...observed('subgraph-training') },
      trust,
    );
    servers.push(training);
    const subgraphUrls = {
      desks: desks.url,
      workers: workers.url,
      employers: employers.url,
      training: training.url,
    };
    // The first gateway's settings; replicas (startGateway) start from them.
    const gatewayOptions: GatewayOptions = {
      subgraphUrls,
      subgraphTimeoutMs: 10_000,
      subgraphConnections: 16,
      maxBodyBytes: 1_000_000,
      limits: options.gatewayLimits,
      trustedDocumentsPath: options.trustedDocumentsPath,
      metricsToken: options.metricsToken ?? null,
      sharedStore: options.sharedStore ?? { ...IN_MEMORY, responseCache: false },
      ...observed('gateway'),
    };
    const startGateway = async (replica: ReplicaOptions = {}) => {
      const started = await createGateway({ ...gatewayOptions, ...replica }, security);
      servers.push(started);
      return started;
    };
    const gateway = await startGateway();
    return {
      gatewayUrl: gateway.url,
      subgraphUrls,
      upstreamUrls,
      auditLogPath,
      keysDir,
      startGateway: async (replica) => (await startGateway(replica)).url,
      flushTraces: async () => {
        await Promise.all(tracings.map((t) => t.forceFlush()));
      },
      token: (claims) =>
        mintDevToken(tokenKey, claims, { issuer: DEV_TOKEN_ISSUER, audience: DEV_TOKEN_AUDIENCE }),
      stop: async () => {
        await stopAll();
        rmSync(keysDir, { recursive: true, force: true });
        if (auditDir) rmSync(auditDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * A private copy of the shared test dataset for a test file that writes: the other files
 * compare answers with the dataset and must not see another file's records. Remove it with
 * `rmSync(dir, { recursive: true, force: true })` after the stack has stopped.
 */
export function copyDataset(dataDir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'prato-graph-writes-'));
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: res.status, ...body };
}

/** Requests each upstream served, per route, since the last reset. */
export async function upstreamStats(
  stack: Stack,
): Promise<Record<SystemName, Record<string, number>>> {
  const entries = await Promise.all(
    Object.entries(stack.upstreamUrls).map(async ([system, url]) => {
      const res = await fetch(`${url}/_admin/stats`);
      const body = (await res.json()) as { richieste: Record<string, number> };
      return [system, body.richieste] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<SystemName, Record<string, number>>;
}

/** Requests every upstream served since the last reset, as `"<system> <route>": n`. */
export async function upstreamRequests(stack: Stack): Promise<Record<string, number>> {
  const flat: Record<string, number> = {};
  for (const [system, routes] of Object.entries(await upstreamStats(stack))) {
    for (const [route, n] of Object.entries(routes)) flat[`${system} ${route}`] = n;
  }
  return flat;
}

/** GraphQL requests each subgraph has answered so far, from its own `/metrics`. */
export async function subgraphRequests(
  stack: Stack,
): Promise<Record<keyof Stack['subgraphUrls'], number>> {
  const counts = await Promise.all(
    Object.entries(stack.subgraphUrls).map(async ([name, url]) => {
      const text = await (await fetch(new URL('/metrics', url))).text();
      let served = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith('subgraph_requests_total{')) served += Number(line.split(' ').at(-1));
      }
      return [name, served] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<keyof Stack['subgraphUrls'], number>;
}

/** The sum of a set of request counters. */
export function totalRequests(requests: Record<string, number>): number {
  return Object.values(requests).reduce((a, b) => a + b, 0);
}

export async function resetUpstreamStats(stack: Stack): Promise<void> {
  await Promise.all(
    Object.values(stack.upstreamUrls).map((url) =>
      fetch(`${url}/_admin/stats`, { method: 'DELETE' }),
    ),
  );
}

/** Reads an upstream directly with its credential: the source of truth tests compare against. */
export async function upstreamGet<T = unknown>(
  stack: Stack,
  system: SystemName,
  path: string,
): Promise<T> {
  const headers: Record<string, string> =
    system === 'trio'
      ? { authorization: `Bearer ${CREDENTIALS.trio}` }
      : { 'x-api-key': CREDENTIALS[system] };
  const res = await fetch(`${stack.upstreamUrls[system]}${path}`, { headers });
  if (!res.ok) throw new Error(`${system} ${path}: ${res.status}`);
  return (await res.json()) as T;
}
