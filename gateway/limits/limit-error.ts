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

/** Validates a limit option up front, naming the bad value (like DataLoader's options). */
export function assertLimit(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
