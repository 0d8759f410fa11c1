// The training mutations over the real SDL, executed in-process against the recording fake
// trio: every rule is refused before trio is asked to write (and, where it needs no data,
// before trio is asked anything), and trio's refusals come back as errors a client can act on.
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { graphql, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Assertion } from '../../lib/auth/assertion.js';
import type { Principal } from '../../lib/auth/principal.js';
import { SCOPES } from '../../lib/auth/scopes.js';
import { readProjectFile } from '../../lib/project-files.js';
import { formatSubgraphError } from '../shared/server.js';
import { TEST_CALLER, TEST_OPERATOR } from '../shared/test-trust.js';
import { upstreamIdempotencyKey } from '../shared/writes.js';
import { AREAS, FakeTrio, course, fiscalCode } from './fake-trio.js';
import { createLoaders } from './loaders.js';
import type { Workstation } from './model.js';
import { checkSlot, deskLocalTime } from './mutations.js';
import { resolvers } from './resolvers.js';

const schema = buildSubgraphSchema({
  typeDefs: parse(readProjectFile('schema', 'training.graphql')),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
});

/** "Now" for every test: 26 November 2026, 10:30 UTC. */
const NOW = Date.parse('2026-11-26T10:30:00Z');
const OWN_CF = fiscalCode(1);
const OTHER_CF = fiscalCode(2);

function caller(principal: Partial<Principal>): Assertion {
  return { ...TEST_CALLER, principal: { ...TEST_OPERATOR, ...principal } };
}

const OPERATOR = caller({});
const CITIZEN = caller({
  role: 'citizen',
  subject: 'L0000001',
  scopes: [
    SCOPES.workerIdentity,
    SCOPES.workerProfile,
    SCOPES.trainingEnrol,
    SCOPES.workstationsBook,
  ],
  desk: null,
  fiscalCode: OWN_CF,
});

function station(id: string, deskId: string): Workstation {
  return { id, deskId, label: `Postazione ${id.slice(-1)}`, bookings: [] };
}

function fakeTrio(): FakeTrio {
  return new FakeTrio({
    areas: AREAS,
    courses: [course(1), course(2)],
    enrollments: [],
    workstations: [station('PO-NORD-1', 'PO-NORD'), station('MM-1', 'MM')],
  });
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
}

async function run(
  trio: FakeTrio,
  as: Assertion,
  source: string,
  variableValues?: Record<string, unknown>,
): Promise<Answer> {
  const result = await graphql({
    schema,
    source,
    variableValues,
    contextValue: {
      loaders: createLoaders(trio, { courseConcurrency: 8 }),
      writes: trio,
      caller: as,
      now: () => NOW,
    },
  });
  const errors = result.errors?.map((e) => formatSubgraphError(e.toJSON(), e));
  return JSON.parse(JSON.stringify({ ...result, ...(errors ? { errors } : {}) })) as Answer;
}

const ENROL = `mutation ($input: EnrolInCourseInput!, $key: IdempotencyKey!) {
  enrolInCourse(input: $input, idempotencyKey: $key) {
    replayed
    enrollment { id status progress enrolledOn course { id title } desk { id } }
  }
}`;

const BOOK = `mutation ($input: BookWorkstationInput!, $key: IdempotencyKey!) {
  bookWorkstation(input: $input, idempotencyKey: $key) {
    replayed
    booking { id startsAt endsAt }
    workstation { id desk { id } bookings { id startsAt } }
  }
}`;

/** Nothing at all was asked of trio, reads included. */
function untouched(trio: FakeTrio): void {
  expect(trio.calls.enrol).toEqual([]);
  expect(trio.calls.book).toEqual([]);
  expect(trio.calls.workstations).toEqual([]);
  expect(trio.calls.courses).toEqual([]);
}

function refusal(answer: Answer): { code: unknown; field: unknown; message: string } {
  expect(answer.errors).toHaveLength(1);
  const [error] = answer.errors!;
  // Messages never repeat a fiscal code.
  expect(JSON.stringify(answer)).not.toContain(OWN_CF);
  expect(JSON.stringify(answer)).not.toContain(OTHER_CF);
  return {
    code: error!.extensions?.code,
    field: error!.extensions?.field,
    message: error!.message,
  };
}

