// The cost of an operation in upstream requests, estimated from the gateway's query plan
// before anything is fetched.
//
// The model, kept simple on purpose (it is an upper bound, not a prediction):
//
// - Every Fetch node is walked over its own selection set, carrying `n`, the number of
//   objects the subgraph resolves at that point (an estimate).
// - A root fetch costs 1 request per root field (a page, a record, a statistics call).
// - A fetch under a Flatten resolves the entity references collected at the Flatten's path:
//   `n` is the number of objects the earlier fetches put there, that is the product of the
//   estimated sizes of the lists along the path. Resolving them costs what the owning
//   subgraph's loader makes of them: `ceil(n / batch cap)` (idol 100, co 50, trio people 20),
//   one per object where the upstream has no batch form (trio courses, one co employer's
//   communications), one in all for a shared document (the desk registry), or nothing when the
//   subgraph only holds the key (a Worker stub in the employers subgraph).
// - Within a fetch, the fields that load something of their own (a person's job-seeker
//   record, an employer's communications) cost the same way for the `n` parents they
//   are asked on. Other fields come with their parent's record and cost nothing.
// - The size of a list is its `first` argument where it has one (the schema default when
//   omitted); a connection's `edges` take the connection's `first`; other lists take the
//   documented size in LIST_SIZES, or DEFAULT_LIST_SIZE.
// - Conditions (@skip/@include) cost their dearer branch; everything else adds up.
//
// So a page of 500 communications with their workers costs a few requests more than a page
// of 10 (500/100 worker batches instead of one), while 15 aliases of a page of 500 under a
// page of 200 employers cost thousands.
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import type { PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import { fragmentsOf } from './operation-walk.js';

/**
 * What resolving something costs for `n` objects: a batch cap (`ceil(n / cap)` requests),
 * `'each'` (one request per object), `'once'` (one shared document), or `0` (no request).
 */
export type Load = number | 'each' | 'once';

export interface CostModel {
  /** Entity references resolved by `_entities`, by `subgraph.Type`. Unlisted: `'each'`. */
  references: Readonly<Record<string, Load>>;
  /** Fields that load something of their own, by `Type.field`. Unlisted: free. */
  fields: Readonly<Record<string, Load>>;
  /** Expected sizes of lists without a `first` argument, by `Type.field`. */
  listSizes: Readonly<Record<string, number>>;
  defaultListSize: number;
}

const IDOL_CAP = 100;
const CO_CAP = 50;
const TRIO_PEOPLE_CAP = 20;
const REGISTRY_ACTIVITY_CAP = 50;

/** The model of this graph's four subgraphs (see their loaders.ts and upstreams/API.md). */
export const COST_MODEL: CostModel = Object.freeze({
  references: Object.freeze({
    'desks.Desk': 'once',
    'desks.Comune': 'once',
    'workers.Worker': IDOL_CAP,
    'workers.Desk': 0,
    'workers.Employer': 0,
    'workers.Vacancy': 0,
    'employers.Employer': CO_CAP,
    'employers.EmploymentCommunication': CO_CAP,
    'employers.Vacancy': CO_CAP,
    'employers.Worker': 0,
    'training.Course': 'each',
    'training.CourseArea': 'once',
    'training.Workstation': TRIO_PEOPLE_CAP,
    'training.Worker': 0,
    'training.Desk': 0,
  }),
  fields: Object.freeze({
    // workers (idol)
    'Worker.profile': IDOL_CAP,
    'Worker.guidanceSessions': IDOL_CAP,
    'IncomeSupportEpisode.worker': IDOL_CAP,
    'Candidate.worker': IDOL_CAP,
    'Vacancy.candidates': CO_CAP,
    'Employer.incomeSupportEpisodes': CO_CAP,
    'Desk.jobSeekers': 'each',
    // employers (co)
    'Employer.communications': 'each',
    'Employer.vacancies': 'each',
    'Worker.employmentHistory': CO_CAP,
    'EmploymentCommunication.employer': CO_CAP,
    'Vacancy.employer': CO_CAP,
    // training (trio)
    'Worker.trainingEnrollments': TRIO_PEOPLE_CAP,
    'Worker.certificates': TRIO_PEOPLE_CAP,
    'Enrollment.course': 'each',
    'Certificate.course': 'each',
    'Desk.workstations': TRIO_PEOPLE_CAP,
    'CourseArea.courses': 'each',
    // desks (registry): everything else comes from the registry document
    'Desk.activity': REGISTRY_ACTIVITY_CAP,
  }),
  listSizes: Object.freeze({
    'Query.desks': 30,
    'Query.comuni': 10,
    'Query.courseAreas': 12,
    'Comune.desks': 10,
    'Worker.employmentHistory': 20,
    'Worker.trainingEnrollments': 5,
    'Worker.certificates': 5,
    'Vacancy.candidates': 20,
    'Employer.vacancies': 10,
    'Employer.incomeSupportEpisodes': 20,
  }),
  defaultListSize: 10,
});

export function requestsFor(load: Load, n: number): number {
  if (n <= 0) return 0;
  if (load === 'each') return n;
  if (load === 'once') return 1;
  if (load === 0) return 0;
  return Math.ceil(n / load);
}

interface CompiledFetch {
  kind: 'fetch';
  service: string;
  selectionSet: SelectionSetNode;
  fragments: Map<string, FragmentDefinitionNode>;
  operationKind: OperationTypeNode;
  /** Response path of the Flatten above an entity fetch ('@' for list items); null at the root. */
  path: string[] | null;
}

/** A query plan reduced to what the estimate needs; compiled once per operation and cached. */
export type CompiledPlan =
  CompiledFetch | { kind: 'all'; nodes: CompiledPlan[] } | { kind: 'oneOf'; nodes: CompiledPlan[] };

/** Flatten paths may carry type conditions (`@|[Worker]`); the estimate ignores them. */
function pathElement(element: string | number): string {
  const text = String(element);
  const bar = text.indexOf('|');
  return bar === -1 ? text : text.slice(0, bar);
}

export function compilePlan(plan: QueryPlan): CompiledPlan {
  const compile = (
    node: PlanNode | SubscriptionNode | undefined,
    path: string[] | null,
  ): CompiledPlan => {
    if (!node) return { kind: 'all', nodes: [] };
    switch (node.kind) {
      case 'Fetch': {
        const document: DocumentNode = node.operationDocumentNode ?? parse(node.operation);
        const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
        if (!operation) return { kind: 'all', nodes: [] };
        return {
          kind: 'fetch',
          service: node.serviceName,
          selectionSet: operation.selectionSet,
          fragments: fragmentsOf(document),
          operationKind: operation.operation,
          path,
        };
      }
      case 'Flatten':
        return compile(node.node, node.path.map(pathElement));
      case 'Sequence':
      case 'Parallel':
        return { kind: 'all', nodes: node.nodes.map((n) => compile(n, path)) };
      case 'Condition':
        return {
          kind: 'oneOf',
          nodes: [compile(node.ifClause, path), compile(node.elseClause, path)],
        };
      case 'Defer':
        return {
          kind: 'all',
          nodes: [
            compile(node.primary.node, path),
            ...node.deferred.map((d) => compile(d.node, path)),
          ],
        };
      case 'Subscription':
        return { kind: 'all', nodes: [compile(node.primary, path), compile(node.rest, path)] };
    }
  };
  return compile(plan.node, null);
}

interface Walk {
  fragments: Map<string, FragmentDefinitionNode>;
  set: SelectionSetNode;
  parentType: GraphQLCompositeType;
  /** Objects resolved at this point. */
  n: number;
  path: string[];
  /** The enclosing connection's `first`, for its `edges`. */
  pageSize: number | undefined;
  /** At the root of a fetch (or of the operation): each field is a request of its own. */
  root: boolean;
}

/**
 * The walk of one selection set that both estimates share: root fields cost a request each,
 * the fields of `model.fields` what their loader makes of the `n` parents they are asked on,
 * and each list multiplies `n` by its size. `objectsAt` receives the objects at every path.
 */
function selectionCost(
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
  model: CostModel,
  objectsAt: Map<string, number>,
): (walk: Walk) => number {
  const walk = ({ fragments, set, parentType, n, path, pageSize, root }: Walk): number => {
    let cost = 0;
    for (const selection of set.selections) {
      switch (selection.kind) {
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition
            ? schema.getType(selection.typeCondition.name.value)
            : parentType;
          if (type && isCompositeType(type)) {
            cost += walk({
              fragments,
              set: selection.selectionSet,
              parentType: type,
              n,
              path,
              pageSize,
              root,
            });
          }
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          if (fragment && type && isCompositeType(type)) {
            cost += walk({
              fragments,
              set: fragment.selectionSet,
              parentType: type,
              n,
              path,
              pageSize,
              root,
            });
          }
          break;
        }
        case Kind.FIELD: {
          const name = selection.name.value;
          const field =
            isObjectType(parentType) || isInterfaceType(parentType)
              ? parentType.getFields()[name]
              : undefined;
          if (!field) break; // meta fields and join keys
          const coordinate = `${parentType.name}.${name}`;
          cost += root ? 1 : requestsFor(model.fields[coordinate] ?? 0, n);
          if (!selection.selectionSet) break;
          const childType = getNamedType(field.type);
          if (!isCompositeType(childType)) break;
          let first: number | undefined;
          try {
            const value = getArgumentValues(field, selection, variables).first;
            if (typeof value === 'number') first = Math.max(0, value);
          } catch {
            // invalid arguments fail before any fetch; the estimate need not be exact
          }
          const list = isListType(getNullableType(field.type));
          const size = !list
            ? 1
            : (first ??
              (name === 'edges' && pageSize !== undefined
                ? pageSize
                : (model.listSizes[coordinate] ?? model.defaultListSize)));
          const childPath = [...path, selection.alias?.value ?? name, ...(list ? ['@'] : [])];
          const childN = n * size;
          const key = childPath.join('.');
          objectsAt.set(key, Math.max(objectsAt.get(key) ?? 0, childN));
          cost += walk({
            fragments,
            set: selection.selectionSet,
            parentType: childType,
            n: childN,
            path: childPath,
            pageSize: first,
            root: false,
          });
          break;
        }
      }
    }
    return cost;
  };
  return walk;
}

