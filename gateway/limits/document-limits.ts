// The limits that look at the document alone, applied before graphql-js's standard
// validation rules see it. Apollo Server runs the `validationRules` it is given in the same
// pass as the standard rules, so a document that our linear limits refuse would still pay for
// the dear ones first: OverlappingFieldsCanBeMergedRule is quadratic in the copies of a field
// (499 copies of `desks { id }` cost tens of milliseconds), and ValuesOfCorrectTypeRule prints
// a megabyte string literal into its message.
//
// So this plugin parses the client's text itself when the request starts, and refuses:
// - a document that does not parse (the parser's own message, 400 GRAPHQL_PARSE_FAILED, as
//   Apollo would answer it; the token cap is the parser's),
// - a string, name or number longer than `maxTokenLength` (400 GRAPHQL_PARSE_FAILED; the
//   message gives the length and the place, never the text),
// - the first shape limit the document breaks (depth, aliases, root fields, directives,
//   fields: 400 GRAPHQL_VALIDATION_FAILED with `extensions.limit`, as Apollo's validation
//   answered them when they were among its rules).
//
// Apollo answers an error thrown before the operation is resolved with a 500, so a refused
// request goes on with a one-field placeholder in place of its text and the refusal is thrown
// once the operation is resolved, before any other check and any subgraph (the way
// trusted-documents.ts refuses a partner's text). The placeholder is all Apollo parses and
// validates of it, and all its document store keeps. A text within the limits is parsed
// twice, here and by Apollo (unless its document store has it): a few microseconds for a
// usual operation, well under a millisecond at the 2,000-token cap.
//
// The verdict (within the limits, or the refusal) is kept per sha256 of the text, for texts
// up to `cacheMaxTextLength` characters, in an LRU bounded by entries and bytes, so a known
// document is hashed, not parsed and walked, again. The verdict depends on the text and the
// schema alone (never on the caller); the cache is emptied when the schema object changes.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  parse,
  TokenKind,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type Token,
  type ValidationRule,
} from 'graphql';
import { BoundedCache, type BoundedCacheStats } from '../../lib/bounded-cache.js';
import { assertLimit } from './limit-error.js';

export const DEFAULT_DOCUMENT_VERDICT_CACHE_ENTRIES = 10_000;
export const DEFAULT_DOCUMENT_VERDICT_CACHE_BYTES = 8 * 2 ** 20;
/** Longest text whose verdict is kept, in characters. */
export const DEFAULT_DOCUMENT_VERDICT_MAX_TEXT_LENGTH = 16_384;
/** What a verdict weighs besides its key and, for a refusal, the text its error quotes. */
const VERDICT_BYTES = 256;

/**
 * The longest string, name or number accepted in a document, in source characters (quotes
 * and escapes included). The longest text this graph takes is 500 characters (a vacancy's
 * description); 8,192 leaves room for escaping every one of them.
 */
export const DEFAULT_MAX_TOKEN_LENGTH = 8_192;

/** Comments are skipped by the parser and never printed back, so their length is free. */
const MEASURED = new Set<string>([
  TokenKind.STRING,
  TokenKind.BLOCK_STRING,
  TokenKind.NAME,
  TokenKind.INT,
  TokenKind.FLOAT,
]);

/** The document's longest string, name or number, found in linear time over its tokens. */
export function longestToken(document: DocumentNode): Token | null {
  let longest: Token | null = null;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) {
    if (!MEASURED.has(token.kind)) continue;
    if (!longest || token.end - token.start > longest.end - longest.start) longest = token;
  }
  return longest;
}

const describe = (token: Token): string =>
  token.kind === TokenKind.NAME
    ? 'A name'
    : token.kind === TokenKind.INT || token.kind === TokenKind.FLOAT
      ? 'A number'
      : 'A string';

/** The refusal of a document holding a token longer than `max`, or null. */
export function tokenLengthError(document: DocumentNode, max: number): GraphQLError | null {
  const token = longestToken(document);
  const found = token ? token.end - token.start : 0;
  if (!token || found <= max) return null;
  return new GraphQLError(
    `Syntax Error: ${describe(token)} of ${found} characters; at most ${max} are allowed in one string, name or number.`,
    {
      ...(document.loc ? { source: document.loc.source, positions: [token.start] } : {}),
      extensions: {
        code: 'GRAPHQL_PARSE_FAILED',
        http: { status: 400 },
        limit: { name: 'tokenLength', max, found },
      },
    },
  );
}

/**
 * The first refusal of the shape rules, as Apollo answered it from its own validation (400
 * GRAPHQL_VALIDATION_FAILED), or null when the document is within them.
 */
