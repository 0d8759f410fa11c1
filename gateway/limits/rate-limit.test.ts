// The in-memory token bucket, on a fake clock: requests are counted, not timed.
import { describe, expect, it } from 'vitest';
import { PUBLIC_PRINCIPAL } from '../../lib/auth/principal.js';
import { createMemoryRateLimitStore, rateLimitKey } from './rate-limit.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function takeMany(
  store: ReturnType<typeof createMemoryRateLimitStore>,
  key: string,
  n: number,
) {
  const decisions = [];
  for (let i = 0; i < n; i += 1) decisions.push(await store.take(key));
  return decisions;
}

describe('createMemoryRateLimitStore', () => {
  it('allows a burst, then refuses with the seconds until the next request', async () => {
    const time = clock();
    const store = createMemoryRateLimitStore({ ratePerSecond: 0.5, burst: 3, now: time.now });
    expect(await takeMany(store, 'a', 4)).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterSeconds: 2 },
    ]);
  });

  it('refills at the configured rate, never above the burst', async () => {
    const time = clock();
    const store = createMemoryRateLimitStore({ ratePerSecond: 2, burst: 2, now: time.now });
    await takeMany(store, 'a', 2);
    time.advance(500); // one request's worth
    expect(await takeMany(store, 'a', 2)).toEqual([
      { allowed: true },
      { allowed: false, retryAfterSeconds: 1 },
    ]);
    time.advance(60_000);
    expect((await takeMany(store, 'a', 3)).map((d) => d.allowed)).toEqual([true, true, false]);
  });

  it('keeps one bucket per key', async () => {
    const time = clock();
    const store = createMemoryRateLimitStore({ ratePerSecond: 1, burst: 1, now: time.now });
    expect((await store.take('a')).allowed).toBe(true);
    expect((await store.take('a')).allowed).toBe(false);
    expect((await store.take('b')).allowed).toBe(true);
  });

  it('drops the least recently used bucket beyond maxKeys', async () => {
    const time = clock();
    const store = createMemoryRateLimitStore({
      ratePerSecond: 1,
      burst: 1,
      maxKeys: 2,
      now: time.now,
    });
    await store.take('a');
    await store.take('b');
    await store.take('a'); // refused, and now the most recently used
    await store.take('c'); // evicts b
    expect((await store.take('a')).allowed).toBe(false);
    expect((await store.take('b')).allowed).toBe(true);
  });

  it('refuses bad options naming the value', () => {
    expect(() => createMemoryRateLimitStore({ ratePerSecond: 0 })).toThrow(
      'ratePerSecond must be a positive number, got 0',
    );
    expect(() => createMemoryRateLimitStore({ burst: 1.5 })).toThrow(
      'burst must be a positive integer, got 1.5',
    );
  });
});

describe('rateLimitKey', () => {
  it('counts signed-in callers by role and subject, anonymous ones by address', () => {
    const operator = { ...PUBLIC_PRINCIPAL, role: 'operator' as const, subject: 'op-1' };
    expect(rateLimitKey(operator, '10.0.0.1')).toBe('operator:op-1');
    expect(rateLimitKey(PUBLIC_PRINCIPAL, '10.0.0.1')).toBe('address:10.0.0.1');
  });
});
