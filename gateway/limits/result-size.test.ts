// The result-size estimate: Apollo's demand-control counting over `@listSize`, first on a small
// schema that has every case (connections, plain and unannotated lists, lists of scalars, an
// interface and a union), then on the real supergraph and the partners' manifest.
import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import {
  buildSchema,
  getOperationAST,
  isInterfaceType,
  isListType,
  isObjectType,
  getNullableType,
  parse,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutSecurityPurpose } from '../../lib/auth/policy.js';
import { projectPath } from '../../lib/project-files.js';
import {
  DEFAULT_TRUSTED_DOCUMENTS_PATH,
  loadTrustedDocuments,
  parseTrustedDocuments,
  sha256Hex,
  TrustedDocumentsError,
} from '../trusted-documents.js';
import { boundedDocumentStore, documentBytes } from './document-store.js';
import { coercedVariables } from './operation-walk.js';
import {
  createResultSizeEstimator,
  DEFAULT_MAX_RESULT_SIZE,
  readListSizes,
  registeredResultSizeCheck,
  resultSizeError,
} from './result-size.js';

const DIRECTIVES = `
  directive @link(url: String!, as: String, import: [link__Import]) repeatable on SCHEMA
  scalar link__Import
  directive @listSize(
    assumedSize: Int
    slicingArguments: [String!]
    sizedFields: [String!]
    requireOneSlicingArgument: Boolean = true
  ) on FIELD_DEFINITION
`;

const LIBRARY = `${DIRECTIVES}
  schema @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"]) { query: Query }

  type Query {
    shelves: [Shelf!]! @listSize(assumedSize: 5)
    shelf: Shelf
    books(first: Int = 10, after: String): BookConnection!
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
    search(text: String): [Result!]! @listSize(assumedSize: 4)
    nodes: [Node!]! @listSize(assumedSize: 3)
    tags: [String!]!
  }
  type Shelf {
    name: String!
    labels: [String!]! @listSize(assumedSize: 2)
    books(first: Int = 10): BookConnection!
      @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
  }
  type BookConnection {
    total: Int!
    edges: [BookEdge!]! @listSize(assumedSize: 100)
  }
  type BookEdge { node: Book! }
  interface Node { id: ID! }
  type Book implements Node {
    id: ID!
    title: String!
    shelf: Shelf!
    authors: [Author!]! @listSize(assumedSize: 3)
  }
  type Author implements Node {
    id: ID!
    name: String!
    books: [Book!]!
  }
  union Result = Book | Author
`;

const library = buildSchema(LIBRARY);

function sizer(sdl: string, schema: GraphQLSchema, defaultListSize?: number) {
  const estimator = createResultSizeEstimator(sdl, defaultListSize ? { defaultListSize } : {});
  const size = (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    const operation = getOperationAST(document)!;
    // As the plugin has them: coerced, defaults applied.
    const coerced = coercedVariables(schema, operation, variables);
    if (!coerced) throw new Error('variables do not coerce');
    return estimator.estimate(schema, document, operation, coerced);
  };
  const anyVariables = (query: string, maxListSize: number) => {
    const document = parse(query);
    return estimator.estimateAnyVariables(
      schema,
      document,
      getOperationAST(document)!,
      maxListSize,
    );
  };
  return { estimator, size, anyVariables };
}

const { size, anyVariables, estimator } = sizer(LIBRARY, library);

describe('reading @listSize from the SDL', () => {
  it('reads each application by field coordinate', () => {
    const sizes = readListSizes(LIBRARY);
    expect(sizes.get('Query.shelves')).toEqual({ assumedSize: 5 });
    expect(sizes.get('Query.books')).toEqual({
      slicingArguments: ['first'],
      sizedFields: ['edges'],
    });
    expect(sizes.has('Query.tags')).toBe(false);
    expect(sizes.size).toBe(8);
  });

  it.each([
    [
      'imported under another name',
      '@link(url: "https://specs.apollo.dev/cost/v0.1", import: [{ name: "@listSize", as: "@size" }])',
      'size',
    ],
    [
      'not imported (namespaced)',
      '@link(url: "https://specs.apollo.dev/cost/v0.1")',
      'cost__listSize',
    ],
    [
      'linked under another namespace',
      '@link(url: "https://specs.apollo.dev/cost/v0.1", as: "demand")',
      'demand__listSize',
    ],
    [
      'imported from the federation spec (a subgraph)',
      '@link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@listSize"])',
      'listSize',
    ],
  ])('finds the directive %s', (_, link, name) => {
    const sdl = `extend schema ${link}
      type Query { a: [Int] @${name}(assumedSize: 7) b: [Int] @other(assumedSize: 9) }`;
    expect([...readListSizes(sdl)]).toEqual([['Query.a', { assumedSize: 7 }]]);
  });

  it('reads no @listSize where the schema has none, and then takes the default size', () => {
    const plain = 'type Query { items: [Item!]! } type Item { tags: [String!]! }';
    const { size: plainSize, estimator: own } = sizer(plain, buildSchema(plain));
    expect(own.listSizes.size).toBe(0);
    expect(plainSize('{ items { tags } }')).toBe(10 * (1 + 10));
    expect(estimator.listSizes.size).toBe(8);
  });
});

