// Small-cell suppression of the graph's aggregates (SECURITY.md, "Aggregates": cells
// counting fewer than 5 people are suppressed, and the remaining totals must not let
// anyone recompute them). It runs in the subgraph that owns the data, for every caller,
// so it holds whichever engine serves the supergraph and whoever asks.
//
// Primary suppression: a cell counting fewer than `minPeople` distinct people has its
// measures hidden.
//
// Secondary (complementary) suppression. Each statistics field answers every grouping
// of its dimensions, so the margins of any table it serves are public too: the total of a
// "line" (the cells that agree on every grouped dimension but one) is the cell of the
// same query without that dimension (flows by MONTH alone are the row totals of flows by
// MONTH x CONTRACT_TYPE; with no groupBy, the grand total). A line with exactly one hidden
// cell gives it away: line total minus the visible cells. So every line of two or more
// cells must end with either no hidden cell, or with hidden cells that together stay
// protected:
//   - at least two of them, so a subtraction yields only their sum; and
//   - a sum large enough to say nothing about any one of them: with k hidden cells whose
//     people add up to S, the line total minus the visible cells leaves a residual R >= S
//     (the additive measures count each person of a cell at least once: communications
//     >= workers, enrolments >= people, registrations = people), and every listed cell
//     holds at least one, so the most the residual tells about one hidden cell is that it
//     lies in [1, R - (k - 1)]. S - (k - 1) >= minPeople keeps that range reaching the
//     threshold: the margins cannot even tell that a given hidden cell is small. (Two
//     hidden cells of one person each would otherwise be pinned: residual 2, two cells.)
// While a line falls short, its smallest visible cell (fewest people: the least
// information lost) is hidden too, preferring cells that are not alone in a line of
// another dimension (such a cell is published, exactly, by the query without that
// dimension, unless that query's own rules hide it there, so hiding it here most likely
// protects nothing). Hiding a cell can unsettle the lines of its other dimensions, so this
// repeats until every line is settled. A line of one cell needs nothing: its total is that
// very cell, which the coarser query hides by the same rule when it is small (same people).
//
// What this does not cover (known limits, to weigh before publishing finer tables):
//   - Differencing across many queries. It protects one table against its own
//     one-dimension-coarser margins. Combining several margins at once (a hidden cell that
//     is a "bridge" between two groups of hidden cells in a two-way table can be solved by
//     adding and subtracting whole rows and columns), tables of different dimension sets
//     that are not nested, or overlapping date ranges (January 1-31 minus January 2-31 is
//     January 1) are not audited: each answer is protected on its own. Callers asking
//     many date ranges are bounded only by the rate limits.
//   - Existence. A hidden cell is still listed (with its dimensions and `suppressed`):
//     the graph says the combination is not empty, and the absence of a cell says it is.
//     When a whole line is hidden and its total is visible, the total and the number of
//     hidden cells bound each of them (five hidden cells and a total of 5: each is 1).
//   - Non-additive measures. Distinct-people measures (workers, people) of a margin are
//     not the sum of its cells (one person can be in two cells), so their residuals are
//     bounds, not values; the additive measures are what the rule protects. A measure
//     that can be 0 (completions) gets only the two-cell protection: a residual of 0
//     completions says that none of the hidden cells' people (at least 5) completed.
//   - Other fields. Counts served elsewhere in the graph without suppression are not
//     seen here (the desks subgraph's deskActivity REGISTRATION counts per desk and month
//     are the registrationStats MONTH x DESK cells, one registration per person).
//   - What counts as a person. Each field names its people count: co's `lavoratori` and
//     trio's `persone` are distinct people; IDOL's registrations are people because IDOL
//     keeps one job-seeker record (one DID date) per person. An IDOL that kept a person's
//     successive registrations would need a distinct-people count for this to hold.
import { GraphQLError } from 'graphql';
import type { Env } from '../../lib/env.js';
import { envInt } from '../../lib/env.js';
import { UpstreamBadResponseError } from './errors.js';

/** SECURITY.md's threshold: cells counting fewer distinct people are suppressed. */
export const DEFAULT_MIN_CELL_PEOPLE = 5;

/** A cell's value in one grouped dimension: a code, or null where the dimension has none. */
export type Coordinate = string | number | boolean | null;

export interface CountedCell {
  /** The cell's value in each grouped dimension, in the same dimension order for every cell. */
  readonly coordinates: readonly Coordinate[];
  /** Distinct people the cell counts. */
  readonly people: number;
  /** Already hidden (by an earlier pass, or for a reason of the caller's own). */
  readonly hidden?: boolean;
}

/** Two cells of one table with the same coordinates: the table cannot be protected line by line. */
export class DuplicateCellError extends RangeError {
  constructor() {
    super('two cells of the table have the same coordinates');
    this.name = 'DuplicateCellError';
  }
}

function checkMinPeople(minPeople: number): void {
  if (!Number.isInteger(minPeople) || minPeople < 1) {
    throw new RangeError(`minPeople must be a positive integer, got ${minPeople}`);
  }
}

interface Line {
  /** Member cells, visible-candidates order: not exposed first, then fewest people, then canonical. */
  members: number[];
  hiddenCount: number;
  hiddenPeople: number;
  /** Members before this index are hidden or were looked at already. */
  cursor: number;
}

/**
 * Which cells to hide, index-aligned with `cells`: the primary cells (fewer than
 * `minPeople` people, or already hidden) and the complementary ones that keep every line
 * of the table settled (see the module comment). The answer depends on the cells, not on
 * their order.
 */
