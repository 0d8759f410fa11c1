// The subgraph server's share of resilience: each request runs within the budget the
// gateway states (clamped), and /readyz reports the upstreams' circuits.
import { HeaderMap } from '@apollo/server';
import { afterEach, describe, expect, it } from 'vitest';
import { serveGraphQL, type RunningHttpServer } from '../../lib/graphql-http.js';
import type { CircuitState } from './circuit-breaker.js';
import { remainingBudgetMs } from './request-deadline.js';
import { DeadlineApolloServer, subgraphReadiness, type UpstreamCircuit } from './server.js';

const upstream = (name: string, state: CircuitState): UpstreamCircuit => ({
  name,
  circuitState: () => state,
});

function budgetServer(maxMs: number) {
  return new DeadlineApolloServer(
    {
      typeDefs: 'type Query { budget: Float }',
      resolvers: {
        Query: {
          budget: async () => {
            await new Promise((r) => setTimeout(r, 1));
            return remainingBudgetMs() ?? null;
          },
        },
      },
    },
    maxMs,
  );
}

async function budgetSeen(server: DeadlineApolloServer<object>, header?: string): Promise<number> {
  const headers = new HeaderMap([['content-type', 'application/json']]);
  if (header !== undefined) headers.set('x-request-deadline-ms', header);
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body: { query: '{ budget }' } },
    context: () => Promise.resolve({}),
  });
  if (response.body.kind !== 'complete') throw new Error('expected a complete body');
  return (JSON.parse(response.body.string) as { data: { budget: number } }).data.budget;
}

describe('DeadlineApolloServer', () => {
  it('runs resolvers within the budget the gateway states, clamped to its maximum', async () => {
    const server = budgetServer(2000);
    await server.start();
    try {
      const stated = await budgetSeen(server, '500');
      expect(stated).toBeGreaterThan(300);
      expect(stated).toBeLessThanOrEqual(500);
      const clamped = await budgetSeen(server, '60000');
      expect(clamped).toBeGreaterThan(1800);
      expect(clamped).toBeLessThanOrEqual(2000);
      for (const nonsense of [undefined, 'abc', '-1', '0']) {
        const budget = await budgetSeen(server, nonsense);
        expect(budget).toBeGreaterThan(1800);
        expect(budget).toBeLessThanOrEqual(2000);
      }
    } finally {
      await server.stop();
    }
  });
});

describe('subgraph readiness', () => {
  it('is ready while at least one upstream circuit is not open, and lists each circuit', () => {
    expect(subgraphReadiness([upstream('co', 'open'), upstream('registry', 'half-open')])).toEqual({
      ready: true,
      body: {
        status: 'ok',
        upstreams: [
          { name: 'co', circuit: 'open' },
          { name: 'registry', circuit: 'half-open' },
        ],
      },
    });
    expect(subgraphReadiness([upstream('idol', 'closed')]).ready).toBe(true);
    expect(subgraphReadiness([]).ready).toBe(true);
  });

  it('is unready when every upstream circuit is open', () => {
    expect(subgraphReadiness([upstream('co', 'open')])).toEqual({
      ready: false,
      body: { status: 'unavailable', upstreams: [{ name: 'co', circuit: 'open' }] },
    });
  });

  describe('over HTTP', () => {
    let running: RunningHttpServer | undefined;
    afterEach(async () => {
      await running?.stop();
      running = undefined;
    });

    it('answers /readyz 200 or 503 with the circuits, and /healthz 200 either way', async () => {
      let state: CircuitState = 'closed';
      running = await serveGraphQL({
        server: budgetServer(1000),
        context: () => Promise.resolve({}),
        readiness: () => subgraphReadiness([upstream('trio', state)]),
      });
      const base = running.url.replace(/\/graphql$/, '');
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.headers.get('cache-control')).toBe('no-store');
      expect(await ready.json()).toEqual({
        status: 'ok',
        upstreams: [{ name: 'trio', circuit: 'closed' }],
      });
      state = 'open';
      const unready = await fetch(`${base}/readyz`);
      expect(unready.status).toBe(503);
      expect(await unready.json()).toEqual({
        status: 'unavailable',
        upstreams: [{ name: 'trio', circuit: 'open' }],
      });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });

    it('answers 503 when the readiness check itself fails, without its cause', async () => {
      running = await serveGraphQL({
        server: budgetServer(1000),
        context: () => Promise.resolve({}),
        readiness: () => {
          throw new Error('http://10.0.0.7:4102 RSSMRA80A01H501U');
        },
      });
      const res = await fetch(running.url.replace(/\/graphql$/, '/readyz'));
      expect(res.status).toBe(503);
      expect(await res.text()).not.toMatch(/10\.0\.0\.7|RSSMRA/);
    });
  });
});
