// The workers schema executed in process over a fake IDOL: whole responses, validation
// before any upstream request, and the IDOL calls each operation costs.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { describe, expect, it } from 'vitest';
import { readProjectFile } from '../../lib/project-files.js';
import { fakeData, fakeFiscalCode, fakeIdol, fakeWorker, type FakeIdolData } from './fake-idol.js';
import { createLoaders } from './loaders.js';
import type { Candidacy } from './model.js';
import { resolvers } from './resolvers.js';

import { graphql, parse } from 'graphql';
import { TEST_CALLER } from '../shared/test-trust.js';
import { createPseudonymizer } from './pseudonym.js';
import { randomBytes } from 'node:crypto';

const schema = buildSubgraphSchema({
  typeDefs: parse(readProjectFile('schema', 'workers.graphql')),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
});

interface Result<T> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

interface Entities {
  _entities: unknown[];
}

interface JobSeekerPage {
  jobSeekers: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean };
    edges: { cursor: string; node: { id: string } }[];
  };
}

const idsOf = (page: JobSeekerPage | undefined) => page!.jobSeekers.edges.map((e) => e.node.id);

async function run<T = Record<string, unknown>>(
  data: FakeIdolData,
  source: string,
  variableValues?: Record<string, unknown>,
) {
  const { client, calls, writes } = fakeIdol(data);
  const result = await graphql({
    schema,
    source,
    variableValues,
    contextValue: {
      loaders: createLoaders(client),
      idolWrites: writes,
      caller: TEST_CALLER,
      pseudonymOf: createPseudonymizer(randomBytes(32)),
    },
  });
  return { result: JSON.parse(JSON.stringify(result)) as Result<T>, calls };
}

/** [method, number of keys] per upstream call. */
const shape = (calls: [string, string[]][]) => calls.map(([method, keys]) => [method, keys.length]);

const entities = `query ($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Worker { familyName profile { status } }
} }`;

