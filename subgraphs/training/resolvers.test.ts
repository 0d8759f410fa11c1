// The resolvers over the real training SDL, executed in-process against a recording fake trio.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readProjectFile } from '../../lib/project-files.js';
import { formatSubgraphError } from '../shared/server.js';
import { AREAS, FakeTrio, course, fiscalCode, type FakeTrioData } from './fake-trio.js';
import { createLoaders } from './loaders.js';
import type { CourseUsageRow, Enrollment } from './model.js';
import { checkSearch, resolvers } from './resolvers.js';

import { graphql, parse } from 'graphql';
import { TEST_CALLER } from '../shared/test-trust.js';

const schema = buildSubgraphSchema({
  typeDefs: parse(readProjectFile('schema', 'training.graphql')),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
});

async function run(trio: FakeTrio, source: string, variableValues?: Record<string, unknown>) {
  const result = await graphql({
    schema,
    source,
    variableValues,
    contextValue: { loaders: createLoaders(trio, { courseConcurrency: 8 }), caller: TEST_CALLER },
  });
  // Errors formatted as the subgraph server formats them.
  const errors = result.errors?.map((e) => formatSubgraphError(e.toJSON(), e));
  return JSON.parse(JSON.stringify({ ...result, ...(errors ? { errors } : {}) })) as {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
  };
}

const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ';

describe('Course entities', () => {
  it('100 representations with 10 duplicates cost 90 course requests, at most 8 in flight', async () => {
    const courses = Array.from({ length: 90 }, (_, i) => course(i + 1));
    const trio = new FakeTrio({ courses, areas: AREAS });
    const reps = [...courses, ...courses.slice(0, 10)].map((c) => ({
      __typename: 'Course',
      id: c.id,
    }));
    const result = await run(trio, `${ENTITIES} ... on Course { id title area { code } } } }`, {
      r: reps,
    });
    expect(result.errors).toBeUndefined();
    expect((result.data?._entities as { id: string }[]).map((c) => c.id)).toEqual(
      reps.map((r) => r.id),
    );
    expect(trio.calls.courses).toHaveLength(90);
    expect(new Set(trio.calls.courses).size).toBe(90);
    expect(trio.maxInFlight).toBeLessThanOrEqual(8);
    expect(trio.maxInFlight).toBe(8);
    expect(trio.calls.areas).toBe(1);
  });

  it('resolves unknown and malformed ids to null, the malformed ones without a request', async () => {
    const trio = new FakeTrio({ courses: [course(1)] });
    const reps = ['TR0001', 'TR4040', '../../v1/aree', 'TR0001/x'].map((id) => ({
      __typename: 'Course',
      id,
    }));
    const result = await run(trio, `${ENTITIES} ... on Course { id } } }`, { r: reps });
    expect(result.data?._entities).toEqual([
      { __typename: 'Course', id: 'TR0001' },
      null,
      null,
      null,
    ]);
    expect(trio.calls.courses).toEqual(['TR0001', 'TR4040']);
  });

  it('a failed course fails only its own entity', async () => {
    const trio = new FakeTrio({ courses: [course(1), course(2)] });
    trio.failing.add('TR0002');
    const result = await run(trio, `${ENTITIES} ... on Course { id } } }`, {
      r: [
        { __typename: 'Course', id: 'TR0001' },
        { __typename: 'Course', id: 'TR0002' },
      ],
    });
    expect(result.data?._entities).toEqual([{ __typename: 'Course', id: 'TR0001' }, null]);
    expect(result.errors?.map((e) => e.path)).toEqual([['_entities', 1]]);
  });

  it('course(id) with a path in the id answers null without a request', async () => {
    const trio = new FakeTrio({ courses: [course(1)] });
    const result = await run(trio, '{ course(id: "../corsi/TR0001") { id } }');
    expect(result).toEqual({ data: { course: null } });
    expect(trio.calls.courses).toEqual([]);
  });
});

