// schema/api.graphql is what the gateway really serves: the schema a signed-in caller gets by
// introspection, type for type, field for field, description for description.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
  type IntrospectionQuery,
} from 'graphql';
import { API_SCHEMA_PATH } from '../schema/compose.js';
import { graphql, startStack, type Stack } from './stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
});

afterAll(async () => {
  await stack?.stop();
});

const normalized = (schema: Parameters<typeof printSchema>[0]) =>
  printSchema(lexicographicSortSchema(schema));

describe('schema/api.graphql', () => {
  it.each(['analyst', 'operator'] as const)(
    'equals the schema the gateway serves to an %s by introspection',
    async (role) => {
      const token = await stack.token({
        role,
        subject: `api-schema-${role}`,
        ...(role === 'operator' ? { desk: 'PO-NORD' } : {}),
      });
      const res = await graphql<IntrospectionQuery>(
        stack.gatewayUrl,
        getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }),
        undefined,
        { authorization: `Bearer ${token}` },
      );
      expect(res.errors).toBeUndefined();
      expect(res.status).toBe(200);
      const served = normalized(buildClientSchema(res.data!));
      const committed = normalized(buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8')));
      expect(served).toContain('"The accreditation act\'s number."');
      expect(served).toBe(committed);
    },
  );

  it('is not introspectable by an anonymous caller', async () => {
    const res = await graphql(stack.gatewayUrl, getIntrospectionQuery());
    expect(res.data?.__schema).toBeUndefined();
    expect(res.errors?.length).toBeGreaterThan(0);
  });
});
