// Fetches merged into one request and the answer split back, names and paths intact.
import { buildSchema, graphql, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { answersEachFetch, mergeFetches, splitResponse } from './fetch-batch.js';

const schema = buildSchema(`
  type Query { _entities(representations: [ID!]!): [Desk]!, desks(first: Int): [Desk!]! }
  type Desk { id: ID!, name: String!, comune: String }
`);
const rootValue = {
  _entities: ({ representations }: { representations: string[] }) =>
    representations.map((id) => (id === 'missing' ? null : { id, name: `desk ${id}` })),
  desks: ({ first }: { first: number }) =>
    Array.from({ length: first }, (_, i) => ({ id: `D${i}`, name: `desk D${i}` })),
};

describe('mergeFetches and splitResponse', () => {
  it('answer each fetch as if it had been sent alone', async () => {
    const fetches = [
      {
        query:
          'query Q__desks__1($representations:[ID!]!){_entities(representations:$representations){...F}} fragment F on Desk{id name}',
        variables: { representations: ['A', 'B'] },
      },
      {
        query: 'query Q__desks__2($first:Int){list:desks(first:$first){id}}',
        variables: { first: 2 },
      },
      {
        query:
          'query Q__desks__3($representations:[ID!]!){_entities(representations:$representations){...F}} fragment F on Desk{name}',
        variables: { representations: ['C', 'missing'] },
      },
    ];
    const merged = mergeFetches(fetches)!;
    expect(validate(schema, parse(merged.query))).toEqual([]);
    const together = await graphql({
      schema,
      rootValue,
      source: merged.query,
      variableValues: merged.variables,
    });
    const asJson = (value: unknown): Record<string, unknown> =>
      JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
    const parts = splitResponse(asJson(together), fetches.length);
    const alone = await Promise.all(
      fetches.map(async (f) =>
        asJson(await graphql({ schema, rootValue, source: f.query, variableValues: f.variables })),
      ),
    );
    expect(parts).toEqual(alone);
  });

  it('gives each fetch its own errors, and an error of the whole request to every fetch', () => {
    const parts = splitResponse(
      {
        data: { _f0_a: 1, _f1_b: null },
        errors: [{ message: 'b failed', path: ['_f1_b', 0, 'name'] }, { message: 'whole request' }],
        extensions: { cost: 1 },
      },
      2,
    );
    expect(parts).toEqual([
      { data: { a: 1 }, errors: [{ message: 'whole request' }], extensions: { cost: 1 } },
      {
        data: { b: null },
        errors: [{ message: 'b failed', path: ['b', 0, 'name'] }, { message: 'whole request' }],
      },
    ]);
    expect(splitResponse({ data: null, errors: [{ message: 'x' }] }, 2)).toEqual([
      { data: null, errors: [{ message: 'x' }] },
      { data: null, errors: [{ message: 'x' }] },
    ]);
  });

  it('merges nothing that is not a plain query of root fields', () => {
    const plain = { query: '{ desks(first: 1) { id } }' };
    for (const query of [
      'mutation { desks { id } }',
      'query { ...R } fragment R on Query { desks { id } }',
      'query @skip(if: true) { desks { id } }',
      'query A { desks { id } } query B { desks { id } }',
      'not graphql',
    ]) {
      expect(mergeFetches([plain, { query }]), query).toBeNull();
    }
    expect(mergeFetches([plain, plain])).not.toBeNull();
  });

  it('tells an answer that can be split from one that cannot', () => {
    expect(answersEachFetch({ data: { _f0_a: 1 } })).toBe(true);
    expect(
      answersEachFetch({ data: { _f0_a: null }, errors: [{ message: 'x', path: ['_f0_a'] }] }),
    ).toBe(true);
    expect(answersEachFetch({ data: null, errors: [{ message: 'x', path: ['_f1_b'] }] })).toBe(
      false,
    );
    expect(answersEachFetch({ data: { _f0_a: 1 }, errors: [{ message: 'whole request' }] })).toBe(
      false,
    );
    expect(answersEachFetch({ errors: [{ message: 'refused' }] })).toBe(false);
  });
});
