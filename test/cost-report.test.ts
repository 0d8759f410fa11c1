// Cost transparency end to end (README "Cost transparency"): the report a client gets with
// `x-cost-report: 1` against the upstreams' own request counters, and `x-cost-report: plan`
// calling nothing.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  resetUpstreamStats,
  startStack,
  subgraphRequests as requestsBySubgraph,
  totalRequests,
  upstreamStats,
  type Stack,
} from './stack.js';

let stack: Stack;
let operator: Record<string, string>;
let analyst: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
  operator = {
    authorization: `Bearer ${await stack.token({ role: 'operator', subject: 'op-cost', desk: 'PO-NORD' })}`,
    'x-purpose': 'GUIDANCE',
  };
  analyst = {
    authorization: `Bearer ${await stack.token({ role: 'analyst', subject: 'an-cost' })}`,
  };
});

afterAll(async () => {
  await stack?.stop();
});

interface UpstreamCost {
  requests: number;
  attempts: number;
  retries: number;
  shortCircuited: number;
  durationMs: number;
}
interface CostReport {
  upstreams: Record<string, UpstreamCost>;
  subgraphFetches: Record<string, number>;
  unreportedFetches?: number;
}
interface PlanReport {
  plan: string;
  subgraphs: string[];
  estimatedUpstreamRequests: number;
}

