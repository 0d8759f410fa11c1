// Limits and hygiene end to end (SECURITY.md "Limits" and the "Query shape" rows of its
// test matrix): each refusal is checked for its HTTP status, its error code, and, from the
// simulated upstreams' request counters, that nothing reached an upstream.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import fc from 'fast-check';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatGatewayError } from '../gateway/index.js';
import { DEFAULT_TRUSTED_DOCUMENTS_PATH } from '../gateway/trusted-documents.js';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { jsonNestsDeeperThan, serveGraphQL } from '../lib/graphql-http.js';
import { projectPath } from '../lib/project-files.js';
import {
  graphql,
  resetUpstreamStats,
  startStack,
  totalRequests,
  upstreamRequests as requestsByRoute,
  type GraphQLResponse,
  type Stack,
} from './stack.js';

let stack: Stack;
type Json = Record<string, unknown>;
type Errors = NonNullable<GraphQLResponse['errors']>;

const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-limits', desk: 'PO-NORD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'an-limits' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
});

afterAll(async () => {
  await stack?.stop();
});

async function upstreamRequests(of: Stack = stack): Promise<number> {
  return totalRequests(await requestsByRoute(of));
}

async function as(
  claims: DevTokenClaims | null,
  of: Stack = stack,
): Promise<Record<string, string>> {
  return claims ? { authorization: `Bearer ${await of.token(claims)}` } : {};
}

/** Sends a query and returns its response with the number of upstream requests it caused. */
async function send(query: string, headers: Record<string, string> = {}, variables?: Json) {
  await resetUpstreamStats(stack);
  const res = await graphql(stack.gatewayUrl, query, variables, headers);
  return { ...res, upstream: await upstreamRequests() };
}

interface RawResponse {
  status: number;
  headers: Headers;
  body: { data?: Json; errors?: Errors };
  upstream: number;
}

/** Any HTTP request to the gateway (at `path`, default its GraphQL endpoint), with the upstream requests it caused. */
async function raw(
  init: RequestInit & { search?: string; path?: string },
  of: Stack = stack,
): Promise<RawResponse> {
  await resetUpstreamStats(of);
  const url = new URL(init.path ?? of.gatewayUrl, of.gatewayUrl);
  url.search = init.search ?? '';
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text.startsWith('{') ? (JSON.parse(text) as RawResponse['body']) : {},
    upstream: await upstreamRequests(of),
  };
}

const get = (query: string, headers: Record<string, string> = {}) =>
  raw({ method: 'GET', headers, search: `?query=${encodeURIComponent(query)}` });

