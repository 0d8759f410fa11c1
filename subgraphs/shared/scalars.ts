// Date-like scalars shared by the subgraphs. Each refuses malformed input with
// BAD_USER_INPUT before any resolver runs.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isValidFiscalCode, normalizeFiscalCode } from '../../lib/fiscal-code.js';

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isYearMonth(value: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

export function isDateTime(value: string): boolean {
  const m =
    /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/.exec(
      value,
    );
  return m !== null && isIsoDate(m[1] as string);
}

function stringScalar(
  name: string,
  description: string,
  valid: (v: string) => boolean,
  example: string,
  normalize: (v: string) => string = (v) => v,
) {
  const check = (raw: unknown): string => {
    const value = typeof raw === 'string' ? normalize(raw) : raw;
    if (typeof value !== 'string' || !valid(value)) {
      throw new GraphQLError(`${name} must look like ${example}`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return value;
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: (value) => {
      if (typeof value !== 'string' || !valid(value))
        throw new GraphQLError(`${name} cannot represent this value`);
      return value;
    },
    parseValue: check,
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING) {
        throw new GraphQLError(`${name} must be a string like ${example}`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      return check(ast.value);
    },
  });
}

export const DateScalar = stringScalar(
  'Date',
  'A calendar date, YYYY-MM-DD.',
  isIsoDate,
  '2011-03-04',
);
export const YearMonthScalar = stringScalar(
  'YearMonth',
  'A calendar month, YYYY-MM.',
  isYearMonth,
  '2011-03',
);
export const DateTimeScalar = stringScalar(
  'DateTime',
  'An instant in ISO 8601 with offset.',
  isDateTime,
  '2014-12-01T09:00:00+01:00',
);

/**
 * An Italian personal fiscal code: 16 characters, upper case, omocodia allowed, right check
 * letter. Refusing malformed codes here keeps them out of every upstream URL. The message
 * never repeats the value: it may be a real person's code.
 */
export const FiscalCodeScalar = stringScalar(
  'FiscalCode',
  'An Italian personal fiscal code (codice fiscale), 16 characters with a valid check letter; upper-cased on input.',
  isValidFiscalCode,
  'RSSMRA80A01H501U (16 characters with a valid check letter)',
  // As people type it: surrounding spaces and lower case are forgiven.
  normalizeFiscalCode,
);
