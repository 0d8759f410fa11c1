import fc from 'fast-check';
import { GraphQLError, Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fiscalCodeCheckChar, isValidFiscalCode } from '../../lib/fiscal-code.js';
import { FiscalCodeScalar } from './scalars.js';

const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const digit = fc.constantFrom(...'0123456789');
const validCode = fc
  .tuple(
    fc.array(letter, { minLength: 6, maxLength: 6 }),
    fc.array(digit, { minLength: 2, maxLength: 2 }),
    fc.constantFrom(...'ABCDEHLMPRST'),
    fc.integer({ min: 1, max: 71 }).filter((d) => d <= 31 || d >= 41),
    letter,
    fc.array(digit, { minLength: 3, maxLength: 3 }),
  )
  .map(([name, year, month, day, place, placeDigits]) => {
    const body = `${name.join('')}${year.join('')}${month}${String(day).padStart(2, '0')}${place}${placeDigits.join('')}`;
    return body + fiscalCodeCheckChar(body);
  });

function refusal(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (err) {
    if (err instanceof GraphQLError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('FiscalCode scalar', () => {
  it('accepts every well-formed code with its check letter, as variable and as literal', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        expect(FiscalCodeScalar.parseValue(code)).toBe(code);
        expect(FiscalCodeScalar.parseLiteral({ kind: Kind.STRING, value: code })).toBe(code);
      }),
    );
  });

  it('refuses any string that is not a valid code with BAD_USER_INPUT, never repeating it', () => {
    // The message must not depend on the input at all: comparing with one fixed refusal proves
    // that nothing of the input is echoed, where a substring check would trip on short inputs
    // that happen to occur in the fixed text ("cal" in "check letter").
    const fixed = refusal(() => FiscalCodeScalar.parseValue('not a code')).message;
    expect(fixed).not.toContain('not a code');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          validCode.map((c) => c.toLowerCase()),
          validCode.map((c) => `${c.slice(0, 15)}${c[15] === 'A' ? 'B' : 'A'}`),
          validCode.map((c) => `${c}&cf=X`),
        ),
        (input) => {
          fc.pre(!isValidFiscalCode(input.trim().toUpperCase()));
          const error = refusal(() => FiscalCodeScalar.parseValue(input));
          expect(error.extensions.code).toBe('BAD_USER_INPUT');
          expect(error.message).toBe(fixed);
        },
      ),
    );
  });

  it('forgives surrounding spaces and lower case', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        expect(FiscalCodeScalar.parseValue(` ${code.toLowerCase()} `)).toBe(code);
      }),
    );
  });

  it('refuses non-string literals and values', () => {
    expect(
      refusal(() => FiscalCodeScalar.parseLiteral({ kind: Kind.INT, value: '1' })).extensions.code,
    ).toBe('BAD_USER_INPUT');
    expect(refusal(() => FiscalCodeScalar.parseValue(12)).extensions.code).toBe('BAD_USER_INPUT');
  });
});
