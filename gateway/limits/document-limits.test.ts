// The document limits over a small schema, in an Apollo Server of their own: what they refuse,
// how, and that a refused document never reaches graphql-js's standard validation.
import { createHash } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { parse, print, type ValidationRule } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clipMessage, MAX_MESSAGE_CHARS, MAX_QUOTED_CHARS } from './clip.js';
import { documentLimitsPlugin, longestToken } from './document-limits.js';
import { maxDepthRule } from './max-depth.js';
import { maxFieldsRule } from './max-fields.js';
import { maxRootFieldsRule } from './max-root-fields.js';

const typeDefs = `
  type Query { node(id: ID, kind: Kind): Node, nodes: [Node!]! }
  type Node { id: ID!, next: Node, other: Node }
  enum Kind { A B }
`;

/** Every document Apollo's own validation pass (standard rules and these) is run on. */
let validated: string[] = [];
const recordValidated: ValidationRule = (context) => {
  validated.push(print(context.getDocument()));
  return {};
};

let server: ApolloServer;
const limits = documentLimitsPlugin({
  parseOptions: { maxTokens: 500 },
  maxTokenLength: 100,
  rules: [
    maxDepthRule({ maxDepth: 3 }),
    maxRootFieldsRule({ maxRootFields: 2 }),
    maxFieldsRule({ maxFields: 20 }),
  ],
});

beforeAll(async () => {
  server = new ApolloServer({
    typeDefs,
    resolvers: { Query: { node: () => ({ id: '1' }), nodes: () => [] } },
    validationRules: [recordValidated],
    parseOptions: { maxTokens: 500 },
    plugins: [limits],
  });
  await server.start();
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  validated = [];
});

interface Answer {
  status: number | undefined;
  data?: unknown;
  errors?: { message: string; locations?: unknown; extensions?: Record<string, unknown> }[];
}

async function run(
  query: string,
  extra: { variables?: Record<string, unknown>; extensions?: Record<string, unknown> } = {},
): Promise<Answer> {
  const response = await server.executeOperation({ query, ...extra });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { data, errors } = response.body.singleResult;
  return { status: response.http.status, data, errors: errors as Answer['errors'] };
}

const PLACEHOLDER = print(parse('{ __typename }'));

describe('shape limits before the standard validation rules', () => {
  it('refuse an over-limit document without the standard rules ever seeing it', async () => {
    // 50 copies of a root field with a sub-selection: the overlapping-fields check's meat.
    const answer = await run(`{ ${'node { id next { id } } '.repeat(50)} }`);
    expect(answer.status).toBe(400);
    expect(answer.errors).toEqual([
      {
        message: 'The operation selects 50 root fields; at most 2 are allowed',
        locations: [{ line: 1, column: 1 }],
        extensions: {
          code: 'GRAPHQL_VALIDATION_FAILED',
          limit: { name: 'rootFields', max: 2, found: 50 },
        },
      },
    ]);
    // Apollo's validation pass saw the placeholder at most (once: then it is cached), never
    // the client's document.
    expect(validated.filter((document) => document !== PLACEHOLDER)).toEqual([]);
  });

  it('answer the limit alone, not the standard rules’ errors beside it', async () => {
    const answer = await run('{ a b c d }');
    expect(answer.errors?.map((e) => e.extensions?.limit)).toEqual([
      { name: 'rootFields', max: 2, found: 4 },
    ]);
  });

  it('leave a document within them to the standard rules, once', async () => {
    const answer = await run('{ node { nope } }');
    expect(answer.status).toBe(400);
    expect(answer.errors?.map((e) => e.message)).toEqual([
      'Cannot query field "nope" on type "Node".',
    ]);
    expect(validated).toEqual([print(parse('{ node { nope } }'))]);
    const served = await run('query Q { node { id next { id } } }');
    expect(served).toEqual({ status: undefined, data: { node: { id: '1', next: null } } });
  });

  it('count through fragments as before', async () => {
    const answer = await run(
      '{ node { ...A } } fragment A on Node { next { ...B } } fragment B on Node { other { id } }',
    );
    expect(answer.errors?.map((e) => e.extensions?.limit)).toEqual([
      { name: 'depth', max: 3, found: 4 },
    ]);
  });

  it('answer a syntax error as Apollo does, token cap included', async () => {
    expect(await run('{ node { id }')).toEqual({
      status: 400,
      errors: [
        {
          message: 'Syntax Error: Expected Name, found <EOF>.',
          locations: [{ line: 1, column: 14 }],
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        },
      ],
    });
    const flood = await run(`{ node { ${'id '.repeat(600)} } }`);
    expect(flood.status).toBe(400);
    expect(flood.errors?.[0]?.message).toBe(
      'Syntax Error: Document contains more that 500 tokens. Parsing aborted.',
    );
    expect(validated.filter((document) => document !== PLACEHOLDER)).toEqual([]);
  });

  it('refuse a persisted query’s registration with the limit, and do not register it', async () => {
    const query = `{ ${'node { id } '.repeat(3)} }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    const answer = await run(query, { extensions: { persistedQuery } });
    expect(answer.errors?.map((e) => e.extensions?.limit)).toEqual([
      { name: 'rootFields', max: 2, found: 3 },
    ]);
    const byId = await server.executeOperation({ extensions: { persistedQuery } });
    expect(byId.body.kind === 'single' && byId.body.singleResult.errors?.[0]?.message).toBe(
      'PersistedQueryNotFound',
    );
  });
});

describe('token lengths', () => {
  it.each([
    ['a string', `{ node(id: "${'x'.repeat(200)}") { id } }`, 'A string of 202 characters', 12],
    ['a block string', `{ node(id: """${'x'.repeat(200)}""") { id } }`, 'A string of 206', 12],
    ['a name (an alias)', `{ ${'a'.repeat(101)}: node { id } }`, 'A name of 101', 3],
  ])(
    'refuse %s over the cap at parse time, without echoing it',
    async (_, query, found, column) => {
      const answer = await run(query);
      expect(answer.status).toBe(400);
      expect(answer.errors).toHaveLength(1);
      const [error] = answer.errors ?? [];
      expect(error?.message).toMatch(
        new RegExp(
          `^Syntax Error: ${found}[^;]*; at most 100 are allowed in one string, name or number\\.$`,
        ),
      );
      expect(error?.locations).toEqual([{ line: 1, column }]);
      expect(error?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(error?.extensions?.limit).toMatchObject({ name: 'tokenLength', max: 100 });
      expect(validated.filter((document) => document !== PLACEHOLDER)).toEqual([]);
    },
  );

  it('leave comments out: the parser skips them and nothing prints them back', async () => {
    const answer = await run(`# ${'c'.repeat(1_000)}\n{ node { id } }`);
    expect(answer.errors).toBeUndefined();
  });

  it('find the longest token in one pass over the tokens', () => {
    const token = longestToken(parse('{ node(id: "abcdef") { id } } # a much longer comment'));
    expect(token?.value).toBe('abcdef');
  });
});