export function cellsToHide(cells: readonly CountedCell[], minPeople: number): boolean[] {
  checkMinPeople(minPeople);
  // A NaN or negative count is hidden: when in doubt, publish less.
  const hidden = cells.map((c) => c.hidden === true || !(c.people >= minPeople));
  const width = cells[0]?.coordinates.length ?? 0;
  const keys = cells.map((c) => {
    if (c.coordinates.length !== width) {
      throw new RangeError('every cell must have one coordinate per grouped dimension');
    }
    return JSON.stringify(c.coordinates);
  });
  if (new Set(keys).size !== keys.length) throw new DuplicateCellError();
  if (width === 0 || cells.length < 2) return hidden;

  // Canonical order (by coordinates): lines are numbered and worked through in it, so the
  // result does not depend on the order the upstream listed the cells in.
  const order = cells.map((_, i) => i).sort((a, b) => compare(keys[a]!, keys[b]!));
  const lineIds = new Map<string, number>();
  const lines: Line[] = [];
  const linesOfCell: number[][] = cells.map(() => []);
  for (const i of order) {
    const coordinates = cells[i]!.coordinates;
    for (let d = 0; d < width; d++) {
      // The dimension that varies along the line, and the values of all the others.
      const key = JSON.stringify([d, ...coordinates.slice(0, d), ...coordinates.slice(d + 1)]);
      let id = lineIds.get(key);
      if (id === undefined) {
        id = lines.length;
        lineIds.set(key, id);
        lines.push({ members: [], hiddenCount: 0, hiddenPeople: 0, cursor: 0 });
      }
      lines[id]!.members.push(i);
      linesOfCell[i]!.push(id);
    }
  }
  const rank = new Array<number>(cells.length);
  order.forEach((cell, position) => (rank[cell] = position));
  const exposed = cells.map((_, i) => linesOfCell[i]!.some((id) => lines[id]!.members.length < 2));
  const people = (i: number): number => {
    const n = cells[i]!.people;
    return Number.isFinite(n) ? Math.max(n, 0) : 0;
  };
  for (const line of lines) {
    line.members.sort(
      (a, b) =>
        Number(exposed[a]) - Number(exposed[b]) || people(a) - people(b) || rank[a]! - rank[b]!,
    );
    for (const i of line.members) {
      if (hidden[i]) {
        line.hiddenCount++;
        line.hiddenPeople += people(i);
      }
    }
  }

  const settled = (line: Line): boolean =>
    line.members.length < 2 ||
    line.hiddenCount === 0 ||
    line.hiddenCount === line.members.length ||
    (line.hiddenCount >= 2 && line.hiddenPeople - (line.hiddenCount - 1) >= minPeople);

  const queue = lines.map((_, id) => id);
  for (let head = 0; head < queue.length; head++) {
    const line = lines[queue[head]!]!;
    while (!settled(line)) {
      while (hidden[line.members[line.cursor]!]) line.cursor++;
      // Not settled means some member is still visible: the cursor stops on it.
      const next = line.members[line.cursor]!;
      hidden[next] = true;
      for (const id of linesOfCell[next]!) {
        lines[id]!.hiddenCount++;
        lines[id]!.hiddenPeople += people(next);
        queue.push(id);
      }
    }
  }
  return hidden;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface SuppressionSpec<R> {
  /** The upstream the rows came from, named when its answer cannot be protected. */
  upstream: string;
  minPeople: number;
  /** The row's value in each grouped dimension, in one fixed dimension order. */
  coordinates: (row: R) => readonly Coordinate[];
  /** Distinct people the row counts. */
  people: (row: R) => number;
}

/**
 * The most cells one statistics answer may have. The schema cannot say how many cells a
 * `groupBy` yields (seven dimensions of communication flows make about 150,000), so the
 * gateway's result-size estimate assumes a bounded answer and this holds it to that.
 */
export const MAX_STATISTICS_CELLS = 25_000;

/**
 * `cellsToHide` over upstream rows. An upstream answer listing one cell twice is refused
 * rather than published: its margins would not be the sums this protection relies on. An
 * answer of more than MAX_STATISTICS_CELLS cells is refused as too large to serve.
 */
export function suppressRows<R>(rows: readonly R[], spec: SuppressionSpec<R>): boolean[] {
  if (rows.length > MAX_STATISTICS_CELLS) {
    throw new GraphQLError(
      `These statistics have ${rows.length} cells, more than the ${MAX_STATISTICS_CELLS} one answer may hold: group by fewer dimensions or ask for a shorter period`,
      {
        extensions: {
          code: 'COST_LIMIT_EXCEEDED',
          limit: { name: 'statisticsCells', max: MAX_STATISTICS_CELLS, found: rows.length },
        },
      },
    );
  }
  try {
    return cellsToHide(
      rows.map((row) => ({ coordinates: spec.coordinates(row), people: spec.people(row) })),
      spec.minPeople,
    );
  } catch (error) {
    if (error instanceof DuplicateCellError) {
      throw new UpstreamBadResponseError(spec.upstream, 'duplicate statistics cell', {
        cause: error,
      });
    }
    throw error;
  }
}

/** A measure as served: null when its cell is suppressed, whatever the measure. */
export function measure(value: number, suppressed: boolean): number | null {
  return suppressed ? null : value;
}

/**
 * Reads `<PREFIX>_MIN_CELL_PEOPLE`, else `MIN_CELL_PEOPLE`, else 5. The threshold may be
 * raised per subgraph, never lowered under SECURITY.md's 5.
 */
export function readMinCellPeople(env: Env, prefix: string): number {
  const range = { min: DEFAULT_MIN_CELL_PEOPLE, max: 1000 };
  return envInt(
    env,
    `${prefix}_MIN_CELL_PEOPLE`,
    envInt(env, 'MIN_CELL_PEOPLE', DEFAULT_MIN_CELL_PEOPLE, range),
    range,
  );
}
