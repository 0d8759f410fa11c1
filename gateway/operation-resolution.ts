// Apollo Server calls didResolveOperation even when `operationName` names no operation of
// the document; the checks after this one assume an operation. Refuse it here, as the
// client's error it is, instead of letting a later check fail into a masked 500.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

export function operationResolutionPlugin<
  TContext extends BaseContext,
>(): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ operation, request }) {
          if (!operation) {
            throw new GraphQLError(
              request.operationName
                ? 'The document has no operation of the requested operationName'
                : 'The document has several operations: send operationName to choose one',
              { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } },
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}
