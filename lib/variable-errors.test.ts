// A refused variable never comes back with its value: only the variable, the path inside it
// and a reason made of schema names (or of this project's own scalar messages).
import { buildSchema, GraphQLError, GraphQLScalarType, parse, execute } from 'graphql';
import { describe, expect, it } from 'vitest';
import { safeVariableError } from './variable-errors.js';

const SECRET = 'RSSMRA80A01G999X';
const Code = new GraphQLScalarType({
  name: 'Code',
  parseValue: () => {
    throw new GraphQLError('Code must look like ABC123', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  },
});
const schema = buildSchema(`
  scalar Code
  input Person { fiscalCode: String!, name: String!, age: Int, code: Code }
  type Query { f(p: Person!, n: Int): Int }
`);
Object.assign(schema.getType('Code')!, { parseValue: Code.parseValue });

function refusal(variables: Record<string, unknown>): { message: string; error: GraphQLError } {
  const result = execute({
    schema,
    document: parse('query ($p: Person!, $n: Int) { f(p: $p, n: $n) }'),
    variableValues: variables,
  }) as { errors?: readonly GraphQLError[] };
  const error = result.errors?.[0];
  if (!error) throw new Error('expected a refusal');
  return { message: error.message, error };
}

describe('safeVariableError', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    [
      'a missing field',
      { p: { fiscalCode: SECRET } },
      'p',
      'Variable "$p" got an invalid value; Field "name" of required type "String!" was not provided.',
    ],
    [
      'an unknown field',
      { p: { fiscalCode: SECRET, name: 'X', extra: 1 } },
      'p',
      'Variable "$p" got an invalid value; Field "extra" is not defined by type "Person".',
    ],
    [
      'a built-in scalar quoting the value',
      { p: { fiscalCode: SECRET, name: 'X', age: SECRET } },
      'p.age',
      'Variable "$p" got an invalid value at "p.age"; Expected type "Int".',
    ],
    [
      'one of our scalars',
      { p: { fiscalCode: 'x', name: 'X', code: SECRET } },
      'p.code',
      'Variable "$p" got an invalid value at "p.code"; Code must look like ABC123',
    ],
    [
      'a top-level value',
      { p: { fiscalCode: 'x', name: 'X' }, n: SECRET },
      'n',
      'Variable "$n" got an invalid value; Expected type "Int".',
    ],
  ])('says where and why for %s, never the value', (_, variables, field, message) => {
    const { message: raw, error } = refusal(variables);
    expect(raw).toContain(SECRET.slice(0, 10)); // graphql-js itself repeats it
    const safe = safeVariableError(raw, error);
    expect(safe).toEqual({ field, message });
    expect(JSON.stringify(safe)).not.toContain(SECRET.slice(0, 10));
  });

  it('leaves other messages alone', () => {
    expect(safeVariableError('Cannot query field "x" on type "Query".', undefined)).toBeUndefined();
  });
});
