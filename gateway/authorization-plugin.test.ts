// The authorization plugin in an Apollo Server of its own, over a small schema with the
// federation policy directives: its decisions, and that each is made once per document and
// caller's rights, never shared between callers with different rights.
import { ApolloServer } from '@apollo/server';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractPolicy } from '../lib/auth/policy.js';
import { PUBLIC_PRINCIPAL, type Principal, type Purpose } from '../lib/auth/principal.js';
import { authorizationPlugin } from './authorization-plugin.js';
import type { GatewayContext } from './context.js';
import { ROLE_SCOPES } from './roles.js';

const typeDefs = `
  directive @authenticated on FIELD_DEFINITION | OBJECT
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  type Query {
    desks: [String!]!
    worker: Worker @authenticated
  }
  type Worker {
    pseudonym: String @requiresScopes(scopes: [["worker:profile"]])
    familyName: String @requiresScopes(scopes: [["worker:identity"]])
  }
`;

const plugin = authorizationPlugin(extractPolicy(parse(typeDefs)));
let server: ApolloServer<GatewayContext>;

beforeAll(async () => {
  server = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: {
      Query: { desks: () => ['PO-NORD'], worker: () => ({ pseudonym: 'p', familyName: 'f' }) },
    },
    plugins: [plugin],
  });
  await server.start();
});

afterAll(async () => {
  await server?.stop();
});

const principal = (role: 'operator' | 'analyst'): Principal => ({
  role,
  subject: `${role}-1`,
  scopes: ROLE_SCOPES[role],
  desk: role === 'operator' ? 'PO-NORD' : null,
  organization: null,
  fiscalCode: null,
});

const contextOf = (who: Principal, purpose: Purpose | null = null): GatewayContext => ({
  principal: who,
  purpose,
  requestId: 'r',
  operation: { name: null, hash: null },
  callerKey: 'test-caller',
});

async function run(
  query: string,
  who: Principal,
  purpose: Purpose | null = null,
): Promise<{ status: number | undefined; code: unknown; data: unknown }> {
  const response = await server.executeOperation(
    { query },
    { contextValue: contextOf(who, purpose) },
  );
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { data, errors } = response.body.singleResult;
  return { status: response.http.status, code: errors?.[0]?.extensions?.code, data };
}

describe('authorization decisions', () => {
  const identity = '{ worker { familyName } }';
  const profile = '{ worker { pseudonym } }';

  it('decide as before for each caller, purpose and document', async () => {
    expect(await run('{ desks }', PUBLIC_PRINCIPAL)).toMatchObject({
      data: { desks: ['PO-NORD'] },
    });
    expect(await run(profile, PUBLIC_PRINCIPAL)).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
    expect(await run(identity, principal('analyst'))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await run(profile, principal('analyst'))).toMatchObject({
      data: { worker: { pseudonym: 'p' } },
    });
    expect(await run(identity, principal('operator'))).toMatchObject({
      status: 403,
      code: 'PURPOSE_REQUIRED',
    });
    expect(await run(identity, principal('operator'), 'SELF_ACCESS')).toMatchObject({
      code: 'PURPOSE_REQUIRED',
    });
    expect(await run(identity, principal('operator'), 'GUIDANCE')).toMatchObject({
      data: { worker: { familyName: 'f' } },
    });
  });

  it('make each decision once per document and rights, and answer the same from the cache', async () => {
    const query = '{ worker { familyName pseudonym } }';
    const before = plugin.stats().decisions;
    const analyst = await run(query, principal('analyst'));
    expect(analyst).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await run(query, principal('analyst'))).toEqual(analyst);
    expect(plugin.stats().decisions).toBe(before + 1);
    // Another caller's rights are another decision, never the analyst's.
    expect(await run(query, principal('operator'), 'GUIDANCE')).toMatchObject({
      data: { worker: { familyName: 'f', pseudonym: 'p' } },
    });
    expect(plugin.stats().decisions).toBe(before + 2);
    // The purpose is checked on every request, the decision being kept.
    expect(await run(query, principal('operator'))).toMatchObject({ code: 'PURPOSE_REQUIRED' });
    expect(await run(query, PUBLIC_PRINCIPAL)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(plugin.stats().decisions).toBe(before + 3);
  });

  it('say whether the public role could read everything selected, whoever asks', async () => {
    let seen: boolean | undefined;
    const own = new ApolloServer<GatewayContext>({
      typeDefs,
      plugins: [
        plugin,
        {
          requestDidStart: () =>
            Promise.resolve({
              willSendResponse({ contextValue }) {
                seen = contextValue.publicData;
                return Promise.resolve();
              },
            }),
        },
      ],
    });
    await own.start();
    const publicDataOf = async (query: string, who: Principal, purpose: Purpose | null = null) => {
      seen = undefined;
      await own.executeOperation({ query }, { contextValue: contextOf(who, purpose) });
      return seen;
    };
    try {
      expect(await publicDataOf('{ desks }', PUBLIC_PRINCIPAL)).toBe(true);
      expect(await publicDataOf('{ desks }', principal('analyst'))).toBe(true);
      expect(await publicDataOf('{ desks }', principal('operator'))).toBe(true);
      // A field the caller may read but the public role may not: the answer is the caller's.
      expect(await publicDataOf('{ desks worker { pseudonym } }', principal('analyst'))).toBe(
        false,
      );
      expect(
        await publicDataOf('{ desks worker { familyName } }', principal('operator'), 'GUIDANCE'),
      ).toBe(false);
      // Refused: never set.
      expect(await publicDataOf('{ worker { familyName } }', principal('analyst'))).toBeUndefined();
    } finally {
      await own.stop();
    }
  });

  it('is bounded', async () => {
    const small = authorizationPlugin(extractPolicy(parse(typeDefs)), { cacheEntries: 2 });
    const own = new ApolloServer<GatewayContext>({ typeDefs, plugins: [small] });
    await own.start();
    try {
      const contextValue = contextOf(principal('analyst'));
      for (const query of ['{ desks }', '{ a: desks }', '{ b: desks }', '{ desks }']) {
        await own.executeOperation({ query }, { contextValue });
      }
      expect(small.stats()).toMatchObject({ entries: 2, decisions: 4 });
    } finally {
      await own.stop();
    }
  });
});
