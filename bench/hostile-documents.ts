// Hostile requests, each as large as the gateway's limits let it be (gateway/limits/ and the
// front door in lib/graphql-http.ts): the body-bound ones fill the 1 MB body cap, the
// document-bound ones fill the 2,000-token parser cap, so that each makes the gateway do as
// much work as it ever will before refusing it. Used by bench/hostile.ts (event-loop delay
// while 20 arrive at once) and test/hostile-load.test.ts (their status codes, and that none
// reaches an upstream). Plain strings only: no GraphQL import, so the load generator stays
// light.

/** The gateway's defaults these documents are sized against (gateway/limits/index.ts). */
export const SIZED_FOR = Object.freeze({
  maxBodyBytes: 1_000_000,
  maxTokens: 2_000,
});

export interface HostileRequest {
  kind: HostileKind;
  /** The raw JSON body (already serialised: some kinds are not what JSON.stringify makes). */
  body: string;
  /** Sent with a signed-in caller's token (some work, such as suggestions, is theirs only). */
  signedIn: boolean;
}

export interface HostileKindInfo {
  /** Which limit or mechanism the document aims at. */
  aims: string;
  /** The answer a hostile request of this kind gets: a 4xx, never a 5xx. */
  expected: { status: number; code: string };
}

export const HOSTILE_KINDS = {
  'body-over-1mb': {
    aims: 'body cap: 1,000,001 bytes',
    expected: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  'token-flood-1mb': {
    aims: 'parser token cap: a 1 MB document of about 90,000 tokens',
    expected: { status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  },
  'string-literal-1mb': {
    aims: 'token-length cap (8,192 characters): one string argument of almost 1 MB',
    expected: { status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  },
  'variables-1mb': {
    aims: 'variables cap: almost 1 MB of variables (cap 100 kB)',
    expected: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  'nested-variables-1mb': {
    aims: 'JSON nesting cap: one variable nested 499,950 arrays deep',
    expected: { status: 400, code: 'BAD_REQUEST' },
  },
  'unknown-operation-1mb': {
    aims: 'operation resolution: an operationName of almost 1 MB that the document lacks',
    expected: { status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  },
  'field-duplication': {
    aims: 'overlapping-fields check: 499 copies of one root field with a sub-selection',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  'leaf-duplication': {
    aims: 'overlapping-fields check: one scalar field 1,993 times',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  'fragment-explosion': {
    aims: 'expanded-field cap: 198 fragments each spreading the next twice (2^198 fields)',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  depth: {
    aims: 'depth cap: 666 levels of nesting',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  aliases: {
    aims: 'alias cap: 664 aliases',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  directives: {
    aims: 'directive cap: 249 @include directives',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  'circular-fragments': {
    aims: 'fragment cycles: a cycle through 248 fragments',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  'misspelled-fields': {
    aims: 'suggestions (signed-in callers get them): 1,996 unknown root fields',
    expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  'planned-then-refused': {
    aims: 'cost estimates: passes every shape limit (10 root fields, depth 10, 1,890 fields) and crosses two subgraphs at every level; since demand control, its estimated result size (about 176 million objects) refuses it before it is planned',
    expected: { status: 400, code: 'COST_LIMIT_EXCEEDED' },
  },
} as const satisfies Record<string, HostileKindInfo>;

export type HostileKind = keyof typeof HOSTILE_KINDS;

export const HOSTILE_KIND_NAMES = Object.keys(HOSTILE_KINDS) as HostileKind[];

/** `unit` repeated as often as fits for the JSON body `render(repeat)` to stay within `bytes`. */
function fill(render: (count: number) => string, unitBytes: number, bytes: number): string {
  const overhead = Buffer.byteLength(render(0));
  const body = render(Math.floor((bytes - overhead) / unitBytes));
  if (Buffer.byteLength(body) > bytes) throw new Error(`filled body exceeds ${bytes} bytes`);
  return body;
}

const times = (count: number, make: (i: number) => string, separator = ' '): string =>
  Array.from({ length: count }, (_, i) => make(i)).join(separator);

const query = (text: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ query: text, ...extra });

/**
 * A hostile request of `kind`. `nonce` goes into the document (an operation name or
 * aliases) so that no cache (Apollo's document store, the cost plugin's plans) spares the
 * gateway the work: each request is new to it, as an attacker would make it.
 */
export function hostileRequest(kind: HostileKind, nonce: number): HostileRequest {
  const op = `query H${nonce}`;
  const max = SIZED_FOR.maxBodyBytes;
  const body = (text: string, signedIn = false): HostileRequest => ({ kind, body: text, signedIn });
  switch (kind) {
    case 'body-over-1mb':
      return body(`${query(`${op} { __typename }`).slice(0, -1)},"pad":"${'x'.repeat(max)}"}`);
    case 'token-flood-1mb':
      return body(fill((n) => query(`${op} { desks { id ${'__typename '.repeat(n)}} }`), 11, max));
    case 'string-literal-1mb':
      return body(fill((n) => query(`${op} { desks(kind: "${'x'.repeat(n)}") { id } }`), 1, max));
    case 'variables-1mb':
      return body(
        fill(
          (n) =>
            query(
              `${op}($ids: [ID!]) { deskActivity(from: "2011-01", to: "2011-02", deskIds: $ids) { count } }`,
              { variables: { ids: Array.from({ length: n }, () => 'PO-NORD') } },
            ),
          10, // `"PO-NORD",`
          max,
        ),
      );
    case 'nested-variables-1mb': {
      const head = `${query(`${op}($v: [[Int]]) { __typename }`).slice(0, -1)},"variables":{"v":`;
      const depth = Math.floor((max - head.length - 2) / 2);
      return body(`${head}${'['.repeat(depth)}${']'.repeat(depth)}}}`);
    }
    case 'unknown-operation-1mb':
      return body(
        fill((n) => query(`${op} { __typename }`, { operationName: 'x'.repeat(n) }), 1, max),
      );
    case 'field-duplication':
      // 3 + 4 x 499 + 1 = 2,000 tokens.
      return body(query(`${op} { ${'desks { id } '.repeat(499)}}`));
    case 'leaf-duplication':
      // 3 + 2 + 1,993 + 2 = 2,000 tokens.
      return body(query(`${op} { desks { ${'id '.repeat(1_993)}} }`));
    case 'fragment-explosion':
      // 9 + 10 x 198 + 6 = 1,995 tokens.
      return body(
        query(
          `${op} { desks { ...F0 } } ${times(198, (i) => `fragment F${i} on Desk { ...F${i + 1} ...F${i + 1} }`)} fragment F198 on Desk { id }`,
        ),
      );
    case 'depth':
      // 3 + 3 x 665 + 1 + 1 = 2,000 tokens.
      return body(
        query(
          `${op} { ${times(665, (i) => (i % 2 === 0 ? 'desks {' : 'comune {'))} id ${'} '.repeat(665)}}`,
        ),
      );
    case 'aliases':
      // 5 + 3 x 664 + 2 = 1,999 tokens.
      return body(query(`${op} { desks { ${times(664, (i) => `a${i}: id`)} } }`));
    case 'directives':
      // 5 + 8 x 249 + 2 = 1,999 tokens.
      return body(query(`${op} { desks { ${'id @include(if: true) '.repeat(249)}} }`));
    case 'circular-fragments':
      // 9 + 8 x 248 = 1,993 tokens.
      return body(
        query(
          `${op} { desks { ...A0 } } ${times(248, (i) => `fragment A${i} on Desk { ...A${(i + 1) % 248} }`)}`,
        ),
      );
    case 'misspelled-fields':
      // 3 + 1,996 + 1 = 2,000 tokens.
      return body(query(`${op} { ${'deks '.repeat(1_996)}}`), true);
    case 'planned-then-refused':
      return body(query(plannedThenRefused(nonce)));
  }
}

/**
 * Ten root fields (the cap) of desks, each crossing from the desks subgraph to training and
 * back (`workstations { desk }`) or within desks (`comune { desks }`) at every level, four
 * levels of fragments doubling each time: depth 10 and 1,890 fields, both within the limits,
 * so the gateway plans it before the cost estimate refuses it.
 */
function plannedThenRefused(nonce: number): string {
  const leaf = 'id name address kind district publicWorkstationCount openedOn closedOn';
  const fragments = times(4, (i) => {
    const next = i < 3 ? `...F${i + 1}` : leaf;
    return `fragment F${i} on Desk { workstations { desk { ${next} } } comune { desks { ${next} } } }`;
  });
  return `query H${nonce} { ${times(10, (i) => `r${nonce}_${i}: desks { ...F0 }`)} } ${fragments}`;
}
