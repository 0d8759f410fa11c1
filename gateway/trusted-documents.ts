// Trusted documents for partners (SECURITY.md "Limits"): a partner organisation runs only the
// operations registered for it in a manifest, by id; free text from a partner token, or the
// id of another organisation's operation, is refused before anything reaches a subgraph.
//
// The manifest (TRUSTED_DOCUMENTS_PATH, default gateway/trusted-documents.json) maps each
// organisation code of the desk registry to an Apollo persisted query manifest, the format
// `npx generate-persisted-query-manifest` writes and Apollo Client's persisted-query link
// reads, so that a partner's own build can produce its part:
//
//   { "CNA": { "format": "apollo-persisted-query-manifest", "version": 1,
//              "operations": [{ "id": "<sha256 of body, hex>", "name": "OpenVacancies",
//                               "type": "query", "body": "query OpenVacancies { ... }" }] } }
//
// A partner sends `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<id>"}},
// "variables": {...}}` without a query (what that link sends), by POST or GET.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import { projectPath } from '../lib/project-files.js';
import type { GatewayContext } from './context.js';

export const DEFAULT_TRUSTED_DOCUMENTS_PATH = 'gateway/trusted-documents.json';
export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export type OperationType = 'query' | 'mutation' | 'subscription';

export interface TrustedOperation {
  /** The sha256 of `body`, lower-case hex: what clients send. */
  id: string;
  name: string;
  type: OperationType;
  body: string;
}

export interface TrustedDocuments {
  /** The operation registered under `id` for `organization`, if any. */
  lookup(organization: string, id: string): TrustedOperation | undefined;
  /** The organisations that have registered operations, sorted. */
  readonly organizations: readonly string[];
  /** The registered operations' names, each once, sorted (the metrics' operation labels). */
  readonly operationNames: readonly string[];
}