describe('enrolInCourse', () => {
  it('files a citizen under their own fiscal code when they leave it out, with the caller-bound key', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, CITIZEN, ENROL, {
      input: { courseId: 'TR0001' },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.enrolInCourse).toEqual({
      replayed: false,
      enrollment: {
        id: 'I0000001',
        status: 'IN_PROGRESS',
        progress: 0,
        enrolledOn: '2026-11-26',
        course: { id: 'TR0001', title: 'Course 1' },
        desk: null,
      },
    });
    expect(trio.calls.enrol).toEqual([
      {
        request: { fiscalCode: OWN_CF, courseId: 'TR0001', deskId: null },
        key: upstreamIdempotencyKey(CITIZEN, 'enrolInCourse', 'key-00000001'),
      },
    ]);
    expect(trio.calls.enrol[0]!.key).not.toContain('key-00000001');
  });

  it('accepts a citizen naming their own fiscal code, in lower case too', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, CITIZEN, ENROL, {
      input: { courseId: 'TR0001', fiscalCode: OWN_CF.toLowerCase(), desk: 'MM' },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect(trio.calls.enrol[0]!.request).toEqual({
      fiscalCode: OWN_CF,
      courseId: 'TR0001',
      deskId: 'MM',
    });
  });

  it('refuses a citizen enrolling someone else (FORBIDDEN), before trio is asked', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, CITIZEN, ENROL, {
      input: { courseId: 'TR0001', fiscalCode: OTHER_CF },
      key: 'key-00000001',
    });
    expect(refusal(answer).code).toBe('FORBIDDEN');
    untouched(trio);
  });

  it('refuses a citizen whose sign-in carries no fiscal code', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, caller({ ...CITIZEN.principal, fiscalCode: null }), ENROL, {
      input: { courseId: 'TR0001' },
      key: 'key-00000001',
    });
    expect(refusal(answer).code).toBe('FORBIDDEN');
    untouched(trio);
  });

  it.each([
    ['at their own desk', 'PO-NORD', { id: 'PO-NORD' }],
    ['not at a workstation (no desk)', null, null],
  ])("files an operator's enrolment %s", async (_, desk, shown) => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, ENROL, {
      input: { courseId: 'TR0002', fiscalCode: OTHER_CF, desk },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect(trio.calls.enrol[0]!.request).toEqual({
      fiscalCode: OTHER_CF,
      courseId: 'TR0002',
      deskId: desk,
    });
    expect((answer.data?.enrolInCourse as { enrollment: unknown }).enrollment).toMatchObject({
      desk: shown,
    });
  });

  it('asks an operator whom they enrol (BAD_USER_INPUT on input.fiscalCode)', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, ENROL, {
      input: { courseId: 'TR0001' },
      key: 'key-00000001',
    });
    expect(refusal(answer)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.fiscalCode' });
    untouched(trio);
  });

  it.each([
    ['another desk', OPERATOR, 'MM'],
    ['a token without a desk', caller({ desk: null }), null],
  ])('refuses an operator enrolling at %s (FORBIDDEN)', async (_, as, desk) => {
    const trio = fakeTrio();
    const answer = await run(trio, as, ENROL, {
      input: { courseId: 'TR0001', fiscalCode: OTHER_CF, desk },
      key: 'key-00000001',
    });
    expect(refusal(answer).code).toBe('FORBIDDEN');
    untouched(trio);
  });

  it.each([
    ['analyst', caller({ role: 'analyst', desk: null })],
    ['partner', caller({ role: 'partner', desk: null, organization: 'CNA' })],
  ])('refuses an %s even if a scope were granted (FORBIDDEN)', async (_, as) => {
    const trio = fakeTrio();
    const answer = await run(trio, as, ENROL, {
      input: { courseId: 'TR0001', fiscalCode: OTHER_CF },
      key: 'key-00000001',
    });
    expect(refusal(answer).code).toBe('FORBIDDEN');
    untouched(trio);
  });

  it.each([
    ['too short', 'TR1', 'input.courseId'],
    ['a path', '../v1/aree', 'input.courseId'],
    ['lower case', 'tr0001', 'input.courseId'],
    ['full-width letters', 'ＴＲ0001', 'input.courseId'],
    ['a zero-width space', 'TR\u200b0001', 'input.courseId'],
    ['a right-to-left override', '\u202eTR0001', 'input.courseId'],
    ['a control character', 'TR0001\u0000', 'input.courseId'],
    ['a lone surrogate', 'TR0001\ud800', 'input.courseId'],
    ['blank', '   ', 'input.courseId'],
  ])(
    'refuses a course id that is %s (BAD_USER_INPUT on %s), before trio is asked',
    async (_, courseId, field) => {
      const trio = fakeTrio();
      const answer = await run(trio, OPERATOR, ENROL, {
        input: { courseId, fiscalCode: OTHER_CF },
        key: 'key-00000001',
      });
      expect(refusal(answer)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      untouched(trio);
    },
  );

  it.each([
    ['lower case', 'po-nord'],
    ['a zero-width joiner', 'PO\u200dNORD'],
    ['too long', 'P'.repeat(31)],
  ])('refuses a desk that is %s (BAD_USER_INPUT on input.desk)', async (_, desk) => {
    const trio = fakeTrio();
    const answer = await run(trio, CITIZEN, ENROL, {
      input: { courseId: 'TR0001', desk },
      key: 'key-00000001',
    });
    expect(refusal(answer)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.desk' });
    untouched(trio);
  });

  it('normalises surrounding spaces of the ids away', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, CITIZEN, ENROL, {
      input: { courseId: ' TR0001 ', desk: ' MM' },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect(trio.calls.enrol[0]!.request).toMatchObject({ courseId: 'TR0001', deskId: 'MM' });
  });

  it('refuses a malformed fiscal code without repeating it', async () => {
    const trio = fakeTrio();
    const bad = `${OTHER_CF.slice(0, 15)}${OTHER_CF.endsWith('A') ? 'B' : 'A'}`;
    const answer = await run(trio, OPERATOR, ENROL, {
      input: { courseId: 'TR0001', fiscalCode: bad },
      key: 'key-00000001',
    });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(answer)).not.toContain(bad);
    untouched(trio);
  });

  it('says an unknown course is BAD_USER_INPUT on input.courseId (trio: 422 on corso)', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, ENROL, {
      input: { courseId: 'TR9999', fiscalCode: OTHER_CF },
      key: 'key-00000001',
    });
    expect(refusal(answer)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.courseId' });
    expect(trio.calls.enrol).toHaveLength(1);
  });

  it('says a second enrolment in progress is a CONFLICT on input.courseId', async () => {
    const trio = fakeTrio();
    const input = { courseId: 'TR0001', fiscalCode: OTHER_CF };
    await run(trio, OPERATOR, ENROL, { input, key: 'key-00000001' });
    const answer = await run(trio, OPERATOR, ENROL, { input, key: 'key-00000002' });
    expect(refusal(answer)).toMatchObject({ code: 'CONFLICT', field: 'input.courseId' });
  });

  it('files once per key: the same request again is replayed, another input is IDEMPOTENCY_KEY_REUSED', async () => {
    const trio = fakeTrio();
    const input = { courseId: 'TR0001', fiscalCode: OTHER_CF };
    const first = await run(trio, OPERATOR, ENROL, { input, key: 'key-00000001' });
    const again = await run(trio, OPERATOR, ENROL, { input, key: 'key-00000001' });
    expect(again.errors).toBeUndefined();
    const firstPayload = first.data?.enrolInCourse as { replayed: boolean; enrollment: unknown };
    const againPayload = again.data?.enrolInCourse as { replayed: boolean; enrollment: unknown };
    expect(firstPayload.replayed).toBe(false);
    expect(againPayload).toEqual({ ...firstPayload, replayed: true });
    expect(trio.data.enrollments).toHaveLength(1);
    const other = await run(trio, OPERATOR, ENROL, {
      input: { ...input, courseId: 'TR0002' },
      key: 'key-00000001',
    });
    expect(refusal(other)).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
    });
    expect(trio.data.enrollments).toHaveLength(1);
  });

  it('binds the key to the caller: two callers with the same key file two records', async () => {
    const trio = fakeTrio();
    await run(trio, OPERATOR, ENROL, {
      input: { courseId: 'TR0001', fiscalCode: OWN_CF },
      key: 'key-00000001',
    });
    const other = caller({ subject: 'operator-2' });
    const answer = await run(trio, other, ENROL, {
      input: { courseId: 'TR0002', fiscalCode: OWN_CF },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect(trio.data.enrollments).toHaveLength(2);
  });

  it.each(['short', 'with space 1234', 'x'.repeat(129)])(
    'refuses a malformed idempotency key (%s) before trio is asked',
    async (key) => {
      const trio = fakeTrio();
      const answer = await run(trio, CITIZEN, ENROL, { input: { courseId: 'TR0001' }, key });
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      untouched(trio);
    },
  );
});