describe('estimated objects and list items', () => {
  it('sizes a connection by its literal `first`, on the fields it names (edges), not their own size', () => {
    // the connection + 7 x (edge + node); `total` and the node's scalars count nothing
    expect(size('{ books(first: 7) { total edges { node { id title } } } }')).toBe(1 + 7 * 2);
  });

  it('takes `first` from a variable, else from the argument default', () => {
    const query = 'query ($n: Int) { books(first: $n) { edges { node { id } } } }';
    expect(size(query, { n: 40 })).toBe(1 + 40 * 2);
    expect(size(query, {})).toBe(1 + 10 * 2);
    expect(size(query, { n: null })).toBe(1 + 10 * 2);
    expect(size('query ($n: Int = 3) { books(first: $n) { edges { node { id } } } }')).toBe(
      1 + 3 * 2,
    );
    expect(size('{ books { edges { node { id } } } }')).toBe(1 + 10 * 2);
  });

  it('multiplies nested lists', () => {
    // 5 shelves x (shelf + connection + 4 x (edge + node + 3 authors))
    expect(size('{ shelves { books(first: 4) { edges { node { authors { name } } } } } }')).toBe(
      5 * (1 + 1 + 4 * (1 + 1 + 3)),
    );
  });

  it('counts each item of a list of scalars, and takes the default size for a list without @listSize', () => {
    expect(size('{ shelves { labels } }')).toBe(5 * (1 + 2));
    expect(size('{ tags }')).toBe(10);
    expect(sizer(LIBRARY, library, 2).size('{ tags }')).toBe(2);
    // Author.books has no @listSize either
    expect(
      size('{ shelf { books(first: 1) { edges { node { authors { books { id } } } } } } }'),
    ).toBe(1 + 1 + 1 * (1 + 1 + 3 * (1 + 10)));
  });

  it('counts named and inline fragments as the fields they spread', () => {
    const plain = size('{ shelves { name books(first: 2) { edges { node { title } } } } }');
    expect(plain).toBe(5 * (1 + 1 + 2 * 2));
    expect(
      size(`{ shelves { ...S } }
        fragment S on Shelf { name books(first: 2) { ...C } }
        fragment C on BookConnection { edges { ... on BookEdge { node { title } } } }`),
    ).toBe(plain);
  });

  it('answers selections of one response key once, as execution merges them; aliases apart', () => {
    const merged = 5 * (1 + 2);
    expect(size('{ shelves { name } shelves { labels } }')).toBe(merged);
    expect(
      size(
        '{ shelves { ...A ...A ...B } } fragment A on Shelf { name } fragment B on Shelf { labels }',
      ),
    ).toBe(merged);
    expect(size('{ a: shelves { name } b: shelves { name } }')).toBe(2 * 5);
  });

  it('leaves out what @skip and @include exclude, with literal or variable conditions', () => {
    const query = `query ($with: Boolean!) {
      shelves { name books(first: 3) @include(if: $with) { edges { node { id } } } }
    }`;
    expect(size(query, { with: true })).toBe(5 * (1 + 1 + 3 * 2));
    expect(size(query, { with: false })).toBe(5);
    expect(size('{ shelves { name ... @skip(if: true) { labels } } }')).toBe(5);
    expect(
      size(
        'query ($no: Boolean!) { shelves { ...L @include(if: $no) } } fragment L on Shelf { labels }',
        {
          no: false,
        },
      ),
    ).toBe(5);
    expect(size('{ shelves { labels @include(if: true) @skip(if: false) } }')).toBe(5 * 3);
  });

  it('counts an abstract type as the dearest of its possible types', () => {
    // A result is a Book (1 + 3 authors) or an Author (1), never both.
    expect(size('{ search { ... on Book { authors { name } } ... on Author { name } } }')).toBe(
      4 * (1 + 3),
    );
    // A fragment on the interface applies to both; the one on Book to books only.
    expect(size('{ nodes { ... on Node { id } ... on Book { shelf { name } } } }')).toBe(
      3 * (1 + 1),
    );
    expect(size('{ search { __typename } }')).toBe(4);
  });

  it('assumes the largest page the gateway accepts for slicing variables when the values are anyone’s', () => {
    const query =
      'query ($n: Int = 3, $with: Boolean = false) { books(first: $n) { edges @include(if: $with) { node { id } } } }';
    expect(size(query)).toBe(1);
    expect(anyVariables(query, 500)).toBe(1 + 500 * 2);
    // literals stay what they are
    expect(anyVariables('{ books(first: 3) { edges { node { id } } } }', 500)).toBe(1 + 3 * 2);
  });

  it("keys an estimate by Apollo's queryHash when given, not by the printed document", () => {
    const own = createResultSizeEstimator(LIBRARY);
    const query = 'query Q($n: Int) { shelves { books(first: $n) { edges { node { id } } } } }';
    const estimateOf = (text: string, n: number, hash?: string) => {
      const document = parse(text);
      const operation = getOperationAST(document)!;
      const coerced = coercedVariables(library, operation, { n })!;
      return own.estimate(library, document, operation, coerced, hash);
    };
    const first = estimateOf(query, 5, 'hash-1');
    expect(estimateOf(query, 5, 'hash-1')).toBe(first);
    expect(own.stats()).toMatchObject({ entries: 1, hits: 1 });
    // A variable the estimate reads is still in the key.
    expect(estimateOf(query, 50, 'hash-1')).toBeGreaterThan(first);
    // Another hash, or none, is another key, for the same document.
    estimateOf(query, 5, 'hash-2');
    estimateOf(query, 5);
    expect(own.stats()).toMatchObject({ entries: 4, hits: 1 });
  });

  it('keeps one estimate per normalised document and values of the variables it reads', () => {
    const { estimator: own, size: sized } = sizer(LIBRARY, library);
    const query = 'query ($n: Int, $after: String) { books(first: $n, after: $after) { total } }';
    sized(query, { n: 5, after: 'a' });
    sized(query.replace(/ /g, '  '), { n: 5, after: 'b' }); // whitespace and `after` aside
    expect(own.stats().entries).toBe(1);
    sized(query, { n: 6 });
    expect(own.stats().entries).toBe(2);
  });
});