/** A manifest that cannot be served: every problem found, one per line. */
export class TrustedDocumentsError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Trusted documents ${source} cannot be used:\n${problems.map((p) => `- ${p}`).join('\n')}`,
    );
    this.name = 'TrustedDocumentsError';
  }
}

export interface TrustedDocumentsOptions {
  /** The API schema clients see: every document must validate against it. */
  schema: GraphQLSchema;
  /** The gateway's own validation rules (limits), so that no registered operation is refused. */
  validationRules?: readonly ValidationRule[];
  /** The gateway's parser options (token limit). */
  parseOptions?: ParseOptions;
  /**
   * The gateway's limits that need more than validation (the result size): each returns what
   * is wrong with a valid operation, or null. Run only on operations that validate.
   */
  checks?: readonly ((
    document: DocumentNode,
    operation: OperationDefinitionNode,
  ) => string | null)[];
}

/** Registry organisation codes (`enti`), as partner tokens name them: `CNA`, `CONFART`. */
const ORGANIZATION = /^[A-Z][A-Z0-9]{1,19}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const OPERATION_TYPES: readonly string[] = ['query', 'mutation', 'subscription'];

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a manifest already read as JSON; `source` names it in errors. */
export function parseTrustedDocuments(
  manifest: unknown,
  source: string,
  options: TrustedDocumentsOptions,
): TrustedDocuments {
  const problems: string[] = [];
  const byOrganization = new Map<string, Map<string, TrustedOperation>>();
  if (!isRecord(manifest)) {
    throw new TrustedDocumentsError(source, [
      'expected an object mapping organisation codes to persisted query manifests',
    ]);
  }
  for (const [organization, entry] of Object.entries(manifest)) {
    if (!ORGANIZATION.test(organization)) {
      problems.push(`${JSON.stringify(organization)} is not an organisation code like CNA`);
      continue;
    }
    if (
      !isRecord(entry) ||
      entry.format !== MANIFEST_FORMAT ||
      entry.version !== 1 ||
      !Array.isArray(entry.operations)
    ) {
      problems.push(
        `${organization}: expected {"format": "${MANIFEST_FORMAT}", "version": 1, "operations": [...]}`,
      );
      continue;
    }
    const operations = new Map<string, TrustedOperation>();
    entry.operations.forEach((value: unknown, i) => {
      const where = `${organization} operations[${i}]`;
      const checked = checkOperation(value, where, options);
      if (Array.isArray(checked)) {
        problems.push(...checked);
      } else if (operations.has(checked.id)) {
        problems.push(`${where} (${checked.name}): id ${checked.id} is registered twice`);
      } else {
        operations.set(checked.id, checked);
      }
    });
    byOrganization.set(organization, operations);
  }
  if (problems.length > 0) throw new TrustedDocumentsError(source, problems);
  const organizations = Object.freeze([...byOrganization.keys()].sort());
  const names = new Set<string>();
  for (const operations of byOrganization.values()) {
    for (const operation of operations.values()) names.add(operation.name);
  }
  return {
    lookup: (organization, id) => byOrganization.get(organization)?.get(id),
    organizations,
    operationNames: Object.freeze([...names].sort()),
  };
}

/** The operation, or every sentence saying what is wrong with it. */
function checkOperation(
  value: unknown,
  where: string,
  options: TrustedDocumentsOptions,
): TrustedOperation | string[] {
  if (!isRecord(value)) return [`${where}: expected {"id", "name", "type", "body"}`];
  const { id, name, type, body } = value;
  if (typeof name !== 'string' || name === '') {
    return [`${where}: "name" must be a non-empty string`];
  }
  const named = `${where} (${name})`;
  if (typeof body !== 'string' || body === '') return [`${named}: "body" must be a document`];
  const problems: string[] = [];
  if (typeof type !== 'string' || !OPERATION_TYPES.includes(type)) {
    problems.push(`${named}: "type" must be one of ${OPERATION_TYPES.join(', ')}`);
  }
  const expected = sha256Hex(body);
  // Named in full, so that whoever registers an operation can copy it from the message.
  if (typeof id !== 'string' || !SHA256_HEX.test(id) || id !== expected) {
    problems.push(`${named}: "id" must be the sha256 of the body, ${expected}`);
  }
  let document;
  try {
    document = parse(body, options.parseOptions);
  } catch (err) {
    return [...problems, `${named}: the body does not parse: ${(err as Error).message}`];
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || !operation) {
    problems.push(`${named}: the body must hold exactly one operation, not ${operations.length}`);
  } else {
    if (operation.name?.value !== name) {
      problems.push(
        `${named}: the body's operation is named ${operation.name?.value ?? '(nothing)'}, not ${name}`,
      );
    }
    if (operation.operation !== type) {
      problems.push(`${named}: the body is a ${operation.operation}, not a ${String(type)}`);
    }
  }
  const errors = validate(options.schema, document, [
    ...specifiedRules,
    ...(options.validationRules ?? []),
  ]);
  for (const error of errors) problems.push(`${named}: ${error.message}`);
  if (errors.length === 0 && operations.length === 1 && operation) {
    for (const check of options.checks ?? []) {
      const problem = check(document, operation);
      if (problem !== null) problems.push(`${named}: ${problem}`);
    }
  }
  if (problems.length > 0) return problems;
  return Object.freeze({ id: expected, name, type: type as OperationType, body });
}

/** No registered operation: every partner request is refused as not registered. */
export const NO_TRUSTED_DOCUMENTS: TrustedDocuments = Object.freeze({
  lookup: () => undefined,
  organizations: Object.freeze([]),
  operationNames: Object.freeze([]),
});

/**
 * The manifest to load, or null for none. The committed manifest registers operations of this
 * project's graph, and would stop a gateway serving another supergraph (its operations do not
 * validate there): with another supergraph, the default path loads no manifest, and partners'
 * requests are all refused. A manifest for that graph is loaded when TRUSTED_DOCUMENTS_PATH names
 * another file, and checked against it like ours.
 */
