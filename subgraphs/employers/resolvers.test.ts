// The employers schema executed in-process over an in-memory co that records its calls:
// whole responses, input checks before any upstream request, and upstream requests per
// operation that depend on the query's shape, not on the number of rows.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readProjectFile } from '../../lib/project-files.js';
import { fakePage } from '../shared/fake-page.js';
import { CO_ID_CAP } from './client.js';
import { partitaIva, workerFiscalCode } from './fixtures.js';
import { createLoaders, type CoReader } from './loaders.js';
import type { Communication, CommunicationType, Employer, FlowRow, Vacancy } from './model.js';
import { resolvers, type EmployersContext } from './resolvers.js';

import { graphql, parse } from 'graphql';
import { TEST_CALLER } from '../shared/test-trust.js';
import type { Assertion } from '../../lib/auth/assertion.js';
import { NOT_DELEGATED_MESSAGE } from './delegations.js';

const schema = buildSubgraphSchema({
  typeDefs: parse(readProjectFile('schema', 'employers.graphql')),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
});

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const employerId = (n: number): string => `A${pad(n, 6)}`;
const TYPES: CommunicationType[] = ['HIRING', 'TERMINATION', 'EXTENSION', 'TRANSFORMATION'];

const employers: Employer[] = Array.from({ length: 60 }, (_, i) => ({
  id: employerId(i + 1),
  fiscalCode: partitaIva(pad(i + 1, 10)),
  name: `EMPLOYER ${i + 1}`,
  atecoCode: '13.20.00',
  sizeClassCode: '2',
  seat: { street: 'Via Bologna 12', comuneCode: '100005', postalCode: '59100' },
  ccnlCode: i === 0 ? '001' : null,
  // A000001 (250 communications) delegated CNA; A000002 delegated CNA and UIP; others nobody.
  delegations: i === 0 ? ['CNA'] : i === 1 ? ['CNA', 'UIP'] : [],
}));

function makeCommunication(
  n: number,
  employer: string,
  worker: string,
  startDate: string,
): Communication {
  return {
    id: `C${pad(n, 8)}`,
    code: `0901411${pad(n, 9)}`,
    form: 'UNILAV',
    type: TYPES[n % TYPES.length] as CommunicationType,
    nature: 'ORDINARY',
    previousCode: null,
    sentOn: startDate,
    employerId: employer,
    workplaceCode: '100005',
    workerFiscalCode: worker,
    startDate,
    endDate: n % 2 ? '2014-06-30' : null,
    contractTypeCode: n % 2 ? 'A.02.00' : 'A.01.00',
    workingTimeCode: n % 3 ? 'F' : 'P',
    weeklyHours: n % 3 ? null : 20,
    ccnlCode: '001',
    occupationCode: '6.5.3.1.0.1',
    transformationCode: null,
    cessationCauseCode: n % TYPES.length === 1 ? 'SC' : null,
    deskId: n % 2 ? 'PO-NORD' : null,
  };
}

const dayOf = (n: number): string => `2012-${pad((n % 12) + 1, 2)}-${pad((n % 28) + 1, 2)}`;
// 250 communications of A000001 (40 workers), and two for each of 120 workers at
// employers spread over all 60.
const communications: Communication[] = [
  ...Array.from({ length: 250 }, (_, i) =>
    makeCommunication(i, employerId(1), workerFiscalCode(i % 40), dayOf(i)),
  ),
  ...Array.from({ length: 240 }, (_, i) =>
    makeCommunication(
      1000 + i,
      employerId((i % 60) + 1),
      workerFiscalCode(i % 120),
      `2013-${pad((i % 12) + 1, 2)}-01`,
    ),
  ),
];
const byStart = (a: Communication, b: Communication): number =>
  a.startDate === b.startDate ? a.id.localeCompare(b.id) : a.startDate.localeCompare(b.startDate);

const vacancies: Vacancy[] = Array.from({ length: 30 }, (_, i) => ({
  id: `O${pad(i + 1, 6)}`,
  employerId: employerId((i % 3) + 1),
  occupationCode: '6.5.3.1.0.1',
  contractTypeCode: 'A.02.00',
  comuneCode: '100005',
  positions: 1 + (i % 3),
  postedOn: `2014-${pad((i % 12) + 1, 2)}-03`,
  closesOn: '2015-01-31',
  status: i % 4 === 0 ? 'CLOSED' : 'OPEN',
  description: `Offerta ${i + 1}`,
}));

