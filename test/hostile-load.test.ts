// While 20 maximal-size hostile documents arrive at once, a valid query still answers
// (SECURITY.md "Query shape": token flood and field duplication, "also event-loop delay while
// 20 of them arrive at once"). This file counts: the valid answer, each refusal's status and
// code, and the upstream requests. The event-loop delay they cause is measured, not asserted,
// by `npm run bench:hostile` (bench/RESULTS.md).
import { Lexer, Source, TokenKind } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  HOSTILE_KINDS,
  hostileRequest,
  HOSTILE_KIND_NAMES,
  SIZED_FOR,
  type HostileKind,
} from '../bench/hostile-documents.js';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import {
  graphql,
  resetUpstreamStats,
  startStack,
  totalRequests,
  upstreamGet,
  upstreamRequests as requestsByRoute,
  type Stack,
} from './stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
});

afterAll(async () => {
  await stack?.stop();
});

const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-hostile', desk: 'PO-NORD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'an-hostile' };
const PROBE = 'query Probe($id: ID!) { worker(id: $id) { id familyName sex } }';
/**
 * The most a refusal's body may weigh: one error, its message clipped (gateway/limits/clip.ts),
 * with at most as many locations as the document has spreads (a cycle through 248 fragments).
 */
const MAX_REFUSAL_BYTES = 16_384;

async function upstreamRequests(): Promise<number> {
  return totalRequests(await requestsByRoute(stack));
}

/** Tokens as the parser counts them against its limit (comments are not tokens). */
function tokens(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

const bytes = (text: string) => Buffer.byteLength(text);

describe('hostile documents', () => {
  it('fill the 2,000-token cap or the 1 MB body cap, whichever bounds them', () => {
    const documentBound: HostileKind[] = [
      'field-duplication',
      'leaf-duplication',
      'fragment-explosion',
      'depth',
      'aliases',
      'directives',
      'circular-fragments',
      'misspelled-fields',
    ];
    const tokensOutsideCap = documentBound
      .map((kind) => {
        const { query } = JSON.parse(hostileRequest(kind, 7).body) as { query: string };
        return { kind, tokens: tokens(query) };
      })
      .filter((d) => d.tokens > SIZED_FOR.maxTokens || d.tokens < SIZED_FOR.maxTokens - 10);
    expect(tokensOutsideCap).toEqual([]);
    const bodyBound: HostileKind[] = [
      'token-flood-1mb',
      'string-literal-1mb',
      'variables-1mb',
      'nested-variables-1mb',
      'unknown-operation-1mb',
    ];
    const bytesOutsideCap = bodyBound
      .map((kind) => ({ kind, bytes: bytes(hostileRequest(kind, 7).body) }))
      .filter((b) => b.bytes > SIZED_FOR.maxBodyBytes || b.bytes < SIZED_FOR.maxBodyBytes - 100);
    expect(bytesOutsideCap).toEqual([]);
    expect(bytes(hostileRequest('body-over-1mb', 7).body)).toBeGreaterThan(SIZED_FOR.maxBodyBytes);
  });
});

describe('20 hostile documents at once', () => {
  it('answers a valid query correctly while refusing each hostile document with its 4xx, and the hostile ones reach no upstream', async () => {
    const { lavoratori } = await upstreamGet<{ lavoratori: { id: string }[] }>(
      stack,
      'idol',
      '/v1/lavoratori/ricerca?pagina=1&dimensione=1',
    );
    const id = lavoratori[0]?.id ?? '';
    const probeHeaders = {
      authorization: `Bearer ${await stack.token(OPERATOR)}`,
      'x-purpose': 'GUIDANCE',
    };
    const analystHeaders = { authorization: `Bearer ${await stack.token(ANALYST)}` };

    // The valid query alone: its answer, and the upstream requests it costs by itself.
    await resetUpstreamStats(stack);
    const alone = await graphql(stack.gatewayUrl, PROBE, { id }, probeHeaders);
    expect(alone.status).toBe(200);
    expect(alone.errors).toBeUndefined();
    expect((alone.data?.worker as { id: string } | undefined)?.id).toBe(id);
    const probeUpstream = await upstreamRequests();
    expect(probeUpstream).toBeGreaterThan(0);

    // An over-cap body is left out here: the gateway refuses it on its declared length and
    // closes the connection, so a client still sending may see the reset rather than the 413
    // (test/limits.test.ts checks that 413 on its own; the benchmark counts both).
    const kinds = HOSTILE_KIND_NAMES.filter((kind) => kind !== 'body-over-1mb');
    const hostile = Array.from({ length: 20 }, (_, i) =>
      hostileRequest(kinds[i % kinds.length] ?? 'depth', i),
    );
    await resetUpstreamStats(stack);
    const refusals = hostile.map(async (request) => {
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(request.signedIn ? analystHeaders : {}),
        },
        body: request.body,
      });
      const text = await res.text();
      const body = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
      // A refusal names the limit; it never sends the document (or a megabyte of it) back.
      const echoed = Buffer.byteLength(text) > MAX_REFUSAL_BYTES;
      return {
        kind: request.kind,
        status: res.status,
        code: body.errors?.[0]?.extensions?.code,
        echoed,
      };
    });
    // Sent once the 20 are on their way, before any of them is answered.
    const during = graphql(stack.gatewayUrl, PROBE, { id }, probeHeaders);

    expect(await during).toEqual(alone);
    expect(await Promise.all(refusals)).toEqual(
      hostile.map(({ kind }) => ({
        kind,
        status: HOSTILE_KINDS[kind].expected.status,
        code: HOSTILE_KINDS[kind].expected.code,
        echoed: false,
      })),
    );
    // Exactly what the valid query costs by itself: nothing from the 20 hostile documents.
    expect(await upstreamRequests()).toBe(probeUpstream);
  });
});
