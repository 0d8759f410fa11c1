// The configuration every subgraph shares: where it listens and how it reaches its upstream.
import { envInt, envString, envUrl, type Env } from '../../lib/env.js';

export interface UpstreamConfig {
  /** Base URL of the upstream system, no trailing slash. */
  baseUrl: string;
  /** The credential for it. */
  credential: string;
  /** Deadline for one upstream request. */
  timeoutMs: number;
  /** Connections kept open to it. */
  connections: number;
}

export interface SubgraphProcessConfig {
  host: string;
  port: number;
}

export function readListenConfig(
  env: Env,
  portVariable: string,
  defaultPort: number,
): SubgraphProcessConfig {
  return {
    host: envString(env, 'HOST', '127.0.0.1'),
    port: envInt(env, portVariable, defaultPort, { max: 65535 }),
  };
}

/** Reads `<PREFIX>_URL`, `<PREFIX>_CREDENTIAL`, `<PREFIX>_TIMEOUT_MS`, `<PREFIX>_CONNECTIONS`. */
export function readUpstreamConfig(
  env: Env,
  prefix: string,
  defaults: { url: string; credential: string },
): UpstreamConfig {
  return {
    baseUrl: envUrl(env, `${prefix}_URL`, defaults.url),
    credential: envString(env, `${prefix}_CREDENTIAL`, defaults.credential),
    timeoutMs: envInt(
      env,
      `${prefix}_TIMEOUT_MS`,
      envInt(env, 'UPSTREAM_TIMEOUT_MS', 5000, { min: 1 }),
      { min: 1 },
    ),
    connections: envInt(env, `${prefix}_CONNECTIONS`, 16, { min: 1, max: 1024 }),
  };
}

/** Where the gateway's public assertion key is read from (a JWK set file). */
export function readAssertionKeyFile(env: Env): string {
  return envString(
    env,
    'GATEWAY_ASSERTION_KEY_FILE',
    `${envString(env, 'KEYS_DIR', 'data/keys')}/assertion.public.jwk.json`,
  );
}
