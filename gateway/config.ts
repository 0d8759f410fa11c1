// The gateway's configuration, from the environment.
import {
  ConfigError,
  envBoolean,
  envInt,
  envNumber,
  envString,
  envUrl,
  type Env,
} from '../lib/env.js';
import { DEFAULT_LIMITS, type Limits } from './limits/index.js';
import { DEFAULT_TRUSTED_DOCUMENTS_PATH } from './trusted-documents.js';
import { readLogConfig, type LogConfig } from '../lib/log.js';
import { readTelemetryConfig, type TelemetryConfig } from '../lib/telemetry.js';
import { DEFAULT_KEY_PREFIX, type SharedStoreConfig } from './shared-store/index.js';
import { DEFAULT_REGISTRATIONS_PER_HOUR } from './shared-store/registration-quota.js';
import { trustedProxyList } from './client-address.js';

/** Issuer and audience of the development tokens minted by `npm run token`. */
export const DEV_TOKEN_ISSUER = 'prato-graph-dev';
export const DEV_TOKEN_AUDIENCE = 'prato-graph';

/**
 * Subgraph URLs configured by subgraph name (its environment form, gateway/supergraph-file.ts
 * subgraphEnvName): they override the supergraph's `join__graph(url:)`.
 */
export type SubgraphUrls = Readonly<Record<string, string>>;

export interface GatewayConfig {
  host: string;
  port: number;
  /** Path of the supergraph SDL file; relative paths are taken from the project root. */
  supergraphPath: string;
  /** SUBGRAPH_URL_<NAME> (and our four DESKS_SUBGRAPH_URL ... aliases): override the file's URLs. */
  subgraphUrls: SubgraphUrls;
  /** Deadline for one subgraph fetch. */
  subgraphTimeoutMs: number;
  /**
   * The whole client request's budget: no subgraph fetch starts after it, each one is
   * aborted at it, and subgraphs get what is left in `x-request-deadline-ms`.
   */
  requestDeadlineMs: number;
  /** Connections kept open to each subgraph. */
  subgraphConnections: number;
  /**
   * Whether identical subgraph fetches of anonymous callers in flight at the same time share
   * one request (gateway/subgraph-data-source.ts). Never for signed-in callers.
   */
  coalesceAnonymousFetches: boolean;
  /**
   * Whether a request's query fetches to one subgraph that are ready at the same moment go as
   * one request (gateway/fetch-batch.ts).
   */
  batchSubgraphFetches: boolean;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  /**
   * GraphiQL for browsers at `/` (gateway/ide/), all of it served by the gateway itself;
   * IDE_ENABLED=false leaves `/` to GraphQL alone.
   */
  ideEnabled: boolean;
  /** What one request may ask (SECURITY.md "Limits"); defaults in gateway/limits/index.ts. */
  limits: Readonly<Limits>;
  /**
   * The partners' registered operations (gateway/trusted-documents.ts); relative paths are
   * taken from the project root. Checked at start: a bad manifest stops the gateway.
   */
  trustedDocumentsPath: string;
  /**
   * The bearer token a Prometheus scraper presents for `/metrics` (gateway/metrics.ts); null
   * (METRICS_TOKEN unset): the gateway serves no `/metrics`.
   */
  metricsToken: string | null;
  /**
   * Where the replicas' persisted queries, public response cache and rate limits live
   * (gateway/shared-store): Redis with REDIS_URL, this process's memory without.
   */
  sharedStore: SharedStoreConfig;
  /**
   * TRUSTED_PROXIES: the reverse proxies (addresses and CIDR ranges) whose `X-Forwarded-For`
   * names the client for anonymous callers' allowances (gateway/client-address.ts). Default
   * none: the connection's address.
   */
  trustedProxies: readonly string[];
  /** LOG_LEVEL, LOG_FORMAT (lib/log.ts). */
  log: LogConfig;
  /** OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, OTEL_SERVICE_NAME (lib/telemetry.ts): traces if set. */
  telemetry: TelemetryConfig;
  auth: {
    /** The identity provider's JWKS URL; when null, the local development key set is used. */
    jwksUrl: string | null;
    /** Folder of the development keys (token signing, gateway assertions). */
    keysDir: string;
    issuer: string;
    audience: string;
  };
}

