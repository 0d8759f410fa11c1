// The gateway's /readyz: 503 until the supergraph is loaded, then 200 with each subgraph's
// readiness (names and circuit states only), fetched with a short timeout and reused ~1 s.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gatewayReadiness, readinessUrl, upstreamsOf } from './readiness.js';

let server: Server;
let base: string;
const hits: Record<string, number> = {};

beforeAll(async () => {
  // One server plays several subgraphs, one per path prefix.
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (path) {
      case '/ready/readyz':
        return json(200, { status: 'ok', upstreams: [{ name: 'registry', circuit: 'closed' }] });
      case '/down/readyz':
        return json(503, {
          status: 'unavailable',
          upstreams: [
            { name: 'co', circuit: 'open', secret: 'http://10.0.0.7:4103' },
            { name: 'http://10.0.0.7', circuit: 'open' },
            { name: 'idol', circuit: 'RSSMRA80A01H501U' },
          ],
          detail: 'RSSMRA80A01H501U',
        });
      case '/garbage/readyz':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('<html>');
      case '/hang/readyz':
        return;
      case '/foreign/graphql':
        return req.method === 'POST'
          ? json(200, { data: { __typename: 'Query' } })
          : json(400, { errors: [{ message: 'GET query missing' }] });
      case '/foreign-failing/graphql':
        return json(200, { errors: [{ message: 'Internal error' }] });
      default:
        return json(404, {});
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  for (const key of Object.keys(hits)) delete hits[key];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('gateway readiness', () => {
  it('finds readyz next to each subgraph endpoint', () => {
    expect(readinessUrl('http://127.0.0.1:4001/graphql')).toBe('http://127.0.0.1:4001/readyz');
    expect(readinessUrl('https://sg.example/desks/graphql')).toBe(
      'https://sg.example/desks/readyz',
    );
  });

  it('is unready until the supergraph is loaded, and asks no subgraph meanwhile', async () => {
    const readiness = gatewayReadiness({
      supergraphLoaded: () => false,
      subgraphUrls: { desks: `${base}/ready/graphql` },
    });
    expect(await readiness()).toEqual({ ready: false, body: { status: 'starting' } });
    expect(hits).toEqual({});
  });

  it('is ready once loaded, whatever the subgraphs say, and reports each one (names and states only)', async () => {
    const now = 0;
    const readiness = gatewayReadiness({
      supergraphLoaded: () => true,
      subgraphUrls: {
        desks: `${base}/ready/graphql`,
        employers: `${base}/down/graphql`,
        training: `${base}/garbage/graphql`,
        workers: `${base}/hang/graphql`,
      },
      timeoutMs: 150,
      now: () => now,
    });
    const started = performance.now();
    const answer = await readiness();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(answer).toEqual({
      ready: true,
      body: {
        status: 'degraded',
        subgraphs: {
          desks: { ready: true, upstreams: [{ name: 'registry', circuit: 'closed' }] },
          employers: { ready: false, upstreams: [{ name: 'co', circuit: 'open' }] },
          training: { ready: true, upstreams: [] },
          workers: { ready: false, upstreams: [] },
        },
      },
    });
    expect(JSON.stringify(answer)).not.toMatch(/10\.0\.0\.7|RSSMRA|127\.0\.0\.1/);
  });

  it('asks each subgraph at most once per second, however often it is asked', async () => {
    let now = 0;
    const readiness = gatewayReadiness({
      supergraphLoaded: () => true,
      subgraphUrls: { desks: `${base}/ready/graphql` },
      now: () => now,
    });
    await Promise.all([readiness(), readiness()]);
    now += 999;
    expect((await readiness()).body).toMatchObject({ status: 'ok' });
    expect(hits['/ready/readyz']).toBe(1);
    now += 1;
    await readiness();
    expect(hits['/ready/readyz']).toBe(2);
  });

  it('keeps only well-formed upstream entries', () => {
    expect(upstreamsOf(null)).toEqual([]);
    expect(upstreamsOf({ upstreams: 'co' })).toEqual([]);
    expect(
      upstreamsOf({
        upstreams: [{ name: 'trio', circuit: 'half-open' }, { name: 3 }, null, 'x'],
      }),
    ).toEqual([{ name: 'trio', circuit: 'half-open' }]);
  });

  it("asks another graph's subgraphs for { __typename } at their GraphQL URL when told to", async () => {
    const readiness = gatewayReadiness({
      supergraphLoaded: () => true,
      subgraphUrls: {
        accounts: `${base}/foreign/graphql`,
        reviews: `${base}/foreign-failing/graphql`,
      },
      probe: 'typename',
    });
    expect(await readiness()).toEqual({
      ready: true,
      body: {
        status: 'degraded',
        subgraphs: {
          accounts: { ready: true, upstreams: [] },
          reviews: { ready: false, upstreams: [] },
        },
      },
    });
    expect(hits).toEqual({ '/foreign/graphql': 1, '/foreign-failing/graphql': 1 });
  });
});
