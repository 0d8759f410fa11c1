// The subgraph server factory: Apollo Server with the subgraph schema, served over
// node:http by lib/graphql-http.ts, with errors converted and masked in one place, each
// request run within its deadline (request-deadline.ts), and `/readyz` reporting the
// circuits of the subgraph's upstreams.
import type { IncomingMessage } from 'node:http';
import {
  ApolloServer,
  type ApolloServerOptions,
  type ApolloServerPlugin,
  type BaseContext,
  type ContextThunk,
  type HTTPGraphQLRequest,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { GraphQLError, parse, type GraphQLFormattedError } from 'graphql';
import { serveGraphQL, type Readiness, type RunningHttpServer } from '../../lib/graphql-http.js';
import { accessLogPlugin, logUnexpectedError, type Logger } from '../../lib/log.js';
import type { Tracing } from '../../lib/telemetry.js';
import { readProjectFile } from '../../lib/project-files.js';
import type { Assertion } from '../../lib/auth/assertion.js';
import { extractPolicy } from '../../lib/auth/policy.js';
import type { CircuitState } from './circuit-breaker.js';
import { formatVariableError } from '../../lib/variable-errors.js';
import { toGraphQLError } from './errors.js';
import { COST_REPORT_REQUEST_HEADER } from '../../lib/upstream-cost.js';
import { costReportPlugin, costReportRequested, UpstreamCostAccount } from './cost-report.js';
import { createSubgraphMetrics, type ObservedUpstream } from './metrics.js';
import {
  budgetFromHeader,
  DEADLINE_HEADER,
  DEFAULT_REQUEST_DEADLINE_MS,
  runWithDeadline,
} from './request-deadline.js';
import {
  callerVerifier,
  policyRecheckPlugin,
  type AssertionKey,
  type CallerContext,
} from './trust.js';

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
  /**
   * The most time one request may take: its budget when the gateway states none in
   * `x-request-deadline-ms`, and the cap on the budget it states. Default 10 s.
   */
  requestDeadlineMs?: number;
  /** The subgraph's upstream clients, whose circuits `/readyz` reports. */
  upstreams?: readonly UpstreamCircuit[];
  /** Where access records, upstream requests (debug) and unexpected errors go. Default: nowhere. */
  logger?: Logger;
  /** The subgraph's traces (lib/telemetry.ts); its owner shuts it down. Default: none. */
  tracing?: Tracing | null;
}

/** What readiness and metrics need of an upstream client (UpstreamHttpClient). */
export interface UpstreamCircuit extends ObservedUpstream {
  readonly name: string;
  circuitState(): CircuitState;
}

/**
 * A subgraph's readiness: each upstream's circuit, and ready unless every one of them is open.
 * A subgraph with one upstream down still serves the fields that do not need it (and the
 * failing ones as typed UPSTREAM_* errors, quickly, while the circuit is open), so it stays
 * in service; only when no upstream can be reached has it nothing left to serve. An open
 * circuit reports `half-open` once its cool-down is over, so that readiness returns and
 * traffic can bring the probe that closes it.
 */
export function subgraphReadiness(upstreams: readonly UpstreamCircuit[]): Readiness {
  const circuits = upstreams.map((upstream) => ({
    name: upstream.name,
    circuit: upstream.circuitState(),
  }));
  const ready = circuits.length === 0 || circuits.some(({ circuit }) => circuit !== 'open');
  return { ready, body: { status: ready ? 'ok' : 'unavailable', upstreams: circuits } };
}

/**
 * Apollo Server that runs every request, DataLoader batches included, within the budget
 * the gateway stated for it (clamped to `maxMs`), for the upstream client to honour.
 */
export class DeadlineApolloServer<TContext extends BaseContext> extends ApolloServer<TContext> {
  constructor(
    config: ApolloServerOptions<TContext>,
    private readonly maxDeadlineMs: number,
  ) {
    super(config);
  }

  override executeHTTPGraphQLRequest(request: {
    httpGraphQLRequest: HTTPGraphQLRequest;
    context: ContextThunk<TContext>;
  }): Promise<HTTPGraphQLResponse> {
    const budget = budgetFromHeader(
      request.httpGraphQLRequest.headers.get(DEADLINE_HEADER),
      this.maxDeadlineMs,
    );
    // Counted only when the gateway asked for a cost report (cost-report.ts).
    const costs = costReportRequested(
      request.httpGraphQLRequest.headers.get(COST_REPORT_REQUEST_HEADER),
    )
      ? new UpstreamCostAccount()
      : undefined;
    return runWithDeadline(
      budget,
      () => super.executeHTTPGraphQLRequest(request),
      undefined,
      costs,
    );
  }
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
  'COST_LIMIT_EXCEEDED',
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
  // fiscal code, so say which variable and where, and drop the value.
  const refusedVariable = formatVariableError(formatted, error);
  if (refusedVariable) return refusedVariable;
  if (typeof code === 'string' && PASS_THROUGH_CODES.has(code)) return formatted;
  if (
    original instanceof GraphQLError &&
    original.extensions.code === undefined &&
    !original.originalError
  ) {
    // graphql-js execution errors (e.g. null for a non-null field) carry no secrets.
    return formatted;
  }
  // The gateway masks it again and gives the client the request id, which this record carries.
  logUnexpectedError(original);
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
  const upstreams = options.upstreams ?? [];
  const metrics = createSubgraphMetrics(options.name, upstreams);
  const server = new DeadlineApolloServer<TContext>(
    {
      schema,
      // Inline tracing (ftv1) costs CPU on every request that asks for it; nothing here wants it.
      plugins: [
        ApolloServerPluginInlineTraceDisabled(),
        // Apollo's default, stated: every answer says how long it may be cached, from the
        // @cacheControl hints of schema/<name>.graphql (no-store without one). The gateway
        // takes the minimum over its fetches for the response cache of public answers.
        ApolloServerPluginCacheControl({ calculateHttpHeaders: true, defaultMaxAge: 0 }),
        metrics.plugin<TContext>(),
        // Fills in each request's access record: operation, role, outcome.
        accessLogPlugin<TContext>({ roleOf: (context) => context.caller.principal.role }),
        costReportPlugin<TContext>(),
        policyRecheckPlugin<TContext>(extractPolicy(typeDefs)),
        ...(options.plugins ?? []),
      ],
      includeStacktraceInErrorResponses: false,
      // Our main.ts files own the process lifecycle and stop every layer in order.
      stopOnTerminationSignals: false,
      formatError: formatSubgraphError,
    },
    options.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS,
  );
  const callerOf = callerVerifier(options.trust.assertionKey);
  const running = await serveGraphQL({
    server,
    context: async (req) => options.context(await callerOf(req), req),
    port: options.port,
    host: options.host,
    // Internal like /readyz: a subgraph answers only the gateway (README, "Metrics").
    extraRoutes: metrics.route,
    logger: options.logger,
    tracing: options.tracing,
    // The gateway's request id and trace go on here.
    behindGateway: true,
    readiness: () => subgraphReadiness(upstreams),
  });
  return {
    ...running,
    async stop() {
      await running.stop();
      await options.onStop?.();
    },
  };
}