/** `{ desks { comune { desks { ... } } } }`, `levels` fields deep in all. */
function deskChain(levels: number): string {
  const names = Array.from({ length: levels - 1 }, (_, i) => (i % 2 === 0 ? 'desks' : 'comune'));
  return `{ ${names.map((n) => `${n} {`).join(' ')} name ${'}'.repeat(names.length)} }`;
}

function expectRefusal(
  res: { status: number; errors?: Errors; upstream: number },
  status: number,
  code: string,
): Json {
  expect(res.status).toBe(status);
  expect(res.errors).toHaveLength(1);
  expect(res.errors?.[0]?.extensions?.code).toBe(code);
  expect(res.upstream).toBe(0);
  const [error] = res.errors ?? [];
  return { ...error };
}

describe('depth', () => {
  it('accepts an operation 10 fields deep', async () => {
    // Ten levels that fan out to one item each (desks -> comune -> desks would answer millions).
    const res = await send(
      '{ course(id: "TR0001") { area { courses(first: 1) { edges { node { area { courses(first: 1) { edges { node { title } } } } } } } } } }',
    );
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });

  it.each([
    ['plain nesting', deskChain(11)],
    [
      'named fragments',
      `{ desks { ...A } }
       fragment A on Desk { comune { ...B } }
       fragment B on Comune { desks { comune { desks { comune { desks { comune { desks { comune { name } } } } } } } } }`,
    ],
    [
      'inline fragments',
      `{ desks { ... on Desk { comune { ... { desks { comune { desks { comune { desks { comune {
         ... on Comune { desks { comune { name } } } } } } } } } } } } } }`,
    ],
  ])(
    'refuses an operation 11 fields deep through %s (400), before any upstream request',
    async (_, query) => {
      const error = expectRefusal(await send(query), 400, 'GRAPHQL_VALIDATION_FAILED');
      expect(error).toEqual({
        message:
          'The operation is nested 11 levels deep; at most 10 are allowed, counted through fragments',
        locations: [{ line: 1, column: 1 }],
        extensions: {
          code: 'GRAPHQL_VALIDATION_FAILED',
          limit: { name: 'depth', max: 10, found: 11 },
        },
      });
    },
  );
});

describe('aliases', () => {
  const aliases = (count: number) =>
    Array.from({ length: count }, (_, i) => `a${i + 1}: id`).join(' ');

  it('accepts 15 aliases', async () => {
    const res = await send(`{ desks { ${aliases(15)} } }`);
    expect(res.errors).toBeUndefined();
  });

  it.each([
    ['in one selection', `{ desks { ${aliases(16)} } }`],
    [
      'through a fragment spread twice',
      `{ desks { ...F } comuni { desks { ...F } } } fragment F on Desk { ${aliases(8)} }`,
    ],
  ])('refuses 16 aliases %s (400), before any upstream request', async (_, query) => {
    const error = expectRefusal(await send(query), 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe(
      'The operation uses 16 aliases; at most 15 are allowed, counted through fragments',
    );
    expect((error.extensions as Json).limit).toEqual({ name: 'aliases', max: 15, found: 16 });
  });
});

describe('root fields', () => {
  it('refuses 11 root fields (400), before any upstream request', async () => {
    const res = await send(`{ ${'desks { id } '.repeat(11)} }`);
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe('The operation selects 11 root fields; at most 10 are allowed');
    expect((error.extensions as Json).limit).toEqual({ name: 'rootFields', max: 10, found: 11 });
  });

  it('counts root fields spread from a fragment', async () => {
    const res = await send(
      `{ desks { id } ...Q } fragment Q on Query { ${'comuni { name } '.repeat(10)} }`,
    );
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect((error.extensions as Json).limit).toEqual({ name: 'rootFields', max: 10, found: 11 });
  });
});

describe('token flood and field duplication', () => {
  it('refuses a document of more than 2,000 tokens at parse time (400 GRAPHQL_PARSE_FAILED)', async () => {
    const res = await send(`{ desks { id ${'__typename '.repeat(2_000)} } }`);
    const error = expectRefusal(res, 400, 'GRAPHQL_PARSE_FAILED');
    // graphql-js's own wording (sic).
    expect(error.message).toBe(
      'Syntax Error: Document contains more that 2000 tokens. Parsing aborted.',
    );
  });

  it('refuses 499 copies of a root field with the root-field limit alone, before graphql-js validates it', async () => {
    // graphql-js's overlapping-fields check is quadratic in the copies; the limit is linear and
    // runs first, so the client gets the limit and nothing from the standard rules.
    const res = await send(`{ ${'desks { id } '.repeat(499)} }`);
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect((error.extensions as Json).limit).toEqual({ name: 'rootFields', max: 10, found: 499 });
  });

  it('answers a document over a limit with that limit only, not the standard rules’ errors too', async () => {
    const res = await send(`{ ${'deks '.repeat(11)} }`, await as(ANALYST));
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe('The operation selects 11 root fields; at most 10 are allowed');
  });

  it('refuses one field duplicated 1,990 times (400), before any upstream request', async () => {
    // Under the token limit: graphql-js's overlapping-fields check gives up on it by itself.
    const res = await send(`{ desks { ${'id '.repeat(1_990)} } }`);
    expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses fragments that expand to more than 2,000 fields (400), before any upstream request', async () => {
    const levels = Array.from(
      { length: 12 },
      (_, i) => `fragment F${i} on Desk { ...F${i + 1} ...F${i + 1} }`,
    );
    const res = await send(`{ desks { ...F0 } } ${levels.join(' ')} fragment F12 on Desk { id }`);
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect((error.extensions as Json).limit).toEqual({ name: 'fields', max: 2000, found: 4097 });
  });
});

describe('token lengths and echoed input', () => {
  it('refuses a string literal of almost 1 MB at parse time (400), without sending it back', async () => {
    const literal = 'x'.repeat(999_900);
    const res = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ desks(kind: "${literal}") { id } }` }),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        message:
          'Syntax Error: A string of 999902 characters; at most 8192 are allowed in one string, name or number.',
        locations: [{ line: 1, column: 15 }],
        extensions: {
          code: 'GRAPHQL_PARSE_FAILED',
          limit: { name: 'tokenLength', max: 8192, found: 999_902 },
        },
      },
    ]);
    expect(res.upstream).toBe(0);
  });

  it('takes strings and names up to the cap to the graph', async () => {
    const name = 'a'.repeat(8_192);
    const res = await send(`{ ${name}: __typename }`);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ [name]: 'Query' });
    // Within the cap, a string reaches the subgraph, whose own check answers it.
    const search = await send(`{ courses(search: "${'x'.repeat(8_190)}") { totalCount } }`);
    expect(search.errors?.[0]?.message).toBe('search may be at most 100 characters');
  });

  it('quotes no more than a short piece of a value it refuses', async () => {
    const kind = 'LABOUR_REGISTRY_DESK'.repeat(4_000); // 80,000 characters, under the variables cap
    const res = await send('query ($kind: DeskKind) { desks(kind: $kind) { id } }', {}, { kind });
    expect(res.status).toBe(400);
    const message = res.errors?.[0]?.message ?? '';
    expect(message).toMatch(/^Variable "\$kind" got/);
    expect(message.length).toBeLessThan(300);
    expect(res.upstream).toBe(0);
  });
});

describe('directives', () => {
  it('refuses 21 directives (400), before any upstream request', async () => {
    const res = await send(`{ desks { ${'id @include(if: true) '.repeat(21)} } }`);
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect((error.extensions as Json).limit).toEqual({ name: 'directives', max: 20, found: 21 });
  });

  it('counts the directives of a fragment each time it is spread', async () => {
    const res = await send(
      `{ desks { ...F @include(if: true) } comuni { desks { ...F } } }
       fragment F on Desk { ${'id @skip(if: false) '.repeat(10)} }`,
    );
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect((error.extensions as Json).limit).toEqual({ name: 'directives', max: 20, found: 21 });
  });
});

describe('circular fragments', () => {
  it('refuses a fragment that spreads itself through another (400), before any upstream request', async () => {
    const res = await send(
      `{ desks { ...A } }
       fragment A on Desk { comune { ...B } }
       fragment B on Comune { desks { ...A } }`,
    );
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe('Cannot spread fragment "A" within itself via "B".');
  });
});

describe('array batching', () => {
  it('refuses a JSON array of operations (400), before any upstream request', async () => {
    const res = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ desks { id } }' }, { query: '{ comuni { name } }' }]),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(res.body.errors?.[0]?.message).toBe('Operation batching disabled.');
    expect(res.upstream).toBe(0);
  });
});

describe('oversized body and variables', () => {
  it('refuses variables nested thousands of arrays deep (400), not a 500', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const res = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":"query ($x: Int) { desks { id } }","variables":{"x":${deep}}}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { message: 'Request body nested deeper than 64 levels', extensions: { code: 'BAD_REQUEST' } },
    ]);
    expect(res.upstream).toBe(0);
  });

  it('refuses a body nested thousands of levels deep before parsing it as JSON', async () => {
    // Never closed: JSON.parse would call it invalid; the depth is found first, in one scan.
    const res = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"query":"query ($x: Int) { desks { id } }","variables":{"x":${'['.repeat(100_000)}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { message: 'Request body nested deeper than 64 levels', extensions: { code: 'BAD_REQUEST' } },
    ]);
    expect(res.upstream).toBe(0);
  });

  it.each([
    ['64 levels', 64, 200],
    ['65 levels', 65, 400],
  ])(
    'counts JSON nesting as JSON.parse does, strings and escapes apart: %s',
    async (_, levels, status) => {
      // Brackets and escaped quotes inside strings are not nesting.
      const noise = '"[[[{{{\\\\\\"[[["';
      const nested = `${'['.repeat(levels - 2)}${noise}${']'.repeat(levels - 2)}`;
      const res = await raw({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"query":"{ __typename }","extensions":{"x":${nested}}}`,
      });
      expect(res.status).toBe(status);
    },
  );

  it('finds the nesting of any JSON text as deep as JSON.parse would build it', () => {
    const depth = (value: unknown): number =>
      typeof value === 'object' && value !== null
        ? 1 + Math.max(0, ...Object.values(value).map(depth))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(jsonNestsDeeperThan(text, max)).toBe(depth(value) > max);
      }),
    );
    expect(jsonNestsDeeperThan('{"a":"\\\\"}', 0)).toBe(true);
    expect(jsonNestsDeeperThan('["\\"[[["]', 1)).toBe(false);
  });

  it('refuses an operationName the document lacks (400), not a masked 500', async () => {
    const res = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Desks { desks { id } }', operationName: 'Nope' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(res.upstream).toBe(0);
  });

  it('refuses a body over 1 MB (413), before any upstream request', async () => {
    const res = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ desks { id } } # ${'x'.repeat(1_000_001)}` }),
    });
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.upstream).toBe(0);
  });

  it('refuses variables over 100 kB in a body under 1 MB (413), before any upstream request', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `DESK-${i}`);
    const res = await send(
      'query ($ids: [ID!]) { deskActivity(from: "2011-01", to: "2011-02", deskIds: $ids) { count } }',
      {},
      { ids },
    );
    expect(res.status).toBe(413);
    expect(res.errors).toEqual([
      { message: 'Variables larger than 100000 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } },
    ]);
    expect(res.upstream).toBe(0);
  });
});

