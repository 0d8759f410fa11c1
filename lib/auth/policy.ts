// Field-level access policy as declared with the federation directives `@authenticated`
// and `@requiresScopes` in an SDL (a subgraph's or the composed supergraph), and the
// check of an operation against it. The gateway runs it on the client's operation before
// planning; each subgraph runs it again on what the gateway sends.
import {
  getNamedType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { Principal } from './principal.js';

export interface Requirement {
  authenticated: boolean;
  /** Alternatives (OR) of scope sets (AND), as `@requiresScopes(scopes: [[...]])` says. */
  scopes: string[][] | null;
}

export interface Policy {
  /** Requirements per field coordinate, `Type.field`. */
  fields: ReadonlyMap<string, Requirement>;
  /** Requirements per type: they apply to every field that returns the type. */
  types: ReadonlyMap<string, Requirement>;
}

function requirementOf(
  directives: readonly ConstDirectiveNode[] | undefined,
): Requirement | undefined {
  let authenticated = false;
  let scopes: string[][] | null = null;
  for (const directive of directives ?? []) {
    if (directive.name.value === 'authenticated') authenticated = true;
    if (directive.name.value === 'requiresScopes') {
      const arg = directive.arguments?.find((a) => a.name.value === 'scopes');
      if (arg?.value.kind === Kind.LIST) {
        scopes = arg.value.values.map((alternative) =>
          alternative.kind === Kind.LIST
            ? alternative.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : []))
            : [],
        );
      }
    }
  }
  return authenticated || scopes ? { authenticated, scopes } : undefined;
}

/** Reads the policy declared in an SDL document (subgraph or supergraph). */
export function extractPolicy(sdl: DocumentNode): Policy {
  const fields = new Map<string, Requirement>();
  const types = new Map<string, Requirement>();
  for (const definition of sdl.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
    ) {
      continue;
    }
    const typeName = definition.name.value;
    const onType = requirementOf(definition.directives);
    if (onType) types.set(typeName, onType);
    for (const field of definition.fields ?? []) {
      const onField = requirementOf(field.directives);
      if (onField) fields.set(`${typeName}.${field.name.value}`, onField);
    }
  }
  return { fields, types };
}

export interface Violation {
  /** The field coordinate, `Type.field`. */
  coordinate: string;
  /** Why: `authentication` or the scopes that would allow it. */
  reason: 'authentication' | 'scopes';
  /** For `scopes`: the alternatives, any one of which would do. */
  requiredScopes?: string[][];
}

function satisfied(
  requirement: Requirement,
  principal: Principal,
): Violation['reason'] | undefined {
  if (requirement.authenticated && principal.role === 'public') return 'authentication';
  if (requirement.scopes) {
    const held = new Set(principal.scopes);
    if (!requirement.scopes.some((alternative) => alternative.every((scope) => held.has(scope)))) {
      return principal.role === 'public' ? 'authentication' : 'scopes';
    }
  }
  return undefined;
}

/**
 * Every field the operation selects, through fragments and inline fragments alike, with the
 * name of the type it returns: `Type.field` -> returned type.
 */
export function selectedFields(schema: GraphQLSchema, document: DocumentNode): Map<string, string> {
  const selected = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (parent && field)
          selected.set(`${parent.name}.${field.name}`, getNamedType(field.type).name);
      },
    }),
  );
  return selected;
}

/** The fields of the operation that the principal may not read, once per coordinate. */
export function findViolations(
  selected: ReadonlyMap<string, string>,
  policy: Policy,
  principal: Principal,
): Violation[] {
  const violations: Violation[] = [];
  for (const [coordinate, returnedType] of selected) {
    for (const requirement of [policy.fields.get(coordinate), policy.types.get(returnedType)]) {
      if (!requirement) continue;
      const reason = satisfied(requirement, principal);
      if (reason) {
        violations.push({
          coordinate,
          reason,
          ...(reason === 'scopes' && requirement.scopes
            ? { requiredScopes: requirement.scopes }
            : {}),
        });
        break;
      }
    }
  }
  return violations;
}

/** True when one of the fields needs `scope` (in some alternative). */
export function needsScope(policy: Policy, coordinates: Iterable<string>, scope: string): boolean {
  for (const coordinate of coordinates) {
    if (policy.fields.get(coordinate)?.scopes?.some((set) => set.includes(scope))) return true;
  }
  return false;
}

/** A sentence a client can act on: which field and why. */
export function describeViolation(violation: Violation): string {
  if (violation.reason === 'authentication') {
    return `${violation.coordinate} needs a signed-in caller: send a bearer token`;
  }
  const alternatives = (violation.requiredScopes ?? []).map((set) => set.join(' + ')).join(' or ');
  return `${violation.coordinate} needs the scope ${alternatives}, which this caller's role does not grant`;
}

const SECURITY_LINKS = [
  'https://specs.apollo.dev/requiresScopes/',
  'https://specs.apollo.dev/authenticated/',
];

/**
 * Stock @apollo/gateway refuses to load a supergraph whose `@link`s say `for: SECURITY`
 * for features it cannot enforce itself. We enforce them (above), so the gateway gets a
 * copy where those links carry no purpose; the committed supergraph keeps them for engines
 * that do enforce them.
 */
export function withoutSecurityPurpose(supergraphSdl: string): string {
  return supergraphSdl.replace(/@link\(url: "([^"]+)", for: SECURITY\)/g, (whole, url: string) =>
    SECURITY_LINKS.some((prefix) => url.startsWith(prefix)) ? `@link(url: "${url}")` : whole,
  );
}
