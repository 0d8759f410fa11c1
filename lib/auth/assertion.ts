// The gateway's signed assertion of the caller, sent to every subgraph with each request.
// A subgraph serves only requests that carry a valid one, so `_entities` and everything
// else cannot be reached around the gateway. Ed25519: subgraphs hold only the public key.
//
// It asserts who calls, for what purpose and with which operation, not which request: one
// signature serves a caller's requests for the same operation for a while (the gateway keeps
// it for ASSERTION_REUSE_SECONDS, the subgraphs keep its verification), since signing and
// verifying Ed25519 on every request was a twentieth of the gateway's work. The request id
// travels beside it in REQUEST_ID_HEADER, unsigned: whoever holds a valid assertion can
// already call as that caller until it expires, so signing the id would protect nothing more.
import { SignJWT, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import { isPurpose, isRole, type Principal, type Purpose } from './principal.js';

export const ASSERTION_HEADER = 'x-gateway-assertion';
export const ASSERTION_ISSUER = 'prato-graph-gateway';
export const ASSERTION_AUDIENCE = 'prato-graph-subgraphs';
/** Short-lived: long enough for one request's subgraph fetches, useless if replayed later. */
export const ASSERTION_TTL_SECONDS = 60;
/**
 * How long the gateway reuses one assertion: half its lifetime, so that a reused one always
 * outlives any request's deadline (10 s by default) at the subgraph.
 */
export const ASSERTION_REUSE_SECONDS = 30;

type Key = CryptoKey | KeyObject | Uint8Array;

/** What the assertion says besides the principal: the same for all of a caller's requests. */
export interface OperationFacts {
  /** The declared purpose, if any. */
  purpose: Purpose | null;
  /** The client operation's name, if any, and a hash of its document. */
  operationName: string | null;
  operationHash: string | null;
}

/** What the gateway signs. */
export interface SignedFacts extends OperationFacts {
  principal: Principal;
}

/** What a subgraph knows of its caller: the signed facts and the request id sent beside them. */
export interface Assertion extends SignedFacts {
  /** The request id the gateway gave this client request. */
  requestId: string;
}

export async function signAssertion(key: Key, assertion: SignedFacts): Promise<string> {
  const { principal } = assertion;
  return new SignJWT({
    role: principal.role,
    scp: principal.scopes,
    desk: principal.desk,
    org: principal.organization,
    cf: principal.fiscalCode,
    pur: assertion.purpose,
    op: assertion.operationName,
    oph: assertion.operationHash,
  })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(ASSERTION_ISSUER)
    .setAudience(ASSERTION_AUDIENCE)
    .setSubject(principal.subject ?? '')
    .setIssuedAt()
    .setExpirationTime(`${ASSERTION_TTL_SECONDS}s`)
    .sign(key);
}

export class AssertionError extends Error {
  constructor(reason: string) {
    super(`gateway assertion refused: ${reason}`);
    this.name = 'AssertionError';
  }
}

const optionalString = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * Verifies signature, issuer, audience and expiry; returns what the gateway asserted and when
 * the assertion expires (epoch milliseconds).
 */
export async function verifyAssertion(
  key: Key,
  token: string,
): Promise<SignedFacts & { expiresAtMs: number }> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      issuer: ASSERTION_ISSUER,
      audience: ASSERTION_AUDIENCE,
      algorithms: ['EdDSA'],
      maxTokenAge: `${ASSERTION_TTL_SECONDS + 5}s`,
    }));
  } catch {
    throw new AssertionError('invalid, expired or not signed by the gateway');
  }
  const role = payload.role;
  const scopes = payload.scp;
  if (
    !isRole(role) ||
    !Array.isArray(scopes) ||
    !scopes.every((s) => typeof s === 'string') ||
    typeof payload.exp !== 'number'
  ) {
    throw new AssertionError('malformed claims');
  }
  return {
    principal: {
      role,
      subject: optionalString(payload.sub),
      scopes: scopes,
      desk: optionalString(payload.desk),
      organization: optionalString(payload.org),
      fiscalCode: optionalString(payload.cf),
    },
    purpose: isPurpose(payload.pur) ? payload.pur : null,
    operationName: optionalString(payload.op),
    operationHash: optionalString(payload.oph),
    expiresAtMs: payload.exp * 1000,
  };
}