describe('list amplification and cost', () => {
  it.each([
    ['a literal `first`', '{ employers(first: 501) { totalCount } }', undefined, 'employers.first'],
    [
      'a `first` in a variable, on a nested field',
      'query ($n: Int) { courseAreas { courses(first: $n) { totalCount } } }',
      { n: 501 },
      'courseAreas.courses.first',
    ],
    [
      'a list argument of 501 items',
      'query ($ids: [ID!]) { deskActivity(from: "2011-01", to: "2011-02", deskIds: $ids) { count } }',
      { ids: Array.from({ length: 501 }, (_, i) => `D${i}`) },
      'deskActivity.deskIds',
    ],
  ])(
    'refuses %s over 500 with BAD_USER_INPUT naming the argument, before any upstream request',
    async (_, query, variables, argument) => {
      const error = expectRefusal(await send(query, {}, variables), 400, 'BAD_USER_INPUT');
      expect(error).toEqual({
        message: `Argument ${argument} asks for 501 items; at most 500 are allowed`,
        extensions: {
          code: 'BAD_USER_INPUT',
          argument,
          limit: { name: 'listSize', max: 500, found: 501 },
        },
      });
    },
  );

  it('refuses 15 aliased pages under a page of 500 employers (COST_LIMIT_EXCEEDED, 400) with the estimate, before any upstream request', async () => {
    // Few objects (8,501, under the result-size limit), but one co request per page.
    const pages = Array.from(
      { length: 15 },
      (_, i) => `c${i}: communications(first: 1) { totalCount }`,
    ).join(' ');
    const res = await send(
      `{ employers(first: 500) { edges { node { ${pages} } } } }`,
      await as(OPERATOR),
    );
    const error = expectRefusal(res, 400, 'COST_LIMIT_EXCEEDED');
    const cost = (error.extensions as { cost: { estimated: number; budget: number } }).cost;
    expect(cost.budget).toBe(5000);
    // 1 page of employers + 15 x 500 pages of communications, read from the document alone.
    expect(cost.estimated).toBe(1 + 15 * 500);
    expect(error.message).toBe(
      `The operation would cost at least ${cost.estimated} upstream requests; the budget is 5000. Ask for smaller pages or fewer nested lists`,
    );
    expect((error.extensions as Json).limit).toBeUndefined();
  });

  it('serves the same shape with one page of 500 (under budget)', async () => {
    const res = await send(
      `{ employers(first: 2) { edges { node { communications(first: 500) { totalCount } } } } }`,
      await as(OPERATOR),
    );
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });
});

