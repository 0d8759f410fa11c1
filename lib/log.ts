// Structured logs for operators (DESIGN.md §2: pino): one JSON record per line on stderr, or
// a short human line on a terminal. Stderr, because stdout carries each process's human
// "ready at <url>" line, which `npm start`, the benchmarks and the tests read or ignore. SECURITY.md: no fiscal code or other personal data in a
// log line. Records carry names, codes and numbers chosen by this code, never a person; the
// only free text that reaches a log, an unexpected error's message, goes through redact()
// first; and pino's own redaction blanks credentials wherever a record would carry them.
import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError, envString, type Env } from './env.js';
import { FISCAL_CODE_ANYWHERE } from './fiscal-code.js';
import { currentRequest } from './request-scope.js';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto`: pretty on a terminal, JSON otherwise (a pipe, a file, a log collector). */
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogConfig {
  /** LOG_LEVEL, default `info`: one access record per request, warnings and errors. */
  level: LogLevel;
  /** LOG_FORMAT, default `auto`. */
  format: LogFormat;
}

function oneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

export function readLogConfig(env: Env): LogConfig {
  const level = envString(env, 'LOG_LEVEL', 'info');
  if (!oneOf(LOG_LEVELS, level)) {
    throw new ConfigError('LOG_LEVEL', level, `one of ${LOG_LEVELS.join(', ')}`);
  }
  const format = envString(env, 'LOG_FORMAT', 'auto');
  if (!oneOf(LOG_FORMATS, format)) {
    throw new ConfigError('LOG_FORMAT', format, `one of ${LOG_FORMATS.join(', ')}`);
  }
  return { level, format };
}

/**
 * Blanked wherever a record carries them. Our records never log headers or tokens; these are
 * the safety net for the day someone logs a request object or an options bag.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-gateway-assertion"]',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers["x-gateway-assertion"]',
  'token',
  '*.token',
  'credential',
  '*.credential',
  'assertion',
  '*.assertion',
];

export interface LoggerOptions {
  /** The process: `gateway`, `subgraph-desks`, `upstream-idol`... (every record's `name`). */
  name: string;
  level?: LogLevel;
  format?: LogFormat;
  /** Where records go; default stderr. Tests give a stream of their own. */
  destination?: DestinationStream;
}

/** A logger per process; every record has `level`, `time` (epoch ms), `name` and `msg`. */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  // Synchronous writes (pino's default): a record written just before the process exits is
  // not lost in a buffer.
  const out = options.destination ?? pino.destination(2);
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      // The level's name rather than pino's number: what an operator greps for.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    pretty ? prettyStream(out) : out,
  );
}

/** A logger that writes nothing: the default of every server factory. */
export const silentLogger: Logger = pino({ level: 'silent' });

const SHOWN_LAST = new Set(['level', 'time', 'name', 'msg', 'pid', 'hostname']);

/** One JSON record as a line a person reads: time, level, process, message, then key=value. */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : '';
  const fields = Object.entries(record)
    .filter(([key]) => !SHOWN_LAST.has(key))
    .map(([key, value]) => `${key}=${text(value)}`);
  const head = `${time.slice(11, 23)} ${text(record.level).toUpperCase().padEnd(5)}`;
  const tail = fields.length > 0 ? ` ${fields.join(' ')}` : '';
  return `${head} ${text(record.name)} ${text(record.msg)}${tail}\n`;
}

function prettyStream(out: DestinationStream): DestinationStream {
  return { write: (json: string) => out.write(prettyLine(json)) };
}

// SECURITY.md: no fiscal code, partita IVA or e-mail address in a log line. Matched without
// word boundaries and in any case: a code inside a URL, a JSON string or a lowercased message
// is still a code.
/** A partita IVA (or a temporary fiscal code): 11 digits, not part of a longer number. */
const PARTITA_IVA = /(?<!\d)\d{11}(?!\d)/g;
const EMAIL = /[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/** Longest free text kept in a record (an error message, a stack). */
export const MAX_LOGGED_TEXT = 2000;

/** `text` without anything that looks like a fiscal code, a partita IVA or an e-mail address. */
export function redact(text: string): string {
  return text
    .slice(0, MAX_LOGGED_TEXT)
    .replace(FISCAL_CODE_ANYWHERE, '[fiscal-code]')
    .replace(PARTITA_IVA, '[partita-iva]')
    .replace(EMAIL, '[email]');
}

/** What an unexpected error record says of the error: its class and redacted message and stack. */
export interface LoggedError {
  class: string;
  message: string;
  stack?: string;
  /** The class of its cause, when it has one. */
  cause?: string;
}

const CLASS_NAME = /^[\w$.]{1,100}$/;

function classOf(error: object): string {
  const name = error.constructor?.name;
  return typeof name === 'string' && CLASS_NAME.test(name) ? name : 'Object';
}

/**
 * An error as a record may carry it. A GraphQL error wrapping the real one (a resolver's throw)
 * is described by what it wraps: that is what an operator needs to find.
 */
export function loggedError(error: unknown): LoggedError {
  let subject = error;
  for (let depth = 0; depth < 5; depth++) {
    const inner = (subject as { originalError?: unknown } | null)?.originalError;
    if (inner === undefined || inner === null) break;
    subject = inner;
  }
  if (!(subject instanceof Error)) {
    return { class: typeof subject, message: '' };
  }
  const stack = subject.stack?.split('\n').slice(1, 11).join('\n');
  const cause: unknown = subject.cause;
  return {
    class: classOf(subject),
    message: redact(subject.message),
    ...(stack ? { stack: redact(stack) } : {}),
    ...(typeof cause === 'object' && cause !== null ? { cause: classOf(cause) } : {}),
  };
}

/**
 * Logs an error the client sees only as INTERNAL_SERVER_ERROR, with the request id it quotes.
 * Outside a request (no scope) there is nobody to tell: `fallback` logs it, if given.
 */
export function logUnexpectedError(error: unknown, fallback?: Logger): void {
  const scope = currentRequest();
  scope?.facts.codes.add('INTERNAL_SERVER_ERROR');
  (scope?.log ?? fallback)?.error({ err: loggedError(error) }, 'unexpected error');
}

/** A GraphQL name, as graphql-js accepts it, of a reasonable length. */
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * An operation's name as a record shows it: only a short GraphQL name, and redacted, since the
 * client chose it (`query RSSMRA85T10A562S` is valid GraphQL). Registered names pass unchanged.
 */
export function loggedOperationName(name: string | null | undefined): string | undefined {
  if (name === null || name === undefined || name === '') return undefined;
  return GRAPHQL_NAME.test(name) ? redact(name) : '[invalid]';
}

/** Error codes are ours (SCREAMING_SNAKE); anything else is not repeated. */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export interface AccessLogPluginOptions<TContext> {
  /** The caller's role, never their subject (a citizen's is their worker id). */
  roleOf: (context: TContext) => string | undefined;
  /** The gateway: the record counts the request's subgraph fetches (0 included). */
  countSubgraphFetches?: boolean;
}

/**
 * Fills in the request's access record (written by lib/request-scope.ts when the response
 * ends) with what Apollo knows: operation, role, outcome and error codes.
 */
export function accessLogPlugin<TContext extends BaseContext>(
  options: AccessLogPluginOptions<TContext>,
): ApolloServerPlugin<TContext> {
  // Stateless: everything it needs is in the hook's arguments and the request scope, so one
  // listener serves every request.
  const listener: GraphQLRequestListener<TContext> = {
    didResolveOperation({ operation, operationName }) {
      const facts = currentRequest()?.facts;
      if (facts) {
        facts.operationType = operation?.operation;
        facts.operation = loggedOperationName(operation?.name?.value ?? operationName);
      }
      return Promise.resolve();
    },
    willSendResponse({ response, contextValue, operation, operationName }) {
      const facts = currentRequest()?.facts;
      if (!facts) return Promise.resolve();
      facts.operation ??= loggedOperationName(operation?.name?.value ?? operationName);
      facts.role = options.roleOf(contextValue);
      if (response.body.kind === 'single') {
        const { data, errors } = response.body.singleResult;
        for (const error of errors ?? []) {
          const code = error.extensions?.code;
          if (typeof code === 'string' && ERROR_CODE.test(code)) facts.codes.add(code);
        }
        facts.outcome =
          !errors || errors.length === 0
            ? 'ok'
            : data === null || data === undefined
              ? 'error'
              : 'partial';
      }
      return Promise.resolve();
    },
  };
  return {
    // Refused before Apollo's request pipeline (rate limit, bad token, bad header).
    contextCreationDidFail({ error }) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      const facts = currentRequest()?.facts;
      if (facts && typeof code === 'string' && ERROR_CODE.test(code)) facts.codes.add(code);
      return Promise.resolve();
    },
    requestDidStart() {
      const facts = currentRequest()?.facts;
      if (facts && options.countSubgraphFetches) facts.subgraphFetches ??= 0;
      return Promise.resolve(listener);
    },
  };
}
