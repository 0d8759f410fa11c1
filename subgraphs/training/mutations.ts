// The training mutations: enrolling in a TRIO course and booking a public workstation.
// Every rule that can be checked here is checked before trio is asked to write anything
// (SECURITY.md, "Writes"); trio's own refusals are mapped by performWrite. The key sent to
// trio is the client's key bound to the caller and the mutation, so a retry files nothing new.
import type { Assertion } from '../../lib/auth/assertion.js';
import { badUserInput, UpstreamBadResponseError } from '../shared/errors.js';
import { forbidden } from '../shared/trust.js';
import {
  assertOwnDesk,
  assertSelf,
  checkText,
  performWrite,
  upstreamIdempotencyKey,
} from '../shared/writes.js';
import type { TrioClient } from './client.js';
import { deskIdOfWorkstation, type TrainingLoaders } from './loaders.js';
import type { Enrollment, FiledBooking, Workstation } from './model.js';

/** What the mutations need of the trio client; tests pass a recording fake. */
export type TrioWrites = Pick<TrioClient, 'enrol' | 'book'>;

/** What the mutation resolvers read from the request context. */
export interface WriteContext {
  caller: Assertion;
  loaders: TrainingLoaders;
  writes: TrioWrites;
  /** The clock for "in the future"; tests fix it. */
  now?: () => number;
}

/** trio's course ids: `TR` and 4 to 6 digits. */
export const COURSE_ID = /^TR\d{4,6}$/;
/** Registry desk codes (PO-NORD, MM, PA-CGIL-1). */
export const DESK_ID = /^[A-Z0-9][A-Z0-9-]{0,29}$/;
/** trio's workstation ids: the desk code and a number (PO-NORD-1, PA-CGIL-1-2). */
export const WORKSTATION_ID = /^[A-Z0-9][A-Z0-9-]{0,29}-\d{1,4}$/;

export const MIN_BOOKING_HOURS = 1;
export const MAX_BOOKING_HOURS = 4;
const HOUR_MS = 3_600_000;

/** trio's body fields, as named in its refusals (`campo`), to the mutation's input paths. */
const ENROL_FIELDS: Readonly<Record<string, string>> = {
  codiceFiscale: 'input.fiscalCode',
  corso: 'input.courseId',
  sportello: 'input.desk',
};
const BOOK_FIELDS: Readonly<Record<string, string>> = {
  postazione: 'input.workstationId',
  inizio: 'input.start',
  fine: 'input.end',
  codiceFiscale: 'input.fiscalCode',
};
const fieldIn =
  (fields: Readonly<Record<string, string>>) =>
  (upstreamField: string): string | undefined =>
    Object.hasOwn(fields, upstreamField) ? fields[upstreamField] : undefined;

export interface EnrolInCourseInput {
  courseId: string;
  fiscalCode?: string | null;
  desk?: string | null;
}

export interface BookWorkstationInput {
  workstationId: string;
  start: string;
  end: string;
  fiscalCode?: string | null;
}

/** Only the roles the write scopes are meant for write, whatever the role mapping says. */
function assertWriter(caller: Assertion): void {
  const { role } = caller.principal;
  if (role !== 'citizen' && role !== 'operator') {
    throw forbidden('only citizens and desk operators may write to TRIO');
  }
}

/**
 * Whose record the write files: the given fiscal code (a citizen's must be their own), or a
 * citizen's own when left out. An operator must say whom they act for.
 */
function personOf(caller: Assertion, given: string | null | undefined): string {
  const { principal } = caller;
  if (given !== null && given !== undefined) {
    assertSelf(caller, given);
    return given;
  }
  if (principal.role === 'citizen') {
    if (principal.fiscalCode === null) {
      throw forbidden('this sign-in carries no fiscal code: a citizen may act only for themselves');
    }
    return principal.fiscalCode;
  }
  throw badUserInput(
    'input.fiscalCode is required: the fiscal code of the person this is for',
    'input.fiscalCode',
  );
}

/**
 * The desk whose public workstation the enrolment was made at, or null (from home, or not at
 * a workstation). An operator must hold a desk, and may name only it.
 */
function enrolmentDesk(caller: Assertion, given: string | null | undefined): string | null {
  const desk =
    given === null || given === undefined
      ? null
      : checkText(given, 'input.desk', {
          max: 30,
          pattern: DESK_ID,
          describe: 'must be a desk registry code such as PO-NORD',
        });
  assertOwnDesk(caller, desk ?? caller.principal.desk);
  return desk;
}

const ROME = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Rome',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'longOffset',
});

/**
 * An instant on the hour as trio writes slots: the desks' local time (Europe/Rome) with its
 * offset, e.g. `2026-12-01T09:00:00+01:00`. One instant always gives the same text, however
 * the client wrote it, so a retry sends the same body.
 */
