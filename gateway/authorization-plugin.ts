// Refuses, before any subgraph is called, an operation that selects a field the caller may
// not read, or personal data without a declared purpose allowed for the caller's role.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import {
  describeViolation,
  findViolations,
  needsScope,
  selectedFields,
  type Policy,
} from '../lib/auth/policy.js';
import type { GatewayContext } from './context.js';
import { PERSONAL_DATA_SCOPE, ROLE_PURPOSES } from './roles.js';

export function authorizationPlugin(policy: Policy): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        // Throwing here fails the request before any execution (so before any fetch).
        didResolveOperation({ document, schema, contextValue, operationName, queryHash }) {
          const { principal } = contextValue;
          contextValue.operation = { name: operationName ?? null, hash: queryHash ?? null };
          const selected = selectedFields(schema, document);
          const violations = findViolations(selected, policy, principal);
          if (violations.length > 0) {
            const unauthenticated = violations.every((v) => v.reason === 'authentication');
            throw new GraphQLError(violations.map(describeViolation).join('; '), {
              extensions: {
                code: unauthenticated ? 'UNAUTHENTICATED' : 'FORBIDDEN',
                http: { status: unauthenticated ? 401 : 403 },
                fields: violations.map((v) => v.coordinate),
              },
            });
          }
          // Personal data needs a purpose the role may declare (the owning subgraph checks again).
          if (needsScope(policy, selected.keys(), PERSONAL_DATA_SCOPE)) {
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
