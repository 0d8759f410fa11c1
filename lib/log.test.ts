import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './env.js';
import type { IncomingMessage } from 'node:http';
import { runInRequestScope } from './request-scope.js';
import {
  createLogger,
  logUnexpectedError,
  loggedError,
  loggedOperationName,
  prettyLine,
  readLogConfig,
  redact,
} from './log.js';

/** A destination that keeps each record pino writes. */
function capture(): {
  lines: string[];
  records: () => Record<string, unknown>[];
  write(s: string): void;
} {
  const lines: string[] = [];
  return {
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    write(s: string) {
      lines.push(s);
    },
  };
}

// Invented codes (the checker of test output knows them from the dataset's people only).
const CODE = 'RSSMRA85T10A562S';
const OMOCODIA = 'RSSMRA85T10A56NS';

describe('redact', () => {
  it('removes fiscal codes in any case, inside other text, omocodia included', () => {
    expect(redact(`worker ${CODE} not found`)).toBe('worker [fiscal-code] not found');
    expect(redact(`/v1/lavoratori/${CODE.toLowerCase()}?x=1`)).toBe(
      '/v1/lavoratori/[fiscal-code]?x=1',
    );
    expect(redact(`cf=${OMOCODIA},${CODE}`)).toBe('cf=[fiscal-code],[fiscal-code]');
    expect(redact(`"x${CODE}y"`)).toBe('"x[fiscal-code]y"');
  });

  it('removes partite IVA (11 digits) but not longer numbers such as timestamps', () => {
    expect(redact('employer 01234567897 refused')).toBe('employer [partita-iva] refused');
    expect(redact('piva=01234567897&')).toBe('piva=[partita-iva]&');
    expect(redact('at 1764160000000 ms')).toBe('at 1764160000000 ms');
    expect(redact('port 4103')).toBe('port 4103');
  });

  it('removes e-mail addresses', () => {
    expect(redact('sent to mario.rossi+cv@example.it today')).toBe('sent to [email] today');
  });

  it('keeps text without personal data as it is, clipped to a bounded length', () => {
    expect(redact('co timed out after 5000 ms')).toBe('co timed out after 5000 ms');
    expect(redact('x'.repeat(10_000))).toHaveLength(2000);
  });
});

describe('loggedError', () => {
  it('describes the error a GraphQL error wraps: its class and redacted message and stack', () => {
    class DecodeError extends Error {}
    const wrapped = new GraphQLError('Unexpected error.', {
      originalError: new DecodeError(`bad record for ${CODE}`, { cause: new TypeError('x') }),
    });
    const logged = loggedError(wrapped);
    expect(logged.class).toBe('DecodeError');
    expect(logged.message).toBe('bad record for [fiscal-code]');
    expect(logged.cause).toBe('TypeError');
    expect(logged.stack).toContain('log.test.ts');
    expect(JSON.stringify(logged)).not.toContain(CODE);
  });

  it('says what a thrown value that is not an error was, without repeating it', () => {
    expect(loggedError(CODE)).toEqual({ class: 'string', message: '' });
  });
});

describe('logUnexpectedError', () => {
  it('logs the error with the request id, redacted, and notes the code for the access record', () => {
    const out = capture();
    const logger = createLogger({ name: 'gateway', format: 'json', destination: out });
    const req = { method: 'POST', url: '/graphql', headers: {} } as IncomingMessage;
    runInRequestScope({ requestId: 'r-42', logger }, req, (scope) => {
      logUnexpectedError(new RangeError(`no row for ${CODE.toLowerCase()} (mario@example.it)`));
      expect([...scope.facts.codes]).toEqual(['INTERNAL_SERVER_ERROR']);
    });
    expect(out.records()).toEqual([
      expect.objectContaining({
        level: 'error',
        requestId: 'r-42',
        msg: 'unexpected error',
        err: expect.objectContaining({
          class: 'RangeError',
          message: 'no row for [fiscal-code] ([email])',
        }) as unknown,
      }),
    ]);
  });
});

describe('loggedOperationName', () => {
  it('shows short GraphQL names, redacted', () => {
    expect(loggedOperationName('CommunicationFlows')).toBe('CommunicationFlows');
    // A valid GraphQL name that is a fiscal code.
    expect(loggedOperationName(CODE)).toBe('[fiscal-code]');
  });

  it('refuses names no GraphQL document could have', () => {
    expect(loggedOperationName('a b')).toBe('[invalid]');
    expect(loggedOperationName('x'.repeat(65))).toBe('[invalid]');
    expect(loggedOperationName(null)).toBeUndefined();
  });
});

describe('createLogger', () => {
  it('writes one JSON record per line with level name, time and process name', () => {
    const out = capture();
    const logger = createLogger({ name: 'gateway', format: 'json', destination: out });
    logger.info({ requestId: 'r1', status: 200 }, 'request');
    logger.debug('not at info');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]?.endsWith('\n')).toBe(true);
    const [record] = out.records();
    expect(record).toMatchObject({ level: 'info', name: 'gateway', msg: 'request', status: 200 });
    expect(typeof record?.time).toBe('number');
  });

  it('blanks credentials wherever a record carries them', () => {
    const out = capture();
    const logger = createLogger({ name: 'subgraph-desks', destination: out, format: 'json' });
    logger.warn(
      {
        headers: { authorization: 'Bearer secret-token', 'x-api-key': 'k-123' },
        options: { token: 'abc', credential: 'def' },
      },
      'odd request',
    );
    const text = out.lines.join('');
    expect(text).not.toMatch(/secret-token|k-123|"abc"|"def"/);
    expect(out.records()[0]).toMatchObject({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' },
      options: { token: '[redacted]', credential: '[redacted]' },
    });
  });

  it('writes a readable line in the pretty format', () => {
    const out = capture();
    const logger = createLogger({ name: 'gateway', format: 'pretty', destination: out });
    logger.info({ status: 200, codes: ['FORBIDDEN'] }, 'request');
    expect(out.lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}gateway request status=200 codes=\["FORBIDDEN"\]\n$/,
    );
  });

  it('passes a line that is not JSON through the pretty format unchanged', () => {
    expect(prettyLine('plain')).toBe('plain');
  });
});

describe('readLogConfig', () => {
  it('defaults to info, JSON off a terminal and pretty on one', () => {
    expect(readLogConfig({})).toEqual({ level: 'info', format: 'auto' });
    expect(readLogConfig({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' })).toEqual({
      level: 'debug',
      format: 'json',
    });
  });

  it('names the variable and the bad value', () => {
    expect(() => readLogConfig({ LOG_LEVEL: 'verbose' })).toThrow(ConfigError);
    expect(() => readLogConfig({ LOG_LEVEL: 'verbose' })).toThrow('LOG_LEVEL="verbose"');
    expect(() => readLogConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT="xml"');
  });
});
