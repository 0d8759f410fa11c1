// Upstream faults end to end (SECURITY.md "Upstream faults"): the simulated upstreams are told
// to hang or fail, and the graph answers within its budget, fails only the fields that need
// the failing upstream, stops asking it while its circuit is open, and says so in /readyz.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { clearFaults, setFaults } from '../upstreams/faults.js';
import { graphql, resetUpstreamStats, startStack, upstreamStats, type Stack } from './stack.js';

let stack: Stack;

beforeAll(async () => {
  // Short upstream timeouts, so that a hung upstream costs the tests little time.
  stack = await startStack({ dataDir: inject('dataDir'), upstreamTimeoutMs: 300 });
});

afterEach(async () => {
  await Promise.all(Object.values(stack.upstreamUrls).map((url) => clearFaults(url)));
});

afterAll(async () => {
  await stack?.stop();
});

const QUERY = '{ desks { id } course(id: "TR0001") { id title } }';

const readyz = async (graphqlUrl: string) => {
  const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/readyz'));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function trioRequests(): Promise<number> {
  const routes = (await upstreamStats(stack)).trio;
  return Object.entries(routes)
    .filter(([route]) => /^GET \/v1\/\S+$/.test(route)) // not "<route> 503", "guasto ..."
    .reduce((sum, [, n]) => sum + n, 0);
}

describe('upstream faults through the graph', () => {
  it('reports every process ready, with each upstream circuit closed', async () => {
    const expected = { desks: 'registry', workers: 'idol', employers: 'co', training: 'trio' };
    for (const [subgraph, upstream] of Object.entries(expected)) {
      expect(await readyz(stack.subgraphUrls[subgraph as keyof typeof expected])).toEqual({
        status: 200,
        body: { status: 'ok', upstreams: [{ name: upstream, circuit: 'closed' }] },
      });
    }
    const gateway = await readyz(stack.gatewayUrl);
    expect(gateway.status).toBe(200);
    expect(gateway.body).toMatchObject({
      status: 'ok',
      subgraphs: {
        training: { ready: true, upstreams: [{ name: 'trio', circuit: 'closed' }] },
        desks: { ready: true },
        workers: { ready: true },
        employers: { ready: true },
      },
    });
  });

  it('fails only the fields of a hung upstream, with UPSTREAM_TIMEOUT, after bounded retries', async () => {
    await setFaults(stack.upstreamUrls.trio, [{ tipo: 'latenza', ms: 5000 }]);
    await resetUpstreamStats(stack);
    const started = performance.now();
    const res = await graphql(stack.gatewayUrl, QUERY);
    const elapsed = performance.now() - started;
    expect((res.data?.desks as unknown[]).length).toBeGreaterThan(0);
    expect(res.data?.course).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({
        path: ['course'],
        extensions: { code: 'UPSTREAM_TIMEOUT', upstream: 'trio' },
      }),
    ]);
    // Three attempts of 300 ms and two short backoffs, far from the upstream's 5 s.
    expect(elapsed).toBeLessThan(4000);
    expect(await trioRequests()).toBe(3);
  });

  it('opens the circuit of a failing upstream: fails fast without asking it, and /readyz says so', async () => {
    // A success first: the failures of earlier tests no longer count.
    expect((await graphql(stack.gatewayUrl, QUERY)).errors).toBeUndefined();
    await setFaults(stack.upstreamUrls.trio, [{ tipo: 'errore', stato: 503 }]);
    await resetUpstreamStats(stack);
    // Two requests, three failed attempts each: the fifth failure opens the circuit.
    for (let i = 0; i < 2; i++) {
      const res = await graphql(stack.gatewayUrl, QUERY);
      expect(res.errors?.[0]?.extensions).toEqual({
        code: 'UPSTREAM_UNAVAILABLE',
        upstream: 'trio',
      });
    }
    const asked = await trioRequests();
    expect(asked).toBe(5);

    const fast = await graphql(stack.gatewayUrl, QUERY);
    expect((fast.data?.desks as unknown[]).length).toBeGreaterThan(0);
    expect(fast.errors?.[0]).toMatchObject({
      message: 'trio is unavailable',
      path: ['course'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'trio' },
    });
    expect(await trioRequests()).toBe(asked);

    expect(await readyz(stack.subgraphUrls.training)).toEqual({
      status: 503,
      body: { status: 'unavailable', upstreams: [{ name: 'trio', circuit: 'open' }] },
    });
    // The gateway stays ready (it degrades per field); its report is reused for a second.
    let gateway = await readyz(stack.gatewayUrl);
    for (let i = 0; i < 30 && gateway.body.status !== 'degraded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gateway = await readyz(stack.gatewayUrl);
    }
    expect(gateway.status).toBe(200);
    expect(gateway.body).toMatchObject({
      status: 'degraded',
      subgraphs: {
        training: { ready: false, upstreams: [{ name: 'trio', circuit: 'open' }] },
        desks: { ready: true },
      },
    });
  });
});
