// Batch answers that repeat, reorder or add records, through the whole graph: every list and
// page decoded from an upstream keeps one record per identity (the first copy, even when a
// copy's content differs), is served in the order its schema description promises whatever
// order the upstream sent, and a one-to-many list drops records of keys nobody asked for. Each
// answer under a fault must equal the answer without it (upstreams/faults.ts: `duplicati`
// appends copies of the first records, `riordinati` reverses the array, `estranei` appends
// copies with identifiers nobody asked for).
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { clearFaults, getFaults, setFaults, type FaultRule } from '../upstreams/faults.js';
import type { SystemName } from '../upstreams/index.js';
import { graphql, startStack, upstreamGet, type GraphQLResponse, type Stack } from './stack.js';

type Json = Record<string, unknown>;
const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-batch-faults', desk: 'PO-NORD' };

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
});

afterEach(async () => {
  await Promise.all(Object.values(stack.upstreamUrls).map((url) => clearFaults(url)));
});

afterAll(async () => {
  await stack?.stop();
});

async function asOperator(
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<Json>> {
  return graphql<Json>(stack.gatewayUrl, query, variables, {
    authorization: `Bearer ${await stack.token(OPERATOR)}`,
    'x-purpose': 'GUIDANCE',
  });
}

/** The data of a query that must succeed. */
async function data(query: string, variables?: Record<string, unknown>): Promise<Json> {
  const res = await asOperator(query, variables);
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  return res.data!;
}

interface Case {
  name: string;
  system: SystemName;
  percorso: string;
  /** The answer to compare: one query, or several where a page continues another. */
  run: () => Promise<unknown>;
}

const COURSES = `{ courses(area: "SIC", first: 20) {
  totalCount pageInfo { endCursor hasNextPage } edges { cursor node { id title } } } }`;

// L0000001 has one enrolment (the soak benchmark's reproduction), L0000575 five: one trio
// request for both, whose answer a fault rewrites as a whole.
const ENROLMENTS = `{
  a: worker(id: "L0000001") { trainingEnrollments { id enrolledOn progress } }
  b: worker(id: "L0000575") { trainingEnrollments { id enrolledOn progress } }
}`;

const COMMUNICATIONS = `query ($id: ID!, $first: Int!, $after: String) {
  employer(id: $id) { communications(first: $first, after: $after) {
    totalCount pageInfo { endCursor hasNextPage }
    edges { cursor node { id startDate weeklyHours } } } } }`;

interface CommunicationsAnswer {
  employer: {
    communications: { pageInfo: { endCursor: string | null }; edges: unknown[] };
  };
}

/** A000008's three communications, and A000005's first two pages of ten (38 in all). */
async function communications(): Promise<unknown[]> {
  const small = await data(COMMUNICATIONS, { id: 'A000008', first: 20 });
  const first = (await data(COMMUNICATIONS, {
    id: 'A000005',
    first: 10,
  })) as unknown as CommunicationsAnswer;
  const second = await data(COMMUNICATIONS, {
    id: 'A000005',
    first: 10,
    after: first.employer.communications.pageInfo.endCursor,
  });
  return [small, first, second];
}

/**
 * A paged search read twice: its first ten, then ten from the fifth on. The second read
 * covers two upstream pages of ten (the client changed its position, not its `first`), so a
 * record repeated at the end of the first page would shift everything after it.
 */
async function twoPages(field: string, fields: string): Promise<unknown[]> {
  const open = field.includes('(') ? `${field}, ` : `${field}(`;
  const query = `query ($after: String) { list: ${open}first: 10, after: $after) {
    totalCount pageInfo { endCursor hasNextPage } edges { cursor node { ${fields} } } } }`;
  const first = (await data(query)) as { list: { edges: { cursor: string }[] } };
  expect(first.list.edges).toHaveLength(10);
  const second = await data(query, { after: first.list.edges[4]?.cursor });
  return [first, second];
}

const CASES: Case[] = [
  {
    name: 'courses of an area (ordered by id)',
    system: 'trio',
    percorso: 'GET /v1/corsi',
    run: () => data(COURSES),
  },
  {
    name: "a person's enrolments (oldest first)",
    system: 'trio',
    percorso: 'GET /v1/iscrizioni',
    run: () => data(ENROLMENTS),
  },
  {
    name: "an employer's communications (by start date then id, over two pages)",
    system: 'co',
    percorso: 'GET /v1/comunicazioni',
    run: communications,
  },
  {
    name: 'job seekers (ordered by id)',
    system: 'idol',
    percorso: 'GET /v1/lavoratori/ricerca',
    run: () => twoPages('jobSeekers', 'id'),
  },
  {
    name: 'employers (ordered by id)',
    system: 'co',
    percorso: 'GET /v1/aziende/ricerca',
    run: () => twoPages('employers', 'id name'),
  },
  {
    name: 'vacancies (ordered by id)',
    system: 'co',
    percorso: 'GET /v1/offerte/ricerca',
    run: () => twoPages('vacancies(status: CLOSED', 'id description'),
  },
];

const FAULTS: [string, (percorso: string) => FaultRule][] = [
  ['duplicated', (percorso) => ({ tipo: 'duplicati', percorso })],
  [
    'three copies with different content',
    (percorso) => ({ tipo: 'duplicati', quanti: 3, diversi: true, percorso }),
  ],
  ['reordered', (percorso) => ({ tipo: 'riordinati', percorso })],
];

describe('the soak benchmark reproductions, against the upstreams themselves', () => {
  it("the SIC courses are trio's eight, once each and by id", async () => {
    const truth = await upstreamGet<{ totale: number; corsi: { id: string }[] }>(
      stack,
      'trio',
      '/v1/corsi?area=SIC&pagina=1&dimensione=20',
    );
    const answer = (await data(COURSES)) as {
      courses: { totalCount: number; edges: { node: { id: string } }[] };
    };
    expect(truth.corsi.length).toBeGreaterThan(1);
    expect(answer.courses.totalCount).toBe(truth.totale);
    expect(answer.courses.edges.map((e) => e.node.id)).toEqual(truth.corsi.map((c) => c.id));
  });

  it("A000008's communications are co's three, once each", async () => {
    const truth = await upstreamGet<{ totale: number; comunicazioni: { id: string }[] }>(
      stack,
      'co',
      '/v1/comunicazioni?azienda=A000008&limite=20',
    );
    const answer = (await data(COMMUNICATIONS, { id: 'A000008', first: 20 })) as {
      employer: { communications: { totalCount: number; edges: { node: { id: string } }[] } };
    };
    expect(answer.employer.communications.totalCount).toBe(truth.totale);
    expect(answer.employer.communications.edges.map((e) => e.node.id)).toEqual(
      truth.comunicazioni.map((c) => c.id),
    );
  });

  it('L0000575 has several enrolments, so that reordering them can show', async () => {
    const answer = (await data(ENROLMENTS)) as {
      a: { trainingEnrollments: unknown[] };
      b: { trainingEnrollments: unknown[] };
    };
    expect(answer.a.trainingEnrollments).toHaveLength(1);
    expect(answer.b.trainingEnrollments.length).toBeGreaterThan(2);
  });
});

describe.each(CASES)('$name', ({ system, percorso, run }) => {
  let baseline: unknown;

  beforeAll(async () => {
    baseline = await run();
  });

  it.each(FAULTS)('%s: the same answer as without the fault', async (_, fault) => {
    await setFaults(stack.upstreamUrls[system], [fault(percorso)]);
    const answer = await run();
    const fired = (await getFaults(stack.upstreamUrls[system])).guasti[0]?.scatti ?? 0;
    expect(fired).toBeGreaterThan(0);
    expect(answer).toEqual(baseline);
  });
});

describe('foreign records in one-to-many answers', () => {
  it.each<[string, SystemName, string, () => Promise<unknown>]>([
    ['enrolments of people nobody asked for', 'trio', 'GET /v1/iscrizioni', () => data(ENROLMENTS)],
    [
      "communications of another employer in an employer's page",
      'co',
      'GET /v1/comunicazioni',
      communications,
    ],
  ])('%s are dropped', async (_, system, percorso, run) => {
    const baseline = await run();
    await setFaults(stack.upstreamUrls[system], [{ tipo: 'estranei', quanti: 3, percorso }]);
    const answer = await run();
    expect((await getFaults(stack.upstreamUrls[system])).guasti[0]?.scatti).toBeGreaterThan(0);
    expect(answer).toEqual(baseline);
  });
});
