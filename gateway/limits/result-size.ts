// Demand control by the size of the result: refuses, before any subgraph is called, an
// operation whose answer would hold more objects and list items than a maximum, however few
// upstream requests it makes (query-cost.ts counts those, and a chain such as
// `desks { comune { desks { comune { ... } } } }` over one cached registry document costs
// next to nothing there while answering millions of objects).
//
// The estimate is Apollo Router's demand control ("static estimated" strategy) over the
// `@listSize` directive of the cost spec (https://ibm.github.io/graphql-specs/cost-spec.html,
// imported by Federation 2.9 subgraphs and composed into the supergraph), read from the
// supergraph SDL when the gateway starts, so that nothing here names a field of this graph:
//
// - An object (or interface, or union) value counts 1, plus what is selected in it; a scalar
//   or enum counts nothing, except as an item of a list: each item of a list of scalars or
//   enums counts 1 (Apollo counts those 0; they are values the graph builds all the same).
// - A list multiplies its item's count by its size: the largest of its `@listSize`
//   `slicingArguments` given (a literal, a variable's value, else the argument's default),
//   else its `assumedSize`, else `defaultListSize` for a list without `@listSize`.
//   (`requireOneSlicingArgument` is not enforced here: a subgraph checks its own arguments.)
// - A field whose `@listSize` names `sizedFields` (a connection: `slicingArguments: ["first"],
//   sizedFields: ["edges"]`) counts as one object, and the lists it names among its own fields
//   take its size instead of theirs.
// - Fields are collected the way execution collects them: through named and inline fragments
//   that apply to the object, leaving out what `@skip`/`@include` exclude (literal or variable
//   conditions), and selections of one response key merged into one (they answer once).
// - An abstract type counts as the dearest of its possible types, each with the fragments
//   that apply to it (an item is one of them, not all at once; Apollo adds them up).
// - The operation's root is not counted, nor `__typename`, nor meta fields.
//
// It is an upper bound, not a prediction (lists are counted full). Its work is bounded by the
// document as validation has already bounded it (maxFieldsRule): each group of selections is
// counted once per type and size it is reached with.
//
// What is kept between requests is the number, keyed by a hash of the normalised document,
// the operation and the values of the variables the estimate reads (those of slicing
// arguments and of conditions), in an LRU bounded by entries and by bytes.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  parse,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { BoundedCache, type BoundedCacheStats } from '../../lib/bounded-cache.js';
import { assertLimit } from './limit-error.js';
import {
  coercedVariables,
  directiveArgument,
  estimateKey,
  fragmentsOf,
  perDocument,
  stringValue,
} from './operation-walk.js';

/**
 * Most objects and list items one operation may return. Measured on this graph's `@listSize`:
 * a page of 500 communications with each one's worker, desk and contract type is about 3,000;
 * the dearest operation of the test suite (200 job seekers with their enrolments' and
 * certificates' courses) 12,401; the partners' registered operations at most 4,000, with any
 * variables. The desks/comune chain ten levels deep is 1.7 million.
 */
export const DEFAULT_MAX_RESULT_SIZE = 50_000;
/** Size assumed for a list without `@listSize` (Apollo's `list_size`). */
export const DEFAULT_LIST_SIZE = 10;
export const DEFAULT_RESULT_SIZE_CACHE_ENTRIES = 10_000;
export const DEFAULT_RESULT_SIZE_CACHE_BYTES = 2 * 2 ** 20;

/** What an entry's value (a number) weighs besides its key. */
const ESTIMATE_BYTES = 16;

/** One `@listSize` application, as the cost spec defines its arguments. */
export interface ListSize {
  assumedSize?: number;
  slicingArguments?: readonly string[];
  sizedFields?: readonly string[];
}

/** `@listSize` applications by field coordinate (`Type.field`). */
export type ListSizes = ReadonlyMap<string, ListSize>;

const COST_SPEC = /^https:\/\/specs\.apollo\.dev\/cost\/v\d+\.\d+$/;
const FEDERATION_SPEC = /^https:\/\/specs\.apollo\.dev\/federation\/v\d+\.\d+$/;