describe('the supergraph', () => {
  const supergraphSdl = withoutSecurityPurpose(
    readFileSync(projectPath('schema/supergraph.graphql'), 'utf8'),
  );
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const graph = sizer(supergraphSdl, api);

  it('annotates every list with @listSize, and every page with its `first`', () => {
    const sizes = readListSizes(supergraphSdl);
    const missing: string[] = [];
    for (const type of Object.values(api.getTypeMap())) {
      if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const listSize = sizes.get(coordinate);
        const list = isListType(getNullableType(field.type));
        const paged = field.args.some((a) => a.name === 'first');
        if (list && listSize?.assumedSize === undefined && !listSize?.slicingArguments)
          missing.push(coordinate);
        if (paged && listSize?.slicingArguments?.[0] !== 'first') missing.push(coordinate);
      }
    }
    expect(missing).toEqual([]);
    expect(sizes.get('Employer.communications')).toEqual({
      slicingArguments: ['first'],
      sizedFields: ['edges'],
    });
  });

  it('estimates the desks/comune chain ten levels deep at millions, far over the maximum', () => {
    const chain =
      '{ desks { comune { desks { comune { desks { comune { desks { comune { desks { name } } } } } } } } } }';
    // 30 desks, 15 desks per comune: 30 x (2 + 15 x (2 + 15 x (2 + 15 x (2 + 15))))
    expect(graph.size(chain)).toBe(30 * (2 + 15 * (2 + 15 * (2 + 15 * (2 + 15)))));
    expect(graph.size(chain)).toBeGreaterThan(DEFAULT_MAX_RESULT_SIZE);
  });

  it('keeps a page of 500 communications with their workers and desks well under it', () => {
    const page = `query ($id: ID!, $n: Int) { employer(id: $id) { name
      communications(first: $n) { totalCount edges { node { id worker { pseudonym } handledAt { name comune { name } } contractType { code } } } }
    } }`;
    // employer + connection + 500 x (edge, node, worker, desk, comune, contract type)
    expect(graph.size(page, { id: 'A000001', n: 500 })).toBe(2 + 500 * 6);
  });

  it('keeps every registered partner operation under it, whatever variables the partner sends', () => {
    const checked: Record<string, number> = {};
    const manifest = JSON.parse(
      readFileSync(projectPath(DEFAULT_TRUSTED_DOCUMENTS_PATH), 'utf8'),
    ) as Record<string, { operations: { name: string; body: string }[] }>;
    for (const [organization, { operations }] of Object.entries(manifest)) {
      for (const { name, body } of operations) {
        checked[`${organization} ${name}`] = graph.anyVariables(body, 500);
      }
    }
    // 2,000 flow cells with their contract types; the employer, its page and page info, and
    // 500 communications with their edges and five code lists.
    expect(Math.max(...Object.values(checked))).toBe(2000 * 2);
    expect(checked['CNA DelegatingEmployerCommunications']).toBe(3 + 500 * 7);
    expect(Object.keys(checked)).toHaveLength(17);
    // The gateway's start-time check of the committed manifest passes.
    expect(() =>
      loadTrustedDocuments(DEFAULT_TRUSTED_DOCUMENTS_PATH, {
        schema: api,
        checks: [
          registeredResultSizeCheck({
            estimator: graph.estimator,
            schema: api,
            maxResultSize: DEFAULT_MAX_RESULT_SIZE,
            maxListSize: 500,
          }),
        ],
      }),
    ).not.toThrow();
  });

  it('refuses at start a registered operation that pages of 500 would take over the maximum', () => {
    const body =
      'query Nested($n: Int) { employers(first: $n) { edges { node { communications(first: $n) { edges { node { id } } } } } } }';
    const check = registeredResultSizeCheck({
      estimator: graph.estimator,
      schema: api,
      maxResultSize: DEFAULT_MAX_RESULT_SIZE,
      maxListSize: 500,
    });
    let problems: readonly string[] = [];
    try {
      parseTrustedDocuments(
        {
          CNA: {
            format: 'apollo-persisted-query-manifest',
            version: 1,
            operations: [{ id: sha256Hex(body), name: 'Nested', type: 'query', body }],
          },
        },
        'test.json',
        { schema: api, checks: [check] },
      );
    } catch (error) {
      expect(error).toBeInstanceOf(TrustedDocumentsError);
      problems = (error as TrustedDocumentsError).problems;
    }
    // With its own default (first: 50) it would pass; a partner may send 500.
    expect(problems).toEqual([
      `CNA operations[0] (Nested): its result may hold an estimated ${1 + 500 * (2 + 1 + 500 * 2)} objects and list items (pages of 500 where variables size them); at most 50000 are allowed`,
    ]);
  });
});

