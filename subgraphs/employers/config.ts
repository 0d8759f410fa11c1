// The employers subgraph's configuration, from the environment.
import { envInt, type Env } from '../../lib/env.js';
import {
  readListenConfig,
  readUpstreamConfig,
  type SubgraphProcessConfig,
  type UpstreamConfig,
} from '../shared/config.js';
import { readMinCellPeople } from '../shared/suppression.js';

export interface EmployersConfig extends SubgraphProcessConfig {
  co: UpstreamConfig;
  /**
   * co requests in flight at once per loader for reads that cost one request per key
   * (an employer's communication pages or vacancies, searches). co rate-limits per key:
   * keep this well under its quota.
   */
  coConcurrency: number;
  /** Flow cells counting fewer distinct workers are suppressed (at least 5; absent: 5). */
  minCellPeople?: number;
}

export function readEmployersConfig(env: Env): Readonly<EmployersConfig> {
  return Object.freeze({
    ...readListenConfig(env, 'EMPLOYERS_PORT', 4003),
    co: readUpstreamConfig(env, 'CO', { url: 'http://127.0.0.1:4103', credential: 'co-dev-key' }),
    coConcurrency: envInt(env, 'CO_CONCURRENCY', 8, { min: 1, max: 256 }),
    minCellPeople: readMinCellPeople(env, 'EMPLOYERS'),
  });
}
