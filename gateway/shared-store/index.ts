// What the gateway's replicas share (DESIGN.md §9): automatic persisted queries, the response
// cache of public data and rate-limit buckets. With REDIS_URL they live in one Redis, so that
// any replica behind a load balancer serves a query another registered, a public answer
// another fetched, and counts a caller's requests against one allowance; without it, in this
// process's memory (one replica, or replicas that share nothing).
//
// When Redis is down or slower than its command timeout, nothing fails because of it:
// - persisted queries: a lookup is a miss (PERSISTED_QUERY_NOT_FOUND), so the client sends the
//   query text again, as the APQ protocol has it, and is served; registrations are skipped;
// - response cache: fails open, every answer comes from the subgraphs;
// - rate limits: counted per replica in memory (rate-limit.ts), neither open nor closed.
// Each failure is counted (gateway_cache_errors_total) and each change of Redis's state
// logged once (redis.ts), with no key, value or caller in the message.
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Redis } from 'ioredis';
import {
  FISCAL_CODE_ANYWHERE,
  isValidFiscalCode,
  normalizeFiscalCode,
} from '../../lib/fiscal-code.js';
import type { CacheStats } from '../metrics.js';
import { createMemoryRateLimitStore, type RateLimitStore } from '../limits/rate-limit.js';
import { guardedCache, memoryCache, redisCache, type GuardedCache } from './cache.js';
import { closeRedis, connectRedis, type SharedStoreLogger } from './redis.js';
import { createRedisRateLimitStore } from './rate-limit.js';
import {
  DEFAULT_REGISTRATIONS_PER_HOUR,
  registrationQuotaPlugin,
  type RegistrationQuotaPlugin,
} from './registration-quota.js';

export { publicResponseCachePlugin } from './response-cache.js';
export type { SharedStoreLogger } from './redis.js';

export const DEFAULT_KEY_PREFIX = 'prato-graph:';

export interface SharedStoreConfig {
  /** REDIS_URL; null: everything in this process's memory. Never logged (it may hold a password). */
  redisUrl: string | null;
  /** REDIS_KEY_PREFIX: prepended to every key, default `prato-graph:`. */
  keyPrefix: string;
  /** REDIS_KEY_SECRET: keys the hash of rate-limit bucket names; required with REDIS_URL. */
  keySecret: string | null;
  /**
   * RESPONSE_CACHE: whether anonymous callers' public answers are cached (default true). Off,
   * every answer comes from the subgraphs, as when measuring what each operation costs them.
   */
  responseCache: boolean;
  /**
   * PERSISTED_QUERY_REGISTRATIONS_PER_HOUR: automatic persisted queries one caller may register
   * an hour, all at once or at that pace (registration-quota.ts). Default 100.
   */
  registrationsPerHour?: number;
}

export const IN_MEMORY: SharedStoreConfig = Object.freeze({
  redisUrl: null,
  keyPrefix: DEFAULT_KEY_PREFIX,
  keySecret: null,
  responseCache: true,
});

/**
 * A persisted query lives an hour after it was registered (a client whose hash is no longer
 * known sends the text again, one extra round trip), and no document longer than 32 KiB is
 * registered: 2,000 tokens (the token limit) written out ordinarily stay well under it, while
 * a longer text is padding (comments, long literals) that a hostile client could use to fill
 * the store. Every registration has passed every limit before it is written (Apollo writes
 * only after didResolveOperation), and each caller registers at most its quota an hour
 * (registration-quota.ts, 100 by default), so the worst one caller can write is about 3 MiB an
 * hour, each entry gone after an hour; Redis's own `maxmemory` with an LRU policy bounds the
 * rest (README "Running N replicas").
 */
export const PERSISTED_QUERY_TTL_SECONDS = 3_600;
export const PERSISTED_QUERY_MAX_LENGTH = 32 * 1024;
/** Public answers live as long as their cache hints say, never longer than an hour. */
export const RESPONSE_MAX_TTL_SECONDS = 3_600;
export const RESPONSE_MAX_LENGTH = 512 * 1024;
/** In-memory bounds, when there is no Redis. */
export const MEMORY_PERSISTED_QUERY_BYTES = 8 * 1024 * 1024;
export const MEMORY_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * True when `text` holds no valid fiscal code. A query may spell one as a literal; such a text
 * is served but not written to the shared store, where it would outlive the request.
 */
export function holdsNoFiscalCode(text: string): boolean {
  for (const [match] of text.matchAll(FISCAL_CODE_ANYWHERE)) {
    if (isValidFiscalCode(normalizeFiscalCode(match))) return false;
  }
  return true;
}

