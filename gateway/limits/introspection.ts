// Introspection and "Did you mean ...?" suggestions, per caller: anonymous callers get
// neither (they would map the whole schema, scoped fields included, for free); signed-in
// callers get both, so that their tools work. Apollo's own switches (`introspection`,
// `hideSchemaDetailsFromClientErrors`) are per server, hence this plugin.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { fragmentsOf } from './operation-walk.js';

export interface SchemaDisclosureOptions<TContext> {
  /** Whether this request's caller may introspect and see suggestions. Required. */
  disclose: (context: TContext) => boolean;
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** graphql-js appends at most one suggestion sentence to a message; names never hold `?`. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/** Whether the operation selects `__schema` or `__type` (root fields only), through fragments. */
export function selectsIntrospection(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): boolean {
  const fragments = fragmentsOf(document);
  const seen = new Set<string>();
  const search = (set: SelectionSetNode): boolean =>
    set.selections.some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return INTROSPECTION_FIELDS.has(selection.name.value);
        case Kind.INLINE_FRAGMENT:
          return search(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          if (!fragment || seen.has(fragment.name.value)) return false;
          seen.add(fragment.name.value);
          return search(fragment.selectionSet);
        }
      }
    });
  return search(operation.selectionSet);
}

export function schemaDisclosurePlugin<TContext extends BaseContext>(
  options: SchemaDisclosureOptions<TContext>,
): ApolloServerPlugin<TContext> {
  return {
    requestDidStart({ contextValue }) {
      if (options.disclose(contextValue)) return Promise.resolve();
      return Promise.resolve({
        didResolveOperation({ document, operation }) {
          if (operation && selectsIntrospection(document, operation)) {
            // Apollo's own refusal of introspection is a validation failure: keep its code.
            throw new GraphQLError('Introspection is available to signed-in callers only', {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
          return Promise.resolve();
        },
        // On the formatted errors, so that every source is covered: validation, variable
        // coercion ("Did you mean the enum value ...?"), and the gateway's own checks.
        willSendResponse({ response }) {
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            const result = response.body.singleResult;
            response.body.singleResult = {
              ...result,
              errors: result.errors?.map((error) => ({
                ...error,
                message: withoutSuggestions(error.message),
              })),
            };
          }
          return Promise.resolve();
        },
      });
    },
  };
}
