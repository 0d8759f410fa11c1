// The supergraph is portable (DESIGN.md §9): Hive Gateway, with its default settings, serves
// schema/supergraph.graphql over the same subgraphs and answers every public read operation with
// the same data as our gateway. And what it does not do: enforce the policy of the supergraph's
// `@authenticated` and `@requiresScopes`, which our gateway enforces before planning and the
// subgraphs enforce again on what they are sent.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getNamedType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { apiSchema, SUPERGRAPH_PATH } from '../schema/compose.js';
import { extractPolicy, findViolations, selectedFields, type Policy } from '../lib/auth/policy.js';
import { PUBLIC_PRINCIPAL } from '../lib/auth/principal.js';
import { principalFromClaims } from '../gateway/auth.js';
import { decodeJwt } from 'jose';
import { startHiveGateway, type HiveGateway } from './hive.js';
import {
  graphql,
  resetUpstreamStats,
  startStack,
  subgraphRequests as requestsBySubgraph,
  totalRequests,
  upstreamRequests,
  type GraphQLResponse,
  type Stack,
} from './stack.js';

const supergraphSdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
const schema = apiSchema(supergraphSdl);
const policy = extractPolicy(parse(supergraphSdl));

/** True when a public caller may read the field (our gateway's own check). */
const publicMay = (policy: Policy, coordinate: string, returnedType: string): boolean =>
  findViolations(new Map([[coordinate, returnedType]]), policy, PUBLIC_PRINCIPAL).length === 0;

/**
 * Every field a public caller can reach, from the root query fields it may use down through the
 * fields it may read, as `Type.field`: what the public operations below must select between
 * them, so that a new public field fails this test until an operation reads it.
 */
function publicCoordinates(schema: GraphQLSchema, policy: Policy): Set<string> {
  const coordinates = new Set<string>();
  const visited = new Set<string>();
  const walk = (typeName: string) => {
    if (visited.has(typeName)) return;
    visited.add(typeName);
    const type = schema.getType(typeName);
    if (!isObjectType(type)) return;
    for (const field of Object.values(type.getFields())) {
      const returned = getNamedType(field.type).name;
      const coordinate = `${typeName}.${field.name}`;
      if (!publicMay(policy, coordinate, returned)) continue;
      coordinates.add(coordinate);
      walk(returned);
    }
  };
  walk(schema.getQueryType()!.name);
  return coordinates;
}

/** Values the operations need, read from our gateway as a public caller. */
interface Fixtures {
  deskId: string;
  comune: string;
  courseId: string;
  areaCode: string;
  employerId: string;
  employerFiscalCode: string;
  vacancyId: string;
}

interface PublicOperation {
  name: string;
  query: string;
  variables?: (f: Fixtures) => Record<string, unknown>;
  /** Aliases whose answer may be null or empty (a lookup of something that does not exist). */
  mayBeEmpty?: string[];
}

const DESK = `
  id kind name address district openedOn closedOn publicWorkstationCount services
  openingHours { day opens closes }
  accreditation { number validFrom validTo }
  comune { istatCode cadastralCode name postalCode province }
  host { id kind name }`;

const VACANCY = `
  id description positions postedOn closesOn status
  comune { istatCode name }
  contractType { code label openEnded validFrom validTo }
  occupation { code label }
  employer { id name sector { code } }`;

const EMPLOYER = `
  id name fiscalCode
  seat { street postalCode comuneCode comune { istatCode name province } }
  sector { code division label }
  sizeClass { code label }
  usualCollectiveAgreement { code label sector }`;

const COURSE = `
  id code title description hours level certifiable tutoring
  area { code name description }`;

const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

/**
 * Realistic public read operations, one or more per public root field, with the joins a
 * public client makes (desks with their comune and host organisation, workstations with their
 * bookings, vacancies with their employer, the catalogue by area and by page).
 */
