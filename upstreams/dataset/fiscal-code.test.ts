import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deomocode,
  fiscalCode,
  fiscalCodeMatches,
  isValidFiscalCode,
  isValidPartitaIva,
  namePart,
  omocode,
  partitaIva,
  surnamePart,
  type FiscalCodeInput,
} from './fiscal-code.js';

const word = fc.stringMatching(/^[A-Z][A-Z' ]{0,14}$/);
const person: fc.Arbitrary<FiscalCodeInput> = fc.record({
  surname: word,
  name: word,
  sex: fc.constantFrom('M' as const, 'F' as const),
  birthDate: fc
    .date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2020-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10)),
  birthPlace: fc.constantFrom('G999', 'F572', 'D612', 'H501', 'Z210', 'Z100', 'Z129', 'Z330'),
});
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('fiscal code', () => {
  it('builds the documented examples', () => {
    expect(
      fiscalCode({
        surname: 'Rossi',
        name: 'Mario',
        sex: 'M',
        birthDate: '1980-01-01',
        birthPlace: 'G999',
      }),
    ).toMatch(/^RSSMRA80A01G999[A-Z]$/);
    expect(surnamePart('Fo')).toBe('FOX');
    expect(surnamePart("D'Angelo")).toBe('DNG');
    expect(namePart('Gianfranco')).toBe('GFR');
    expect(namePart('Anna')).toBe('NNA');
    expect(namePart('Li')).toBe('LIX');
    // the commonly published specimen code
    expect(
      fiscalCode({
        surname: 'Rossi',
        name: 'Mario',
        sex: 'M',
        birthDate: '1985-12-10',
        birthPlace: 'A562',
      }),
    ).toBe('RSSMRA85T10A562S');
  });

  it('generated codes validate and agree with the person', () => {
    fc.assert(
      fc.property(person, (p) => {
        const code = fiscalCode(p);
        expect(isValidFiscalCode(code)).toBe(true);
        expect(fiscalCodeMatches(code, p)).toBe(true);
        const day = Number(code.slice(9, 11));
        expect(day).toBe(Number(p.birthDate.slice(8, 10)) + (p.sex === 'F' ? 40 : 0));
        expect(code.slice(6, 8)).toBe(p.birthDate.slice(2, 4));
        expect(code.slice(11, 15)).toBe(p.birthPlace);
      }),
    );
  });

  it('rejects a code with any single character changed', () => {
    fc.assert(
      fc.property(person, fc.nat(15), fc.nat(35), (p, pos, k) => {
        const code = fiscalCode(p);
        const replacement = ALPHABET[k]!;
        fc.pre(code[pos] !== replacement);
        const changed = code.slice(0, pos) + replacement + code.slice(pos + 1);
        expect(isValidFiscalCode(changed)).toBe(false);
      }),
    );
  });

  it('omocodia variants validate, differ, and fold back to the original', () => {
    fc.assert(
      fc.property(person, fc.integer({ min: 1, max: 7 }), (p, level) => {
        const code = fiscalCode(p);
        const variant = omocode(code, level);
        expect(variant).not.toBe(code);
        expect(isValidFiscalCode(variant)).toBe(true);
        expect(deomocode(variant)).toBe(code);
        expect(fiscalCodeMatches(variant, p)).toBe(true);
      }),
    );
  });

  it('rejects malformed shapes', () => {
    expect(isValidFiscalCode('')).toBe(false);
    expect(isValidFiscalCode('rssmra80a01g999k')).toBe(false);
    expect(isValidFiscalCode('RSSMRA80Z01G999K')).toBe(false);
  });
});

describe('partita IVA', () => {
  const number = fc.record({
    company: fc.integer({ min: 1, max: 9_999_999 }),
    office: fc.integer({ min: 1, max: 121 }),
  });

  it('generated numbers validate', () => {
    fc.assert(
      fc.property(number, ({ company, office }) => {
        const piva = partitaIva(company, office);
        expect(piva).toMatch(/^\d{11}$/);
        expect(isValidPartitaIva(piva)).toBe(true);
      }),
    );
  });

  it('rejects a number with any single digit changed', () => {
    fc.assert(
      fc.property(number, fc.nat(10), fc.nat(9), ({ company, office }, pos, digit) => {
        const piva = partitaIva(company, office);
        fc.pre(piva[pos] !== String(digit));
        expect(isValidPartitaIva(piva.slice(0, pos) + String(digit) + piva.slice(pos + 1))).toBe(
          false,
        );
      }),
    );
  });

  it('knows a published number', () => {
    // a commonly cited valid number
    expect(isValidPartitaIva('07643520567')).toBe(true);
    expect(isValidPartitaIva('07643520568')).toBe(false);
  });
});
