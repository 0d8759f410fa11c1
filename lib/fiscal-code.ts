// Italian fiscal codes (codice fiscale) and partite IVA: format and check characters.
// Pure functions shared by input validation and the dataset generator: checking a code, and
// the code a person's name, sex, birth date and place give (to check that they agree).

const ODD_VALUES = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];
/** Digits replaced by letters in omocodia, at positions 7, 8, 10, 11, 13, 14, 15 (1-based). */
export const OMOCODIA_LETTERS = 'LMNPQRSTUV';
const MONTH_LETTERS = 'ABCDEHLMPRST';

/** A character's ordinal for the check computation: digits 0-9, letters A-Z as 0-25. */
function ordinal(ch: string): number {
  const code = ch.charCodeAt(0);
  return code <= 57 ? code - 48 : code - 65;
}

/** The check letter for the first 15 characters of a fiscal code (upper case). */
export function fiscalCodeCheckChar(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const value = ordinal(first15[i] as string);
    // Positions are 1-based in the rule: index 0 is position 1, an odd position.
    sum += i % 2 === 0 ? (ODD_VALUES[value] as number) : value;
  }
  return String.fromCharCode(65 + (sum % 26));
}

const DIGIT_OR_OMOCODIA = `[0-9${OMOCODIA_LETTERS}]`;
/**
 * A fiscal code's shape, unanchored: 6 letters, 2 digits (or their omocodia letters), the
 * month's letter, 2 digits, a letter, 3 digits, the check letter.
 */
const FISCAL_CODE_PATTERN = `[A-Z]{6}${DIGIT_OR_OMOCODIA}{2}[${MONTH_LETTERS}]${DIGIT_OR_OMOCODIA}{2}[A-Z]${DIGIT_OR_OMOCODIA}{3}[A-Z]`;
const FISCAL_CODE_SHAPE = new RegExp(`^${FISCAL_CODE_PATTERN}$`);
/**
 * Anything shaped like a fiscal code, anywhere in a text and in any case (for `replace` and
 * `matchAll`, which do not depend on its `lastIndex`).
 */
export const FISCAL_CODE_ANYWHERE = new RegExp(FISCAL_CODE_PATTERN, 'gi');

/** Undoes omocodia: the letters standing for digits become digits again. */
export function decodeOmocodia(code: string): string {
  const chars = code.split('');
  for (const i of [6, 7, 9, 10, 12, 13, 14]) {
    const idx = OMOCODIA_LETTERS.indexOf(chars[i] as string);
    if (idx >= 0) chars[i] = String(idx);
  }
  return chars.join('');
}

/** True for a well-formed 16-character personal fiscal code with the right check letter. */
export function isValidFiscalCode(value: string): boolean {
  if (value.length !== 16 || !FISCAL_CODE_SHAPE.test(value)) return false;
  const plain = decodeOmocodia(value);
  const day = Number(plain.slice(9, 11));
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return false;
  return fiscalCodeCheckChar(value.slice(0, 15)) === value[15];
}

/** The check digit of an 11-digit partita IVA, from its first 10 digits. */
export function partitaIvaCheckDigit(first10: string): string {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const digit = first10.charCodeAt(i) - 48;
    if (i % 2 === 0) sum += digit;
    else sum += digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
  }
  return String((10 - (sum % 10)) % 10);
}

/** True for 11 digits whose last is the right check digit. */
export function isValidPartitaIva(value: string): boolean {
  return /^\d{11}$/.test(value) && partitaIvaCheckDigit(value.slice(0, 10)) === value[10];
}

/** A fiscal code as people type it: surrounding spaces dropped, upper case. */
export function normalizeFiscalCode(value: string): string {
  return value.trim().toUpperCase();
}

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

/** The three letters of a surname in the code. */
export function surnamePart(surname: string): string {
  const { consonants, vowels } = split(surname);
  return (consonants + vowels + 'XXX').slice(0, 3);
}

/** The three letters of a given name in the code. */
export function namePart(name: string): string {
  const { consonants, vowels } = split(name);
  if (consonants.length >= 4) return consonants[0]! + consonants[2]! + consonants[3]!;
  return (consonants + vowels + 'XXX').slice(0, 3);
}

/** The (non-omocode) fiscal code of a person. */
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

/** Whether a (possibly omocode) fiscal code is the one of this person. */
export function fiscalCodeMatches(code: string, p: FiscalCodeInput): boolean {
  return (
    isValidFiscalCode(code) && decodeOmocodia(code).slice(0, 15) === fiscalCode(p).slice(0, 15)
  );
}
