// The Redis token bucket against a real redis-server, on a fake clock: requests are counted,
// not timed. The memory store's answers are the reference for every sequence.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.js';
import { startRedis, type RunningRedis } from '../../test/redis.js';
import { createMemoryRateLimitStore, type RateLimitStore } from '../limits/rate-limit.js';
import { bucketKey, createRedisRateLimitStore, TAKE_TOKEN_SCRIPT } from './rate-limit.js';
import { closeRedis, connectRedis } from './redis.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const PREFIX = 'rate-limit-test:';
const silent = { info: () => {}, warn: () => {} };
const SCRIPT_SHA1 = createHash('sha1').update(TAKE_TOKEN_SCRIPT).digest('hex');

let redis: RunningRedis;
const clients: Redis[] = [];

async function client(): Promise<Redis> {
  const c = await connectRedis({ url: redis.url, keyPrefix: PREFIX, logger: silent });
  clients.push(c);
  return c;
}

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function takeMany(store: RateLimitStore, key: string, n: number) {
  const decisions = [];
  for (let i = 0; i < n; i += 1) decisions.push(await store.take(key));
  return decisions;
}

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  const admin = new Redis(redis.url);
  await admin.flushall();
  admin.disconnect();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => closeRedis(c)));
  await redis?.stop();
});

describe('createRedisRateLimitStore', () => {
  it('answers every sequence as the memory store does: burst, refusal, refill up to the burst', async () => {
    const time = clock();
    const settings = { ratePerSecond: 2, burst: 3, now: time.now };
    const shared = createRedisRateLimitStore(await client(), { ...settings, keySecret: SECRET });
    const memory = createMemoryRateLimitStore(settings);
    const steps: [advanceMs: number, takes: number][] = [
      [0, 5],
      [500, 2],
      [250, 1],
      [60_000, 5],
    ];
    for (const [advance, takes] of steps) {
      time.advance(advance);
      expect(await takeMany(shared, 'citizen:one', takes)).toEqual(
        await takeMany(memory, 'citizen:one', takes),
      );
    }
  });

  it('says how many whole seconds until the next request, as Retry-After wants', async () => {
    const time = clock();
    const store = createRedisRateLimitStore(await client(), {
      ratePerSecond: 0.5,
      burst: 3,
      now: time.now,
      keySecret: SECRET,
    });
    expect(await takeMany(store, 'a', 4)).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterSeconds: 2 },
    ]);
  });

  it('shares one allowance between replicas with their own connections', async () => {
    const time = clock();
    const settings = { ratePerSecond: 1, burst: 4, now: time.now, keySecret: SECRET };
    const one = createRedisRateLimitStore(await client(), settings);
    const two = createRedisRateLimitStore(await client(), settings);
    const decisions = await Promise.all([
      one.take('operator:op-1'),
      two.take('operator:op-1'),
      one.take('operator:op-1'),
      two.take('operator:op-1'),
      one.take('operator:op-1'),
      two.take('operator:op-1'),
    ]);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
    // Another caller's bucket is untouched.
    expect(await two.take('operator:op-2')).toEqual({ allowed: true });
  });

  it('names buckets by a keyed hash: no caller appears in Redis, and the bucket expires once full', async () => {
    const store = createRedisRateLimitStore(await client(), {
      ratePerSecond: 10,
      burst: 100,
      keySecret: SECRET,
    });
    await store.take('citizen:W0001234');
    await store.take('address:10.1.2.3');
    const admin = new Redis(redis.url);
    const keys = (await admin.keys('*')).sort();
    expect(keys).toEqual(
      [
        `${PREFIX}${bucketKey(SECRET, 'citizen:W0001234')}`,
        `${PREFIX}${bucketKey(SECRET, 'address:10.1.2.3')}`,
      ].sort(),
    );
    expect(keys.join(' ')).not.toMatch(/W0001234|10\.1\.2\.3/);
    expect(bucketKey('another-secret-of-at-least-32-characters', 'citizen:W0001234')).not.toBe(
      bucketKey(SECRET, 'citizen:W0001234'),
    );
    // One token spent at 10 per second: full again within a second (at least one is kept).
    const ttl = await admin.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    admin.disconnect();
  });

  it('sends the script again when Redis no longer has it (EVALSHA, then EVAL)', async () => {
    const time = clock();
    const store = createRedisRateLimitStore(await client(), {
      ratePerSecond: 1,
      burst: 2,
      now: time.now,
      keySecret: SECRET,
    });
    expect(await store.take('a')).toEqual({ allowed: true });
    const admin = new Redis(redis.url);
    await admin.script('FLUSH');
    expect(await store.take('a')).toEqual({ allowed: true });
    expect(await store.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await admin.script('EXISTS', SCRIPT_SHA1)).toEqual([1]);
    admin.disconnect();
    expect(store.fallbacks()).toBe(0);
  });

  it('refuses a short secret', () => {
    expect(() =>
      createRedisRateLimitStore(new Redis({ lazyConnect: true }), { keySecret: 'short' }),
    ).toThrow('keySecret must have at least 32 characters');
  });
});

