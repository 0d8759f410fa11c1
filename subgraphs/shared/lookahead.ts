// Looking ahead in a resolver's selection: which fields of the object it returns the operation
// asks for, and with which arguments, so that a root resolver can start the loads its children
// will need in the same tick as its own (one round of upstream requests instead of two) when
// the children's keys are known from its own arguments.
//
// Only what the executor will resolve counts: fields reached through inline fragments and
// fragment spreads, and not those a `@skip`/`@include` leaves out for these variables. A field
// asked for under several aliases, with different arguments, is listed once per alias.
import {
  getArgumentValues,
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

function included(
  node: Parameters<typeof getDirectiveValues>[1],
  variables: GraphQLResolveInfo['variableValues'],
): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.['if'] === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.['if'] !== false;
}

function collect(
  info: GraphQLResolveInfo,
  selectionSet: SelectionSetNode | undefined,
  name: string,
  into: FieldNode[],
  seenFragments: Set<string>,
): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (!included(selection, info.variableValues)) continue;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) into.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(info, selection.selectionSet, name, into, seenFragments);
    } else {
      const fragmentName = selection.name.value;
      if (seenFragments.has(fragmentName)) continue;
      seenFragments.add(fragmentName);
      collect(info, info.fragments[fragmentName]?.selectionSet, name, into, seenFragments);
    }
  }
}

/**
 * The arguments of each selection of `name` on the object this resolver returns (one entry
 * per alias; an empty list when the operation does not ask for it). The object's type is the
 * resolver's return type, unwrapped; `name` must be one of its fields.
 */
export function selectedFieldArguments(
  info: GraphQLResolveInfo,
  name: string,
): Record<string, unknown>[] {
  let type = info.returnType;
  while ('ofType' in type) type = type.ofType;
  if (!isObjectType(type)) return [];
  const field = type.getFields()[name];
  if (!field) return [];
  const nodes: FieldNode[] = [];
  const seenFragments = new Set<string>();
  for (const node of info.fieldNodes) collect(info, node.selectionSet, name, nodes, seenFragments);
  return nodes.map((node) => getArgumentValues(field, node, info.variableValues));
}

/**
 * Starts, for each selection of `name` on the object this resolver returns, the load `start`
 * makes of its arguments, so that the field's own resolver later meets it in the loader's cache.
 * Never fails the resolver that looks ahead: a selection it cannot read, arguments `start`
 * refuses (it throws; the field's resolver refuses them again, with no upstream request) and a
 * failed load (the field meets the same failure) are all left to the field.
 */
export function startEarly(
  info: GraphQLResolveInfo,
  name: string,
  start: (args: Record<string, unknown>) => Promise<unknown>,
): void {
  let selections: Record<string, unknown>[];
  try {
    selections = selectedFieldArguments(info, name);
  } catch {
    return;
  }
  for (const args of selections) {
    try {
      start(args).catch(() => undefined);
    } catch {
      // refused arguments
    }
  }
}
