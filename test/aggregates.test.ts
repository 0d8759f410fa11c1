// Small-cell suppression end to end (SECURITY.md, "Aggregates"), as a public caller
// through the gateway: no cell under 5 people is visible, and the coarser queries the graph
// also answers (its row and column totals) never give a hidden cell away by subtraction.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { graphql, upstreamGet, type Stack, startStack } from './stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
});

afterAll(async () => {
  await stack?.stop();
});

const MIN = 5;
type Json = Record<string, unknown>;

/** A served cell: its dimension values, its additive count (null when hidden), hidden or not. */
interface Cell {
  coordinates: string[];
  count: number | null;
  suppressed: boolean;
}

async function query(
  field: string,
  args: string,
  selection: string,
  headers: Record<string, string> = {},
): Promise<Json[]> {
  const res = await graphql<Record<string, Json[]>>(
    stack.gatewayUrl,
    `{ ${field}(${args}) { ${selection} } }`,
    undefined,
    headers,
  );
  expect(res.status).toBe(200);
  expect(res.errors).toBeUndefined();
  return res.data![field]!;
}

interface MarginCheck {
  /** Lines of the fine table with hidden cells whose total the coarse query shows. */
  linesWithHiddenCells: number;
  /** What an attacker gets by subtraction in each such line: [hidden cells, residual]. */
  problems: string[];
}

/**
 * For every line of `fine` along dimension `d` (the cells that agree on every other
 * dimension), the `coarse` query's cell for the line (the same query without `d`) minus the
 * line's visible cells is what anyone can compute. It must never be one hidden cell, nor
 * bound hidden cells under the threshold; a one-cell line that is hidden must be hidden in
 * the coarse query too (its total is the cell itself).
 */
function checkMargins(fine: Cell[], d: number, coarse: Cell[]): MarginCheck {
  const rest = (c: string[]) => JSON.stringify(c.filter((_, e) => e !== d));
  const coarseByKey = new Map(coarse.map((c) => [JSON.stringify(c.coordinates), c]));
  const lines = new Map<string, Cell[]>();
  for (const cell of fine)
    lines.set(rest(cell.coordinates), [...(lines.get(rest(cell.coordinates)) ?? []), cell]);
  const problems: string[] = [];
  let linesWithHiddenCells = 0;
  for (const [key, line] of lines) {
    const total = coarseByKey.get(key);
    if (!total) {
      problems.push(`${key} has no total in the coarser query`);
      continue;
    }
    const hidden = line.filter((c) => c.suppressed);
    const visibleSum = line.reduce((sum, c) => sum + (c.count ?? 0), 0);
    if (total.suppressed) continue;
    const residual = total.count! - visibleSum;
    if (hidden.length === 0) {
      if (residual !== 0) problems.push(`${key}: the visible cells do not add up to the total`);
      continue;
    }
    linesWithHiddenCells++;
    if (line.length === 1)
      problems.push(`${key}: its only cell is hidden, its total shows ${residual}`);
    else if (hidden.length === 1)
      problems.push(`${key}: one hidden cell, recomputed as ${residual}`);
    else if (hidden.length < line.length && residual - (hidden.length - 1) < MIN)
      problems.push(`${key}: ${hidden.length} hidden cells add up to ${residual}`);
  }
  return { linesWithHiddenCells, problems };
}

