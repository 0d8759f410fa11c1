import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/env.js';
import { readTrainingConfig } from './config.js';

describe('readTrainingConfig', () => {
  it('defaults to the local trio with a bearer dev token, 5-minute areas and 8 course requests', () => {
    expect(readTrainingConfig({})).toEqual({
      host: '127.0.0.1',
      port: 4004,
      requestDeadlineMs: 10_000,
      trio: {
        baseUrl: 'http://127.0.0.1:4104',
        credential: 'trio-dev-token',
        timeoutMs: 5000,
        connections: 16,
        retries: 2,
        retryBaseMs: 100,
        breakerFailures: 5,
        breakerCoolDownMs: 5000,
        maxResponseBytes: 33554432,
        areasMaxAgeMs: 300_000,
      },
      courseConcurrency: 8,
      minCellPeople: 5,
    });
  });

  it('reads the TRIO_ and TRAINING_ variables', () => {
    const config = readTrainingConfig({
      TRAINING_PORT: '5004',
      TRIO_URL: 'https://trio.example/',
      TRIO_CREDENTIAL: 'secret',
      TRIO_TIMEOUT_MS: '900',
      TRIO_CONNECTIONS: '4',
      TRIO_AREAS_MAX_AGE_MS: '0',
      TRIO_COURSE_CONCURRENCY: '3',
    });
    expect(config).toMatchObject({
      port: 5004,
      trio: {
        baseUrl: 'https://trio.example',
        credential: 'secret',
        timeoutMs: 900,
        connections: 4,
        areasMaxAgeMs: 0,
      },
      courseConcurrency: 3,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the variable and the bad value', () => {
    expect(() => readTrainingConfig({ TRIO_COURSE_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(() => readTrainingConfig({ TRIO_COURSE_CONCURRENCY: '0' })).toThrow(
      /TRIO_COURSE_CONCURRENCY="0"/,
    );
    expect(() => readTrainingConfig({ TRIO_AREAS_MAX_AGE_MS: 'soon' })).toThrow(
      /TRIO_AREAS_MAX_AGE_MS/,
    );
  });
});
