// Test-only: an in-memory trio that records every call the loaders make, and measures
// how many course requests were in flight at once. Not imported by production code.
import { fiscalCodeCheckChar } from '../../lib/fiscal-code.js';
import type { Page } from '../shared/decode.js';
import { fakePage } from '../shared/fake-page.js';
import { UpstreamRejectedError } from '../shared/errors.js';
import type { BookingRequest, CourseSearch, EnrolmentRequest, Filed } from './client.js';
import type { TrioApi } from './loaders.js';
import type { TrioWrites } from './mutations.js';
import type {
  Certificate,
  Course,
  CourseArea,
  CourseUsageRow,
  Enrollment,
  FiledBooking,
  Workstation,
} from './model.js';

export interface FakeTrioData {
  areas?: CourseArea[];
  courses?: Course[];
  enrollments?: Enrollment[];
  certificates?: Certificate[];
  workstations?: Workstation[];
  usage?: CourseUsageRow[];
}

export class FakeTrio implements TrioApi, TrioWrites {
  readonly calls = {
    /** Every write request, with the idempotency key it carried. */
    enrol: [] as { request: EnrolmentRequest; key: string }[],
    book: [] as { request: BookingRequest; key: string }[],
    areas: 0,
    searches: [] as CourseSearch[],
    courses: [] as string[],
    enrollments: [] as string[][],
    certificates: [] as string[][],
    workstations: [] as string[][],
    usage: 0,
  };
  /** Course ids whose request fails. */
  readonly failing = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  /** Stored answers per idempotency key, as trio keeps them: the body asked and the answer. */
  private readonly answers = new Map<string, { body: string; answer: unknown }>();
  private sequence = 0;

  constructor(
    readonly data: FakeTrioData,
    /** Milliseconds each course request takes, so that requests overlap. */
    private readonly courseLatencyMs = 2,
  ) {}

  getAreas(): Promise<CourseArea[]> {
    this.calls.areas++;
    return Promise.resolve(this.data.areas ?? []);
  }

  searchCourses(params: CourseSearch): Promise<Page<Course>> {
    this.calls.searches.push(params);
    const all = (this.data.courses ?? []).filter(
      (c) => params.area === undefined || c.areaCode === params.area,
    );
    return Promise.resolve(fakePage(all, params.pagina, params.dimensione));
  }

  async getCourse(id: string): Promise<Course | null> {
    this.calls.courses.push(id);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.courseLatencyMs));
      if (this.failing.has(id)) throw new Error('simulated failure');
      return (this.data.courses ?? []).find((c) => c.id === id) ?? null;
    } finally {
      this.inFlight--;
    }
  }

  getEnrollments(fiscalCodes: readonly string[]): Promise<Enrollment[]> {
    this.calls.enrollments.push([...fiscalCodes]);
    // Shuffled on purpose, as the simulators do: order must not matter.
    return Promise.resolve(
      (this.data.enrollments ?? []).filter((e) => fiscalCodes.includes(e.fiscalCode)).reverse(),
    );
  }

  getCertificates(fiscalCodes: readonly string[]): Promise<Certificate[]> {
    this.calls.certificates.push([...fiscalCodes]);
    return Promise.resolve(
      (this.data.certificates ?? []).filter((c) => fiscalCodes.includes(c.fiscalCode)).reverse(),
    );
  }

  getWorkstations(deskIds: readonly string[]): Promise<Workstation[]> {
    this.calls.workstations.push([...deskIds]);
    return Promise.resolve(
      (this.data.workstations ?? []).filter((w) => deskIds.includes(w.deskId)).reverse(),
    );
  }

  /** POST /v1/iscrizioni, with trio's rules: known course, no second enrolment in progress. */
  enrol(request: EnrolmentRequest, key: string): Promise<Filed<Enrollment>> {
    this.calls.enrol.push({ request, key });
    return this.filed(key, request, () => {
      if (!(this.data.courses ?? []).some((c) => c.id === request.courseId))
        throw rejected(422, 'RIFERIMENTO_SCONOSCIUTO', 'corso');
      const enrollments = (this.data.enrollments ??= []);
      if (
        enrollments.some(
          (e) =>
            e.fiscalCode === request.fiscalCode &&
            e.courseId === request.courseId &&
            e.status === 'IN_PROGRESS',
        )
      )
        throw rejected(409, 'CONFLITTO', 'corso');
      const enrollment: Enrollment = {
        id: `I${String(++this.sequence).padStart(7, '0')}`,
        fiscalCode: request.fiscalCode,
        courseId: request.courseId,
        enrolledOn: '2026-11-26',
        status: 'IN_PROGRESS',
        progress: 0,
        deskId: request.deskId,
      };
      enrollments.push(enrollment);
      return enrollment;
    });
  }

  /** POST /v1/prenotazioni, with trio's rules: known workstation, no overlapping slot. */
  book(request: BookingRequest, key: string): Promise<Filed<FiledBooking>> {
    this.calls.book.push({ request, key });
    return this.filed(key, request, () => {
      const station = (this.data.workstations ?? []).find((w) => w.id === request.workstationId);
      if (!station) throw rejected(422, 'RIFERIMENTO_SCONOSCIUTO', 'postazione');
      const [from, to] = [Date.parse(request.start), Date.parse(request.end)];
      if (station.bookings.some((b) => Date.parse(b.startsAt) < to && Date.parse(b.endsAt) > from))
        throw rejected(409, 'CONFLITTO', 'inizio');
      const booking = {
        id: `B${String(++this.sequence).padStart(7, '0')}`,
        startsAt: request.start,
        endsAt: request.end,
      };
      station.bookings.push(booking);
      return { ...booking, workstationId: station.id };
    });
  }

  /** One stored answer per key: the same body replays it, another body is refused. */
  private filed<T>(key: string, request: object, file: () => T): Promise<Filed<T>> {
    return Promise.resolve().then(() => {
      const body = JSON.stringify(request);
      const stored = this.answers.get(key);
      if (stored) {
        if (stored.body !== body) throw rejected(422, 'CHIAVE_IDEMPOTENZA_RIUSATA', undefined);
        return { record: stored.answer as T, replayed: true };
      }
      const record = file();
      this.answers.set(key, { body, answer: record });
      return { record, replayed: false };
    });
  }

  getCourseUsage(): Promise<CourseUsageRow[]> {
    this.calls.usage++;
    return Promise.resolve(this.data.usage ?? []);
  }
}

function rejected(status: number, code: string, campo: string | undefined): UpstreamRejectedError {
  return new UpstreamRejectedError('trio', status, code, campo === undefined ? {} : { campo });
}

export function course(n: number, areaCode = 'INF'): Course {
  const id = `TR${String(n).padStart(4, '0')}`;
  return {
    id,
    code: `${areaCode}-${String(n).padStart(4, '0')}`,
    title: `Course ${n}`,
    areaCode,
    hours: 12,
    level: 'BASIC',
    certifiable: n % 2 === 0,
    tutoring: false,
    description: null,
  };
}

/** A valid fiscal code, distinct for each n < 17576. */
export function fiscalCode(n: number): string {
  const letter = (k: number) => String.fromCharCode(65 + (Math.floor(k) % 26));
  const first15 = `${letter(n / 676)}${letter(n / 26)}${letter(n)}MRA80A01G999`;
  return first15 + fiscalCodeCheckChar(first15);
}

export const AREAS: CourseArea[] = [
  { code: 'INF', name: 'Informatica', description: null },
  { code: 'LIN', name: 'Lingue', description: 'Lingue straniere' },
];
