// Signs the gateway's assertion of the caller (lib/auth/assertion.ts) for the subgraphs, once
// per caller, purpose and operation for ASSERTION_REUSE_SECONDS rather than once per request:
// Ed25519 signing on every request, and verifying it again in each subgraph, was about a
// twentieth of the gateway's CPU. The request id, which does change per request, travels in
// its own header (subgraph-data-source.ts).
import type { CryptoKey, KeyObject } from 'jose';
import {
  ASSERTION_REUSE_SECONDS,
  ASSERTION_TTL_SECONDS,
  signAssertion,
} from '../lib/auth/assertion.js';
import type { Principal } from '../lib/auth/principal.js';
import type { GatewayContext } from './context.js';
import { BoundedCache } from '../lib/bounded-cache.js';

/** Signs (or reuses) the caller's assertion for one client request's subgraph fetches. */
export type AssertionSigner = (context: GatewayContext) => Promise<string>;

/** Operations (with purposes) remembered per caller; the oldest is forgotten beyond it. */
export const ASSERTIONS_PER_CALLER = 32;

/** What one kept assertion weighs at most: a compact JWS of a principal's claims. */
const ASSERTION_BYTES = 2048;

/** Clock differences between the gateway and the subgraphs the reuse window allows for. */
export const ASSERTION_CLOCK_SKEW_MS = 5_000;

interface Signed {
  token: Promise<string>;
  /** When (on the signer's clock) a new one is signed instead. */
  reuseUntil: number;
}

export interface AssertionSignerOptions {
  /** A monotonic clock in milliseconds (performance.now() by default); injectable for tests. */
  now?: () => number;
  /**
   * The longest a client request may last (GATEWAY_REQUEST_DEADLINE_MS): an assertion is
   * reused only while it will outlive, at every subgraph, a request that starts now. Default
   * 10 s.
   */
  maxRequestMs?: number;
  /** Makes the signature; lib/auth/assertion.ts's by default (tests count its calls). */
  sign?: typeof signAssertion;
}

export function assertionSigner(
  key: CryptoKey | KeyObject | Uint8Array,
  options: AssertionSignerOptions = {},
): AssertionSigner {
  const now = options.now ?? (() => performance.now());
  // Reused for at most ASSERTION_REUSE_SECONDS, and never so long that a request starting at
  // the end of the window could outlast the assertion (less the clocks' skew).
  const reuseMs = Math.max(
    0,
    Math.min(
      ASSERTION_REUSE_SECONDS * 1000,
      ASSERTION_TTL_SECONDS * 1000 - (options.maxRequestMs ?? 10_000) - ASSERTION_CLOCK_SKEW_MS,
    ),
  );
  const sign = options.sign ?? signAssertion;
  // Keyed by the principal object itself: the token cache (auth.ts) hands out one object per
  // verified token, and anonymous callers share PUBLIC_PRINCIPAL. A principal that is no
  // longer referenced takes its assertions with it; nothing personal is copied into a key.
  const byPrincipal = new WeakMap<Principal, BoundedCache<Signed>>();
  const signFresh = (context: GatewayContext): Promise<string> => {
    const { principal, purpose, operation } = context;
    const opKey = `${purpose ?? ''}\u0000${operation.name ?? ''}\u0000${operation.hash ?? ''}`;
    let signed = byPrincipal.get(principal);
    if (signed === undefined) {
      // The oldest operation is forgotten beyond ASSERTIONS_PER_CALLER (a token is under 1 KiB).
      signed = new BoundedCache({ maxEntries: ASSERTIONS_PER_CALLER, maxBytes: 2 ** 20 });
      byPrincipal.set(principal, signed);
    }
    const at = now();
    const kept = signed.get(opKey);
    if (kept !== undefined && at < kept.reuseUntil) return kept.token;
    const token = sign(key, {
      principal,
      purpose,
      operationName: operation.name,
      operationHash: operation.hash,
    });
    const entry = { token, reuseUntil: at + reuseMs };
    signed.set(opKey, entry, ASSERTION_BYTES);
    // A failed signature is not kept: the next request tries again.
    token.catch(() => {
      if (signed.get(opKey) === entry) signed.delete(opKey);
    });
    return token;
  };
  // One assertion for all of a request's fetches, even across a reuse boundary.
  return (context) => (context.assertion ??= signFresh(context));
}
