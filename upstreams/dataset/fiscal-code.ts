/**
 * Italian fiscal codes (codice fiscale) of persons and company numbers (partita
 * IVA), as described in DOMAIN.md §3.
 */

import {
  fiscalCodeCheckChar,
  isValidFiscalCode,
  OMOCODIA_LETTERS,
  partitaIvaCheckDigit,
} from '../../lib/fiscal-code.js';

// Checking codes is shared with input validation (lib/fiscal-code.ts); building them
// from a person's data is the generator's own business and lives here.
export {
  isValidFiscalCode,
  isValidPartitaIva,
  partitaIvaCheckDigit,
} from '../../lib/fiscal-code.js';

const MONTH_LETTERS = 'ABCDEHLMPRST';
/** 0-based positions holding digits, replaced right to left by omocodia. */
const DIGIT_POSITIONS = [14, 13, 12, 10, 9, 7, 6] as const;
const VOWELS = new Set(['A', 'E', 'I', 'O', 'U']);

export interface FiscalCodeInput {
  surname: string;
  name: string;
  sex: 'M' | 'F';
  /** YYYY-MM-DD */
  birthDate: string;
  /** Belfiore code of the birth comune, or Z-code of the birth country. */
  birthPlace: string;
}

/** Upper-case A-Z only: accents folded, apostrophes, spaces and other marks dropped. */
function letters(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
}

function split(text: string): { consonants: string; vowels: string } {
  let consonants = '';
  let vowels = '';
  for (const ch of letters(text)) {
    if (VOWELS.has(ch)) vowels += ch;
    else consonants += ch;
  }
  return { consonants, vowels };
}

export function surnamePart(surname: string): string {
  const { consonants, vowels } = split(surname);
  return (consonants + vowels + 'XXX').slice(0, 3);
}

export function namePart(name: string): string {
  const { consonants, vowels } = split(name);
  if (consonants.length >= 4) return consonants[0]! + consonants[2]! + consonants[3]!;
  return (consonants + vowels + 'XXX').slice(0, 3);
}

export function fiscalCode(p: FiscalCodeInput): string {
  const [year, month, day] = p.birthDate.split('-');
  const monthLetter = MONTH_LETTERS[Number(month) - 1];
  if (!year || !day || monthLetter === undefined) {
    throw new RangeError(`invalid birth date ${p.birthDate}`);
  }
  if (!/^[A-Z]\d{3}$/.test(p.birthPlace))
    throw new RangeError(`invalid birth place ${p.birthPlace}`);
  const dayNumber = Number(day) + (p.sex === 'F' ? 40 : 0);
  const first15 =
    surnamePart(p.surname) +
    namePart(p.name) +
    year.slice(2) +
    monthLetter +
    String(dayNumber).padStart(2, '0') +
    p.birthPlace;
  return first15 + fiscalCodeCheckChar(first15);
}

/**
 * The omocodia variant of a code: the `level` rightmost digit positions replaced
 * by letters (level 1..7), check letter recomputed. Used when two people would
 * otherwise share a code.
 */
export function omocode(code: string, level: number): string {
  if (level < 1 || level > DIGIT_POSITIONS.length) throw new RangeError(`omocodia level ${level}`);
  const chars = code.slice(0, 15).split('');
  for (let i = 0; i < level; i++) {
    const pos = DIGIT_POSITIONS[i]!;
    const ch = chars[pos]!;
    if (ch >= '0' && ch <= '9') chars[pos] = OMOCODIA_LETTERS[Number(ch)]!;
  }
  const first15 = chars.join('');
  return first15 + fiscalCodeCheckChar(first15);
}

/** The code with omocodia letters turned back into digits (check letter recomputed). */
export function deomocode(code: string): string {
  const chars = code.slice(0, 15).split('');
  for (const pos of DIGIT_POSITIONS) {
    const idx = OMOCODIA_LETTERS.indexOf(chars[pos]!);
    if (idx >= 0) chars[pos] = String(idx);
  }
  const first15 = chars.join('');
  return first15 + fiscalCodeCheckChar(first15);
}

/** Whether a (possibly omocode) fiscal code is the one of this person. */
export function fiscalCodeMatches(code: string, p: FiscalCodeInput): boolean {
  return isValidFiscalCode(code) && deomocode(code) === fiscalCode(p);
}

/** A partita IVA from a 7-digit company number and a 3-digit office code. */
export function partitaIva(companyNumber: number, office: number): string {
  const first10 =
    String(companyNumber).padStart(7, '0').slice(-7) + String(office).padStart(3, '0').slice(-3);
  return first10 + partitaIvaCheckDigit(first10);
}
