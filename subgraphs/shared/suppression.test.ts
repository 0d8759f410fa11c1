import fc from 'fast-check';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/env.js';
import { UpstreamBadResponseError } from './errors.js';
import {
  cellsToHide,
  DEFAULT_MIN_CELL_PEOPLE,
  DuplicateCellError,
  MAX_STATISTICS_CELLS,
  readMinCellPeople,
  suppressRows,
  type Coordinate,
  type CountedCell,
} from './suppression.js';

/** A cell with an additive measure (communications, enrolments) of at least its people. */
interface TestCell extends CountedCell {
  coordinates: Coordinate[];
  measure: number;
}

function cartesian(sizes: readonly number[]): Coordinate[][] {
  return sizes.reduce<Coordinate[][]>(
    (rows, size, d) =>
      rows.flatMap((row) =>
        // The first value of each dimension is null: "no desk" is a value like any other.
        Array.from({ length: size }, (_, j) => [...row, j === 0 ? null : `d${d}v${j}`]),
      ),
    [[]],
  );
}

/** Tables of 1 to 3 dimensions, each cell of the grid present or not, small counts likely. */
const tables = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
  .chain((sizes) => {
    const grid = cartesian(sizes);
    return fc
      .array(
        fc.option(
          fc.record({ people: fc.integer({ min: 1, max: 14 }), extra: fc.nat({ max: 6 }) }),
          { nil: null, freq: 4 },
        ),
        { minLength: grid.length, maxLength: grid.length },
      )
      .map((counts) =>
        grid.flatMap((coordinates, i): TestCell[] => {
          const count = counts[i];
          return count
            ? [{ coordinates, people: count.people, measure: count.people + count.extra }]
            : [];
        }),
      );
  });

const thresholds = fc.integer({ min: 2, max: 8 });

/** Every line of the table: the cells agreeing on all dimensions but one (written plainly, as a check). */
function linesOf<T extends { coordinates: Coordinate[] }>(cells: readonly T[]): number[][] {
  const width = cells[0]?.coordinates.length ?? 0;
  const lines: number[][] = [];
  for (let d = 0; d < width; d++) {
    const byRest = new Map<string, number[]>();
    cells.forEach((cell, i) => {
      const rest = JSON.stringify(cell.coordinates.filter((_, e) => e !== d));
      byRest.set(rest, [...(byRest.get(rest) ?? []), i]);
    });
    lines.push(...byRest.values());
  }
  return lines;
}

const key = (cell: { coordinates: Coordinate[] }) => JSON.stringify(cell.coordinates);

describe('cellsToHide properties', () => {
  it('never shows a cell counting fewer people than the threshold', () => {
    fc.assert(
      fc.property(tables, thresholds, (cells, min) => {
        const hidden = cellsToHide(cells, min);
        expect(cells.filter((c, i) => !hidden[i] && c.people < min)).toEqual([]);
      }),
    );
  });

  it('hides nothing when every cell reaches the threshold', () => {
    fc.assert(
      fc.property(tables, thresholds, (cells, min) => {
        const big = cells.map((c) => ({ ...c, people: c.people + min }));
        expect(cellsToHide(big, min).some(Boolean)).toBe(false);
      }),
    );
  });

  it('leaves no line of two or more cells with exactly one hidden cell', () => {
    fc.assert(
      fc.property(tables, thresholds, (cells, min) => {
        const hidden = cellsToHide(cells, min);
        for (const line of linesOf(cells)) {
          const count = line.filter((i) => hidden[i]).length;
          if (line.length >= 2) expect(count).not.toBe(1);
        }
      }),
    );
  });

  it('never lets a line total minus its visible cells isolate a hidden cell or bound it under the threshold', () => {
    fc.assert(
      fc.property(tables, thresholds, (cells, min) => {
        const hidden = cellsToHide(cells, min);
        for (const line of linesOf(cells)) {
          if (line.length < 2) continue;
          // What anyone can compute: the coarser query's cell minus the visible cells.
          const total = line.reduce((sum, i) => sum + cells[i]!.measure, 0);
          const visible = line.filter((i) => !hidden[i]);
          const residual = total - visible.reduce((sum, i) => sum + cells[i]!.measure, 0);
          const k = line.length - visible.length;
          if (k === 0 || k === line.length) continue;
          expect(k).toBeGreaterThanOrEqual(2);
          // Each hidden cell holds at least 1: the most one of them can be is this.
          expect(residual - (k - 1)).toBeGreaterThanOrEqual(min);
        }
      }),
    );
  });

  it('is idempotent: hiding again what it hid changes nothing', () => {
    fc.assert(
      fc.property(tables, thresholds, (cells, min) => {
        const hidden = cellsToHide(cells, min);
        const again = cellsToHide(
          cells.map((c, i) => ({ ...c, hidden: hidden[i] })),
          min,
        );
        expect(again).toEqual(hidden);
      }),
    );
  });

  it('does not depend on the order of the cells', () => {
    fc.assert(
      fc.property(
        tables.chain((cells) =>
          fc.tuple(fc.constant(cells), fc.shuffledSubarray(cells, { minLength: cells.length })),
        ),
        thresholds,
        ([cells, shuffled], min) => {
          const hiddenKeys = (list: TestCell[]) => {
            const hidden = cellsToHide(list, min);
            return list
              .filter((_, i) => hidden[i])
              .map(key)
              .sort();
          };
          expect(hiddenKeys(shuffled)).toEqual(hiddenKeys(cells));
        },
      ),
    );
  });
});