/** An in-memory co that records calls, shuffles batch answers and pages by cursor. */
function fakeCo(flowRows: FlowRow[] = []) {
  const calls: { method: string; arg: unknown }[] = [];
  const record = (method: string, arg: unknown) => calls.push({ method, arg });
  const shuffled = <T>(items: T[]): T[] => [...items].reverse();
  const client: CoReader = {
    getEmployersByIds: (ids) => {
      record('aziende?id', ids.length);
      return Promise.resolve(shuffled(employers.filter((e) => ids.includes(e.id))));
    },
    getEmployersByFiscalCodes: (cfs) => {
      record('aziende?cf', cfs.length);
      return Promise.resolve(employers.filter((e) => cfs.includes(e.fiscalCode)));
    },
    searchEmployers: (s) => {
      record('aziende/ricerca', s);
      return Promise.resolve(
        fakePage(
          employers.filter((e) => !s.ateco || e.atecoCode.startsWith(s.ateco)),
          s.pagina,
          s.dimensione,
        ),
      );
    },
    getCommunicationsByIds: (ids) => {
      record('comunicazioni?id', ids.length);
      return Promise.resolve(shuffled(communications.filter((c) => ids.includes(c.id))));
    },
    getEmployerCommunications: (q) => {
      record('comunicazioni?azienda', q);
      const code = {
        ASS: 'HIRING',
        CES: 'TERMINATION',
        PRO: 'EXTENSION',
        TRS: 'TRANSFORMATION',
      } as Record<string, string>;
      const matching = communications
        .filter(
          (c) =>
            c.employerId === q.employerId &&
            (!q.from || c.startDate >= q.from) &&
            (!q.to || c.startDate <= q.to) &&
            (!q.type || c.type === code[q.type]),
        )
        .sort(byStart);
      const start = q.cursor ? Number(q.cursor.slice(1)) : 0;
      const end = start + q.limit;
      return Promise.resolve({
        items: matching.slice(start, end),
        nextCursor: end < matching.length ? `k${end}` : null,
        total: matching.length,
      });
    },
    getCommunicationsByWorkerFiscalCodes: (cfs) => {
      record('comunicazioni?lavoratoreCf', cfs.length);
      return Promise.resolve(
        shuffled(communications.filter((c) => cfs.includes(c.workerFiscalCode))),
      );
    },
    getVacanciesByIds: (ids) => {
      record('offerte?id', ids.length);
      return Promise.resolve(vacancies.filter((v) => ids.includes(v.id)));
    },
    getEmployerVacancies: (id) => {
      record('offerte?azienda', id);
      return Promise.resolve(vacancies.filter((v) => v.employerId === id));
    },
    searchVacancies: (s) => {
      record('offerte/ricerca', s);
      const status = { APERTA: 'OPEN', CHIUSA: 'CLOSED' } as Record<string, string>;
      return Promise.resolve(
        fakePage(
          vacancies.filter((v) => !s.status || v.status === status[s.status]),
          s.pagina,
          s.dimensione,
        ),
      );
    },
    getFlows: (q) => {
      record('statistiche/flussi', q);
      return Promise.resolve(flowRows);
    },
  };
  return { client, calls };
}

async function run(
  query: string,
  variables: Record<string, unknown> = {},
  flowRows: FlowRow[] = [],
  minCellPeople?: number,
  caller: Assertion = TEST_CALLER,
): Promise<{
  result: ExecutionResult;
  calls: { method: string; arg: unknown }[];
  count: (method: string) => number;
}> {
  const { client, calls } = fakeCo(flowRows);
  const contextValue: EmployersContext = {
    loaders: createLoaders(client),
    // These queries never write.
    coWrites: {
      fileCommunication: () => Promise.reject(new Error('unexpected write')),
      publishVacancy: () => Promise.reject(new Error('unexpected write')),
    },
    caller,
    ...(minCellPeople === undefined ? {} : { minCellPeople }),
  };
  const result = await graphql({ schema, source: query, variableValues: variables, contextValue });
  return { result, calls, count: (method) => calls.filter((c) => c.method === method).length };
}

