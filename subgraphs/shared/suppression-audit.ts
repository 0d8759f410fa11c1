// For tests: checks a statistics table the graph served against the upstream's own cells,
// written independently of suppression.ts (it checks outcomes, not the algorithm).
import type { Coordinate } from './suppression.js';

export interface TruthCell {
  coordinates: readonly Coordinate[];
  /** The upstream's measures, additive first (communications, enrolments, registrations). */
  measures: readonly number[];
  /** Distinct people. */
  people: number;
}

export interface ServedCell {
  coordinates: readonly Coordinate[];
  /** The served measures in the same order, null when suppressed. */
  measures: readonly (number | null)[];
  suppressed: boolean;
}

export interface Audit {
  /** Every rule the served table breaks; empty when it keeps them all. */
  problems: string[];
  /** Cells under the threshold, and cells hidden: tests check both are non-zero. */
  small: number;
  hidden: number;
}

/**
 * The served table must list exactly the upstream's cells; show the visible ones exactly as
 * the upstream counts them; show no cell under `minPeople`; hide all measures of a
 * suppressed cell; and in every line of two or more cells hide no cell or at least two,
 * whose residual (line total minus visible cells, in the first measure) leaves each of
 * them possibly as large as the threshold, unless the whole line is hidden.
 */
export function auditSuppression(
  served: readonly ServedCell[],
  truth: readonly TruthCell[],
  minPeople: number,
): Audit {
  const problems: string[] = [];
  const key = (coordinates: readonly Coordinate[]) => JSON.stringify(coordinates);
  const truthByKey = new Map(truth.map((c) => [key(c.coordinates), c]));
  const servedByKey = new Map(served.map((c) => [key(c.coordinates), c]));
  if (servedByKey.size !== served.length) problems.push('a cell is served twice');
  for (const k of truthByKey.keys()) if (!servedByKey.has(k)) problems.push(`${k} is missing`);
  for (const cell of served) {
    const k = key(cell.coordinates);
    const source = truthByKey.get(k);
    if (!source) {
      problems.push(`${k} is not an upstream cell`);
    } else if (cell.suppressed) {
      if (cell.measures.some((m) => m !== null))
        problems.push(`${k} is suppressed but shows a count`);
    } else {
      if (source.people < minPeople) problems.push(`${k} shows ${source.people} people`);
      if (JSON.stringify(cell.measures) !== JSON.stringify(source.measures))
        problems.push(
          `${k} shows ${JSON.stringify(cell.measures)}, the upstream counts ${JSON.stringify(source.measures)}`,
        );
    }
  }
  const width = truth[0]?.coordinates.length ?? 0;
  for (let d = 0; d < width; d++) {
    const lines = new Map<string, TruthCell[]>();
    for (const cell of truth) {
      const rest = key(cell.coordinates.filter((_, e) => e !== d));
      lines.set(rest, [...(lines.get(rest) ?? []), cell]);
    }
    for (const [rest, line] of lines) {
      if (line.length < 2) continue;
      const isHidden = (c: TruthCell) => servedByKey.get(key(c.coordinates))?.suppressed !== false;
      const hiddenCells = line.filter(isHidden);
      if (hiddenCells.length === 0 || hiddenCells.length === line.length) continue;
      const residual = hiddenCells.reduce((sum, c) => sum + (c.measures[0] ?? 0), 0);
      const k = hiddenCells.length;
      if (k === 1) problems.push(`line ${d}:${rest} has one hidden cell`);
      else if (residual - (k - 1) < minPeople)
        problems.push(`line ${d}:${rest} bounds its ${k} hidden cells to ${residual - (k - 1)}`);
    }
  }
  return {
    problems,
    small: truth.filter((c) => c.people < minPeople).length,
    hidden: served.filter((c) => c.suppressed).length,
  };
}
