/**
 * Italian fiscal codes (codice fiscale) of persons and company numbers (partita
 * IVA), as described in DOMAIN.md §3.
 */

const MONTH_LETTERS = 'ABCDEHLMPRST';
const OMOCODIA_LETTERS = 'LMNPQRSTUV';
/** 0-based positions holding digits, replaced right to left by omocodia. */
const DIGIT_POSITIONS = [14, 13, 12, 10, 9, 7, 6] as const;
const ODD_VALUES = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];
const VOWELS = new Set(['A', 'E', 'I', 'O', 'U']);

const FISCAL_CODE_SHAPE =
  /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

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

function charValue(ch: string): number {
  const c = ch.charCodeAt(0);
  return c >= 48 && c <= 57 ? c - 48 : c - 65;
}

/** The check letter over the first 15 characters. */
export function fiscalCodeCheckLetter(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const v = charValue(first15[i] ?? 'A');
    // 1-based odd positions are 0-based even indexes
    sum += i % 2 === 0 ? (ODD_VALUES[v] ?? 0) : v;
  }
  return String.fromCharCode(65 + (sum % 26));
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
  return first15 + fiscalCodeCheckLetter(first15);
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
  return first15 + fiscalCodeCheckLetter(first15);
}

/** The code with omocodia letters turned back into digits (check letter recomputed). */
export function deomocode(code: string): string {
  const chars = code.slice(0, 15).split('');
  for (const pos of DIGIT_POSITIONS) {
    const idx = OMOCODIA_LETTERS.indexOf(chars[pos]!);
    if (idx >= 0) chars[pos] = String(idx);
  }
  const first15 = chars.join('');
  return first15 + fiscalCodeCheckLetter(first15);
}

export function isValidFiscalCode(code: string): boolean {
  return FISCAL_CODE_SHAPE.test(code) && fiscalCodeCheckLetter(code) === code[15];
}

/** Whether a (possibly omocode) fiscal code is the one of this person. */
export function fiscalCodeMatches(code: string, p: FiscalCodeInput): boolean {
  return isValidFiscalCode(code) && deomocode(code) === fiscalCode(p);
}

/** Check digit of a partita IVA over its first 10 digits. */
export function partitaIvaCheckDigit(first10: string): string {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = first10.charCodeAt(i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A partita IVA from a 7-digit company number and a 3-digit office code. */
export function partitaIva(companyNumber: number, office: number): string {
  const first10 =
    String(companyNumber).padStart(7, '0').slice(-7) + String(office).padStart(3, '0').slice(-3);
  return first10 + partitaIvaCheckDigit(first10);
}

export function isValidPartitaIva(code: string): boolean {
  return /^\d{11}$/.test(code) && partitaIvaCheckDigit(code.slice(0, 10)) === code[10];
}
