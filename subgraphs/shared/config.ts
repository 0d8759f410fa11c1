// The configuration every subgraph shares: where it listens, how long a request may take,
// and how it reaches its upstream (timeouts, retries, circuit breaker).
import { envInt, envString, envUrl, type Env } from '../../lib/env.js';
import { DEFAULT_BREAKER_COOLDOWN_MS, DEFAULT_BREAKER_FAILURES } from './circuit-breaker.js';
import { DEFAULT_REQUEST_DEADLINE_MS } from './request-deadline.js';
import { readLogConfig, type LogConfig, type Logger } from '../../lib/log.js';
import { readTelemetryConfig, type TelemetryConfig, type Tracing } from '../../lib/telemetry.js';

/** Retries of a failed read (or keyed write) after the first attempt, unless configured. */
export const DEFAULT_UPSTREAM_RETRIES = 2;
/** Base of the jittered exponential backoff between attempts, unless configured. */
export const DEFAULT_RETRY_BASE_MS = 100;
/** Largest answer accepted from an upstream, unless configured. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface UpstreamConfig {
  /** Base URL of the upstream system, no trailing slash. */
  baseUrl: string;
  /** The credential for it. */
  credential: string;
  /** Deadline for one upstream attempt (the request's own deadline may cut it shorter). */
  timeoutMs: number;
  /** Connections kept open to it. */
  connections: number;
  /** Retries after a failed first attempt (reads, and writes with an idempotency key). Default 2. */
  retries?: number;
  /** Base of the jittered exponential backoff between attempts. Default 100 ms. */
  retryBaseMs?: number;
  /** Consecutive failed attempts that open the circuit. Default 5. */
  breakerFailures?: number;
  /** How long an open circuit fails fast before letting a probe through. Default 5000 ms. */
  breakerCoolDownMs?: number;
  /** Largest answer accepted from it; a larger one is UPSTREAM_BAD_RESPONSE. Default 32 MiB. */
  maxResponseBytes?: number;
}

export interface SubgraphProcessConfig {
  host: string;
  port: number;
  /**
   * The most time one GraphQL request may take (its upstream requests and retries included):
   * the budget when the gateway states none, and the cap on the budget it states. Default 10 s.
   */
  requestDeadlineMs?: number;
  /** Where the subgraph logs. Default: nowhere. */
  logger?: Logger;
  /** Its traces; whoever made them shuts them down. Default: none. */
  tracing?: Tracing | null;
}

export function readListenConfig(
  env: Env,
  portVariable: string,
  defaultPort: number,
): SubgraphProcessConfig {
  return {
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envInt(env, portVariable, defaultPort, { max: 65535 }),
    requestDeadlineMs: envInt(env, 'SUBGRAPH_REQUEST_DEADLINE_MS', DEFAULT_REQUEST_DEADLINE_MS, {
      min: 1,
    }),
  };
}

/**
 * Reads `<PREFIX>_URL`, `<PREFIX>_CREDENTIAL`, `<PREFIX>_CONNECTIONS`, and the resilience
 * settings, each `<PREFIX>_<NAME>` falling back to `UPSTREAM_<NAME>` and then the default:
 * `TIMEOUT_MS` (5000), `RETRIES` (2), `RETRY_BASE_MS` (100), `BREAKER_FAILURES` (5),
 * `BREAKER_COOLDOWN_MS` (5000).
 */
export function readUpstreamConfig(
  env: Env,
  prefix: string,
  defaults: { url: string; credential: string },
): UpstreamConfig {
  const setting = (name: string, fallback: number, range: { min: number; max?: number }) =>
    envInt(env, `${prefix}_${name}`, envInt(env, `UPSTREAM_${name}`, fallback, range), range);
  return {
    baseUrl: envUrl(env, `${prefix}_URL`, defaults.url),
    credential: envString(env, `${prefix}_CREDENTIAL`, defaults.credential),
    timeoutMs: setting('TIMEOUT_MS', 5000, { min: 1 }),
    connections: envInt(env, `${prefix}_CONNECTIONS`, 16, { min: 1, max: 1024 }),
    retries: setting('RETRIES', DEFAULT_UPSTREAM_RETRIES, { min: 0, max: 10 }),
    retryBaseMs: setting('RETRY_BASE_MS', DEFAULT_RETRY_BASE_MS, { min: 1, max: 60_000 }),
    breakerFailures: setting('BREAKER_FAILURES', DEFAULT_BREAKER_FAILURES, { min: 1, max: 1000 }),
    breakerCoolDownMs: setting('BREAKER_COOLDOWN_MS', DEFAULT_BREAKER_COOLDOWN_MS, {
      min: 1,
      max: 3_600_000,
    }),
    maxResponseBytes: setting('MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES, {
      min: 1024,
      max: 1024 * 1024 * 1024,
    }),
  };
}

/** LOG_LEVEL, LOG_FORMAT and OTEL_* for a subgraph process (its main.ts makes the logger and tracing). */
export function readObservabilityConfig(env: Env): { log: LogConfig; telemetry: TelemetryConfig } {
  return { log: readLogConfig(env), telemetry: readTelemetryConfig(env) };
}

/** Where the gateway's public assertion key is read from (a JWK set file). */
export function readAssertionKeyFile(env: Env): string {
  return envString(
    env,
    'GATEWAY_ASSERTION_KEY_FILE',
    `${envString(env, 'KEYS_DIR', 'data/keys')}/assertion.public.jwk.json`,
  );
}