export function manifestPathFor(path: string, isProjectGraph: boolean): string | null {
  return !isProjectGraph && path === DEFAULT_TRUSTED_DOCUMENTS_PATH ? null : path;
}

/** Reads and checks the manifest at `path` (relative paths from the project root). */
export function loadTrustedDocuments(
  path: string,
  options: TrustedDocumentsOptions,
): TrustedDocuments {
  const file = isAbsolute(path) ? path : projectPath(path);
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new TrustedDocumentsError(file, [
      `cannot be read as JSON: ${(err as Error).message} (TRUSTED_DOCUMENTS_PATH names the file)`,
    ]);
  }
  return parseTrustedDocuments(manifest, file, options);
}

export function operationNotRegistered(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_NOT_REGISTERED', http: { status: 403 } },
  });
}

const NOT_REGISTERED = 'This operation is not registered for your organisation';

type Resolution = { operation: TrustedOperation } | { refusal: GraphQLError };

/** Which registered operation a partner's request names, or why it is refused. */
export function resolvePartnerRequest(
  documents: TrustedDocuments,
  organization: string | null,
  request: { query?: string | undefined; extensions?: Record<string, unknown> | undefined },
): Resolution {
  const persisted = request.extensions?.persistedQuery;
  if (persisted === undefined) {
    return {
      refusal: operationNotRegistered(
        'A partner may run only the operations registered for its organisation: send the id of one as extensions.persistedQuery.sha256Hash (version 1), without a query',
      ),
    };
  }
  if (!isRecord(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string') {
    return {
      refusal: operationNotRegistered(
        'extensions.persistedQuery must be {"version": 1, "sha256Hash": "<id of a registered operation>"}',
      ),
    };
  }
  // The same answer for an unknown id and another organisation's: nothing is learnt about
  // what others registered.
  const operation =
    organization === null ? undefined : documents.lookup(organization, persisted.sha256Hash);
  if (!operation) return { refusal: operationNotRegistered(NOT_REGISTERED) };
  // The id decides what runs; a text sent along must be that very document, or the client is
  // not running what it believes it runs.
  if (request.query !== undefined && request.query !== operation.body) {
    return {
      refusal: operationNotRegistered(
        'The query sent is not the document registered under this id: send the id alone',
      ),
    };
  }
  return { operation };
}

/**
 * Stands in for a refused partner's text: Apollo parses the request's query right after
 * `requestDidStart`, where throwing would be a 500, so the client's text is never parsed and
 * the refusal is thrown once the operation is resolved, before any subgraph is called.
 */
const REFUSED_PLACEHOLDER = '{ __typename }';

function withoutPersistedQuery(
  extensions: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (extensions === undefined) return undefined;
  const rest = { ...extensions };
  delete rest.persistedQuery;
  return rest;
}

/**
 * Partners run registered operations only; other roles are untouched (free text, and Apollo's
 * automatic persisted queries as before: the manifest is not a list they can draw on). List it
 * first among the plugins, so that a refused partner request meets no other check.
 */
export function trustedDocumentsPlugin(
  documents: TrustedDocuments,
): ApolloServerPlugin<GatewayContext> {
  return {
    requestDidStart({ request, contextValue }) {
      const { principal } = contextValue;
      if (principal.role !== 'partner') return Promise.resolve();
      const resolution = resolvePartnerRequest(documents, principal.organization, request);
      // Apollo's own persisted-query handling must not see the id: it would look it up in, or
      // add the text to, the cache other callers share.
      request.extensions = withoutPersistedQuery(request.extensions);
      if ('operation' in resolution) {
        request.query = resolution.operation.body;
        // The id names one operation; a differing name from the client would only fail it.
        request.operationName = resolution.operation.name;
        return Promise.resolve();
      }
      request.query = REFUSED_PLACEHOLDER;
      request.operationName = undefined;
      request.variables = undefined;
      const { refusal } = resolution;
      return Promise.resolve({
        didResolveOperation: () => Promise.reject(refusal),
      });
    },
  };
}
