// Test-only: an in-memory trio that records every call the loaders make, and measures
// how many course requests were in flight at once. Not imported by production code.
import { fiscalCodeCheckChar } from '../../lib/fiscal-code.js';
import type { Page } from '../shared/decode.js';
import { fakePage } from '../shared/fake-page.js';
import type { CourseSearch } from './client.js';
import type { TrioApi } from './loaders.js';
import type {
  Certificate,
  Course,
  CourseArea,
  CourseUsageRow,
  Enrollment,
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

export class FakeTrio implements TrioApi {
  readonly calls = {
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

  getCourseUsage(): Promise<CourseUsageRow[]> {
    this.calls.usage++;
    return Promise.resolve(this.data.usage ?? []);
  }
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
