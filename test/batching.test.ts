// A plan's fetches to one subgraph that start together go as one request (gateway/fetch-batch.ts),
// counted on the real stack: the worker page's two desks fetches (the desk of registration and
// the guidance sessions' desks), with the same answer as with batching off.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStack, subgraphRequests, type Stack } from './stack.js';

let stack: Stack;
let operator: Record<string, string>;
let unbatchedUrl: string;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
  operator = {
    authorization: `Bearer ${await stack.token({ role: 'operator', subject: 'op-batch', desk: 'PO-NORD' })}`,
    'x-purpose': 'GUIDANCE',
  };
  unbatchedUrl = await stack.startGateway({ batchSubgraphFetches: false });
});

afterAll(async () => {
  await stack?.stop();
});

const WORKER_DESKS = `query WorkerDesks($id: ID!) {
  worker(id: $id) {
    profile { registeredAt { id name } }
    guidanceSessions { date desk { id name } }
  }
}`;

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: unknown[];
  extensions?: { costReport?: { plan?: string; subgraphFetches?: Record<string, number> } };
}

async function post(
  url: string,
  query: string,
  variables: object,
  report?: '1' | 'plan',
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(report ? { 'x-cost-report': report } : {}),
      ...operator,
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Answer;
}

/** GraphQL requests the desks subgraph has served, from its own /metrics. */
async function desksRequests(): Promise<number> {
  return (await subgraphRequests(stack)).desks;
}

describe('fetches batched per subgraph', () => {
  it('sends the worker page’s two desks fetches as one request, answering as without batching', async () => {
    // A job seeker of the desk with guidance sessions, so that both desks fetches have work.
    const seekers = await post(
      stack.gatewayUrl,
      '{ jobSeekers(first: 50) { edges { node { id guidanceSessions { id } } } } }',
      {},
    );
    const edges = (
      seekers.data?.jobSeekers as { edges: { node: { id: string; guidanceSessions: unknown[] } }[] }
    ).edges;
    const id = edges.find((e) => e.node.guidanceSessions.length > 0)?.node.id;
    expect(id).toBeDefined();

    const plan = await post(stack.gatewayUrl, WORKER_DESKS, { id }, 'plan');
    expect(plan.extensions?.costReport?.plan?.match(/Fetch\(service: "desks"\)/g)).toHaveLength(2);

    const before = await desksRequests();
    const batched = await post(stack.gatewayUrl, WORKER_DESKS, { id }, '1');
    const afterBatched = await desksRequests();
    const unbatched = await post(unbatchedUrl, WORKER_DESKS, { id }, '1');
    const afterUnbatched = await desksRequests();

    expect(batched.errors).toBeUndefined();
    expect(batched.data).toEqual(unbatched.data);
    expect(batched.extensions?.costReport?.subgraphFetches?.desks).toBe(1);
    expect(afterBatched - before).toBe(1);
    expect(unbatched.extensions?.costReport?.subgraphFetches?.desks).toBe(2);
    expect(afterUnbatched - afterBatched).toBe(2);
  });
});
