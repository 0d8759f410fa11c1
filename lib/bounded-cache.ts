// A least-recently-used map bounded twice: by its number of entries and by the bytes they are
// estimated to take. Keys come from clients (a hash of their document), so neither bound may
// depend on what they send: the caller states what each entry weighs when it stores it.

/** Validates a limit option up front, naming the bad value (like DataLoader's options). */
export function assertLimit(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export interface BoundedCacheOptions {
  /** Most entries kept. */
  maxEntries: number;
  /** Most estimated bytes kept, keys included. */
  maxBytes: number;
}

export interface BoundedCacheStats {
  entries: number;
  /** Estimated bytes of the entries kept, keys included. */
  bytes: number;
  /** Lookups that found an entry, and that found none, since the cache was made (metrics). */
  hits: number;
  misses: number;
}

/** What a string key weighs in V8 at most (two bytes a character) plus a map entry's overhead. */
export function keyBytes(key: string): number {
  return 2 * key.length + 48;
}

export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(options: BoundedCacheOptions) {
    this.#maxEntries = assertLimit('maxEntries', options.maxEntries);
    this.#maxBytes = assertLimit('maxBytes', options.maxBytes);
  }

  /** The value under `key`, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /**
   * Stores `value` (weighing `valueBytes` besides its key), dropping the least recently used
   * entries until both bounds hold. An entry heavier than the whole byte bound is not kept.
   */
  set(key: string, value: V, valueBytes: number): void {
    this.delete(key);
    const bytes = keyBytes(key) + Math.max(0, valueBytes);
    if (bytes > this.#maxBytes) return;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  stats(): BoundedCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
    };
  }
}
