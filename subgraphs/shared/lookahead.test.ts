// What a root resolver sees of its children's selection: through fragments, per alias with
// its arguments, and not what @skip/@include leave out for the request's variables.
import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectedFieldArguments } from './lookahead.js';

const schema = buildSchema(`
  type Query { employer(id: ID!): Employer, employers: [Employer!]! }
  type Employer {
    id: ID!
    name: String
    communications(first: Int = 50, type: String): [String!]!
  }
`);

async function seen(query: string, variableValues?: Record<string, unknown>) {
  let args: Record<string, unknown>[] = [];
  let selectsName = false;
  const rootValue = {
    employer: (_: unknown, __: unknown, info: GraphQLResolveInfo) => {
      args = selectedFieldArguments(info, 'communications');
      selectsName = selectedFieldArguments(info, 'name').length > 0;
      return { id: 'A000001', name: 'n', communications: [] };
    },
  };
  const result = await graphql({ schema, source: query, rootValue, variableValues });
  expect(result.errors).toBeUndefined();
  return { args, selectsName };
}

describe('selectedFieldArguments', () => {
  it('lists each alias with its arguments, defaults and variables applied', async () => {
    const { args, selectsName } = await seen(
      `query ($n: Int!) { employer(id: "A000001") { id a: communications(first: $n) b: communications(type: "X") } }`,
      { n: 5 },
    );
    expect(args).toEqual([{ first: 5 }, { first: 50, type: 'X' }]);
    expect(selectsName).toBe(false);
  });

  it('looks through inline fragments and fragment spreads, each fragment once', async () => {
    const { args, selectsName } = await seen(
      `{ employer(id: "A000001") { ...F ... on Employer { name c: communications(first: 2) } ...F } }
       fragment F on Employer { communications(first: 1) }`,
    );
    expect(args).toEqual([{ first: 1 }, { first: 2 }]);
    expect(selectsName).toBe(true);
  });

  it('leaves out what @skip and @include leave out for these variables', async () => {
    const query = `query ($yes: Boolean!) { employer(id: "A000001") {
      a: communications(first: 1) @include(if: $yes)
      b: communications(first: 2) @skip(if: $yes)
      ... on Employer @skip(if: $yes) { name }
      ...F @include(if: $yes)
    } }
    fragment F on Employer { c: communications(first: 3) }`;
    expect((await seen(query, { yes: true })).args).toEqual([{ first: 1 }, { first: 3 }]);
    const no = await seen(query, { yes: false });
    expect(no.args).toEqual([{ first: 2 }]);
    expect(no.selectsName).toBe(true);
  });

  it('is empty when the field is not asked for', async () => {
    expect((await seen('{ employer(id: "A000001") { id } }')).args).toEqual([]);
  });
});