/**
 * The names `@listSize` goes by in a schema: what its `@link` to the cost spec (a supergraph)
 * or to the federation spec (a subgraph) imports it as, or the link's namespaced name; plain
 * `listSize` when the schema links neither (the cost spec used directly).
 */
function listSizeNames(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  let linked = false;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) {
      continue;
    }
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringValue(directiveArgument(link, 'url'));
      if (!url) continue;
      const cost = COST_SPEC.test(url);
      if (!cost && !FEDERATION_SPEC.test(url)) continue;
      linked = true;
      let imported: string | undefined;
      const imports = directiveArgument(link, 'import');
      for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
        if (entry.kind === Kind.STRING && entry.value === '@listSize') imported = 'listSize';
        if (entry.kind === Kind.OBJECT) {
          const field = (name: string) =>
            stringValue(entry.fields.find((f) => f.name.value === name)?.value);
          if (field('name') === '@listSize') imported = (field('as') ?? '@listSize').slice(1);
        }
      }
      const namespace =
        stringValue(directiveArgument(link, 'as')) ?? (cost ? 'cost' : 'federation');
      names.add(imported ?? `${namespace}__listSize`);
    }
  }
  if (!linked) names.add('listSize');
  return names;
}

function intValue(value: ValueNode | undefined): number | undefined {
  return value?.kind === Kind.INT ? Number.parseInt(value.value, 10) : undefined;
}

function stringList(value: ValueNode | undefined): string[] | undefined {
  if (value?.kind === Kind.STRING) return [value.value]; // a list of one may be written bare
  if (value?.kind !== Kind.LIST) return undefined;
  return value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : []));
}

/** Every `@listSize` of a schema's object and interface fields, from its SDL. */
export function readListSizes(sdl: string | DocumentNode): ListSizes {
  const document = typeof sdl === 'string' ? parse(sdl) : sdl;
  const names = listSizeNames(document);
  const sizes = new Map<string, ListSize>();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) {
      continue;
    }
    for (const field of definition.fields ?? []) {
      const directive = field.directives?.find((d) => names.has(d.name.value));
      if (!directive) continue;
      const assumedSize = intValue(directiveArgument(directive, 'assumedSize'));
      const slicingArguments = stringList(directiveArgument(directive, 'slicingArguments'));
      const sizedFields = stringList(directiveArgument(directive, 'sizedFields'));
      sizes.set(`${definition.name.value}.${field.name.value}`, {
        ...(assumedSize !== undefined ? { assumedSize: Math.max(0, assumedSize) } : {}),
        ...(slicingArguments?.length ? { slicingArguments } : {}),
        ...(sizedFields?.length ? { sizedFields } : {}),
      });
    }
  }
  return sizes;
}

export interface ResultSizeModel {
  listSizes: ListSizes;
  /** Size of a list without `@listSize`. */
  defaultListSize: number;
}

/** Where the values of the operation's variables come from. */
export type VariableSource =
  /** The request's variables, coerced (defaults applied). */
  | { values: Readonly<Record<string, unknown>> }
  /**
   * Any values the gateway accepts (a registered operation checked at start): a slicing
   * argument given by a variable takes `listSize` (the largest page the gateway lets through),
   * a condition given by a variable keeps its selection.
   */
  | { anyValues: { listSize: number } };

/** The size the enclosing field's `@listSize` gives the lists it names in `sizedFields`. */
interface Sized {
  fields: readonly string[];
  size: number;
}

/**
 * Estimated objects and list items of the operation's result (see the top of this file).
 * `schema` is the client-facing (API) schema the document was validated against.
 */
