// Refuses operations that select more root fields than a limit, counted through fragments
// spread at the root. Each root field is at least one upstream request of its own.
import type { ValidationRule } from 'graphql';
import { measureSelections } from './fragments.js';
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
    // Root fields only: a field's own selection is not descended into.
    const rootFields = measureSelections(context, {
      field: (field) => (field.name.value !== '__typename' ? 1 : 0),
    });
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