const OPERATIONS: PublicOperation[] = [
  {
    name: 'DeskDirectory',
    query: `query DeskDirectory {
      desks { ${DESK} workstations { id label desk { id } bookings { id startsAt endsAt } } }
      firstReception: desks(kind: FIRST_RECEPTION_POINT, includeClosed: false) {
        id name address host { name kind desks { id } } comune { name }
      }
    }`,
  },
  {
    name: 'DesksOfComune',
    query: `query DesksOfComune($comune: ID!) {
      desks(comune: $comune, kind: LABOUR_REGISTRY_DESK) { id name comune { name } }
    }`,
    variables: (f) => ({ comune: f.comune }),
  },
  {
    name: 'DeskWithActivity',
    query: `query DeskWithActivity($id: ID!) {
      desk(id: $id) {
        ${DESK}
        activity(from: "2011-01", to: "2011-12") { month service count suppressed desk { id } }
        workstations { id label bookings(from: "2010-01-01", to: "2030-12-31") { id startsAt endsAt } }
      }
      missing: desk(id: "NO-SUCH-DESK") { id }
    }`,
    variables: (f) => ({ id: f.deskId }),
    mayBeEmpty: ['missing'],
  },
  {
    name: 'Comuni',
    query: `query Comuni {
      comuni { istatCode cadastralCode name postalCode province desks { id kind name host { name } } }
    }`,
  },
  {
    name: 'Comune',
    query: `query Comune($istatCode: ID!) {
      comune(istatCode: $istatCode) { istatCode name postalCode desks { ${DESK} } }
    }`,
    variables: (f) => ({ istatCode: f.comune }),
  },
  {
    name: 'HostOrganizations',
    query: `query HostOrganizations {
      hostOrganizations { id kind name desks { id name kind comune { name } } }
    }`,
  },
  {
    name: 'DeskActivity',
    query: `query DeskActivity($deskIds: [ID!]) {
      all: deskActivity(from: "2011-01", to: "2011-06") {
        month service count suppressed desk { id name comune { name } }
      }
      some: deskActivity(from: "2011-01", to: "2012-12", deskIds: $deskIds, service: REGISTRATION) {
        month count suppressed desk { id }
      }
    }`,
    variables: (f) => ({ deskIds: [f.deskId] }),
  },
  {
    name: 'Employers',
    query: `query Employers {
      employers(first: 5) {
        totalCount ${PAGE_INFO}
        edges { cursor node { ${EMPLOYER} vacancies { id status } } }
      }
      textiles: employers(first: 3, sectorPrefix: "13") { totalCount edges { node { id sector { code } } } }
    }`,
  },
  {
    name: 'Employer',
    query: `query Employer($id: ID!, $fiscalCode: String!) {
      employer(id: $id) { ${EMPLOYER} vacancies { ${VACANCY} } }
      employerByFiscalCode(fiscalCode: $fiscalCode) { id name seat { comune { name } } }
    }`,
    variables: (f) => ({ id: f.employerId, fiscalCode: f.employerFiscalCode }),
  },
  {
    name: 'Vacancies',
    query: `query Vacancies {
      vacancies(first: 10) { totalCount ${PAGE_INFO} edges { cursor node { ${VACANCY} } } }
      closed: vacancies(first: 5, status: CLOSED) { totalCount edges { node { id status closesOn } } }
    }`,
  },
  {
    name: 'Vacancy',
    query: `query Vacancy($id: ID!) { vacancy(id: $id) { ${VACANCY} employer { ${EMPLOYER} } } }`,
    variables: (f) => ({ id: f.vacancyId }),
  },
  {
    name: 'CommunicationFlows',
    query: `query CommunicationFlows {
      byMonth: communicationFlows(from: "2011-01-01", to: "2011-12-31", groupBy: [MONTH, TYPE]) {
        month type communications workers suppressed
      }
      byPlace: communicationFlows(from: "2011-01-01", to: "2012-12-31", groupBy: [COMUNE, SEX, SECTOR]) {
        comune { istatCode name } sex sectorDivision communications workers suppressed
      }
      byContract: communicationFlows(from: "2010-01-01", to: "2014-12-31", groupBy: [CONTRACT_TYPE, CITIZENSHIP]) {
        contractType { code label openEnded } citizenship { code name europeanUnion } communications workers suppressed
      }
    }`,
  },
  {
    name: 'CourseAreas',
    query: `query CourseAreas {
      courseAreas { code name description courses(first: 3) { totalCount ${PAGE_INFO} edges { cursor node { id title area { code } } } } }
    }`,
  },
  {
    name: 'CourseCatalogue',
    query: `query CourseCatalogue($area: ID) {
      courses(first: 5) { totalCount ${PAGE_INFO} edges { cursor node { ${COURSE} } } }
      inArea: courses(area: $area, certifiable: true, first: 3) { totalCount edges { node { id area { code } } } }
      search: courses(search: "sicurezza", first: 3) { totalCount edges { node { id title } } }
    }`,
    variables: (f) => ({ area: f.areaCode }),
  },
  {
    name: 'Course',
    query: `query Course($id: ID!) {
      course(id: $id) { ${COURSE} area { courses(first: 2) { edges { node { id } } } } }
    }`,
    variables: (f) => ({ id: f.courseId }),
  },
  {
    name: 'CourseUsage',
    query: `query CourseUsage {
      byArea: courseUsage(from: "2010-01-01", to: "2014-12-31", groupBy: [AREA]) {
        area { code name } enrollments completions people suppressed
      }
      byDeskMonth: courseUsage(from: "2011-01-01", to: "2011-12-31", groupBy: [DESK, MONTH]) {
        desk { id name } month enrollments completions people suppressed
      }
    }`,
  },
  {
    name: 'RegistrationStats',
    query: `query RegistrationStats {
      byMonth: registrationStats(from: "2011-01-01", to: "2011-12-31", groupBy: [MONTH, SEX]) {
        month sex registrations suppressed
      }
      byPlace: registrationStats(from: "2010-01-01", to: "2014-12-31", groupBy: [COMUNE, DESK]) {
        comune { istatCode name } desk { id name } registrations suppressed
      }
      byProfile: registrationStats(from: "2010-01-01", to: "2014-12-31", groupBy: [AGE_BAND, STATUS]) {
        ageBand status registrations suppressed
      }
    }`,
  },
];

