// Cost transparency: on request, a client learns what its operation cost the upstream systems
// (README "Cost transparency"), or sees the operation's query plan without running it.
//
// - `x-cost-report: 1`: the operation runs as usual, and the response's
//   `extensions.costReport` says, per upstream system, how many calls the subgraphs made, how
//   many HTTP requests that took (`attempts`, the upstream's own count; `retries` among them),
//   how many calls an open circuit refused, and the time spent (sum of the requests'
//   durations, ms); and how many fetches the gateway made to each subgraph. The gateway asks
//   each subgraph for its part (`x-upstream-cost-report: 1`, only then: the subgraphs count
//   nothing otherwise) and adds up what they report in their own response `extensions`.
// - `x-cost-report: plan`: the operation is checked as usual (limits, authorization, cost) and
//   not run: `extensions.costReport` holds the gateway's query plan (prettyFormatQueryPlan),
//   the subgraphs it would fetch from and the cost estimate the budget is held to, and `data`
//   is null. No subgraph or upstream is called. The plan names subgraphs and the graph's
//   internal structure, as introspection does: it is shown to signed-in callers only, and a
//   partner's text never gets this far (only registered operations run for partners).
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { prettyFormatQueryPlan, type QueryPlan } from '@apollo/query-planner';
import { GraphQLError, type DocumentNode } from 'graphql';
import { emptyCost, reportedCost, type UpstreamCost } from '../lib/upstream-cost.js';
import type { GatewayContext } from './context.js';
import { coercedVariables } from './limits/operation-walk.js';
import type { CostEstimator } from './limits/cost.js';

/** The client's header asking for a cost report (`1`) or the query plan (`plan`). */
export const COST_REPORT_HEADER = 'x-cost-report';

/** Where the gateway puts the report in the client response's `extensions`. */
export const COST_REPORT_EXTENSION = 'costReport';

export type CostReportMode = 'counts' | 'plan';

/** The mode the client's header asks for; undefined without it; a client error for nonsense. */
export function costReportMode(value: string | undefined): CostReportMode | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim().toLowerCase();
  if (trimmed === '1' || trimmed === 'true') return 'counts';
  if (trimmed === 'plan') return 'plan';
  throw new GraphQLError(`${COST_REPORT_HEADER} must be 1 or plan`, {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

export function planRefused(): GraphQLError {
  return new GraphQLError('The query plan is shown to signed-in callers only', {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });
}

const COST_FIELDS = ['requests', 'attempts', 'retries', 'shortCircuited', 'durationMs'] as const;

/** An upstream's name as the subgraphs report it (`co`, `idol`...): nothing else is taken. */
const UPSTREAM_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** What one client request cost, gathered from its subgraph fetches. */
export class CostReport {
  readonly subgraphFetches = new Map<string, number>();
  readonly upstreams = new Map<string, UpstreamCost>();
  /** Subgraph responses that carried a report. */
  private reported = 0;

  constructor(readonly mode: CostReportMode) {}

  fetched(subgraph: string): void {
    this.subgraphFetches.set(subgraph, (this.subgraphFetches.get(subgraph) ?? 0) + 1);
  }

  /** Adds a subgraph's report (its response's `extensions.upstreamCost`), checked field by field. */
  add(report: unknown): void {
    if (typeof report !== 'object' || report === null) return;
    this.reported += 1;
    for (const [name, cost] of Object.entries(report)) {
      if (!UPSTREAM_NAME.test(name) || typeof cost !== 'object' || cost === null) continue;
      let total = this.upstreams.get(name);
      if (!total) {
        total = emptyCost();
        this.upstreams.set(name, total);
      }
      for (const field of COST_FIELDS) {
        const value = (cost as Record<string, unknown>)[field];
        if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
          total[field] += value;
      }
    }
  }

  toJSON(): Record<string, unknown> {
    const upstreams: Record<string, UpstreamCost> = {};
    for (const name of [...this.upstreams.keys()].sort()) {
      const cost = this.upstreams.get(name) as UpstreamCost;
      upstreams[name] = reportedCost(cost);
    }
    const subgraphFetches: Record<string, number> = {};
    for (const name of [...this.subgraphFetches.keys()].sort()) {
      subgraphFetches[name] = this.subgraphFetches.get(name) as number;
    }
    let fetches = 0;
    for (const count of this.subgraphFetches.values()) fetches += count;
    // A fetch that failed (or timed out) brought no report: the totals are then a floor.
    const unreported = fetches - this.reported;
    return {
      upstreams,
      subgraphFetches,
      ...(unreported > 0 ? { unreportedFetches: unreported } : {}),
    };
  }
}

export interface PlanExplanation {
  /** prettyFormatQueryPlan's text of the gateway's plan. */
  plan: string;
  /** The subgraphs the plan fetches from, sorted. */
  subgraphs: string[];
  /** The cost estimate (upstream requests) the operation's budget is checked against. */
  estimatedUpstreamRequests: number;
}

/** Subgraphs named by the plan's Fetch nodes. */
export function planSubgraphs(plan: QueryPlan): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.kind === 'Fetch' && typeof record.serviceName === 'string') {
      names.add(record.serviceName);
    }
    for (const key of ['node', 'nodes', 'ifClause', 'elseClause', 'primary', 'deferred', 'rest']) {
      const child = record[key];
      if (Array.isArray(child)) child.forEach(walk);
      else walk(child);
    }
  };
  walk(plan.node);
  return [...names].sort();
}

/**
 * Plans operations with the cost estimator's planner: the same @apollo/query-planner over the
 * same supergraph with the same (default) configuration as ApolloGateway, which keeps its own
 * planner private. One planner serves the cost budget and the plan mode.
 */
export function createPlanExplainer(
  estimator: Pick<CostEstimator, 'explain'>,
): (
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
) => PlanExplanation {
  return (document, operationName, variables) => {
    const { plan, cost } = estimator.explain(document, operationName, variables);
    return {
      plan: prettyFormatQueryPlan(plan),
      subgraphs: planSubgraphs(plan),
      estimatedUpstreamRequests: cost,
    };
  };
}

/**
 * Answers plan requests without running them, and adds the report to the responses of the
 * operations that ran. Requests without the header get no listener at all.
 */
export function costReportPlugin(options: {
  estimator: Pick<CostEstimator, 'explain'>;
}): ApolloServerPlugin<GatewayContext> {
  const explain = createPlanExplainer(options.estimator);
  return {
    requestDidStart({ contextValue }) {
      const report = contextValue.costReport;
      if (!report) return Promise.resolve();
      const listener: GraphQLRequestListener<GatewayContext> = {
        // After every didResolveOperation: limits, authorization and the cost budget have passed.
        responseForOperation({ document, operation, operationName, request, schema, response }) {
          if (report.mode !== 'plan') return Promise.resolve(null);
          const variables = coercedVariables(schema, operation, request.variables) ?? {};
          let explanation: PlanExplanation;
          try {
            explanation = explain(document, operationName ?? undefined, variables);
          } catch {
            throw new GraphQLError('The operation cannot be planned', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
          return Promise.resolve({
            http: response.http,
            body: {
              kind: 'single',
              singleResult: { data: null, extensions: { [COST_REPORT_EXTENSION]: explanation } },
            },
          });
        },
        willSendResponse({ response }) {
          if (report.mode === 'counts' && response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, [COST_REPORT_EXTENSION]: report.toJSON() };
          }
          return Promise.resolve();
        },
      };
      return Promise.resolve(listener);
    },
  };
}
