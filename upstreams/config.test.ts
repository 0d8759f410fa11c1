import { describe, expect, it } from 'vitest';
import { ConfigError, readUpstreamsConfig } from './config.js';

describe('readUpstreamsConfig', () => {
  it('gives the development defaults for an empty environment', () => {
    expect(readUpstreamsConfig({})).toEqual({
      dataDir: 'data/default',
      seed: 2010,
      scale: 1,
      latencyMs: 0,
      credentials: {
        registry: 'registry-dev-key',
        idol: 'idol-dev-key',
        co: 'co-dev-key',
        trio: 'trio-dev-token',
      },
    });
  });

  it('reads every variable', () => {
    const config = readUpstreamsConfig({
      UPSTREAM_DATA_DIR: '/srv/data',
      DATASET_SEED: '7',
      DATASET_SCALE: '0.05',
      UPSTREAM_LATENCY_MS: '25',
      REGISTRY_API_KEY: 'registry-secret',
      IDOL_API_KEY: 'idol-secret',
      CO_API_KEY: 'co-secret-key',
      TRIO_TOKEN: 'trio-secret',
    });
    expect(config).toMatchObject({ dataDir: '/srv/data', seed: 7, scale: 0.05, latencyMs: 25 });
    expect(config.credentials).toEqual({
      registry: 'registry-secret',
      idol: 'idol-secret',
      co: 'co-secret-key',
      trio: 'trio-secret',
    });
  });

  it('returns a frozen object', () => {
    const config = readUpstreamsConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.credentials)).toBe(true);
  });

  it.each([
    ['DATASET_SEED', '-1'],
    ['DATASET_SEED', 'abc'],
    ['DATASET_SCALE', '0'],
    ['DATASET_SCALE', '11'],
    ['DATASET_SCALE', '1e3'],
    ['UPSTREAM_LATENCY_MS', '2.5'],
  ])('names the variable and the bad value: %s=%s', (name, value) => {
    expect(() => readUpstreamsConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readUpstreamsConfig({ [name]: value })).toThrow(`${name}: `);
    expect(() => readUpstreamsConfig({ [name]: value })).toThrow(JSON.stringify(value));
  });

  it('refuses a malformed credential without echoing it', () => {
    let error: unknown;
    try {
      readUpstreamsConfig({ CO_API_KEY: 'has space in it' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^CO_API_KEY: /);
    expect((error as Error).message).not.toContain('has space');
  });
});