interface PageOf<T> {
  totalCount: number;
  edges: { cursor?: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}

function dataOf<T>(result: ExecutionResult): T {
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

function errorCodes(result: ExecutionResult): unknown[] {
  return (result.errors ?? []).map((e) => [e.extensions.code, e.extensions.field]);
}

describe('input checks', () => {
  it('refuses a partita IVA with a wrong check digit before asking co', async () => {
    const { result, calls } = await run(
      '{ employerByFiscalCode(fiscalCode: "01234567891") { id } }',
    );
    expect(errorCodes(result)).toEqual([['BAD_USER_INPUT', 'fiscalCode']]);
    expect(calls).toEqual([]);
  });

  it('finds an employer by a valid partita IVA in one request', async () => {
    const fiscalCode = employers[1]?.fiscalCode ?? '';
    const { result, count } = await run(
      `{ employerByFiscalCode(fiscalCode: "${fiscalCode}") { id name } }`,
    );
    expect(result).toEqual({
      data: { employerByFiscalCode: { id: 'A000002', name: 'EMPLOYER 2' } },
    });
    expect(count('aziende?cf')).toBe(1);
  });

  it('refuses first over 500 on an employer communications without asking for them', async () => {
    const { result, count } = await run(
      '{ employer(id: "A000001") { communications(first: 501) { totalCount } } }',
    );
    expect(errorCodes(result)).toEqual([['BAD_USER_INPUT', 'first']]);
    expect(count('comunicazioni?azienda')).toBe(0);
  });

  it('refuses an inverted date range on communications', async () => {
    const { result, count } = await run(
      '{ employer(id: "A000001") { communications(from: "2013-01-01", to: "2012-01-01") { totalCount } } }',
    );
    expect(errorCodes(result)).toEqual([['BAD_USER_INPUT', 'from']]);
    expect(count('comunicazioni?azienda')).toBe(0);
  });

  it('refuses a cursor of another list', async () => {
    const { result, count } = await run(
      '{ employer(id: "A000001") { communications(after: "bzox") { totalCount } } }',
    );
    expect(errorCodes(result)).toEqual([['BAD_USER_INPUT', 'after']]);
    expect(count('comunicazioni?azienda')).toBe(0);
  });

  it.each([
    ['from after to', '"2012-02-01"', '"2012-01-01"', 'from'],
    ['more than ten years', '"2000-01-01"', '"2014-12-31"', 'to'],
  ])('refuses flows over %s before asking co', async (_, from, to, field) => {
    const { result, calls } = await run(
      `{ communicationFlows(from: ${from}, to: ${to}, groupBy: [MONTH]) { workers } }`,
    );
    expect(errorCodes(result)).toEqual([['BAD_USER_INPUT', field]]);
    expect(calls).toEqual([]);
  });

  it('refuses malformed search filters and first over 200', async () => {
    for (const args of ['sectorPrefix: "13,14"', 'comune: "Prato"', 'first: 201']) {
      const { result, calls } = await run(`{ employers(${args}) { totalCount } }`);
      expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(calls).toEqual([]);
    }
  });
});

describe('Employer', () => {
  it('serves an employer with its codes described', async () => {
    const { result } = await run(`{
      employer(id: "A000001") {
        id fiscalCode name
        sector { code division label }
        sizeClass { code label }
        seat { street comune { istatCode } comuneCode postalCode }
        usualCollectiveAgreement { code sector }
      }
      missing: employer(id: "A999999") { id }
    }`);
    expect(result).toEqual({
      data: {
        employer: {
          id: 'A000001',
          fiscalCode: employers[0]?.fiscalCode,
          name: 'EMPLOYER 1',
          sector: { code: '13.20.00', division: '13', label: 'TESSITURA' },
          sizeClass: { code: '2', label: 'DA 6 A 19' },
          seat: {
            street: 'Via Bologna 12',
            comune: { istatCode: '100005' },
            comuneCode: '100005',
            postalCode: '59100',
          },
          usualCollectiveAgreement: { code: '001', sector: 'Abbigliamento' },
        },
        missing: null,
      },
    });
  });

  it('walks all communications by endCursor, one co request per page with limite = first', async () => {
    const query = `query($after: String) { employer(id: "A000001") { communications(first: 100, after: $after) {
      totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`;
    const expected = communications
      .filter((c) => c.employerId === 'A000001')
      .sort(byStart)
      .map((c) => c.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const { result, calls } = await run(query, { after });
      const connection = dataOf<{ employer: { communications: PageOf<{ id: string }> } }>(result)
        .employer.communications;
      expect(connection.totalCount).toBe(expected.length);
      expect(connection.pageInfo.hasNextPage).toBe(page < 2);
      expect(connection.pageInfo.hasPreviousPage).toBe(page > 0);
      expect(
        calls
          .filter((c) => c.method === 'comunicazioni?azienda')
          .map((c) => (c.arg as { limit: number }).limit),
      ).toEqual([100]);
      seen.push(...connection.edges.map((e) => e.node.id));
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    // Past the end: an empty page, still with the total.
    const { result } = await run(query, { after });
    expect(
      dataOf<{ employer: { communications: PageOf<{ id: string }> } }>(result).employer
        .communications,
    ).toEqual({
      totalCount: expected.length,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, endCursor: null },
    });
  });

  it('resumes from a mid-page edge cursor with one request', async () => {
    const query = `query($after: String) { employer(id: "A000001") { communications(first: 10, after: $after, type: HIRING) {
      totalCount edges { cursor node { id type } } pageInfo { hasNextPage } } } }`;
    type Conn = {
      totalCount: number;
      edges: { cursor: string; node: { id: string; type: string } }[];
    };
    const first = (await run(query, { after: null })).result.data as {
      employer: { communications: Conn };
    };
    const fourth = first.employer.communications.edges[3]?.cursor;
    const { result, calls } = await run(query, { after: fourth });
    const resumed = (result.data as { employer: { communications: Conn } }).employer.communications;
    const hirings = communications
      .filter((c) => c.employerId === 'A000001' && c.type === 'HIRING')
      .sort(byStart);
    expect(resumed.totalCount).toBe(hirings.length);
    expect(resumed.edges.map((e) => e.node.id)).toEqual(hirings.slice(4, 14).map((c) => c.id));
    expect(calls.filter((c) => c.method === 'comunicazioni?azienda').map((c) => c.arg)).toEqual([
      {
        employerId: 'A000001',
        from: undefined,
        to: undefined,
        type: 'ASS',
        cursor: undefined,
        limit: 14,
      },
    ]);
  });

  it('never asks co for more than 500 rows, even resuming mid-page with first = 500', async () => {
    const query = `query($after: String, $first: Int) { employer(id: "A000001") { communications(first: $first, after: $after) {
      edges { cursor node { id } } pageInfo { hasNextPage } } } }`;
    const firstPage = dataOf<{ employer: { communications: PageOf<{ id: string }> } }>(
      (await run(query, { first: 20 })).result,
    );
    const { result, calls } = await run(query, {
      first: 500,
      after: firstPage.employer.communications.edges[9]?.cursor,
    });
    const resumed = dataOf<{ employer: { communications: PageOf<{ id: string }> } }>(result)
      .employer.communications;
    const all = communications.filter((c) => c.employerId === 'A000001').sort(byStart);
    expect(resumed.edges.map((e) => e.node.id)).toEqual(all.slice(10).map((c) => c.id));
    expect(resumed.pageInfo.hasNextPage).toBe(false);
    expect(
      calls
        .filter((c) => c.method === 'comunicazioni?azienda')
        .map((c) => (c.arg as { limit: number }).limit),
    ).toEqual([500]);
  });

  it('lists vacancies newest first with one request per employer', async () => {
    const { result, count } = await run(`{
      a: employer(id: "A000001") { vacancies { id postedOn } }
      b: employer(id: "A000002") { vacancies { id } }
      again: employer(id: "A000001") { vacancies { id } }
    }`);
    const a = (result.data as { a: { vacancies: { postedOn: string }[] } }).a.vacancies;
    expect(a.map((v) => v.postedOn)).toEqual([...a.map((v) => v.postedOn)].sort().reverse());
    expect(count('offerte?azienda')).toBe(2);
    expect(count('aziende?id')).toBe(1);
  });
});

describe('upstream requests depend on the query shape, not on the rows', () => {
  const pageQuery = (first: number) => `{
    _entities(representations: [{ __typename: "Employer", id: "A000001" }]) {
      ... on Employer { communications(first: ${first}) { edges { node {
        id worker { fiscalCodeKey } employer { name } contractType { code label openEnded } handledAt { id }
      } } } }
    }
  }`;

  it('a page of 100 communications with worker, employer, contract and desk costs what a page of 10 costs', async () => {
    const ten = await run(pageQuery(10));
    const hundred = await run(pageQuery(100));
    expect(ten.result.errors).toBeUndefined();
    expect(hundred.result.errors).toBeUndefined();
    const edges = (hundred.result.data as { _entities: { communications: { edges: unknown[] } }[] })
      ._entities[0]?.communications.edges;
    expect(edges).toHaveLength(100);
    const methods = (calls: { method: string }[]) => calls.map((c) => c.method).sort();
    expect(methods(hundred.calls)).toEqual(['aziende?id', 'comunicazioni?azienda']);
    expect(methods(ten.calls)).toEqual(methods(hundred.calls));
  });

  it('_entities for 120 workers with their employment history costs 3 co requests, plus one employer batch per 50 employers', async () => {
    const representations = Array.from({ length: 120 }, (_, i) => ({
      __typename: 'Worker',
      fiscalCodeKey: workerFiscalCode(i),
    }));
    const { result, calls } = await run(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { fiscalCodeKey employmentHistory { id startDate employer { id name } } } } }`,
      { r: representations },
    );
    expect(result.errors).toBeUndefined();
    expect(
      calls.filter((c) => c.method === 'comunicazioni?lavoratoreCf').map((c) => c.arg),
    ).toEqual([50, 50, 20]);
    // The histories reach 60 distinct employers: two batches of co's cap.
    expect(calls.filter((c) => c.method === 'aziende?id').map((c) => c.arg)).toEqual([
      CO_ID_CAP,
      10,
    ]);
    const workers = (
      result.data as {
        _entities: {
          fiscalCodeKey: string;
          employmentHistory: { id: string; startDate: string; employer: { id: string } }[];
        }[];
      }
    )._entities;
    workers.forEach((w, i) => {
      const expected = communications
        .filter((c) => c.workerFiscalCode === workerFiscalCode(i))
        .sort(byStart);
      expect(w.fiscalCodeKey).toBe(workerFiscalCode(i));
      expect(w.employmentHistory.map((c) => c.id)).toEqual(expected.map((c) => c.id));
      expect(w.employmentHistory.map((c) => c.employer.id)).toEqual(
        expected.map((c) => c.employerId),
      );
    });
  });

  it('resolves communications and vacancies by reference in batches of 50', async () => {
    const representations = [
      ...communications
        .slice(0, 70)
        .map((c) => ({ __typename: 'EmploymentCommunication', id: c.id })),
      ...vacancies.map((v) => ({ __typename: 'Vacancy', id: v.id })),
    ];
    const { result, calls } = await run(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on EmploymentCommunication { id employer { name } }
        ... on Vacancy { id employer { name } }
      } }`,
      { r: representations },
    );
    expect(result.errors).toBeUndefined();
    expect((result.data as { _entities: { id: string }[] })._entities.map((e) => e.id)).toEqual(
      representations.map((r) => r.id),
    );
    const by = (method: string) => calls.filter((c) => c.method === method).map((c) => c.arg);
    expect(by('comunicazioni?id')).toEqual([50, 20]);
    expect(by('offerte?id')).toEqual([30]);
    expect(by('aziende?id')).toEqual([3]);
  });
});

