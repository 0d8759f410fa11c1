// One test per upstream fault of SECURITY.md, through the whole graph: the simulated upstream
// is told to misbehave (upstreams/faults.ts), and the field that needs it fails with a stable
// code and the upstream's name within its budget, while the rest of the response is served
// and nothing of the upstream (body, URL, message) or of a person reaches the client. Batch
// answers with gaps, reorderings, duplicates or foreign records still give every key its own
// record or null. A circuit that opened closes again once the upstream recovers.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { clearFaults, setFaults, type FaultRule } from '../upstreams/faults.js';
import {
  graphql,
  resetUpstreamStats,
  startStack,
  upstreamGet,
  upstreamStats,
  type GraphQLResponse,
  type Stack,
} from './stack.js';

type Json = Record<string, unknown>;
const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-faults', desk: 'PO-NORD' };
// Long enough that a healthy answer on a loaded machine never times out, short enough for the
// slow and hung cases to stay quick.
const UPSTREAM_TIMEOUT_MS = 1000;
/** The graph's whole budget for one request: the gateway's default deadline. */
const REQUEST_BUDGET_MS = 10_000;

let stack: Stack;
let workerIds: string[];
let baseline: Json;

beforeAll(async () => {
  stack = await startStack({
    dataDir: inject('dataDir'),
    upstreamTimeoutMs: UPSTREAM_TIMEOUT_MS,
    upstreamSettings: {
      // trio and idol take the per-kind faults: their circuits must not open in between.
      // A small answer cap, so that an oversized answer is found long before any timeout.
      trio: { breakerFailures: 1000, retryBaseMs: 20, maxResponseBytes: 1024 * 1024 },
      idol: { breakerFailures: 1000, retryBaseMs: 20 },
      // co shows a circuit opening and closing again, quickly.
      co: { breakerFailures: 3, breakerCoolDownMs: 400, retries: 0 },
    },
  });
  const page = await upstreamGet<{ lavoratori: { id: string }[] }>(
    stack,
    'idol',
    '/v1/lavoratori/ricerca?dimensione=10',
  );
  workerIds = page.lavoratori.map((w) => w.id);
  const res = await asOperator(workersQuery());
  expect(res.errors).toBeUndefined();
  baseline = res.data!;
});

afterEach(async () => {
  await Promise.all(Object.values(stack.upstreamUrls).map((url) => clearFaults(url)));
});

afterAll(async () => {
  await stack?.stop();
});

/** Ten people by id in one request: one batch to IDOL, whose answer a fault may rewrite. */
function workersQuery(): string {
  const fields = workerIds.map(
    (id, i) => `w${i}: worker(id: ${JSON.stringify(id)}) { id familyName birthDate }`,
  );
  return `{ ${fields.join(' ')} }`;
}

async function asOperator(query: string): Promise<GraphQLResponse<Json>> {
  return graphql<Json>(stack.gatewayUrl, query, undefined, {
    authorization: `Bearer ${await stack.token(OPERATOR)}`,
    'x-purpose': 'GUIDANCE',
  });
}

/** Requests an upstream served on its routes since the last reset (not its fault counters). */
async function served(system: keyof Stack['upstreamUrls']): Promise<number> {
  const routes = (await upstreamStats(stack))[system];
  return Object.entries(routes)
    .filter(([route]) => /^(GET|POST) \/v1\/\S+$/.test(route))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Nothing of the upstream or of a person in what the client got. */
function expectNothingLeaked(res: GraphQLResponse<Json>): void {
  const text = JSON.stringify(res.errors ?? []);
  expect(text).not.toMatch(/https?:\/\/|127\.0\.0\.1|localhost/);
  expect(text).not.toMatch(/errore|ERRORE|messaggio|codice|SERVIZIO|<html|stack|at \w+ \(/i);
  expect(text).not.toMatch(/[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]/);
}

// A course (trio, one request per course) beside the desks (registry): the faulted field and
// one that must still be served.
const COURSE = '{ desks { id } course(id: "TR0001") { id title } }';

interface Case {
  name: string;
  rules: FaultRule[];
  code: string | null;
  /** Requests trio served: retried kinds take 1 + 2 retries. */
  attempts: number;
}

const CASES: Case[] = [
  {
    name: 'a slow answer past the timeout',
    rules: [{ tipo: 'latenza', ms: 5_000 }],
    code: 'UPSTREAM_TIMEOUT',
    attempts: 3,
  },
  { name: 'a hung connection', rules: [{ tipo: 'blocco' }], code: 'UPSTREAM_TIMEOUT', attempts: 3 },
  {
    name: 'a 500 that goes away on retry',
    rules: [{ tipo: 'errore', stato: 500, volte: 1 }],
    code: null,
    attempts: 2,
  },
  {
    name: 'a 502 that stays',
    rules: [{ tipo: 'errore', stato: 502 }],
    code: 'UPSTREAM_UNAVAILABLE',
    attempts: 3,
  },
  {
    name: 'a 429 honoured after its Retry-After',
    rules: [{ tipo: 'quota', secondi: 1, volte: 1 }],
    code: null,
    attempts: 2,
  },
  {
    name: 'a malformed body',
    rules: [{ tipo: 'malformato' }],
    code: 'UPSTREAM_BAD_RESPONSE',
    attempts: 1,
  },
  {
    name: 'a truncated body',
    rules: [{ tipo: 'troncato' }],
    code: 'UPSTREAM_BAD_RESPONSE',
    attempts: 3,
  },
  {
    name: 'the wrong content type',
    rules: [{ tipo: 'tipoErrato' }],
    code: 'UPSTREAM_BAD_RESPONSE',
    attempts: 1,
  },
  {
    name: 'an oversized body',
    rules: [{ tipo: 'enorme', mb: 4 }],
    code: 'UPSTREAM_BAD_RESPONSE',
    attempts: 1,
  },
  {
    name: 'a connection reset',
    rules: [{ tipo: 'reset' }],
    code: 'UPSTREAM_UNAVAILABLE',
    attempts: 3,
  },
];

describe('a faulty upstream fails only its fields, with a stable code, within the budget', () => {
  it.each(CASES)('$name', async ({ rules, code, attempts }) => {
    await setFaults(stack.upstreamUrls.trio, rules);
    await resetUpstreamStats(stack);
    const started = performance.now();
    const res = await graphql<Json>(stack.gatewayUrl, COURSE);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect((res.data?.desks as unknown[]).length).toBeGreaterThan(0);
    if (code === null) {
      expect(res.errors).toBeUndefined();
      expect(res.data?.course).toMatchObject({ id: 'TR0001' });
    } else {
      expect(res.data?.course).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]).toMatchObject({
        path: ['course'],
        extensions: { code, upstream: 'trio' },
      });
    }
    expectNothingLeaked(res);
    expect(await served('trio')).toBe(attempts);
    expect(elapsed).toBeLessThan(REQUEST_BUDGET_MS);
  });
});

