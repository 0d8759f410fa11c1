// The gateway: serves the composed supergraph, fetching from the subgraphs over undici.
import { formatVariableError } from '../lib/variable-errors.js';
import { INCOMPLETE_DATA, valueCompletionPlugin } from './value-completion.js';
import { isAbsolute } from 'node:path';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { CryptoKey, KeyObject } from 'jose';
import { assertionSigner } from './assertion-signer.js';
import { keyFiles, loadPrivateKey } from '../lib/auth/keys.js';
import { extractPolicy } from '../lib/auth/policy.js';
import { isPurpose, PURPOSES } from '../lib/auth/principal.js';
import { createAuthenticator, type Authenticator } from './auth.js';
import { authorizationPlugin } from './authorization-plugin.js';
import { fiscalCodeVariablesPlugin } from './fiscal-code-variables.js';
import { operationResolutionPlugin } from './operation-resolution.js';
import type { GatewayContext } from './context.js';
import { Agent } from 'undici';
import { currentRequestId, serveGraphQL, type RunningHttpServer } from '../lib/graphql-http.js';
import { accessLogPlugin, logUnexpectedError, type Logger } from '../lib/log.js';
import type { Tracing } from '../lib/telemetry.js';
import { projectPath } from '../lib/project-files.js';
import type { GatewayConfig } from './config.js';
import {
  costModelFor,
  DEFAULT_SUPERGRAPH_PATH,
  readSupergraphFile,
  resolveSubgraphUrls,
} from './supergraph-file.js';
import { gatewayReadiness } from './readiness.js';
import { headerOf } from '../lib/request-scope.js';
import { addressBucket, clientAddress, trustedProxyList } from './client-address.js';
import { createIde } from './ide/index.js';
import {
  createSharedStore,
  IN_MEMORY,
  PERSISTED_QUERY_TTL_SECONDS,
  publicResponseCachePlugin,
  type SharedStoreConfig,
} from './shared-store/index.js';
import {
  COST_REPORT_HEADER,
  CostReport,
  costReportMode,
  costReportPlugin,
  planRefused,
} from './cost-report.js';
import { createGatewayMetrics } from './metrics.js';
import {
  deadlineClock,
  DEFAULT_REQUEST_DEADLINE_MS,
  SubgraphDataSource,
} from './subgraph-data-source.js';
import {
  DEFAULT_TRUSTED_DOCUMENTS_PATH,
  loadTrustedDocuments,
  manifestPathFor,
  NO_TRUSTED_DOCUMENTS,
  trustedDocumentsPlugin,
} from './trusted-documents.js';
import {
  boundedDocumentStore,
  clipMessage,
  costLimitPlugin,
  createCostEstimator,
  createResultSizeEstimator,
  DEFAULT_LIMITS,
  DEFAULT_MAX_TOKEN_LENGTH,
  documentLimitsPlugin,
  listSizePlugin,
  maxAliasesRule,
  maxDepthRule,
  maxDirectivesRule,
  maxFieldsRule,
  maxRootFieldsRule,
  rateLimitedError,
  rateLimitKey,
  registeredResultSizeCheck,
  resultSizePlugin,
  schemaDisclosurePlugin,
  type Limits,
  type RateLimitStore,
} from './limits/index.js';

export type LimitOverrides = Partial<Omit<Limits, 'rateLimit'>> & {
  rateLimit?: Partial<Limits['rateLimit']>;
};

export type GatewayOptions = Omit<
  GatewayConfig,
  | 'port'
  | 'host'
  | 'supergraphPath'
  | 'auth'
  | 'limits'
  | 'trustedDocumentsPath'
  | 'requestDeadlineMs'
  | 'metricsToken'
  | 'log'
  | 'telemetry'
  | 'ideEnabled'
  | 'sharedStore'
  | 'coalesceAnonymousFetches'
  | 'batchSubgraphFetches'
  | 'trustedProxies'
