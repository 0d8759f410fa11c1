// The limits as gateway/config.ts reads them from the environment.
import { describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../config.js';
import { DEFAULT_LIMITS } from './index.js';

describe('limits configuration', () => {
  it("defaults to SECURITY.md's limits", () => {
    expect(readGatewayConfig({}).limits).toEqual({
      maxTokens: 2000,
      maxDepth: 10,
      maxAliases: 15,
      maxRootFields: 10,
      maxDirectives: 20,
      maxFields: 2000,
      maxListSize: 500,
      maxVariablesBytes: 100_000,
      maxCost: 5000,
      maxResultSize: 50_000,
      rateLimit: { perSecond: 10, burst: 100 },
    });
    expect(readGatewayConfig({}).limits).toEqual(DEFAULT_LIMITS);
  });

  it('reads each limit from its variable', () => {
    const { limits } = readGatewayConfig({
      MAX_DEPTH: '12',
      MAX_COST: '800',
      MAX_RESULT_SIZE: '20000',
      RATE_LIMIT_PER_SECOND: '0.5',
      RATE_LIMIT_BURST: '20',
    });
    expect(limits).toMatchObject({
      maxDepth: 12,
      maxCost: 800,
      maxResultSize: 20_000,
      rateLimit: { perSecond: 0.5, burst: 20 },
    });
  });

  it('names the variable and the bad value', () => {
    expect(() => readGatewayConfig({ MAX_ALIASES: 'many' })).toThrow(
      'MAX_ALIASES="many" is not valid: expected an integer from 1 to 9007199254740991',
    );
    expect(() => readGatewayConfig({ RATE_LIMIT_PER_SECOND: '0' })).toThrow(
      'RATE_LIMIT_PER_SECOND="0" is not valid',
    );
  });
});
