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
  /** The upstream's status (5xx, 429) when it answered; undefined for transport failures. */
  readonly status: number | undefined;
  /**
   * True when no request was made because the upstream's circuit breaker is open (it failed
   * repeatedly and is cooling down). The message is the same either way.
   */
  readonly circuitOpen: boolean;
  constructor(
    upstream: string,
    options?: { cause?: unknown; status?: number; circuitOpen?: boolean },
  ) {
    super(upstream, `${upstream} is unavailable`, options);
    this.status = options?.status;
    this.circuitOpen = options?.circuitOpen ?? false;
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

/** What an upstream's `codice` must look like to be kept: a constant, never free text. */
export const UPSTREAM_CODE_PATTERN = /^[A-Z_]{1,40}$/;
/** What an upstream's `campo` must look like to be kept: a dotted body path, never a value. */
export const UPSTREAM_FIELD_PATTERN = /^[A-Za-z][A-Za-z0-9_.]{0,80}$/;

export class UpstreamRejectedError extends UpstreamError {
  readonly code = 'UPSTREAM_REJECTED';
  /**
   * The body field the upstream named as at fault (`errore.campo`, a dotted path such as
   * `lavoratore.codiceFiscale`), when it sent one matching UPSTREAM_FIELD_PATTERN.
   */
  readonly campo: string | undefined;
  constructor(
    upstream: string,
    readonly status: number,
    readonly upstreamCode: string | undefined,
    options?: { cause?: unknown; campo?: string },
  ) {
    super(
      upstream,
      `${upstream} rejected the request (${status}${upstreamCode ? ` ${upstreamCode}` : ''})`,
      options,
    );
    const campo = options?.campo;
    this.campo = campo !== undefined && UPSTREAM_FIELD_PATTERN.test(campo) ? campo : undefined;
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
