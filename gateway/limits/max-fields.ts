// Refuses operations whose field selections, once every fragment spread is expanded where it
// stands, exceed a limit. The token limit bounds the text, not the expansion: ten fragments
// each spreading the next from two fields ask for 2^10 copies in a few hundred tokens. The
// checks that walk the expanded operation (list sizes, cost) rely on this bound.
import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { memoizedFragmentMeasure } from './fragments.js';
import { assertLimit, limitError } from './limit-error.js';

export const DEFAULT_MAX_FIELDS = 2_000;

export interface MaxFieldsOptions {
  /** Most field selections accepted once fragments are expanded. Default 2,000. */
  maxFields?: number;
}

export function maxFieldsRule(options: MaxFieldsOptions = {}): ValidationRule {
  const maxFields = assertLimit('maxFields', options.maxFields ?? DEFAULT_MAX_FIELDS);
  return (context) => {
    const fragmentFields = memoizedFragmentMeasure(context, (f) => fields(f.selectionSet));
    function fields(set: SelectionSetNode): number {
      let count = 0;
      for (const selection of set.selections) {
        switch (selection.kind) {
          case Kind.FIELD:
            count += 1 + (selection.selectionSet ? fields(selection.selectionSet) : 0);
            break;
          case Kind.INLINE_FRAGMENT:
            count += fields(selection.selectionSet);
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
        const found = fields(operation.selectionSet);
        if (found > maxFields) {
          context.reportError(
            limitError(
              `The operation selects ${found} fields once its fragments are expanded; at most ${maxFields} are allowed`,
              { name: 'fields', max: maxFields, found },
              { nodes: operation },
            ),
          );
        }
      },
    };
  };
}
