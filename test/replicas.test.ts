// Gateway replicas sharing one Redis (DESIGN.md §9): two gateways on the same subgraphs, as
// behind a load balancer, share automatic persisted queries, rate-limit allowances and the
// response cache of public data; without REDIS_URL each keeps its own in memory. Requests are
// counted (the subgraphs' and upstreams' own counters), never timed. Then Redis is stopped
// under them: each use behaves as gateway/shared-store/index.ts says, and shares again once
// Redis is back.
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IN_MEMORY, type SharedStoreConfig } from '../gateway/shared-store/index.js';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { clearFaults, setFaults } from '../upstreams/faults.js';
import { startRedis, type RunningRedis } from './redis.js';
import {
  resetUpstreamStats,
  startStack,
  subgraphRequests as requestsBySubgraph,
  totalRequests,
  upstreamRequests,
  type Stack,
} from './stack.js';

const METRICS_TOKEN = 'replicas-test-metrics-token';
const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-replicas', desk: 'PO-NORD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'analyst-replicas' };
const CNA: DevTokenClaims = { role: 'partner', subject: 'cna-replicas', organization: 'CNA' };

let redis: RunningRedis;
let stack: Stack;
let shared: SharedStoreConfig;
/** Two replicas sharing Redis. */
let one: string;
let two: string;
/** Two replicas each in its own memory. */
let memoryOne: string;
let memoryTwo: string;
/** Two replicas sharing Redis with a burst of 4 and next to no refill. */
let limitedOne: string;
let limitedTwo: string;
/** Two replicas sharing Redis with a quota of two persisted-query registrations per caller. */
let quotaOne: string;
let quotaTwo: string;

beforeAll(async () => {
  redis = await startRedis();
  shared = {
    redisUrl: redis.url,
    keyPrefix: 'replicas-test:',
    keySecret: randomBytes(32).toString('hex'),
    responseCache: true,
  };
  stack = await startStack({ dataDir: inject('dataDir'), metricsToken: METRICS_TOKEN });
  // The stack's own gateway caches no answers (test/stack.ts): these two do, in memory.
  memoryOne = await stack.startGateway({ sharedStore: IN_MEMORY });
  memoryTwo = await stack.startGateway({ sharedStore: IN_MEMORY });
  one = await stack.startGateway({ sharedStore: shared });
  two = await stack.startGateway({ sharedStore: shared });
  // One request per 1,000 s of refill: the test counts requests, not time.
  const limits = { rateLimit: { perSecond: 0.001, burst: 4 } };
  const limitedStore = { ...shared, keyPrefix: 'replicas-test-limits:' };
  limitedOne = await stack.startGateway({ sharedStore: limitedStore, limits });
  limitedTwo = await stack.startGateway({ sharedStore: limitedStore, limits });
  const quotaStore = { ...shared, keyPrefix: 'replicas-test-quota:', registrationsPerHour: 2 };
  quotaOne = await stack.startGateway({ sharedStore: quotaStore });
  quotaTwo = await stack.startGateway({ sharedStore: quotaStore });
});

afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(
  url: string,
  body: Record<string, unknown>,
  claims: DevTokenClaims | null = null,
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(claims ? { authorization: `Bearer ${await stack.token(claims)}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, ...((await res.json()) as object) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (query: string) => ({
  persistedQuery: { version: 1, sha256Hash: sha256(query) },
});
/** Registers `query` (hash and text), as Apollo Client's persisted-query link does on a miss. */
const register = (url: string, query: string, claims: DevTokenClaims | null = null) =>
  post(url, { query, extensions: persisted(query) }, claims);
/** Sends the hash alone, as that link does first. */
const byHash = (url: string, query: string, claims: DevTokenClaims | null = null) =>
  post(url, { extensions: persisted(query) }, claims);

const codeOf = (answer: Answer) => answer.errors?.[0]?.extensions?.code;

/** GraphQL requests all four subgraphs have served so far (their own /metrics). */
async function subgraphRequests(): Promise<number> {
  return totalRequests(await requestsBySubgraph(stack));
}

/** What one request cost behind the gateway: subgraph and upstream requests. */
async function traffic<T>(send: () => Promise<T>) {
  const subgraphsBefore = await subgraphRequests();
  await resetUpstreamStats(stack);
  const answer = await send();
  return {
    answer,
    subgraphs: (await subgraphRequests()) - subgraphsBefore,
    upstream: totalRequests(await upstreamRequests(stack)),
  };
}

/** A gateway's metric samples, by the sample's name and labels as written. */
async function metrics(url: string): Promise<Record<string, number>> {
  const res = await fetch(new URL('/metrics', url), {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const samples: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('gateway_cache_')) {
      const [name, value] = line.split(' ');
      samples[name!] = Number(value);
    }
  }
  return samples;
}

async function withAdmin<T>(use: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis(redis.url);
  try {
    return await use(admin);
  } finally {
    admin.disconnect();
  }
}

// Public data from two subgraphs: desks (max-age 60) and the course catalogue (300).
const PUBLIC_QUERY = `query PublicDirectory {
  desks(kind: LABOUR_REGISTRY_DESK) { id name comune { name } openingHours { day opens } }
  courses(first: 3) { totalCount edges { node { id title area { name } } } }
}`;

describe('automatic persisted queries', () => {
  const query = 'query ReplicaComuni { comuni { istatCode name } }';

  it('a query registered through one replica is served by its hash alone through the other', async () => {
    const registered = await register(one, query);
    expect(registered.status).toBe(200);
    expect(registered.errors).toBeUndefined();
    const served = await byHash(two, query);
    expect(served.status).toBe(200);
    expect(served.data).toEqual(registered.data);
    // Written under the deployment's prefix, with a TTL.
    await withAdmin(async (admin) => {
      const ttl = await admin.ttl(`replicas-test:apq:${sha256(query)}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3600);
    });
  });

  it('without Redis, another replica does not know it: PERSISTED_QUERY_NOT_FOUND (the one that registered it does)', async () => {
    const own = 'query ReplicaComuniInMemory { comuni { istatCode } }';
    expect((await register(memoryOne, own)).status).toBe(200);
    expect((await byHash(memoryOne, own)).data).toEqual({
      comuni: expect.arrayContaining([{ istatCode: '100005' }]) as unknown,
    });
    const elsewhere = await byHash(memoryTwo, own);
    expect(codeOf(elsewhere)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(elsewhere.data).toBeUndefined();
  });

  it('does not let a partner run, or register, what is not in its manifest', async () => {
    // Registered by an anonymous caller: the partner's hash-only request is refused all the same.
    expect((await register(one, query)).status).toBe(200);
    const hashOnly = await byHash(two, query, CNA);
    expect(hashOnly.status).toBe(403);
    expect(codeOf(hashOnly)).toBe('OPERATION_NOT_REGISTERED');
    // A partner's hash and text are refused, and nothing is registered for anyone else.
    const own = 'query PartnerOwnComuni { comuni { name } }';
    const attempt = await register(one, own, CNA);
    expect(attempt.status).toBe(403);
    expect(codeOf(attempt)).toBe('OPERATION_NOT_REGISTERED');
    expect(codeOf(await byHash(two, own))).toBe('PERSISTED_QUERY_NOT_FOUND');
    await withAdmin(async (admin) => {
      expect(await admin.exists(`replicas-test:apq:${sha256(own)}`)).toBe(0);
    });
  });

  it('registers only documents every limit accepted, of at most 32 KiB', async () => {
    // Too deep: refused, and not registered.
    const deep = `query TooDeep { desks { comune { desks { comune { desks { comune { desks { comune { desks { comune { desks { id } } } } } } } } } } } }`;
    const refused = await register(one, deep);
    expect(codeOf(refused)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(codeOf(await byHash(two, deep))).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Valid and within every limit, but padded with a comment: served, never stored.
    const padded = `query Padded { comuni { name } }\n#${'x'.repeat(40 * 1024)}`;
    const served = await register(one, padded);
    expect(served.status).toBe(200);
    expect(served.errors).toBeUndefined();
    expect(codeOf(await byHash(two, padded))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('persisted-query registration quota', () => {
  it("one caller's registrations through both replicas spend one quota; beyond it, served and not registered", async () => {
    const texts = [1, 2, 3].map((n) => `query Quota${n} { comuni { istatCode } }`);
    for (const [i, text] of texts.entries()) {
      const answer = await register(i % 2 === 0 ? quotaOne : quotaTwo, text);
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
    }
    expect((await byHash(quotaTwo, texts[0]!)).status).toBe(200);
    expect((await byHash(quotaOne, texts[1]!)).status).toBe(200);
    for (const url of [quotaOne, quotaTwo]) {
      expect(codeOf(await byHash(url, texts[2]!))).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
    const counted = await metrics(quotaOne);
    expect(counted['gateway_cache_refused_total{cache="persisted_query"}']).toBe(1);
    // A signed-in caller has a quota of its own.
    expect((await register(quotaTwo, texts[2]!, OPERATOR)).status).toBe(200);
    expect((await byHash(quotaOne, texts[2]!, OPERATOR)).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('requests split between the replicas spend one allowance', async () => {
    const caller: DevTokenClaims = { ...OPERATOR, subject: 'op-replicas-shared' };
    const statuses: number[] = [];
    for (const url of [limitedOne, limitedTwo, limitedOne, limitedTwo]) {
      statuses.push((await post(url, { query: '{ comuni { name } }' }, caller)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refused = await post(limitedTwo, { query: '{ comuni { name } }' }, caller);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1000');
    expect(refused.errors).toEqual([
      {
        message: 'Too many requests from this caller: retry in 1000 seconds',
        extensions: { code: 'RATE_LIMITED', retryAfter: 1000 },
      },
    ]);
    expect((await post(limitedOne, { query: '{ comuni { name } }' }, caller)).status).toBe(429);
    // Another caller's allowance is untouched.
    const other = { ...OPERATOR, subject: 'op-replicas-other' };
    expect((await post(limitedOne, { query: '{ comuni { name } }' }, other)).status).toBe(200);
  });

  it('names no caller in Redis', async () => {
    await withAdmin(async (admin) => {
      const keys = await admin.keys('replicas-test-limits:*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(' ')).not.toMatch(/op-replicas|operator|127\.0\.0\.1|address/);
    });
  });
});

describe('response cache of public data', () => {
  it('an anonymous answer fetched through one replica is served by the other with no subgraph or upstream request', async () => {
    const first = await traffic(() => post(one, { query: PUBLIC_QUERY }));
    expect(first.answer.status).toBe(200);
    expect(first.answer.errors).toBeUndefined();
    // The minimum of the subgraphs' hints: desks 60 s, the catalogue 300 s.
    expect(first.answer.headers.get('cache-control')).toBe('max-age=60, public');
    expect(first.subgraphs).toBe(2);
    expect(first.upstream).toBeGreaterThan(0);

    const second = await traffic(() => post(two, { query: PUBLIC_QUERY }));
    expect(second.answer.data).toEqual(first.answer.data);
    expect(second.subgraphs).toBe(0);
    expect(second.upstream).toBe(0);
    expect(second.answer.headers.get('cache-control')).toBe('max-age=60, public');
    expect(second.answer.headers.get('age')).toMatch(/^\d+$/);
    const counted = await metrics(two);
    expect(counted['gateway_cache_hits_total{cache="response"}']).toBeGreaterThanOrEqual(1);
  });

  it('serves a signed-in caller only entries kept for the same rights, never the anonymous ones', async () => {
    expect((await post(one, { query: PUBLIC_QUERY })).status).toBe(200); // cached, if not yet
    const query = PUBLIC_QUERY.replace('PublicDirectory', 'SignedInDirectory');
    const first = await traffic(() => post(one, { query }, OPERATOR));
    expect(first.answer.status).toBe(200);
    expect(first.subgraphs).toBe(2);
    // Still the subgraphs' max-age, but for the caller's own cache only.
    expect(first.answer.headers.get('cache-control')).toBe('max-age=60, private');
    // Another operator of the same desk, through the other replica: the same rights.
    const colleague = { ...OPERATOR, subject: 'op-replicas-colleague' };
    const shared = await traffic(() => post(two, { query }, colleague));
    expect(shared.answer.data).toEqual(first.answer.data);
    expect(shared.subgraphs).toBe(0);
    expect(shared.answer.headers.get('cache-control')).toBe('max-age=60, private');
    // Other rights (another desk, an analyst, anonymous) keep their own entries.
    for (const caller of [
      { ...OPERATOR, subject: 'op-replicas-sud', desk: 'PO-SUD' },
      ANALYST,
      null,
    ]) {
      const other = await traffic(() => post(two, { query }, caller));
      expect(other.answer.data).toEqual(first.answer.data);
      expect(other.subgraphs).toBe(2);
    }
  });

  it("shares an analysts' aggregate between analysts, and keeps nothing of an operation that selects signed-in fields", async () => {
    const flows = `query ReplicaFlows { communicationFlows(from: "2012-01-01", to: "2012-06-30", groupBy: [MONTH, CONTRACT_TYPE]) {
      month contractType { code label } communications workers suppressed } }`;
    const first = await traffic(() => post(one, { query: flows }, ANALYST));
    expect(first.answer.errors).toBeUndefined();
    expect(first.subgraphs).toBe(1);
    expect(first.answer.headers.get('cache-control')).toBe('max-age=60, private');
    const again = await traffic(() =>
      post(two, { query: flows }, { ...ANALYST, subject: 'analyst-replicas-two' }),
    );
    expect(again.answer.data).toEqual(first.answer.data);
    expect(again.subgraphs).toBe(0);
    expect(again.upstream).toBe(0);

    // The same desks beside a field only signed-in callers may read: every time from the
    // subgraphs, whatever their hints say.
    const mixed = `query ReplicaDesksAndJobSeekers { desks(kind: LABOUR_REGISTRY_DESK) { id name }
      desk(id: "PO-NORD") { jobSeekers(first: 1) { edges { node { pseudonym } } } } }`;
    for (const url of [one, two, one]) {
      const answer = await traffic(() => post(url, { query: mixed }, ANALYST));
      expect(answer.answer.errors).toBeUndefined();
      expect(answer.subgraphs).toBe(2);
      expect(answer.answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('does not cache an answer with errors', async () => {
    const query = '{ comuni { name } course(id: "TR0001") { id title } }';
    await setFaults(stack.upstreamUrls.trio, [
      { tipo: 'malformato', percorso: 'GET /v1/corsi/{id}' },
    ]);
    let failed;
    try {
      failed = await traffic(() => post(one, { query }));
    } finally {
      await clearFaults(stack.upstreamUrls.trio);
    }
    expect(failed.answer.data).toEqual({ comuni: expect.any(Array) as unknown, course: null });
    expect(codeOf(failed.answer)).toBe('UPSTREAM_BAD_RESPONSE');
    expect(failed.answer.headers.get('cache-control')).toBe('no-store');
    // Not served from the cache: the subgraphs answer, this time in full, and that is kept.
    const whole = await traffic(() => post(two, { query }));
    expect(whole.answer.errors).toBeUndefined();
    expect(whole.subgraphs).toBe(2);
    const cached = await traffic(() => post(one, { query }));
    expect(cached.answer.data).toEqual(whole.answer.data);
    expect(cached.subgraphs).toBe(0);
  });

  it('caches no answer holding a type without a hint (here desk activity, counted live)', async () => {
    const query = '{ comuni { name } deskActivity(from: "2024-01", to: "2024-02") { count } }';
    for (const url of [one, two]) {
      const answer = await traffic(() => post(url, { query }));
      expect(answer.answer.status).toBe(200);
      expect(answer.answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.subgraphs).toBe(1);
    }
  });

  it('without Redis, is kept by each replica for itself', async () => {
    const query = PUBLIC_QUERY.replace('PublicDirectory', 'PublicDirectoryInMemory');
    expect((await traffic(() => post(memoryOne, { query }))).subgraphs).toBe(2);
    const again = await traffic(() => post(memoryOne, { query }));
    expect(again.subgraphs).toBe(0);
    expect(again.answer.headers.get('cache-control')).toBe('max-age=60, public');
    expect((await traffic(() => post(memoryTwo, { query }))).subgraphs).toBe(2);
  });
});

describe('with Redis stopped', () => {
  beforeAll(async () => {
    await redis.stop();
  });

  it('persisted queries: a hash alone is not found, the text sent again is served', async () => {
    const query = 'query WhileRedisIsDown { comuni { istatCode name } }';
    const registered = await register(one, query);
    expect(registered.status).toBe(200);
    expect(registered.errors).toBeUndefined();
    expect(codeOf(await byHash(two, query))).toBe('PERSISTED_QUERY_NOT_FOUND');
    const resent = await register(two, query);
    expect(resent.data).toEqual(registered.data);
  });

  it('response cache: fails open, every public answer comes from the subgraphs', async () => {
    const query = PUBLIC_QUERY.replace('PublicDirectory', 'PublicDirectoryWhileRedisIsDown');
    const errorsBefore = (await metrics(one))['gateway_cache_errors_total{cache="response"}'] ?? 0;
    for (let i = 0; i < 2; i += 1) {
      const answer = await traffic(() => post(one, { query }));
      expect(answer.answer.status).toBe(200);
      expect(answer.answer.errors).toBeUndefined();
      expect(answer.subgraphs).toBe(2);
      expect(answer.answer.headers.get('cache-control')).toBe('max-age=60, public');
    }
    const errorsAfter = (await metrics(one))['gateway_cache_errors_total{cache="response"}'];
    expect(errorsAfter).toBeGreaterThan(errorsBefore);
  });

  it('rate limits: each replica counts the allowance on its own, still refusing past it', async () => {
    const caller: DevTokenClaims = { ...OPERATOR, subject: 'op-replicas-redis-down' };
    for (const url of [limitedOne, limitedTwo]) {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        statuses.push((await post(url, { query: '{ comuni { name } }' }, caller)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    }
    const counted = await metrics(limitedOne);
    expect(counted['gateway_cache_errors_total{cache="rate_limit"}']).toBeGreaterThanOrEqual(5);
  });

  it('shares again once Redis is back', async () => {
    redis = await startRedis({ port: redis.port });
    const query = 'query AfterRedisIsBack { comuni { istatCode } }';
    // The replicas reconnect on their own, backing off up to 2 s: register until it is stored.
    let stored = 0;
    for (let attempt = 0; attempt < 100 && stored === 0; attempt += 1) {
      await register(one, query);
      stored = await withAdmin((admin) => admin.exists(`replicas-test:apq:${sha256(query)}`));
      if (stored === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stored).toBe(1);
    expect((await byHash(two, query)).data).toEqual({
      comuni: expect.arrayContaining([{ istatCode: '100005' }]) as unknown,
    });
  });
});
