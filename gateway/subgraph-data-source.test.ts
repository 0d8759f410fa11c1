// The gateway's share of the request deadline: each subgraph fetch carries the remaining
// budget, none starts once it is spent, and a fetch still running at the deadline is aborted.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, GraphQLError, graphqlSync } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ASSERTION_HEADER } from '../lib/auth/assertion.js';
import type { GatewayContext } from './context.js';
import {
  DEADLINE_HEADER,
  deadlineClock,
  expandEntities,
  SubgraphDataSource,
  subgraphBudget,
  uniqueRepresentations,
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
    callerKey: 'test-caller',
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

describe('uniqueRepresentations and expandEntities', () => {
  it('sends each representation once and answers every original position with its own object', () => {
    const reps = [
      { __typename: 'Desk', id: 'A' },
      { __typename: 'Desk', id: 'B' },
      { __typename: 'Desk', id: 'A' },
      { __typename: 'Desk', id: 'A' },
    ];
    const { variables, positions } = uniqueRepresentations({ other: 1, representations: reps });
    expect(variables).toEqual({ other: 1, representations: reps.slice(0, 2) });
    expect(positions).toEqual([0, 1, 0, 0]);
    const response = {
      data: { _entities: [{ name: 'a', nested: { x: 1 } }, null] },
      errors: [
        { message: 'B failed', path: ['_entities', 1, 'name'] },
        { message: 'A failed', path: ['_entities', 0] },
        { message: 'whole fetch' },
      ],
    };
    expandEntities(response, positions!);
    const entities = response.data._entities;
    expect(entities).toEqual([
      { name: 'a', nested: { x: 1 } },
      null,
      { name: 'a', nested: { x: 1 } },
      { name: 'a', nested: { x: 1 } },
    ]);
    expect(entities[2]).not.toBe(entities[0]);
    expect(entities[2]?.nested).not.toBe(entities[0]?.nested);
    expect(response.errors.map((e) => [e.message, e.path])).toEqual([
      ['B failed', ['_entities', 1, 'name']],
      ['A failed', ['_entities', 0]],
      ['A failed', ['_entities', 2]],
      ['A failed', ['_entities', 3]],
      ['whole fetch', undefined],
    ]);
  });

  it('leaves variables alone when every representation is distinct', () => {
    const variables = { representations: [{ id: 1 }, { id: 2 }] };
    expect(uniqueRepresentations(variables)).toEqual({ variables, positions: undefined });
    expect(uniqueRepresentations(undefined)).toEqual({
      variables: undefined,
      positions: undefined,
    });
  });
});

const wireSchema = buildSchema(`
  scalar _Any
  type Desk { name: String }
  type Query {
    x: Int
    y(n: Int): Int
    boom: Int!
    _entities(representations: [_Any!]!): [Desk]!
  }
`);
const wireRoot = {
  x: 1,
  y: ({ n }: { n: number }) => n * 2,
  boom: () => {
    throw new Error('boom failed');
  },
  _entities: ({ representations }: { representations: { id: string }[] }) =>
    representations.map((r) => ({ name: `desk ${r.id}` })),
};

describe('SubgraphDataSource on the wire', () => {
  let wire: Server;
  let wireUrl: string;
  let bodies: string[] = [];
  let requestIds: (string | string[] | undefined)[] = [];

  beforeAll(async () => {
    // Answers after 50 ms, so that fetches sent together are in flight together.
    wire = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(body);
        requestIds.push(req.headers['x-request-id']);
        const { query, variables } = JSON.parse(body) as {
          query: string;
          variables?: Record<string, unknown>;
        };
        // A real GraphQL execution, so that merged fetches get their aliased answers.
        const result = graphqlSync({
          schema: wireSchema,
          rootValue: wireRoot,
          source: query,
          variableValues: variables,
        });
        // As Apollo Server answers: a request refused before execution (a bad variable) is a
        // 400 with errors and no data.
        const refused = result.data === undefined;
        setTimeout(() => {
          res.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              ...(refused ? {} : { data: result.data }),
              ...(result.errors
                ? {
                    errors: result.errors.map((e) => ({
                      message: e.message,
                      path: e.path,
                      extensions: { code: refused ? 'BAD_USER_INPUT' : 'INTERNAL_SERVER_ERROR' },
                    })),
                  }
                : {}),
            }),
          );
        }, 50);
      });
    });
    await new Promise<void>((r) => wire.listen(0, '127.0.0.1', r));
    wireUrl = `http://127.0.0.1:${(wire.address() as AddressInfo).port}/graphql`;
  });

  beforeEach(() => {
    bodies = [];
    requestIds = [];
  });

  afterAll(async () => {
    wire.closeAllConnections();
    await new Promise((r) => wire.close(r));
  });

  const source = (coalesceAnonymous: boolean) =>
    new SubgraphDataSource({
      url: wireUrl,
      sign: () => Promise.resolve('signed'),
      coalesceAnonymous,
    });

  const operator = (): GatewayContext => ({
    ...context(),
    principal: { ...context().principal, role: 'operator', subject: 'op' },
  });

  const fetchWith = (s: SubgraphDataSource, ctx: GatewayContext, query: string, variables = {}) =>
    s.process({
      kind: 'incoming operation',
      request: { query, variables },
      context: ctx,
      incomingRequestContext: {} as never,
      pathInIncomingRequest: undefined,
    } as never);

  it('sends a page’s repeated entity representations once each', async () => {
    const ids = ['A', 'B', 'A', 'C', 'A', 'B'];
    const response = await fetchWith(
      source(false),
      context(),
      'query($representations:[_Any!]!){_entities(representations:$representations){...on Desk{name}}}',
      { representations: ids.map((id) => ({ __typename: 'Desk', id })) },
    );
    expect(bodies).toHaveLength(1);
    const sent = JSON.parse(bodies[0]!) as { variables: { representations: unknown[] } };
    expect(sent.variables.representations).toHaveLength(3);
    expect(response.data?._entities).toEqual(ids.map((id) => ({ name: `desk ${id}` })));
  });

  it('shares one fetch among anonymous callers asking the same at once, each with its own answer', async () => {
    const s = source(true);
    const contexts = [
      context(),
      { ...context(), requestId: 'r2' },
      { ...context(), requestId: 'r3' },
    ];
    const answers = await Promise.all(contexts.map((ctx) => fetchWith(s, ctx, '{ x }')));
    expect(bodies).toHaveLength(1);
    expect(answers.map((a) => a.data)).toEqual([{ x: 1 }, { x: 1 }, { x: 1 }]);
    expect(answers[1]).not.toBe(answers[0]);
    // Once answered, the next one asks again.
    await fetchWith(s, context(), '{ x }');
    expect(bodies).toHaveLength(2);
  });

  it('never shares among signed-in callers, nor mutations, nor when turned off', async () => {
    const s = source(true);
    await Promise.all([operator(), operator()].map((ctx) => fetchWith(s, ctx, '{ x }')));
    expect(bodies).toHaveLength(2);
    await Promise.all([context(), context()].map((ctx) => fetchWith(s, ctx, 'mutation { x }')));
    expect(bodies).toHaveLength(4);
    const off = source(false);
    await Promise.all([context(), context()].map((ctx) => fetchWith(off, ctx, '{ x }')));
    expect(bodies).toHaveLength(6);
  });

  it('sends one request for the fetches of a request that start together, once for identical ones', async () => {
    const s = source(false);
    const ctx = context();
    const answers = await Promise.all([
      fetchWith(s, ctx, 'query A($n: Int) { y(n: $n) }', { n: 2 }),
      fetchWith(s, ctx, 'query B { x }'),
      fetchWith(s, ctx, 'query A($n: Int) { y(n: $n) }', { n: 2 }),
      fetchWith(s, ctx, 'query A($n: Int) { y(n: $n) }', { n: 5 }),
    ]);
    expect(bodies).toHaveLength(1);
    const sent = JSON.parse(bodies[0]!) as { query: string; variables: Record<string, unknown> };
    expect(Object.keys(sent.variables).sort()).toEqual(['_f0_n', '_f2_n']);
    expect(answers.map((a) => a.data)).toEqual([{ y: 4 }, { x: 1 }, { y: 4 }, { y: 10 }]);
    expect(answers[2].data).not.toBe(answers[0].data);
    // Another request's fetches never join them.
    await Promise.all([fetchWith(s, context(), '{ x }'), fetchWith(s, context(), '{ x }')]);
    expect(bodies).toHaveLength(3);
  });

  it('sends each fetch alone again when the merged answer cannot be split', async () => {
    const s = source(false);
    // A non-null root field failing nulls the merged answer's data: the other fetch's too.
    const ctx = context();
    const [good, bad] = await Promise.all([
      fetchWith(s, ctx, 'query A { x }'),
      fetchWith(s, ctx, 'query B { boom }'),
    ]);
    expect(bodies).toHaveLength(3);
    expect(good.data).toEqual({ x: 1 });
    expect(good.errors).toBeUndefined();
    expect(bad.data).toBeNull();
    expect(bad.errors?.map((e) => [e.message, e.path])).toEqual([['boom failed', ['boom']]]);
    // A value one fetch's variables hold, refused with a 400: only that fetch fails, and its
    // error names its own variable.
    bodies = [];
    const other = context();
    const [fine, refused] = await Promise.allSettled([
      fetchWith(s, other, 'query A { x }'),
      fetchWith(s, other, 'query C($n: Int) { y(n: $n) }', { n: 'many' }),
    ]);
    expect(bodies).toHaveLength(3);
    expect(fine).toMatchObject({ status: 'fulfilled', value: { data: { x: 1 } } });
    expect(refused).toMatchObject({
      status: 'rejected',
      reason: { extensions: { code: 'BAD_USER_INPUT' } },
    });
    const message = String((refused as PromiseRejectedResult).reason);
    expect(message).toContain('$n');
    expect(message).not.toContain('_f');
  });

  it('lets an anonymous fetch join one in flight only within its own deadline', async () => {
    const s = source(true);
    // The first runs longer than the second may: the second joins it, and gives up at its own
    // deadline while the first is answered.
    const [first, second] = await Promise.allSettled([
      fetchWith(s, context(deadlineClock() + 2000), '{ x }'),
      fetchWith(s, context(deadlineClock() + 20), '{ x }'),
    ]);
    expect(bodies).toHaveLength(1);
    expect(first).toMatchObject({ status: 'fulfilled', value: { data: { x: 1 } } });
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { message: 'A part of the graph did not answer in time' },
    });
    // The first has less than a second left and the second more: the second asks for itself.
    bodies = [];
    const answers = await Promise.all([
      fetchWith(s, context(deadlineClock() + 300), '{ x }'),
      fetchWith(s, context(deadlineClock() + 5000), '{ x }'),
    ]);
    expect(bodies).toHaveLength(2);
    expect(answers.map((a) => a.data)).toEqual([{ x: 1 }, { x: 1 }]);
  });

  it('sends the request id beside the assertion', async () => {
    const ctx = { ...context(), requestId: crypto.randomUUID() };
    await fetchWith(source(false), ctx, '{ x }');
    expect(requestIds).toEqual([ctx.requestId]);
  });
});
