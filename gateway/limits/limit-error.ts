// One shape for every refusal of a limit: the message names the limit, its maximum and the
// value found, and `extensions.limit` carries the same for clients that branch on data.
import { GraphQLError, type ASTNode } from 'graphql';

export interface LimitExtension {
  /** Stable name of the limit: `depth`, `aliases`, `rootFields`, `directives`, `fields`, `listSize`. */
  name: string;
  max: number;
  found: number;
}

export interface LimitErrorOptions {
  /** Set for refusals raised outside validation; validation errors get GRAPHQL_VALIDATION_FAILED. */
  code?: string;
  status?: number;
  nodes?: ASTNode | readonly ASTNode[];
  extensions?: Record<string, unknown>;
}

export function limitError(
  message: string,
  limit: LimitExtension,
  options: LimitErrorOptions = {},
): GraphQLError {
  return new GraphQLError(message, {
    ...(options.nodes ? { nodes: options.nodes } : {}),
    extensions: {
      ...(options.code ? { code: options.code } : {}),
      ...(options.status ? { http: { status: options.status } } : {}),
      ...options.extensions,
      limit,
    },
  });
}

export { assertLimit } from '../../lib/bounded-cache.js';
