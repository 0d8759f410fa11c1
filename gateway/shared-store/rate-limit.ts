// Rate-limit buckets in Redis, shared by every replica: the token bucket of
// gateway/limits/rate-limit.ts (same rate, burst and Retry-After), taken atomically by one Lua
// script so that two replicas taking from one bucket at once cannot both spend its last token.
//
// Bucket keys name a caller (a subject id, or an anonymous caller's address: both may be
// personal data), so Redis holds only a keyed HMAC of them: whoever reads Redis (a dump, an
// operator) cannot tell who called, nor test guesses without the secret.
//
// When Redis fails (down, too slow), the take falls back to a bucket in this replica's memory
// with the same settings: callers stay limited, each replica counting on its own (so at most
// N times the allowance over N replicas) until Redis is back. Neither open (no limit while
// Redis is down, which an enumeration could wait for) nor closed (every caller refused
// because a cache is down).
import { createHash, createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  createMemoryRateLimitStore,
  DEFAULT_RATE_BURST,
  DEFAULT_RATE_PER_SECOND,
  type RateLimitDecision,
  type RateLimitStore,
} from '../limits/rate-limit.js';

/**
 * KEYS[1]: the bucket (a hash of `tokens` and `at`, milliseconds). ARGV: rate per second,
 * burst, and the time in milliseconds, or '' to use Redis's own clock (one clock for every
 * replica). Answers {1, 0} when a token was taken, else {0, seconds until one is available}.
 * The bucket expires once it would be full again: a missing bucket is a full one.
 */
export const TAKE_TOKEN_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
  at = now
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.max(1000, math.ceil((burst - tokens) / rate * 1000)))
if allowed == 1 then
  return {1, 0}
end
return {0, math.max(1, math.ceil((1 - tokens) / rate))}
`;

const SCRIPT_SHA = createHash('sha1').update(TAKE_TOKEN_SCRIPT).digest('hex');

export interface RedisRateLimitOptions {
  /** Sustained requests per second per caller. Default 10. */
  ratePerSecond?: number;
  /** Requests a caller may make at once after being idle. Default 100. */
  burst?: number;
  /** The HMAC key for bucket names (REDIS_KEY_SECRET); the same on every replica. */
  keySecret: string;
  /** Clock in milliseconds; by default Redis's own (TIME). Injectable for tests. */
  now?: () => number;
}

export interface RedisRateLimitStore extends RateLimitStore {
  /** Takes answered by this replica's memory because Redis failed. */
  fallbacks(): number;
}

/** Where the bucket of `key` lives in Redis (after the client's key prefix). */
export function bucketKey(keySecret: string, key: string): string {
  return `rl:${createHmac('sha256', keySecret).update(key, 'utf8').digest('base64url')}`;
}

export function createRedisRateLimitStore(
  client: Redis,
  options: RedisRateLimitOptions,
): RedisRateLimitStore {
  const rate = options.ratePerSecond ?? DEFAULT_RATE_PER_SECOND;
  const burst = options.burst ?? DEFAULT_RATE_BURST;
  if (options.keySecret.length < 32) {
    throw new TypeError('keySecret must have at least 32 characters');
  }
  // Validates rate and burst with the same messages as the memory store.
  const local = createMemoryRateLimitStore({
    ratePerSecond: rate,
    burst,
    ...(options.now ? { now: options.now } : {}),
  });
  let fallbacks = 0;

  async function takeInRedis(bucket: string): Promise<RateLimitDecision> {
    const args = [String(rate), String(burst), options.now ? String(options.now()) : ''];
    let answer: unknown;
    try {
      answer = await client.evalsha(SCRIPT_SHA, 1, bucket, ...args);
    } catch (error) {
      // A Redis that restarted, or never saw the script: EVAL sends it (and caches it).
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      answer = await client.eval(TAKE_TOKEN_SCRIPT, 1, bucket, ...args);
    }
    if (!Array.isArray(answer) || typeof answer[0] !== 'number' || typeof answer[1] !== 'number') {
      throw new Error('rate-limit script gave an unexpected answer');
    }
    return answer[0] === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: answer[1] };
  }

  return {
    async take(key) {
      try {
        return await takeInRedis(bucketKey(options.keySecret, key));
      } catch {
        fallbacks += 1;
        return local.take(key);
      }
    },
    fallbacks: () => fallbacks,
  };
}
