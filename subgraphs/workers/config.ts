// The workers subgraph's configuration, from the environment.
import type { Env } from '../../lib/env.js';
import {
  readListenConfig,
  readUpstreamConfig,
  type SubgraphProcessConfig,
  type UpstreamConfig,
} from '../shared/config.js';

export interface WorkersConfig extends SubgraphProcessConfig {
  idol: UpstreamConfig;
}

/** Reads WORKERS_PORT, HOST and IDOL_URL, IDOL_CREDENTIAL, IDOL_TIMEOUT_MS, IDOL_CONNECTIONS. */
export function readWorkersConfig(env: Env): Readonly<WorkersConfig> {
  return Object.freeze({
    ...readListenConfig(env, 'WORKERS_PORT', 4002),
    idol: readUpstreamConfig(env, 'IDOL', {
      url: 'http://127.0.0.1:4102',
      credential: 'idol-dev-key',
    }),
  });
}
