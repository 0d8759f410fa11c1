// Refuses, before any subgraph is called, an operation whose query plan would cost more
// upstream requests than a budget (the model is in query-cost.ts). The plan comes from the
// same planner the gateway runs (@apollo/query-planner over the same supergraph, same
// version), built here because ApolloGateway keeps its own planner private; plans are
// cached per operation, as the gateway caches its own.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { assertLimit } from './limit-error.js';
import { coercedVariables } from './operation-walk.js';
import {
  compilePlan,
  COST_MODEL,
  estimatePlanCost,
  type CompiledPlan,
  type CostModel,
} from './query-cost.js';

export const DEFAULT_MAX_COST = 5_000;
export const DEFAULT_PLAN_CACHE_SIZE = 1_000;

export interface CostLimitOptions {
  /** The supergraph the gateway serves, as ApolloGateway loads it. Required. */
  supergraphSdl: string;
  /**
   * Most estimated upstream requests accepted for one operation. Default 5,000: an order of
   * magnitude above the dearest query of the test suite, far below what 15 aliased pages of
   * 500 under a page of 200 would cost.
   */
  maxCost?: number;
  /** Operations whose plans are kept (least recently used dropped). Default 1,000. */
  planCacheSize?: number;
  model?: CostModel;
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
    cacheKey?: string,
  ): number | null;
}

export function createCostEstimator(
  supergraphSdl: string,
  options: { model?: CostModel; planCacheSize?: number } = {},
): CostEstimator {
  const supergraph = Supergraph.build(supergraphSdl);
  const apiSchema = supergraph.apiSchema();
  const schema: GraphQLSchema = apiSchema.toGraphQLJSSchema();
  const planner = new QueryPlanner(supergraph);
  const model = options.model ?? COST_MODEL;
  const cacheSize = assertLimit('planCacheSize', options.planCacheSize ?? DEFAULT_PLAN_CACHE_SIZE);
  const plans = new Map<string, CompiledPlan | null>();

  function planFor(document: DocumentNode, operationName: string | undefined): CompiledPlan | null {
    try {
      const operation = operationFromDocument(apiSchema, document, { operationName });
      return compilePlan(planner.buildQueryPlan(operation));
    } catch {
      return null;
    }
  }

  return {
    estimate(document, operationName, variables, cacheKey) {
      let plan: CompiledPlan | null | undefined;
      if (cacheKey !== undefined) {
        plan = plans.get(cacheKey);
        if (plan !== undefined) {
          plans.delete(cacheKey); // most recently used last
          plans.set(cacheKey, plan);
        }
      }
      if (plan === undefined) {
        plan = planFor(document, operationName);
        if (cacheKey !== undefined) {
          plans.set(cacheKey, plan);
          if (plans.size > cacheSize) {
            const oldest = plans.keys().next();
            if (!oldest.done) plans.delete(oldest.value);
          }
        }
      }
      return plan ? estimatePlanCost(plan, schema, variables, model) : null;
    },
  };
}

export function costLimitPlugin<TContext extends BaseContext>(
  options: CostLimitOptions,
): ApolloServerPlugin<TContext> {
  const maxCost = assertLimit('maxCost', options.maxCost ?? DEFAULT_MAX_COST);
  const estimator = createCostEstimator(options.supergraphSdl, options);
  return {
    requestDidStart() {
      return Promise.resolve({
        // Synchronous throw: see list-size.ts.
        didResolveOperation({ schema, document, operation, operationName, queryHash, request }) {
          if (!operation) return Promise.resolve();
          const variables = coercedVariables(schema, operation, request.variables);
          if (!variables) return Promise.resolve();
          const cacheKey = `${queryHash ?? ''}:${operationName ?? ''}`;
          const estimated = estimator.estimate(
            document,
            operationName ?? undefined,
            variables,
            queryHash ? cacheKey : undefined,
          );
          if (estimated !== null && estimated > maxCost) {
            throw new GraphQLError(
              `The operation would cost an estimated ${estimated} upstream requests; the budget is ${maxCost}. Ask for smaller pages or fewer nested lists`,
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
