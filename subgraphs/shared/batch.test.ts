import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunk, distinctBy, groupByKeys, mapWithConcurrency, orderByKeys } from './batch.js';

describe('orderByKeys', () => {
  it('gives every key its own record or null, whatever order, gaps, duplicates or foreign ids the upstream sent', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 30 }),
        fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 40 }),
        fc.func(fc.boolean()),
        (keys, foreign, keep) => {
          const answered = [
            ...keys.filter((k) => keep(k)),
            ...keys.filter((k) => keep(k)),
            ...foreign,
          ].map((id) => ({ id }));
          const shuffled = answered.reverse();
          const result = orderByKeys(keys, shuffled, (r) => r.id);
          expect(result).toHaveLength(keys.length);
          result.forEach((record, i) => {
            if (record !== null) expect(record.id).toBe(keys[i]);
            else expect(answered.some((r) => r.id === keys[i])).toBe(false);
          });
        },
      ),
    );
  });
});

describe('distinctBy', () => {
  it('keeps the first record of each identity in the upstream order', () => {
    const records = [
      { id: 'b', n: 1 },
      { id: 'a', n: 2 },
      { id: 'b', n: 3 },
    ];
    expect(distinctBy(records, (r) => r.id)).toEqual([
      { id: 'b', n: 1 },
      { id: 'a', n: 2 },
    ]);
  });
});

describe('groupByKeys', () => {
  it('collects every record under its key, ignores foreign ones and keeps the upstream order within a key', () => {
    const records = [
      { k: 'b', n: 1 },
      { k: 'x', n: 2 },
      { k: 'a', n: 3 },
      { k: 'b', n: 4 },
    ];
    expect(groupByKeys(['a', 'b', 'c'], records, (r) => r.k)).toEqual([
      [{ k: 'a', n: 3 }],
      [
        { k: 'b', n: 1 },
        { k: 'b', n: 4 },
      ],
      [],
    ]);
  });
});

describe('chunk', () => {
  it('splits into pieces no larger than the cap', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunk([1], 0)).toThrow(/chunk size must be >= 1, got 0/);
  });
});

describe('mapWithConcurrency', () => {
  it('never has more than `limit` calls in flight and keeps each failure in its own slot', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const results = await mapWithConcurrency([...Array(20).keys()], 3, async (n) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      if (n === 7) throw new Error('seven');
      return n * 2;
    });
    expect(maxInFlight).toBe(3);
    expect(results[7]).toBeInstanceOf(Error);
    expect(results.filter((r) => !(r instanceof Error))).toEqual(
      [...Array(20).keys()].filter((n) => n !== 7).map((n) => n * 2),
    );
  });
});