export function deskLocalTime(instantMs: number): string {
  const parts = Object.fromEntries(
    ROME.formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]),
  );
  const offset = (parts.timeZoneName ?? 'GMT').replace('GMT', '') || '+00:00';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:00:00${offset}`;
}

/**
 * The slot rules of trio, checked here: both ends on the hour, the end 1 to 4 hours after
 * the start, the start in the future. Answers both ends in the desks' local time.
 */
export function checkSlot(start: string, end: string, now: number): { start: string; end: string } {
  const from = Date.parse(start);
  const to = Date.parse(end);
  if (!Number.isFinite(from) || from % HOUR_MS !== 0) {
    throw badUserInput('input.start must be on the hour (minutes and seconds zero)', 'input.start');
  }
  if (!Number.isFinite(to) || to % HOUR_MS !== 0) {
    throw badUserInput('input.end must be on the hour (minutes and seconds zero)', 'input.end');
  }
  if (to <= from) throw badUserInput('input.end must be after input.start', 'input.end');
  const hours = (to - from) / HOUR_MS;
  if (hours < MIN_BOOKING_HOURS || hours > MAX_BOOKING_HOURS) {
    throw badUserInput(
      `a booking lasts ${MIN_BOOKING_HOURS} to ${MAX_BOOKING_HOURS} whole hours: input.end is ${hours} hours after input.start`,
      'input.end',
    );
  }
  if (from <= now) throw badUserInput('input.start must be in the future', 'input.start');
  return { start: deskLocalTime(from), end: deskLocalTime(to) };
}

export interface EnrolInCourseResult {
  enrollment: Enrollment;
  replayed: boolean;
}

export interface BookWorkstationResult {
  booking: FiledBooking;
  workstationId: string;
  replayed: boolean;
}

export async function enrolInCourse(
  args: { input: EnrolInCourseInput; idempotencyKey: string },
  ctx: WriteContext,
): Promise<EnrolInCourseResult> {
  const { input } = args;
  assertWriter(ctx.caller);
  const courseId = checkText(input.courseId, 'input.courseId', {
    max: 8,
    pattern: COURSE_ID,
    describe: 'must be a TRIO course id: TR and 4 to 6 digits, such as TR0001',
  });
  const deskId = enrolmentDesk(ctx.caller, input.desk);
  const fiscalCode = personOf(ctx.caller, input.fiscalCode);
  const key = upstreamIdempotencyKey(ctx.caller, 'enrolInCourse', args.idempotencyKey);
  const filed = await performWrite(
    () => ctx.writes.enrol({ fiscalCode, courseId, deskId }, key),
    fieldIn(ENROL_FIELDS),
  );
  // Anything read later in this request sees the new enrolment.
  ctx.loaders.enrollmentsByFiscalCode.clear(fiscalCode);
  return { enrollment: filed.record, replayed: filed.replayed };
}

export async function bookWorkstation(
  args: { input: BookWorkstationInput; idempotencyKey: string },
  ctx: WriteContext,
): Promise<BookWorkstationResult> {
  const { input } = args;
  assertWriter(ctx.caller);
  const workstationId = checkText(input.workstationId, 'input.workstationId', {
    max: 40,
    pattern: WORKSTATION_ID,
    describe: 'must be a TRIO workstation id such as PO-NORD-1',
  });
  const slot = checkSlot(input.start, input.end, (ctx.now ?? Date.now)());
  const fiscalCode = personOf(ctx.caller, input.fiscalCode);
  // The id names its desk: an operator at another desk is refused without asking trio.
  assertOwnDesk(ctx.caller, deskIdOfWorkstation(workstationId));
  // ...and trio's own record of the workstation decides (one GET, no write).
  const workstation = await ctx.loaders.workstationById.load(workstationId);
  if (workstation === null) {
    throw badUserInput(
      'input.workstationId names no workstation TRIO knows',
      'input.workstationId',
    );
  }
  assertOwnDesk(ctx.caller, workstation.deskId);
  const key = upstreamIdempotencyKey(ctx.caller, 'bookWorkstation', args.idempotencyKey);
  const filed = await performWrite(
    () => ctx.writes.book({ workstationId, start: slot.start, end: slot.end, fiscalCode }, key),
    fieldIn(BOOK_FIELDS),
  );
  // The payload's workstation is read again, with this booking among its bookings.
  ctx.loaders.workstationById.clear(workstationId);
  ctx.loaders.workstationsByDeskId.clear(workstation.deskId);
  return { booking: filed.record, workstationId, replayed: filed.replayed };
}

/** The payload's workstation, read after the booking. */
export async function bookedWorkstation(
  result: BookWorkstationResult,
  ctx: WriteContext,
): Promise<Workstation> {
  const workstation = await ctx.loaders.workstationById.load(result.workstationId);
  if (workstation === null) throw new UpstreamBadResponseError('trio', 'field postazione');
  return workstation;
}