describe('cellsToHide', () => {
  const cell = (month: string, contract: string, people: number): TestCell => ({
    coordinates: [month, contract],
    people,
    measure: people,
  });

  it('hides the smallest other cell of a row and of a column with one small cell', () => {
    // Jan A (2 people) is small. Column A takes Feb A, its only other cell; row Jan takes
    // its smallest other cell, Jan B; that leaves column B with one hidden cell, so it takes
    // Feb B; row Feb then has two hidden cells and is settled.
    const cells = [
      cell('2011-01', 'A', 2),
      cell('2011-01', 'B', 9),
      cell('2011-01', 'C', 30),
      cell('2011-02', 'A', 12),
      cell('2011-02', 'B', 8),
      cell('2011-02', 'C', 40),
    ];
    expect(cellsToHide(cells, 5)).toEqual([true, true, false, true, true, false]);
  });

  it('hides one more cell when the hidden ones of a line are too few people to say nothing', () => {
    const byContract = (contract: string, people: number): CountedCell => ({
      coordinates: [contract],
      people,
    });
    // Two cells of one person: the grand total minus C and D would be 2, so each is 1.
    const cells = [
      byContract('A', 1),
      byContract('B', 1),
      byContract('C', 20),
      byContract('D', 30),
    ];
    expect(cellsToHide(cells, 5)).toEqual([true, true, true, false]);
    // Three and four people: the residual 7 leaves each hidden cell anywhere in 1..6.
    const larger = [byContract('A', 3), byContract('B', 4), byContract('C', 20)];
    expect(cellsToHide(larger, 5)).toEqual([true, true, false]);
  });

  it('prefers a cell that no coarser query publishes on its own', () => {
    // Contract C exists only in March: the CONTRACT_TYPE query (A 10, B 90, C 6, nothing
    // small) shows March C exactly, so hiding it would leave March A = March total - March
    // B - 6. March B, larger but not published elsewhere, is hidden instead.
    const cells = [
      cell('2011-03', 'A', 1),
      cell('2011-03', 'B', 40),
      cell('2011-03', 'C', 6),
      cell('2011-04', 'A', 9),
      cell('2011-04', 'B', 50),
    ];
    expect(cellsToHide(cells, 5)).toEqual([true, true, false, true, true]);
  });

  it('hides the grand total when it counts too few people, and nothing else is needed', () => {
    expect(cellsToHide([{ coordinates: [], people: 4 }], 5)).toEqual([true]);
    expect(cellsToHide([{ coordinates: [], people: 5 }], 5)).toEqual([false]);
    expect(cellsToHide([], 5)).toEqual([]);
  });

  it('hides a cell whose count is not a number', () => {
    expect(cellsToHide([{ coordinates: ['a'], people: Number.NaN }], 5)).toEqual([true]);
  });

  it('refuses tables it cannot protect line by line', () => {
    expect(() => cellsToHide([cell('m', 'A', 9), cell('m', 'A', 2)], 5)).toThrow(
      DuplicateCellError,
    );
    expect(() =>
      cellsToHide(
        [
          { coordinates: ['m', 'A'], people: 9 },
          { coordinates: ['m'], people: 9 },
        ],
        5,
      ),
    ).toThrow(RangeError);
    expect(() => cellsToHide([], 0)).toThrow('minPeople must be a positive integer, got 0');
    expect(() => cellsToHide([], 2.5)).toThrow(RangeError);
  });

  it('settles a table of tens of thousands of cells', () => {
    // 60 months x 400 codes x 2 sexes, a third of the cells small.
    const cells: TestCell[] = [];
    for (let m = 0; m < 60; m++)
      for (let c = 0; c < 400; c++)
        for (const sex of ['F', 'M']) {
          const people = ((m * 7 + c * 13 + (sex === 'F' ? 5 : 0)) % 11) + 1;
          cells.push({ coordinates: [m, c, sex], people, measure: people });
        }
    const hidden = cellsToHide(cells, 5);
    const small = cells.filter((c) => c.people < 5).length;
    expect(hidden.filter(Boolean).length).toBeGreaterThan(small);
    expect(cells.some((c, i) => !hidden[i] && c.people < 5)).toBe(false);
    const unsettled = linesOf(cells).filter((line) => {
      const k = line.filter((i) => hidden[i]).length;
      const people = line.filter((i) => hidden[i]).reduce((sum, i) => sum + cells[i]!.people, 0);
      return k > 0 && k < line.length && (k < 2 || people - (k - 1) < 5);
    });
    expect(unsettled).toEqual([]);
  });
});

