// What a cost report says of one upstream system, and how the gateway and a subgraph agree on
// it: the gateway asks with COST_REPORT_REQUEST_HEADER, the subgraph answers under
// UPSTREAM_COST_EXTENSION (subgraphs/shared/cost-report.ts counts, gateway/cost-report.ts sums).

/** Sent by the gateway to a subgraph, with value `1`, when its client asked for a cost report. */
export const COST_REPORT_REQUEST_HEADER = 'x-upstream-cost-report';

/** The key of a subgraph response's `extensions` holding the report. */
export const UPSTREAM_COST_EXTENSION = 'upstreamCost';

/** What one request cost one upstream system. */
export interface UpstreamCost {
  /** Calls made by the subgraph (one per read or write, whatever its retries). */
  requests: number;
  /** HTTP requests sent (what the upstream serves and counts): requests + retries. */
  attempts: number;
  /** Attempts after the first of a call. */
  retries: number;
  /** Calls refused at once by the open circuit breaker (no attempt sent). */
  shortCircuited: number;
  /** Sum of the attempts' durations, in milliseconds. */
  durationMs: number;
}

export function emptyCost(): UpstreamCost {
  return { requests: 0, attempts: 0, retries: 0, shortCircuited: 0, durationMs: 0 };
}

/** The cost as reported: its duration rounded to tenths of a millisecond. */
export function reportedCost(cost: UpstreamCost): UpstreamCost {
  return { ...cost, durationMs: Math.round(cost.durationMs * 10) / 10 };
}
