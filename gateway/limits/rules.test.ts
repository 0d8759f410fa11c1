// The shape rules on their own, over a small schema: counts through fragments, in linear
// time, and without looping on cycles.
import { buildSchema, parse, specifiedRules, validate, type ValidationRule } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutSuggestions } from './introspection.js';
import { maxAliasesRule } from './max-aliases.js';
import { maxDepthRule } from './max-depth.js';
import { maxDirectivesRule } from './max-directives.js';
import { maxFieldsRule } from './max-fields.js';
import { maxRootFieldsRule } from './max-root-fields.js';

const schema = buildSchema(`
  type Query { node: Node, nodes: [Node!]! }
  type Node { id: ID!, next: Node, other: Node }
`);

function limits(query: string, rule: ValidationRule): unknown[] {
  return validate(schema, parse(query), [rule]).map((e) => e.extensions.limit);
}

/** `levels` fragments, each spreading the next from two fields: 2^levels copies of `id`. */
function doublingFragments(levels: number): string {
  const fragments = Array.from(
    { length: levels },
    (_, i) => `fragment F${i} on Node { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ node { ...F0 } } ${fragments.join(' ')} fragment F${levels} on Node { id }`;
}

describe('shape rules', () => {
  it('measure each fragment once: 40 doubling levels are counted, not expanded', () => {
    expect(limits(doublingFragments(40), maxFieldsRule({ maxFields: 10 }))).toEqual([
      { name: 'fields', max: 10, found: 2 ** 40 + 1 },
    ]);
    expect(limits(doublingFragments(40), maxDepthRule({ maxDepth: 1 }))).toEqual([
      { name: 'depth', max: 1, found: 2 },
    ]);
  });

  it('count depth through named and inline fragments alike', () => {
    const query = `{ node { ...A } } fragment A on Node { next { ... on Node { next { id } } } }`;
    expect(limits(query, maxDepthRule({ maxDepth: 3 }))).toEqual([
      { name: 'depth', max: 3, found: 4 },
    ]);
    expect(limits(query, maxDepthRule({ maxDepth: 4 }))).toEqual([]);
  });

  it('leave introspection out of the depth, but not out of the other counts', () => {
    const query = '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }';
    expect(limits(query, maxDepthRule({ maxDepth: 1 }))).toEqual([]);
    expect(limits(query, maxFieldsRule({ maxFields: 5 }))).toEqual([
      { name: 'fields', max: 5, found: 7 },
    ]);
  });

  it('count aliases and directives of a fragment at every spread', () => {
    const query = `{ a: node { ...F } b: node { ...F @include(if: true) } }
      fragment F on Node @skip(if: false) { x: id @skip(if: false) }`;
    expect(limits(query, maxAliasesRule({ maxAliases: 1 }))).toEqual([
      { name: 'aliases', max: 1, found: 4 },
    ]);
    expect(limits(query, maxDirectivesRule({ maxDirectives: 1 }))).toEqual([
      { name: 'directives', max: 1, found: 5 },
    ]);
  });

  it('count root fields through fragments, __typename excepted', () => {
    const query =
      '{ __typename node { id } ...R } fragment R on Query { nodes { id } node { id } }';
    expect(limits(query, maxRootFieldsRule({ maxRootFields: 2 }))).toEqual([
      { name: 'rootFields', max: 2, found: 3 },
    ]);
  });

  it('do not loop on a fragment cycle, which graphql-js reports', () => {
    const query =
      '{ node { ...A } } fragment A on Node { next { ...B } } fragment B on Node { other { ...A } }';
    const rules = [
      maxDepthRule(),
      maxAliasesRule(),
      maxDirectivesRule(),
      maxFieldsRule(),
      maxRootFieldsRule(),
    ];
    expect(
      validate(schema, parse(query), [...specifiedRules, ...rules]).map((e) => e.message),
    ).toEqual(['Cannot spread fragment "A" within itself via "B".']);
  });

  it('refuse a limit that is not a positive integer, naming the value', () => {
    expect(() => maxDepthRule({ maxDepth: 0 })).toThrow(
      'maxDepth must be a positive integer, got 0',
    );
  });
});

describe('withoutSuggestions', () => {
  it.each([
    [
      'Cannot query field "deks" on type "Query". Did you mean "desk" or "desks"?',
      'Cannot query field "deks" on type "Query".',
    ],
    [
      'Value "X" does not exist in "DeskKind" enum. Did you mean the enum value "Y"?',
      'Value "X" does not exist in "DeskKind" enum.',
    ],
    ['Unknown type "Dsk". Did you mean "Desk"?', 'Unknown type "Dsk".'],
    ['No suggestion here.', 'No suggestion here.'],
  ])('turns %j into %j', (message, expected) => {
    expect(withoutSuggestions(message)).toBe(expected);
  });
});
