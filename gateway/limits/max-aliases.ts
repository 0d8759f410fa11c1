// Refuses operations with more aliases than a limit, counted through fragments (each spread
// counts its fragment's aliases again). Aliases are how one request asks the same field many
// times, for example 500 `workerByFiscalCode` lookups to enumerate fiscal codes.
import type { ValidationRule } from 'graphql';
import { measureSelections } from './fragments.js';
import { assertLimit, limitError } from './limit-error.js';

export const DEFAULT_MAX_ALIASES = 15;

export interface MaxAliasesOptions {
  /** Most aliases accepted in one operation; aliases of `__typename` are free. Default 15. */
  maxAliases?: number;
}

export function maxAliasesRule(options: MaxAliasesOptions = {}): ValidationRule {
  const maxAliases = assertLimit('maxAliases', options.maxAliases ?? DEFAULT_MAX_ALIASES);
  return (context) => {
    const aliases = measureSelections(context, {
      field: (field, below) =>
        (field.alias && field.name.value !== '__typename' ? 1 : 0) +
        (field.selectionSet ? below(field.selectionSet) : 0),
    });
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
