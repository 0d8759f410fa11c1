// Refuses operations that select more root fields than a limit, counted through fragments
// spread at the root. Each root field is at least one upstream request of its own.
import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { memoizedFragmentMeasure } from './fragments.js';
import { assertLimit, limitError } from './limit-error.js';

export const DEFAULT_MAX_ROOT_FIELDS = 10;

export interface MaxRootFieldsOptions {
  /**
   * Most root field selections accepted in one operation, `__typename` excepted; a field
   * selected twice counts twice. Default 10.
   */
  maxRootFields?: number;
}

export function maxRootFieldsRule(options: MaxRootFieldsOptions = {}): ValidationRule {
  const maxRootFields = assertLimit(
    'maxRootFields',
    options.maxRootFields ?? DEFAULT_MAX_ROOT_FIELDS,
  );
  return (context) => {
    const fragmentFields = memoizedFragmentMeasure(context, (f) => rootFields(f.selectionSet));
    function rootFields(set: SelectionSetNode): number {
      let count = 0;
      for (const selection of set.selections) {
        switch (selection.kind) {
          case Kind.FIELD:
            if (selection.name.value !== '__typename') count += 1;
            break;
          case Kind.INLINE_FRAGMENT:
            count += rootFields(selection.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD:
            count += fragmentFields(selection.name.value);
            break;
        }
      }
      return count;
    }
    return {
      OperationDefinition(operation) {
        const found = rootFields(operation.selectionSet);
        if (found > maxRootFields) {
          context.reportError(
            limitError(
              `The operation selects ${found} root fields; at most ${maxRootFields} are allowed`,
              { name: 'rootFields', max: maxRootFields, found },
              { nodes: operation },
            ),
          );
        }
      },
    };
  };
}
