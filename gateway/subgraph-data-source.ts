// How the gateway talks to a subgraph: Apollo's RemoteGraphQLDataSource over undici,
// with failed subgraph responses turned into errors a client can act on.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { ASSERTION_HEADER } from '../lib/auth/assertion.js';
import type { GatewayContext } from './context.js';

/** Signs the caller's assertion for one client request (once, shared by its fetches). */
export type AssertionSigner = (context: GatewayContext) => Promise<string>;

/** Codes a subgraph uses for input it refused before asking any upstream. */
const INPUT_REFUSED_CODES = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);

function firstError(body: unknown): { message: string; code: unknown } | undefined {
  if (typeof body !== 'object' || body === null || !('errors' in body)) return undefined;
  const errors = body.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as { message?: unknown; extensions?: { code?: unknown } };
  return typeof first.message === 'string'
    ? { message: first.message, code: first.extensions?.code }
    : undefined;
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly sign: AssertionSigner;

  constructor(
    config: ConstructorParameters<typeof RemoteGraphQLDataSource>[0] & { sign: AssertionSigner },
  ) {
    super(config);
    this.sign = config.sign;
  }

  /**
   * Every subgraph request carries the gateway's signed assertion of the caller and nothing
   * the client said about itself: the request's headers are built here, not forwarded.
   */
  override async willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (!('principal' in context)) {
      throw new GraphQLError('A subgraph request without a client request', {
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    }
    request.http?.headers.set(ASSERTION_HEADER, await this.sign(context as GatewayContext));
  }

  /**
   * Apollo's default puts the subgraph's URL and raw body into the error. The gateway has
   * already validated the operation against the supergraph, so a subgraph that refuses it
   * with a 400 is refusing a value (a malformed Date, say): that is the client's input
   * error. Anything else is the subgraph's failure and says only that.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = await this.parseBody(response).catch(() => undefined);
    const refused = response.status === 400 ? firstError(body) : undefined;
    if (refused && INPUT_REFUSED_CODES.has(String(refused.code))) {
      return new GraphQLError(refused.message, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    // Personal data is not served when its audit record cannot be written: say so plainly.
    const failed = firstError(body);
    if (response.status === 503 && failed?.code === 'AUDIT_UNAVAILABLE') {
      return new GraphQLError('Personal data cannot be served now: the audit log is unavailable', {
        extensions: { code: 'AUDIT_UNAVAILABLE' },
      });
    }
    return new GraphQLError('A part of the graph failed to answer', {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    });
  }

  /** Transport failures (refused connection, timeout) carry the subgraph's URL: replace them. */
  override didEncounterError(error: Error): void {
    if (error instanceof GraphQLError) throw error;
    throw new GraphQLError('A part of the graph failed to answer', {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
      originalError: error,
    });
  }
}