describe('Worker entity', () => {
  it('resolves 150 people by fiscalCodeKey with 2 lavoratori and 2 schede requests, duplicates included', async () => {
    const data = fakeData(150);
    const keys = data.workers.map((w) => w.fiscalCodeKey);
    const representations = [...keys, ...keys.slice(0, 40)].map((fiscalCodeKey) => ({
      __typename: 'Worker',
      fiscalCodeKey,
    }));
    const { result, calls } = await run<Entities>(data, entities, { representations });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toHaveLength(190);
    expect(result.data!._entities[0]).toEqual({ familyName: 'ROSSI1', profile: null });
    expect(result.data!._entities[1]).toEqual({
      familyName: 'ROSSI2',
      profile: { status: 'UNEMPLOYED' },
    });
    expect(result.data!._entities[189]).toEqual({
      familyName: 'ROSSI40',
      profile: { status: 'UNEMPLOYED' },
    });
    expect(shape(calls)).toEqual([
      ['workersByFiscalCodes', 100],
      ['workersByFiscalCodes', 50],
      ['profilesByWorkerIds', 100],
      ['profilesByWorkerIds', 50],
    ]);
  });

  it('resolves representations by id or by fiscalCodeKey, null for unknown people, and exposes the join key to the planner', async () => {
    const data = fakeData(3);
    const { result, calls } = await run(
      data,
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Worker { id fiscalCodeKey } } }`,
      {
        representations: [
          { __typename: 'Worker', id: 'L0000002' },
          { __typename: 'Worker', fiscalCodeKey: fakeFiscalCode(3) },
          { __typename: 'Worker', fiscalCodeKey: fakeFiscalCode(999) },
          { __typename: 'Worker', id: 'L0000404' },
        ],
      },
    );
    expect(result).toEqual({
      data: {
        _entities: [
          { id: 'L0000002', fiscalCodeKey: fakeFiscalCode(2) },
          { id: 'L0000003', fiscalCodeKey: fakeFiscalCode(3) },
          null,
          null,
        ],
      },
    });
    expect(shape(calls)).toEqual([
      ['workersByIds', 2],
      ['workersByFiscalCodes', 2],
    ]);
  });

  it('presents a person with code-list labels and bare references to desks, comuni and employers', async () => {
    const data = fakeData(2);
    data.workers[1] = { ...data.workers[1]!, educationLevelCode: '7' };
    data.profiles[0] = {
      ...data.profiles[0]!,
      conditionCode: 'SO',
      availabilityDeclaration: {
        signedOn: '2011-03-04',
        deskId: 'PO-NORD',
        endedOn: '2012-01-01',
        endCauseCode: '03',
      },
      specialLists: [{ list: 'TARGETED_PLACEMENT', from: '2011-04-01', to: null, category: 'D1' }],
    };
    data.sessions = [
      {
        id: 'G2',
        workerId: 'L0000002',
        deskId: 'MM',
        date: '2012-01-01',
        kind: 'BASIC_GUIDANCE',
        outcome: 'CONCLUDED',
      },
      {
        id: 'G1',
        workerId: 'L0000002',
        deskId: 'PO-NORD',
        date: '2011-03-11',
        kind: 'RECEPTION',
        outcome: 'SERVICE_PACT_SIGNED',
      },
    ];
    const { result, calls } = await run(
      data,
      `{ one: worker(id: "L0000001") { birthPlace { code name abroad } residence { street } educationLevel { code } profile { status } }
         two: worker(id: "L0000002") {
           id fiscalCode givenName familyName sex birthDate
           birthPlace { code name abroad }
           citizenship { code name europeanUnion }
           residence { street comune { istatCode } comuneCode postalCode }
           educationLevel { code label }
           profile {
             registeredAt { id } status condition { code label } unemployedSince
             availabilityDeclaration { signedOn desk { id } endedOn endReason }
             servicePacts { signedOn desk { id } }
             specialLists { list from to category }
             incomeSupport { kind from to employer { id } worker { id } }
           }
           guidanceSessions { id desk { id } date kind outcome }
         } }`,
    );
    expect(result).toEqual({
      data: {
        one: {
          birthPlace: { code: 'Z210', name: 'CINA REPUBBLICA POPOLARE', abroad: true },
          residence: { street: 'Via Roma 1' },
          educationLevel: { code: '4' },
          profile: null,
        },
        two: {
          id: 'L0000002',
          fiscalCode: fakeFiscalCode(2),
          givenName: 'MARIO',
          familyName: 'ROSSI2',
          sex: 'MALE',
          birthDate: '1980-01-01',
          birthPlace: { code: 'G999', name: 'Prato', abroad: false },
          citizenship: { code: '000', name: 'ITALIA', europeanUnion: true },
          residence: {
            street: 'Via Roma 1',
            comune: { istatCode: '100005' },
            comuneCode: '100005',
            postalCode: '59100',
          },
          educationLevel: { code: '7', label: 'LAUREA - Vecchio o nuovo ordinamento' },
          profile: {
            registeredAt: { id: 'PO-NORD' },
            status: 'UNEMPLOYED',
            condition: { code: 'SO', label: 'IN SOSPENSIONE' },
            unemployedSince: '2011-03-04',
            availabilityDeclaration: {
              signedOn: '2011-03-04',
              desk: { id: 'PO-NORD' },
              endedOn: '2012-01-01',
              endReason: 'COMUNICAZIONE OBBLIGATORIA DI ASSUNZIONE',
            },
            servicePacts: [
              { signedOn: '2011-03-11', desk: { id: 'PO-NORD' } },
              { signedOn: '2012-01-10', desk: { id: 'PO-EST' } },
            ],
            specialLists: [
              { list: 'TARGETED_PLACEMENT', from: '2011-04-01', to: null, category: 'D1' },
            ],
            incomeSupport: [
              {
                kind: 'CIGS',
                from: '2010-02-01',
                to: null,
                employer: { id: 'A000001' },
                worker: { id: 'L0000002' },
              },
            ],
          },
          guidanceSessions: [
            {
              id: 'G1',
              desk: { id: 'PO-NORD' },
              date: '2011-03-11',
              kind: 'RECEPTION',
              outcome: 'SERVICE_PACT_SIGNED',
            },
            {
              id: 'G2',
              desk: { id: 'MM' },
              date: '2012-01-01',
              kind: 'BASIC_GUIDANCE',
              outcome: 'CONCLUDED',
            },
          ],
        },
      },
    });
    // The episode's worker is the one already loaded: no second lavoratori request.
    expect(shape(calls)).toEqual([
      ['workersByIds', 2],
      ['profilesByWorkerIds', 2],
      ['guidanceSessionsByWorkerIds', 1],
    ]);
  });

  it('fails only the citizenship of a person whose code is not in the national list', async () => {
    const data = fakeData(1);
    data.workers[0] = { ...data.workers[0]!, citizenshipCode: '99X' };
    const { result } = await run(
      data,
      '{ worker(id: "L0000001") { familyName citizenship { name } } }',
    );
    expect(result.data).toEqual({ worker: null });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.path).toEqual(['worker', 'citizenship']);
    expect(result.errors?.[0]?.message).not.toContain('99X');
  });
});

describe('Query.workerByFiscalCode', () => {
  it('trims and upper-cases the code before asking IDOL', async () => {
    const { result, calls } = await run(
      fakeData(2),
      'query ($cf: FiscalCode!) { workerByFiscalCode(fiscalCode: $cf) { id } }',
      {
        cf: `  ${fakeFiscalCode(2).toLowerCase()} `,
      },
    );
    expect(result).toEqual({ data: { workerByFiscalCode: { id: 'L0000002' } } });
    expect(calls).toEqual([['workersByFiscalCodes', [fakeFiscalCode(2)]]]);
  });

  it.each([
    [
      'a wrong check letter',
      `${fakeFiscalCode(2).slice(0, 15)}${fakeFiscalCode(2).endsWith('A') ? 'B' : 'A'}`,
    ],
    ['a short code', 'RSSMRA80A01'],
    ['a list of codes', `${fakeFiscalCode(1)},${fakeFiscalCode(2)}`],
  ])('refuses %s in the FiscalCode scalar, before any upstream request', async (_, cf) => {
    const { result, calls } = await run(
      fakeData(2),
      'query ($cf: FiscalCode!) { workerByFiscalCode(fiscalCode: $cf) { id } }',
      { cf },
    );
    // The FiscalCode scalar refuses it while coercing variables: nothing executes.
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toContain('FiscalCode must look like');
    expect(calls).toEqual([]);
  });
});

describe('job-seeker lists', () => {
  const query = `query ($first: Int, $after: String, $filter: JobSeekerFilter) {
    jobSeekers(first: $first, after: $after, filter: $filter) {
      totalCount pageInfo { hasNextPage hasPreviousPage } edges { cursor node { id } }
    } }`;

  it('pages with opaque cursors, one upstream page when `first` stays constant', async () => {
    const data = fakeData(20); // 10 job seekers: L0000002, L0000004, ...
    const first = await run<JobSeekerPage>(data, query, { first: 4 });
    expect(first.result.data!.jobSeekers.totalCount).toBe(10);
    expect(idsOf(first.result.data)).toEqual(['L0000002', 'L0000004', 'L0000006', 'L0000008']);
    expect(first.result.data!.jobSeekers.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
    });
    const after = first.result.data!.jobSeekers.edges[3]!.cursor;
    const second = await run<JobSeekerPage>(data, query, { first: 4, after });
    expect(idsOf(second.result.data)).toEqual(['L0000010', 'L0000012', 'L0000014', 'L0000016']);
    expect(second.calls).toEqual([
      ['searchJobSeekers', [JSON.stringify({ pagina: 2, dimensione: 4 })]],
    ]);
    // A window across two upstream pages asks for both.
    const odd = await run<JobSeekerPage>(data, query, {
      first: 4,
      after: first.result.data!.jobSeekers.edges[1]!.cursor,
    });
    expect(idsOf(odd.result.data)).toEqual(['L0000006', 'L0000008', 'L0000010', 'L0000012']);
    expect(odd.calls).toHaveLength(2);
    const last = await run<JobSeekerPage>(data, query, {
      first: 4,
      after: second.result.data!.jobSeekers.edges[3]!.cursor,
    });
    expect(idsOf(last.result.data)).toEqual(['L0000018', 'L0000020']);
    expect(last.result.data!.jobSeekers.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });

  it('maps the filter to IDOL codes', async () => {
    const { calls } = await run(fakeData(2), query, {
      first: 10,
      filter: {
        status: 'EMPLOYED_SEEKING',
        comune: '100005',
        desk: 'PO-NORD',
        specialList: 'SEAFARERS',
      },
    });
    expect(calls).toEqual([
      [
        'searchJobSeekers',
        [
          JSON.stringify({
            stato: '03',
            comune: '100005',
            sportello: 'PO-NORD',
            lista: '5',
            pagina: 1,
            dimensione: 10,
          }),
        ],
      ],
    ]);
  });

  it.each([
    [{ first: 201 }, 'first'],
    [{ first: 0 }, 'first'],
    [{ after: 'not-a-cursor' }, 'after'],
    [{ filter: { comune: '100005,100003' } }, 'filter.comune'],
    [{ filter: { desk: 'PO-NORD,MM' } }, 'filter.desk'],
  ])('refuses %j before any upstream request', async (variables, field) => {
    const { result, calls } = await run(fakeData(2), query, variables);
    expect(result.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT', field } }]);
    expect(calls).toEqual([]);
  });

  it('lists a desk’s job seekers through the Desk entity', async () => {
    const { result, calls } = await run(
      fakeData(4),
      `{ _entities(representations: [{__typename: "Desk", id: "PO-NORD"}]) { ... on Desk { id jobSeekers(status: UNEMPLOYED, first: 10) { totalCount edges { node { id } } } } } }`,
    );
    expect(result).toEqual({
      data: {
        _entities: [
          {
            id: 'PO-NORD',
            jobSeekers: {
              totalCount: 2,
              edges: [{ node: { id: 'L0000002' } }, { node: { id: 'L0000004' } }],
            },
          },
        ],
      },
    });
    expect(calls).toEqual([
      [
        'searchJobSeekers',
        [JSON.stringify({ sportello: 'PO-NORD', stato: '02', pagina: 1, dimensione: 10 })],
      ],
    ]);
  });
});

describe('Vacancy and Employer extensions', () => {
  it('costs 1 candidature request per 50 vacancies and 1 lavoratori request per 100 distinct candidates', async () => {
    const data = fakeData(150);
    const vacancies = Array.from({ length: 50 }, (_, i) => `O${String(i + 1).padStart(6, '0')}`);
    // Each vacancy has 4 candidates among 150 people: 150 distinct workers in all.
    data.candidacies = vacancies.flatMap((vacancyId, v) =>
      [0, 1, 2, 3].map((k): Candidacy => ({
        vacancyId,
        workerId: fakeWorker(((v * 3 + k) % 150) + 1).id,
        score: k / 4,
        status: 'PROPOSED',
        matchedOn: '2014-11-03',
      })),
    );
    const { result, calls } = await run<Entities>(
      data,
      `query ($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Vacancy { id candidates { score status matchedOn worker { id familyName } } } } }`,
      { representations: vacancies.map((id) => ({ __typename: 'Vacancy', id })) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities[0]).toEqual({
      id: 'O000001',
      candidates: [
        {
          score: 0.75,
          status: 'PROPOSED',
          matchedOn: '2014-11-03',
          worker: { id: 'L0000004', familyName: 'ROSSI4' },
        },
        {
          score: 0.5,
          status: 'PROPOSED',
          matchedOn: '2014-11-03',
          worker: { id: 'L0000003', familyName: 'ROSSI3' },
        },
        {
          score: 0.25,
          status: 'PROPOSED',
          matchedOn: '2014-11-03',
          worker: { id: 'L0000002', familyName: 'ROSSI2' },
        },
        {
          score: 0,
          status: 'PROPOSED',
          matchedOn: '2014-11-03',
          worker: { id: 'L0000001', familyName: 'ROSSI1' },
        },
      ],
    });
    expect(shape(calls)).toEqual([
      ['candidaciesByVacancyIds', 50],
      ['workersByIds', 100],
      ['workersByIds', 50],
    ]);
  });

  it('lists an employer’s income-support episodes with their workers', async () => {
    const data = fakeData(3);
    data.episodes = [
      {
        workerId: 'L0000003',
        employerId: 'A000001',
        kind: 'CIGO',
        from: '2011-01-01',
        to: '2011-03-31',
      },
      {
        workerId: 'L0000001',
        employerId: 'A000001',
        kind: 'CIG_IN_DEROGA',
        from: '2010-01-01',
        to: null,
      },
    ];
    const { result, calls } = await run(
      data,
      `{ _entities(representations: [{__typename: "Employer", id: "A000001"}, {__typename: "Employer", id: "A000002"}]) {
        ... on Employer { id incomeSupportEpisodes { kind from to worker { familyName } employer { id } } } } }`,
    );
    expect(result).toEqual({
      data: {
        _entities: [
          {
            id: 'A000001',
            incomeSupportEpisodes: [
              {
                kind: 'CIG_IN_DEROGA',
                from: '2010-01-01',
                to: null,
                worker: { familyName: 'ROSSI1' },
                employer: { id: 'A000001' },
              },
              {
                kind: 'CIGO',
                from: '2011-01-01',
                to: '2011-03-31',
                worker: { familyName: 'ROSSI3' },
                employer: { id: 'A000001' },
              },
            ],
          },
          { id: 'A000002', incomeSupportEpisodes: [] },
        ],
      },
    });
    expect(calls).toEqual([
      ['incomeSupportByEmployerIds', ['A000001', 'A000002']],
      ['workersByIds', ['L0000001', 'L0000003']],
    ]);
  });
});

describe('Query.registrationStats', () => {
  const query = `query ($from: Date!, $to: Date!, $groupBy: [RegistrationDimension!]!) {
    registrationStats(from: $from, to: $to, groupBy: $groupBy) { month desk { id } comune { istatCode } status sex ageBand registrations suppressed } }`;

  it('asks IDOL for the Italian dimensions and nulls the ones not asked for', async () => {
    const data = fakeData(1);
    data.cells = [
      {
        month: '2011-01',
        deskId: 'PO-NORD',
        comuneCode: '100005',
        status: 'UNEMPLOYED',
        sex: 'FEMALE',
        ageBand: 'AGE_25_34',
        registrations: 7,
      },
    ];
    const { result, calls } = await run<JobSeekerPage>(data, query, {
      from: '2011-01-01',
      to: '2011-12-31',
      groupBy: ['MONTH', 'DESK', 'AGE_BAND', 'MONTH'],
    });
    expect(result).toEqual({
      data: {
        registrationStats: [
          {
            month: '2011-01',
            desk: { id: 'PO-NORD' },
            comune: null,
            status: null,
            sex: null,
            ageBand: 'AGE_25_34',
            registrations: 7,
            suppressed: false,
          },
        ],
      },
    });
    expect(calls).toEqual([
      ['registrationStats', ['2011-01-01', '2011-12-31', 'mese', 'sportello', 'fasciaEta']],
    ]);
  });

  it('hides the count of cells under 5 people and of the smallest other cell of their row and column', async () => {
    const cell = (month: string, sex: 'MALE' | 'FEMALE', registrations: number) => ({
      month,
      deskId: null,
      comuneCode: null,
      status: null,
      sex,
      ageBand: null,
      registrations,
    });
    const data = fakeData(1);
    // March: 2 women (small) and 40 men; April: 9 women and 50 men. The March row and the
    // FEMALE column each need a second hidden cell: March men, April women; April's row
    // then has one hidden cell, so April men too.
    data.cells = [
      cell('2011-03', 'FEMALE', 2),
      cell('2011-03', 'MALE', 40),
      cell('2011-04', 'FEMALE', 9),
      cell('2011-04', 'MALE', 50),
    ];
    const { result } = await run<{ registrationStats: Record<string, unknown>[] }>(data, query, {
      from: '2011-03-01',
      to: '2011-04-30',
      groupBy: ['MONTH', 'SEX'],
    });
    expect(
      result.data!.registrationStats.map((c) => [c.month, c.sex, c.registrations, c.suppressed]),
    ).toEqual([
      ['2011-03', 'FEMALE', null, true],
      ['2011-03', 'MALE', null, true],
      ['2011-04', 'FEMALE', null, true],
      ['2011-04', 'MALE', null, true],
    ]);
    // With 6 women in March, nothing is small and everything shows.
    data.cells[0] = cell('2011-03', 'FEMALE', 6);
    const { result: plain } = await run<{ registrationStats: Record<string, unknown>[] }>(
      data,
      query,
      { from: '2011-03-01', to: '2011-04-30', groupBy: ['MONTH', 'SEX'] },
    );
    expect(plain.data!.registrationStats.map((c) => [c.registrations, c.suppressed])).toEqual([
      [6, false],
      [40, false],
      [9, false],
      [50, false],
    ]);
  });

  it.each([
    [{ from: '2012-01-01', to: '2011-01-01' }, 'from'],
    [{ from: '2000-01-01', to: '2014-12-31' }, 'to'],
  ])('refuses the range %j before any upstream request', async (range, field) => {
    const { result, calls } = await run(fakeData(1), query, { ...range, groupBy: ['MONTH'] });
    expect(result.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT', field } }]);
    expect(calls).toEqual([]);
  });
});
