import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PUBLIC_PRINCIPAL } from '../lib/auth/principal.js';
import { readGatewayConfig } from './config.js';
import { createGateway } from './index.js';
import { DEFAULT_SUPERGRAPH_PATH, readSupergraphFile } from './supergraph-file.js';
import { maxDepthRule } from './limits/index.js';
import {
  DEFAULT_TRUSTED_DOCUMENTS_PATH,
  loadTrustedDocuments,
  MANIFEST_FORMAT,
  parseTrustedDocuments,
  resolvePartnerRequest,
  sha256Hex,
  TrustedDocumentsError,
  type TrustedDocuments,
} from './trusted-documents.js';

const schema = buildSchema(`
  type Query { desks: [Desk!]! desk(id: ID!): Desk }
  type Mutation { touch: Boolean }
  type Desk { id: ID! name: String! comune: Comune! }
  type Comune { name: String! }
`);

const DESKS = 'query Desks {\n  desks {\n    id\n  }\n}';
const DESK = 'query Desk($id: ID!) {\n  desk(id: $id) {\n    name\n  }\n}';

const operation = (body: string, name: string, type = 'query') => ({
  id: sha256Hex(body),
  name,
  type,
  body,
});
const manifestOf = (...operations: unknown[]) => ({
  format: MANIFEST_FORMAT,
  version: 1,
  operations,
});

function problemsOf(manifest: unknown, rules = {}): readonly string[] {
  try {
    parseTrustedDocuments(manifest, 'test.json', { schema, ...rules });
  } catch (err) {
    expect(err).toBeInstanceOf(TrustedDocumentsError);
    return (err as TrustedDocumentsError).problems;
  }
  throw new Error('expected the manifest to be refused');
}

describe('parseTrustedDocuments', () => {
  it('registers each organisation its own operations, by the sha256 of their text', () => {
    const documents = parseTrustedDocuments(
      { CNA: manifestOf(operation(DESKS, 'Desks')), CGIL: manifestOf(operation(DESK, 'Desk')) },
      'test.json',
      { schema },
    );
    expect(documents.organizations).toEqual(['CGIL', 'CNA']);
    expect(documents.lookup('CNA', sha256Hex(DESKS))).toEqual(operation(DESKS, 'Desks'));
    expect(documents.lookup('CNA', sha256Hex(DESK))).toBeUndefined();
    expect(documents.lookup('CGIL', sha256Hex(DESK))?.name).toBe('Desk');
    expect(documents.lookup('UIP', sha256Hex(DESK))).toBeUndefined();
  });

  it('names the sha256 a mismatched id should be, so that it can be copied', () => {
    expect(
      problemsOf({ CNA: manifestOf({ ...operation(DESKS, 'Desks'), id: 'f'.repeat(64) }) }),
    ).toEqual([
      `CNA operations[0] (Desks): "id" must be the sha256 of the body, ${sha256Hex(DESKS)}`,
    ]);
  });

  it('lists every problem of the manifest at once', () => {
    const problems = problemsOf({
      cna: manifestOf(),
      UIP: { operations: [] },
      CNA: manifestOf(
        operation('query Broken {', 'Broken'),
        operation('query A { desks { id } } query B { desks { id } }', 'A'),
        operation(DESKS, 'Other'),
        operation(DESKS, 'Desks', 'mutation'),
        operation('query Bad { desks { nope } }', 'Bad'),
        operation(DESK, 'Desk'),
        operation(DESK, 'Desk'),
        'not an operation',
      ),
    });
    expect(problems).toEqual([
      '"cna" is not an organisation code like CNA',
      `UIP: expected {"format": "${MANIFEST_FORMAT}", "version": 1, "operations": [...]}`,
      'CNA operations[0] (Broken): the body does not parse: Syntax Error: Expected Name, found <EOF>.',
      'CNA operations[1] (A): the body must hold exactly one operation, not 2',
      "CNA operations[2] (Other): the body's operation is named Desks, not Other",
      'CNA operations[3] (Desks): the body is a query, not a mutation',
      'CNA operations[4] (Bad): Cannot query field "nope" on type "Desk". Did you mean "name"?',
      `CNA operations[6] (Desk): id ${sha256Hex(DESK)} is registered twice`,
      'CNA operations[7]: expected {"id", "name", "type", "body"}',
    ]);
  });

  it("refuses an operation the gateway's own limits would refuse", () => {
    const deep = 'query Deep {\n  desks {\n    comune {\n      name\n    }\n  }\n}';
    const problems = problemsOf(
      { CNA: manifestOf(operation(deep, 'Deep')) },
      { validationRules: [maxDepthRule({ maxDepth: 1 })] },
    );
    expect(problems).toEqual([
      'CNA operations[0] (Deep): The operation is nested 3 levels deep; at most 1 are allowed, counted through fragments',
    ]);
  });

  it('refuses something other than an object of organisations', () => {
    expect(problemsOf([manifestOf()])).toEqual([
      'expected an object mapping organisation codes to persisted query manifests',
    ]);
  });
});

