// Subgraphs trust only the gateway: every request must carry the gateway's signed assertion
// of the caller (lib/auth/assertion.ts), and the field policy declared in this subgraph's
// own SDL is checked again against it, so that nothing is served around the gateway.
import type { IncomingMessage } from 'node:http';
import { currentRequestId } from '../../lib/graphql-http.js';
import { gatewayRequestIdOr, headerOf } from '../../lib/request-scope.js';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { CryptoKey, KeyObject } from 'jose';
import {
  ASSERTION_HEADER,
  AssertionError,
  verifyAssertion,
  type Assertion,
  type SignedFacts,
} from '../../lib/auth/assertion.js';
import {
  describeViolation,
  findViolations,
  needsScope,
  selectedFields,
  type Policy,
} from '../../lib/auth/policy.js';
import { PERSONAL_DATA_SCOPE } from '../../lib/auth/scopes.js';
import { BoundedCache } from '../../lib/bounded-cache.js';

export type AssertionKey = CryptoKey | KeyObject | Uint8Array;

function refused(): GraphQLError {
  return new GraphQLError('This service answers only the gateway', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

/**
 * The request id the gateway sent beside its assertion; a request without one (another
 * engine serving the supergraph, a test) gets an id of the subgraph's own, so that its logs
 * and audit records still have one. Inside a request served by lib/graphql-http.ts, the id its
 * logs already carry (the same rule), so that audit records and logs agree.
 */
export function requestIdOf(req: IncomingMessage): string {
  return currentRequestId() ?? gatewayRequestIdOr(req);
}

/** Verified assertions kept at most, and what they may weigh in all (tokens and facts). */
export const VERIFIED_ASSERTIONS_MAX = 10_000;
const VERIFIED_ASSERTIONS_MAX_BYTES = 16 * 2 ** 20;
/** What the verified facts of one assertion weigh besides its token (an estimate). */
const FACTS_BYTES = 512;

/** Verifies the callers of one subgraph. */
export type CallerVerifier = (req: IncomingMessage) => Promise<Assertion>;

/**
 * The verified caller of a subgraph request, or a 401 for anything not sent by the gateway.
 * The gateway reuses an assertion for a caller's requests for a while
 * (lib/auth/assertion.ts), so each one's verification is kept until it expires: a cached
 * token is the very string that was verified, and one that was refused is never kept.
 */
export function callerVerifier(key: AssertionKey): CallerVerifier {
  const verified = new BoundedCache<SignedFacts & { expiresAtMs: number }>({
    maxEntries: VERIFIED_ASSERTIONS_MAX,
    maxBytes: VERIFIED_ASSERTIONS_MAX_BYTES,
  });
  return async (req) => {
    const token = headerOf(req, ASSERTION_HEADER);
    if (!token) throw refused();
    let facts = verified.get(token);
    if (facts !== undefined && Date.now() >= facts.expiresAtMs) {
      verified.delete(token);
      facts = undefined;
    }
    if (facts === undefined) {
      try {
        facts = await verifyAssertion(key, token);
      } catch (err) {
        if (!(err instanceof AssertionError)) throw err;
        throw refused();
      }
      verified.set(token, facts, FACTS_BYTES);
    }
    return {
      principal: facts.principal,
      purpose: facts.purpose,
      operationName: facts.operationName,
      operationHash: facts.operationHash,
      requestId: requestIdOf(req),
    };
  };
}

export interface CallerContext extends BaseContext {
  caller: Assertion;
}

/**
 * Checks again what the gateway already checked: every field the request selects is one the
 * asserted principal may read, and personal data comes with a declared purpose.
 */
export function policyRecheckPlugin<TContext extends CallerContext>(
  policy: Policy,
): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        // Throwing here fails the request before any execution (so before any fetch).
        didResolveOperation({ document, schema, contextValue }) {
          const { principal, purpose } = contextValue.caller;
          const selected = selectedFields(schema, document);
          const violations = findViolations(selected, policy, principal);
          if (violations.length > 0) {
            throw new GraphQLError(violations.map(describeViolation).join('; '), {
              extensions: {
                code: 'FORBIDDEN',
                http: { status: 403 },
                fields: violations.map((v) => v.coordinate),
              },
            });
          }
          if (purpose === null && needsScope(policy, selected.keys(), PERSONAL_DATA_SCOPE)) {
            throw new GraphQLError('Reading personal data needs a declared purpose', {
              extensions: { code: 'PURPOSE_REQUIRED', http: { status: 403 } },
            });
          }
          return Promise.resolve();
        },
      });
    },
  };
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/**
 * Object-level rule for citizens, on every path to a person's data: a citizen reads only
 * their own record, recognised by IDOL id (workers) or fiscal code (co, trio).
 */
export function assertOwnRecord(
  caller: Assertion,
  person: { workerId?: string; fiscalCode?: string },
): void {
  const { principal } = caller;
  if (principal.role !== 'citizen') return;
  const own =
    person.workerId !== undefined
      ? person.workerId === principal.subject
      : person.fiscalCode !== undefined && person.fiscalCode === principal.fiscalCode;
  if (!own) throw forbidden('A citizen may read only their own record');
}
