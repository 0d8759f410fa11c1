// Several fetches of one client request to the same subgraph, ready at the same moment (the
// branches of a query plan's Parallel node), sent as one GraphQL request: each fetch's root
// fields aliased and its variables and fragments renamed with a prefix of its own, and the
// answer split back into one response per fetch. Apollo's gateway sends each fetch alone: on
// the public federation benchmark's query that is 16 subgraph requests where fewer would do.
import {
  Kind,
  OperationTypeNode,
  parse,
  print,
  visit,
  type DefinitionNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { BoundedCache } from '../lib/bounded-cache.js';
import type { GraphQLFormattedError } from 'graphql';

export interface BatchableFetch {
  query: string;
  variables?: Record<string, unknown> | undefined;
}

/** One fetch's operation rewritten under its prefix: what goes into the merged document. */
interface Renamed {
  variables: readonly VariableDefinitionNode[];
  fields: readonly FieldNode[];
  fragments: readonly FragmentDefinitionNode[];
}

/** Prefix of the `index`-th fetch's names in a merged request. */
export const prefixOf = (index: number): string => `_f${index}_`;

/**
 * Fetch operations (and merged documents) remembered, by their text: the plans' texts are few.
 * A rewritten operation is weighed as ten times its text (its syntax tree).
 */
const CACHE = { maxEntries: 2_000, maxBytes: 16 * 2 ** 20 };

function remember<V>(cache: BoundedCache<V>, key: string, value: V, bytes: number): V {
  cache.set(key, value, bytes);
  return value;
}

const renamedCache = new BoundedCache<Renamed | null>(CACHE);

/**
 * The fetch's operation with every variable, fragment and root response key prefixed, or null
 * when it cannot be merged: not one query operation, or a root selection other than a field.
 */
function renamed(query: string, index: number): Renamed | null {
  const key = `${index}\u0000${query}`;
  const known = renamedCache.get(key);
  if (known !== undefined) return known;
  const prefix = prefixOf(index);
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return remember(renamedCache, key, null, 0);
  }
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operations[0];
  if (
    operations.length !== 1 ||
    !operation ||
    operation.operation !== OperationTypeNode.QUERY ||
    (operation.directives?.length ?? 0) > 0 ||
    operation.selectionSet.selections.some((s) => s.kind !== Kind.FIELD)
  ) {
    return remember(renamedCache, key, null, 0);
  }
  const rewritten = visit(document, {
    Variable: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
    FragmentSpread: (node) => ({
      ...node,
      name: { ...node.name, value: prefix + node.name.value },
    }),
    FragmentDefinition: (node) => ({
      ...node,
      name: { ...node.name, value: prefix + node.name.value },
    }),
  });
  const definitions: readonly DefinitionNode[] = rewritten.definitions;
  const op = definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return remember(
    renamedCache,
    key,
    {
      variables: op.variableDefinitions ?? [],
      // Only the root fields are aliased: the answer under each alias is split back by prefix.
      fields: (op.selectionSet.selections as FieldNode[]).map((field) => ({
        ...field,
        alias: { kind: Kind.NAME, value: prefix + (field.alias ?? field.name).value },
      })),
      fragments: definitions.filter(
        (d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION,
      ),
    },
    20 * query.length,
  );
}

const mergedCache = new BoundedCache<string>(CACHE);

/**
 * One request for all of `fetches`, or null when any of them cannot be merged (then each is
 * sent alone). Variables are renamed like the operations that use them.
 */
export function mergeFetches(
  fetches: readonly BatchableFetch[],
): { query: string; variables: Record<string, unknown> } | null {
  const parts: Renamed[] = [];
  for (const [index, fetch] of fetches.entries()) {
    const part = renamed(fetch.query, index);
    if (part === null) return null;
    parts.push(part);
  }
  const key = fetches.map((f) => f.query).join('\u0000');
  const query =
    mergedCache.get(key) ??
    remember(
      mergedCache,
      key,
      print({
        kind: Kind.DOCUMENT,
        definitions: [
          {
            kind: Kind.OPERATION_DEFINITION,
            operation: OperationTypeNode.QUERY,
            variableDefinitions: parts.flatMap((p) => p.variables),
            selectionSet: { kind: Kind.SELECTION_SET, selections: parts.flatMap((p) => p.fields) },
          },
          ...parts.flatMap((p) => p.fragments),
        ],
      }),
      2 * key.length,
    );
  const variables: Record<string, unknown> = {};
  for (const [index, fetch] of fetches.entries()) {
    for (const [name, value] of Object.entries(fetch.variables ?? {})) {
      variables[prefixOf(index) + name] = value;
    }
  }
  return { query, variables };
}

/**
 * Whether a merged request's answer can be split: its data is there and every error names the
 * fetch it belongs to. A null that reached the root (a non-null field of one fetch failed)
 * takes every fetch's data with it, and an error without a path may be any fetch's: then each
 * fetch is better sent alone.
 */
export function answersEachFetch(response: GatewayGraphQLResponse): boolean {
  if (typeof response.data !== 'object' || response.data === null) return false;
  return (response.errors ?? []).every((error) => {
    const first = error.path?.[0];
    return typeof first === 'string' && /^_f\d+_/.test(first);
  });
}

/**
 * The merged request's answer as one response per fetch: each fetch's root fields under their
 * own names, its errors with their own paths. An error that names no fetch (the whole request
 * failed) is every fetch's; the subgraph's extensions go with the first fetch only, so that
 * what they count is counted once.
 */
export function splitResponse(
  response: GatewayGraphQLResponse,
  count: number,
): GatewayGraphQLResponse[] {
  const data = response.data as Record<string, unknown> | null | undefined;
  const parts: GatewayGraphQLResponse[] = [];
  for (let index = 0; index < count; index += 1) {
    const prefix = prefixOf(index);
    let own: Record<string, unknown> | null | undefined = data;
    if (data) {
      own = {};
      for (const [key, value] of Object.entries(data)) {
        if (key.startsWith(prefix)) own[key.slice(prefix.length)] = value;
      }
    }
    const errors: GraphQLFormattedError[] = [];
    for (const error of response.errors ?? []) {
      const first = error.path?.[0];
      if (typeof first !== 'string' || !/^_f\d+_/.test(first)) errors.push(error);
      else if (first.startsWith(prefix)) {
        errors.push({ ...error, path: [first.slice(prefix.length), ...error.path!.slice(1)] });
      }
    }
    parts.push({
      ...(own === undefined ? {} : { data: own }),
      ...(errors.length > 0 ? { errors } : {}),
      ...(index === 0 && response.extensions ? { extensions: response.extensions } : {}),
    });
  }
  return parts;
}
