// Partners end to end (SECURITY.md: "another organisation's data (partner)", "partners may
// run only registered operations"): registered operations by id, refusals with their status,
// code and the upstream requests they did not cause, and communications only of the employers
// that delegated the partner's organisation, compared with what co holds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { projectPath } from '../lib/project-files.js';
import { DEFAULT_TRUSTED_DOCUMENTS_PATH, sha256Hex } from '../gateway/trusted-documents.js';
import {
  graphql,
  resetUpstreamStats,
  startStack,
  upstreamGet,
  upstreamRequests,
  totalRequests,
  type GraphQLResponse,
  type Stack,
} from './stack.js';

type Json = Record<string, unknown>;
interface Operation {
  id: string;
  name: string;
  type: string;
  body: string;
}
type Manifest = Record<string, { format: string; version: number; operations: Operation[] }>;

const NOT_DELEGATED = 'a partner may read only the communications of employers that delegated it';
const CNA: DevTokenClaims = { role: 'partner', subject: 'cna-integration', organization: 'CNA' };
const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-1', desk: 'PO-NORD' };

const committed = JSON.parse(
  readFileSync(projectPath(DEFAULT_TRUSTED_DOCUMENTS_PATH), 'utf8'),
) as Manifest;

// Test-only operations, registered for CNA beside the committed ones: the other paths to a
// communication, and one that asks for what partners may not read.
const testOperation = (body: string): Operation => ({
  id: sha256Hex(body),
  name: /^query (\w+)/.exec(body)?.[1] ?? '',
  type: 'query',
  body,
});
const COMMUNICATION = testOperation(
  'query Communication($id: ID!) { communication(id: $id) { id code startDate employer { id } } }',
);
const COMMUNICATION_WORKER = testOperation(
  'query CommunicationWorker($id: ID!) { communication(id: $id) { id worker { sex citizenship { name } } } }',
);

let stack: Stack;
let manifestDir: string;
const manifest: Manifest = structuredClone(committed);
manifest.CNA!.operations.push(COMMUNICATION, COMMUNICATION_WORKER);

beforeAll(async () => {
  manifestDir = mkdtempSync(join(tmpdir(), 'prato-graph-partners-'));
  const trustedDocumentsPath = join(manifestDir, 'trusted-documents.json');
  writeFileSync(trustedDocumentsPath, JSON.stringify(manifest));
  stack = await startStack({ dataDir: inject('dataDir'), trustedDocumentsPath });
});

afterAll(async () => {
  await stack?.stop();
  if (manifestDir) rmSync(manifestDir, { recursive: true, force: true });
});

function registered(organization: string, name: string): Operation {
  const operation = manifest[organization]?.operations.find((o) => o.name === name);
  if (!operation) throw new Error(`no operation ${name} for ${organization}`);
  return operation;
}

