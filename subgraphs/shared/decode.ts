// Small decoders for upstream JSON arriving as `unknown`. A shape problem becomes an
// UpstreamBadResponseError naming the field, never the value (which may be personal data).
import type { Address } from './address.js';
import { UpstreamBadResponseError } from './errors.js';

export type JsonRecord = Record<string, unknown>;

export class Decoder {
  constructor(readonly upstream: string) {}

  fail(path: string): never {
    throw new UpstreamBadResponseError(this.upstream, `field ${path}`);
  }

  record(value: unknown, path: string): JsonRecord {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path);
    return value as JsonRecord;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path);
    return value;
  }

  /** The array under `key` of a record, each element decoded by `item`. */
  list<T>(rec: JsonRecord, key: string, item: (value: unknown, path: string) => T): T[] {
    return this.array(rec[key], key).map((value, i) => item(value, `${key}[${i}]`));
  }

  string(rec: JsonRecord, key: string): string {
    const value = rec[key];
    if (typeof value !== 'string') this.fail(key);
    return value;
  }

  optionalString(rec: JsonRecord, key: string): string | null {
    const value = rec[key];
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') this.fail(key);
    return value;
  }

  number(rec: JsonRecord, key: string): number {
    const value = rec[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key);
    return value;
  }

  optionalNumber(rec: JsonRecord, key: string): number | null {
    const value = rec[key];
    if (value === null || value === undefined) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key);
    return value;
  }

  boolean(rec: JsonRecord, key: string): boolean {
    const value = rec[key];
    if (typeof value !== 'boolean') this.fail(key);
    return value;
  }

  /** The value under `key` decoded by `item`, or null when it is null or absent. */
  optional<T>(rec: JsonRecord, key: string, item: (value: unknown, path: string) => T): T | null {
    const value = rec[key];
    return value === null || value === undefined ? null : item(value, key);
  }

  /** A string that must be one of the keys of `mapping`; returns the mapped value. */
  oneOf<T>(rec: JsonRecord, key: string, mapping: Readonly<Record<string, T>>): T {
    const raw = this.string(rec, key);
    if (!Object.hasOwn(mapping, raw)) this.fail(key);
    return mapping[raw] as T;
  }

  /** Like `oneOf`, or null when the value is null or absent. */
  optionalOneOf<T>(rec: JsonRecord, key: string, mapping: Readonly<Record<string, T>>): T | null {
    return rec[key] === null || rec[key] === undefined ? null : this.oneOf(rec, key, mapping);
  }

  /** A postal address as co and IDOL write it: `{indirizzo, comune, cap}`. */
  address(value: unknown, path: string): Address {
    const r = this.record(value, path);
    return {
      street: this.string(r, 'indirizzo'),
      comuneCode: this.string(r, 'comune'),
      postalCode: this.string(r, 'cap'),
    };
  }

  /** A paged search answer: `{totale, pagina, dimensione, <items>: [...]}`. */
  page<T>(value: unknown, itemsKey: string, item: (value: unknown, path: string) => T): Page<T> {
    const rec = this.record(value, 'body');
    return {
      total: this.number(rec, 'totale'),
      page: this.number(rec, 'pagina'),
      size: this.number(rec, 'dimensione'),
      items: this.list(rec, itemsKey, item),
    };
  }
}

export interface Page<T> {
  total: number;
  page: number;
  size: number;
  items: T[];
}