describe('EmploymentCommunication', () => {
  it('maps every field of a communication', async () => {
    const { result } = await run(`{ communication(id: "C00000001") {
      id code form type nature previousCode sentOn
      employer { id } worker { fiscalCodeKey } workplace { istatCode } workplaceCode
      startDate endDate contractType { code label openEnded validFrom validTo }
      workingTime { code label partTime } weeklyHours collectiveAgreement { code sector }
      occupation { code label } transformation { code } cessationCause { code label } handledAt { id }
    } }`);
    expect(result).toEqual({
      data: {
        communication: {
          id: 'C00000001',
          code: '0901411000000001',
          form: 'UNILAV',
          type: 'TERMINATION',
          nature: 'ORDINARY',
          previousCode: null,
          sentOn: dayOf(1),
          employer: { id: 'A000001' },
          worker: { fiscalCodeKey: workerFiscalCode(1) },
          workplace: { istatCode: '100005' },
          workplaceCode: '100005',
          startDate: dayOf(1),
          endDate: '2014-06-30',
          contractType: {
            code: 'A.02.00',
            label: 'LAVORO A TEMPO DETERMINATO',
            openEnded: false,
            validFrom: '2007-06-21',
            validTo: null,
          },
          workingTime: { code: 'F', label: 'TEMPO PIENO', partTime: false },
          weeklyHours: null,
          collectiveAgreement: { code: '001', sector: 'Abbigliamento' },
          occupation: { code: '6.5.3.1.0.1', label: 'ADDETTO AL CONTROLLO FIBRE' },
          transformation: null,
          cessationCause: { code: 'SC', label: 'Scadenza del termine' },
          handledAt: { id: 'PO-NORD' },
        },
      },
    });
  });
});