describe('communication flows', () => {
  const flows = async (groupBy: string, headers?: Record<string, string>): Promise<Cell[]> =>
    (
      await query(
        'communicationFlows',
        `from: "2011-01-01", to: "2011-12-31", groupBy: [${groupBy}]`,
        'month contractType { code } communications workers suppressed',
        headers,
      )
    ).map((c) => {
      const contract = (c.contractType as { code: string } | null)?.code;
      // The people count must be hidden whenever the additive one is.
      expect(c.workers === null).toBe(c.suppressed);
      if (!c.suppressed) expect(c.workers as number).toBeGreaterThanOrEqual(MIN);
      return {
        coordinates: [c.month as string | undefined, contract].filter(
          (v): v is string => typeof v === 'string',
        ),
        count: c.communications as number | null,
        suppressed: c.suppressed as boolean,
      };
    });

  it('shows no cell of month x contract type under 5 workers, where co has many', async () => {
    const co = await upstreamGet<{ gruppi: Json[] }>(
      stack,
      'co',
      '/v1/statistiche/flussi?dal=2011-01-01&al=2011-12-31&raggruppa=mese,contratto',
    );
    const small = new Set(
      co.gruppi
        .filter((g) => (g.lavoratori as number) < MIN)
        .map((g) => JSON.stringify([g.mese, g.contratto])),
    );
    expect(small.size).toBeGreaterThan(10);
    const cells = await flows('MONTH, CONTRACT_TYPE');
    expect(cells).toHaveLength(co.gruppi.length);
    const shown = cells.filter((c) => !c.suppressed).map((c) => JSON.stringify(c.coordinates));
    expect(shown.filter((k) => small.has(k))).toEqual([]);
    expect(shown.length).toBeGreaterThan(0);
    expect(cells.filter((c) => c.suppressed).every((c) => c.count === null)).toBe(true);
  });

  it('never lets a month total minus the visible cells of the month give a hidden cell away', async () => {
    const fine = await flows('MONTH, CONTRACT_TYPE');
    const byMonth = await flows('MONTH');
    // Each month with hidden cells has at least two, adding up to more than any one small cell.
    const rows = checkMargins(fine, 1, byMonth);
    expect(rows.problems).toEqual([]);
    expect(rows.linesWithHiddenCells).toBeGreaterThan(0);
    // The same for each contract type's total over the year.
    const columns = checkMargins(fine, 0, await flows('CONTRACT_TYPE'));
    expect(columns.problems).toEqual([]);
    expect(columns.linesWithHiddenCells).toBeGreaterThan(0);
    // And the months add up to the grand total, which is big enough to show.
    const [total] = await flows('');
    expect(total).toEqual({
      coordinates: [],
      count: byMonth.reduce((sum, c) => sum + c.count!, 0),
      suppressed: false,
    });
  });

  it('hides the same cells from an analyst and an operator as from the public', async () => {
    const publicCells = await flows('MONTH, CONTRACT_TYPE');
    expect(publicCells.some((c) => c.suppressed)).toBe(true);
    for (const claims of [
      { role: 'analyst' as const, subject: 'an-1' },
      { role: 'operator' as const, subject: 'op-1', desk: 'PO-NORD' },
    ]) {
      const headers = { authorization: `Bearer ${await stack.token(claims)}` };
      expect(await flows('MONTH, CONTRACT_TYPE', headers)).toEqual(publicCells);
    }
  });
});

describe('registration statistics', () => {
  const registrations = async (groupBy: string, from = '2011-01-01', to = '2011-12-31') =>
    (
      await query(
        'registrationStats',
        `from: "${from}", to: "${to}", groupBy: [${groupBy}]`,
        'month sex registrations suppressed',
      )
    ).map((c): Cell => ({
      coordinates: [c.month, c.sex].filter((v): v is string => typeof v === 'string'),
      count: c.registrations as number | null,
      suppressed: c.suppressed as boolean,
    }));

  it('shows no cell under 5 people and no hidden cell through the month or sex totals', async () => {
    const fine = await registrations('MONTH, SEX');
    expect(fine.some((c) => c.suppressed)).toBe(true);
    expect(fine.filter((c) => !c.suppressed && c.count! < MIN)).toEqual([]);
    const rows = checkMargins(fine, 1, await registrations('MONTH'));
    const columns = checkMargins(fine, 0, await registrations('SEX'));
    expect([...rows.problems, ...columns.problems]).toEqual([]);
    expect(rows.linesWithHiddenCells + columns.linesWithHiddenCells).toBeGreaterThan(0);
  });

  it('counts people: over the whole dataset, registrations are the job seekers', async () => {
    // The suppression counts registrations as people, which holds because IDOL keeps one
    // registration per person: all of them are exactly the job seekers.
    const [all] = await registrations('', '2005-01-01', '2014-12-31');
    const analyst = {
      authorization: `Bearer ${await stack.token({ role: 'analyst', subject: 'an-1' })}`,
    };
    const res = await graphql<{ jobSeekers: { totalCount: number } }>(
      stack.gatewayUrl,
      '{ jobSeekers(first: 1) { totalCount } }',
      undefined,
      analyst,
    );
    expect(res.errors).toBeUndefined();
    expect(all).toMatchObject({ suppressed: false, count: res.data!.jobSeekers.totalCount });
  });
});

