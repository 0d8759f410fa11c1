// Typed upstream failures (DESIGN.md §8). Callers branch on `code` or `instanceof`,
// never on message text. Messages never carry an upstream body, URL or fiscal code.
import { GraphQLError } from 'graphql';

export type UpstreamErrorCode =
  'UPSTREAM_TIMEOUT' | 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_BAD_RESPONSE' | 'UPSTREAM_REJECTED';

export abstract class UpstreamError extends Error {
  abstract readonly code: UpstreamErrorCode;
  constructor(
    readonly upstream: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UpstreamTimeoutError extends UpstreamError {
  readonly code = 'UPSTREAM_TIMEOUT';
  constructor(upstream: string, options?: { cause?: unknown }) {
    super(upstream, `${upstream} did not answer in time`, options);
  }
}

export class UpstreamUnavailableError extends UpstreamError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
  constructor(upstream: string, options?: { cause?: unknown; status?: number }) {
    super(upstream, `${upstream} is unavailable`, options);
  }
}

export class UpstreamBadResponseError extends UpstreamError {
  readonly code = 'UPSTREAM_BAD_RESPONSE';
  constructor(upstream: string, detail: string, options?: { cause?: unknown }) {
    // `detail` names the shape problem (a field, a status), never a value.
    super(
      upstream,
      `${upstream} sent a response that could not be understood (${detail})`,
      options,
    );
  }
}

export class UpstreamRejectedError extends UpstreamError {
  readonly code = 'UPSTREAM_REJECTED';
  constructor(
    upstream: string,
    readonly status: number,
    readonly upstreamCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      upstream,
      `${upstream} rejected the request (${status}${upstreamCode ? ` ${upstreamCode}` : ''})`,
      options,
    );
  }
}

/** Input refused before any upstream request. */
export function badUserInput(message: string, field: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
}

/**
 * The one place where upstream failures become GraphQL errors: a stable code and the
 * upstream's name, nothing else of the cause.
 */
export function toGraphQLError(error: unknown): GraphQLError | undefined {
  if (error instanceof UpstreamError) {
    return new GraphQLError(error.message, {
      extensions: { code: error.code, upstream: error.upstream },
    });
  }
  return undefined;
}
