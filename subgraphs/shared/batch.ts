// Helpers that enforce the DataLoader contract whatever the upstream answers: result i
// belongs to key i; missing ids are null (or an empty list); reordered, duplicated and
// foreign records change nothing.
//
// Rules for what an upstream sends (SECURITY.md, "Upstream faults"), the same for lookups
// by key, one-to-many lists and pages:
// - One record per identity: its id, or its natural key for records without one. A record
//   sent again counts once, and the FIRST copy is the one kept, even when a later copy's
//   content differs: the upstream contradicts itself, neither copy can be shown to be the
//   right one, and keeping the first is what a lookup by key has always done
//   (`orderByKeys`), so a record reads the same through every path of one request.
//   Statistics are the exception: a repeated cell is refused (shared/suppression.ts), since
//   a count cannot be picked between two.
// - Foreign records, whose key was not asked for, are dropped; where a batch takes several
//   upstream requests, by the request that answered them. A page from a search can't be
//   checked for them (any record may match a search) and is left as it is in that respect.
// - Where the schema promises an order (read each field's description), the loader sorts
//   what the upstream sent, with an order total over the records' identities (a page is at
//   most a few hundred records), so that no order the upstream sends can show; where none
//   is promised, the upstream's order is kept.
// Lists that come whole in a cached document (the registry's desks, trio's areas) follow
// the same rule when they are decoded (model.ts).

/** Compares two records for sorting; negative when `a` comes first. */
export type Order<T> = (a: T, b: T) => number;

/** One record (or null) per key, in key order: the first record of each key. */
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

/**
 * All records per key (possibly none), in key order: records of keys not asked for are
 * dropped, and each `identity` is kept once under its key (its first copy), in the
 * upstream's order within a key. Sort the lists afterwards where the field promises an order.
 * Identities are told apart per key: a record under two keys is the upstream's to explain,
 * and each key keeps what was sent for it.
 */
export function groupByKeys<K, T>(
  keys: readonly K[],
  records: readonly T[],
  keyOf: (record: T) => K,
  identity: (record: T) => string,
): T[][] {
  const wanted = new Map<K, { records: T[]; seen: Set<string> }>(
    keys.map((key) => [key, { records: [], seen: new Set() }]),
  );
  // Foreign records are dropped before any identity is counted, so that one sharing an
  // identity with a record of an asked key cannot take that record's place.
  for (const record of records) {
    const group = wanted.get(keyOf(record));
    if (group === undefined) continue;
    const id = identity(record);
    if (group.seen.has(id)) continue;
    group.seen.add(id);
    group.records.push(record);
  }
  return keys.map((key) => wanted.get(key)?.records ?? []);
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

/**
 * The records once per identity (first copies), sorted by `order` when given, else in the
 * upstream's order. A new array: the input is not changed.
 */
export function distinctSorted<T>(
  records: readonly T[],
  identity: (record: T) => string,
  order?: Order<T>,
): T[] {
  const distinct = distinctBy(records, identity);
  return order ? distinct.sort(order) : distinct;
}

/**
 * A page of a paged search or cursor listing with one record per identity (the first
 * copy), sorted by `order` where the field promises one. Every other property of the page
 * (totals, cursors) is kept: they are the upstream's, not counted from the items.
 */
export function distinctPage<P extends { readonly items: readonly unknown[] }>(
  page: P,
  identity: (record: P['items'][number]) => string,
  order?: Order<P['items'][number]>,
): P {
  return { ...page, items: distinctSorted(page.items, identity, order) };
}

/** Compares strings by UTF-16 code units, as the upstreams' databases order ids and dates. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders records by their id (`ordered by id` in the schema). */
export function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return compareText(a.id, b.id);
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