export function estimateResultSize(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  model: ResultSizeModel,
  variables: VariableSource,
): number {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;
  const fragments = fragmentsOf(document);
  /** Field selections numbered, so that a group of them has a key. */
  const ids = new Map<FieldNode, number>();
  /** What a group of selections holds for one parent, by type and the size given to it. */
  const memo = new Map<string, number>();

  const variable = (name: string): unknown =>
    'values' in variables ? variables.values[name] : undefined;

  function included(directives: readonly DirectiveNode[] | undefined): boolean {
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = directiveArgument(directive, 'if');
      const value =
        condition?.kind === Kind.BOOLEAN
          ? condition.value
          : condition?.kind === Kind.VARIABLE
            ? variable(condition.name.value)
            : undefined;
      if (typeof value !== 'boolean') continue; // unknown: counted
      if (name === 'skip' ? value : !value) return false;
    }
    return true;
  }

  function applies(typeCondition: string | undefined, type: GraphQLObjectType): boolean {
    if (typeCondition === undefined || typeCondition === type.name) return true;
    const condition = schema.getType(typeCondition);
    return !!condition && isAbstractType(condition) && schema.isSubType(condition, type);
  }

  /**
   * The fields `sets` select on an object of `type`, grouped by response key, the way
   * execution collects them (graphql-js collectFields): what two selections of one key ask
   * is answered once, in one merged object.
   */
  function collect(sets: readonly SelectionSetNode[], type: GraphQLObjectType): FieldNode[][] {
    const groups = new Map<string, FieldNode[]>();
    const visited = new Set<string>();
    const walk = (set: SelectionSetNode): void => {
      for (const selection of set.selections) {
        if (!included(selection.directives)) continue;
        switch (selection.kind) {
          case Kind.FIELD: {
            const key = selection.alias?.value ?? selection.name.value;
            const group = groups.get(key);
            if (group) group.push(selection);
            else groups.set(key, [selection]);
            if (!ids.has(selection)) ids.set(selection, ids.size);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            if (applies(selection.typeCondition?.name.value, type)) walk(selection.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD: {
            const name = selection.name.value;
            const fragment: FragmentDefinitionNode | undefined = fragments.get(name);
            // Once per object, as execution does; a cycle (refused by validation) ends here.
            if (!fragment || visited.has(name)) break;
            visited.add(name);
            if (applies(fragment.typeCondition.name.value, type)) walk(fragment.selectionSet);
            break;
          }
        }
      }
    };
    for (const set of sets) walk(set);
    return [...groups.values()];
  }

  function listSizeOf(type: GraphQLObjectType, name: string): ListSize | undefined {
    const own = model.listSizes.get(`${type.name}.${name}`);
    if (own) return own;
    for (const implemented of type.getInterfaces()) {
      const inherited = model.listSizes.get(`${implemented.name}.${name}`);
      if (inherited) return inherited;
    }
    return undefined;
  }

  /** A slicing argument's value: given, from a variable, or the argument's default. */
  function slicingValue(
    field: GraphQLField<unknown, unknown>,
    node: FieldNode,
    name: string,
  ): number | undefined {
    const fallback = field.args.find((a) => a.name === name)?.defaultValue;
    const asSize = (value: unknown): number | undefined =>
      typeof value === 'number' && Number.isFinite(value) ? Math.max(0, value) : undefined;
    const given = node.arguments?.find((a) => a.name.value === name)?.value;
    if (!given) return asSize(fallback);
    if (given.kind === Kind.VARIABLE) {
      if ('anyValues' in variables) return variables.anyValues.listSize;
      return asSize(variable(given.name.value)) ?? asSize(fallback);
    }
    return asSize(intValue(given)) ?? asSize(fallback);
  }

  function expectedSize(
    listSize: ListSize,
    field: GraphQLField<unknown, unknown>,
    node: FieldNode,
  ): number | undefined {
    let largest: number | undefined;
    for (const name of listSize.slicingArguments ?? []) {
      const value = slicingValue(field, node, name);
      if (value !== undefined) largest = Math.max(largest ?? 0, value);
    }
    return largest ?? listSize.assumedSize;
  }

  /** What one object of `type` holds of `sets`. */
  function onObject(
    sets: readonly SelectionSetNode[],
    type: GraphQLObjectType,
    sized: Sized | null,
  ): number {
    let total = 0;
    for (const group of collect(sets, type)) {
      const name = group[0]!.name.value;
      total += fieldCount(group, type, sized?.fields.includes(name) ? sized.size : undefined);
    }
    return total;
  }

  /** What one value of `type` holds of `sets`: the dearest of its possible object types. */
  function onValue(
    sets: readonly SelectionSetNode[],
    type: GraphQLCompositeType,
    sized: Sized | null,
  ): number {
    if (isObjectType(type)) return onObject(sets, type, sized);
    let dearest = 0;
    for (const possible of schema.getPossibleTypes(type)) {
      dearest = Math.max(dearest, onObject(sets, possible, sized));
    }
    return dearest;
  }

  /** What one response key (its merged selections) holds for one parent of `parentType`. */
  function fieldCount(
    group: readonly FieldNode[],
    parentType: GraphQLObjectType,
    fromParent: number | undefined,
  ): number {
    const node = group[0]!;
    const field = parentType.getFields()[node.name.value];
    if (!field) return 0; // __typename and the other meta fields
    const key = `${group.map((n) => ids.get(n)).join(',')}:${parentType.name}:${fromParent ?? ''}`;
    const known = memo.get(key);
    if (known !== undefined) return known;

    // Selections of one key have the same arguments (OverlappingFieldsCanBeMergedRule).
    const listSize = listSizeOf(parentType, node.name.value);
    const expected = listSize && expectedSize(listSize, field, node);
    const list = isListType(getNullableType(field.type));
    const items = list ? (fromParent ?? expected ?? model.defaultListSize) : 1;
    const type = getNamedType(field.type);
    let each: number;
    if (isCompositeType(type)) {
      const sized =
        listSize?.sizedFields && expected !== undefined
          ? { fields: listSize.sizedFields, size: expected }
          : null;
      const sets = group.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      each = 1 + onValue(sets, type, sized);
    } else {
      each = list ? 1 : 0;
    }
    const count = items * each;
    memo.set(key, count);
    return count;
  }

  const total = isObjectType(rootType) ? onObject([operation.selectionSet], rootType, null) : 0;
  return Number.isFinite(total)
    ? Math.min(Math.ceil(total), Number.MAX_SAFE_INTEGER)
    : Number.MAX_SAFE_INTEGER;
}

export interface ResultSizeEstimatorOptions {
  /** Size of a list without `@listSize`. Default 10 (DEFAULT_LIST_SIZE). */
  defaultListSize?: number;
  /** Estimates kept (least recently used dropped). Default 10,000. */
  cacheEntries?: number;
  /** Estimated bytes the kept estimates may take, keys included. Default 2 MiB. */
  cacheBytes?: number;
}

export interface ResultSizeEstimator {
  /** The `@listSize` applications read from the supergraph, by field coordinate. */
  readonly listSizes: ListSizes;
  /** Estimated objects and list items of the operation's result for these (coerced) variables. */
  estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Readonly<Record<string, unknown>>,
    /** The sha256 of the client's text (Apollo's `queryHash`); the document is printed without. */
    documentHash?: string,
  ): number;
  /**
   * The estimate for any variables the gateway accepts: slicing arguments given by variables
   * at `maxListSize`, conditions given by variables keeping their selection. Not cached.
   */
  estimateAnyVariables(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    maxListSize: number,
  ): number;
  stats(): BoundedCacheStats;
}