describe('createRedisRateLimitStore without Redis', () => {
  it('counts in this replica’s memory while Redis is down, and in Redis again once it is back', async () => {
    const own = await startRedis();
    const told: string[] = [];
    const logger = {
      info: (message: string) => told.push(`info: ${message}`),
      warn: (message: string) => told.push(`warn: ${message}`),
    };
    const c = await connectRedis({ url: own.url, keyPrefix: PREFIX, logger });
    try {
      const time = clock();
      const store = createRedisRateLimitStore(c, {
        ratePerSecond: 1,
        burst: 2,
        now: time.now,
        keySecret: SECRET,
      });
      expect(await store.take('a')).toEqual({ allowed: true });
      await own.stop();
      // Limited still: the local bucket allows the burst, then refuses.
      expect(await takeMany(store, 'a', 3)).toEqual([
        { allowed: true },
        { allowed: true },
        { allowed: false, retryAfterSeconds: 1 },
      ]);
      expect(store.fallbacks()).toBe(3);
      const back = await startRedis({ port: own.port });
      try {
        await waitUntilReady(c);
        // Redis restarted empty: a full bucket there, counted there.
        expect(await takeMany(store, 'a', 3)).toEqual([
          { allowed: true },
          { allowed: true },
          { allowed: false, retryAfterSeconds: 1 },
        ]);
        expect(store.fallbacks()).toBe(3);
        // One line when Redis went, one when it came back, however many attempts in between;
        // no address, key or caller in them.
        expect(told).toEqual([
          'warn: shared store: no connection to Redis: persisted queries and the response ' +
            'cache do without it, rate limits count per replica until it is back',
          'info: shared store: Redis is reachable again',
        ]);
      } finally {
        await back.stop();
      }
    } finally {
      await closeRedis(c);
      await own.stop();
    }
  });
});

describe('connectRedis', () => {
  it('starts without Redis, says so once with the cause, and keeps no caller waiting', async () => {
    const told: string[] = [];
    const c = await connectRedis({
      url: `redis://127.0.0.1:${await freePort()}`,
      keyPrefix: PREFIX,
      logger: { info: (m) => told.push(`info: ${m}`), warn: (m) => told.push(`warn: ${m}`) },
    });
    try {
      const store = createRedisRateLimitStore(c, { ratePerSecond: 1, burst: 1, keySecret: SECRET });
      expect(await takeMany(store, 'a', 2)).toEqual([
        { allowed: true },
        { allowed: false, retryAfterSeconds: 1 },
      ]);
      expect(store.fallbacks()).toBe(2);
      expect(told).toEqual([
        'warn: shared store: no connection to Redis (ECONNREFUSED): persisted queries and the ' +
          'response cache do without it, rate limits count per replica until it is back',
      ]);
    } finally {
      await closeRedis(c);
    }
  });
});

async function waitUntilReady(c: Redis): Promise<void> {
  if (c.status === 'ready') return;
  await new Promise<void>((resolve) => c.once('ready', () => resolve()));
}
