import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readEmployersConfig } from './config.js';
import { decodeCommunicationCursor, encodeCommunicationCursor } from './resolvers.js';

describe('readEmployersConfig', () => {
  it('defaults to the local co simulator', () => {
    expect(readEmployersConfig({})).toEqual({
      host: '127.0.0.1',
      port: 4003,
      requestDeadlineMs: 10_000,
      co: {
        baseUrl: 'http://127.0.0.1:4103',
        credential: 'co-dev-key',
        timeoutMs: 5000,
        connections: 16,
        retries: 2,
        retryBaseMs: 100,
        breakerFailures: 5,
        breakerCoolDownMs: 5000,
        maxResponseBytes: 33554432,
      },
      coConcurrency: 8,
      minCellPeople: 5,
    });
  });

  it('reads CO_* variables and names a bad one', () => {
    const config = readEmployersConfig({
      CO_URL: 'https://co.example/',
      CO_CREDENTIAL: 'k',
      EMPLOYERS_PORT: '0',
    });
    expect(config).toMatchObject({
      port: 0,
      co: { baseUrl: 'https://co.example', credential: 'k' },
    });
    expect(() => readEmployersConfig({ CO_CONCURRENCY: '0' })).toThrow(/CO_CONCURRENCY="0"/);
    expect(readEmployersConfig({ EMPLOYERS_MIN_CELL_PEOPLE: '10' }).minCellPeople).toBe(10);
    expect(() => readEmployersConfig({ EMPLOYERS_MIN_CELL_PEOPLE: '4' })).toThrow(
      /EMPLOYERS_MIN_CELL_PEOPLE="4"/,
    );
  });
});

describe('communication cursors', () => {
  it('round-trip any co cursor and skip', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ minLength: 1, maxLength: 200 }), { nil: undefined }),
        fc.integer({ min: 0, max: 500 }),
        (coCursor, skip) => {
          expect(decodeCommunicationCursor(encodeCommunicationCursor({ coCursor, skip }))).toEqual({
            coCursor,
            skip,
          });
        },
      ),
    );
  });

  it('refuses cursors of other lists and skips past co page cap', () => {
    expect(decodeCommunicationCursor(null)).toEqual({ coCursor: undefined, skip: 0 });
    for (const bad of [
      '',
      'not a cursor',
      Buffer.from('o:12').toString('base64url'),
      Buffer.from('c:501.x').toString('base64url'),
    ]) {
      expect(() => decodeCommunicationCursor(bad)).toThrow(
        expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } }),
      );
    }
  });
});
