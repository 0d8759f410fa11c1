// The gateway's signed assertion of the caller, sent to every subgraph with each request.
// A subgraph serves only requests that carry a valid one, so `_entities` and everything
// else cannot be reached around the gateway. Ed25519: subgraphs hold only the public key.
import { SignJWT, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import { isPurpose, isRole, type Principal, type Purpose } from './principal.js';

export const ASSERTION_HEADER = 'x-gateway-assertion';
export const ASSERTION_ISSUER = 'prato-graph-gateway';
export const ASSERTION_AUDIENCE = 'prato-graph-subgraphs';
/** Short-lived: long enough for one request's subgraph fetches, useless if replayed later. */
export const ASSERTION_TTL_SECONDS = 60;

type Key = CryptoKey | KeyObject | Uint8Array;

export interface RequestFacts {
  /** The request id the gateway gave this client request. */
  requestId: string;
  /** The declared purpose, if any. */
  purpose: Purpose | null;
  /** The client operation's name, if any, and a hash of its document. */
  operationName: string | null;
  operationHash: string | null;
}

export interface Assertion extends RequestFacts {
  principal: Principal;
}

export async function signAssertion(key: Key, assertion: Assertion): Promise<string> {
  const { principal } = assertion;
  return new SignJWT({
    role: principal.role,
    scp: principal.scopes,
    desk: principal.desk,
    org: principal.organization,
    cf: principal.fiscalCode,
    rid: assertion.requestId,
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

/** Verifies signature, issuer, audience and expiry; returns what the gateway asserted. */
export async function verifyAssertion(key: Key, token: string): Promise<Assertion> {
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
  const requestId = optionalString(payload.rid);
  if (
    !isRole(role) ||
    !Array.isArray(scopes) ||
    !scopes.every((s) => typeof s === 'string') ||
    !requestId
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
    requestId,
    purpose: isPurpose(payload.pur) ? payload.pur : null,
    operationName: optionalString(payload.op),
    operationHash: optionalString(payload.oph),
  };
}
