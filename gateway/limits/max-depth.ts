// Refuses operations nested deeper than a limit, counted through named and inline fragments
// (a fragment adds the depth of its fields where it is spread, not a level of its own).
import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { memoizedFragmentMeasure } from './fragments.js';
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
    const fragmentDepth = memoizedFragmentMeasure(context, (f) => depth(f.selectionSet));
    function depth(set: SelectionSetNode): number {
      let deepest = 0;
      for (const selection of set.selections) {
        switch (selection.kind) {
          case Kind.FIELD: {
            const below =
              selection.selectionSet && !INTROSPECTION_FIELDS.has(selection.name.value)
                ? depth(selection.selectionSet)
                : 0;
            deepest = Math.max(deepest, 1 + below);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            deepest = Math.max(deepest, depth(selection.selectionSet));
            break;
          case Kind.FRAGMENT_SPREAD:
            deepest = Math.max(deepest, fragmentDepth(selection.name.value));
            break;
        }
      }
      return deepest;
    }
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
