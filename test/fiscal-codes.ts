// Finding fiscal codes in text that should hold none: test output (no-fiscal-codes-in-output.ts),
// log records (logs.test.ts), exported spans (telemetry.test.ts).
import { isValidFiscalCode } from '../lib/fiscal-code.js';

/** The valid fiscal codes in `text`, any case, over overlapping 16-character windows. */
export function fiscalCodesIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.toUpperCase().matchAll(/(?=([A-Z0-9]{16}))/g)) {
    const candidate = match[1] ?? '';
    if (isValidFiscalCode(candidate)) found.push(candidate);
  }
  return found;
}
