// What every mutation shares: the idempotency key (a scalar, and the key sent upstream), the
// checks of free text, the object-level write rules (an operator writes only for their own
// desk, a citizen only for themselves) and the one mapping of an upstream's refusal of a
// write into an error the client can act on. Validation happens before any upstream request;
// the upstream's own refusals are the second line.
import { createHash } from 'node:crypto';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { Assertion } from '../../lib/auth/assertion.js';
import { badUserInput, UpstreamRejectedError } from './errors.js';
import { forbidden } from './trust.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;
const IDEMPOTENCY_KEY_MESSAGE =
  'IdempotencyKey must be 8 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID will do)';

function parseIdempotencyKey(value: unknown): string {
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new GraphQLError(IDEMPOTENCY_KEY_MESSAGE, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return value;
}

export const IdempotencyKeyScalar = new GraphQLScalarType<string, string>({
  name: 'IdempotencyKey',
  description: IDEMPOTENCY_KEY_MESSAGE,
  serialize: (value) => parseIdempotencyKey(value),
  parseValue: (value) => parseIdempotencyKey(value),
  parseLiteral: (ast) => parseIdempotencyKey(ast.kind === Kind.STRING ? ast.value : undefined),
});

/**
 * The key sent upstream: the client's key bound to who asks and which mutation, so that two
 * callers who pick the same key never file into, or read back, each other's record.
 */
export function upstreamIdempotencyKey(
  caller: Assertion,
  mutation: string,
  clientKey: string,
): string {
  const { role, subject, organization, desk } = caller.principal;
  const digest = createHash('sha256')
    .update(JSON.stringify([role, subject, organization, desk, mutation, clientKey]))
    .digest('base64url');
  return `gw-${digest}`;
}

// Controls, bidirectional overrides and isolates, zero-width characters and the BOM: they
// make two strings look the same, hide text, or break the upstreams' fixed-width records.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A free-text input, normalised to NFC and trimmed; refused (naming the field, never
 * repeating the value) when empty, too long, or carrying invisible or broken characters.
 */
export function checkText(
  value: string,
  field: string,
  options: { max: number; pattern?: RegExp; describe?: string },
): string {
  if (LONE_SURROGATE.test(value) || INVISIBLE.test(value)) {
    throw badUserInput(`${field} contains control or invisible characters`, field);
  }
  const text = value.normalize('NFC').trim().replace(/ {2,}/g, ' ');
  if (text.length === 0) throw badUserInput(`${field} must not be empty`, field);
  if (text.length > options.max) {
    throw badUserInput(`${field} must be at most ${options.max} characters`, field);
  }
  if (options.pattern && !options.pattern.test(text)) {
    throw badUserInput(`${field} ${options.describe ?? 'is not in the expected form'}`, field);
  }
  return text;
}

/** Names as the registries keep them: letters (any script), spaces, apostrophes, dots, hyphens. */
export const PERSON_NAME = /^[\p{L}][\p{L}\p{M}' .-]*$/u;

/** Operators write only for the desk their token names. */
export function assertOwnDesk(caller: Assertion, desk: string | null): void {
  const { principal } = caller;
  if (principal.role !== 'operator') return;
  if (principal.desk === null || desk !== principal.desk) {
    throw forbidden('an operator may write only for their own desk');
  }
}

/** Citizens act only for themselves: the fiscal code of the record must be their own. */
export function assertSelf(caller: Assertion, fiscalCode: string): void {
  const { principal } = caller;
  if (principal.role !== 'citizen') return;
  if (principal.fiscalCode === null || principal.fiscalCode !== fiscalCode) {
    throw forbidden('a citizen may act only for themselves');
  }
}

/**
 * An upstream's refusal of a write as the client's error: invalid or unknown input is
 * BAD_USER_INPUT naming the input field (`fieldOf` maps the upstream's body path to the
 * mutation's input path), a conflict is CONFLICT, a reused key IDEMPOTENCY_KEY_REUSED.
 * Anything else is returned unchanged for the usual upstream error mapping.
 */
export function writeRefusal(
  error: unknown,
  fieldOf: (upstreamField: string) => string | undefined,
): unknown {
  if (!(error instanceof UpstreamRejectedError)) return error;
  const upstreamField = error.campo;
  const field = (upstreamField && fieldOf(upstreamField)) ?? 'input';
  switch (error.upstreamCode) {
    case 'PARAMETRO_NON_VALIDO':
      return badUserInput(`${field} was refused by ${error.upstream}`, field);
    case 'RIFERIMENTO_SCONOSCIUTO':
      return badUserInput(`${field} names something ${error.upstream} does not know`, field);
    case 'CONFLITTO':
      return new GraphQLError(`${field} conflicts with a record ${error.upstream} already holds`, {
        extensions: { code: 'CONFLICT', field, upstream: error.upstream },
      });
    case 'CHIAVE_IDEMPOTENZA_RIUSATA':
      return new GraphQLError(
        'This idempotency key was already used for a different request: use a new key',
        { extensions: { code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' } },
      );
    case undefined:
    default:
      return error;
  }
}

/** Runs an upstream write, turning its refusals into client errors (see writeRefusal). */
export async function performWrite<T>(
  write: () => Promise<T>,
  fieldOf: (upstreamField: string) => string | undefined,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw writeRefusal(error, fieldOf);
  }
}

/** A day as `YYYY-MM-DD` in UTC: "today" for the date rules of writes. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}
