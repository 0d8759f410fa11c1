// Access control end to end (SECURITY.md, "Federation and access"): every refusal is
// checked for its status, its code, and that nothing reached an upstream.
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ASSERTION_HEADER, signAssertion } from '../lib/auth/assertion.js';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import {
  graphql,
  resetUpstreamStats,
  startStack,
  totalRequests,
  upstreamGet,
  upstreamRequests as requestsByRoute,
  type Stack,
} from './stack.js';

let stack: Stack;
type Json = Record<string, unknown>;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
});

afterAll(async () => {
  await stack?.stop();
});

async function as(
  claims: DevTokenClaims | null,
  purpose?: string,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (claims) headers.authorization = `Bearer ${await stack.token(claims)}`;
  if (purpose) headers['x-purpose'] = purpose;
  return headers;
}

async function upstreamRequests(): Promise<number> {
  return totalRequests(await requestsByRoute(stack));
}

/** Sends a query and returns its response with the number of upstream requests it caused. */
async function send(query: string, headers: Record<string, string>, variables?: Json) {
  await resetUpstreamStats(stack);
  const res = await graphql(stack.gatewayUrl, query, variables, headers);
  return { ...res, upstream: await upstreamRequests() };
}

async function someJobSeeker(): Promise<{ id: string; cf: string }> {
  const { lavoratori } = await upstreamGet<{ lavoratori: Json[] }>(
    stack,
    'idol',
    '/v1/lavoratori/ricerca?pagina=1&dimensione=2',
  );
  return { id: lavoratori[0]!.id as string, cf: lavoratori[0]!.codiceFiscale as string };
}

const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-1', desk: 'PO-NORD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'an-1' };

