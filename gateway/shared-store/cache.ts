// Key-value caches in Apollo's KeyValueCache shape (what `persistedQueries.cache` and the
// response-cache plugin take): one over Redis, shared by every replica, and one in the
// process's memory, bounded, for a gateway without Redis. Both are wrapped by `guardedCache`,
// which gives every entry a TTL, refuses entries too large (or that a policy refuses), counts
// hits and misses, and turns a failure of Redis into a miss: no cache is worth failing a
// request for.
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Redis } from 'ioredis';

/** Counts a cache keeps for the gateway's metrics (gateway/metrics.ts CacheStats). */
export interface SharedCacheStats {
  /** Entries kept; unknown (undefined) for Redis, whose entries other replicas also write. */
  entries?: number;
  hits: number;
  misses: number;
  /** Reads and writes that failed (Redis unreachable or too slow) and were done without it. */
  errors: number;
}

export interface GuardedCache extends KeyValueCache {
  stats(): SharedCacheStats;
}

/** A KeyValueCache over Redis under `namespace` (after the client's own key prefix). */
export function redisCache(client: Redis, namespace: string): KeyValueCache {
  return {
    async get(key) {
      const value = await client.get(namespace + key);
      return value ?? undefined;
    },
    async set(key, value, options) {
      const ttl = options?.ttl;
      // Callers here always give a TTL (guardedCache); PX keeps fractions of a second.
      if (typeof ttl === 'number' && ttl > 0) {
        await client.set(namespace + key, value, 'PX', Math.ceil(ttl * 1000));
      } else {
        await client.set(namespace + key, value);
      }
    },
    async delete(key) {
      return (await client.del(namespace + key)) > 0;
    },
  };
}

/** A KeyValueCache in this process's memory, at most `maxBytes` of values (least recently used go first). */
export function memoryCache(maxBytes: number): InMemoryLRUCache {
  return new InMemoryLRUCache({ maxSize: maxBytes, sizeCalculation: (value) => value.length });
}

export interface GuardOptions {
  /** TTL of an entry written without one, in seconds. */
  defaultTtlSeconds: number;
  /** No entry lives longer than this, in seconds, whatever the writer asked. */
  maxTtlSeconds: number;
  /** Values longer than this (UTF-16 code units, about bytes for GraphQL text) are not stored. */
  maxValueLength: number;
  /** Values this returns false for are not stored (the request is still served). */
  accept?: (value: string) => boolean;
  /** Entries kept, when the underlying cache can tell. */
  entries?: () => number;
}

export function guardedCache(inner: KeyValueCache, options: GuardOptions): GuardedCache {
  let hits = 0;
  let misses = 0;
  let errors = 0;
  return {
    async get(key) {
      try {
        const value = await inner.get(key);
        if (value === undefined) misses += 1;
        else hits += 1;
        return value;
      } catch {
        errors += 1;
        misses += 1;
        return undefined;
      }
    },
    async set(key, value, setOptions) {
      if (value.length > options.maxValueLength) return;
      if (options.accept && !options.accept(value)) return;
      const asked = setOptions?.ttl;
      const ttl = Math.min(
        typeof asked === 'number' && asked > 0 ? asked : options.defaultTtlSeconds,
        options.maxTtlSeconds,
      );
      try {
        await inner.set(key, value, { ttl });
      } catch {
        errors += 1;
      }
    },
    async delete(key) {
      try {
        return await inner.delete(key);
      } catch {
        errors += 1;
        return false;
      }
    },
    stats() {
      const entries = options.entries?.();
      return { ...(entries === undefined ? {} : { entries }), hits, misses, errors };
    },
  };
}
