// Refuses operations carrying more directives than a limit, counted through fragments: on
// the operation, its variables, fields, inline fragments, spreads and fragment definitions.
import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { memoizedFragmentMeasure } from './fragments.js';
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
    const fragmentDirectives = memoizedFragmentMeasure(
      context,
      (f) => (f.directives?.length ?? 0) + directives(f.selectionSet),
    );
    function directives(set: SelectionSetNode): number {
      let count = 0;
      for (const selection of set.selections) {
        count += selection.directives?.length ?? 0;
        switch (selection.kind) {
          case Kind.FIELD:
            if (selection.selectionSet) count += directives(selection.selectionSet);
            break;
          case Kind.INLINE_FRAGMENT:
            count += directives(selection.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD:
            count += fragmentDirectives(selection.name.value);
            break;
        }
      }
      return count;
    }
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
