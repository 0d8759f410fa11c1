// Caps list arguments once the variables are known (validation cannot see variable values):
// any `first` above the cap, and any list-valued argument longer than it, is refused before
// any subgraph is called with BAD_USER_INPUT naming the argument by its response path.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { getArgumentValues } from 'graphql';
import { assertLimit, limitError } from './limit-error.js';
import { coercedVariables, forEachField } from './operation-walk.js';

export const DEFAULT_MAX_LIST_SIZE = 500;

export interface ListSizeOptions {
  /**
   * Largest page (`first`) and longest list argument accepted. Default 500 (SECURITY.md).
   * Subgraphs may cap their own pages lower; this is the gateway's early, uniform refusal.
   */
  maxListSize?: number;
}

function sizeOf(argument: string, value: unknown): number | null {
  if (argument === 'first' && typeof value === 'number') return value;
  if (Array.isArray(value)) return value.length;
  return null;
}

export function listSizePlugin<TContext extends BaseContext>(
  options: ListSizeOptions = {},
): ApolloServerPlugin<TContext> {
  const max = assertLimit('maxListSize', options.maxListSize ?? DEFAULT_MAX_LIST_SIZE);
  return {
    requestDidStart() {
      return Promise.resolve({
        // Throws synchronously, like every refusal in didResolveOperation: Apollo runs these
        // hooks in one Promise.all, so a rejected promise beside a synchronous throw would be
        // left unhandled.
        didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return Promise.resolve();
          const variables = coercedVariables(schema, operation, request.variables);
          if (!variables) return Promise.resolve();
          forEachField(schema, document, operation, ({ node, field, path }) => {
            if (!field || !node.arguments?.length) return;
            let args: Record<string, unknown>;
            try {
              args = getArgumentValues(field, node, variables);
            } catch {
              return; // an invalid argument fails execution before any fetch
            }
            for (const [name, value] of Object.entries(args)) {
              const found = sizeOf(name, value);
              if (found === null || found <= max) continue;
              const argument = `${path.join('.')}.${name}`;
              throw limitError(
                `Argument ${argument} asks for ${found} items; at most ${max} are allowed`,
                { name: 'listSize', max, found },
                { code: 'BAD_USER_INPUT', status: 400, extensions: { argument } },
              );
            }
          });
          return Promise.resolve();
        },
      });
    },
  };
}