describe('batch answers: every key gets its own record or null', () => {
  const query = workersQuery;

  it.each<[string, FaultRule]>([
    ['reordered', { tipo: 'riordinati', percorso: 'GET /v1/lavoratori' }],
    [
      'duplicated, with different content',
      { tipo: 'duplicati', percorso: 'GET /v1/lavoratori', diversi: true },
    ],
    ['with foreign records', { tipo: 'estranei', percorso: 'GET /v1/lavoratori', quanti: 3 }],
  ])('%s: the same answer as without the fault, from one IDOL request', async (_, rule) => {
    await setFaults(stack.upstreamUrls.idol, [rule]);
    await resetUpstreamStats(stack);
    const res = await asOperator(query());
    expect(res.errors).toBeUndefined();
    for (const [alias, worker] of Object.entries(res.data!)) {
      expect((worker as { id: string }).id).toBe(workerIds[Number(alias.slice(1))]);
    }
    if (rule.tipo !== 'duplicati') expect(res.data).toEqual(baseline);
    const stats = (await upstreamStats(stack)).idol;
    expect(stats['GET /v1/lavoratori']).toBe(1);
  });

  it('with records missing: the missing keys are null, the others their own record', async () => {
    await setFaults(stack.upstreamUrls.idol, [
      { tipo: 'mancanti', percorso: 'GET /v1/lavoratori', quanti: 3 },
    ]);
    const res = await asOperator(query());
    expect(res.errors).toBeUndefined();
    const missing = Object.entries(res.data!).filter(([, worker]) => worker === null);
    expect(missing.length).toBeGreaterThan(0);
    for (const [alias, worker] of Object.entries(res.data!)) {
      if (worker !== null) expect(worker).toEqual(baseline[alias]);
    }
  });
});

describe('circuit breaker', () => {
  const EMPLOYERS = '{ desks { id } employer(id: "A000001") { id } }';

  it('opens after repeated failures, fails fast without asking, and closes once the upstream recovers', async () => {
    await setFaults(stack.upstreamUrls.co, [{ tipo: 'errore', stato: 503 }]);
    await resetUpstreamStats(stack);
    for (let i = 0; i < 3; i++) {
      const res = await graphql<Json>(stack.gatewayUrl, EMPLOYERS);
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'co' });
    }
    expect(await served('co')).toBe(3);
    const fast = await graphql<Json>(stack.gatewayUrl, EMPLOYERS);
    expect(fast.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'co' });
    expect((fast.data?.desks as unknown[]).length).toBeGreaterThan(0);
    expect(await served('co')).toBe(3);

    await clearFaults(stack.upstreamUrls.co);
    // After the cool-down one probe goes through; its success closes the circuit.
    let recovered: GraphQLResponse<Json> | undefined;
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      recovered = await graphql<Json>(stack.gatewayUrl, EMPLOYERS);
      if (!recovered.errors) break;
    }
    expect(recovered?.errors).toBeUndefined();
    const ready = await fetch(stack.subgraphUrls.employers.replace(/\/graphql$/, '/readyz'));
    expect(await ready.json()).toEqual({
      status: 'ok',
      upstreams: [{ name: 'co', circuit: 'closed' }],
    });
  });
});
