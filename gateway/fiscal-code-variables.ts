// Fiscal codes sent as variables are checked here, before any subgraph sees them: graphql-js
// would otherwise refuse them in the subgraph with a message that repeats the value
// ("Variable "$cf" got invalid value ..."), and a fiscal code must never be echoed in an error.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getNamedType,
  GraphQLError,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type TypeNode,
} from 'graphql';
import { isValidFiscalCode, normalizeFiscalCode } from '../lib/fiscal-code.js';

const SCALAR = 'FiscalCode';

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function allValid(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.every(allValid);
  return typeof value === 'string' && isValidFiscalCode(normalizeFiscalCode(value));
}

export function fiscalCodeVariablesPlugin<
  TContext extends BaseContext,
>(): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ operation, request, schema, document }) {
          // Literals: the subgraph would refuse them too, but with a 200 and after a fetch.
          const typeInfo = new TypeInfo(schema);
          visit(
            document,
            visitWithTypeInfo(typeInfo, {
              StringValue(node) {
                const input = typeInfo.getInputType();
                if (
                  input &&
                  getNamedType(input).name === SCALAR &&
                  !isValidFiscalCode(normalizeFiscalCode(node.value))
                ) {
                  throw new GraphQLError(
                    'This fiscal code is not valid: 16 characters with a valid check letter',
                    { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
                  );
                }
              },
            }),
          );
          for (const definition of operation?.variableDefinitions ?? []) {
            if (namedType(definition.type) !== SCALAR) continue;
            const name = definition.variable.name.value;
            if (!allValid(request.variables?.[name])) {
              throw new GraphQLError(
                `Variable $${name} is not a valid fiscal code: 16 characters with a valid check letter`,
                { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
              );
            }
          }
          return Promise.resolve();
        },
      });
    },
  };
}
