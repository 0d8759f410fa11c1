// Test-only: well-formed identifiers for the employers unit tests. co refuses a whole
// batch for one malformed value, so the loaders keep such values out: test data must pass.
import { fiscalCodeCheckChar, partitaIvaCheckDigit } from '../../lib/fiscal-code.js';

/** A valid fiscal code, different for each n < 3100. */
export function workerFiscalCode(n: number): string {
  const first15 = `RSSMRA${String(n % 100).padStart(2, '0')}A${String(1 + Math.floor(n / 100)).padStart(2, '0')}G999`;
  return first15 + fiscalCodeCheckChar(first15);
}

/** A valid partita IVA: the ten digits given and their check digit. */
export function partitaIva(first10: string): string {
  return first10 + partitaIvaCheckDigit(first10);
}