> & {
  /**
   * The reverse proxies whose X-Forwarded-For names anonymous callers (TRUSTED_PROXIES).
   * Default none.
   */
  trustedProxies?: readonly string[];
  /**
   * Whether anonymous callers' identical subgraph fetches in flight share one request
   * (COALESCE_ANONYMOUS_FETCHES). Default true.
   */
  coalesceAnonymousFetches?: boolean;
  /**
   * Whether a request's fetches to one subgraph that start together go as one request
   * (BATCH_SUBGRAPH_FETCHES). Default true.
   */
  batchSubgraphFetches?: boolean;
  /** The bearer token `/metrics` wants (METRICS_TOKEN); default none: no `/metrics`. */
  metricsToken?: string | null;
  /** GraphiQL for browsers at `/` (gateway/ide/; IDE_ENABLED). Default true. */
  ideEnabled?: boolean;
  port?: number;
  host?: string;
  /** The whole client request's budget (GATEWAY_REQUEST_DEADLINE_MS). Default 10 s. */
  requestDeadlineMs?: number;
  supergraphPath?: string;
  /** Default: gateway/trusted-documents.json. */
  trustedDocumentsPath?: string;
  /** Defaults: DEFAULT_LIMITS (gateway/limits/index.ts). */
  limits?: LimitOverrides;
  /** Where rate-limit buckets live; default in memory, sized by `limits.rateLimit`. */
  rateLimitStore?: RateLimitStore;
  /** Where access records and unexpected errors go (lib/log.ts). Default: nowhere. */
  logger?: Logger;
  /** The gateway's traces (lib/telemetry.ts); its owner shuts it down. Default: none. */
  tracing?: Tracing | null;
  /** Persisted queries, public responses and rate limits: in Redis, or (default) in memory. */
  sharedStore?: SharedStoreConfig;
};

function resolveLimits(overrides: LimitOverrides = {}): Limits {
  return {
    ...DEFAULT_LIMITS,
    ...overrides,
    rateLimit: { ...DEFAULT_LIMITS.rateLimit, ...overrides.rateLimit },
  };
}

/** Error codes the gateway lets through to clients; anything else is masked. */
const CLIENT_VISIBLE_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'PAYLOAD_TOO_LARGE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'UPSTREAM_REJECTED',
  'SUBGRAPH_UNAVAILABLE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PURPOSE_REQUIRED',
  'AUDIT_UNAVAILABLE',
  'RATE_LIMITED',
  'COST_LIMIT_EXCEEDED',
  'OPERATION_NOT_REGISTERED',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  INCOMPLETE_DATA,
]);

/**
 * Extension keys our own errors set for clients: which upstream, which fields, which purposes,
 * which limit (and the value found), which argument, the cost estimate, when to retry.
 */
const CLIENT_VISIBLE_EXTENSIONS = [
  'upstream',
  'fields',
  'allowedPurposes',
  'limit',
  'argument',
  'cost',
  'retryAfter',
  'field',
] as const;

/**
 * Keeps what a client can act on (message, path, code, which upstream) and masks the rest:
 * the gateway never passes through subgraph URLs, stack traces or unexpected messages. A
 * masked error carries the request id (also in the `x-request-id` header) so that operators
 * can find what happened in the logs.
 */
export function formatGatewayError(
  formatted: GraphQLFormattedError,
  error?: unknown,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  // A refused variable's value is the client's input (a fiscal code, say): never repeated.
  const refusedVariable = formatVariableError(formatted, error);
  if (refusedVariable) return refusedVariable;
  if (typeof code === 'string' && CLIENT_VISIBLE_CODES.has(code)) {
    const extensions: Record<string, unknown> = { code };
    for (const key of CLIENT_VISIBLE_EXTENSIONS) {
      if (formatted.extensions?.[key] !== undefined) extensions[key] = formatted.extensions[key];
    }
    return {
      // A refusal may quote what the client sent: never more than a short piece of it.
      message: clipMessage(formatted.message),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions,
    };
  }
  // The client gets only the request id to quote; the error goes to the log, redacted.
  logUnexpectedError(error ?? formatted);
  const requestId = currentRequestId();
  return {
    message: 'Internal error',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
  };
}