describe('bookWorkstation', () => {
  const SLOT = { start: '2026-12-01T09:00:00+01:00', end: '2026-12-01T11:00:00+01:00' };

  it("books an operator's own desk's workstation, in the desk's local time, and shows it among the bookings", async () => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, BOOK, {
      input: {
        workstationId: 'PO-NORD-1',
        start: '2026-12-01T08:00:00Z',
        end: '2026-12-01T10:00:00Z',
        fiscalCode: OTHER_CF,
      },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.bookWorkstation).toEqual({
      replayed: false,
      booking: { id: 'B0000001', ...{ startsAt: SLOT.start, endsAt: SLOT.end } },
      workstation: {
        id: 'PO-NORD-1',
        desk: { id: 'PO-NORD' },
        bookings: [{ id: 'B0000001', startsAt: SLOT.start }],
      },
    });
    expect(trio.calls.book).toEqual([
      {
        request: { workstationId: 'PO-NORD-1', ...SLOT, fiscalCode: OTHER_CF },
        key: upstreamIdempotencyKey(OPERATOR, 'bookWorkstation', 'key-00000001'),
      },
    ]);
    // Read once to check the workstation, once again for the payload after the write.
    expect(trio.calls.workstations).toEqual([['PO-NORD'], ['PO-NORD']]);
  });

  it('books for a citizen themselves by default, at any desk', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, CITIZEN, BOOK, {
      input: { workstationId: 'MM-1', ...SLOT },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect(trio.calls.book[0]!.request.fiscalCode).toBe(OWN_CF);
  });

  it('refuses a citizen booking for someone else (FORBIDDEN), before trio is asked', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, CITIZEN, BOOK, {
      input: { workstationId: 'MM-1', ...SLOT, fiscalCode: OTHER_CF },
      key: 'key-00000001',
    });
    expect(refusal(answer).code).toBe('FORBIDDEN');
    untouched(trio);
  });

  it("refuses an operator booking another desk's workstation (FORBIDDEN), before trio is asked", async () => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, BOOK, {
      input: { workstationId: 'MM-1', ...SLOT, fiscalCode: OTHER_CF },
      key: 'key-00000001',
    });
    expect(refusal(answer).code).toBe('FORBIDDEN');
    untouched(trio);
  });

  it('refuses a workstation trio does not know (BAD_USER_INPUT on input.workstationId), without writing', async () => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, BOOK, {
      input: { workstationId: 'PO-NORD-9', ...SLOT, fiscalCode: OTHER_CF },
      key: 'key-00000001',
    });
    expect(refusal(answer)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.workstationId',
    });
    expect(trio.calls.book).toEqual([]);
  });

  it.each([
    ['a start not on the hour', { start: '2026-12-01T09:30:00+01:00' }, 'input.start'],
    ['a start with seconds', { start: '2026-12-01T09:00:01+01:00' }, 'input.start'],
    [
      'a start on the hour of a half-hour offset',
      { start: '2026-12-01T09:00:00+05:30' },
      'input.start',
    ],
    ['an end not on the hour', { end: '2026-12-01T10:15:00+01:00' }, 'input.end'],
    ['an end before the start', { end: '2026-12-01T08:00:00+01:00' }, 'input.end'],
    ['an end equal to the start', { end: SLOT.start }, 'input.end'],
    ['five hours', { end: '2026-12-01T14:00:00+01:00' }, 'input.end'],
    [
      'a start in the past',
      { start: '2026-11-26T09:00:00+01:00', end: '2026-11-26T10:00:00+01:00' },
      'input.start',
    ],
    [
      'a start earlier the same day',
      { start: '2026-11-26T11:00:00+01:00', end: '2026-11-26T12:00:00+01:00' },
      'input.start',
    ],
    [
      'a workstation id with a zero-width space',
      { workstationId: 'PO-NORD-\u200b1' },
      'input.workstationId',
    ],
    ['a workstation id without a number', { workstationId: 'PO-NORD' }, 'input.workstationId'],
    ['a workstation id with a path', { workstationId: '../PO-NORD-1' }, 'input.workstationId'],
  ])('refuses %s (BAD_USER_INPUT on %s), before trio is asked', async (_, change, field) => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, BOOK, {
      input: { workstationId: 'PO-NORD-1', ...SLOT, fiscalCode: OTHER_CF, ...change },
      key: 'key-00000001',
    });
    expect(refusal(answer)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    untouched(trio);
  });

  it.each([
    ['a malformed instant', 'tomorrow at nine'],
    ['a date without a time', '2026-12-01'],
  ])('refuses %s through the DateTime scalar', async (_, start) => {
    const trio = fakeTrio();
    const answer = await run(trio, OPERATOR, BOOK, {
      input: { workstationId: 'PO-NORD-1', ...SLOT, start, fiscalCode: OTHER_CF },
      key: 'key-00000001',
    });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    untouched(trio);
  });

  it('says a taken slot is a CONFLICT on input.start, and a replay of the first booking is not', async () => {
    const trio = fakeTrio();
    const input = { workstationId: 'PO-NORD-1', ...SLOT, fiscalCode: OTHER_CF };
    const first = await run(trio, OPERATOR, BOOK, { input, key: 'key-00000001' });
    expect(first.errors).toBeUndefined();
    const overlapping = await run(trio, OPERATOR, BOOK, {
      input: { ...input, start: '2026-12-01T10:00:00+01:00', end: '2026-12-01T12:00:00+01:00' },
      key: 'key-00000002',
    });
    expect(refusal(overlapping)).toMatchObject({ code: 'CONFLICT', field: 'input.start' });
    const replay = await run(trio, OPERATOR, BOOK, { input, key: 'key-00000001' });
    expect(replay.errors).toBeUndefined();
    expect((replay.data?.bookWorkstation as { replayed: boolean }).replayed).toBe(true);
    expect(trio.data.workstations![0]!.bookings).toHaveLength(1);
  });

  it('sends the same body for the same instant however it is written, so a retry replays', async () => {
    const trio = fakeTrio();
    const input = { workstationId: 'PO-NORD-1', ...SLOT, fiscalCode: OTHER_CF };
    await run(trio, OPERATOR, BOOK, { input, key: 'key-00000001' });
    const answer = await run(trio, OPERATOR, BOOK, {
      input: { ...input, start: '2026-12-01T08:00:00.000Z', end: '2026-12-01T12:00:00+02:00' },
      key: 'key-00000001',
    });
    expect(answer.errors).toBeUndefined();
    expect((answer.data?.bookWorkstation as { replayed: boolean }).replayed).toBe(true);
  });
});

describe('slot rules', () => {
  it('writes instants in Italian time, winter and summer', () => {
    expect(deskLocalTime(Date.parse('2026-12-01T08:00:00Z'))).toBe('2026-12-01T09:00:00+01:00');
    expect(deskLocalTime(Date.parse('2026-07-01T08:00:00Z'))).toBe('2026-07-01T10:00:00+02:00');
    expect(deskLocalTime(Date.parse('2026-12-31T23:00:00Z'))).toBe('2027-01-01T00:00:00+01:00');
  });

  it('accepts 1 to 4 whole hours across a change of the clocks', () => {
    // 25 October 2026: 03:00 CEST becomes 02:00 CET. 01:00+02:00 to 03:00+01:00 is 3 hours.
    expect(checkSlot('2026-10-25T01:00:00+02:00', '2026-10-25T03:00:00+01:00', NOW - 1e11)).toEqual(
      {
        start: '2026-10-25T01:00:00+02:00',
        end: '2026-10-25T03:00:00+01:00',
      },
    );
  });
});
