// TRIO (the Region's e-learning portal): one method per endpoint, decoded models out.
import type { Page } from '../shared/decode.js';
import { RevalidatingDocument } from '../shared/revalidating-document.js';
import { UpstreamBadResponseError, UpstreamRejectedError } from '../shared/errors.js';
import {
  createUpstreamClient,
  type UpstreamHttpClient,
  type UpstreamResponse,
} from '../shared/upstream-client.js';
import type { UpstreamConfig } from '../shared/config.js';
import {
  USAGE_DIMENSION_CODES,
  decodeAreas,
  decodeCertificates,
  decodeCourse,
  decodeCoursePage,
  decodeCourseUsage,
  decodeEnrollment,
  decodeEnrollments,
  decodeFiledBooking,
  decodeWorkstations,
  type Certificate,
  type Course,
  type CourseArea,
  type CourseUsageDimension,
  type CourseUsageRow,
  type Enrollment,
  type FiledBooking,
  type Workstation,
} from './model.js';

export interface TrioClientOptions extends UpstreamConfig {
  /** How long the areas document is used before it is fetched again. Default 5 minutes. */
  areasMaxAgeMs?: number;
}

export const DEFAULT_AREAS_MAX_AGE_MS = 300_000;

/** Largest `cf` list trio accepts on /v1/iscrizioni and /v1/attestati. */
export const FISCAL_CODE_CAP = 20;
/** Largest `sportello` list trio accepts on /v1/postazioni. */
export const WORKSTATION_DESK_CAP = 20;
/** Largest `dimensione` of a catalogue page. */
export const COURSE_PAGE_CAP = 50;

/**
 * What may go into the /v1/corsi/{id} path segment. Anything else is answered as an
 * unknown course without a request, so no path can be smuggled through an id.
 */
const COURSE_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function isCourseId(id: string): boolean {
  return COURSE_ID.test(id);
}

/** What POST /v1/iscrizioni files: who, which course, at which desk's workstation (or none). */
export interface EnrolmentRequest {
  fiscalCode: string;
  courseId: string;
  deskId: string | null;
}

/** What POST /v1/prenotazioni files: which workstation, when, for whom. */
export interface BookingRequest {
  workstationId: string;
  start: string;
  end: string;
  fiscalCode: string;
}

/** A write's stored record, and whether trio answered a repeated key with its first answer. */
export interface Filed<T> {
  record: T;
  replayed: boolean;
}

export interface CourseSearch {
  area?: string | undefined;
  search?: string | undefined;
  certifiable?: boolean | undefined;
  pagina: number;
  dimensione: number;
}

export class TrioClient {
  private readonly http: UpstreamHttpClient;
  private readonly areas: RevalidatingDocument<CourseArea[]>;

  constructor(options: TrioClientOptions) {
    this.http = createUpstreamClient('trio', options, 'bearer');
    // trio sends no ETag, so this is a plain time-based copy: after maxAgeMs the whole
    // (small) document is fetched again. Concurrent callers share one request.
    this.areas = new RevalidatingDocument({
      fetch: () => this.http.get('/v1/aree'),
      decode: decodeAreas,
      maxAgeMs: options.areasMaxAgeMs ?? DEFAULT_AREAS_MAX_AGE_MS,
    });
  }

  /** GET /v1/aree, served from the cached copy. */
  getAreas(): Promise<CourseArea[]> {
    return this.areas.get();
  }

  /** GET /v1/corsi: one page of the catalogue (dimensione at most COURSE_PAGE_CAP). */
  async searchCourses(params: CourseSearch): Promise<Page<Course>> {
    const response = await this.http.get('/v1/corsi', {
      area: params.area,
      q: params.search,
      certificabile: params.certifiable,
      pagina: params.pagina,
      dimensione: params.dimensione,
    });
    return decodeCoursePage(response.body);
  }

  /** GET /v1/corsi/{id}: one course, or null when trio does not know it or refuses the id. */
  async getCourse(id: string): Promise<Course | null> {
    if (!isCourseId(id)) return null;
    let response: UpstreamResponse;
    try {
      response = await this.http.get(`/v1/corsi/${encodeURIComponent(id)}`, undefined, {
        accept: [404],
      });
    } catch (err) {
      // The path holds nothing but the id: a 400 means trio refuses its form, so no
      // course has it (trio's own ids are narrower than COURSE_ID, e.g. TR0001).
      if (err instanceof UpstreamRejectedError && err.status === 400) return null;
      throw err;
    }
    if (response.status === 404) return null;
    return decodeCourse(response.body);
  }

  /** GET /v1/iscrizioni for up to FISCAL_CODE_CAP fiscal codes. */
  async getEnrollments(fiscalCodes: readonly string[]): Promise<Enrollment[]> {
    const response = await this.http.get('/v1/iscrizioni', { cf: fiscalCodes });
    return decodeEnrollments(response.body);
  }

  /** GET /v1/attestati for up to FISCAL_CODE_CAP fiscal codes. */
  async getCertificates(fiscalCodes: readonly string[]): Promise<Certificate[]> {
    const response = await this.http.get('/v1/attestati', { cf: fiscalCodes });
    return decodeCertificates(response.body);
  }

  /** GET /v1/postazioni for up to WORKSTATION_DESK_CAP desks. */
  async getWorkstations(deskIds: readonly string[]): Promise<Workstation[]> {
    const response = await this.http.get('/v1/postazioni', { sportello: deskIds });
    return decodeWorkstations(response.body);
  }

  /** GET /v1/statistiche/utilizzo between two inclusive dates. */
  async getCourseUsage(params: {
    from: string;
    to: string;
    groupBy: readonly CourseUsageDimension[];
  }): Promise<CourseUsageRow[]> {
    const response = await this.http.get('/v1/statistiche/utilizzo', {
      dal: params.from,
      al: params.to,
      raggruppa:
        params.groupBy.length > 0
          ? params.groupBy.map((dim) => USAGE_DIMENSION_CODES[dim])
          : undefined,
    });
    return decodeCourseUsage(response.body);
  }

  /**
   * POST /v1/iscrizioni under `idempotencyKey` (the caller-bound key, never the client's own):
   * a repeated key gets the first answer back. Refusals throw UpstreamRejectedError.
   */
  async enrol(request: EnrolmentRequest, idempotencyKey: string): Promise<Filed<Enrollment>> {
    const response = await this.http.post(
      '/v1/iscrizioni',
      { codiceFiscale: request.fiscalCode, corso: request.courseId, sportello: request.deskId },
      { idempotencyKey },
    );
    const record = decodeEnrollment(response.body);
    // The answer must be the record asked for: anything else is trio's confusion.
    if (record.courseId !== request.courseId || record.fiscalCode !== request.fiscalCode) {
      throw new UpstreamBadResponseError('trio', 'the enrolment filed is not the one asked for');
    }
    return { record, replayed: response.replayed };
  }

  /** POST /v1/prenotazioni under `idempotencyKey`; a taken slot is a 409 UpstreamRejectedError. */
  async book(request: BookingRequest, idempotencyKey: string): Promise<Filed<FiledBooking>> {
    const response = await this.http.post(
      '/v1/prenotazioni',
      {
        postazione: request.workstationId,
        inizio: request.start,
        fine: request.end,
        codiceFiscale: request.fiscalCode,
      },
      { idempotencyKey },
    );
    const record = decodeFiledBooking(response.body);
    if (record.workstationId !== request.workstationId) {
      throw new UpstreamBadResponseError('trio', 'the booking filed is not the one asked for');
    }
    return { record, replayed: response.replayed };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
