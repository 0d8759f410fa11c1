// The desks subgraph's configuration, from the environment.
import { envInt, type Env } from '../../lib/env.js';
import {
  readListenConfig,
  readUpstreamConfig,
  type SubgraphProcessConfig,
} from '../shared/config.js';
import { readMinCellPeople } from '../shared/suppression.js';
import type { RegistryClientOptions } from './client.js';

export interface DesksConfig extends SubgraphProcessConfig {
  registry: RegistryClientOptions;
  /** Activity cells counting fewer are suppressed; default 5 (SECURITY.md). */
  minCellPeople?: number;
}

export function readDesksConfig(env: Env): Readonly<DesksConfig> {
  return Object.freeze({
    ...readListenConfig(env, 'DESKS_PORT', 4001),
    registry: {
      ...readUpstreamConfig(env, 'REGISTRY', {
        url: 'http://127.0.0.1:4101',
        credential: 'registry-dev-key',
      }),
      documentMaxAgeMs: envInt(env, 'REGISTRY_MAX_AGE_MS', 60_000),
    },
    minCellPeople: readMinCellPeople(env, 'DESKS'),
  });
}