describe('result size', () => {
  const estimate = (error: Json) => (error.extensions as { limit: { found: number } }).limit.found;

  it('refuses the desks/comune chain ten levels deep (COST_LIMIT_EXCEEDED, 400), however cheap upstream, before any upstream request', async () => {
    const error = expectRefusal(await send(deskChain(10)), 400, 'COST_LIMIT_EXCEEDED');
    // 30 desks, 15 per comune, four times over.
    const estimated = 30 * (2 + 15 * (2 + 15 * (2 + 15 * (2 + 15))));
    expect(error).toEqual({
      message: `The operation would return an estimated ${estimated} objects and list items; at most 50000 are allowed. Ask for smaller pages or fewer nested lists`,
      extensions: {
        code: 'COST_LIMIT_EXCEEDED',
        limit: { name: 'resultSize', max: 50_000, found: estimated },
        cost: { estimated, budget: 50_000 },
      },
    });
  });

  it('counts through fragments and variables as the chain itself, and what @include leaves out', async () => {
    const query = `query ($deep: Boolean!) { desks { ...D } }
      fragment D on Desk { comune { desks { comune { desks { ...E @include(if: $deep) } } } } }
      fragment E on Desk { comune { desks { comune { desks { name } } } } }`;
    const deep = expectRefusal(await send(query, {}, { deep: true }), 400, 'COST_LIMIT_EXCEEDED');
    expect(estimate(deep)).toBe(30 * (2 + 15 * (2 + 15 * (2 + 15 * (2 + 15)))));
    // Without E: 30 x (2 + 15 x (2 + 15)) = 7,710 objects, served.
    const shallow = await send(query, {}, { deep: false });
    expect(shallow.status).toBe(200);
    expect(shallow.errors).toBeUndefined();
  });

  it('refuses 15 aliased pages of 500 under a page of 200 before planning it: six million objects', async () => {
    const pages = Array.from(
      { length: 15 },
      (_, i) =>
        `c${i}: communications(first: 500) { edges { node { contractType { code } worker { pseudonym } } } }`,
    ).join(' ');
    const res = await send(
      `{ employers(first: 200) { edges { node { ${pages} } } } }`,
      await as(OPERATOR),
    );
    const error = expectRefusal(res, 400, 'COST_LIMIT_EXCEEDED');
    expect(estimate(error)).toBe(1 + 200 * (2 + 15 * (1 + 500 * 4)));
  });

  it('takes the page size from a variable: a page of 500 communications with their workers and desks is served', async () => {
    const page = `query ($first: Int) { employers(first: 1) { edges { node { communications(first: $first) {
      totalCount edges { node { id type worker { pseudonym } handledAt { id name comune { name } } contractType { code label } } }
    } } } } }`;
    // 1 + (edge, node, page) + 500 x (edge, node, worker, desk, comune, contract type) = 3,004
    const res = await send(page, await as(OPERATOR), { first: 500 });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });

  it('serves every registered partner operation, with the largest pages the graph gives', async () => {
    const manifest = JSON.parse(
      readFileSync(projectPath(DEFAULT_TRUSTED_DOCUMENTS_PATH), 'utf8'),
    ) as Record<string, { operations: { id: string; name: string; type: string }[] }>;
    const variables: Record<string, Json> = {
      OpenVacanciesInComune: { comune: '100005', first: 200 },
      SectorFlowsByContractType: { from: '2011-01-01', to: '2011-12-31' },
      SectorFlowsByMonth: { from: '2011-01-01', to: '2011-12-31' },
      CertifiableCourses: { first: 50 },
      DelegatingEmployerCommunications: { employerId: 'A000001', first: 500 },
      DelegatingEmployerHirings: { employerId: 'A000001', first: 500 },
    };
    let sent = 0;
    // The mutations are checked with any variables when the gateway starts, as these are.
    for (const [organization, { operations }] of Object.entries(manifest)) {
      const headers = await as({ role: 'partner', subject: `p-${organization}`, organization });
      for (const { id, name, type } of operations) {
        if (type !== 'query') continue;
        const res = await raw({
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({
            variables: variables[name],
            extensions: { persistedQuery: { version: 1, sha256Hash: id } },
          }),
        });
        expect({ name, status: res.status }).toEqual({ name, status: 200 });
        // A partner may be refused an employer's communications (FORBIDDEN), never the size.
        const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
        expect(codes).not.toContain('COST_LIMIT_EXCEEDED');
        sent += 1;
      }
    }
    expect(sent).toBe(11);
  });
});

