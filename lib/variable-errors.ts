// graphql-js repeats a refused variable's whole value in its message ("Variable "$input" got
// invalid value { fiscalCode: "..." }; Field "desk" of required type "ID!" was not provided."),
// and built-in scalars repeat the offending value in the reason too. The value is the client's
// input: it may be a fiscal code or a name, and never goes back into a message or a log. This
// rewrites such a message to the variable, the path inside it, and the reason only when the
// reason is one of graphql-js's schema-only sentences or a message of this project's own
// scalars (which never repeat their input).
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

const REFUSED = /^Variable "\$(\w{1,100})" got invalid value /;
/** Reasons made only of schema names (field, type), never of the value. */
const SCHEMA_ONLY_REASONS = [
  /^Field "\w+" of required type "[\w[\]!]+" was not provided\.$/,
  /^Field "\w+" is not defined by type "\w+"\./,
  /^Field "\w+" must be non-null\.$/,
  /^Expected type "\w+" to be an object\.$/,
];
const EXPECTED_TYPE = /^Expected type "\w+"\./;

export interface SafeVariableError {
  message: string;
  /** The refused place: the variable and the path inside it, e.g. `input.person.fiscalCode`. */
  field: string;
}

function causes(error: unknown): GraphQLError[] {
  const found: GraphQLError[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof GraphQLError) found.push(current);
    current = (current as { originalError?: unknown }).originalError ?? current.cause;
  }
  return found;
}

/** One of this project's scalars refusing a value: its message names no value. */
function isOwnScalarRefusal(error: unknown): boolean {
  return error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT';
}

function safeReason(reason: string, chain: readonly GraphQLError[]): string | undefined {
  const schemaOnly = SCHEMA_ONLY_REASONS.map((re) => re.exec(reason)?.[0]).find(Boolean);
  if (schemaOnly) return schemaOnly;
  // Our scalars throw their own message, which the reason then is.
  if (chain.some((e) => e.message === reason && isOwnScalarRefusal(e))) return reason;
  const expected = EXPECTED_TYPE.exec(reason)?.[0];
  if (expected) {
    const own = chain.find((e) => isOwnScalarRefusal(e));
    return own ? `${expected} ${own.message}` : expected;
  }
  // Built-in scalars and enums quote the value: keep only the type they expected, and an enum's
  // suggestions (values of the schema, present only for callers allowed to see them).
  const suggestion = / Did you mean (?:the enum value )?"\w+"(?:(?:, | or )"\w+")*\?$/.exec(
    reason,
  )?.[0];
  const enumType = /does not exist in "(\w+)" enum\./.exec(reason)?.[1];
  if (enumType) return `Expected type "${enumType}".${suggestion ?? ''}`;
  const type = /^(\w+) cannot represent/.exec(reason)?.[1];
  return type ? `Expected type "${type}".` : undefined;
}

/**
 * The safe form of a "Variable ... got invalid value ..." error, or undefined for any other
 * message. `error` is the error as thrown (its `originalError` chain holds the reason).
 */
export function safeVariableError(message: string, error: unknown): SafeVariableError | undefined {
  const refused = REFUSED.exec(message);
  if (!refused) return undefined;
  const variable = refused[1] ?? '';
  const chain = causes(error);
  // graphql-js builds "<prefix>; <reason>" with the reason the message of the first cause.
  const reasonError = chain.find(
    (e) => e.message !== message && message.endsWith(`; ${e.message}`),
  );
  const reason = reasonError?.message;
  const head =
    reason === undefined ? message : message.slice(0, message.length - reason.length - 2);
  const path = new RegExp(` at "(${variable}(?:\\.\\w+|\\[\\d+\\])*)"$`).exec(head)?.[1];
  const field = path ?? variable;
  const why = reason === undefined ? undefined : safeReason(reason, chain);
  return {
    message: `Variable "$${variable}" got an invalid value${path ? ` at "${path}"` : ''}${why ? `; ${why}` : ''}`,
    field,
  };
}

/**
 * The formatted error to send instead of a refused-variable error (BAD_USER_INPUT with the
 * `field`), or undefined when `formatted` is not one.
 */
export function formatVariableError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError | undefined {
  const variable = safeVariableError(formatted.message, error);
  if (!variable) return undefined;
  return {
    message: variable.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: 'BAD_USER_INPUT', field: variable.field },
  };
}