/**
 * Upstream requests the plan would make, as the model above estimates them. `schema` is the
 * client-facing (API) schema; fields it does not know (join keys such as `fiscalCodeKey`)
 * come with their parent and cost nothing.
 */
export function estimatePlanCost(
  plan: CompiledPlan,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
  model: CostModel = COST_MODEL,
): number {
  /** Estimated number of objects at each response path, as earlier fetches leave them. */
  const objectsAt = new Map<string, number>();
  const walk = selectionCost(schema, variables, model, objectsAt);

  const objectsAtPath = (path: string[]): number => {
    for (let end = path.length; end >= 0; end -= 1) {
      const known = objectsAt.get(path.slice(0, end).join('.'));
      if (known !== undefined || end === 0) {
        // Below the deepest known prefix (a path the planner renamed): default list sizes.
        const unknownLists = path.slice(end).filter((e) => e === '@').length;
        return (known ?? 1) * model.defaultListSize ** unknownLists;
      }
    }
    return 1;
  };

  function fetchCost(fetch: CompiledFetch): number {
    const { fragments } = fetch;
    if (fetch.path === null) {
      const rootType = schema.getRootType(fetch.operationKind);
      if (!rootType) return 0;
      const start = { fragments, parentType: rootType, n: 1, path: [], pageSize: undefined };
      return walk({ ...start, set: fetch.selectionSet, root: true });
    }
    // An entity fetch: `_entities(representations: ...) { ... on Type { ... } }`.
    const n = objectsAtPath(fetch.path);
    let cost = 0;
    for (const selection of fetch.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD || !selection.selectionSet) continue;
      for (const entity of selection.selectionSet.selections) {
        if (entity.kind !== Kind.INLINE_FRAGMENT || !entity.typeCondition) continue;
        const typeName = entity.typeCondition.name.value;
        const type = schema.getType(typeName);
        cost += requestsFor(model.references[`${fetch.service}.${typeName}`] ?? 'each', n);
        if (type && isCompositeType(type)) {
          cost += walk({
            fragments,
            set: entity.selectionSet,
            parentType: type,
            n,
            path: fetch.path,
            pageSize: undefined,
            root: false,
          });
        }
      }
    }
    return cost;
  }

  function run(node: CompiledPlan): number {
    switch (node.kind) {
      case 'fetch':
        return fetchCost(node);
      case 'all':
        return node.nodes.reduce((sum, child) => sum + run(child), 0);
      case 'oneOf':
        return Math.max(0, ...node.nodes.map(run));
    }
  }

  return Math.ceil(run(plan));
}

/**
 * What the operation costs at least, read from the client's own document without planning
 * it: its root fields, and the fields of `model.fields` for as many parents as the lists above
 * them hold. The plan estimate walks the same fields (each lands in some fetch of the plan,
 * with the same parents) and adds the entity fetches between subgraphs, so it is never below
 * this floor; an operation over budget here is over budget there, and planning it is wasted
 * work. The expansion is bounded by maxFieldsRule, which validation has already applied.
 */
export function estimateOperationFloor(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
  model: CostModel = COST_MODEL,
): number {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;
  const walk = selectionCost(schema, variables, model, new Map());
  const cost = walk({
    fragments: fragmentsOf(document),
    set: operation.selectionSet,
    parentType: rootType,
    n: 1,
    path: [],
    pageSize: undefined,
    root: true,
  });
  return Math.ceil(cost);
}
