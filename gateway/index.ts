// The gateway: serves the composed supergraph, fetching from the subgraphs over undici.
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { GraphQLFormattedError } from 'graphql';
import { Agent, fetch as undiciFetch } from 'undici';
import { serveGraphQL, type RunningHttpServer } from '../lib/graphql-http.js';
import { projectPath } from '../lib/project-files.js';
import type { GatewayConfig, SubgraphUrls } from './config.js';
import { SubgraphDataSource } from './subgraph-data-source.js';

export type GatewayOptions = Omit<GatewayConfig, 'port' | 'host' | 'supergraphPath'> & {
  port?: number;
  host?: string;
  supergraphPath?: string;
};

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
]);

/**
 * Keeps what a client can act on (message, path, code, which upstream) and masks the rest:
 * the gateway never passes through subgraph URLs, stack traces or unexpected messages.
 */
export function formatGatewayError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_VISIBLE_CODES.has(code)) {
    const upstream = formatted.extensions?.upstream;
    return {
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: typeof upstream === 'string' ? { code, upstream } : { code },
    };
  }
  return {
    message: 'Internal error',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

export function loadSupergraph(path: string): string {
  return readFileSync(isAbsolute(path) ? path : projectPath(path), 'utf8');
}

export async function createGateway(options: GatewayOptions): Promise<RunningHttpServer> {
  const supergraphSdl = loadSupergraph(options.supergraphPath ?? 'schema/supergraph.graphql');
  const agent = new Agent({
    connections: options.subgraphConnections,
    keepAliveTimeout: 30_000,
    headersTimeout: options.subgraphTimeoutMs,
    bodyTimeout: options.subgraphTimeoutMs,
  });
  const fetcher = ((url: string, init: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(url, { ...init, dispatcher: agent })) as unknown as Fetcher;
  const urls: SubgraphUrls = options.subgraphUrls;
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService({ name, url }) {
      const configured = (urls as Record<string, string | undefined>)[name];
      return new SubgraphDataSource({ url: configured ?? url, fetcher });
    },
  });
  const server = new ApolloServer({
    gateway,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    includeStacktraceInErrorResponses: false,
    // Our main.ts files own the process lifecycle and stop every layer in order.
    stopOnTerminationSignals: false,
    formatError: formatGatewayError,
  });
  const running = await serveGraphQL({
    server,
    context: () => Promise.resolve({}),
    port: options.port,
    host: options.host,
    maxBodyBytes: options.maxBodyBytes,
  });
  return {
    ...running,
    async stop() {
      await running.stop();
      await agent.close();
    },
  };
}
