// Refuses operations whose field selections, once every fragment spread is expanded where it
// stands, exceed a limit. The token limit bounds the text, not the expansion: ten fragments
// each spreading the next from two fields ask for 2^10 copies in a few hundred tokens. The
// checks that walk the expanded operation (list sizes, cost) rely on this bound.
import type { ValidationRule } from 'graphql';
import { measureSelections } from './fragments.js';
import { assertLimit, limitError } from './limit-error.js';

export const DEFAULT_MAX_FIELDS = 2_000;

export interface MaxFieldsOptions {
  /** Most field selections accepted once fragments are expanded. Default 2,000. */
  maxFields?: number;
}

export function maxFieldsRule(options: MaxFieldsOptions = {}): ValidationRule {
  const maxFields = assertLimit('maxFields', options.maxFields ?? DEFAULT_MAX_FIELDS);
  return (context) => {
    const fields = measureSelections(context, {
      field: (field, below) => 1 + (field.selectionSet ? below(field.selectionSet) : 0),
    });
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