export function readGatewayConfig(env: Env): Readonly<GatewayConfig> {
  return Object.freeze({
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envInt(env, 'GATEWAY_PORT', 4000, { max: 65535 }),
    supergraphPath: envString(env, 'SUPERGRAPH_PATH', 'schema/supergraph.graphql'),
    subgraphUrls: readSubgraphUrls(env),
    subgraphTimeoutMs: envInt(env, 'SUBGRAPH_TIMEOUT_MS', 10_000, { min: 1 }),
    // At most 50 s: the subgraph assertion (60 s) must outlive any request it serves.
    requestDeadlineMs: envInt(env, 'GATEWAY_REQUEST_DEADLINE_MS', 10_000, { min: 1, max: 50_000 }),
    subgraphConnections: envInt(env, 'SUBGRAPH_CONNECTIONS', 32, { min: 1, max: 1024 }),
    coalesceAnonymousFetches: envBoolean(env, 'COALESCE_ANONYMOUS_FETCHES', true),
    batchSubgraphFetches: envBoolean(env, 'BATCH_SUBGRAPH_FETCHES', true),
    maxBodyBytes: envInt(env, 'MAX_BODY_BYTES', 1_000_000, { min: 1024 }),
    ideEnabled: envBoolean(env, 'IDE_ENABLED', true),
    limits: readLimits(env),
    trustedDocumentsPath: envString(env, 'TRUSTED_DOCUMENTS_PATH', DEFAULT_TRUSTED_DOCUMENTS_PATH),
    metricsToken: readMetricsToken(env),
    log: readLogConfig(env),
    telemetry: readTelemetryConfig(env),
    sharedStore: readSharedStore(env),
    trustedProxies: readTrustedProxies(env),
    auth: Object.freeze({
      jwksUrl: env.AUTH_JWKS_URL ? envUrl(env, 'AUTH_JWKS_URL', '') : null,
      keysDir: envString(env, 'KEYS_DIR', 'data/keys'),
      issuer: envString(env, 'AUTH_ISSUER', DEV_TOKEN_ISSUER),
      audience: envString(env, 'AUTH_AUDIENCE', DEV_TOKEN_AUDIENCE),
    }),
  });
}

/** The variables this project's graph has always used, aliases of SUBGRAPH_URL_<NAME>. */
const SUBGRAPH_URL_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  DESKS_SUBGRAPH_URL: 'DESKS',
  WORKERS_SUBGRAPH_URL: 'WORKERS',
  EMPLOYERS_SUBGRAPH_URL: 'EMPLOYERS',
  TRAINING_SUBGRAPH_URL: 'TRAINING',
});
const SUBGRAPH_URL_PREFIX = 'SUBGRAPH_URL_';

/**
 * Subgraph URLs by name: SUBGRAPH_URL_<NAME> for any subgraph of the supergraph (the name
 * upper-cased, other characters than letters and digits as `_`), and our four aliases. Which
 * names the supergraph has is checked when the gateway reads it (gateway/supergraph-file.ts).
 */
export function readSubgraphUrls(env: Env): SubgraphUrls {
  const urls: Record<string, string> = {};
  const from: Record<string, string> = {};
  const set = (variable: string, name: string) => {
    const url = envUrl(env, variable, '');
    const earlier = from[name];
    if (earlier !== undefined && urls[name] !== url) {
      throw new ConfigError(variable, url, `the same URL as ${earlier}, or only one of the two`);
    }
    urls[name] = url;
    from[name] = variable;
  };
  for (const [variable, name] of Object.entries(SUBGRAPH_URL_ALIASES)) {
    if (env[variable]) set(variable, name);
  }
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(SUBGRAPH_URL_PREFIX) || !env[variable]) continue;
    const name = variable.slice(SUBGRAPH_URL_PREFIX.length);
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      throw new ConfigError(variable, env[variable] ?? '', 'a variable named SUBGRAPH_URL_<NAME>');
    }
    set(variable, name.toUpperCase());
  }
  return Object.freeze(urls);
}

