// The training mutations end to end (SECURITY.md, "Writes"): enrolling in a TRIO course and
// booking a public workstation through the gateway, against the simulated trio. Every refusal
// is checked for its code, the input field it names, and what reached trio (its
// /_admin/stats): a refusal of the input, of the caller or of the role files nothing and,
// unless it needs trio's data to decide, asks trio nothing at all. Writes go to a copy of the
// test dataset of this file's own, so that they never change what other files read.
import { readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parse, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { projectPath } from '../lib/project-files.js';
import {
  copyDataset,
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

let stack: Stack;
let dataDir: string;

beforeAll(async () => {
  dataDir = copyDataset(inject('dataDir'));
  stack = await startStack({ dataDir });
  await findPeople();
});

afterAll(async () => {
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-nord', desk: 'PO-NORD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'an-1' };
const PARTNER: DevTokenClaims = { role: 'partner', subject: 'cna-1', organization: 'CNA' };
/** A workstation of the operator's desk, and one of another desk. */
const OWN_STATION = 'PO-NORD-1';
const OTHER_STATION = 'MM-1';

/** Two people of the dataset: the citizen who signs in, and someone else. */
let me: { id: string; cf: string };
let someoneElse: { id: string; cf: string };
let CITIZEN: DevTokenClaims;

async function findPeople(): Promise<void> {
  const { lavoratori } = await upstreamGet<{ lavoratori: Json[] }>(
    stack,
    'idol',
    '/v1/lavoratori/ricerca?pagina=1&dimensione=2',
  );
  const [a, b] = lavoratori.map((l) => ({
    id: l.id as string,
    cf: l.codiceFiscale as string,
  }));
  me = a!;
  someoneElse = b!;
  CITIZEN = { role: 'citizen', subject: me.id, fiscalCode: me.cf };
}

async function headers(claims: DevTokenClaims | null): Promise<Record<string, string>> {
  return claims ? { authorization: `Bearer ${await stack.token(claims)}` } : {};
}

type Sent = GraphQLResponse<Json> & { upstream: Record<string, number> };

const total = totalRequests;

/** POSTs received (trio also counts each non-200 answer under `<route> <status>`). */
const posts = (requests: Record<string, number>): number =>
  Object.entries(requests)
    .filter(([route]) => /^\w+ POST \S+$/.test(route))
    .reduce((sum, [, n]) => sum + n, 0);

/** Sends an operation and returns its answer with the upstream requests it caused. */
async function send(query: string, claims: DevTokenClaims | null, variables?: Json): Promise<Sent> {
  await resetUpstreamStats(stack);
  const res = await graphql<Json>(stack.gatewayUrl, query, variables, await headers(claims));
  return { ...res, upstream: await upstreamRequests(stack) };
}

const ENROL = `mutation Enrol($input: EnrolInCourseInput!, $key: IdempotencyKey!) {
  enrolInCourse(input: $input, idempotencyKey: $key) {
    replayed
    enrollment { id status progress enrolledOn course { id } desk { id } }
  }
}`;

const BOOK = `mutation Book($input: BookWorkstationInput!, $key: IdempotencyKey!) {
  bookWorkstation(input: $input, idempotencyKey: $key) {
    replayed
    booking { id startsAt endsAt }
    workstation { id desk { id } bookings { id } }
  }
}`;

interface EnrolPayload {
  replayed: boolean;
  enrollment: { id: string; status: string; progress: number; course: { id: string } };
}
interface BookPayload {
  replayed: boolean;
  booking: { id: string; startsAt: string; endsAt: string };
  workstation: { id: string; desk: { id: string }; bookings: { id: string }[] };
}

const key = (): string => randomUUID();

/** The one error of an answer, checked not to repeat a fiscal code of the two people. */
function refusal(res: Sent): { code: unknown; field: unknown } {
  expect(res.errors).toHaveLength(1);
  const text = JSON.stringify(res);
  expect(text.includes(me.cf) || text.includes(someoneElse.cf)).toBe(false);
  const [error] = res.errors!;
  return { code: error!.extensions?.code, field: error!.extensions?.field };
}

/** trio's enrolments of a person, read directly. */
async function enrolmentsOf(cf: string): Promise<Json[]> {
  const { iscrizioni } = await upstreamGet<{ iscrizioni: Json[] }>(
    stack,
    'trio',
    `/v1/iscrizioni?cf=${cf}`,
  );
  return iscrizioni;
}

/** A course of the catalogue the person has no enrolment in yet. */
async function freshCourse(cf: string): Promise<string> {
  const { corsi } = await upstreamGet<{ corsi: Json[] }>(
    stack,
    'trio',
    '/v1/corsi?pagina=1&dimensione=50',
  );
  const taken = new Set((await enrolmentsOf(cf)).map((e) => e.corso as string));
  const id = corsi.map((c) => c.id as string).find((c) => !taken.has(c));
  if (!id) throw new Error('no course left to enrol in');
  return id;
}

/** trio's bookings of a workstation, read directly. */
async function bookingsOf(workstation: string): Promise<Json[]> {
  const desk = workstation.replace(/-\d+$/, '');
  const { postazioni } = await upstreamGet<{ postazioni: Json[] }>(
    stack,
    'trio',
    `/v1/postazioni?sportello=${desk}`,
  );
  return (postazioni.find((p) => p.id === workstation)?.prenotazioni as Json[] | undefined) ?? [];
}

/** Slots that no test shares: on the hour, from tomorrow on, each after the previous one. */
let nextSlot = Math.ceil(Date.now() / HOUR) * HOUR + 24 * HOUR;
function slot(hours = 1): { start: string; end: string } {
  const start = nextSlot;
  nextSlot += (hours + 1) * HOUR;
  return {
    start: new Date(start).toISOString(),
    end: new Date(start + hours * HOUR).toISOString(),
  };
}

describe('enrolInCourse', () => {
  it('enrols a citizen themselves, once, and the enrolment is among their own', async () => {
    const courseId = await freshCourse(me.cf);
    const res = await send(ENROL, CITIZEN, { input: { courseId }, key: key() });
    expect(res.errors).toBeUndefined();
    const payload = res.data!.enrolInCourse as EnrolPayload;
    expect(payload).toMatchObject({
      replayed: false,
      enrollment: { status: 'IN_PROGRESS', progress: 0, course: { id: courseId }, desk: null },
    });
    expect(res.upstream['trio POST /v1/iscrizioni']).toBe(1);
    const filed = (await enrolmentsOf(me.cf)).filter((e) => e.corso === courseId);
    expect(filed.map((e) => e.id)).toEqual([payload.enrollment.id]);

    const mine = await send('{ me { trainingEnrollments { id status course { id } } } }', CITIZEN);
    expect(mine.errors).toBeUndefined();
    const list = (mine.data!.me as { trainingEnrollments: Json[] }).trainingEnrollments;
    expect(list).toContainEqual({
      id: payload.enrollment.id,
      status: 'IN_PROGRESS',
      course: { id: courseId },
    });
  });

  it('refuses a citizen enrolling someone else with FORBIDDEN, asking trio nothing', async () => {
    const courseId = await freshCourse(someoneElse.cf);
    const res = await send(ENROL, CITIZEN, {
      input: { courseId, fiscalCode: someoneElse.cf },
      key: key(),
    });
    expect(refusal(res).code).toBe('FORBIDDEN');
    expect(res.upstream).toEqual({});
    expect((await enrolmentsOf(someoneElse.cf)).some((e) => e.corso === courseId)).toBe(false);
  });

  it("enrols someone at the operator's desk; another desk is FORBIDDEN, asking trio nothing", async () => {
    const courseId = await freshCourse(someoneElse.cf);
    const elsewhere = await send(ENROL, OPERATOR, {
      input: { courseId, fiscalCode: someoneElse.cf, desk: 'MM' },
      key: key(),
    });
    expect(refusal(elsewhere).code).toBe('FORBIDDEN');
    expect(elsewhere.upstream).toEqual({});

    const res = await send(ENROL, OPERATOR, {
      input: { courseId, fiscalCode: someoneElse.cf, desk: 'PO-NORD' },
      key: key(),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.enrolInCourse).toMatchObject({
      enrollment: { course: { id: courseId }, desk: { id: 'PO-NORD' } },
    });
    const filed = (await enrolmentsOf(someoneElse.cf)).filter((e) => e.corso === courseId);
    expect(filed.map((e) => e.sportello)).toEqual(['PO-NORD']);

    // The same person in the same course, still in progress, under a new key.
    const again = await send(ENROL, OPERATOR, {
      input: { courseId, fiscalCode: someoneElse.cf },
      key: key(),
    });
    expect(refusal(again)).toEqual({ code: 'CONFLICT', field: 'input.courseId' });
  });

  it('says a course trio does not know is BAD_USER_INPUT on input.courseId, filing nothing', async () => {
    const before = (await enrolmentsOf(me.cf)).length;
    const res = await send(ENROL, CITIZEN, { input: { courseId: 'TR999999' }, key: key() });
    expect(refusal(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.courseId' });
    expect(await enrolmentsOf(me.cf)).toHaveLength(before);
  });

  it('says a desk trio refuses (unknown to the registry) is BAD_USER_INPUT on input.desk, filing nothing', async () => {
    const courseId = await freshCourse(me.cf);
    const res = await send(ENROL, CITIZEN, { input: { courseId, desk: 'XX-NOWHERE' }, key: key() });
    expect(refusal(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.desk' });
    expect((await enrolmentsOf(me.cf)).some((e) => e.corso === courseId)).toBe(false);
  });

  it.each([
    ['a malformed course id', { courseId: 'TR1' }, 'citizen', 'input.courseId'],
    ['a course id that is a path', { courseId: '../v1/aree' }, 'citizen', 'input.courseId'],
    [
      'a course id with a zero-width space',
      { courseId: 'TR\u200b0001' },
      'citizen',
      'input.courseId',
    ],
    ['a course id with a bidi override', { courseId: '\u202eTR0001' }, 'citizen', 'input.courseId'],
    ['a course id with a NUL', { courseId: 'TR0001\u0000' }, 'citizen', 'input.courseId'],
    ['a course id in full-width letters', { courseId: 'ＴＲ0001' }, 'citizen', 'input.courseId'],
    [
      'a desk with a combining accent',
      { courseId: 'TR0001', desk: 'MM\u0301' },
      'citizen',
      'input.desk',
    ],
    ['an operator not saying whom', { courseId: 'TR0001' }, 'operator', 'input.fiscalCode'],
  ])(
    'refuses %s with BAD_USER_INPUT naming the field, asking trio nothing',
    async (_, input, role, field) => {
      const res = await send(ENROL, role === 'citizen' ? CITIZEN : OPERATOR, { input, key: key() });
      expect(refusal(res)).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(res.upstream).toEqual({});
    },
  );

  it('normalises surrounding spaces of a course id away', async () => {
    const courseId = await freshCourse(me.cf);
    const res = await send(ENROL, CITIZEN, { input: { courseId: `  ${courseId} ` }, key: key() });
    expect(res.errors).toBeUndefined();
    expect(res.data!.enrolInCourse).toMatchObject({ enrollment: { course: { id: courseId } } });
  });

  it.each([
    ['a wrong check letter', (cf: string) => `${cf.slice(0, 15)}${cf.endsWith('A') ? 'B' : 'A'}`],
    [
      'full-width characters',
      (cf: string) => cf.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    ],
    ['a zero-width space', (cf: string) => `${cf.slice(0, 8)}\u200b${cf.slice(8)}`],
  ])('refuses a fiscal code with %s, without repeating it or asking trio', async (_, spoil) => {
    const bad = spoil(someoneElse.cf);
    const res = await send(ENROL, OPERATOR, {
      input: { courseId: 'TR0001', fiscalCode: bad },
      key: key(),
    });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const text = JSON.stringify(res);
    expect(text.includes(bad) || text.includes(someoneElse.cf)).toBe(false);
    expect(res.upstream).toEqual({});
  });

  it('files once per key: a repeat is replayed, ten at once file one record, another input is IDEMPOTENCY_KEY_REUSED', async () => {
    const courseId = await freshCourse(me.cf);
    const sameKey = key();
    const variables = { input: { courseId }, key: sameKey };
    const first = await send(ENROL, CITIZEN, variables);
    const again = await send(ENROL, CITIZEN, variables);
    expect(first.errors).toBeUndefined();
    expect(again.errors).toBeUndefined();
    const firstPayload = first.data!.enrolInCourse as EnrolPayload;
    expect(firstPayload.replayed).toBe(false);
    expect(again.data!.enrolInCourse).toEqual({ ...firstPayload, replayed: true });

    const otherCourse = await freshCourse(me.cf);
    const concurrentKey = key();
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () =>
        graphql<Json>(
          stack.gatewayUrl,
          ENROL,
          { input: { courseId: otherCourse }, key: concurrentKey },
          await headers(CITIZEN),
        ),
      ),
    );
    for (const a of answers) expect(a.errors).toBeUndefined();
    const payloads = answers.map((a) => a.data!.enrolInCourse as EnrolPayload);
    expect(new Set(payloads.map((p) => p.enrollment.id)).size).toBe(1);
    expect(payloads.filter((p) => !p.replayed)).toHaveLength(1);
    const filed = await enrolmentsOf(me.cf);
    expect(filed.filter((e) => e.corso === courseId)).toHaveLength(1);
    expect(filed.filter((e) => e.corso === otherCourse)).toHaveLength(1);

    const reused = await send(ENROL, CITIZEN, {
      input: { courseId: await freshCourse(me.cf) },
      key: sameKey,
    });
    expect(refusal(reused)).toEqual({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
    expect(posts(reused.upstream)).toBe(1);
    expect(await enrolmentsOf(me.cf)).toHaveLength(filed.length);
  });
});

describe('bookWorkstation', () => {
  it("books a workstation of the operator's desk; the same slot again is CONFLICT on input.start", async () => {
    const when = slot(2);
    const res = await send(BOOK, OPERATOR, {
      input: { workstationId: OWN_STATION, ...when, fiscalCode: someoneElse.cf },
      key: key(),
    });
    expect(res.errors).toBeUndefined();
    const payload = res.data!.bookWorkstation as BookPayload;
    expect(payload.replayed).toBe(false);
    expect(Date.parse(payload.booking.startsAt)).toBe(Date.parse(when.start));
    expect(Date.parse(payload.booking.endsAt)).toBe(Date.parse(when.end));
    expect(payload.workstation).toMatchObject({ id: OWN_STATION, desk: { id: 'PO-NORD' } });
    expect(payload.workstation.bookings.map((b) => b.id)).toContain(payload.booking.id);
    expect(res.upstream['trio POST /v1/prenotazioni']).toBe(1);

    // An overlapping slot (its second hour), another key.
    const taken = await send(BOOK, OPERATOR, {
      input: {
        workstationId: OWN_STATION,
        start: new Date(Date.parse(when.start) + HOUR).toISOString(),
        end: new Date(Date.parse(when.end) + HOUR).toISOString(),
        fiscalCode: me.cf,
      },
      key: key(),
    });
    expect(refusal(taken)).toEqual({ code: 'CONFLICT', field: 'input.start' });
    const booked = (await bookingsOf(OWN_STATION)).filter(
      (b) =>
        Date.parse(b.inizio as string) >= Date.parse(when.start) &&
        Date.parse(b.inizio as string) < Date.parse(when.end) + HOUR,
    );
    expect(booked.map((b) => b.id)).toEqual([payload.booking.id]);
  });

  it('books for a citizen themselves at any desk; for someone else is FORBIDDEN, asking trio nothing', async () => {
    const res = await send(BOOK, CITIZEN, {
      input: { workstationId: OTHER_STATION, ...slot() },
      key: key(),
    });
    expect(res.errors).toBeUndefined();
    const other = await send(BOOK, CITIZEN, {
      input: { workstationId: OTHER_STATION, ...slot(), fiscalCode: someoneElse.cf },
      key: key(),
    });
    expect(refusal(other).code).toBe('FORBIDDEN');
    expect(other.upstream).toEqual({});
  });

  it("refuses an operator booking another desk's workstation with FORBIDDEN, asking trio nothing", async () => {
    const res = await send(BOOK, OPERATOR, {
      input: { workstationId: OTHER_STATION, ...slot(), fiscalCode: someoneElse.cf },
      key: key(),
    });
    expect(refusal(res).code).toBe('FORBIDDEN');
    expect(res.upstream).toEqual({});
  });

  it('refuses a workstation trio does not know with BAD_USER_INPUT, after reading but not writing', async () => {
    const res = await send(BOOK, OPERATOR, {
      input: { workstationId: 'PO-NORD-99', ...slot(), fiscalCode: someoneElse.cf },
      key: key(),
    });
    expect(refusal(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.workstationId' });
    expect(res.upstream).toEqual({ 'trio GET /v1/postazioni': 1 });
  });

  const at = (ms: number) => new Date(ms).toISOString();
  const base = () => Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;
  it.each([
    [
      'a start not on the hour',
      () => ({ start: at(base() + 30 * 60_000), end: at(base() + 2 * HOUR) }),
      'input.start',
    ],
    [
      'an end not on the hour',
      () => ({ start: at(base()), end: at(base() + HOUR + 60_000) }),
      'input.end',
    ],
    ['an end before the start', () => ({ start: at(base()), end: at(base() - HOUR) }), 'input.end'],
    ['an end equal to the start', () => ({ start: at(base()), end: at(base()) }), 'input.end'],
    ['five hours', () => ({ start: at(base()), end: at(base() + 5 * HOUR) }), 'input.end'],
    [
      'a start in the past',
      () => ({ start: at(base() - 72 * HOUR), end: at(base() - 71 * HOUR) }),
      'input.start',
    ],
    [
      'a workstation id with a bidi override',
      () => ({ workstationId: 'PO-NORD-1\u202e', ...slot() }),
      'input.workstationId',
    ],
    [
      'a workstation id with a NUL',
      () => ({ workstationId: 'PO-NORD\u0000-1', ...slot() }),
      'input.workstationId',
    ],
    [
      'a workstation id in full-width digits',
      () => ({ workstationId: 'PO-NORD-１', ...slot() }),
      'input.workstationId',
    ],
    [
      'an operator not saying for whom',
      () => ({ ...slot(), fiscalCode: null }),
      'input.fiscalCode',
    ],
  ])(
    'refuses %s with BAD_USER_INPUT naming the field, asking trio nothing',
    async (_, change, field) => {
      const res = await send(BOOK, OPERATOR, {
        input: { workstationId: OWN_STATION, ...slot(), fiscalCode: someoneElse.cf, ...change() },
        key: key(),
      });
      expect(refusal(res)).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(res.upstream).toEqual({});
    },
  );

  it('files once per key: a repeat is replayed, ten at once file one booking, another input is IDEMPOTENCY_KEY_REUSED', async () => {
    const when = slot();
    const sameKey = key();
    const variables = {
      input: { workstationId: OWN_STATION, ...when, fiscalCode: someoneElse.cf },
      key: sameKey,
    };
    const first = await send(BOOK, OPERATOR, variables);
    const again = await send(BOOK, OPERATOR, variables);
    expect(first.errors).toBeUndefined();
    expect(again.errors).toBeUndefined();
    const firstPayload = first.data!.bookWorkstation as BookPayload;
    const againPayload = again.data!.bookWorkstation as BookPayload;
    expect(firstPayload.replayed).toBe(false);
    expect(againPayload.replayed).toBe(true);
    expect(againPayload.booking).toEqual(firstPayload.booking);

    const concurrent = slot();
    const concurrentKey = key();
    const token = await headers(OPERATOR);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        graphql<Json>(
          stack.gatewayUrl,
          BOOK,
          {
            input: { workstationId: OWN_STATION, ...concurrent, fiscalCode: someoneElse.cf },
            key: concurrentKey,
          },
          token,
        ),
      ),
    );
    for (const a of answers) expect(a.errors).toBeUndefined();
    const payloads = answers.map((a) => a.data!.bookWorkstation as BookPayload);
    expect(new Set(payloads.map((p) => p.booking.id)).size).toBe(1);
    expect(payloads.filter((p) => !p.replayed)).toHaveLength(1);

    const bookings = await bookingsOf(OWN_STATION);
    const startingAt = (iso: string) =>
      bookings.filter((b) => Date.parse(b.inizio as string) === Date.parse(iso));
    expect(startingAt(when.start)).toHaveLength(1);
    expect(startingAt(concurrent.start)).toHaveLength(1);

    const reused = await send(BOOK, OPERATOR, {
      input: { workstationId: OWN_STATION, ...slot(), fiscalCode: someoneElse.cf },
      key: sameKey,
    });
    expect(refusal(reused)).toEqual({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
    expect(await bookingsOf(OWN_STATION)).toHaveLength(bookings.length);
  });
});

describe('who may write', () => {
  const enrol = () => ({ input: { courseId: 'TR0001', fiscalCode: someoneElse.cf }, key: key() });
  const book = () => ({
    input: { workstationId: OWN_STATION, ...slot(), fiscalCode: someoneElse.cf },
    key: key(),
  });

  it.each([
    ['enrolInCourse', ENROL, enrol],
    ['bookWorkstation', BOOK, book],
  ])(
    'asks anonymous callers to sign in for %s (401), before any subgraph or upstream',
    async (name, query, variables) => {
      const res = await send(query, null, variables());
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        fields: [`Mutation.${name}`],
      });
      expect(res.data).toBeUndefined();
      expect(total(res.upstream)).toBe(0);
    },
  );

  it.each([
    ['enrolInCourse', ENROL, enrol],
    ['bookWorkstation', BOOK, book],
  ])(
    'refuses %s to analysts (403), before any subgraph or upstream',
    async (name, query, variables) => {
      const res = await send(query, ANALYST, variables());
      expect(res.status).toBe(403);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'FORBIDDEN',
        fields: [`Mutation.${name}`],
      });
      expect(res.data).toBeUndefined();
      expect(total(res.upstream)).toBe(0);
    },
  );

  it.each([
    ['enrolInCourse', ENROL, enrol],
    ['bookWorkstation', BOOK, book],
  ])(
    'refuses %s as free text from a partner (OPERATION_NOT_REGISTERED)',
    async (_, query, variables) => {
      const res = await send(query, PARTNER, variables());
      expect(res.status).toBe(403);
      expect(res.errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_REGISTERED');
      expect(total(res.upstream)).toBe(0);
    },
  );

  it("no partner's registered operation touches the training mutations", () => {
    const manifest = JSON.parse(
      readFileSync(projectPath('gateway', 'trusted-documents.json'), 'utf8'),
    ) as Record<string, { operations: { body: string }[] }>;
    // Every field any registered operation selects, fragments included.
    const fields: string[] = [];
    for (const org of Object.values(manifest)) {
      for (const op of org.operations) {
        visit(parse(op.body), { Field: (node) => void fields.push(node.name.value) });
      }
    }
    expect(fields.length).toBeGreaterThan(0);
    expect(fields).not.toContain('enrolInCourse');
    expect(fields).not.toContain('bookWorkstation');
  });
});