/** Creates the estimator of a supergraph (its SDL, as the gateway loads it). */
export function createResultSizeEstimator(
  supergraphSdl: string,
  options: ResultSizeEstimatorOptions = {},
): ResultSizeEstimator {
  const listSizes = readListSizes(supergraphSdl);
  const model: ResultSizeModel = {
    listSizes,
    defaultListSize: assertLimit('defaultListSize', options.defaultListSize ?? DEFAULT_LIST_SIZE),
  };
  const slicingArguments = new Set(
    [...listSizes.values()].flatMap((l) => l.slicingArguments ?? []),
  );
  const cache = new BoundedCache<number>({
    maxEntries: assertLimit(
      'cacheEntries',
      options.cacheEntries ?? DEFAULT_RESULT_SIZE_CACHE_ENTRIES,
    ),
    maxBytes: assertLimit('cacheBytes', options.cacheBytes ?? DEFAULT_RESULT_SIZE_CACHE_BYTES),
  });

  /** Names of the variables the estimate reads, sorted: slicing arguments' and conditions'. */
  const readVariables = perDocument((document) => {
    const names = new Set<string>();
    visit(document, {
      Field(node) {
        for (const argument of node.arguments ?? []) {
          if (argument.value.kind === Kind.VARIABLE && slicingArguments.has(argument.name.value)) {
            names.add(argument.value.name.value);
          }
        }
      },
      Directive(node) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return;
        const condition = directiveArgument(node, 'if');
        if (condition?.kind === Kind.VARIABLE) names.add(condition.name.value);
      },
    });
    return [...names].sort();
  });

  return {
    listSizes,
    estimate(schema, document, operation, variables, documentHash) {
      const key = estimateKey(
        document,
        operation.name?.value,
        variables,
        readVariables(document),
        documentHash,
      );
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const size = estimateResultSize(schema, document, operation, model, { values: variables });
      cache.set(key, size, ESTIMATE_BYTES);
      return size;
    },
    estimateAnyVariables: (schema, document, operation, maxListSize) =>
      estimateResultSize(schema, document, operation, model, {
        anyValues: { listSize: maxListSize },
      }),
    stats: () => cache.stats(),
  };
}

