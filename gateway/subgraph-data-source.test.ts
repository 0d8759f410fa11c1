// The gateway's share of the request deadline: each subgraph fetch carries the remaining
// budget, none starts once it is spent, and a fetch still running at the deadline is aborted.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ASSERTION_HEADER } from '../lib/auth/assertion.js';
import type { GatewayContext } from './context.js';
import {
  DEADLINE_HEADER,
  deadlineClock,
  SubgraphDataSource,
  subgraphBudget,
} from './subgraph-data-source.js';
import { DEADLINE_HEADER as SUBGRAPH_DEADLINE_HEADER } from '../subgraphs/shared/request-deadline.js';

let server: Server;
let url: string;
let hang = false;
let seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    if (hang) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"data":{"x":1}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

beforeEach(() => {
  hang = false;
  seen = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function dataSource(requestDeadlineMs?: number) {
  return new SubgraphDataSource({
    url,
    fetcher: undiciFetch,
    sign: () => Promise.resolve('signed'),
    requestDeadlineMs,
  });
}

function context(deadline?: number): GatewayContext {
  return {
    principal: { role: 'public' } as GatewayContext['principal'],
    requestId: 'r1',
    purpose: null,
    operation: { name: null, hash: null },
    ...(deadline !== undefined ? { deadline } : {}),
  };
}

function send(source: SubgraphDataSource, ctx: GatewayContext) {
  return source.process({
    kind: 'incoming operation', // GraphQLDataSourceRequestKind.INCOMING_OPERATION
    request: { query: '{ x }' },
    context: ctx,
    incomingRequestContext: {} as never,
    pathInIncomingRequest: undefined,
  } as never);
}

describe('SubgraphDataSource deadline', () => {
  it('names the header the subgraphs read', () => {
    expect(DEADLINE_HEADER).toBe(SUBGRAPH_DEADLINE_HEADER);
  });

  it('leaves the subgraph a margin to answer before the gateway gives up', () => {
    expect(subgraphBudget(10_000)).toBe(9900);
    expect(subgraphBudget(500)).toBe(450);
    expect(subgraphBudget(5)).toBe(5);
    expect(subgraphBudget(1)).toBe(1);
  });

  it('sends the remaining budget, less the margin, with the fetch, and nothing of its own', async () => {
    const response = await send(dataSource(), context(deadlineClock() + 500));
    expect(response.data).toEqual({ x: 1 });
    const budget = Number(seen[0]?.[DEADLINE_HEADER]);
    expect(budget).toBeGreaterThan(300);
    expect(budget).toBeLessThanOrEqual(450);
    expect(Object.keys(seen[0] ?? {}).filter((h) => h.startsWith('x-gateway-abort'))).toEqual([]);
    expect(seen[0]?.[ASSERTION_HEADER]).toBe('signed');
  });

  it('gives a context without a deadline the configured budget', async () => {
    await send(dataSource(3000), context());
    const budget = Number(seen[0]?.[DEADLINE_HEADER]);
    expect(budget).toBeGreaterThan(2700);
    expect(budget).toBeLessThanOrEqual(2900);
  });

  it('starts no fetch once the budget is spent', async () => {
    const error = await send(dataSource(), context(deadlineClock() - 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error).toMatchObject({
      message: 'A part of the graph did not answer in time',
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    });
    expect(seen).toHaveLength(0);
  });

  it('aborts a fetch still running at the deadline, saying so without the URL', async () => {
    hang = true;
    const started = performance.now();
    const error = await send(dataSource(), context(deadlineClock() + 150)).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error).toMatchObject({
      message: 'A part of the graph did not answer in time',
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    });
    expect(JSON.stringify(error)).not.toContain('127.0.0.1');
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(2000);
    expect(seen).toHaveLength(1);
  });
});
