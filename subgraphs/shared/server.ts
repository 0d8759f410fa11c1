// The subgraph server factory: Apollo Server with the subgraph schema, served over
// node:http by lib/graphql-http.ts, with errors converted and masked in one place.
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { GraphQLError, parse, type GraphQLFormattedError } from 'graphql';
import { serveGraphQL, type RunningHttpServer } from '../../lib/graphql-http.js';
import { readProjectFile } from '../../lib/project-files.js';
import type { Assertion } from '../../lib/auth/assertion.js';
import { extractPolicy } from '../../lib/auth/policy.js';
import { toGraphQLError } from './errors.js';
import { callerOf, policyRecheckPlugin, type AssertionKey, type CallerContext } from './trust.js';

export interface SubgraphTrust {
  /** The gateway's public key: only requests carrying its signed assertion are served. */
  assertionKey: AssertionKey;
}

export interface SubgraphServerOptions<TContext extends CallerContext> {
  /** Subgraph name; its SDL is schema/<name>.graphql. */
  name: 'desks' | 'workers' | 'employers' | 'training';
  resolvers: GraphQLResolverMap<TContext>;
  trust: SubgraphTrust;
  /** Builds the per-request context (fresh DataLoaders every time) for a verified caller. */
  context: (caller: Assertion, req: IncomingMessage) => Promise<TContext>;
  port?: number;
  host?: string;
  /** Called after the HTTP server stops, e.g. to close upstream pools. */
  onStop?: () => Promise<void>;
  /** Subgraph-specific plugins (the workers' audit log), after the policy re-check. */
  plugins?: ApolloServerPlugin<TContext>[];
}

/** Codes that our own resolvers and graphql-js produce deliberately; anything else is masked. */
const PASS_THROUGH_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PURPOSE_REQUIRED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
]);

export function formatSubgraphError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const upstream = toGraphQLError(original);
  if (upstream) {
    return { message: upstream.message, path: formatted.path, extensions: upstream.extensions };
  }
  const code = formatted.extensions?.code;
  // graphql-js repeats a refused variable's value ("got invalid value ..."): it may be a
  // fiscal code, so say which variable and drop the value.
  const refusedVariable = /^Variable "(\$\w+)" got invalid value/.exec(formatted.message);
  if (refusedVariable) {
    return { ...formatted, message: `Variable "${refusedVariable[1]}" got an invalid value` };
  }
  if (typeof code === 'string' && PASS_THROUGH_CODES.has(code)) return formatted;
  if (
    original instanceof GraphQLError &&
    original.extensions.code === undefined &&
    !original.originalError
  ) {
    // graphql-js execution errors (e.g. null for a non-null field) carry no secrets.
    return formatted;
  }
  return {
    message: 'Internal error',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

export async function createSubgraphServer<TContext extends CallerContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<RunningHttpServer> {
  const typeDefs = parse(readProjectFile('schema', `${options.name}.graphql`));
  const schema = buildSubgraphSchema({
    typeDefs,
    // buildSubgraphSchema types resolvers with an `unknown` context; ours is TContext.
    resolvers: options.resolvers as GraphQLResolverMap<unknown>,
  });
  const server = new ApolloServer<TContext>({
    schema,
    // Inline tracing (ftv1) costs CPU on every request that asks for it; nothing here wants it.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      policyRecheckPlugin<TContext>(extractPolicy(typeDefs)),
      ...(options.plugins ?? []),
    ],
    includeStacktraceInErrorResponses: false,
    // Our main.ts files own the process lifecycle and stop every layer in order.
    stopOnTerminationSignals: false,
    formatError: formatSubgraphError,
  });
  const running = await serveGraphQL({
    server,
    context: async (req) => options.context(await callerOf(req, options.trust.assertionKey), req),
    port: options.port,
    host: options.host,
  });
  return {
    ...running,
    async stop() {
      await running.stop();
      await options.onStop?.();
    },
  };
}