describe('searches', () => {
  it('pages employers by offset, asking the pages that cover an unaligned cursor', async () => {
    const firstPage = await run(
      '{ employers(sectorPrefix: "13", first: 7) { totalCount edges { cursor node { id } } } }',
    );
    const edges = (firstPage.result.data as { employers: { edges: { cursor: string }[] } })
      .employers.edges;
    const { result, calls } = await run(
      'query($a: String) { employers(sectorPrefix: "13", first: 7, after: $a) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }',
      {
        a: edges[2]?.cursor,
      },
    );
    expect(result.data).toEqual({
      employers: {
        edges: employers.slice(3, 10).map((e) => ({ node: { id: e.id } })),
        pageInfo: { hasNextPage: true, hasPreviousPage: true },
      },
    });
    expect(calls.map((c) => c.arg)).toEqual([
      { ateco: '13', comune: undefined, pagina: 1, dimensione: 7 },
      { ateco: '13', comune: undefined, pagina: 2, dimensione: 7 },
    ]);
  });

  it('lists open vacancies by default', async () => {
    const { result, calls } = await run(
      '{ vacancies(first: 5) { totalCount edges { node { id status employer { id } comune { istatCode } } } } }',
    );
    const open = vacancies.filter((v) => v.status === 'OPEN');
    expect(result.data).toEqual({
      vacancies: {
        totalCount: open.length,
        edges: open.slice(0, 5).map((v) => ({
          node: {
            id: v.id,
            status: 'OPEN',
            employer: { id: v.employerId },
            comune: { istatCode: '100005' },
          },
        })),
      },
    });
    expect(calls.filter((c) => c.method === 'offerte/ricerca').map((c) => c.arg)).toEqual([
      { status: 'APERTA', comune: undefined, occupation: undefined, pagina: 1, dimensione: 5 },
    ]);
  });
});