describe('the refusal', () => {
  it('is COST_LIMIT_EXCEEDED (400), naming the limit and the estimate', () => {
    const error = resultSizeError(1_735_710, 50_000);
    expect(error.message).toBe(
      'The operation would return an estimated 1735710 objects and list items; at most 50000 are allowed. Ask for smaller pages or fewer nested lists',
    );
    expect(error.extensions).toEqual({
      code: 'COST_LIMIT_EXCEEDED',
      http: { status: 400 },
      limit: { name: 'resultSize', max: 50_000, found: 1_735_710 },
      cost: { estimated: 1_735_710, budget: 50_000 },
    });
  });
});

describe('the document store', () => {
  it('weighs a document by its tokens and text, which its JSON leaves out', () => {
    const text = `{ desks { ${'id name '.repeat(400)} } }`;
    const document = parse(text);
    // `{ desks {`, 800 names, `} }` and the end of the text: 806 tokens
    expect(documentBytes(document)).toBe(806 * 300 + 2 * text.length);
    expect(documentBytes(document)).toBeGreaterThan(Buffer.byteLength(JSON.stringify(document)));
  });

  it('drops the least recently used documents past its bound', async () => {
    // Each document: 4 tokens and 15 characters (1,230 bytes), its key 50: room for three.
    const store = boundedDocumentStore({ maxBytes: 4 * 1_280 - 1, maxEntries: 10 });
    const doc = (name: string) => parse(`{ ${name.padEnd(11)} }`);
    for (const key of ['a', 'b', 'c']) await store.set(key, doc(key));
    expect(await store.get('a')).toBeDefined(); // now the most recent
    await store.set('d', doc('d'));
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
    expect(store.stats().entries).toBe(3);
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });
});
