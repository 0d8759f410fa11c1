/**
 * Italian fiscal codes (codice fiscale) of persons and company numbers (partita
 * IVA), as described in DOMAIN.md §3.
 */

import {
  decodeOmocodia,
  fiscalCodeCheckChar,
  OMOCODIA_LETTERS,
  partitaIvaCheckDigit,
} from '../../lib/fiscal-code.js';

// Checking codes and the code a person's data give are shared with input validation
// (lib/fiscal-code.ts); omocodia variants and company numbers are the generator's own.
export {
  fiscalCode,
  fiscalCodeMatches,
  isValidFiscalCode,
  isValidPartitaIva,
  namePart,
  partitaIvaCheckDigit,
  surnamePart,
  type FiscalCodeInput,
} from '../../lib/fiscal-code.js';

/** 0-based positions holding digits, replaced right to left by omocodia. */
const DIGIT_POSITIONS = [14, 13, 12, 10, 9, 7, 6] as const;

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
  const first15 = decodeOmocodia(code.slice(0, 15));
  return first15 + fiscalCodeCheckChar(first15);
}

/** A partita IVA from a 7-digit company number and a 3-digit office code. */
export function partitaIva(companyNumber: number, office: number): string {
  const first10 =
    String(companyNumber).padStart(7, '0').slice(-7) + String(office).padStart(3, '0').slice(-3);
  return first10 + partitaIvaCheckDigit(first10);
}
