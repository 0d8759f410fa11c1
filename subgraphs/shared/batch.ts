// Helpers that enforce the DataLoader contract whatever the upstream answers:
// result i belongs to key i; missing ids are null; duplicates and foreign ids are ignored.

/** One record (or null) per key, in key order. */
export function orderByKeys<K, T>(
  keys: readonly K[],
  records: readonly T[],
  keyOf: (record: T) => K,
): (T | null)[] {
  const byKey = new Map<K, T>();
  for (const record of records) {
    const key = keyOf(record);
    if (!byKey.has(key)) byKey.set(key, record);
  }
  return keys.map((key) => byKey.get(key) ?? null);
}

/** All records per key (possibly none), in key order, keeping the upstream's order within a key. */
export function groupByKeys<K, T>(
  keys: readonly K[],
  records: readonly T[],
  keyOf: (record: T) => K,
): T[][] {
  const wanted = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const record of records) wanted.get(keyOf(record))?.push(record);
  return keys.map((key) => wanted.get(key) ?? []);
}

/** The first record of each identity, in the upstream's order: a repeated record counts once. */
export function distinctBy<T>(records: readonly T[], identity: (record: T) => string): T[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const id = identity(record);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Splits a list into chunks of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Maps items with at most `limit` calls in flight, keeping order. A rejected call
 * yields its Error in its own slot instead of failing the others.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<(R | Error)[]> {
  const results = new Array<R | Error>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (err) {
        results[i] = err instanceof Error ? err : new Error(String(err));
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return results;
}
