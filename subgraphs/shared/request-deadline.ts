// The deadline of the GraphQL request being served, for code that has no context at hand
// (the upstream client, called from DataLoader batch functions). The gateway sends each
// subgraph request its remaining budget in `x-request-deadline-ms`; the subgraph server
// runs the request inside `runWithDeadline`, and the upstream client never starts a request
// or a retry after the deadline and gives each attempt at most the time that is left.
//
// DataLoader batch functions run in the AsyncLocalStorage context of the first `load()` of
// their batch. Loaders are built per request, so that is always the request's own context
// (request-deadline.test.ts checks it).
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { UpstreamCostAccount } from './cost-report.js';

/** Remaining milliseconds of the client request's budget, sent by the gateway to subgraphs. */
export const DEADLINE_HEADER = 'x-request-deadline-ms';

/** A subgraph's budget for a request that says nothing (or nonsense) about its own. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;

/** The clock deadlines are measured on: monotonic milliseconds (performance.now()). */
export const monotonicNow = (): number => performance.now();

interface DeadlineScope {
  /** Monotonic time (monotonicNow) after which nothing more is started for the request. */
  readonly at: number;
  /** The request's upstream requests, counted only when the gateway asked (cost-report.ts). */
  readonly costs?: UpstreamCostAccount;
}

const scope = new AsyncLocalStorage<DeadlineScope>();

/**
 * Runs `fn` (and everything it starts) with a deadline `budgetMs` from now, and with `costs`
 * as the account of its upstream requests when given.
 */
export function runWithDeadline<T>(
  budgetMs: number,
  fn: () => T,
  now = monotonicNow,
  costs?: UpstreamCostAccount,
): T {
  return scope.run(costs ? { at: now() + budgetMs, costs } : { at: now() + budgetMs }, fn);
}

/** The current request's upstream cost account, when the gateway asked for one. */
export function currentCostAccount(): UpstreamCostAccount | undefined {
  return scope.getStore()?.costs;
}

/** The current request's deadline on the monotonic clock, or undefined outside a request. */
export function currentDeadline(): number | undefined {
  return scope.getStore()?.at;
}

/** Milliseconds left before the current request's deadline (may be <= 0), or undefined. */
export function remainingBudgetMs(now = monotonicNow): number | undefined {
  const at = currentDeadline();
  return at === undefined ? undefined : at - now();
}

/**
 * The budget a subgraph gives a request from the gateway's header: the remaining milliseconds
 * it states, clamped to `maxMs`. Anything that is not a positive whole number of milliseconds
 * (absent, repeated, negative, fractional, huge, text) is ignored and `maxMs` is used.
 */
export function budgetFromHeader(
  value: string | string[] | undefined | null,
  maxMs: number,
): number {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value.trim())) return maxMs;
  const stated = Number(value.trim());
  return stated >= 1 ? Math.min(stated, maxMs) : maxMs;
}
