// REDIS_URL, REDIS_KEY_PREFIX, REDIS_KEY_SECRET, RESPONSE_CACHE and
// PERSISTED_QUERY_REGISTRATIONS_PER_HOUR: validated, and never echoed when secret.
import { describe, expect, it } from 'vitest';
import { readSharedStore } from '../config.js';

const SECRET = 'k'.repeat(32);

describe('readSharedStore', () => {
  it('keeps everything in memory without REDIS_URL', () => {
    expect(readSharedStore({})).toEqual({
      redisUrl: null,
      keyPrefix: 'prato-graph:',
      keySecret: null,
      responseCache: true,
      registrationsPerHour: 100,
    });
  });

  it('reads a Redis URL, its prefix and secret', () => {
    expect(
      readSharedStore({
        REDIS_URL: 'rediss://gateway:pw@redis.internal:6380/2',
        REDIS_KEY_PREFIX: 'prato-graph-test:',
        REDIS_KEY_SECRET: SECRET,
        RESPONSE_CACHE: 'false',
        PERSISTED_QUERY_REGISTRATIONS_PER_HOUR: '20',
      }),
    ).toEqual({
      redisUrl: 'rediss://gateway:pw@redis.internal:6380/2',
      keyPrefix: 'prato-graph-test:',
      keySecret: SECRET,
      responseCache: false,
      registrationsPerHour: 20,
    });
    expect(() => readSharedStore({ PERSISTED_QUERY_REGISTRATIONS_PER_HOUR: '0' })).toThrow(
      /PERSISTED_QUERY_REGISTRATIONS_PER_HOUR/,
    );
  });

  it('refuses a URL that is not redis:// or rediss://, without repeating it (it may hold a password)', () => {
    for (const url of ['http://user:hunter2@redis:6379', 'redis//hunter2', 'redis://']) {
      let message = '';
      try {
        readSharedStore({ REDIS_URL: url, REDIS_KEY_SECRET: SECRET });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe(
        'REDIS_URL is not valid: expected redis://[user:password@]host[:port][/db] or rediss://...',
      );
    }
  });

  it('wants a secret of 32 characters or more with a URL, and never repeats it', () => {
    expect(() => readSharedStore({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      'REDIS_KEY_SECRET is not valid: with REDIS_URL, expected 32 or more characters',
    );
    expect(() =>
      readSharedStore({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_SECRET: 'too-short' }),
    ).toThrow(/^REDIS_KEY_SECRET is not valid: with REDIS_URL, expected 32 or more characters$/);
  });

  it('refuses a prefix with spaces or other characters, naming it', () => {
    expect(() => readSharedStore({ REDIS_KEY_PREFIX: 'prato graph' })).toThrow(
      'REDIS_KEY_PREFIX="prato graph" is not valid: expected 1 to 64 letters, digits or . _ : -',
    );
  });
});
