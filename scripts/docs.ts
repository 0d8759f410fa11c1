// Static reference docs of the client-facing schema: `npm run docs` writes plain HTML (inline
// CSS, no script, nothing loaded from anywhere) into docs/reference/ (git-ignored), or into the
// folder given with `--out <dir>`. One index of every type, root field, role and example, and
// one page per type with its fields, arguments, descriptions, deprecations and the policy
// (`@authenticated`, `@requiresScopes` in the supergraph) each field is read under.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  parse,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import { apiSchema, SUPERGRAPH_PATH } from '../schema/compose.js';
import { extractPolicy, type Policy, type Requirement } from '../lib/auth/policy.js';
import { PERSONAL_DATA_SCOPE } from '../lib/auth/scopes.js';
import { projectPath } from '../lib/project-files.js';
import { ROLE_PURPOSES, ROLE_SCOPES } from '../gateway/roles.js';
import { DEFAULT_TRUSTED_DOCUMENTS_PATH } from '../gateway/trusted-documents.js';

export const DEFAULT_DOCS_DIR = projectPath('docs', 'reference');

export interface DocsResult {
  /** The files written, relative to the output folder. */
  files: string[];
  /** The example operations shown, by title: each is valid against the API schema. */
  examples: { title: string; body: string }[];
}

const CSS = `
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}
code,pre{font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;background:#f3f5f8;border-radius:3px}
code{padding:0 .2em}pre{padding:.8em;overflow-x:auto}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #dde2ea}
h3{font-size:1.05rem;margin:1.4rem 0 .3rem}nav{margin-bottom:1rem}
.kind{color:#6b7385;font-weight:normal;font-size:.9em}
.policy{display:inline-block;font-size:.8rem;padding:0 .5em;border-radius:3px;background:#e8f1e4;color:#2d5b1f}
.policy.restricted{background:#fdf0dc;color:#7a4a00}
.deprecated{color:#a02020}dl.args dt{margin-top:.3rem}dl.args dd{margin-left:1.5rem}
ul.types{columns:2}table{border-collapse:collapse}td,th{padding:.2em .8em;border:1px solid #dde2ea;text-align:left}
`;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A description as HTML: paragraphs at blank lines, `code` spans kept. */
function prose(text: string | null | undefined): string {
  if (!text) return '';
  return text
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('\n');
}

function firstSentence(text: string | null | undefined): string {
  if (!text) return '';
  const match = /^(.*?[.:])(\s|$)/s.exec(text);
  return escapeHtml((match?.[1] ?? text).replace(/\s+/g, ' '));
}

export function typeFile(name: string): string {
  return `${name}.html`;
}

/** A type reference, `[Desk!]!`, with the named type linked to its page. */
function typeRef(type: GraphQLType): string {
  const named = getNamedType(type);
  const link = `<a href="${typeFile(named.name)}">${escapeHtml(named.name)}</a>`;
  return escapeHtml(type.toString()).replace(escapeHtml(named.name), link);
}