async function post(
  query: string,
  headers: Record<string, string>,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** HTTP requests each upstream served since the last reset (every route and status). */
async function servedPerUpstream(): Promise<Record<string, number>> {
  const served: Record<string, number> = {};
  for (const [system, routes] of Object.entries(await upstreamStats(stack))) {
    const total = Object.values(routes).reduce((a, b) => a + b, 0);
    if (total > 0) served[system] = total;
  }
  return served;
}

/** Subgraph GraphQL requests served so far, from each subgraph's own /metrics. */
async function subgraphRequests(): Promise<number> {
  return totalRequests(await requestsBySubgraph(stack));
}

const OPERATIONS: { name: string; query: string; headers: () => Record<string, string> }[] = [
  {
    name: 'desks with their comuni (registry)',
    query: '{ desks(kind: LABOUR_REGISTRY_DESK) { id name comune { name } } }',
    headers: () => operator,
  },
  {
    name: 'vacancies with employers and candidates (co, idol, registry)',
    query: `{ vacancies(first: 20) { totalCount edges { node { id status employer { id name }
      occupation { code } candidates { score status worker { id familyName } } } } } }`,
    headers: () => operator,
  },
  {
    name: 'job seekers with enrolments and certificates (idol, trio)',
    query: `{ jobSeekers(first: 10) { edges { node { familyName
      trainingEnrollments { course { id title } } certificates { course { id title } } } } } }`,
    headers: () => operator,
  },
  {
    name: 'flows by month and contract type (co)',
    query: `{ communicationFlows(from: "2011-01-01", to: "2011-12-31", groupBy: [MONTH, CONTRACT_TYPE]) {
      month communications suppressed } }`,
    headers: () => analyst,
  },
];

describe('x-cost-report: 1', () => {
  for (const operation of OPERATIONS) {
    it(`counts what the upstreams served: ${operation.name}`, async () => {
      await resetUpstreamStats(stack);
      const { status, body } = await post(operation.query, {
        ...operation.headers(),
        'x-cost-report': '1',
      });
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      const report = (body.extensions as { costReport: CostReport }).costReport;
      const served = await servedPerUpstream();
      const reported = Object.fromEntries(
        Object.entries(report.upstreams)
          .filter(([, cost]) => cost.attempts > 0)
          .map(([name, cost]) => [name, cost.attempts]),
      );
      expect(reported).toEqual(served);
      for (const cost of Object.values(report.upstreams)) {
        // Nothing failed here: one attempt per call, each taking some time.
        expect(cost.retries).toBe(0);
        expect(cost.requests).toBe(cost.attempts);
        expect(cost.shortCircuited).toBe(0);
        expect(cost.durationMs).toBeGreaterThan(0);
      }
      expect(Object.keys(report.subgraphFetches).length).toBeGreaterThan(0);
      for (const n of Object.values(report.subgraphFetches)) expect(n).toBeGreaterThan(0);
      expect(report.unreportedFetches).toBeUndefined();
    });
  }

  it('reports the fetches of every subgraph a cross-subgraph operation needs', async () => {
    const { body } = await post(OPERATIONS[1]!.query, { ...operator, 'x-cost-report': '1' });
    const report = (body.extensions as { costReport: CostReport }).costReport;
    expect(Object.keys(report.subgraphFetches).sort()).toEqual(
      expect.arrayContaining(['employers', 'workers']),
    );
  });

  it('adds no extension without the header', async () => {
    const { status, body } = await post(OPERATIONS[0]!.query, operator);
    expect(status).toBe(200);
    expect(body.data).toBeDefined();
    expect(body.extensions).toBeUndefined();
  });

  it('is there for public callers too (upstream names are public)', async () => {
    const { body } = await post('{ desks { id } }', { 'x-cost-report': '1' });
    expect(body.errors).toBeUndefined();
    expect((body.extensions as { costReport: CostReport }).costReport.subgraphFetches).toEqual({
      desks: 1,
    });
  });

  it('refuses a value it does not know', async () => {
    const { status, body } = await post('{ desks { id } }', { 'x-cost-report': 'please' });
    expect(status).toBe(400);
    expect((body.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('x-cost-report: plan', () => {
  it('returns the plan naming the subgraphs, calling no subgraph and no upstream', async () => {
    await resetUpstreamStats(stack);
    const before = await subgraphRequests();
    const { status, body } = await post(OPERATIONS[1]!.query, {
      ...operator,
      'x-cost-report': 'plan',
    });
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toBeUndefined();
    const report = (body.extensions as { costReport: PlanReport }).costReport;
    expect(report.plan).toMatch(/^QueryPlan \{/);
    expect(report.plan).toContain('Fetch(service: "employers")');
    expect(report.plan).toContain('Fetch(service: "workers")');
    expect(report.subgraphs).toEqual(expect.arrayContaining(['employers', 'workers']));
    expect(report.estimatedUpstreamRequests).toBeGreaterThan(0);
    expect(await servedPerUpstream()).toEqual({});
    expect(await subgraphRequests()).toBe(before);
  });

  it('does not run a mutation it plans', async () => {
    await resetUpstreamStats(stack);
    const { status, body } = await post(
      `mutation ($key: IdempotencyKey!) { recordGuidanceSession(idempotencyKey: $key,
        input: { workerId: "L0000001", desk: "PO-NORD", date: "2012-01-10", kind: RECEPTION,
          outcome: FOLLOW_UP }) { replayed } }`,
      { ...operator, 'x-cost-report': 'plan' },
      { key: 'c0ffee00-0000-4000-8000-000000000001' },
    );
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    const report = (body.extensions as { costReport: PlanReport }).costReport;
    expect(report.subgraphs).toEqual(['workers']);
    expect(await servedPerUpstream()).toEqual({});
  });

  it('is refused to public callers, before anything runs', async () => {
    await resetUpstreamStats(stack);
    const { status, body } = await post('{ desks { id } }', { 'x-cost-report': 'plan' });
    expect(status).toBe(403);
    expect((body.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe(
      'FORBIDDEN',
    );
    expect(body.extensions).toBeUndefined();
    expect(await servedPerUpstream()).toEqual({});
  });

  it('still applies the checks before planning (a field the caller may not read)', async () => {
    const { body } = await post('{ jobSeekers(first: 1) { edges { node { familyName } } } }', {
      authorization: analyst.authorization!,
      'x-cost-report': 'plan',
    });
    expect(body.errors).toBeDefined();
    expect(body.extensions).toBeUndefined();
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  it('is not served by the gateway (test/metrics.test.ts covers it with one)', async () => {
    const res = await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/metrics'));
    expect(res.status).toBe(404);
  });
});
