// The training subgraph's configuration, from the environment.
import { envInt, type Env } from '../../lib/env.js';
import {
  readListenConfig,
  readUpstreamConfig,
  type SubgraphProcessConfig,
} from '../shared/config.js';
import { DEFAULT_AREAS_MAX_AGE_MS, type TrioClientOptions } from './client.js';
import { DEFAULT_COURSE_CONCURRENCY } from './loaders.js';
import { readMinCellPeople } from '../shared/suppression.js';

export interface TrainingConfig extends SubgraphProcessConfig {
  trio: TrioClientOptions;
  /** Most GET /v1/corsi/{id} in flight at once for one GraphQL request (trio has no batch form). */
  courseConcurrency: number;
  /** Usage cells counting fewer distinct people are suppressed (at least 5; absent: 5). */
  minCellPeople?: number;
}

export function readTrainingConfig(env: Env): Readonly<TrainingConfig> {
  return Object.freeze({
    ...readListenConfig(env, 'TRAINING_PORT', 4004),
    trio: {
      ...readUpstreamConfig(env, 'TRIO', {
        url: 'http://127.0.0.1:4104',
        credential: 'trio-dev-token',
      }),
      areasMaxAgeMs: envInt(env, 'TRIO_AREAS_MAX_AGE_MS', DEFAULT_AREAS_MAX_AGE_MS),
    },
    courseConcurrency: envInt(env, 'TRIO_COURSE_CONCURRENCY', DEFAULT_COURSE_CONCURRENCY, {
      min: 1,
      max: 64,
    }),
    minCellPeople: readMinCellPeople(env, 'TRAINING'),
  });
}