let stack: Stack;
let hive: HiveGateway;
let fixtures: Fixtures;
/** An analyst's Authorization header, and a compulsory communication's id (read by an operator). */
let analyst: string;
let communicationId: string;

type Json = Record<string, unknown>;

async function ours<T = Json>(query: string, variables?: Json): Promise<GraphQLResponse<T>> {
  return graphql<T>(stack.gatewayUrl, query, variables);
}

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir') });
  const analystToken = await stack.token({ role: 'analyst', subject: 'analyst-hive' });
  analyst = `Bearer ${analystToken}`;
  // Hive is told the analyst's principal as our gateway derives it from the token; every other
  // request reaches the subgraphs as the public principal.
  hive = await startHiveGateway(stack, { [analyst]: principalFromClaims(decodeJwt(analystToken)) });
  const operator = `Bearer ${await stack.token({ role: 'operator', subject: 'op-hive', desk: 'PO-NORD' })}`;
  const communications = await graphql<{
    employers: { edges: { node: { communications: { edges: { node: { id: string } }[] } } }[] };
  }>(
    stack.gatewayUrl,
    '{ employers(first: 20) { edges { node { communications(first: 1) { edges { node { id } } } } } } }',
    {},
    { authorization: operator },
  );
  expect(communications.errors).toBeUndefined();
  communicationId = communications.data!.employers.edges.flatMap((e) =>
    e.node.communications.edges.map((c) => c.node.id),
  )[0]!;
  const res = await ours<{
    desks: { id: string; kind: string; comune: { istatCode: string } }[];
    courses: { edges: { node: { id: string; area: { code: string } } }[] };
    employers: { edges: { node: { id: string; fiscalCode: string } }[] };
    vacancies: { edges: { node: { id: string } }[] };
  }>(`{
    desks(kind: LABOUR_REGISTRY_DESK, includeClosed: false) { id kind comune { istatCode } }
    courses(certifiable: true, first: 1) { edges { node { id area { code } } } }
    employers(first: 1) { edges { node { id fiscalCode } } }
    vacancies(first: 1) { edges { node { id } } }
  }`);
  expect(res.errors).toBeUndefined();
  const data = res.data!;
  // A desk outside the Comune di Prato, so that the comune's desk list is not everything.
  const desk = data.desks.find((d) => d.comune.istatCode !== '100005') ?? data.desks[0]!;
  const course = data.courses.edges[0]!.node;
  const employer = data.employers.edges[0]!.node;
  fixtures = {
    deskId: desk.id,
    comune: desk.comune.istatCode,
    courseId: course.id,
    areaCode: course.area.code,
    employerId: employer.id,
    employerFiscalCode: employer.fiscalCode,
    vacancyId: data.vacancies.edges[0]!.node.id,
  };
});

afterAll(async () => {
  await hive?.stop();
  await stack?.stop();
});

