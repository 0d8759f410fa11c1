// A reference one subgraph makes and no subgraph can resolve (the registry no longer lists a
// desk that IDOL's records name; IDOL does not know a worker co names) is never a silent null:
// under a non-null field it is an INCOMPLETE_DATA error at its path, and where the schema
// allows null (a communication's worker) it stays local to that record.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { setFaults } from '../upstreams/faults.js';
import { graphql, startStack, upstreamGet, type Stack } from './stack.js';

type Json = Record<string, unknown>;
const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-vc', desk: 'PO-NORD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'an-vc' };

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
});

afterAll(async () => {
  await stack?.stop();
});

async function as(claims: DevTokenClaims, query: string, purpose?: string) {
  return graphql<Json>(stack.gatewayUrl, query, undefined, {
    authorization: `Bearer ${await stack.token(claims)}`,
    ...(purpose ? { 'x-purpose': purpose } : {}),
  });
}

describe('unresolved references', () => {
  it('says INCOMPLETE_DATA where a non-null reference could not be resolved, never a bare null', async () => {
    // The desks subgraph reads the registry document once (then revalidates with its ETag):
    // the first read drops all desks but one.
    await setFaults(stack.upstreamUrls.registry, [
      { tipo: 'mancanti', percorso: 'GET /v1/sportelli', quanti: 29 },
    ]);
    const res = await as(
      OPERATOR,
      '{ jobSeekers(first: 20) { totalCount edges { node { id profile { registeredAt { id name } } } } } }',
      'REGISTRATION',
    );
    const edges = (res.data?.jobSeekers as { edges: { node: { profile: unknown } }[] }).edges;
    const nulled = edges.filter((e) => e.node.profile === null);
    expect(nulled.length).toBeGreaterThan(0);
    expect(res.errors?.length).toBe(nulled.length);
    for (const error of res.errors ?? []) {
      expect(error.extensions).toEqual({ code: 'INCOMPLETE_DATA' });
      expect(error.path?.slice(0, 2)).toEqual(['jobSeekers', 'edges']);
      expect(error.path).toContain('registeredAt');
    }
    expect((res as { extensions?: Json }).extensions?.valueCompletion).toBeUndefined();
  });

  it("keeps a worker IDOL does not return to that communication's own field", async () => {
    const { aziende } = await upstreamGet<{ aziende: { id: string }[] }>(
      stack,
      'co',
      '/v1/aziende/ricerca?dimensione=50',
    );
    const query = (id: string) =>
      `{ employer(id: "${id}") { id communications(first: 10) { totalCount edges { node { id worker { pseudonym } } } } } }`;
    let employer: string | undefined;
    for (const { id } of aziende) {
      const res = await as(ANALYST, query(id));
      const page = (res.data?.employer as { communications: { totalCount: number } })
        .communications;
      if (page.totalCount >= 3) {
        employer = id;
        break;
      }
    }
    expect(employer).toBeDefined();
    await setFaults(stack.upstreamUrls.idol, [
      { tipo: 'mancanti', percorso: 'GET /v1/lavoratori', quanti: 1 },
    ]);
    const res = await as(ANALYST, query(employer!));
    const page = (
      res.data?.employer as {
        communications: { edges: { node: { id: string; worker: unknown } }[] };
      }
    ).communications;
    expect(page.edges.length).toBeGreaterThanOrEqual(3);
    expect(page.edges.filter((e) => e.node.worker === null).length).toBeGreaterThan(0);
    expect(page.edges.filter((e) => e.node.worker !== null).length).toBeGreaterThan(0);
  });
});
