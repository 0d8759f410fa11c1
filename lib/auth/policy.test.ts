import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  describeViolation,
  extractPolicy,
  findViolations,
  selectedFields,
  withoutSecurityPurpose,
} from './policy.js';
import { PUBLIC_PRINCIPAL, type Principal } from './principal.js';

const sdl = `
  type Query {
    desks: [Desk!]!
    me: Person @authenticated
    person(id: ID!): Person @requiresScopes(scopes: [["profile"]])
    secret: Secret
  }
  type Desk { name: String! }
  type Person {
    sex: String @requiresScopes(scopes: [["profile"]])
    fiscalCode: String @requiresScopes(scopes: [["identity"], ["admin", "audit"]])
  }
  type Secret @requiresScopes(scopes: [["admin"]]) { value: String }
`;
const schema = buildSchema(
  `directive @authenticated on FIELD_DEFINITION | OBJECT
   directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
   ${sdl}`,
);
const policy = extractPolicy(parse(sdl));
const caller = (scopes: string[]): Principal => ({
  ...PUBLIC_PRINCIPAL,
  role: 'analyst',
  subject: 'a',
  scopes,
});
const violations = (query: string, principal: Principal) =>
  findViolations(selectedFields(schema, parse(query)), policy, principal).map((v) => [
    v.coordinate,
    v.reason,
  ]);

describe('field policy', () => {
  it('lets anyone read fields that declare nothing', () => {
    expect(violations('{ desks { name } }', PUBLIC_PRINCIPAL)).toEqual([]);
  });

  it('asks the public to authenticate for fields that need a token or a scope', () => {
    expect(violations('{ me { sex } }', PUBLIC_PRINCIPAL)).toEqual([
      ['Query.me', 'authentication'],
      ['Person.sex', 'authentication'],
    ]);
  });

  it('finds fields selected through named and inline fragments, once per coordinate', () => {
    const query = `{ person(id: "1") { ...F ... on Person { fiscalCode } } a: person(id: "2") { fiscalCode } }
                   fragment F on Person { fiscalCode sex }`;
    expect(violations(query, caller(['profile']))).toEqual([['Person.fiscalCode', 'scopes']]);
  });

  it('accepts any one alternative of scope sets, and only a whole set', () => {
    expect(
      violations('{ person(id: "1") { fiscalCode } }', caller(['profile', 'identity'])),
    ).toEqual([]);
    expect(
      violations('{ person(id: "1") { fiscalCode } }', caller(['profile', 'admin', 'audit'])),
    ).toEqual([]);
    expect(violations('{ person(id: "1") { fiscalCode } }', caller(['profile', 'admin']))).toEqual([
      ['Person.fiscalCode', 'scopes'],
    ]);
  });

  it('applies a type-level requirement to every field returning the type', () => {
    expect(violations('{ secret { value } }', caller(['profile']))).toEqual([
      ['Query.secret', 'scopes'],
    ]);
  });

  it('says which field and which scopes would allow it', () => {
    const [violation] = findViolations(
      selectedFields(schema, parse('{ person(id: "1") { fiscalCode } }')),
      policy,
      caller(['profile']),
    );
    expect(describeViolation(violation!)).toBe(
      "Person.fiscalCode needs the scope identity or admin + audit, which this caller's role does not grant",
    );
  });
});

describe('withoutSecurityPurpose', () => {
  it('drops `for: SECURITY` from the scope and authentication links only', () => {
    const supergraph = `schema
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)`;
    expect(withoutSecurityPurpose(supergraph)).toBe(`schema
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1")
  @link(url: "https://specs.apollo.dev/authenticated/v0.1")`);
  });
});
