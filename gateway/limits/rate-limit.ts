// Rate limits per principal: a token bucket per caller, refilled at a steady rate up to a
// burst. Signed-in callers are counted by role and subject, anonymous ones by client address,
// so that nobody can enumerate fiscal codes (or anything else) by sheer repetition, and one
// caller's flood does not spend anyone else's allowance. The gateway checks it as soon as
// the caller is known, before the document is parsed.
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Principal } from '../../lib/auth/principal.js';

export const DEFAULT_RATE_PER_SECOND = 10;
export const DEFAULT_RATE_BURST = 100;
export const DEFAULT_RATE_MAX_KEYS = 100_000;

export type RateLimitDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** Whole seconds until one request is allowed again. */ retryAfterSeconds: number;
    };

/**
 * Where buckets live. The in-memory store serves one gateway process; the Redis store
 * (gateway/shared-store/rate-limit.ts) implements the same call so that several gateways share
 * each caller's allowance.
 */
export interface RateLimitStore {
  /** Takes one request from the bucket of `key`, or says how long until one is available. */
  take(key: string): Promise<RateLimitDecision>;
}

export interface MemoryRateLimitOptions {
  /** Sustained requests per second per caller (may be fractional). Default 10. */
  ratePerSecond?: number;
  /** Requests a caller may make at once after being idle. Default 100. */
  burst?: number;
  /**
   * Buckets kept at most; the least recently used is dropped beyond it (that caller starts
   * again with a full bucket). Bounds memory against callers rotating addresses. Default 100,000.
   */
  maxKeys?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function createMemoryRateLimitStore(options: MemoryRateLimitOptions = {}): RateLimitStore {
  const rate = options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND;
  const burst = options.burst ?? DEFAULT_RATE_BURST;
  const maxKeys = options.maxKeys ?? DEFAULT_RATE_MAX_KEYS;
  const now = options.now ?? Date.now;
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new TypeError(`ratePerSecond must be a positive number, got ${String(rate)}`);
  }
  if (!Number.isInteger(burst) || burst < 1) {
    throw new TypeError(`burst must be a positive integer, got ${String(burst)}`);
  }
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new TypeError(`maxKeys must be a positive integer, got ${String(maxKeys)}`);
  }
  const buckets = new Map<string, Bucket>();

  function take(key: string): RateLimitDecision {
    const at = now();
    const previous = buckets.get(key);
    const bucket: Bucket = previous
      ? {
          tokens: Math.min(burst, previous.tokens + ((at - previous.updatedAt) / 1000) * rate),
          updatedAt: at,
        }
      : { tokens: burst, updatedAt: at };
    // Re-inserting keeps the Map in least-recently-used order for eviction.
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxKeys) {
      const oldest = buckets.keys().next();
      if (!oldest.done) buckets.delete(oldest.value);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)),
    };
  }

  return { take: (key) => Promise.resolve(take(key)) };
}

/**
 * The bucket a request counts against: the signed-in subject, else the client's address (behind
 * trusted reverse proxies, the one their X-Forwarded-For names: gateway/client-address.ts).
 */
export function rateLimitKey(principal: Principal, remoteAddress: string | undefined): string {
  return principal.subject
    ? `${principal.role}:${principal.subject}`
    : `address:${remoteAddress ?? 'unknown'}`;
}

export function rateLimitedError(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(
    `Too many requests from this caller: retry in ${retryAfterSeconds} seconds`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfter: retryAfterSeconds,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
      },
    },
  );
}