describe('introspection and suggestions', () => {
  it.each([
    ['__schema', '{ __schema { queryType { name } } }'],
    ['__type', '{ __type(name: "Worker") { fields { name } } }'],
    ['__schema in a fragment', '{ ...I } fragment I on Query { __schema { types { name } } }'],
  ])('refuses %s to anonymous callers (400), before any upstream request', async (_, query) => {
    const error = expectRefusal(await send(query), 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe('Introspection is available to signed-in callers only');
  });

  it('still answers __typename to anonymous callers', async () => {
    const res = await send('{ __typename }');
    expect(res.data).toEqual({ __typename: 'Query' });
  });

  it("answers a signed-in caller's standard introspection query, without any upstream request", async () => {
    const res = await send(getIntrospectionQuery(), await as(ANALYST));
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const types = (res.data!.__schema as { types: { name: string }[] }).types.map((t) => t.name);
    expect(types).toContain('Worker');
    expect(res.upstream).toBe(0);
  });

  it('bounds nested introspection for signed-in callers too (400)', async () => {
    const res = await send(
      '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
      await as(ANALYST),
    );
    const error = expectRefusal(res, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toBe('Maximum introspection depth exceeded');
  });

  it('leaves "Did you mean" suggestions out for anonymous callers only', async () => {
    const anonymous = await send('{ deks { id } }');
    expect(expectRefusal(anonymous, 400, 'GRAPHQL_VALIDATION_FAILED').message).toBe(
      'Cannot query field "deks" on type "Query".',
    );
    const signedIn = await send('{ deks { id } }', await as(ANALYST));
    expect(expectRefusal(signedIn, 400, 'GRAPHQL_VALIDATION_FAILED').message).toBe(
      'Cannot query field "deks" on type "Query". Did you mean "desk" or "desks"?',
    );
  });

  it('leaves enum suggestions out of variable errors for anonymous callers', async () => {
    const query = 'query ($kind: DeskKind) { desks(kind: $kind) { id } }';
    const anonymous = await send(query, {}, { kind: 'LABOUR_REGISTRY_DESKS' });
    expect(anonymous.status).toBe(400);
    expect(anonymous.errors?.[0]?.message).not.toContain('Did you mean');
    // Which type was expected, never the value sent (lib/variable-errors.ts).
    expect(anonymous.errors?.[0]?.message).toContain('Expected type "DeskKind"');
    expect(anonymous.errors?.[0]?.message).not.toContain('LABOUR_REGISTRY_DESKS');
    expect(anonymous.upstream).toBe(0);
    const signedIn = await send(query, await as(ANALYST), { kind: 'LABOUR_REGISTRY_DESKS' });
    expect(signedIn.errors?.[0]?.message).toContain('Did you mean');
  });

  it('never returns the query plan, whatever the client asks', async () => {
    const res = await raw({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-query-plan-experimental': '1' },
      body: JSON.stringify({ query: '{ desks { id workstations { id } } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('extensions');
  });
});

describe('CSRF prevention', () => {
  const csrf = (res: RawResponse) => {
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(res.body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
    expect(res.upstream).toBe(0);
  };

  it('refuses a GET without a preflight header (400), before any upstream request', async () => {
    csrf(await get('{ desks { id } }'));
  });

  it('serves a GET query that carries a preflight header', async () => {
    const res = await get('{ desks { id } }', { 'apollo-require-preflight': 'true' });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  it.each(['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'])(
    'refuses a POST sent as %s (400), before any upstream request',
    async (contentType) => {
      csrf(
        await raw({
          method: 'POST',
          headers: { 'content-type': contentType },
          body: JSON.stringify({ query: '{ desks { id } }' }),
        }),
      );
    },
  );

  it('cannot run a mutation over GET, preflight header or not (405), before any upstream request', async () => {
    // A mutation the schema accepts, so that only the method refuses it.
    const res = await get('mutation { __typename }', { 'apollo-require-preflight': 'true' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.body.errors?.[0]).toEqual({
      message: 'GET requests only support query operations, not mutation operations',
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(res.upstream).toBe(0);
  });
});

describe('request ids and masked errors', () => {
  it('sends a fresh x-request-id on every response, refusals and health checks included', async () => {
    const responses = [
      await get('{ desks { id } }', { 'apollo-require-preflight': 'true' }),
      await get('{ desks { id } }'), // CSRF refusal
      await raw({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      await raw({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(1_000_001),
      }),
      await raw({
        method: 'GET',
        headers: { 'x-request-id': 'chosen-by-client' },
        path: '/healthz',
      }),
    ];
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('masks unexpected errors and gives them the request id, with no stack, URL or upstream body', async () => {
    // The gateway's own formatter and front door, over a server whose resolver fails the way
    // an unexpected upstream failure would: the message holds an internal URL and a fiscal code.
    const server = new ApolloServer({
      typeDefs: 'type Query { boom: String }',
      resolvers: {
        Query: {
          boom: () => {
            throw new Error(
              'connect ECONNREFUSED http://10.0.0.7:4102/v1/lavoratori?cf=RSSMRA80A01H501X',
            );
          },
        },
      },
      formatError: formatGatewayError,
      includeStacktraceInErrorResponses: false,
    });
    const running = await serveGraphQL({ server, context: () => Promise.resolve({}) });
    try {
      const res = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ boom }' }),
      });
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toMatch(UUID);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        data: { boom: null },
        errors: [
          {
            message: 'Internal error',
            path: ['boom'],
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
          },
        ],
      });
      expect(text).not.toMatch(/10\.0\.0\.7|ECONNREFUSED|RSSMRA|stack/i);
    } finally {
      await running.stop();
    }
  });
});

describe('rate limits per principal', () => {
  let limited: Stack;

  beforeAll(async () => {
    // No refill to speak of (one request per 1,000 s), so the test counts requests, not time.
    limited = await startStack({
      dataDir: inject('dataDir'),
      gatewayLimits: { rateLimit: { perSecond: 0.001, burst: 3 } },
    });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  const post = async (query: string, headers: Record<string, string>) =>
    raw(
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      },
      limited,
    );

  it('answers 429 RATE_LIMITED with Retry-After once a burst is spent, before parsing, and spares other principals', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await post('{ desks { id } }', {})).status).toBe(200);
    }
    // Not even parsed: a malformed document gets the rate limit, not a syntax error.
    const refused = await post('{ desks { id ', {});
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1000');
    expect(refused.body.errors).toEqual([
      {
        message: 'Too many requests from this caller: retry in 1000 seconds',
        extensions: { code: 'RATE_LIMITED', retryAfter: 1000 },
      },
    ]);
    expect(refused.upstream).toBe(0);

    // Signed-in callers have buckets of their own, one per subject.
    const first = await as({ ...OPERATOR, subject: 'op-a' }, limited);
    const second = await as({ ...OPERATOR, subject: 'op-b' }, limited);
    for (let i = 0; i < 3; i += 1) {
      expect((await post('{ desks { id } }', first)).status).toBe(200);
    }
    expect((await post('{ desks { id } }', first)).status).toBe(429);
    expect((await post('{ desks { id } }', second)).status).toBe(200);
  });
});