export interface GatewaySecurity {
  /** Verifies client tokens. */
  authenticate: Authenticator;
  /** Signs the gateway's assertions to the subgraphs (Ed25519 private key). */
  assertionKey: CryptoKey | KeyObject | Uint8Array;
}

/** Loads the security material named by the configuration (the development keys by default). */
export async function loadGatewaySecurity(auth: GatewayConfig['auth']): Promise<GatewaySecurity> {
  const root = isAbsolute(auth.keysDir) ? auth.keysDir : projectPath(auth.keysDir);
  return {
    authenticate: createAuthenticator({
      jwksUrl: auth.jwksUrl,
      jwksFile: auth.jwksUrl ? null : keyFiles(root, 'token-signing').publicFile,
      issuer: auth.issuer,
      audience: auth.audience,
    }),
    assertionKey: (await loadPrivateKey(keyFiles(root, 'assertion').privateFile)).key,
  };
}

export async function createGateway(
  options: GatewayOptions,
  security: GatewaySecurity,
): Promise<RunningHttpServer> {
  // Ours or any Federation 2 supergraph; anything else stops the gateway with the reason.
  const supergraphPath = options.supergraphPath ?? DEFAULT_SUPERGRAPH_PATH;
  const supergraphFile = readSupergraphFile(supergraphPath);
  const urls = resolveSubgraphUrls(supergraphFile, options.subgraphUrls, supergraphPath);
  const policy = extractPolicy(supergraphFile.document);
  const limits = resolveLimits(options.limits);
  const executableSupergraphSdl = supergraphFile.executableSdl;
  // Refused by the parser itself, with 400 GRAPHQL_PARSE_FAILED, before any document is built.
  const parseOptions = { maxTokens: limits.maxTokens };
  // Each failure is GRAPHQL_VALIDATION_FAILED (Apollo's code for every validation rule) with
  // `extensions.limit` saying which limit, its maximum and the value found. Linear in the
  // document, they run before graphql-js's own rules (documentLimitsPlugin), not among them.
  const validationRules = [
    maxDepthRule({ maxDepth: limits.maxDepth }),
    maxAliasesRule({ maxAliases: limits.maxAliases }),
    maxRootFieldsRule({ maxRootFields: limits.maxRootFields }),
    maxDirectivesRule({ maxDirectives: limits.maxDirectives }),
    maxFieldsRule({ maxFields: limits.maxFields }),
  ];
  // The result-size estimate reads the supergraph's @listSize once, here; the plugin below and
  // the manifest check share it (and its cache of estimates).
  const resultSize = createResultSizeEstimator(executableSupergraphSdl, {
    ...(limits.defaultListSize !== undefined ? { defaultListSize: limits.defaultListSize } : {}),
  });
  const apiSchema = supergraphFile.supergraph.apiSchema().toGraphQLJSSchema();
  // Checked before anything listens: a manifest with an operation the graph (or a limit)
  // would refuse stops the gateway with every problem listed. A registered operation's
  // variables are the partner's: its result size is checked for any the gateway accepts.
  const manifestPath = manifestPathFor(
    options.trustedDocumentsPath ?? DEFAULT_TRUSTED_DOCUMENTS_PATH,
    supergraphFile.isProjectGraph,
  );
  const trustedDocuments =
    manifestPath === null
      ? NO_TRUSTED_DOCUMENTS
      : loadTrustedDocuments(manifestPath, {
          schema: apiSchema,
          validationRules,
          parseOptions,
          checks: [
            registeredResultSizeCheck({
              estimator: resultSize,
              schema: apiSchema,
              maxResultSize: limits.maxResultSize,
              maxListSize: limits.maxListSize,
            }),
          ],
        });
  // Made here rather than inside the plugins, so that metrics can read their caches' counts.
  const costEstimator = createCostEstimator(executableSupergraphSdl, {
    model: costModelFor(supergraphFile),
  });
  const documentStore = boundedDocumentStore();
  // Connected (or not: Redis is optional to serving) before anything listens; closed on stop.
  const shared = await createSharedStore({
    ...(options.sharedStore ?? IN_MEMORY),
    rateLimit: limits.rateLimit,
    logger: options.logger,
  });
  const metrics = createGatewayMetrics({
    knownOperationNames: trustedDocuments.operationNames,
    knownCodes: new Set([...CLIENT_VISIBLE_CODES, 'INTERNAL_SERVER_ERROR']),
    caches: {
      cost_estimate: () => costEstimator.stats(),
      result_size: () => resultSize.stats(),
      document: () => documentStore.stats(),
      ...shared.stats,
    },
    token: options.metricsToken ?? null,
  });
  const rateLimits = options.rateLimitStore ?? shared.rateLimits;
  const proxies = options.trustedProxies?.length ? trustedProxyList(options.trustedProxies) : null;
  const agent = new Agent({
    connections: options.subgraphConnections,
    keepAliveTimeout: 30_000,
    headersTimeout: options.subgraphTimeoutMs,
    bodyTimeout: options.subgraphTimeoutMs,
  });
  const requestDeadlineMs = options.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;
  const sign = assertionSigner(security.assertionKey, { maxRequestMs: requestDeadlineMs });
  const gateway = new ApolloGateway({
    supergraphSdl: executableSupergraphSdl,
    // On by default outside production: a client header would get the query plan back,
    // subgraph names and internal field names included.
    __exposeQueryPlanExperimental: false,
    buildService({ name, url }) {
      // resolveSubgraphUrls gives every subgraph of the file a URL, configured or its own.
      const subgraphUrl = (urls as Record<string, string | undefined>)[name] ?? url;
      if (subgraphUrl === undefined) throw new Error(`no URL for subgraph ${name}`);
      return new SubgraphDataSource({
        url: subgraphUrl,
        dispatcher: agent,
        coalesceAnonymous: options.coalesceAnonymousFetches ?? true,
        batch: options.batchSubgraphFetches ?? true,
        sign,
        requestDeadlineMs,
        subgraphName: name,
        onFetch: metrics.fetched,
      });
    },
  });
  let supergraphLoaded = false;
  gateway.onSchemaLoadOrUpdate(() => {
    supergraphLoaded = true;
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    parseOptions,
    // Parsed and validated documents, bounded by an estimate that counts their token lists:
    // Apollo's default (30 MiB by their JSON, which leaves the tokens out) could keep about
    // 115 MiB of heap. See limits/document-store.ts.
    documentStore,
    // Shared by the replicas when Redis is configured: a query registered at one is known to
    // all. Partners never reach it (trustedDocumentsPlugin takes their ids off first).
    persistedQueries: { cache: shared.persistedQueries, ttl: PERSISTED_QUERY_TTL_SECONDS },
    // Both are Apollo's defaults today; stated so that an upgrade cannot change them silently.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Decided per caller by schemaDisclosurePlugin, not for the whole server.
    introspection: true,
    // Order matters for which refusal a client sees first: shape and size limits, then who
    // may read what, then the result size (a walk of the document), then the cost (which
    // plans the operation, the dearest check).
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      // Apollo's landing page loads from its CDN: browsers get the IDE (gateway/ide/) or nothing.
      ApolloServerPluginLandingPageDisabled(),
      // Counts every request, refused ones included (gateway/metrics.ts).
      metrics.plugin<GatewayContext>(),
      // Fills in each request's access record: operation, role, outcome, subgraph fetches.
      accessLogPlugin<GatewayContext>({
        roleOf: (context) => context.principal.role,
        countSubgraphFetches: true,
      }),
      // A null that spread from an unresolved reference is an error the client sees.
      valueCompletionPlugin<GatewayContext>(),
      // First: a partner's unregistered request meets no other check (and is never parsed).
      trustedDocumentsPlugin(trustedDocuments),
      // Before Apollo parses the text: syntax and token caps, token lengths, then the shape
      // limits, so that a document they refuse never reaches graphql-js's dearer rules.
      documentLimitsPlugin<GatewayContext>({
        parseOptions,
        maxTokenLength: limits.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH,
        rules: validationRules,
      }),
      operationResolutionPlugin<GatewayContext>(),
      schemaDisclosurePlugin<GatewayContext>({
        disclose: (context) => context.principal.role !== 'public',
      }),
      listSizePlugin<GatewayContext>({ maxListSize: limits.maxListSize }),
      fiscalCodeVariablesPlugin<GatewayContext>(),
      authorizationPlugin(policy),
      // Before planning: an operation answering more objects than this is refused without a plan.
      resultSizePlugin<GatewayContext>({
        estimator: resultSize,
        maxResultSize: limits.maxResultSize,
      }),
      costLimitPlugin<GatewayContext>({
        supergraphSdl: executableSupergraphSdl,
        maxCost: limits.maxCost,
        estimator: costEstimator,
      }),
      // A persisted query is registered only within the caller's quota (Apollo writes it once
      // every didResolveOperation hook has settled; registration-quota.ts).
      shared.registrationQuota,
      // Last: a plan is shown only for an operation every check above accepted.
      costReportPlugin({ estimator: costEstimator }),
      // Anonymous callers' public answers, kept as the subgraphs' cache hints allow; served
      // only once every check above has passed (responseForOperation).
      ...publicResponseCachePlugin(shared.responses),
    ],
    includeStacktraceInErrorResponses: false,
    // Our main.ts files own the process lifecycle and stop every layer in order.
    stopOnTerminationSignals: false,
    formatError: formatGatewayError,
  });
  // Its files are read here, once: a missing one stops the gateway's start.
  const ide = (options.ideEnabled ?? true) ? createIde() : null;
  const running = await serveGraphQL<GatewayContext>({
    server,
    context: async (req, requestId) => {
      // The budget starts when the request is taken up, before authentication and planning.
      const deadline = deadlineClock() + requestDeadlineMs;
      const principal = await security.authenticate(headerOf(req, 'authorization'));
      // As soon as the caller is known, before the document is even parsed.
      const callerKey = rateLimitKey(principal, addressBucket(clientAddress(req, proxies)));
      const decision = await rateLimits.take(callerKey);
      if (!decision.allowed) throw rateLimitedError(decision.retryAfterSeconds);
      const declared = headerOf(req, 'x-purpose');
      if (declared !== undefined && !isPurpose(declared)) {
        throw new GraphQLError(`x-purpose must be one of ${PURPOSES.join(', ')}`, {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
      // The plan shows subgraphs and internal structure, like introspection: signed-in only.
      const costReport = costReportMode(headerOf(req, COST_REPORT_HEADER));
      if (costReport === 'plan' && principal.role === 'public') throw planRefused();
      return {
        principal,
        callerKey,
        requestId,
        purpose: declared ?? null,
        operation: { name: null, hash: null },
        deadline,
        ...(costReport ? { costReport: new CostReport(costReport) } : {}),
      };
    },
    port: options.port,
    host: options.host,
    maxBodyBytes: options.maxBodyBytes,
    maxVariablesBytes: limits.maxVariablesBytes,
    logger: options.logger,
    tracing: options.tracing,
    // The IDE's page (GET `/` from a browser) and its files; `/metrics` only with METRICS_TOKEN,
    // and only for a scraper presenting it (README "Metrics").
    extraRoutes: ide
      ? (req, res, path) => ide.route(req, res, path) || metrics.route(req, res, path)
      : metrics.route,
    // 503 until the supergraph is loaded; then 200 whatever the subgraphs say (readiness.ts).
    readiness: gatewayReadiness({
      supergraphLoaded: () => supergraphLoaded,
      subgraphUrls: urls,
      dispatcher: agent,
      // Another graph's subgraphs may have no /readyz: asked for `{ __typename }` instead.
      probe: supergraphFile.isProjectGraph ? 'readyz' : 'typename',
    }),
  }).catch(async (error: unknown) => {
    await shared.close();
    throw error;
  });
  return {
    ...running,
    async stop() {
      await running.stop();
      await agent.close();
      await shared.close();
    },
  };
}
