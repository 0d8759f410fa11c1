// Cost transparency, the subgraph's half: when the gateway asks (COST_REPORT_REQUEST_HEADER, sent
// only when its client asked), the upstream requests made for one GraphQL request are counted
// in the request's AsyncLocalStorage scope (request-deadline.ts) by the upstream client, and
// reported in the response's `extensions` under UPSTREAM_COST_EXTENSION. Without the header
// nothing is counted: the upstream client finds no account and moves on.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  emptyCost,
  reportedCost,
  UPSTREAM_COST_EXTENSION,
  type UpstreamCost,
} from '../../lib/upstream-cost.js';
import { currentCostAccount } from './request-deadline.js';

/** The upstream requests of one GraphQL request, by upstream name. */
export class UpstreamCostAccount {
  readonly byUpstream = new Map<string, UpstreamCost>();

  private of(upstream: string): UpstreamCost {
    let cost = this.byUpstream.get(upstream);
    if (!cost) {
      cost = emptyCost();
      this.byUpstream.set(upstream, cost);
    }
    return cost;
  }

  /** A call begins (a read or a write, before its first attempt). */
  call(upstream: string): void {
    this.of(upstream).requests += 1;
  }

  /** An attempt was sent and ended (answered, failed or timed out) after `durationMs`. */
  attempt(upstream: string, retry: boolean, durationMs: number): void {
    const cost = this.of(upstream);
    cost.attempts += 1;
    if (retry) cost.retries += 1;
    cost.durationMs += durationMs;
  }

  shortCircuit(upstream: string): void {
    this.of(upstream).shortCircuited += 1;
  }

  /** The report, durations rounded to tenths of a millisecond. */
  toJSON(): Record<string, UpstreamCost> {
    const report: Record<string, UpstreamCost> = {};
    for (const [name, cost] of this.byUpstream) {
      report[name] = reportedCost(cost);
    }
    return report;
  }
}

/** Whether the gateway asked for the report (the header's value is exactly `1`). */
export function costReportRequested(value: string | undefined | null): boolean {
  return value === '1';
}

/** Adds the request's account, if any, to its response's `extensions`. */
export function costReportPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      // The account lives in the request's scope, made by DeadlineApolloServer from the header.
      if (!currentCostAccount()) return Promise.resolve();
      return Promise.resolve({
        willSendResponse({ response }) {
          const account = currentCostAccount();
          if (account && response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = {
              ...result.extensions,
              [UPSTREAM_COST_EXTENSION]: account.toJSON(),
            };
          }
          return Promise.resolve();
        },
      });
    },
  };
}