describe('suppressRows', () => {
  it('reads coordinates and people from upstream rows', () => {
    const rows = [
      { mese: '2011-01', persone: 3 },
      { mese: '2011-02', persone: 7 },
      { mese: '2011-03', persone: 9 },
    ];
    expect(
      suppressRows(rows, {
        upstream: 'trio',
        minPeople: 5,
        coordinates: (r) => [r.mese],
        people: (r) => r.persone,
      }),
    ).toEqual([true, true, false]);
  });

  it('refuses an upstream answer that lists a cell twice, naming the upstream only', () => {
    const rows = [
      { mese: '2011-01', persone: 3 },
      { mese: '2011-01', persone: 7 },
    ];
    const attempt = () =>
      suppressRows(rows, {
        upstream: 'co',
        minPeople: 5,
        coordinates: (r) => [r.mese],
        people: (r) => r.persone,
      });
    expect(attempt).toThrow(UpstreamBadResponseError);
    expect(attempt).toThrow(
      'co sent a response that could not be understood (duplicate statistics cell)',
    );
  });
});

describe('readMinCellPeople', () => {
  it('is 5 unless raised for every subgraph or for one', () => {
    expect(readMinCellPeople({}, 'EMPLOYERS')).toBe(DEFAULT_MIN_CELL_PEOPLE);
    expect(readMinCellPeople({ MIN_CELL_PEOPLE: '10' }, 'EMPLOYERS')).toBe(10);
    expect(
      readMinCellPeople({ MIN_CELL_PEOPLE: '10', EMPLOYERS_MIN_CELL_PEOPLE: '20' }, 'EMPLOYERS'),
    ).toBe(20);
    expect(readMinCellPeople({ TRAINING_MIN_CELL_PEOPLE: '20' }, 'EMPLOYERS')).toBe(5);
  });

  it('refuses a threshold under SECURITY.md 5, naming the variable', () => {
    expect(() => readMinCellPeople({ WORKERS_MIN_CELL_PEOPLE: '3' }, 'WORKERS')).toThrow(
      ConfigError,
    );
    expect(() => readMinCellPeople({ MIN_CELL_PEOPLE: 'x' }, 'WORKERS')).toThrow(
      'MIN_CELL_PEOPLE="x" is not valid: expected an integer from 5 to 1000',
    );
  });
});

describe('suppressRows size cap', () => {
  it('refuses an answer of more cells than one answer may hold, saying how to narrow it', () => {
    const rows = Array.from({ length: MAX_STATISTICS_CELLS + 1 }, (_, i) => ({ k: i, n: 10 }));
    const spec = {
      upstream: 'co',
      minPeople: 5,
      coordinates: (r: { k: number }) => [String(r.k)],
      people: (r: { n: number }) => r.n,
    };
    expect(() => suppressRows(rows, spec)).toThrow(/group by fewer dimensions/);
    try {
      suppressRows(rows, spec);
    } catch (err) {
      expect((err as GraphQLError).extensions.code).toBe('COST_LIMIT_EXCEEDED');
    }
    expect(suppressRows(rows.slice(1), spec)).toHaveLength(MAX_STATISTICS_CELLS);
  });
});