describe('communicationFlows', () => {
  it('maps dimensions to co raggruppa names and cells to the schema', async () => {
    const row: FlowRow = {
      month: '2012-01',
      comuneCode: '100005',
      sectorDivision: '13',
      contractTypeCode: 'A.01.00',
      type: 'HIRING',
      sex: 'FEMALE',
      citizenshipCode: '000',
      communications: 12,
      workers: 11,
    };
    const { result, calls } = await run(
      `{ communicationFlows(from: "2012-01-01", to: "2012-12-31", groupBy: [MONTH, COMUNE, SECTOR, CONTRACT_TYPE, TYPE, SEX, CITIZENSHIP, MONTH]) {
        month comune { istatCode } sectorDivision contractType { code openEnded } type sex
        citizenship { code name europeanUnion } communications workers suppressed
      } }`,
      {},
      [row],
    );
    expect(calls.map((c) => c.arg)).toEqual([
      {
        from: '2012-01-01',
        to: '2012-12-31',
        groupBy: ['mese', 'comune', 'ateco', 'contratto', 'tipo', 'genere', 'cittadinanza'],
      },
    ]);
    expect(result).toEqual({
      data: {
        communicationFlows: [
          {
            month: '2012-01',
            comune: { istatCode: '100005' },
            sectorDivision: '13',
            contractType: { code: 'A.01.00', openEnded: true },
            type: 'HIRING',
            sex: 'FEMALE',
            citizenship: { code: '000', name: 'ITALIA', europeanUnion: true },
            communications: 12,
            workers: 11,
            suppressed: false,
          },
        ],
      },
    });
  });

  it('nulls the dimensions not asked for, whatever co sends', async () => {
    const row: FlowRow = {
      month: '2012-01',
      comuneCode: '100005',
      sectorDivision: null,
      contractTypeCode: null,
      type: 'HIRING',
      sex: null,
      citizenshipCode: null,
      communications: 9,
      workers: 8,
    };
    const { result } = await run(
      '{ communicationFlows(from: "2012-01-01", to: "2012-12-31", groupBy: [TYPE]) { month comune { istatCode } type communications } }',
      {},
      [row],
    );
    expect(result).toEqual({
      data: {
        communicationFlows: [{ month: null, comune: null, type: 'HIRING', communications: 9 }],
      },
    });
  });

  const flow = (month: string, contract: string, workers: number, communications = workers) =>
    ({
      month,
      comuneCode: null,
      sectorDivision: null,
      contractTypeCode: contract,
      type: null,
      sex: null,
      citizenshipCode: null,
      communications,
      workers,
    }) satisfies FlowRow;
  const BY_MONTH_AND_CONTRACT = `{ communicationFlows(from: "2012-01-01", to: "2012-02-29", groupBy: [MONTH, CONTRACT_TYPE]) {
    month contractType { code } communications workers suppressed } }`;

  it('hides the counts of cells under 5 workers and of the smallest other cell of their row and column', async () => {
    // January A.01.00 has 2 workers (but 12 communications: the count that matters is
    // people). Its row takes January A.02.00 (the smallest other), its column February
    // A.01.00; February's row then has two hidden cells.
    const { result, calls } = await run(BY_MONTH_AND_CONTRACT, {}, [
      flow('2012-01', 'A.01.00', 2, 12),
      flow('2012-01', 'A.02.00', 9),
      flow('2012-01', 'A.03.00', 30),
      flow('2012-02', 'A.01.00', 12),
      flow('2012-02', 'A.02.00', 8),
      flow('2012-02', 'A.03.00', 40),
    ]);
    const hidden = { communications: null, workers: null, suppressed: true };
    const shown = (n: number) => ({ communications: n, workers: n, suppressed: false });
    expect(result).toEqual({
      data: {
        communicationFlows: [
          { month: '2012-01', contractType: { code: 'A.01.00' }, ...hidden },
          { month: '2012-01', contractType: { code: 'A.02.00' }, ...hidden },
          { month: '2012-01', contractType: { code: 'A.03.00' }, ...shown(30) },
          { month: '2012-02', contractType: { code: 'A.01.00' }, ...hidden },
          { month: '2012-02', contractType: { code: 'A.02.00' }, ...hidden },
          { month: '2012-02', contractType: { code: 'A.03.00' }, ...shown(40) },
        ],
      },
    });
    expect(calls).toHaveLength(1);
  });

  it('hides a small grand total, and shows one of 5 workers', async () => {
    const total = (workers: number) =>
      run(BY_MONTH_AND_CONTRACT.replace('MONTH, CONTRACT_TYPE', ''), {}, [
        { ...flow('', '', workers, 40), month: null, contractTypeCode: null },
      ]);
    expect((await total(4)).result.data).toEqual({
      communicationFlows: [
        { month: null, contractType: null, communications: null, workers: null, suppressed: true },
      ],
    });
    expect((await total(5)).result.data).toEqual({
      communicationFlows: [
        { month: null, contractType: null, communications: 40, workers: 5, suppressed: false },
      ],
    });
  });

  it('applies the threshold of the context', async () => {
    const rows = [flow('2012-01', 'A.01.00', 7), flow('2012-01', 'A.02.00', 30)];
    const query =
      '{ communicationFlows(from: "2012-01-01", to: "2012-01-31", groupBy: [CONTRACT_TYPE]) { workers suppressed } }';
    expect((await run(query, {}, rows)).result.data).toEqual({
      communicationFlows: [
        { workers: 7, suppressed: false },
        { workers: 30, suppressed: false },
      ],
    });
    expect((await run(query, {}, rows, 10)).result.data).toEqual({
      communicationFlows: [
        { workers: null, suppressed: true },
        { workers: null, suppressed: true },
      ],
    });
  });

  it('refuses an answer of co that lists a cell twice, as a bad response', async () => {
    const { result } = await run(BY_MONTH_AND_CONTRACT, {}, [
      flow('2012-01', 'A.01.00', 2),
      flow('2012-01', 'A.01.00', 30),
    ]);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.message).toBe(
      'co sent a response that could not be understood (duplicate statistics cell)',
    );
  });
});