describe('course usage', () => {
  const usage = async (groupBy: string) =>
    (
      await query(
        'courseUsage',
        `from: "2010-01-01", to: "2014-12-31", groupBy: [${groupBy}]`,
        'desk { id } area { code } enrollments people suppressed',
      )
    ).map((c): Cell => {
      expect(c.people === null).toBe(c.suppressed);
      if (!c.suppressed) expect(c.people as number).toBeGreaterThanOrEqual(MIN);
      const coordinates: string[] = [];
      // Enrolments from home have no desk: a value of their own when grouping by desk.
      if (groupBy.includes('DESK'))
        coordinates.push((c.desk as { id: string } | null)?.id ?? 'home');
      if (groupBy.includes('AREA')) coordinates.push((c.area as { code: string }).code);
      return {
        coordinates,
        count: c.enrollments as number | null,
        suppressed: c.suppressed as boolean,
      };
    });

  it('shows no cell under 5 people and no hidden cell through the desk or area totals', async () => {
    const fine = await usage('DESK, AREA');
    expect(fine.some((c) => c.suppressed)).toBe(true);
    expect(fine.some((c) => !c.suppressed)).toBe(true);
    const rows = checkMargins(fine, 1, await usage('DESK'));
    const columns = checkMargins(fine, 0, await usage('AREA'));
    expect([...rows.problems, ...columns.problems]).toEqual([]);
    expect(rows.linesWithHiddenCells + columns.linesWithHiddenCells).toBeGreaterThan(0);
  });
});

describe('desk activity', () => {
  it('hides small monthly service counts of each desk, and never exactly one cell of a month or service', async () => {
    const rows = await query(
      'deskActivity',
      'from: "2011-01", to: "2011-12"',
      'desk { id } month service count suppressed',
    );
    const source = await upstreamGet<{ attivita: { numero: number }[] }>(
      stack,
      'registry',
      '/v1/attivita?dal=2011-01&al=2011-12',
    );
    expect(rows).toHaveLength(source.attivita.length);
    expect(source.attivita.some((a) => a.numero < 5)).toBe(true);
    for (const row of rows) {
      if (row.suppressed) expect(row.count).toBeNull();
      else expect(row.count as number).toBeGreaterThanOrEqual(5);
    }
    // A line is a desk's month (across services) or a desk's service (across months).
    const lines = new Map<string, { cells: number; hidden: number }>();
    for (const row of rows) {
      const desk = (row.desk as Json).id as string;
      for (const line of [`${desk}|${row.month as string}`, `${desk}|${row.service as string}`]) {
        const entry = lines.get(line) ?? { cells: 0, hidden: 0 };
        entry.cells++;
        if (row.suppressed) entry.hidden++;
        lines.set(line, entry);
      }
    }
    const withHidden = [...lines.values()].filter((l) => l.hidden > 0);
    expect(withHidden.length).toBeGreaterThan(0);
    // One hidden cell in a line of several could be recomputed from the line's total.
    expect(withHidden.filter((l) => l.cells > 1 && l.hidden === 1)).toEqual([]);
  });
});