function page(title: string, body: string, home: boolean): string {
  const nav = home ? '' : '<nav><a href="index.html">← All types</a></nav>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Prato labour graph</title>
<style>${CSS}</style>
</head>
<body>
${nav}
${body}
</body>
</html>
`;
}

// --- policy ---------------------------------------------------------------------------------

const SIGNED_IN_ROLES = Object.keys(ROLE_SCOPES).filter((role) => role !== 'public');

function rolesHolding(scopes: readonly string[]): string[] {
  return Object.entries(ROLE_SCOPES)
    .filter(([, held]) => scopes.every((scope) => held.includes(scope)))
    .map(([role]) => role);
}

/** What reading a field takes: its own requirement and the one of the type it returns. */
function requirementsOf(policy: Policy, parent: string, field: GraphQLField<unknown, unknown>) {
  return [
    policy.fields.get(`${parent}.${field.name}`),
    policy.types.get(getNamedType(field.type).name),
  ].filter((r): r is Requirement => r !== undefined);
}

function describeRequirements(requirements: Requirement[]): { html: string; restricted: boolean } {
  if (requirements.length === 0) return { html: 'public: no token needed', restricted: false };
  const parts: string[] = [];
  for (const requirement of requirements) {
    if (requirement.authenticated) {
      parts.push(`a signed-in caller (${SIGNED_IN_ROLES.join(', ')})`);
    }
    if (requirement.scopes) {
      const alternatives = requirement.scopes.map((set) => {
        const roles = rolesHolding(set);
        const purpose = set.includes(PERSONAL_DATA_SCOPE)
          ? ', with a declared purpose (<code>x-purpose</code>)'
          : '';
        return `scope ${set.map((s) => `<code>${escapeHtml(s)}</code>`).join(' + ')} (${
          roles.length ? `roles: ${roles.join(', ')}` : 'no role holds it'
        }${purpose})`;
      });
      parts.push(alternatives.join(' or '));
    }
  }
  return { html: `needs ${parts.join('; and ')}`, restricted: true };
}

function policyBadge(requirements: Requirement[]): string {
  const { html, restricted } = describeRequirements(requirements);
  return `<span class="policy${restricted ? ' restricted' : ''}">${html}</span>`;
}

// --- examples -------------------------------------------------------------------------------

/** True when reading the field needs personal data scope, and so a declared purpose. */
function personal(policy: Policy, parent: string, field: GraphQLField<unknown, unknown>): boolean {
  return requirementsOf(policy, parent, field).some((r) =>
    r.scopes?.some((set) => set.includes(PERSONAL_DATA_SCOPE)),
  );
}

/**
 * A selection set of a few fields of `type`, deeper only through connections, leaving out
 * personal data (an example should run without a declared purpose).
 */
function selection(policy: Policy, type: GraphQLNamedType, depth: number, indent: string): string {
  if (isLeafType(type)) return '';
  const inner = `${indent}  `;
  const lines: string[] = [];
  if (isUnionType(type) || isInterfaceType(type)) lines.push(`${inner}__typename`);
  if (isObjectType(type) || isInterfaceType(type)) {
    const fields = Object.values(type.getFields()).filter(
      (f) =>
        !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined) &&
        !personal(policy, type.name, f),
    );
    const leaves = fields.filter((f) => isLeafType(getNamedType(f.type))).slice(0, 6);
    for (const f of leaves) lines.push(`${inner}${f.name}`);
    const through = new Set(['edges', 'node', 'nodes', 'pageInfo']);
    const objects = fields
      .filter((f) => !isLeafType(getNamedType(f.type)))
      .filter((f) => (depth === 0 && lines.length < 6) || through.has(f.name))
      .slice(0, 3);
    if (depth < 4) {
      for (const f of objects) {
        const sub = selection(policy, getNamedType(f.type), depth + 1, inner);
        if (sub) lines.push(`${inner}${f.name} ${sub}`);
      }
    }
  }
  if (isUnionType(type)) {
    for (const member of type.getTypes()) {
      const sub = selection(policy, member, depth + 1, inner);
      if (sub) lines.push(`${inner}... on ${member.name} ${sub}`);
    }
  }
  return lines.length ? `{\n${lines.join('\n')}\n${indent}}` : '';
}

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** An operation that calls one root field, its required arguments as variables. */
export function exampleOperation(
  policy: Policy,
  operation: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
): string {
  const required = field.args.filter(
    (a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined,
  );
  const variables = required.map((a) => `$${a.name}: ${a.type.toString()}`);
  const args = required.map((a) => `${a.name}: $${a.name}`);
  if (field.args.some((a) => a.name === 'first')) args.push('first: 5');
  const sub = selection(policy, getNamedType(field.type), 0, '  ');
  return `${operation} ${capitalized(field.name)}${variables.length ? `(${variables.join(', ')})` : ''} {
  ${field.name}${args.length ? `(${args.join(', ')})` : ''}${sub ? ` ${sub}` : ''}
}`;
}

interface Manifest {
  operations: { name: string; type: string; body: string }[];
}

/** The partners' registered operations, once per name: real operations, checked at startup. */
function registeredOperations(): { title: string; body: string }[] {
  const manifests = JSON.parse(
    readFileSync(projectPath(DEFAULT_TRUSTED_DOCUMENTS_PATH), 'utf8'),
  ) as Record<string, Manifest>;
  const byName = new Map<string, string>();
  for (const manifest of Object.values(manifests)) {
    for (const op of manifest.operations) if (!byName.has(op.name)) byName.set(op.name, op.body);
  }
  return [...byName].map(([name, body]) => ({ title: name, body }));
}

// --- pages ----------------------------------------------------------------------------------

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'object';
  if (isInterfaceType(type)) return 'interface';
  if (isUnionType(type)) return 'union';
  if (isEnumType(type)) return 'enum';
  if (isInputObjectType(type)) return 'input';
  return 'scalar';
}

function deprecation(reason: string | null | undefined): string {
  return reason ? `<p class="deprecated">Deprecated: ${escapeHtml(reason)}</p>` : '';
}

function argumentsList(args: readonly GraphQLArgument[]): string {
  if (args.length === 0) return '';
  const items = args.map(
    (a) =>
      `<dt><code>${escapeHtml(a.name)}: ${typeRef(a.type)}${
        a.defaultValue !== undefined ? ` = ${escapeHtml(JSON.stringify(a.defaultValue))}` : ''
      }</code></dt><dd>${prose(a.description)}${deprecation(a.deprecationReason)}</dd>`,
  );
  return `<dl class="args">${items.join('\n')}</dl>`;
}

function typePage(
  schema: GraphQLSchema,
  policy: Policy,
  type: GraphQLNamedType,
  examples: Map<string, string>,
): string {
  const parts = [
    `<h1>${escapeHtml(type.name)} <span class="kind">${kindOf(type)}</span></h1>`,
    prose(type.description),
  ];
  const onType = policy.types.get(type.name);
  if (onType) {
    parts.push(
      `<p>Every field that returns a ${escapeHtml(type.name)} ${policyBadge([onType])}</p>`,
    );
  }
  if (isObjectType(type) || isInterfaceType(type)) {
    const isRoot = type === schema.getQueryType() || type === schema.getMutationType();
    parts.push('<h2>Fields</h2>');
    for (const field of Object.values(type.getFields())) {
      parts.push(
        `<h3 id="${escapeHtml(field.name)}"><code>${escapeHtml(field.name)}: ${typeRef(field.type)}</code></h3>`,
        `<p>${policyBadge(requirementsOf(policy, type.name, field))}</p>`,
        prose(field.description),
        deprecation(field.deprecationReason),
        argumentsList(field.args),
      );
      const example = isRoot ? examples.get(`${type.name}.${field.name}`) : undefined;
      if (example) parts.push(`<pre>${escapeHtml(example)}</pre>`);
    }
  }
  if (isInputObjectType(type)) {
    parts.push('<h2>Fields</h2>');
    for (const field of Object.values(type.getFields())) {
      parts.push(
        `<h3 id="${escapeHtml(field.name)}"><code>${escapeHtml(field.name)}: ${typeRef(field.type)}${
          field.defaultValue !== undefined
            ? ` = ${escapeHtml(JSON.stringify(field.defaultValue))}`
            : ''
        }</code></h3>`,
        prose(field.description),
        deprecation(field.deprecationReason),
      );
    }
  }
  if (isEnumType(type)) {
    parts.push('<h2>Values</h2>');
    for (const value of type.getValues()) {
      parts.push(
        `<h3 id="${escapeHtml(value.name)}"><code>${escapeHtml(value.name)}</code></h3>`,
        prose(value.description),
        deprecation(value.deprecationReason),
      );
    }
  }
  if (isUnionType(type)) {
    parts.push(
      '<h2>Members</h2>',
      `<ul>${type
        .getTypes()
        .map((t) => `<li>${typeRef(t)}</li>`)
        .join('')}</ul>`,
    );
  }
  if (isScalarType(type) && type.specifiedByURL) {
    parts.push(`<p>Specified by <code>${escapeHtml(type.specifiedByURL)}</code>.</p>`);
  }
  return page(type.name, parts.filter(Boolean).join('\n'), false);
}

function rootFieldsTable(policy: Policy, root: GraphQLObjectType | null | undefined): string {
  if (!root) return '';
  const rows = Object.values(root.getFields()).map(
    (f) =>
      `<tr><td><a href="${typeFile(root.name)}#${escapeHtml(f.name)}"><code>${escapeHtml(
        f.name,
      )}</code></a></td><td>${firstSentence(f.description)}</td><td>${policyBadge(
        requirementsOf(policy, root.name, f),
      )}</td></tr>`,
  );
  return `<h2>${root.name}</h2><table><tr><th>field</th><th>what</th><th>who</th></tr>${rows.join('\n')}</table>`;
}

function indexPage(
  schema: GraphQLSchema,
  policy: Policy,
  types: GraphQLNamedType[],
  examples: { title: string; body: string }[],
): string {
  const groups: [string, (t: GraphQLNamedType) => boolean][] = [
    ['Objects', isObjectType],
    ['Interfaces', isInterfaceType],
    ['Unions', isUnionType],
    ['Input objects', isInputObjectType],
    ['Enums', isEnumType],
    ['Scalars', isScalarType],
  ];
  const typeLists = groups
    .map(([title, test]) => {
      const members = types.filter(test);
      if (members.length === 0) return '';
      const items = members.map(
        (t) =>
          `<li><a href="${typeFile(t.name)}">${escapeHtml(t.name)}</a> ${firstSentence(t.description)}</li>`,
      );
      return `<h3>${title}</h3><ul class="types">${items.join('\n')}</ul>`;
    })
    .join('\n');
  const roles = Object.entries(ROLE_SCOPES)
    .map(
      ([role, scopes]) =>
        `<tr><td>${role}</td><td>${
          scopes.length ? scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ') : '—'
        }</td><td>${(ROLE_PURPOSES[role as keyof typeof ROLE_PURPOSES] ?? []).join(', ') || '—'}</td></tr>`,
    )
    .join('\n');
  const body = `<h1>Prato labour graph: API reference</h1>
<p>The schema clients see at the gateway (<code>/graphql</code>), the same as
<code>schema/api.graphql</code>. Generated by <code>npm run docs</code> from
<code>schema/supergraph.graphql</code>; each field says who may read it.</p>
<h2>Roles</h2>
<p>Without a token a caller is <b>public</b>. A signed-in caller's role grants scopes; a field that
needs a scope is refused (403 <code>FORBIDDEN</code>, 401 <code>UNAUTHENTICATED</code> without a
token) before anything runs. Fields of personal data (scope
<code>${PERSONAL_DATA_SCOPE}</code>) also need a purpose the role may declare, sent in the
<code>x-purpose</code> header. Some rules are about records rather than fields, and are checked by
the subgraphs: citizens read only their own record, operators write only for their desk, partners
see only the communications of employers that delegated them and run only registered operations.</p>
<table><tr><th>role</th><th>scopes</th><th>purposes (<code>x-purpose</code>)</th></tr>
${roles}</table>
${rootFieldsTable(policy, schema.getQueryType())}
${rootFieldsTable(policy, schema.getMutationType())}
<h2>Types</h2>
${typeLists}
<h2 id="examples">Examples</h2>
<p>Every mutation takes an <code>idempotencyKey</code> (a fresh UUID per intended write):
repeating a request with the same key files nothing new and answers <code>replayed: true</code>.
Each field's page shows an example operation; these are the partners' registered operations.</p>
${examples.map((e) => `<h3>${escapeHtml(e.title)}</h3><pre>${escapeHtml(e.body)}</pre>`).join('\n')}`;
  return page('API reference', body, true);
}

/** Writes the reference docs into `outDir` (emptied first). */
export function generateDocs(outDir: string = DEFAULT_DOCS_DIR): DocsResult {
  const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  const schema = apiSchema(supergraphSdl);
  const policy = extractPolicy(parse(supergraphSdl));
  const types = Object.values(schema.getTypeMap())
    .filter((t) => !isIntrospectionType(t))
    .sort((a, b) => a.name.localeCompare(b.name));
  const fieldExamples = new Map<string, string>();
  const examples: DocsResult['examples'] = [];
  for (const [operation, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      const body = exampleOperation(policy, operation, field);
      fieldExamples.set(`${root!.name}.${field.name}`, body);
      examples.push({ title: `${root!.name}.${field.name}`, body });
    }
  }
  const registered = registeredOperations();
  examples.push(...registered);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, html: string) => {
    writeFileSync(join(outDir, name), html);
    files.push(name);
  };
  write('index.html', indexPage(schema, policy, types, registered));
  for (const type of types)
    write(typeFile(type.name), typePage(schema, policy, type, fieldExamples));
  return { files, examples };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]!) : DEFAULT_DOCS_DIR;
  const { files } = generateDocs(outDir);
  console.log(`wrote ${files.length} pages to ${outDir} (open ${join(outDir, 'index.html')})`);
}