describe('Query.courses', () => {
  const catalogue = Array.from({ length: 45 }, (_, i) =>
    course(i + 1, i % 3 === 0 ? 'LIN' : 'INF'),
  );

  it('a page and its course fields cost one search request and no course request', async () => {
    const trio = new FakeTrio({ courses: catalogue, areas: AREAS });
    const result = await run(
      trio,
      '{ courses(first: 10) { totalCount edges { node { id title level area { name } } } pageInfo { hasNextPage endCursor } } }',
    );
    expect(result.errors).toBeUndefined();
    const connection = result.data?.courses as {
      totalCount: number;
      edges: { node: { id: string } }[];
      pageInfo: { hasNextPage: boolean };
    };
    expect(connection.totalCount).toBe(45);
    expect(connection.edges.map((e) => e.node.id)).toEqual(catalogue.slice(0, 10).map((c) => c.id));
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(trio.calls.searches).toEqual([{ pagina: 1, dimensione: 10 }]);
    expect(trio.calls.courses).toEqual([]);
  });

  it('follows cursors page by page to the end', async () => {
    const trio = new FakeTrio({ courses: catalogue, areas: AREAS });
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const result = await run(
        trio,
        'query ($after: String) { courses(first: 20, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      const c = result.data?.courses as {
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      seen.push(...c.edges.map((e) => e.node.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual(catalogue.map((c) => c.id));
    expect(trio.calls.searches.map((s) => s.pagina)).toEqual([1, 2, 3]);
  });

  it('passes the filters, trimmed', async () => {
    const trio = new FakeTrio({ courses: catalogue, areas: AREAS });
    await run(
      trio,
      '{ courses(area: "LIN", search: "  excel  ", certifiable: true, first: 5) { totalCount } }',
    );
    expect(trio.calls.searches).toEqual([
      { area: 'LIN', search: 'excel', certifiable: true, pagina: 1, dimensione: 5 },
    ]);
  });

  it.each([
    ['search', `{ courses(search: "${'x'.repeat(101)}") { totalCount } }`],
    ['search', '{ courses(search: "ex\\u0000cel") { totalCount } }'],
    ['area', '{ courses(area: "XYZ") { totalCount } }'],
    ['first', '{ courses(first: 51) { totalCount } }'],
    ['first', '{ courses(first: 0) { totalCount } }'],
    ['after', '{ courses(after: "bm9wZQ") { totalCount } }'],
  ])('refuses a bad %s before the search request', async (field, query) => {
    const trio = new FakeTrio({ courses: catalogue, areas: AREAS });
    const result = await run(trio, query);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(trio.calls.searches).toEqual([]);
  });

  it('CourseArea.courses searches by the area', async () => {
    const trio = new FakeTrio({ courses: catalogue, areas: AREAS });
    const result = await run(
      trio,
      '{ courseAreas { code courses(first: 2) { totalCount edges { node { id area { code } } } } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.courseAreas).toEqual([
      {
        code: 'INF',
        courses: {
          totalCount: 30,
          edges: [
            { node: { id: 'TR0002', area: { code: 'INF' } } },
            { node: { id: 'TR0003', area: { code: 'INF' } } },
          ],
        },
      },
      {
        code: 'LIN',
        courses: {
          totalCount: 15,
          edges: [
            { node: { id: 'TR0001', area: { code: 'LIN' } } },
            { node: { id: 'TR0004', area: { code: 'LIN' } } },
          ],
        },
      },
    ]);
    expect(trio.calls.courses).toEqual([]);
  });
});

describe('checkSearch', () => {
  const word = fc.stringMatching(/^[A-Za-z0-9àèéìòù]{1,10}$/);

  it('accepts one to 8 words, trimmed', () => {
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(' ', ', ', ' - ', "'"),
        fc.stringMatching(/^[ \t]{0,3}$/),
        (words, sep, pad) => {
          const text = words.join(sep);
          expect(checkSearch(`${pad}${text}${pad}`)).toBe(text);
        },
      ),
    );
  });

  it('treats a blank search as no search', () => {
    expect(checkSearch('   ')).toBeUndefined();
    expect(checkSearch(null)).toBeUndefined();
  });

  it.each([
    ['more than 100 characters', 'x'.repeat(101)],
    ['more than 8 words', 'a b c d e f g h i'],
    ['no word at all', '!!! ???'],
  ])('refuses %s', (_, text) => {
    expect(() => checkSearch(text)).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'search' } }),
    );
  });

  it('refuses control characters wherever they are', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.oneof(fc.integer({ min: 0, max: 31 }), fc.constant(127)),
        fc.string({ maxLength: 40 }),
        (a, c, b) => {
          expect(() => checkSearch(`x${a}${String.fromCharCode(c)}${b}x`)).toThrow();
        },
      ),
    );
  });
});