describe('clipMessage', () => {
  it('keeps short messages as they are', () => {
    const message = 'Cannot query field "deks" on type "Query". Did you mean "desk" or "desks"?';
    expect(clipMessage(message)).toBe(message);
  });

  it('clips every long quoted piece, escapes honoured, and keeps the rest', () => {
    const long = 'x'.repeat(1_000_000);
    const message = `Enum "DeskKind" cannot represent non-enum value: "${long}\\"${long}". Try "A".`;
    const clipped = clipMessage(message);
    expect(clipped).toBe(
      `Enum "DeskKind" cannot represent non-enum value: "${'x'.repeat(MAX_QUOTED_CHARS)}…". Try "A".`,
    );
  });

  it('cuts a long message without quotes, and never halves a surrogate pair', () => {
    expect(clipMessage('y'.repeat(10_000))).toHaveLength(MAX_MESSAGE_CHARS + 1);
    const emoji = `"${'x'.repeat(MAX_QUOTED_CHARS - 1)}😀😀"`;
    expect(clipMessage(`value ${emoji}`)).toBe(`value "${'x'.repeat(MAX_QUOTED_CHARS - 1)}…"`);
  });
});

describe('verdicts kept per text', () => {
  it('parse a document once, however many times it is sent', async () => {
    const query = 'query Kept { node(id: "kept-1") { id next { id } } }';
    const before = limits.stats().parses;
    const first = await run(query);
    expect(first.data).toEqual({ node: { id: '1', next: null } });
    expect(limits.stats().parses).toBe(before + 1);
    expect(await run(query)).toEqual(first);
    expect(await run(query)).toEqual(first);
    expect(limits.stats().parses).toBe(before + 1);
    // Another text, even one character apart, is parsed on its own.
    await run(query.replace('kept-1', 'kept-2'));
    expect(limits.stats().parses).toBe(before + 2);
  });

  it('refuse a known refused document from the cache with the same error', async () => {
    // Texts no other test sends (a comment tells them apart), so that the first is parsed.
    const over = `# cached\nquery Over { ${'node { id } '.repeat(3)} }`;
    const tooLong = `# cached\n{ node(id: "${'x'.repeat(200)}") { id } }`;
    const broken = '# cached\n{ node { id }';
    for (const query of [over, tooLong, broken]) {
      const before = limits.stats().parses;
      const first = await run(query);
      expect(first.status).toBe(400);
      expect(first.errors).toHaveLength(1);
      expect(await run(query)).toEqual(first);
      expect(limits.stats().parses).toBe(before + 1);
    }
    expect(validated.filter((document) => document !== PLACEHOLDER)).toEqual([]);
  });

  it('are bounded, and keep no verdict of a text over the length kept', async () => {
    const small = documentLimitsPlugin({
      rules: [maxDepthRule({ maxDepth: 3 })],
      cacheEntries: 2,
      cacheMaxTextLength: 40,
    });
    const own = new ApolloServer({ typeDefs, plugins: [small] });
    await own.start();
    try {
      const send = (query: string) => own.executeOperation({ query });
      for (const id of ['a', 'b', 'c', 'a']) await send(`{ node(id: "${id}") { id } }`);
      expect(small.stats()).toMatchObject({ entries: 2, parses: 4 });
      const long = `{ node(id: "${'y'.repeat(40)}") { id } }`;
      await send(long);
      await send(long);
      expect(small.stats()).toMatchObject({ entries: 2, parses: 6 });
    } finally {
      await own.stop();
    }
  });
});
