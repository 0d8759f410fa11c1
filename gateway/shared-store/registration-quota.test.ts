// The persisted-query registration quota in an Apollo Server of its own: a caller beyond its
// allowance is served and its document not registered; others register as before.
import { createHash } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_PRINCIPAL } from '../../lib/auth/principal.js';
import type { GatewayContext } from '../context.js';
import { createMemoryRateLimitStore } from '../limits/rate-limit.js';
import { registrationQuotaPlugin } from './registration-quota.js';

const typeDefs = 'type Query { desks: [String!]! }';
// Two registrations at once per caller, and next to no refill: the test counts, never waits.
const persistedQueries = new InMemoryLRUCache<string>();
const plugin = registrationQuotaPlugin(
  createMemoryRateLimitStore({ ratePerSecond: 0.000_001, burst: 2 }),
  persistedQueries,
);
let server: ApolloServer<GatewayContext>;

beforeAll(async () => {
  server = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: { Query: { desks: () => ['PO-NORD'] } },
    plugins: [plugin],
    persistedQueries: { cache: persistedQueries },
  });
  await server.start();
});

afterAll(async () => {
  await server?.stop();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function send(callerKey: string, query: string, withText: boolean) {
  const response = await server.executeOperation(
    {
      ...(withText ? { query } : {}),
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } },
    },
    {
      contextValue: {
        principal: PUBLIC_PRINCIPAL,
        callerKey,
        requestId: 'r',
        purpose: null,
        operation: { name: null, hash: null },
      },
    },
  );
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { data, errors } = response.body.singleResult;
  return { data, code: errors?.[0]?.extensions?.['code'] };
}

describe('registration quota', () => {
  it("serves a caller beyond its quota without registering its documents; others' are registered", async () => {
    const queries = ['{ desks }', '{ desks __typename }', '{ __typename desks }'];
    // Sending a registered text again spends nothing.
    for (const query of [queries[0]!, queries[0]!, queries[1]!, queries[1]!, queries[2]!]) {
      expect(await send('address:192.0.2.1', query, true)).toMatchObject({
        data: { desks: ['PO-NORD'] },
        code: undefined,
      });
    }
    // The first two are known by their hash alone; the third was served, not registered.
    expect((await send('address:192.0.2.2', queries[0]!, false)).data).toMatchObject({
      desks: ['PO-NORD'],
    });
    expect((await send('address:192.0.2.2', queries[1]!, false)).data).toMatchObject({
      desks: ['PO-NORD'],
    });
    expect(await send('address:192.0.2.2', queries[2]!, false)).toMatchObject({
      code: 'PERSISTED_QUERY_NOT_FOUND',
    });
    expect(plugin.refused()).toBe(1);
    // Another caller's allowance is its own.
    expect((await send('address:192.0.2.2', queries[2]!, true)).data).toBeDefined();
    expect((await send('address:192.0.2.1', queries[2]!, false)).data).toMatchObject({
      desks: ['PO-NORD'],
    });
    // Lookups by hash spend nothing.
    expect(plugin.refused()).toBe(1);
  });
});