describe('authentication', () => {
  it('serves public data to callers without a token', async () => {
    const res = await send('{ desks { id } courseAreas { code } }', await as(null));
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });

  it('asks anonymous callers to sign in for personal data, naming the fields, before any upstream request', async () => {
    const res = await send(
      '{ jobSeekers(first: 5) { edges { node { familyName } } } }',
      await as(null),
    );
    expect(res.status).toBe(401);
    expect(res.errors).toEqual([
      {
        message:
          'Query.jobSeekers needs a signed-in caller: send a bearer token; Worker.familyName needs a signed-in caller: send a bearer token',
        extensions: { code: 'UNAUTHENTICATED', fields: ['Query.jobSeekers', 'Worker.familyName'] },
      },
    ]);
    expect(res.upstream).toBe(0);
  });

  it.each([
    [
      'an expired token',
      () => stack.token({ ...OPERATOR, expiresIn: Math.floor(Date.now() / 1000) - 10 }),
      'The token has expired',
    ],
    [
      'a malformed token',
      () => Promise.resolve('abc.def'),
      'Malformed Authorization header: expected "Bearer <JWT>"',
    ],
  ])('refuses %s with 401 and says why', async (_, token, message) => {
    const res = await send('{ desks { id } }', { authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(401);
    expect(res.errors).toEqual([{ message, extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(res.upstream).toBe(0);
  });
});

describe('roles and scopes', () => {
  it('lets an operator with a declared purpose read personal data', async () => {
    const { id, cf } = await someJobSeeker();
    const res = await send(
      'query ($id: ID!) { worker(id: $id) { fiscalCode familyName } }',
      await as(OPERATOR, 'GUIDANCE'),
      { id },
    );
    expect(res.errors).toBeUndefined();
    expect((res.data!.worker as Json).fiscalCode).toBe(cf);
  });

  it('refuses personal data without a declared purpose (PURPOSE_REQUIRED), before any upstream request', async () => {
    const { id } = await someJobSeeker();
    const res = await send(
      'query ($id: ID!) { worker(id: $id) { fiscalCode } }',
      await as(OPERATOR),
      { id },
    );
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
    expect(res.upstream).toBe(0);
  });

  it('refuses a purpose the role may not declare', async () => {
    const { id } = await someJobSeeker();
    const res = await send(
      'query ($id: ID!) { worker(id: $id) { fiscalCode } }',
      await as(OPERATOR, 'SELF_ACCESS'),
      { id },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
    expect(res.upstream).toBe(0);
  });

  it('shows analysts pseudonyms and non-identifying attributes, never names or fiscal codes', async () => {
    const { id } = await someJobSeeker();
    const allowed = await send(
      'query ($id: ID!) { worker(id: $id) { pseudonym sex citizenship { name } } }',
      await as(ANALYST),
      { id },
    );
    expect(allowed.errors).toBeUndefined();
    expect((allowed.data!.worker as Json).pseudonym).toMatch(/^P-/);
    expect(JSON.stringify(allowed.data)).not.toContain(id);

    const refused = await send(
      'query ($id: ID!) { worker(id: $id) { pseudonym familyName fiscalCode id } }',
      await as(ANALYST),
      { id },
    );
    expect(refused.status).toBe(403);
    expect(refused.errors?.[0]?.extensions).toEqual({
      code: 'FORBIDDEN',
      fields: ['Worker.familyName', 'Worker.fiscalCode', 'Worker.id'],
    });
    expect(refused.upstream).toBe(0);
  });

  it('gives the same person the same pseudonym across requests', async () => {
    const { id } = await someJobSeeker();
    const query = 'query ($id: ID!) { worker(id: $id) { pseudonym } }';
    const a = await send(query, await as(ANALYST), { id });
    const b = await send(query, await as(ANALYST), { id });
    expect(a.data).toEqual(b.data);
  });
});

describe('citizens', () => {
  it('read their own record, enrolments and certificates', async () => {
    const { id, cf } = await someJobSeeker();
    const citizen = await as({ role: 'citizen', subject: id, fiscalCode: cf }, 'SELF_ACCESS');
    const res = await send(
      '{ me { id fiscalCode trainingEnrollments { id } certificates { id } } }',
      citizen,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.me).toMatchObject({ id, fiscalCode: cf });
  });

  it("cannot read another person's record by id", async () => {
    const { lavoratori } = await upstreamGet<{ lavoratori: Json[] }>(
      stack,
      'idol',
      '/v1/lavoratori/ricerca?pagina=1&dimensione=2',
    );
    const [me, other] = lavoratori as [Json, Json];
    const citizen = await as(
      { role: 'citizen', subject: me.id as string, fiscalCode: me.codiceFiscale as string },
      'SELF_ACCESS',
    );
    const res = await send('query ($id: ID!) { worker(id: $id) { familyName } }', citizen, {
      id: other.id,
    });
    expect(res.data).toEqual({ worker: null });
    expect(res.errors).toEqual([
      {
        message: 'A citizen may read only their own record',
        path: ['worker'],
        extensions: { code: 'FORBIDDEN' },
      },
    ]);
    expect(JSON.stringify(res)).not.toContain(other.codiceFiscale as string);
  });

  it('cannot list job seekers', async () => {
    const { id, cf } = await someJobSeeker();
    const res = await send(
      '{ jobSeekers(first: 5) { totalCount } }',
      await as({ role: 'citizen', subject: id, fiscalCode: cf }),
    );
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions).toEqual({
      code: 'FORBIDDEN',
      fields: ['Query.jobSeekers'],
    });
    expect(res.upstream).toBe(0);
  });
});

describe('subgraphs trust only the gateway', () => {
  const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { fiscalCode familyName } } }`;

  it.each(['workers', 'employers', 'training', 'desks'] as const)(
    'the %s subgraph refuses a request without the gateway assertion (401), reaching no upstream',
    async (name) => {
      await resetUpstreamStats(stack);
      const res = await fetch(stack.subgraphUrls[name], {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { errors: Json[] }).errors[0]).toMatchObject({
        message: 'This service answers only the gateway',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(await upstreamRequests()).toBe(0);
    },
  );

  it('refuses `_entities` with an assertion signed by any other key', async () => {
    const { cf } = await someJobSeeker();
    const forger = await generateKeyPair('EdDSA');
    const forged = await signAssertion(forger.privateKey, {
      principal: {
        role: 'operator',
        subject: 'x',
        scopes: ['worker:identity'],
        desk: 'PO-NORD',
        organization: null,
        fiscalCode: null,
      },
      purpose: 'GUIDANCE',
      operationName: null,
      operationHash: null,
    });
    await resetUpstreamStats(stack);
    const res = await fetch(stack.subgraphUrls.workers, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ASSERTION_HEADER]: forged },
      body: JSON.stringify({
        query: entities,
        variables: { r: [{ __typename: 'Worker', fiscalCodeKey: cf }] },
      }),
    });
    expect(res.status).toBe(401);
    expect(await upstreamRequests()).toBe(0);
  });

  it('does not expose `_entities` or `_service` through the gateway', async () => {
    for (const query of ['{ _service { sdl } }', entities]) {
      const res = await send(query, await as(OPERATOR, 'GUIDANCE'), { r: [] });
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.upstream).toBe(0);
    }
  });

  it('never forwards identity a client claims in its own headers', async () => {
    const { id } = await someJobSeeker();
    const forger = await generateKeyPair('EdDSA');
    const spoofed = {
      [ASSERTION_HEADER]: await signAssertion(forger.privateKey, {
        principal: {
          role: 'operator',
          subject: 'x',
          scopes: ['worker:identity'],
          desk: 'PO-NORD',
          organization: null,
          fiscalCode: null,
        },
        purpose: 'GUIDANCE',
        operationName: null,
        operationHash: null,
      }),
      'x-role': 'operator',
      'x-user': 'admin',
    };
    const res = await send('query ($id: ID!) { worker(id: $id) { familyName } }', spoofed, { id });
    expect(res.status).toBe(401);
    expect(res.upstream).toBe(0);
  });
});

describe('hostile input in arguments', () => {
  const byCode = 'query ($cf: FiscalCode!) { workerByFiscalCode(fiscalCode: $cf) { id } }';

  it.each([
    ['a wrong check letter', (cf: string) => `${cf.slice(0, 15)}${cf[15] === 'A' ? 'B' : 'A'}`],
    ['a path and query injection', (cf: string) => `${cf}/../../v1/lavoratori?cf=`],
    ['a comma list', (cf: string) => `${cf},${cf}`],
    ['markup around it', (cf: string) => `<b>${cf}</b>`],
    ['unusual unicode', (cf: string) => `${cf.slice(0, 15)}\u0130`],
    ['zero-width characters', (cf: string) => `${cf.slice(0, 8)}\u200b${cf.slice(8)}`],
  ])(
    'refuses %s as a fiscal code before any upstream request, without echoing it',
    async (_, mangle) => {
      const { cf } = await someJobSeeker();
      const bad = mangle(cf);
      const asVariable = await send(byCode, await as(OPERATOR, 'GUIDANCE'), { cf: bad });
      const asLiteral = await send(
        `{ workerByFiscalCode(fiscalCode: ${JSON.stringify(bad)}) { id } }`,
        await as(OPERATOR, 'GUIDANCE'),
      );
      for (const res of [asVariable, asLiteral]) {
        expect(res.status).toBe(400);
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(JSON.stringify(res.errors)).not.toContain(cf.slice(0, 11));
        expect(res.upstream).toBe(0);
      }
    },
  );

  it('accepts unusual unicode in free-text search without harm', async () => {
    for (const search of [
      '\u0000',
      'ŝ̷̛̩o̸f̴t̵w̶a̷r̶e̸',
      '\u202e\ufeff',
      '😀'.repeat(20),
      "'; DROP TABLE corsi; --",
    ]) {
      const res = await send(
        'query ($q: String) { courses(search: $q, first: 5) { totalCount } }',
        await as(null),
        { q: search },
      );
      // Either searched as plain text, or refused as the client's input error: never a 500.
      expect(res.status).toBe(200);
      for (const error of res.errors ?? []) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      if (res.errors) expect(res.upstream).toBe(0);
    }
  });
});
