// Refuses operations carrying more directives than a limit, counted through fragments: on
// the operation, its variables, fields, inline fragments, spreads and fragment definitions.
import type { ValidationRule } from 'graphql';
import { measureSelections } from './fragments.js';
import { assertLimit, limitError } from './limit-error.js';

export const DEFAULT_MAX_DIRECTIVES = 20;

export interface MaxDirectivesOptions {
  /** Most directive uses accepted in one operation. Default 20. */
  maxDirectives?: number;
}

export function maxDirectivesRule(options: MaxDirectivesOptions = {}): ValidationRule {
  const maxDirectives = assertLimit(
    'maxDirectives',
    options.maxDirectives ?? DEFAULT_MAX_DIRECTIVES,
  );
  return (context) => {
    const directives = measureSelections(context, {
      selection: (selection) => selection.directives?.length ?? 0,
      fragment: (fragment) => fragment.directives?.length ?? 0,
      field: (field, below) => (field.selectionSet ? below(field.selectionSet) : 0),
    });
    return {
      OperationDefinition(operation) {
        let found = (operation.directives?.length ?? 0) + directives(operation.selectionSet);
        for (const variable of operation.variableDefinitions ?? []) {
          found += variable.directives?.length ?? 0;
        }
        if (found > maxDirectives) {
          context.reportError(
            limitError(
              `The operation uses ${found} directives; at most ${maxDirectives} are allowed, counted through fragments`,
              { name: 'directives', max: maxDirectives, found },
              { nodes: operation },
            ),
          );
        }
      },
    };
  };
}
