/**
 * The simulated upstreams' configuration: the only place in upstreams/ that reads
 * the environment. `readUpstreamsConfig` is pure (environment in, frozen config out)
 * and names the variable and the bad value on error.
 */
import type { SystemName } from './types.js';
import { readLogConfig, type LogConfig } from '../lib/log.js';

export interface UpstreamsConfig {
  /** Dataset folder (UPSTREAM_DATA_DIR, default data/default). */
  readonly dataDir: string;
  /** DATASET_SEED, default 2010. */
  readonly seed: number;
  /** DATASET_SCALE, default 1. */
  readonly scale: number;
  /** UPSTREAM_LATENCY_MS, default 0. */
  readonly latencyMs: number;
  /** REGISTRY_API_KEY, IDOL_API_KEY, CO_API_KEY, TRIO_TOKEN (development defaults). */
  readonly credentials: Readonly<Record<SystemName, string>>;
  /**
   * UPSTREAM_TODAY (YYYY-MM-DD): the day the writes' clock stands still at (00:00 UTC),
   * for tests and demonstrations; unset, the real clock.
   */
  readonly today?: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(
      name,
      `expected an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

function secret(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // the value itself is a secret: describe it without echoing it
  if (/\s/.test(raw) || raw.length < 8 || raw.length > 512) {
    throw new ConfigError(
      name,
      `expected 8-512 characters without whitespace, got a value of ${raw.length} characters`,
    );
  }
  return raw;
}

function isCalendarDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export function readUpstreamsConfig(env: Env): UpstreamsConfig {
  const scaleRaw = value(env, 'DATASET_SCALE');
  let scale = 1;
  if (scaleRaw !== undefined) {
    scale = /^\d+(\.\d+)?$|^\.\d+$/.test(scaleRaw) ? Number(scaleRaw) : NaN;
    if (!(scale > 0 && scale <= 10)) {
      throw new ConfigError(
        'DATASET_SCALE',
        `expected a number in (0, 10], got ${JSON.stringify(scaleRaw)}`,
      );
    }
  }
  const today = value(env, 'UPSTREAM_TODAY');
  if (today !== undefined && !isCalendarDay(today)) {
    throw new ConfigError(
      'UPSTREAM_TODAY',
      `expected a date YYYY-MM-DD, got ${JSON.stringify(today)}`,
    );
  }
  return Object.freeze({
    ...(today !== undefined ? { today } : {}),
    dataDir: value(env, 'UPSTREAM_DATA_DIR') ?? 'data/default',
    seed: integer(env, 'DATASET_SEED', 2010, 0, 0xffffffff),
    scale,
    latencyMs: integer(env, 'UPSTREAM_LATENCY_MS', 0, 0, 60_000),
    credentials: Object.freeze({
      registry: secret(env, 'REGISTRY_API_KEY', 'registry-dev-key'),
      idol: secret(env, 'IDOL_API_KEY', 'idol-dev-key'),
      co: secret(env, 'CO_API_KEY', 'co-dev-key'),
      trio: secret(env, 'TRIO_TOKEN', 'trio-dev-token'),
    }),
  });
}

/** LOG_LEVEL and LOG_FORMAT (lib/log.ts), as the gateway and the subgraphs read them. */
export function loadUpstreamsLogConfig(): LogConfig {
  return readLogConfig(process.env);
}

/** The configuration of this process. */
export function loadUpstreamsConfig(): UpstreamsConfig {
  return readUpstreamsConfig(process.env);
}