export interface SharedStore {
  readonly kind: 'redis' | 'memory';
  /** For Apollo's `persistedQueries.cache` (which prefixes its keys with `apq:`). */
  readonly persistedQueries: KeyValueCache;
  /** For the response cache of public data (whose plugin prefixes its keys with `fqc:`); null when off. */
  readonly responses: KeyValueCache | null;
  readonly rateLimits: RateLimitStore;
  /**
   * Keeps each caller's persisted-query registrations within its allowance
   * (registration-quota.ts); its refusals count in the `persisted_query` stats.
   */
  readonly registrationQuota: RegistrationQuotaPlugin;
  /** By cache name, for gateway/metrics.ts `caches`. */
  readonly stats: Readonly<Record<string, () => CacheStats>>;
  close(): Promise<void>;
}

export interface SharedStoreOptions extends SharedStoreConfig {
  rateLimit: { perSecond: number; burst: number };
  /** Where changes of Redis's state are told (the gateway's logger); default nowhere. */
  logger?: SharedStoreLogger | undefined;
  /** How long one Redis command may take before the request goes on without it. Default 500 ms. */
  commandTimeoutMs?: number;
}

export async function createSharedStore(options: SharedStoreOptions): Promise<SharedStore> {
  const rate = { ratePerSecond: options.rateLimit.perSecond, burst: options.rateLimit.burst };
  const perHour = options.registrationsPerHour ?? DEFAULT_REGISTRATIONS_PER_HOUR;
  const registrationRate = { ratePerSecond: perHour / 3_600, burst: perHour };
  if (options.redisUrl === null) {
    const queries = memoryCache(MEMORY_PERSISTED_QUERY_BYTES);
    const responses = memoryCache(MEMORY_RESPONSE_BYTES);
    return assemble({
      kind: 'memory',
      persistedQueries: guardPersistedQueries(queries, () => queries.keys().length),
      responses: options.responseCache
        ? guardResponses(responses, () => responses.keys().length)
        : null,
      rateLimits: createMemoryRateLimitStore(rate),
      registrations: createMemoryRateLimitStore(registrationRate),
      rateLimitFallbacks: () => undefined,
      registrationFallbacks: () => 0,
      close: () => Promise.resolve(),
    });
  }
  if (options.keySecret === null) {
    throw new TypeError('a shared store in Redis needs keySecret (REDIS_KEY_SECRET)');
  }
  const client: Redis = await connectRedis({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.commandTimeoutMs ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
  });
  const rateLimits = createRedisRateLimitStore(client, { ...rate, keySecret: options.keySecret });
  const registrations = createRedisRateLimitStore(client, {
    ...registrationRate,
    keySecret: options.keySecret,
  });
  return assemble({
    kind: 'redis',
    persistedQueries: guardPersistedQueries(redisCache(client, ''), undefined),
    responses: options.responseCache ? guardResponses(redisCache(client, ''), undefined) : null,
    rateLimits,
    registrations,
    rateLimitFallbacks: () => rateLimits.fallbacks(),
    registrationFallbacks: () => registrations.fallbacks(),
    close: () => closeRedis(client),
  });
}

function guardPersistedQueries(cache: KeyValueCache, entries: (() => number) | undefined) {
  return guardedCache(cache, {
    defaultTtlSeconds: PERSISTED_QUERY_TTL_SECONDS,
    maxTtlSeconds: PERSISTED_QUERY_TTL_SECONDS,
    maxValueLength: PERSISTED_QUERY_MAX_LENGTH,
    accept: holdsNoFiscalCode,
    ...(entries ? { entries } : {}),
  });
}

function guardResponses(cache: KeyValueCache, entries: (() => number) | undefined) {
  return guardedCache(cache, {
    defaultTtlSeconds: 60,
    maxTtlSeconds: RESPONSE_MAX_TTL_SECONDS,
    maxValueLength: RESPONSE_MAX_LENGTH,
    ...(entries ? { entries } : {}),
  });
}

function assemble(parts: {
  kind: SharedStore['kind'];
  persistedQueries: GuardedCache;
  responses: GuardedCache | null;
  rateLimits: RateLimitStore;
  registrations: RateLimitStore;
  rateLimitFallbacks: () => number | undefined;
  /** Quota takes done in memory, Redis failing: counted with the persisted queries' errors. */
  registrationFallbacks: () => number;
  close: () => Promise<void>;
}): SharedStore {
  const { responses } = parts;
  const registrationQuota = registrationQuotaPlugin(parts.registrations, parts.persistedQueries);
  return {
    kind: parts.kind,
    persistedQueries: parts.persistedQueries,
    responses: parts.responses,
    rateLimits: parts.rateLimits,
    registrationQuota,
    stats: {
      persisted_query: () => {
        const stats = parts.persistedQueries.stats();
        return {
          ...stats,
          errors: stats.errors + parts.registrationFallbacks(),
          refused: registrationQuota.refused(),
        };
      },
      ...(responses ? { response: () => responses.stats() } : {}),
      rate_limit: () => {
        const errors = parts.rateLimitFallbacks();
        return errors === undefined ? {} : { errors };
      },
    },
    close: parts.close,
  };
}