describe('Worker extension', () => {
  const codes = Array.from({ length: 45 }, (_, i) => fiscalCode(i));
  const courses = Array.from({ length: 30 }, (_, i) => course(i + 1));
  const enrollments: Enrollment[] = codes.flatMap((cf, i) =>
    [0, 1].map((k): Enrollment => ({
      id: `I${i}-${k}`,
      fiscalCode: cf,
      courseId: courses[(i + k * 7) % 30]?.id ?? '',
      enrolledOn: k === 0 ? '2013-02-01' : '2011-02-01',
      status: k === 0 ? 'IN_PROGRESS' : 'WITHDRAWN',
      progress: 40,
      deskId: k === 0 ? 'PO-NORD' : null,
    })),
  );
  const data: FakeTrioData = { courses, enrollments, areas: AREAS };

  it('45 workers cost 3 enrolment requests and one request per distinct course', async () => {
    const trio = new FakeTrio(data);
    const reps = codes.map((fiscalCodeKey) => ({ __typename: 'Worker', fiscalCodeKey }));
    const result = await run(
      trio,
      `${ENTITIES} ... on Worker { trainingEnrollments { id status enrolledOn desk { id } course { title } } } } }`,
      { r: reps },
    );
    expect(result.errors).toBeUndefined();
    expect(trio.calls.enrollments.map((b) => b.length)).toEqual([20, 20, 5]);
    expect(trio.calls.courses).toHaveLength(30);
    expect(new Set(trio.calls.courses).size).toBe(30);
    const first = (result.data?._entities as { trainingEnrollments: unknown[] }[])[0];
    expect(first).toEqual({
      __typename: 'Worker',
      trainingEnrollments: [
        {
          id: 'I0-1',
          status: 'WITHDRAWN',
          enrolledOn: '2011-02-01',
          desk: null,
          course: { title: 'Course 8' },
        },
        {
          id: 'I0-0',
          status: 'IN_PROGRESS',
          enrolledOn: '2013-02-01',
          desk: { id: 'PO-NORD' },
          course: { title: 'Course 1' },
        },
      ],
    });
  });

  it('certificates share the course requests of enrolments', async () => {
    const trio = new FakeTrio({
      ...data,
      certificates: [
        {
          id: 'T1',
          fiscalCode: codes[0] ?? '',
          courseId: 'TR0001',
          issuedOn: '2012-03-15',
          score: 27,
        },
      ],
    });
    const result = await run(
      trio,
      `${ENTITIES} ... on Worker { certificates { id score issuedOn course { id } } trainingEnrollments { course { id } } } } }`,
      {
        r: [{ __typename: 'Worker', fiscalCodeKey: codes[0] }],
      },
    );
    expect(result.errors).toBeUndefined();
    expect((result.data?._entities as { certificates: unknown }[])[0]?.certificates).toEqual([
      { id: 'T1', score: 27, issuedOn: '2012-03-15', course: { id: 'TR0001' } },
    ]);
    expect(trio.calls.certificates).toEqual([[codes[0]]]);
    expect([...trio.calls.courses].sort()).toEqual(['TR0001', 'TR0008']);
  });

  it('an enrolment in a course trio does not know is UPSTREAM_BAD_RESPONSE, not a silent null', async () => {
    const trio = new FakeTrio({ courses: [], enrollments: enrollments.slice(0, 1) });
    const result = await run(
      trio,
      `${ENTITIES} ... on Worker { trainingEnrollments { course { id } } } } }`,
      {
        r: [{ __typename: 'Worker', fiscalCodeKey: codes[0] }],
      },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });
});

describe('Desk and Workstation', () => {
  const trio = () =>
    new FakeTrio({
      workstations: [
        {
          id: 'PO-NORD-1',
          deskId: 'PO-NORD',
          label: 'Postazione 1',
          bookings: [
            {
              id: 'B2',
              startsAt: '2014-12-02T09:00:00+01:00',
              endsAt: '2014-12-02T10:00:00+01:00',
            },
            {
              id: 'B1',
              startsAt: '2014-12-01T09:00:00+01:00',
              endsAt: '2014-12-01T10:00:00+01:00',
            },
            {
              id: 'B3',
              startsAt: '2014-12-03T09:00:00+01:00',
              endsAt: '2014-12-03T10:00:00+01:00',
            },
          ],
        },
      ],
    });

  it('Desk.workstations lists bookings oldest first, filtered by inclusive dates', async () => {
    const fake = trio();
    const result = await run(
      fake,
      `${ENTITIES} ... on Desk { id workstations { id label desk { id } all: bookings { id } some: bookings(from: "2014-12-02", to: "2014-12-03") { id startsAt endsAt } } } } }`,
      {
        r: [
          { __typename: 'Desk', id: 'PO-NORD' },
          { __typename: 'Desk', id: 'VA' },
        ],
      },
    );
    expect(result).toEqual({
      data: {
        _entities: [
          {
            __typename: 'Desk',
            id: 'PO-NORD',
            workstations: [
              {
                id: 'PO-NORD-1',
                label: 'Postazione 1',
                desk: { id: 'PO-NORD' },
                all: [{ id: 'B1' }, { id: 'B2' }, { id: 'B3' }],
                some: [
                  {
                    id: 'B2',
                    startsAt: '2014-12-02T09:00:00+01:00',
                    endsAt: '2014-12-02T10:00:00+01:00',
                  },
                  {
                    id: 'B3',
                    startsAt: '2014-12-03T09:00:00+01:00',
                    endsAt: '2014-12-03T10:00:00+01:00',
                  },
                ],
              },
            ],
          },
          { __typename: 'Desk', id: 'VA', workstations: [] },
        ],
      },
    });
    expect(fake.calls.workstations).toEqual([['PO-NORD', 'VA']]);
  });

  it('Workstation entities resolve through their desk', async () => {
    const fake = trio();
    const result = await run(fake, `${ENTITIES} ... on Workstation { id desk { id } } } }`, {
      r: [
        { __typename: 'Workstation', id: 'PO-NORD-1' },
        { __typename: 'Workstation', id: 'PO-NORD-7' },
      ],
    });
    expect(result.data?._entities).toEqual([
      { __typename: 'Workstation', id: 'PO-NORD-1', desk: { id: 'PO-NORD' } },
      null,
    ]);
    expect(fake.calls.workstations).toEqual([['PO-NORD']]);
  });

  it('refuses bookings with from after to', async () => {
    const result = await run(
      trio(),
      `${ENTITIES} ... on Workstation { bookings(from: "2014-12-03", to: "2014-12-01") { id } } } }`,
      {
        r: [{ __typename: 'Workstation', id: 'PO-NORD-1' }],
      },
    );
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'from' });
  });
});