describe('the public operations', () => {
  it('read every root field and every field a public caller may read, and nothing else', () => {
    const coordinates = publicCoordinates(schema, policy);
    const selected = new Set<string>();
    for (const operation of OPERATIONS) {
      const fields = selectedFields(schema, parse(operation.query));
      // Each is an operation our gateway serves to anyone.
      expect(findViolations(fields, policy, PUBLIC_PRINCIPAL), operation.name).toEqual([]);
      for (const coordinate of fields.keys()) selected.add(coordinate);
    }
    // Seventeen root fields today; the list follows the policy, not this count.
    const roots = [...coordinates].filter((c) => c.startsWith('Query.'));
    expect(roots.length).toBeGreaterThanOrEqual(17);
    expect([...coordinates].filter((c) => !selected.has(c)).sort()).toEqual([]);
  });
});

describe('Hive Gateway on the committed supergraph', () => {
  it.each(OPERATIONS.map((o) => [o.name, o] as const))(
    '%s: the same data as our gateway, without errors',
    async (_name, operation) => {
      const variables = operation.variables?.(fixtures);
      const [a, b] = await Promise.all([
        ours(operation.query, variables),
        graphql(hive.url, operation.query, variables),
      ]);
      expect(a.errors).toBeUndefined();
      expect(b.errors).toBeUndefined();
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      // Not an empty comparison: every root field answered with something.
      for (const [alias, value] of Object.entries(a.data ?? {})) {
        if (operation.mayBeEmpty?.includes(alias)) continue;
        expect(value, alias).not.toBeNull();
        if (Array.isArray(value)) expect(value.length, alias).toBeGreaterThan(0);
      }
      expect(b.data).toEqual(a.data);
    },
  );

  it('pages through the course catalogue and the employers with the same cursors', async () => {
    type Page = {
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      edges: { node: { id: string } }[];
    };
    type Answer = GraphQLResponse<Record<string, Page>>;
    for (const field of ['courses', 'employers'] as const) {
      const page = `query Page($after: String) {
        ${field}(first: 7, after: $after) { totalCount ${PAGE_INFO} edges { cursor node { id } } }
      }`;
      // Three pages: the cursor of each answer of ours continues both gateways.
      let after: string | null = null;
      for (let i = 0; i < 3; i++) {
        const [a, b]: [Answer, Answer] = await Promise.all([
          ours<Record<string, Page>>(page, { after }),
          graphql<Record<string, Page>>(hive.url, page, { after }),
        ]);
        expect(a.errors).toBeUndefined();
        expect(b.errors).toBeUndefined();
        const answer: Page = a.data![field]!;
        expect(answer.edges).toHaveLength(7);
        expect(b.data).toEqual(a.data);
        expect(answer.pageInfo.hasNextPage).toBe(true);
        after = answer.pageInfo.endCursor;
      }
    }
  });
});

/** GraphQL requests each subgraph has answered so far, from its own `/metrics`. */
async function subgraphRequests(): Promise<Record<string, number>> {
  return requestsBySubgraph(stack);
}

/** The requests each subgraph and each upstream served during `run`. */
async function traffic<T>(
  run: () => Promise<T>,
): Promise<{ result: T; subgraphs: Record<string, number>; upstreams: Record<string, number> }> {
  const before = await subgraphRequests();
  await resetUpstreamStats(stack);
  const result = await run();
  const after = await subgraphRequests();
  const subgraphs = Object.fromEntries(
    Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)]),
  );
  return { result, subgraphs, upstreams: await upstreamRequests(stack) };
}

const upstreamOf = (requests: Record<string, number>, system: string): number =>
  Object.entries(requests)
    .filter(([route]) => route.startsWith(`${system} `))
    .reduce((sum, [, n]) => sum + n, 0);

