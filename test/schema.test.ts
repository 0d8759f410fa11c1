import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  parse,
  visit,
} from 'graphql';
import {
  API_SCHEMA_PATH,
  apiSchemaSdl,
  composeSupergraph,
  SUBGRAPH_NAMES,
  subgraphSdl,
  SUPERGRAPH_PATH,
} from '../schema/compose.js';

describe('schema', () => {
  it('the committed supergraph is what the subgraph SDL composes to (run `npm run compose` if not)', () => {
    expect(readFileSync(SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it.each(SUBGRAPH_NAMES)(
    'every type, field, field argument and enum value of the %s subgraph that clients see has a description',
    (name) => {
      const missing: string[] = [];
      // The key fields of entities extended here (`Desk @key(fields: "id") { id: ID! ... }`)
      // are described where the entity is owned.
      const doc = parse(subgraphSdl(name));
      let currentType: string | undefined;
      let ownedHere = false;
      visit(doc, {
        ObjectTypeDefinition: {
          enter(node) {
            currentType = node.name.value;
            const isStub =
              node.directives?.some((d) => d.name.value === 'key') &&
              (node.fields?.length ?? 0) <= 1;
            const isExtension =
              node.directives?.some((d) => d.name.value === 'key') && !node.description;
            ownedHere = !isStub && !isExtension;
            if (ownedHere && currentType !== 'Query' && !node.description)
              missing.push(currentType);
          },
        },
        FieldDefinition(node) {
          const inaccessible = node.directives?.some((d) => d.name.value === 'inaccessible');
          if (inaccessible) return;
          // Arguments are described where the field is declared, extensions included: no
          // other subgraph declares them.
          for (const arg of node.arguments ?? []) {
            if (!arg.description)
              missing.push(`${currentType}.${node.name.value}(${arg.name.value})`);
          }
          const isKeyField =
            node.name.value === 'id' ||
            node.name.value === 'istatCode' ||
            node.name.value === 'code';
          if (node.description) return;
          if (!ownedHere && isKeyField) return;
          missing.push(`${currentType}.${node.name.value}`);
        },
        EnumTypeDefinition(node) {
          if (!node.description) missing.push(node.name.value);
          for (const value of node.values ?? []) {
            if (!value.description) missing.push(`${node.name.value}.${value.name.value}`);
          }
        },
      });
      expect(missing, `undescribed in the ${name} subgraph: ${missing.join(', ')}`).toEqual([]);
    },
  );

  it('the fiscal-code join key is inaccessible in the supergraph', () => {
    const sdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
    const keyLines = sdl.split('\n').filter((line) => line.includes('fiscalCodeKey:'));
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) expect(line).toContain('@inaccessible');
  });

  it('the committed API schema is what the supergraph yields (run `npm run compose` if not)', async () => {
    const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
    expect(readFileSync(API_SCHEMA_PATH, 'utf8')).toBe(await apiSchemaSdl(supergraphSdl));
  });

  it('the API schema holds no federation internals', () => {
    const sdl = readFileSync(API_SCHEMA_PATH, 'utf8');
    for (const internal of [
      /\bjoin__/,
      /\blink__/,
      /\b_entities\b/,
      /\b_service\b/,
      /\b_Any\b/,
      /\b_Entity\b/,
      /\bfiscalCodeKey\b/,
      /^directive /m,
      /@(key|inaccessible|listSize|authenticated|requiresScopes|cost|link)\b/,
    ]) {
      expect(sdl).not.toMatch(internal);
    }
  });

  it('every type, field, field argument and enum value of the API schema has a description', () => {
    const schema = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));
    const missing: string[] = [];
    const builtIn = new Set(['String', 'Int', 'Float', 'Boolean', 'ID', 'Query', 'Mutation']);
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type)) continue;
      if (!builtIn.has(type.name) && !type.description) missing.push(type.name);
      const fields = isInputObjectType(type)
        ? Object.values(type.getFields())
        : isObjectType(type) || isInterfaceType(type)
          ? Object.values(type.getFields())
          : [];
      for (const field of fields) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      for (const value of isEnumType(type) ? type.getValues() : []) {
        if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing, `undescribed in the API schema: ${missing.join(', ')}`).toEqual([]);
  });
});
