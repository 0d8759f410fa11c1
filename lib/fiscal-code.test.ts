import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fiscalCodeCheckChar,
  isValidFiscalCode,
  isValidPartitaIva,
  partitaIvaCheckDigit,
  OMOCODIA_LETTERS,
} from './fiscal-code.js';

const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const digit = fc.constantFrom(...'0123456789');
const fiscalCodeBody = fc
  .tuple(
    fc.array(letter, { minLength: 6, maxLength: 6 }),
    fc.integer({ min: 0, max: 99 }),
    fc.constantFrom(...'ABCDEHLMPRST'),
    fc.integer({ min: 1, max: 28 }),
    fc.boolean(),
    letter,
    fc.array(digit, { minLength: 3, maxLength: 3 }),
  )
  .map(
    ([name, year, month, day, female, place, placeDigits]) =>
      `${name.join('')}${String(year).padStart(2, '0')}${month}${String(female ? day + 40 : day).padStart(2, '0')}${place}${placeDigits.join('')}`,
  );

describe('fiscal codes', () => {
  it('accepts a code whose check letter was computed from its first 15 characters', () => {
    fc.assert(
      fc.property(fiscalCodeBody, (body) => isValidFiscalCode(body + fiscalCodeCheckChar(body))),
    );
  });

  it('refuses any code with one character changed at the check position', () => {
    fc.assert(
      fc.property(fiscalCodeBody, letter, (body, other) => {
        const right = fiscalCodeCheckChar(body);
        fc.pre(other !== right);
        expect(isValidFiscalCode(body + other)).toBe(false);
      }),
    );
  });

  it('accepts omocodia (digits written as letters) with the recomputed check letter', () => {
    fc.assert(
      fc.property(fiscalCodeBody, (body) => {
        const chars = body.split('');
        chars[14] = OMOCODIA_LETTERS[Number(chars[14])] as string;
        const omocode = chars.join('');
        expect(isValidFiscalCode(omocode + fiscalCodeCheckChar(omocode))).toBe(true);
      }),
    );
  });

  it('knows a published example and refuses malformed input', () => {
    expect(isValidFiscalCode('RSSMRA80A01H501U')).toBe(true);
    for (const bad of [
      '',
      'RSSMRA80A01H501',
      'rssmra80a01h501u',
      'RSSMRA80A01H501U ',
      'RSSMRA80Z01H501U',
      "RSSMRA80A01H50'U",
      'RSSMRA80A32H501U',
    ]) {
      expect(isValidFiscalCode(bad)).toBe(false);
    }
  });
});

describe('partite IVA', () => {
  it('accepts every 10 digits followed by their check digit, and refuses any other last digit', () => {
    fc.assert(
      fc.property(fc.array(digit, { minLength: 10, maxLength: 10 }), digit, (digits, last) => {
        const body = digits.join('');
        const check = partitaIvaCheckDigit(body);
        expect(isValidPartitaIva(body + check)).toBe(true);
        if (last !== check) expect(isValidPartitaIva(body + last)).toBe(false);
      }),
    );
  });

  it('knows a published example', () => {
    expect(isValidPartitaIva('00743110157')).toBe(true);
    expect(isValidPartitaIva('00743110158')).toBe(false);
  });
});
