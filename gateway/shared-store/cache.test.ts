// The guarded caches over a real redis-server and in memory: TTLs, size caps, the policy that
// keeps fiscal codes out of the shared store, and a Redis failure taken as a miss.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fiscalCode } from '../../lib/fiscal-code.js';
import { startRedis, type RunningRedis } from '../../test/redis.js';
import { guardedCache, memoryCache, redisCache } from './cache.js';
import {
  createSharedStore,
  holdsNoFiscalCode,
  PERSISTED_QUERY_MAX_LENGTH,
  PERSISTED_QUERY_TTL_SECONDS,
} from './index.js';
import { closeRedis, connectRedis } from './redis.js';

const silent = { info: () => {}, warn: () => {} };
const SECRET = 'a-test-secret-of-at-least-32-characters';
// Made up for the test, not a person of the dataset.
const CODE = fiscalCode({
  surname: 'Prova',
  name: 'Caso',
  sex: 'F',
  birthDate: '1990-04-12',
  birthPlace: 'G999',
});

let redis: RunningRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('guardedCache over Redis', () => {
  it('writes every entry with a TTL, the asked one capped, under the key prefix', async () => {
    const client = await connectRedis({ url: redis.url, keyPrefix: 'cache-test:', logger: silent });
    const admin = new Redis(redis.url);
    try {
      const cache = guardedCache(redisCache(client, 'x:'), {
        defaultTtlSeconds: 60,
        maxTtlSeconds: 120,
        maxValueLength: 100,
      });
      await cache.set('without', 'a');
      await cache.set('long', 'b', { ttl: 10_000 });
      await cache.set('short', 'c', { ttl: 5 });
      expect(await admin.pttl('cache-test:x:without')).toBeGreaterThan(59_000);
      expect(await admin.pttl('cache-test:x:without')).toBeLessThanOrEqual(60_000);
      expect(await admin.pttl('cache-test:x:long')).toBeGreaterThan(119_000);
      expect(await admin.pttl('cache-test:x:long')).toBeLessThanOrEqual(120_000);
      expect(await admin.pttl('cache-test:x:short')).toBeLessThanOrEqual(5_000);
      expect(await cache.get('short')).toBe('c');
      expect(await cache.get('missing')).toBeUndefined();
      expect(cache.stats()).toEqual({ hits: 1, misses: 1, errors: 0 });
    } finally {
      admin.disconnect();
      await closeRedis(client);
    }
  });

  it('stores no value over the size cap, and none the policy refuses', async () => {
    const client = await connectRedis({ url: redis.url, keyPrefix: 'cache-test:', logger: silent });
    try {
      const cache = guardedCache(redisCache(client, 'y:'), {
        defaultTtlSeconds: 60,
        maxTtlSeconds: 60,
        maxValueLength: 10,
        accept: (value) => !value.includes('no'),
      });
      await cache.set('fits', '0123456789');
      await cache.set('too-long', '0123456789a');
      await cache.set('refused', 'no');
      expect(await cache.get('fits')).toBe('0123456789');
      expect(await cache.get('too-long')).toBeUndefined();
      expect(await cache.get('refused')).toBeUndefined();
    } finally {
      await closeRedis(client);
    }
  });

  it('takes a Redis that is down as a miss and a skipped write, counting each failure', async () => {
    const own = await startRedis();
    const client = await connectRedis({ url: own.url, keyPrefix: 'cache-test:', logger: silent });
    try {
      const cache = guardedCache(redisCache(client, 'z:'), {
        defaultTtlSeconds: 60,
        maxTtlSeconds: 60,
        maxValueLength: 100,
      });
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      await own.stop();
      await cache.set('k2', 'v2');
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.delete('k')).toBe(false);
      expect(cache.stats()).toEqual({ hits: 1, misses: 1, errors: 3 });
    } finally {
      await closeRedis(client);
    }
  });
});

describe('memoryCache', () => {
  it('keeps at most its bytes, dropping the least recently used', async () => {
    const inner = memoryCache(10);
    const cache = guardedCache(inner, {
      defaultTtlSeconds: 60,
      maxTtlSeconds: 60,
      maxValueLength: 10,
      entries: () => inner.keys().length,
    });
    await cache.set('a', '12345');
    await cache.set('b', '12345');
    await cache.set('c', '12345');
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('c')).toBe('12345');
    expect(cache.stats()).toEqual({ entries: 2, hits: 1, misses: 1, errors: 0 });
  });
});

describe('the persisted-query cache of a shared store', () => {
  it('registers no document holding a fiscal code, and none over the size cap', async () => {
    const store = await createSharedStore({
      redisUrl: redis.url,
      keyPrefix: 'apq-test:',
      keySecret: SECRET,
      responseCache: true,
      rateLimit: { perSecond: 10, burst: 100 },
      logger: silent,
    });
    const admin = new Redis(redis.url);
    try {
      const plain = '{ comuni { name } }';
      const literal = `{ worker(fiscalCode: "${CODE.toLowerCase()}") { id } }`;
      const padded = `{ comuni { name } } #${'x'.repeat(PERSISTED_QUERY_MAX_LENGTH)}`;
      await store.persistedQueries.set('apq:plain', plain);
      await store.persistedQueries.set('apq:literal', literal);
      await store.persistedQueries.set('apq:padded', padded);
      expect(await admin.keys('apq-test:*')).toEqual(['apq-test:apq:plain']);
      expect(await admin.ttl('apq-test:apq:plain')).toBe(PERSISTED_QUERY_TTL_SECONDS);
      expect(await store.persistedQueries.get('apq:plain')).toBe(plain);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  it('holdsNoFiscalCode finds valid codes only, whatever their case', () => {
    expect(holdsNoFiscalCode(`{ a(x: "${CODE}") }`)).toBe(false);
    expect(holdsNoFiscalCode(`{ a(x: "${CODE.toLowerCase()}") }`)).toBe(false);
    // Same shape, wrong check letter: not a fiscal code.
    const wrong = CODE.slice(0, 15) + (CODE.endsWith('A') ? 'B' : 'A');
    expect(holdsNoFiscalCode(`{ a(x: "${wrong}") }`)).toBe(true);
    expect(holdsNoFiscalCode('{ desks { id name comune { name } } }')).toBe(true);
  });
});
