/**
 * Calendar arithmetic on day numbers (days since 1970-01-01, UTC), which keep the
 * generator's dates cheap to compare, sort and format.
 */

const MS_PER_DAY = 86_400_000;

export function dayOf(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

export function dayFromIso(iso: string): number {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const day = Number(iso.slice(8, 10));
  return dayOf(year, month, day);
}

const isoCache = new Map<number, string>();

export function isoDay(day: number): string {
  let s = isoCache.get(day);
  if (s === undefined) {
    s = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (isoCache.size < 40_000) isoCache.set(day, s);
  }
  return s;
}

export function isoMonth(day: number): string {
  return isoDay(day).slice(0, 7);
}

export function yearOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** 1..12 */
export function monthOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCMonth() + 1;
}

export function dayOfMonth(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCDate();
}

/** 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function endOfMonth(day: number): number {
  const d = new Date(day * MS_PER_DAY);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0) / MS_PER_DAY;
}

/** The next 30 June or 31 December on or after the day. */
export function nextHalfYearEnd(day: number): number {
  const y = yearOf(day);
  const june = dayOf(y, 6, 30);
  if (day <= june) return june;
  return dayOf(y, 12, 31);
}

/** Whole years between birth and the day. */
export function ageAt(birth: number, day: number): number {
  const b = new Date(birth * MS_PER_DAY);
  const d = new Date(day * MS_PER_DAY);
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (
    d.getUTCMonth() < b.getUTCMonth() ||
    (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())
  ) {
    age -= 1;
  }
  return age;
}

export function ageBand(age: number): string {
  if (age < 25) return '15-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  return '55+';
}

/** The dataset covers 2010-2014; its "today" is 2014-12-31. */
export const WINDOW_START = dayOf(2010, 1, 1);
export const WINDOW_END = dayOf(2014, 12, 31);
export const DATASET_DATE = WINDOW_END;
