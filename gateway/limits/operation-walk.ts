// Walks the fields a client operation selects, through named and inline fragments, with
// each field's definition and response path. Used by the checks that run once the operation
// is resolved and the variables are known (list sizes, introspection). The expansion is
// bounded by maxFieldsRule, which validation has already applied.
import { createHash } from 'node:crypto';
import {
  getNamedType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  print,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface FieldVisit {
  node: FieldNode;
  parentType: GraphQLCompositeType;
  /** Undefined for meta fields (`__typename`, `__schema`, `__type`). */
  field: GraphQLField<unknown, unknown> | undefined;
  /** Response keys from the operation root to this field (aliases where given). */
  path: readonly string[];
}

/** The value a directive gives its argument `name`, as written; undefined when not given. */
export function directiveArgument(directive: DirectiveNode, name: string): ValueNode | undefined {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

/** A string literal's value; undefined for any other value. */
export function stringValue(value: ValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}

export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  return fragments;
}

/** Calls `visit` for every field selection of the operation, each spread expanded in place. */
export function forEachField(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  visit: (field: FieldVisit) => void,
): void {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return;
  const fragments = fragmentsOf(document);
  const spreading = new Set<string>();

  function walk(set: SelectionSetNode, parentType: GraphQLCompositeType, path: string[]): void {
    for (const selection of set.selections) {
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          const field =
            isObjectType(parentType) || isInterfaceType(parentType)
              ? parentType.getFields()[name]
              : undefined;
          const fieldPath = [...path, selection.alias?.value ?? name];
          visit({ node: selection, parentType, field, path: fieldPath });
          const childType = field ? getNamedType(field.type) : undefined;
          if (selection.selectionSet && childType && isCompositeType(childType)) {
            walk(selection.selectionSet, childType, fieldPath);
          }
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition
            ? schema.getType(selection.typeCondition.name.value)
            : parentType;
          if (type && isCompositeType(type)) walk(selection.selectionSet, type, path);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || spreading.has(name)) break; // validation refuses both
          const type = schema.getType(fragment.typeCondition.name.value);
          if (!type || !isCompositeType(type)) break;
          spreading.add(name);
          walk(fragment.selectionSet, type, path);
          spreading.delete(name);
          break;
        }
      }
    }
  }
  walk(operation.selectionSet, rootType, []);
}

/**
 * `compute` of a document, once per document object (Apollo's document store hands out the
 * same one for the same text).
 */
export function perDocument<T>(
  compute: (document: DocumentNode) => T,
): (document: DocumentNode) => T {
  const known = new WeakMap<DocumentNode, T>();
  return (document) => {
    if (known.has(document)) return known.get(document) as T;
    const value = compute(document);
    known.set(document, value);
    return value;
  };
}

/**
 * The cache key of an estimate: the document's hash (`documentHash`, Apollo's `queryHash` of
 * the client's text, when given; else the document as graphql-js prints it, whitespace, commas
 * and comments normalised away), the operation's name, and the values of the variables the
 * estimate reads (`read`, sorted).
 */
export function estimateKey(
  document: DocumentNode,
  operationName: string | undefined,
  variables: Readonly<Record<string, unknown>>,
  read: readonly string[],
  documentHash: string | undefined,
): string {
  const values = read.map((name) => [name, variables[name] ?? null]);
  return createHash('sha256')
    .update(documentHash === undefined ? `printed\0${print(document)}` : `text\0${documentHash}`)
    .update('\0')
    .update(operationName ?? '')
    .update('\0')
    .update(JSON.stringify(values))
    .digest('base64url');
}

/** The last coercion of each request's variables object, for the next check of that request. */
const coercions = new WeakMap<
  object,
  {
    schema: GraphQLSchema;
    operation: OperationDefinitionNode;
    coerced: Record<string, unknown> | null;
  }
>();

/**
 * The operation's variables coerced as execution would coerce them (defaults applied), or
 * null when they do not coerce: the gateway then refuses the request itself, before any fetch.
 * Several checks of one request ask in turn (list sizes, result size, cost): the request's
 * variables are coerced once.
 */
export function coercedVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  inputs: Record<string, unknown> | undefined,
): Record<string, unknown> | null {
  const known = inputs && coercions.get(inputs);
  if (known && known.schema === schema && known.operation === operation) return known.coerced;
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], inputs ?? {}, {
    maxErrors: 1,
  });
  const coerced = result.coerced ?? null;
  if (inputs) coercions.set(inputs, { schema, operation, coerced });
  return coerced;
}
