import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  byId,
  chunk,
  compareText,
  distinctBy,
  distinctPage,
  groupByKeys,
  mapWithConcurrency,
  orderByKeys,
} from './batch.js';

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
  it('collects every record under its key once, ignores foreign ones and keeps the upstream order within a key', () => {
    const records = [
      { k: 'b', id: '1', n: 1 },
      { k: 'x', id: '2', n: 2 },
      { k: 'a', id: '3', n: 3 },
      { k: 'b', id: '4', n: 4 },
      { k: 'b', id: '1', n: 5 },
    ];
    expect(
      groupByKeys(
        ['a', 'b', 'c'],
        records,
        (r) => r.k,
        (r) => r.id,
      ),
    ).toEqual([
      [{ k: 'a', id: '3', n: 3 }],
      [
        { k: 'b', id: '1', n: 1 },
        { k: 'b', id: '4', n: 4 },
      ],
      [],
    ]);
  });

  it('does not let a foreign record sharing an identity take the place of an asked one', () => {
    const records = [
      { k: 'x', id: '1' },
      { k: 'a', id: '1' },
    ];
    expect(
      groupByKeys(
        ['a'],
        records,
        (r) => r.k,
        (r) => r.id,
      ),
    ).toEqual([[{ k: 'a', id: '1' }]]);
  });
});

/** A record as an upstream sends it; `v` is content a duplicate may change (`diversi`). */
interface Rec {
  key: string;
  id: string;
  v: string;
}

// What the batch faults of upstreams/faults.ts do to an answer, in any combination and order:
// copies of records (possibly with other content) appended, the array reversed or shuffled,
// records of keys nobody asked for added, records dropped.
const answerUnderFaults = (keys: string[]) =>
  fc
    .record({
      // The upstream's truth: for each asked key, its records with ids unique in the answer.
      counts: fc.array(fc.nat({ max: 3 }), { minLength: keys.length, maxLength: keys.length }),
      kept: fc.func(fc.boolean()),
      copies: fc.array(fc.record({ at: fc.nat(), differs: fc.boolean() }), { maxLength: 10 }),
      foreign: fc.array(
        fc.record({
          key: fc.string({ minLength: 1, maxLength: 4 }),
          id: fc.string({ minLength: 1, maxLength: 4 }),
        }),
        { maxLength: 6 },
      ),
      order: fc.constantFrom('as-is', 'reversed', 'shuffled'),
      seed: fc.array(fc.nat(), { maxLength: 60 }),
    })
    .map(({ counts, kept, copies, foreign, order, seed }) => {
      const truth: Rec[] = keys.flatMap((key, k) =>
        Array.from({ length: counts[k] ?? 0 }, (_, j) => ({
          key,
          id: `${k}.${j}`,
          v: 'original',
        })),
      );
      // `mancanti`: some records missing (the truth is what is left).
      const present = truth.filter((r) => kept(r.id));
      const duplicates = present.length
        ? copies.map(({ at, differs }) => {
            const r = present[at % present.length] as Rec;
            return { ...r, v: differs ? 'copy' : r.v };
          })
        : [];
      const asked = new Set(keys);
      const strangers = foreign
        .filter((f) => !asked.has(f.key))
        .map((f) => ({ ...f, id: `f${f.id}`, v: 'foreign' }));
      let answer: Rec[] = [...present, ...duplicates, ...strangers];
      if (order === 'reversed') answer = answer.reverse();
      if (order === 'shuffled') {
        answer = answer
          .map((r, i) => ({ r, w: seed[i % Math.max(1, seed.length)] ?? 0 }))
          .sort((a, b) => a.w - b.w)
          .map(({ r }) => r);
      }
      return { present, answer };
    });

const keysArb = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 20 });
const byRecordId = (a: Rec, b: Rec): number => compareText(a.id, b.id);

describe('one-to-many answers under duplicates, reordering, foreign and missing records', () => {
  it('give each key its own records, once each, first copy kept, sorted as promised', () => {
    fc.assert(
      fc.property(
        keysArb.chain((keys) => fc.tuple(fc.constant(keys), answerUnderFaults(keys))),
        ([keys, { present, answer }]) => {
          const grouped = groupByKeys(
            keys,
            answer,
            (r) => r.key,
            (r) => r.id,
          ).map((list) => list.sort(byRecordId));
          expect(grouped).toHaveLength(keys.length);
          grouped.forEach((list, i) => {
            const own = present.filter((r) => r.key === keys[i]).map((r) => r.id);
            expect(list.map((r) => r.id)).toEqual([...own].sort(compareText));
            for (const r of list) expect(r.key).toBe(keys[i]);
          });
        },
      ),
    );
  });

  it('keep the first copy of a record whose copies differ, the copy a lookup by id keeps', () => {
    fc.assert(
      fc.property(
        keysArb.chain((keys) => fc.tuple(fc.constant(keys), answerUnderFaults(keys))),
        ([keys, { answer }]) => {
          const first = new Map<string, Rec>();
          for (const r of answer) if (!first.has(r.id)) first.set(r.id, r);
          const lists = groupByKeys(
            keys,
            answer,
            (r) => r.key,
            (r) => r.id,
          );
          const ids = lists.flat().map((r) => r.id);
          const byLookup = orderByKeys(ids, answer, (r) => r.id);
          lists.flat().forEach((r, i) => {
            expect(r).toBe(first.get(r.id));
            expect(r).toBe(byLookup[i]);
          });
        },
      ),
    );
  });
});

describe('distinctPage', () => {
  it('serves a page once per identity in the promised order, keeping its totals and cursors', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 50 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (ids, copies, reversed, total) => {
          const items = [...ids].sort(compareText).map((id) => ({ id, v: 'original' }));
          const sent = [
            ...items,
            ...(items.length
              ? copies.map((n) => ({ ...(items[n % items.length] as Rec), v: 'copy' }))
              : []),
          ];
          const page = { items: reversed ? sent.reverse() : sent, total, nextCursor: 'c' };
          const served = distinctPage(page, (r) => r.id, byId);
          expect(served.items.map((r) => r.id)).toEqual(items.map((r) => r.id));
          expect(served.total).toBe(total);
          expect(served.nextCursor).toBe('c');
          if (!reversed) expect(served.items).toEqual(items);
        },
      ),
    );
  });

  it('keeps the upstream order when no order is promised', () => {
    const page = { items: [{ id: 'b' }, { id: 'a' }, { id: 'b' }], total: 2 };
    expect(distinctPage(page, (r) => r.id)).toEqual({
      items: [{ id: 'b' }, { id: 'a' }],
      total: 2,
    });
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