/** The refusal: 400 COST_LIMIT_EXCEEDED, saying which limit and the estimate. */
export function resultSizeError(estimated: number, max: number): GraphQLError {
  return new GraphQLError(
    `The operation would return an estimated ${estimated} objects and list items; at most ${max} are allowed. Ask for smaller pages or fewer nested lists`,
    {
      extensions: {
        code: 'COST_LIMIT_EXCEEDED',
        http: { status: 400 },
        limit: { name: 'resultSize', max, found: estimated },
        cost: { estimated, budget: max },
      },
    },
  );
}

export interface ResultSizeLimitOptions {
  estimator: ResultSizeEstimator;
  /** Most estimated objects and list items of one operation's result. Default 50,000. */
  maxResultSize?: number;
}

export function resultSizePlugin<TContext extends BaseContext>(
  options: ResultSizeLimitOptions,
): ApolloServerPlugin<TContext> {
  const max = assertLimit('maxResultSize', options.maxResultSize ?? DEFAULT_MAX_RESULT_SIZE);
  const { estimator } = options;
  return {
    requestDidStart() {
      return Promise.resolve({
        // Synchronous throw: see list-size.ts.
        didResolveOperation({ schema, document, operation, request, queryHash }) {
          if (!operation) return Promise.resolve();
          const variables = coercedVariables(schema, operation, request.variables);
          if (!variables) return Promise.resolve();
          const estimated = estimator.estimate(schema, document, operation, variables, queryHash);
          if (estimated > max) throw resultSizeError(estimated, max);
          return Promise.resolve();
        },
      });
    },
  };
}

/**
 * The check of a registered (trusted) operation at start, for trusted-documents.ts: the
 * sentence saying its result may exceed the limit with some variables the gateway accepts,
 * or null.
 */
export function registeredResultSizeCheck(options: {
  estimator: ResultSizeEstimator;
  schema: GraphQLSchema;
  maxResultSize: number;
  maxListSize: number;
}): (document: DocumentNode, operation: OperationDefinitionNode) => string | null {
  const { estimator, schema, maxResultSize, maxListSize } = options;
  return (document, operation) => {
    const estimated = estimator.estimateAnyVariables(schema, document, operation, maxListSize);
    return estimated > maxResultSize
      ? `its result may hold an estimated ${estimated} objects and list items (pages of ${maxListSize} where variables size them); at most ${maxResultSize} are allowed`
      : null;
  };
}
