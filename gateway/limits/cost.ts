// Refuses, before any subgraph is called, an operation whose query plan would cost more
// upstream requests than a budget (the model is in query-cost.ts). The plan comes from the
// same planner the gateway runs (@apollo/query-planner over the same supergraph, same
// version), built here because ApolloGateway keeps its own planner private.
//
// Two things keep this check cheap and small:
// - Planning is the dear part (tens of ms for a large operation), so an operation whose
//   floor, read from the document alone, is already over budget is refused without a plan.
// - What is kept between requests is the resulting number, not the plan (a plan of a large
//   operation holds megabytes of documents): keyed by a hash of the document (Apollo's
//   `queryHash`, the sha256 of the client's text, when the plugin has it; the normalised
//   document printed otherwise), the operation name and the values of the variables given to
//   `first` (the only variables the estimate reads), in an LRU bounded by entries and by bytes.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan } from '@apollo/query-planner';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { BoundedCache, type BoundedCacheStats } from '../../lib/bounded-cache.js';
import { assertLimit } from './limit-error.js';
import { coercedVariables, estimateKey, perDocument } from './operation-walk.js';
import {
  compilePlan,
  COST_MODEL,
  estimateOperationFloor,
  estimatePlanCost,
  type CostModel,
} from './query-cost.js';

export const DEFAULT_MAX_COST = 5_000;
export const DEFAULT_COST_CACHE_ENTRIES = 10_000;
export const DEFAULT_COST_CACHE_BYTES = 4 * 2 ** 20;

/** What an entry's value (a number or null) weighs besides its key. */
const ESTIMATE_BYTES = 16;

export interface CostLimitOptions extends CostEstimatorOptions {
  /** The supergraph the gateway serves, as ApolloGateway loads it. Required. */
  supergraphSdl: string;
  /**
   * Most estimated upstream requests accepted for one operation. Default 5,000: an order of
   * magnitude above the dearest query of the test suite, far below what 15 aliased pages of
   * 500 under a page of 200 would cost.
   */
  maxCost?: number;
  /** An estimator made by the caller (to read its cache statistics); default a new one. */
  estimator?: CostEstimator;
}

export interface CostEstimatorOptions {
  model?: CostModel;
  /** Estimates kept (least recently used dropped). Default 10,000. */
  cacheEntries?: number;
  /** Estimated bytes the kept estimates may take, keys included. Default 4 MiB. */
  cacheBytes?: number;
}

export interface CostEstimate {
  /** Estimated upstream requests. */
  cost: number;
  /** True when `cost` is the floor read from the document, the operation not being planned. */
  floor: boolean;
}

export interface CostEstimatorStats extends BoundedCacheStats {
  /** Operations planned since the estimator was made. */
  plans: number;
}

export interface CostEstimator {
  /**
   * Estimated upstream requests of the operation, or null when it cannot be planned (the
   * gateway then fails it the same way, before any fetch).
   */
  estimate(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    documentHash?: string,
  ): number | null;
  /**
   * The estimate, or the document's floor when that alone is over `budget` (then nothing is
   * planned); null when the operation cannot be planned.
   */
  check(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    budget: number,
    documentHash?: string,
  ): CostEstimate | null;
  /**
   * The operation's query plan and its estimated upstream requests, never cached (for the
   * cost report's plan mode); throws when the operation cannot be planned.
   */
  explain(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
  ): { plan: QueryPlan; cost: number };
  stats(): CostEstimatorStats;
}

/** Names of the variables given to a `first` argument anywhere in the document, sorted. */
const pageSizeVariables = perDocument((document) => {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) {
        names.add(node.value.name.value);
      }
    },
  });
  return [...names].sort();
});

export function createCostEstimator(
  supergraphSdl: string,
  options: CostEstimatorOptions = {},
): CostEstimator {
  const supergraph = Supergraph.build(supergraphSdl);
  const apiSchema = supergraph.apiSchema();
  const schema: GraphQLSchema = apiSchema.toGraphQLJSSchema();
  const planner = new QueryPlanner(supergraph);
  const model = options.model ?? COST_MODEL;
  const cache = new BoundedCache<number | null>({
    maxEntries: assertLimit('cacheEntries', options.cacheEntries ?? DEFAULT_COST_CACHE_ENTRIES),
    maxBytes: assertLimit('cacheBytes', options.cacheBytes ?? DEFAULT_COST_CACHE_BYTES),
  });
  let plans = 0;

  function explain(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
  ): { plan: QueryPlan; cost: number } {
    plans += 1;
    const operation = operationFromDocument(apiSchema, document, { operationName });
    const plan = planner.buildQueryPlan(operation);
    return { plan, cost: estimatePlanCost(compilePlan(plan), schema, variables, model) };
  }

  function planCost(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
  ): number | null {
    try {
      return explain(document, operationName, variables).cost;
    } catch {
      return null;
    }
  }

  function check(
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown>,
    budget: number,
    documentHash?: string,
  ): CostEstimate | null {
    const key = estimateKey(
      document,
      operationName,
      variables,
      pageSizeVariables(document),
      documentHash,
    );
    const cached = cache.get(key);
    if (cached !== undefined) return cached === null ? null : { cost: cached, floor: false };
    const operation = getOperationAST(document, operationName);
    if (operation) {
      const floor = estimateOperationFloor(document, operation, schema, variables, model);
      // Not cached: it is as cheap to compute again as the key, and a refused document would
      // only push out the estimates of operations that run.
      if (floor > budget) return { cost: floor, floor: true };
    }
    const cost = planCost(document, operationName, variables);
    cache.set(key, cost, ESTIMATE_BYTES);
    return cost === null ? null : { cost, floor: false };
  }

  return {
    estimate: (document, operationName, variables, documentHash) =>
      check(document, operationName, variables, Infinity, documentHash)?.cost ?? null,
    check,
    explain,
    stats: () => ({ ...cache.stats(), plans }),
  };
}

export function costLimitPlugin<TContext extends BaseContext>(
  options: CostLimitOptions,
): ApolloServerPlugin<TContext> {
  const maxCost = assertLimit('maxCost', options.maxCost ?? DEFAULT_MAX_COST);
  const estimator = options.estimator ?? createCostEstimator(options.supergraphSdl, options);
  return {
    requestDidStart() {
      return Promise.resolve({
        // Synchronous throw: see list-size.ts.
        didResolveOperation({ schema, document, operation, operationName, request, queryHash }) {
          if (!operation) return Promise.resolve();
          const variables = coercedVariables(schema, operation, request.variables);
          if (!variables) return Promise.resolve();
          const estimate = estimator.check(
            document,
            operationName ?? undefined,
            variables,
            maxCost,
            queryHash,
          );
          if (estimate !== null && estimate.cost > maxCost) {
            const estimated = estimate.cost;
            throw new GraphQLError(
              `The operation would cost ${estimate.floor ? 'at least' : 'an estimated'} ${estimated} upstream requests; the budget is ${maxCost}. Ask for smaller pages or fewer nested lists`,
              {
                extensions: {
                  code: 'COST_LIMIT_EXCEEDED',
                  http: { status: 400 },
                  cost: { estimated, budget: maxCost },
                },
              },
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}
