// Range checks for analyst queries, refused before any upstream request.
import { badUserInput } from './errors.js';

function monthIndex(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

/** `from` <= `to`, both YYYY-MM, spanning at most `maxMonths` months. */
export function checkMonthRange(from: string, to: string, maxMonths: number): void {
  if (from > to) throw badUserInput('from must not be after to', 'from');
  if (monthIndex(to) - monthIndex(from) + 1 > maxMonths) {
    throw badUserInput(`the range may span at most ${maxMonths} months`, 'to');
  }
}

/** `from` <= `to`, both YYYY-MM-DD, spanning at most `maxDays` days. */
export function checkDateRange(from: string, to: string, maxDays: number): void {
  if (from > to) throw badUserInput('from must not be after to', 'from');
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > maxDays) throw badUserInput(`the range may span at most ${maxDays} days`, 'to');
}