describe('policy: what Hive Gateway with default settings does not enforce', () => {
  // One public field (the training catalogue) beside two restricted ones: a compulsory
  // communication (`@requiresScopes(communications:read)`, employers subgraph) and the
  // caller's own record (`@authenticated`, workers subgraph), asked with no token.
  const MIXED = `query Mixed($id: ID!) {
    courseAreas { code name }
    communication(id: $id) { id code }
    me { sex }
  }`;

  it('our gateway refuses the whole operation before any subgraph or upstream request', async () => {
    const { result, subgraphs, upstreams } = await traffic(() =>
      ours(MIXED, { id: communicationId }),
    );
    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(result.errors?.[0]?.extensions?.fields).toEqual(
      expect.arrayContaining(['Query.communication', 'Query.me']),
    );
    expect(subgraphs).toEqual({ desks: 0, workers: 0, employers: 0, training: 0 });
    expect(totalRequests(upstreams)).toBe(0);
  });

  it('Hive plans and sends it; only the subgraphs refuse the restricted fields, as the public principal of the assertion', async () => {
    const { result, subgraphs, upstreams } = await traffic(() =>
      graphql<{ courseAreas: unknown[]; communication: unknown; me: unknown }>(hive.url, MIXED, {
        id: communicationId,
      }),
    );
    // Hive does not read @requiresScopes or @authenticated: it answers 200 with the public part
    // and passes on the subgraphs' refusals as errors beside it.
    expect(result.status).toBe(200);
    const catalogue = await ours('{ courseAreas { code name } }');
    expect(result.data?.courseAreas).toEqual(catalogue.data?.courseAreas);
    expect(result.data?.communication).toBeNull();
    expect(result.data?.me).toBeNull();
    const refusals = Object.fromEntries(
      (result.errors ?? []).map((e) => [
        String(e.path?.[0]),
        { code: e.extensions?.code, fields: e.extensions?.fields },
      ]),
    );
    expect(refusals).toEqual({
      communication: { code: 'FORBIDDEN', fields: ['Query.communication'] },
      me: { code: 'FORBIDDEN', fields: expect.arrayContaining(['Query.me']) as unknown },
    });
    // The refused fields reached the subgraphs (one request each), which refused them before
    // resolving anything: nothing was asked of co or of IDOL. That is the defence in depth of
    // the subgraphs' own check (subgraphs/shared/trust.ts); with an assertion for a principal
    // holding the scopes, Hive would have served the data to this anonymous caller.
    expect(subgraphs.employers).toBe(1);
    expect(subgraphs.workers).toBe(1);
    expect(subgraphs.training).toBe(1);
    expect(upstreamOf(upstreams, 'co')).toBe(0);
    expect(upstreamOf(upstreams, 'idol')).toBe(0);
  });
});

describe("analysts' joins through Worker", () => {
  // Hive's planner puts every key of an entity into each selection it sends for that entity.
  // Worker had two in the workers subgraph, `id` and `fiscalCodeKey`, and `Worker.id` needs
  // `worker:identity`, which analysts do not hold: the workers subgraph, which checks the policy
  // again on what it is sent, refused Hive's whole fetch. No other subgraph joins Worker on `id`
  // (employers and training join on `fiscalCodeKey`), so that key is gone and Hive selects only
  // `fiscalCodeKey`, as Apollo's planner always did. Letting the subgraphs' check pass key
  // fields instead would hand the IDOL id of every person to whatever asks as an analyst.
  const JOB_SEEKERS = `query JobSeekerHistories {
    jobSeekers(first: 3) { edges { node { pseudonym employmentHistory { type startDate } trainingEnrollments { status } } } }
  }`;
  const COMMUNICATION_WORKER = `query CommunicationWorker($id: ID!) {
    communication(id: $id) { id type worker { pseudonym sex } }
  }`;

  it("our gateway answers an analyst's job seekers with their histories and a communication's worker", async () => {
    const seekers = await graphql<{ jobSeekers: { edges: unknown[] } }>(
      stack.gatewayUrl,
      JOB_SEEKERS,
      {},
      { authorization: analyst },
    );
    expect(seekers.errors).toBeUndefined();
    expect(seekers.data?.jobSeekers.edges).toHaveLength(3);
    const communication = await graphql<{ communication: { worker: unknown } }>(
      stack.gatewayUrl,
      COMMUNICATION_WORKER,
      { id: communicationId },
      { authorization: analyst },
    );
    expect(communication.errors).toBeUndefined();
    expect(communication.data?.communication.worker).not.toBeNull();
  });

  it('Hive answers both with the same data as ours', async () => {
    for (const [query, variables] of [
      [JOB_SEEKERS, {}],
      [COMMUNICATION_WORKER, { id: communicationId }],
    ] as const) {
      const ours = await graphql(stack.gatewayUrl, query, variables, { authorization: analyst });
      const theirs = await graphql(hive.url, query, variables, { authorization: analyst });
      expect(theirs.errors).toBeUndefined();
      expect(theirs.data).toEqual(ours.data);
    }
  });
});
