import { describe, expect, it } from 'vitest';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { API_SCHEMA_PATH } from '../../schema/compose.js';
import { IDE_EXAMPLES } from './examples.js';
import { readFileSync } from 'node:fs';

const schema = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));

describe('the IDE example operations', () => {
  it.each(IDE_EXAMPLES.map((e) => [e.name, e] as const))(
    '%s is valid against schema/api.graphql',
    (_name, example) => {
      const document = parse(example.query);
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);
      // One named operation, named as the example, so that GraphiQL's tab shows that name.
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      expect(operations.map((o) => o.name?.value)).toEqual([example.name]);
      // Every required variable has a value, and no value is for a variable the query lacks.
      const declared = operations[0]!.variableDefinitions ?? [];
      const required = declared
        .filter((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue)
        .map((v) => v.variable.name.value);
      const given = Object.keys(example.variables ?? {});
      expect(required.filter((name) => !given.includes(name))).toEqual([]);
      expect(given.filter((name) => !declared.some((v) => v.variable.name.value === name))).toEqual(
        [],
      );
    },
  );

  it('covers flows, a desk’s job seekers, an employer’s history, the catalogue and the desks', () => {
    const roots = IDE_EXAMPLES.map((e) => {
      const operation = parse(e.query).definitions[0] as OperationDefinitionNode;
      const field = operation.selectionSet.selections[0]!;
      return field.kind === Kind.FIELD ? field.name.value : field.kind;
    });
    expect(roots).toEqual(['communicationFlows', 'desk', 'employer', 'courses', 'desks']);
  });
});
