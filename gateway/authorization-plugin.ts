// Refuses, before any subgraph is called, an operation that selects a field the caller may
// not read, or personal data without a declared purpose allowed for the caller's role.
//
// The walk of the document and the check of its fields against the policy are kept per
// (queryHash, operation name, role, sorted scopes) in an LRU bounded by entries and bytes: the
// decision depends on the document (Apollo's queryHash, the sha256 of its text), the schema
// (the cache is emptied when the schema object changes) and the caller's role and scopes, all
// in the key, never on who else sent it. The purpose is checked on every request against the
// kept "needs personal data", as it depends on the header's value and the role. The decision
// also says whether the public role could read everything selected: the response cache keeps
// signed-in callers' answers only for such operations (gateway/shared-store/response-cache.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import {
  describeViolation,
  findViolations,
  needsScope,
  selectedFields,
  type Policy,
  type Violation,
} from '../lib/auth/policy.js';
import { PUBLIC_PRINCIPAL, type Principal } from '../lib/auth/principal.js';
import type { GatewayContext } from './context.js';
import { BoundedCache, type BoundedCacheStats } from '../lib/bounded-cache.js';
import { PERSONAL_DATA_SCOPE, ROLE_PURPOSES } from './roles.js';

export const DEFAULT_AUTHORIZATION_CACHE_ENTRIES = 10_000;
export const DEFAULT_AUTHORIZATION_CACHE_BYTES = 8 * 2 ** 20;

export interface AuthorizationOptions {
  /** Decisions kept (least recently used dropped). Default 10,000. */
  cacheEntries?: number;
  /** Estimated bytes the kept decisions may take. Default 8 MiB. */
  cacheBytes?: number;
}

export interface AuthorizationStats extends BoundedCacheStats {
  /** Documents walked and checked against the policy since the plugin was made. */
  decisions: number;
}

/** What is kept of one document checked for one role and scope set. */
interface Decision {
  violations: readonly Violation[];
  /** True when the operation selects personal data (a purpose is then needed). */
  personalData: boolean;
  /** True when the public role may read everything the operation selects. */
  publicData: boolean;
}

/** What a decision weighs besides its key: a fixed part and its violations' messages. */
function decisionBytes(decision: Decision): number {
  let bytes = 128;
  for (const v of decision.violations) bytes += 256 + 2 * JSON.stringify(v).length;
  return bytes;
}

function refusal(violations: readonly Violation[]): GraphQLError {
  const unauthenticated = violations.every((v) => v.reason === 'authentication');
  return new GraphQLError(violations.map(describeViolation).join('; '), {
    extensions: {
      code: unauthenticated ? 'UNAUTHENTICATED' : 'FORBIDDEN',
      http: { status: unauthenticated ? 401 : 403 },
      fields: violations.map((v) => v.coordinate),
    },
  });
}

export function authorizationPlugin(
  policy: Policy,
  options: AuthorizationOptions = {},
): ApolloServerPlugin<GatewayContext> & { stats(): AuthorizationStats } {
  const newCache = () =>
    new BoundedCache<Decision>({
      maxEntries: options.cacheEntries ?? DEFAULT_AUTHORIZATION_CACHE_ENTRIES,
      maxBytes: options.cacheBytes ?? DEFAULT_AUTHORIZATION_CACHE_BYTES,
    });
  let cache = newCache();
  let cachedFor: GraphQLSchema | null = null;
  let decisions = 0;

  function decide(schema: GraphQLSchema, document: DocumentNode, principal: Principal): Decision {
    decisions += 1;
    const selected = selectedFields(schema, document);
    const violations = findViolations(selected, policy, principal);
    const personalData = needsScope(policy, selected.keys(), PERSONAL_DATA_SCOPE);
    const publicData =
      principal.role === 'public'
        ? violations.length === 0
        : !personalData && findViolations(selected, policy, PUBLIC_PRINCIPAL).length === 0;
    return { violations, personalData, publicData };
  }

  function decision(
    schema: GraphQLSchema,
    document: DocumentNode,
    principal: Principal,
    queryHash: string | undefined,
    operationName: string | null | undefined,
  ): Decision {
    if (queryHash === undefined) return decide(schema, document, principal);
    if (schema !== cachedFor) {
      cache = newCache();
      cachedFor = schema;
    }
    const key = JSON.stringify([
      queryHash,
      operationName ?? null,
      principal.role,
      [...principal.scopes].sort(),
    ]);
    const known = cache.get(key);
    if (known !== undefined) return known;
    const made = decide(schema, document, principal);
    cache.set(key, made, decisionBytes(made));
    return made;
  }

  return {
    stats: () => ({ ...cache.stats(), decisions }),
    requestDidStart() {
      return Promise.resolve({
        // Throwing here fails the request before any execution (so before any fetch).
        didResolveOperation({ document, schema, contextValue, operationName, queryHash }) {
          const { principal } = contextValue;
          contextValue.operation = { name: operationName ?? null, hash: queryHash ?? null };
          const { violations, personalData, publicData } = decision(
            schema,
            document,
            principal,
            queryHash,
            operationName,
          );
          if (violations.length > 0) throw refusal(violations);
          contextValue.publicData = publicData;
          // Personal data needs a purpose the role may declare (the owning subgraph checks again).
          if (personalData) {
            const allowed = ROLE_PURPOSES[principal.role];
            if (!contextValue.purpose || !allowed.includes(contextValue.purpose)) {
              throw new GraphQLError(
                `Reading personal data needs a declared purpose: send the header x-purpose with one of ${allowed.join(', ')}`,
                {
                  extensions: {
                    code: 'PURPOSE_REQUIRED',
                    http: { status: 403 },
                    allowedPurposes: allowed,
                  },
                },
              );
            }
          }
          return Promise.resolve();
        },
      });
    },
  };
}
