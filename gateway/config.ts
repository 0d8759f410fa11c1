// The gateway's configuration, from the environment.
import { envInt, envString, envUrl, type Env } from '../lib/env.js';

/** Issuer and audience of the development tokens minted by `npm run token`. */
export const DEV_TOKEN_ISSUER = 'prato-graph-dev';
export const DEV_TOKEN_AUDIENCE = 'prato-graph';

export type SubgraphUrls = Readonly<Record<'desks' | 'workers' | 'employers' | 'training', string>>;

export interface GatewayConfig {
  host: string;
  port: number;
  /** Path of the supergraph SDL file; relative paths are taken from the project root. */
  supergraphPath: string;
  /** Where each subgraph of the supergraph is served; overrides the URLs in the file. */
  subgraphUrls: SubgraphUrls;
  /** Deadline for one subgraph fetch. */
  subgraphTimeoutMs: number;
  /** Connections kept open to each subgraph. */
  subgraphConnections: number;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  auth: {
    /** The identity provider's JWKS URL; when null, the local development key set is used. */
    jwksUrl: string | null;
    /** Folder of the development keys (token signing, gateway assertions). */
    keysDir: string;
    issuer: string;
    audience: string;
  };
}

export function readGatewayConfig(env: Env): Readonly<GatewayConfig> {
  return Object.freeze({
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envInt(env, 'GATEWAY_PORT', 4000, { max: 65535 }),
    supergraphPath: envString(env, 'SUPERGRAPH_PATH', 'schema/supergraph.graphql'),
    subgraphUrls: Object.freeze({
      desks: envUrl(env, 'DESKS_SUBGRAPH_URL', 'http://127.0.0.1:4001/graphql'),
      workers: envUrl(env, 'WORKERS_SUBGRAPH_URL', 'http://127.0.0.1:4002/graphql'),
      employers: envUrl(env, 'EMPLOYERS_SUBGRAPH_URL', 'http://127.0.0.1:4003/graphql'),
      training: envUrl(env, 'TRAINING_SUBGRAPH_URL', 'http://127.0.0.1:4004/graphql'),
    }),
    subgraphTimeoutMs: envInt(env, 'SUBGRAPH_TIMEOUT_MS', 10_000, { min: 1 }),
    subgraphConnections: envInt(env, 'SUBGRAPH_CONNECTIONS', 32, { min: 1, max: 1024 }),
    maxBodyBytes: envInt(env, 'MAX_BODY_BYTES', 1_000_000, { min: 1024 }),
    auth: Object.freeze({
      jwksUrl: env.AUTH_JWKS_URL ? envUrl(env, 'AUTH_JWKS_URL', '') : null,
      keysDir: envString(env, 'KEYS_DIR', 'data/keys'),
      issuer: envString(env, 'AUTH_ISSUER', DEV_TOKEN_ISSUER),
      audience: envString(env, 'AUTH_AUDIENCE', DEV_TOKEN_AUDIENCE),
    }),
  });
}