describe('Query.courseUsage', () => {
  const usage = (
    deskId: string | null,
    areaCode: string,
    people: number,
    month: string | null = '2012-01',
  ): CourseUsageRow => ({
    month,
    deskId,
    areaCode,
    enrollments: people + 1,
    completions: people - 1,
    people,
  });

  it('maps the cells and their references', async () => {
    const fake = new FakeTrio({
      areas: AREAS,
      usage: [usage('PO-NORD', 'INF', 6), usage(null, 'LIN', 7)],
    });
    const result = await run(
      fake,
      '{ courseUsage(from: "2012-01-01", to: "2012-12-31", groupBy: [MONTH, DESK, AREA, MONTH]) { month desk { id } area { code name } enrollments completions people suppressed } }',
    );
    expect(result).toEqual({
      data: {
        courseUsage: [
          {
            month: '2012-01',
            desk: { id: 'PO-NORD' },
            area: { code: 'INF', name: 'Informatica' },
            enrollments: 7,
            completions: 5,
            people: 6,
            suppressed: false,
          },
          {
            month: '2012-01',
            desk: null,
            area: { code: 'LIN', name: 'Lingue' },
            enrollments: 8,
            completions: 6,
            people: 7,
            suppressed: false,
          },
        ],
      },
    });
  });

  it('nulls the dimensions not asked for, whatever trio sends', async () => {
    const fake = new FakeTrio({ areas: AREAS, usage: [usage('PO-NORD', 'INF', 9)] });
    const result = await run(
      fake,
      '{ courseUsage(from: "2012-01-01", to: "2012-12-31", groupBy: [AREA]) { month desk { id } area { code } people } }',
    );
    expect(result).toEqual({
      data: { courseUsage: [{ month: null, desk: null, area: { code: 'INF' }, people: 9 }] },
    });
  });

  it('hides the counts of cells under 5 people, and enough others that no total gives them away', async () => {
    // By month and desk, enrolments from home (no desk) a desk of their own. January from
    // home (3 people) is small: its column (home) takes February from home; its row
    // (January) the smallest other cell, January MM; MM's column then takes February MM,
    // and February's row has two hidden cells.
    const fake = new FakeTrio({
      areas: AREAS,
      usage: [
        usage(null, 'INF', 3, '2012-01'),
        usage('PO-NORD', 'INF', 30, '2012-01'),
        usage('MM', 'INF', 8, '2012-01'),
        usage(null, 'INF', 20, '2012-02'),
        usage('PO-NORD', 'INF', 40, '2012-02'),
        usage('MM', 'INF', 9, '2012-02'),
      ],
    });
    const result = await run(
      fake,
      '{ courseUsage(from: "2012-01-01", to: "2012-02-29", groupBy: [MONTH, DESK]) { month desk { id } area { code } enrollments completions people suppressed } }',
    );
    const hidden = { enrollments: null, completions: null, people: null, suppressed: true };
    const shown = (people: number) => ({
      enrollments: people + 1,
      completions: people - 1,
      people,
      suppressed: false,
    });
    const cell = (month: string, desk: string | null) => ({
      month,
      desk: desk === null ? null : { id: desk },
      area: null,
    });
    expect(result.data).toEqual({
      courseUsage: [
        { ...cell('2012-01', null), ...hidden },
        { ...cell('2012-01', 'PO-NORD'), ...shown(30) },
        { ...cell('2012-01', 'MM'), ...hidden },
        { ...cell('2012-02', null), ...hidden },
        { ...cell('2012-02', 'PO-NORD'), ...shown(40) },
        { ...cell('2012-02', 'MM'), ...hidden },
      ],
    });
  });

  it.each([
    ['from', '{ courseUsage(from: "2012-02-01", to: "2012-01-01", groupBy: [MONTH]) { people } }'],
    ['to', '{ courseUsage(from: "2000-01-01", to: "2012-01-01", groupBy: [MONTH]) { people } }'],
  ])('refuses a bad range (%s) before any request', async (field, query) => {
    const fake = new FakeTrio({});
    const result = await run(fake, query);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(fake.calls.usage).toBe(0);
  });
});