describe('partners read only the communications of employers that delegated them', () => {
  const partnerOf = (organization: string): Assertion => ({
    ...TEST_CALLER,
    purpose: null,
    principal: {
      role: 'partner',
      subject: `partner-${organization}`,
      scopes: ['communications:read'],
      desk: null,
      organization,
      fiscalCode: null,
    },
  });
  const CNA = partnerOf('CNA');
  const refusal = (path: (string | number)[]) => ({
    message: NOT_DELEGATED_MESSAGE,
    path,
    code: 'FORBIDDEN',
  });
  const errorsOf = (result: ExecutionResult) =>
    (result.errors ?? []).map((e) => ({
      message: e.message,
      path: e.path,
      code: e.extensions.code,
    }));

  it("serves a delegating employer's communications page as to anyone", async () => {
    const query =
      '{ employer(id: "A000001") { communications(first: 3) { totalCount edges { node { id } } } } }';
    const asPartner = await run(query, {}, [], undefined, CNA);
    const asOperator = await run(query);
    expect(asPartner.result.errors).toBeUndefined();
    expect(asPartner.result).toEqual(asOperator.result);
    expect(asPartner.calls).toEqual(asOperator.calls);
  });

  it('honours every organisation an employer delegated', async () => {
    const { result } = await run(
      '{ employer(id: "A000002") { communications(first: 1) { totalCount } } }',
      {},
      [],
      undefined,
      partnerOf('UIP'),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ employer: { communications: { totalCount: 4 } } });
  });

  it("refuses another employer's communications without asking co for them", async () => {
    const { result, calls } = await run(
      '{ employer(id: "A000003") { name communications { totalCount edges { node { id } } } } }',
      {},
      [],
      undefined,
      CNA,
    );
    expect(errorsOf(result)).toEqual([refusal(['employer', 'communications'])]);
    // The connection is non-null: the refusal nulls the employer, name included.
    expect(result.data).toEqual({ employer: null });
    expect(calls.map((c) => c.method)).toEqual(['aziende?id']);
  });

  it('refuses one communication by id unless its employer delegated the partner', async () => {
    const mine = await run(
      '{ communication(id: "C00001001") { id employer { id } } }',
      {},
      [],
      undefined,
      CNA,
    );
    expect(mine.result).toEqual({
      data: { communication: { id: 'C00001001', employer: { id: 'A000002' } } },
    });
    const other = await run(
      '{ communication(id: "C00001002") { id code startDate } }',
      {},
      [],
      undefined,
      CNA,
    );
    expect(errorsOf(other.result)).toEqual([refusal(['communication'])]);
    expect(other.result.data).toEqual({ communication: null });
    expect(other.calls.map((c) => c.method)).toEqual(['comunicazioni?id', 'aziende?id']);
    const missing = await run('{ communication(id: "C99999999") { id } }', {}, [], undefined, CNA);
    expect(missing.result).toEqual({ data: { communication: null } });
  });

  it('checks the employer only for partners: other callers cost no employer request', async () => {
    const { result, count } = await run('{ communication(id: "C00001002") { id } }');
    expect(result.errors).toBeUndefined();
    expect(count('aziende?id')).toBe(0);
  });

  it('applies the same rule to references, in one employer batch, entity by entity', async () => {
    const ids = ['C00001000', 'C00001001', 'C00001002', 'C00001003', 'C00000007'];
    const { result, calls } = await run(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on EmploymentCommunication { id } } }',
      { r: ids.map((id) => ({ __typename: 'EmploymentCommunication', id })) },
      [],
      undefined,
      CNA,
    );
    expect(result.data).toEqual({
      _entities: [{ id: 'C00001000' }, { id: 'C00001001' }, null, null, { id: 'C00000007' }],
    });
    expect(errorsOf(result)).toEqual([refusal(['_entities', 2]), refusal(['_entities', 3])]);
    const by = (method: string) => calls.filter((c) => c.method === method).map((c) => c.arg);
    expect(by('comunicazioni?id')).toEqual([5]);
    expect(by('aziende?id')).toEqual([4]);
  });

  it("refuses a worker's employment history to a partner without asking co", async () => {
    const { result, calls } = await run(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { employmentHistory { id } } } }',
      { r: [{ __typename: 'Worker', fiscalCodeKey: workerFiscalCode(1) }] },
      [],
      undefined,
      CNA,
    );
    expect(errorsOf(result)).toEqual([refusal(['_entities', 0, 'employmentHistory'])]);
    expect(calls).toEqual([]);
  });
});