describe('configuration', () => {
  it('reads the manifest path from TRUSTED_DOCUMENTS_PATH, the committed one by default', () => {
    expect(readGatewayConfig({}).trustedDocumentsPath).toBe('gateway/trusted-documents.json');
    expect(
      readGatewayConfig({ TRUSTED_DOCUMENTS_PATH: '/etc/prato/partners.json' })
        .trustedDocumentsPath,
    ).toBe('/etc/prato/partners.json');
  });
});

describe('the committed manifest', () => {
  it('validates against the supergraph and registers operations for partner organisations', () => {
    const apiSchema = readSupergraphFile(DEFAULT_SUPERGRAPH_PATH)
      .supergraph.apiSchema()
      .toGraphQLJSSchema();
    const documents = loadTrustedDocuments(DEFAULT_TRUSTED_DOCUMENTS_PATH, { schema: apiSchema });
    expect(documents.organizations).toEqual(['CGIL', 'CNA', 'CONFART', 'UIP']);
  });

  it('stops the gateway from starting when an operation does not fit the graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
    try {
      const path = join(dir, 'bad.json');
      const body = 'query Vacancies {\n  vacancies {\n    salary\n  }\n}';
      writeFileSync(path, JSON.stringify({ CNA: manifestOf(operation(body, 'Vacancies')) }));
      const unused = 'http://127.0.0.1:9/graphql';
      await expect(
        createGateway(
          {
            subgraphUrls: { desks: unused, workers: unused, employers: unused, training: unused },
            subgraphTimeoutMs: 1000,
            subgraphConnections: 1,
            maxBodyBytes: 100_000,
            port: 0,
            trustedDocumentsPath: path,
          },
          {
            authenticate: () => Promise.resolve(PUBLIC_PRINCIPAL),
            assertionKey: new Uint8Array(32),
          },
        ),
      ).rejects.toThrow(
        `Trusted documents ${path} cannot be used:\n- CNA operations[0] (Vacancies): Cannot query field "salary" on type "VacancyConnection".`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which file could not be read', () => {
    expect(() => loadTrustedDocuments('/nonexistent/trusted.json', { schema })).toThrow(
      /Trusted documents \/nonexistent\/trusted\.json cannot be used:\n- cannot be read as JSON: .*TRUSTED_DOCUMENTS_PATH/,
    );
  });
});

describe('resolvePartnerRequest', () => {
  const documents: TrustedDocuments = parseTrustedDocuments(
    { CNA: manifestOf(operation(DESKS, 'Desks')), CGIL: manifestOf(operation(DESK, 'Desk')) },
    'test.json',
    { schema },
  );
  const byId = (id: string) => ({ persistedQuery: { version: 1, sha256Hash: id } });
  const refusal = (outcome: ReturnType<typeof resolvePartnerRequest>) => {
    if (!('refusal' in outcome)) throw new Error('expected a refusal');
    expect(outcome.refusal).toBeInstanceOf(GraphQLError);
    expect(outcome.refusal.extensions).toEqual({
      code: 'OPERATION_NOT_REGISTERED',
      http: { status: 403 },
    });
    return outcome.refusal.message;
  };

  it("resolves the id of one of the organisation's operations to its text", () => {
    expect(resolvePartnerRequest(documents, 'CNA', { extensions: byId(sha256Hex(DESKS)) })).toEqual(
      {
        operation: operation(DESKS, 'Desks'),
      },
    );
    // The registered text itself may come along (Apollo's APQ links send both on a retry).
    expect(
      resolvePartnerRequest(documents, 'CNA', { query: DESKS, extensions: byId(sha256Hex(DESKS)) }),
    ).toEqual({ operation: operation(DESKS, 'Desks') });
  });

  it('refuses free text, saying how to name a registered operation', () => {
    expect(refusal(resolvePartnerRequest(documents, 'CNA', { query: DESKS }))).toBe(
      'A partner may run only the operations registered for its organisation: send the id of one as extensions.persistedQuery.sha256Hash (version 1), without a query',
    );
  });

  it("answers another organisation's id exactly as an unknown one", () => {
    const other = refusal(
      resolvePartnerRequest(documents, 'CNA', { extensions: byId(sha256Hex(DESK)) }),
    );
    const unknown = refusal(
      resolvePartnerRequest(documents, 'CNA', { extensions: byId('0'.repeat(64)) }),
    );
    expect(other).toBe('This operation is not registered for your organisation');
    expect(unknown).toBe(other);
  });

  it('refuses a registered id sent with some other text', () => {
    expect(
      refusal(
        resolvePartnerRequest(documents, 'CNA', {
          query: '{ desks { id name } }',
          extensions: byId(sha256Hex(DESKS)),
        }),
      ),
    ).toBe('The query sent is not the document registered under this id: send the id alone');
  });

  it.each([
    ['another version', { version: 2, sha256Hash: sha256Hex(DESKS) }],
    ['no hash', { version: 1 }],
    ['a string', 'Desks'],
  ])('refuses a persistedQuery extension with %s', (_, persistedQuery) => {
    expect(
      refusal(resolvePartnerRequest(documents, 'CNA', { extensions: { persistedQuery } })),
    ).toMatch(/^extensions\.persistedQuery must be/);
  });

  it('refuses a partner that names no organisation', () => {
    refusal(resolvePartnerRequest(documents, null, { extensions: byId(sha256Hex(DESKS)) }));
  });
});