async function headersOf(claims: DevTokenClaims): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await stack.token(claims)}` };
}

const total = totalRequests;

type Sent = GraphQLResponse<Json> & { upstream: Record<string, number> };

/** POSTs a body as is (an id without a query, say) and counts the upstream requests it caused. */
async function post(body: Json, claims: DevTokenClaims): Promise<Sent> {
  await resetUpstreamStats(stack);
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await headersOf(claims)) },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as Omit<GraphQLResponse<Json>, 'status'>;
  return { status: res.status, ...answer, upstream: await upstreamRequests(stack) };
}

/** Runs an operation by id, as Apollo Client's persisted-query link sends it. */
function run(operation: Operation, variables: Json, claims: DevTokenClaims = CNA): Promise<Sent> {
  return post(
    { variables, extensions: { persistedQuery: { version: 1, sha256Hash: operation.id } } },
    claims,
  );
}

async function sendText(query: string, claims: DevTokenClaims, variables?: Json): Promise<Sent> {
  await resetUpstreamStats(stack);
  const res = await graphql<Json>(stack.gatewayUrl, query, variables, await headersOf(claims));
  return { ...res, upstream: await upstreamRequests(stack) };
}

interface CoEmployer {
  id: string;
  delegati: string[];
}

/** The first employers of co (by id) with at least one communication, delegating CNA or not. */
async function employersWithCommunications(): Promise<{
  delegating: CoEmployer;
  other: CoEmployer;
}> {
  const { aziende } = await upstreamGet<{ aziende: CoEmployer[] }>(
    stack,
    'co',
    '/v1/aziende/ricerca?dimensione=200',
  );
  const found: { delegating?: CoEmployer; other?: CoEmployer } = {};
  for (const employer of aziende) {
    const kind = employer.delegati.includes('CNA') ? 'delegating' : 'other';
    if (found[kind]) continue;
    const { totale } = await upstreamGet<{ totale: number }>(
      stack,
      'co',
      `/v1/comunicazioni?azienda=${employer.id}&limite=1`,
    );
    if (totale > 0) found[kind] = employer;
    if (found.delegating && found.other)
      return found as { delegating: CoEmployer; other: CoEmployer };
  }
  throw new Error('the test dataset has no employer of each kind with communications');
}

async function firstCommunicationOf(employerId: string): Promise<string> {
  const { comunicazioni } = await upstreamGet<{ comunicazioni: { id: string }[] }>(
    stack,
    'co',
    `/v1/comunicazioni?azienda=${employerId}&limite=1`,
  );
  return comunicazioni[0]!.id;
}

describe('registered operations', () => {
  it("runs a registered operation of the partner's organisation by id, with co's data", async () => {
    const res = await run(registered('CNA', 'OpenVacanciesInComune'), {
      comune: '100005',
      first: 5,
    });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const { totale, offerte } = await upstreamGet<{ totale: number; offerte: { id: string }[] }>(
      stack,
      'co',
      '/v1/offerte/ricerca?stato=APERTA&comune=100005&pagina=1&dimensione=5',
    );
    const vacancies = res.data!.vacancies as { totalCount: number; edges: { node: Json }[] };
    expect(totale).toBeGreaterThan(0);
    expect(vacancies.totalCount).toBe(totale);
    expect(vacancies.edges.map((e) => e.node.id)).toEqual(offerte.map((o) => o.id));
  });

  it('runs it by GET too', async () => {
    const operation = registered('CNA', 'SectorFlowsByMonth');
    const search = new URLSearchParams({
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: operation.id } }),
      variables: JSON.stringify({ from: '2011-01-01', to: '2011-03-31' }),
    });
    const res = await fetch(`${stack.gatewayUrl}?${search.toString()}`, {
      headers: { ...(await headersOf(CNA)), 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data?: { communicationFlows: Json[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data!.communicationFlows.length).toBeGreaterThan(0);
  });

  const refusedFreeText = [
    {
      message:
        'A partner may run only the operations registered for its organisation: send the id of one as extensions.persistedQuery.sha256Hash (version 1), without a query',
      extensions: { code: 'OPERATION_NOT_REGISTERED' },
    },
  ];

  it.each([
    [
      'the text of one of its registered operations',
      () => registered('CNA', 'SectorFlowsByMonth').body,
    ],
    ['an ad hoc query', () => '{ desks { id } vacancies(first: 200) { totalCount } }'],
    ['text that does not even parse', () => '{ vacancies(first: '],
  ])(
    'refuses %s sent as free text from a partner token (403 OPERATION_NOT_REGISTERED), reaching no upstream',
    async (_, text) => {
      const res = await sendText(text(), CNA, { from: '2011-01-01', to: '2011-03-31' });
      expect(res.status).toBe(403);
      expect(res.errors).toEqual(refusedFreeText);
      expect(res.data).toBeUndefined();
      expect(total(res.upstream)).toBe(0);
    },
  );

  it("refuses another organisation's registered operation exactly as an unknown id, reaching no upstream", async () => {
    const theirs = registered('CGIL', 'CertifiableCourses');
    expect(manifest.CNA!.operations.map((o) => o.id)).not.toContain(theirs.id);
    const refusal = [
      {
        message: 'This operation is not registered for your organisation',
        extensions: { code: 'OPERATION_NOT_REGISTERED' },
      },
    ];
    const other = await run(theirs, { first: 5 });
    expect(other.status).toBe(403);
    expect(other.errors).toEqual(refusal);
    expect(total(other.upstream)).toBe(0);
    // ...while CGIL's own partner runs it.
    const cgil = await run(
      theirs,
      { first: 5 },
      {
        role: 'partner',
        subject: 'cgil',
        organization: 'CGIL',
      },
    );
    expect(cgil.errors).toBeUndefined();
    const unknown = await run({ ...theirs, id: sha256Hex('query Nothing { desks { id } }') }, {});
    expect(unknown.status).toBe(403);
    expect(unknown.errors).toEqual(refusal);
    expect(total(unknown.upstream)).toBe(0);
  });

  it('refuses a registered id sent with another text, reaching no upstream', async () => {
    const operation = registered('CNA', 'OpenVacanciesInComune');
    const res = await post(
      {
        query: '{ desks { id } }',
        extensions: { persistedQuery: { version: 1, sha256Hash: operation.id } },
      },
      CNA,
    );
    expect(res.status).toBe(403);
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'OPERATION_NOT_REGISTERED' });
    expect(total(res.upstream)).toBe(0);
  });
});

describe('partners read only the communications of employers that delegated them', () => {
  it("serves a delegating employer's communications page as co holds it", async () => {
    const { delegating } = await employersWithCommunications();
    const res = await run(registered('CNA', 'DelegatingEmployerCommunications'), {
      employerId: delegating.id,
      first: 5,
    });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const co = await upstreamGet<{
      totale: number;
      comunicazioni: { id: string; codice: string }[];
    }>(stack, 'co', `/v1/comunicazioni?azienda=${delegating.id}&limite=5`);
    const employer = res.data!.employer as {
      id: string;
      communications: { totalCount: number; edges: { node: { id: string; code: string } }[] };
    };
    expect(employer.id).toBe(delegating.id);
    expect(employer.communications.totalCount).toBe(co.totale);
    expect(employer.communications.edges.map((e) => [e.node.id, e.node.code])).toEqual(
      co.comunicazioni.map((c) => [c.id, c.codice]),
    );
  });

  it("refuses a non-delegating employer's communications (FORBIDDEN) without reading them", async () => {
    const { other } = await employersWithCommunications();
    const res = await run(registered('CNA', 'DelegatingEmployerCommunications'), {
      employerId: other.id,
      first: 5,
    });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ employer: null });
    expect(res.errors).toEqual([
      {
        message: NOT_DELEGATED,
        path: ['employer', 'communications'],
        extensions: { code: 'FORBIDDEN' },
      },
    ]);
    // The employer was looked up (to know whom it delegated); its communications never were.
    expect(res.upstream).toEqual({ 'co GET /v1/aziende': 1 });
  });

  it('applies the rule to a communication read by id', async () => {
    const { delegating, other } = await employersWithCommunications();
    const mine = await firstCommunicationOf(delegating.id);
    const allowed = await run(COMMUNICATION, { id: mine });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data).toMatchObject({
      communication: { id: mine, employer: { id: delegating.id } },
    });

    const theirs = await firstCommunicationOf(other.id);
    const refused = await run(COMMUNICATION, { id: theirs });
    expect(refused.data).toEqual({ communication: null });
    expect(refused.errors).toEqual([
      { message: NOT_DELEGATED, path: ['communication'], extensions: { code: 'FORBIDDEN' } },
    ]);
    expect(JSON.stringify(refused)).not.toContain(theirs.slice(1));
  });

  it('refuses the worker of a communication by scope (403), before any upstream request', async () => {
    const { delegating } = await employersWithCommunications();
    const res = await run(COMMUNICATION_WORKER, { id: await firstCommunicationOf(delegating.id) });
    expect(res.status).toBe(403);
    expect(res.data).toBeUndefined();
    expect(res.errors).toEqual([
      {
        message:
          "Worker.sex needs the scope worker:profile, which this caller's role does not grant; Worker.citizenship needs the scope worker:profile, which this caller's role does not grant",
        extensions: { code: 'FORBIDDEN', fields: ['Worker.sex', 'Worker.citizenship'] },
      },
    ]);
    expect(total(res.upstream)).toBe(0);
  });
});

describe('other roles are unaffected', () => {
  it('an operator still sends free text, and reads any employer', async () => {
    const { other } = await employersWithCommunications();
    const res = await sendText(
      registered('CNA', 'DelegatingEmployerCommunications').body,
      OPERATOR,
      {
        employerId: other.id,
        first: 2,
      },
    );
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect((res.data!.employer as Json).id).toBe(other.id);
  });

  it("an operator's id is not looked up in the partners' manifest", async () => {
    const res = await run(
      registered('CNA', 'OpenVacanciesInComune'),
      { comune: '100005' },
      OPERATOR,
    );
    expect(res.errors).toEqual([
      { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
    ]);
    expect(total(res.upstream)).toBe(0);
  });
});
