// Refuses operations with more aliases than a limit, counted through fragments (each spread
// counts its fragment's aliases again). Aliases are how one request asks the same field many
// times, for example 500 `workerByFiscalCode` lookups to enumerate fiscal codes.
import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { memoizedFragmentMeasure } from './fragments.js';
import { assertLimit, limitError } from './limit-error.js';

export const DEFAULT_MAX_ALIASES = 15;

export interface MaxAliasesOptions {
  /** Most aliases accepted in one operation; aliases of `__typename` are free. Default 15. */
  maxAliases?: number;
}

export function maxAliasesRule(options: MaxAliasesOptions = {}): ValidationRule {
  const maxAliases = assertLimit('maxAliases', options.maxAliases ?? DEFAULT_MAX_ALIASES);
  return (context) => {
    const fragmentAliases = memoizedFragmentMeasure(context, (f) => aliases(f.selectionSet));
    function aliases(set: SelectionSetNode): number {
      let count = 0;
      for (const selection of set.selections) {
        switch (selection.kind) {
          case Kind.FIELD:
            if (selection.alias && selection.name.value !== '__typename') count += 1;
            if (selection.selectionSet) count += aliases(selection.selectionSet);
            break;
          case Kind.INLINE_FRAGMENT:
            count += aliases(selection.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD:
            count += fragmentAliases(selection.name.value);
            break;
        }
      }
      return count;
    }
    return {
      OperationDefinition(operation) {
        const found = aliases(operation.selectionSet);
        if (found > maxAliases) {
          context.reportError(
            limitError(
              `The operation uses ${found} aliases; at most ${maxAliases} are allowed, counted through fragments`,
              { name: 'aliases', max: maxAliases, found },
              { nodes: operation },
            ),
          );
        }
      },
    };
  };
}