export function shapeLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  rules: readonly ValidationRule[],
): GraphQLError | null {
  const [first] = validate(schema, document, rules);
  if (!first) return null;
  return new GraphQLError(first.message, {
    ...(first.nodes ? { nodes: first.nodes } : {}),
    extensions: { ...first.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
  });
}

/** The parser's refusal, as Apollo answers it (400 GRAPHQL_PARSE_FAILED). */
function syntaxError(error: unknown): GraphQLError {
  const cause = error instanceof GraphQLError ? error : null;
  return new GraphQLError(cause?.message ?? 'Syntax Error: the document does not parse', {
    ...(cause?.source && cause.positions
      ? { source: cause.source, positions: cause.positions }
      : {}),
    extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
  });
}

export interface DocumentLimitsOptions {
  /** Longest string, name or number accepted, in source characters. Default 8,192. */
  maxTokenLength?: number;
  /** The shape rules, run before the standard validation rules. */
  rules: readonly ValidationRule[];
  /** The parser options Apollo Server is given (the token cap). */
  parseOptions?: ParseOptions;
  /** Verdicts kept (least recently used dropped). Default 10,000. */
  cacheEntries?: number;
  /** Estimated bytes the kept verdicts may take. Default 8 MiB. */
  cacheBytes?: number;
  /** Longest text whose verdict is kept, in characters. Default 16,384. */
  cacheMaxTextLength?: number;
}

export interface DocumentLimitsStats extends BoundedCacheStats {
  /** Texts parsed and walked since the plugin was made. */
  parses: number;
}

/** A fresh copy of a kept refusal, so that no request's error object is another's. */
function copyError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source && error.positions
      ? { source: error.source, positions: error.positions }
      : {}),
    extensions: { ...error.extensions },
  });
}

/** What the client's text is replaced with once refused: valid, free, and cached by Apollo. */
const REFUSED_PLACEHOLDER = '{ __typename }';

export function documentLimitsPlugin<TContext extends BaseContext>(
  options: DocumentLimitsOptions,
): ApolloServerPlugin<TContext> & { stats(): DocumentLimitsStats } {
  const maxTokenLength = assertLimit(
    'maxTokenLength',
    options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH,
  );
  const rules = [...options.rules];
  const maxCachedText = assertLimit(
    'cacheMaxTextLength',
    options.cacheMaxTextLength ?? DEFAULT_DOCUMENT_VERDICT_MAX_TEXT_LENGTH,
  );
  const cacheLimits = {
    maxEntries: assertLimit(
      'cacheEntries',
      options.cacheEntries ?? DEFAULT_DOCUMENT_VERDICT_CACHE_ENTRIES,
    ),
    maxBytes: assertLimit('cacheBytes', options.cacheBytes ?? DEFAULT_DOCUMENT_VERDICT_CACHE_BYTES),
  };
  const newCache = () => new BoundedCache<GraphQLError | null>(cacheLimits);
  let cache = newCache();
  let cachedFor: GraphQLSchema | null = null;
  let parses = 0;

  /** The refusal of the text, from the cache when its verdict is known. */
  function cachedRefusal(text: string, schema: GraphQLSchema): GraphQLError | null {
    if (text.length > maxCachedText) return refusal(text, schema);
    if (schema !== cachedFor) {
      cache = newCache();
      cachedFor = schema;
    }
    const key = createHash('sha256').update(text).digest('hex');
    const known = cache.get(key);
    if (known !== undefined) return known === null ? null : copyError(known);
    const verdict = refusal(text, schema);
    // A refusal quotes the text (its source): weighed with it.
    cache.set(key, verdict, VERDICT_BYTES + (verdict ? 2 * text.length : 0));
    return verdict === null ? null : copyError(verdict);
  }

  function refusal(text: string, schema: GraphQLSchema): GraphQLError | null {
    parses += 1;
    let document: DocumentNode;
    try {
      document = parse(text, options.parseOptions);
    } catch (error) {
      return syntaxError(error);
    }
    // No token is longer than the whole text.
    if (text.length > maxTokenLength) {
      const tooLong = tokenLengthError(document, maxTokenLength);
      if (tooLong) return tooLong;
    }
    return shapeLimitError(schema, document, rules);
  }

  return {
    stats: () => ({ ...cache.stats(), parses }),
    requestDidStart({ request, schema }) {
      // Only a persisted query's id: its text passed these checks when it was registered.
      if (typeof request.query !== 'string') return Promise.resolve();
      const refused = cachedRefusal(request.query, schema);
      if (!refused) return Promise.resolve();
      request.query = REFUSED_PLACEHOLDER;
      request.operationName = undefined;
      request.variables = undefined;
      // Nor is the refused text registered as a persisted query (its hash would not match).
      if (request.extensions?.persistedQuery) {
        const extensions = { ...request.extensions };
        delete extensions.persistedQuery;
        request.extensions = extensions;
      }
      return Promise.resolve({
        // Thrown synchronously, so that no later plugin's check runs (see list-size.ts).
        didResolveOperation() {
          throw refused;
        },
      });
    },
  };
}