/**
 * REDIS_URL (`redis://` or `rediss://`), REDIS_KEY_PREFIX and, with a URL, REDIS_KEY_SECRET
 * (the key of the hash that names rate-limit buckets, the same on every replica); RESPONSE_CACHE
 * (default true); PERSISTED_QUERY_REGISTRATIONS_PER_HOUR (default 100). The URL may hold a
 * password and the secret is one: neither is repeated in an error.
 */
export function readSharedStore(env: Env): SharedStoreConfig {
  const keyPrefix = envString(env, 'REDIS_KEY_PREFIX', DEFAULT_KEY_PREFIX);
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(keyPrefix)) {
    throw new Error(
      `REDIS_KEY_PREFIX=${JSON.stringify(keyPrefix)} is not valid: expected 1 to 64 letters, digits or . _ : -`,
    );
  }
  const responseCache = envBoolean(env, 'RESPONSE_CACHE', true);
  const registrationsPerHour = envInt(
    env,
    'PERSISTED_QUERY_REGISTRATIONS_PER_HOUR',
    DEFAULT_REGISTRATIONS_PER_HOUR,
    { min: 1, max: 1_000_000 },
  );
  const common = { keyPrefix, responseCache, registrationsPerHour };
  const url = env.REDIS_URL;
  if (url === undefined || url === '') {
    return Object.freeze({ redisUrl: null, keySecret: null, ...common });
  }
  let parsed: URL | null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || !['redis:', 'rediss:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw new Error(
      'REDIS_URL is not valid: expected redis://[user:password@]host[:port][/db] or rediss://...',
    );
  }
  const keySecret = env.REDIS_KEY_SECRET ?? '';
  if (keySecret.length < 32) {
    throw new Error(
      'REDIS_KEY_SECRET is not valid: with REDIS_URL, expected 32 or more characters',
    );
  }
  return Object.freeze({ redisUrl: url, keySecret, ...common });
}

/** TRUSTED_PROXIES: comma-separated addresses and CIDR ranges, each checked. */
export function readTrustedProxies(env: Env): readonly string[] {
  const entries = (env.TRUSTED_PROXIES ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  trustedProxyList(entries); // throws naming the first entry that is neither
  return Object.freeze(entries);
}

/** METRICS_TOKEN, at least 16 characters; never repeated in the error, being a secret. */
function readMetricsToken(env: Env): string | null {
  const token = env.METRICS_TOKEN;
  if (token === undefined || token === '') return null;
  if (token.length < 16 || /\s/.test(token)) {
    throw new Error('METRICS_TOKEN is not valid: expected 16 or more characters, no spaces');
  }
  return token;
}

function readLimits(env: Env): Readonly<Limits> {
  const d = DEFAULT_LIMITS;
  return Object.freeze({
    maxTokens: envInt(env, 'MAX_TOKENS', d.maxTokens, { min: 1 }),
    maxDepth: envInt(env, 'MAX_DEPTH', d.maxDepth, { min: 1 }),
    maxAliases: envInt(env, 'MAX_ALIASES', d.maxAliases, { min: 1 }),
    maxRootFields: envInt(env, 'MAX_ROOT_FIELDS', d.maxRootFields, { min: 1 }),
    maxDirectives: envInt(env, 'MAX_DIRECTIVES', d.maxDirectives, { min: 1 }),
    maxFields: envInt(env, 'MAX_FIELDS', d.maxFields, { min: 1 }),
    maxListSize: envInt(env, 'MAX_LIST_SIZE', d.maxListSize, { min: 1 }),
    maxVariablesBytes: envInt(env, 'MAX_VARIABLES_BYTES', d.maxVariablesBytes, { min: 1024 }),
    maxCost: envInt(env, 'MAX_COST', d.maxCost, { min: 1 }),
    maxResultSize: envInt(env, 'MAX_RESULT_SIZE', d.maxResultSize, { min: 1 }),
    rateLimit: Object.freeze({
      perSecond: envNumber(env, 'RATE_LIMIT_PER_SECOND', d.rateLimit.perSecond, { min: 0.001 }),
      burst: envInt(env, 'RATE_LIMIT_BURST', d.rateLimit.burst, { min: 1 }),
    }),
  });
}
