// Decodes TRIO's Italian JSON (upstreams/API.md, "trio") into domain types.
import { distinctBy } from '../shared/batch.js';
import { Decoder, type Page } from '../shared/decode.js';

const d = new Decoder('trio');

export type CourseLevel = 'BASIC' | 'INTERMEDIATE' | 'ADVANCED';
export type EnrollmentStatus = 'IN_PROGRESS' | 'COMPLETED' | 'WITHDRAWN';
export type CourseUsageDimension = 'MONTH' | 'DESK' | 'AREA';

export interface CourseArea {
  code: string;
  name: string;
  description: string | null;
}

export interface Course {
  id: string;
  code: string;
  title: string;
  areaCode: string;
  hours: number;
  level: CourseLevel;
  certifiable: boolean;
  tutoring: boolean;
  description: string | null;
}

export interface Enrollment {
  id: string;
  /** Upper case; used only to group the answer per person, never exposed. */
  fiscalCode: string;
  courseId: string;
  enrolledOn: string;
  status: EnrollmentStatus;
  progress: number;
  deskId: string | null;
}

export interface Certificate {
  id: string;
  /** Upper case; used only to group the answer per person, never exposed. */
  fiscalCode: string;
  courseId: string;
  issuedOn: string;
  score: number;
}

/** A booked slot. Who booked it is deliberately not decoded: it is never shown. */
export interface Booking {
  id: string;
  startsAt: string;
  endsAt: string;
}

export interface Workstation {
  id: string;
  deskId: string;
  label: string;
  bookings: Booking[];
}

export interface CourseUsageRow {
  month: string | null;
  deskId: string | null;
  areaCode: string | null;
  enrollments: number;
  completions: number;
  people: number;
}

const LEVELS: Record<string, CourseLevel> = {
  BASE: 'BASIC',
  INTERMEDIO: 'INTERMEDIATE',
  AVANZATO: 'ADVANCED',
};

const STATUSES: Record<string, EnrollmentStatus> = {
  IN_CORSO: 'IN_PROGRESS',
  COMPLETATO: 'COMPLETED',
  RITIRATO: 'WITHDRAWN',
};

/** The `raggruppa` value for each dimension of /v1/statistiche/utilizzo. */
export const USAGE_DIMENSION_CODES: Record<CourseUsageDimension, string> = {
  MONTH: 'mese',
  DESK: 'sportello',
  AREA: 'area',
};

/** GET /v1/aree: each area once (the first copy when trio repeats one, shared/batch.ts). */
export function decodeAreas(body: unknown): CourseArea[] {
  const areas = d.list(d.record(body, 'body'), 'aree', (value, path) => {
    const a = d.record(value, path);
    return {
      code: d.string(a, 'codice'),
      name: d.string(a, 'denominazione'),
      description: d.optionalString(a, 'descrizione'),
    };
  });
  return distinctBy(areas, (a) => a.code);
}

function decodeCourseRecord(value: unknown, path: string): Course {
  const c = d.record(value, path);
  return {
    id: d.string(c, 'id'),
    code: d.string(c, 'codice'),
    title: d.string(c, 'titolo'),
    areaCode: d.string(c, 'area'),
    hours: d.number(c, 'ore'),
    level: d.oneOf(c, 'livello', LEVELS),
    certifiable: d.boolean(c, 'certificabile'),
    tutoring: d.boolean(c, 'tutor'),
    description: d.optionalString(c, 'descrizione'),
  };
}

/** GET /v1/corsi/{id}: one course document. */
export function decodeCourse(body: unknown): Course {
  return decodeCourseRecord(body, 'body');
}

/** GET /v1/corsi: a page of the catalogue. */
export function decodeCoursePage(body: unknown): Page<Course> {
  return d.page(body, 'corsi', decodeCourseRecord);
}

function decodeEnrollmentRecord(value: unknown, path: string): Enrollment {
  const e = d.record(value, path);
  return {
    id: d.string(e, 'id'),
    fiscalCode: d.string(e, 'codiceFiscale').toUpperCase(),
    courseId: d.string(e, 'corso'),
    enrolledOn: d.string(e, 'data'),
    status: d.oneOf(e, 'stato', STATUSES),
    progress: d.number(e, 'avanzamento'),
    deskId: d.optionalString(e, 'sportello'),
  };
}

export function decodeEnrollments(body: unknown): Enrollment[] {
  return d.list(d.record(body, 'body'), 'iscrizioni', decodeEnrollmentRecord);
}

/** POST /v1/iscrizioni: the stored enrolment, as GET /v1/iscrizioni lists it. */
export function decodeEnrollment(body: unknown): Enrollment {
  return decodeEnrollmentRecord(body, 'body');
}

/** A booking as POST /v1/prenotazioni answers it: the slot and its workstation. */
export interface FiledBooking extends Booking {
  workstationId: string;
}

/** POST /v1/prenotazioni: the stored booking. Who booked it is not decoded. */
export function decodeFiledBooking(body: unknown): FiledBooking {
  const b = d.record(body, 'body');
  return {
    id: d.string(b, 'id'),
    workstationId: d.string(b, 'postazione'),
    startsAt: d.string(b, 'inizio'),
    endsAt: d.string(b, 'fine'),
  };
}

export function decodeCertificates(body: unknown): Certificate[] {
  return d.list(d.record(body, 'body'), 'attestati', (value, path) => {
    const t = d.record(value, path);
    return {
      id: d.string(t, 'id'),
      fiscalCode: d.string(t, 'codiceFiscale').toUpperCase(),
      courseId: d.string(t, 'corso'),
      issuedOn: d.string(t, 'data'),
      score: d.number(t, 'punteggio'),
    };
  });
}

export function decodeWorkstations(body: unknown): Workstation[] {
  return d.list(d.record(body, 'body'), 'postazioni', (value, path) => {
    const w = d.record(value, path);
    return {
      id: d.string(w, 'id'),
      deskId: d.string(w, 'sportello'),
      label: d.string(w, 'etichetta'),
      bookings: d.list(w, 'prenotazioni', (slot, p) => {
        const b = d.record(slot, p);
        return {
          id: d.string(b, 'id'),
          startsAt: d.string(b, 'inizio'),
          endsAt: d.string(b, 'fine'),
        };
      }),
    };
  });
}

export function decodeCourseUsage(body: unknown): CourseUsageRow[] {
  return d.list(d.record(body, 'body'), 'gruppi', (value, path) => {
    const g = d.record(value, path);
    return {
      month: d.optionalString(g, 'mese'),
      deskId: d.optionalString(g, 'sportello'),
      areaCode: d.optionalString(g, 'area'),
      enrollments: d.number(g, 'iscrizioni'),
      completions: d.number(g, 'completati'),
      people: d.number(g, 'persone'),
    };
  });
}
