import DataLoader from 'dataloader';
import { describe, expect, it } from 'vitest';
import {
  budgetFromHeader,
  currentDeadline,
  remainingBudgetMs,
  runWithDeadline,
} from './request-deadline.js';

describe('request deadline', () => {
  it('is undefined outside a request and set, relative to now, inside one', () => {
    expect(currentDeadline()).toBeUndefined();
    expect(remainingBudgetMs()).toBeUndefined();
    runWithDeadline(
      500,
      () => expect(currentDeadline()).toBe(1500),
      () => 1000,
    );
    runWithDeadline(500, () => {
      const left = remainingBudgetMs()!;
      expect(left).toBeGreaterThan(400);
      expect(left).toBeLessThanOrEqual(500);
    });
  });

  it('follows the request across awaits and timers', async () => {
    const seen = await runWithDeadline(
      800,
      async () => {
        await new Promise((r) => setTimeout(r, 5));
        await Promise.resolve();
        return currentDeadline();
      },
      () => 0,
    );
    expect(seen).toBe(800);
  });

  it("runs each request's DataLoader batches under that request's own deadline", async () => {
    // Loaders are built per request (as every subgraph's context does): the batch function
    // runs in the AsyncLocalStorage context of the first load() of its batch.
    const batchDeadlines: (number | undefined)[][] = [];
    const request = (budget: number, slot: number) =>
      runWithDeadline(
        budget,
        async () => {
          const loader = new DataLoader<number, number>((keys) => {
            (batchDeadlines[slot] ??= []).push(currentDeadline());
            return Promise.resolve(keys.map((k) => k * 2));
          });
          await new Promise((r) => setTimeout(r, slot)); // interleave the two requests
          const first = await Promise.all([loader.load(1), loader.load(2)]);
          const second = await loader.loadMany([3, 4]);
          return [...first, ...second];
        },
        () => 0,
      );
    const [a, b] = await Promise.all([request(1000, 0), request(3000, 1)]);
    expect(a).toEqual([2, 4, 6, 8]);
    expect(b).toEqual([2, 4, 6, 8]);
    expect(batchDeadlines).toEqual([
      [1000, 1000],
      [3000, 3000],
    ]);
  });

  it('a loader shared across requests would batch under the first caller: why loaders are per request', async () => {
    const seen: (number | undefined)[] = [];
    const shared = new DataLoader<number, number>((keys) => {
      seen.push(currentDeadline());
      return Promise.resolve([...keys]);
    });
    await Promise.all([
      runWithDeadline(
        100,
        () => shared.load(1),
        () => 0,
      ),
      runWithDeadline(
        900,
        () => shared.load(2),
        () => 0,
      ),
    ]);
    expect(seen).toEqual([100]);
  });

  it.each([
    ['500', 500],
    [' 42 ', 42],
    ['1', 1],
    ['999999', 10_000],
    ['0', 10_000],
    ['-5', 10_000],
    ['1.5', 10_000],
    ['1e3', 10_000],
    ['soon', 10_000],
    ['', 10_000],
    ['12345678901', 10_000],
    [undefined, 10_000],
    [null, 10_000],
    [['100', '200'], 10_000],
  ])('takes the header %j as a budget of %i ms (maximum 10000)', (value, budget) => {
    expect(budgetFromHeader(value, 10_000)).toBe(budget);
  });
});
