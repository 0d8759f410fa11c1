// Refuses operations nested deeper than a limit, counted through named and inline fragments
// (a fragment adds the depth of its fields where it is spread, not a level of its own).
import type { ValidationRule } from 'graphql';
import { measureSelections } from './fragments.js';
import { assertLimit, limitError } from './limit-error.js';

export const DEFAULT_MAX_DEPTH = 10;

export interface MaxDepthOptions {
  /**
   * Deepest field nesting accepted: `{ desks { id } }` is 2. Default 10 (SECURITY.md).
   * Introspection subtrees (`__schema`, `__type`) are answered by the gateway without any
   * upstream and are bounded by graphql-js's own MaxIntrospectionDepthRule instead, so that
   * the standard introspection query of tools still works for the callers allowed to run it.
   */
  maxDepth?: number;
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

export function maxDepthRule(options: MaxDepthOptions = {}): ValidationRule {
  const maxDepth = assertLimit('maxDepth', options.maxDepth ?? DEFAULT_MAX_DEPTH);
  return (context) => {
    const depth = measureSelections(context, {
      combine: 'max',
      field: (field, below) =>
        1 +
        (field.selectionSet && !INTROSPECTION_FIELDS.has(field.name.value)
          ? below(field.selectionSet)
          : 0),
    });
    return {
      OperationDefinition(operation) {
        const found = depth(operation.selectionSet);
        if (found > maxDepth) {
          context.reportError(
            limitError(
              `The operation is nested ${found} levels deep; at most ${maxDepth} are allowed, counted through fragments`,
              { name: 'depth', max: maxDepth, found },
              { nodes: operation },
            ),
          );
        }
      },
    };
  };
}
