import { describe, expect, it } from 'vitest';
import { AREAS, FakeTrio, course, fiscalCode } from './fake-trio.js';
import { createLoaders, deskIdOfWorkstation } from './loaders.js';
import type { Enrollment, Workstation } from './model.js';

const OPTIONS = { courseConcurrency: 8 };

function enrollment(n: number, cf: string, courseId: string, day: string): Enrollment {
  return {
    id: `I${n}`,
    fiscalCode: cf,
    courseId,
    enrolledOn: day,
    status: 'COMPLETED',
    progress: 100,
    deskId: null,
  };
}

describe('courseById', () => {
  it('fetches each distinct id once, at most 8 in flight, answers in key order', async () => {
    const courses = Array.from({ length: 100 }, (_, i) => course(i + 1));
    const trio = new FakeTrio({ courses });
    const { courseById } = createLoaders(trio, OPTIONS);
    const ids = [
      ...courses.slice(0, 90).map((c) => c.id),
      ...courses.slice(0, 10).map((c) => c.id),
    ];
    const results = await Promise.all(ids.map((id) => courseById.load(id)));
    expect(results.map((c) => c?.id)).toEqual(ids);
    expect(trio.calls.courses).toHaveLength(90);
    expect(new Set(trio.calls.courses).size).toBe(90);
    expect(trio.maxInFlight).toBe(8);
  });

  it('keeps the cap across overlapping batches of one request', async () => {
    const trio = new FakeTrio({ courses: Array.from({ length: 40 }, (_, i) => course(i + 1)) }, 5);
    const { courseById } = createLoaders(trio, { courseConcurrency: 3 });
    const first = Promise.all(
      Array.from({ length: 20 }, (_, i) => courseById.load(course(i + 1).id)),
    );
    await new Promise((resolve) => setTimeout(resolve, 1));
    const second = Promise.all(
      Array.from({ length: 20 }, (_, i) => courseById.load(course(i + 21).id)),
    );
    await Promise.all([first, second]);
    expect(trio.calls.courses).toHaveLength(40);
    expect(trio.maxInFlight).toBe(3);
  });

  it('answers null for an unknown id and an Error only in the failed slot', async () => {
    const trio = new FakeTrio({ courses: [course(1), course(2)] });
    trio.failing.add('TR0002');
    const { courseById } = createLoaders(trio, OPTIONS);
    const results = await courseById.loadMany(['TR0001', 'TR0002', 'TR9999']);
    expect(results[0]).toMatchObject({ id: 'TR0001' });
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[2]).toBeNull();
  });

  it('answers null without a request for ids that could smuggle a path', async () => {
    const trio = new FakeTrio({ courses: [course(1)] });
    const { courseById } = createLoaders(trio, OPTIONS);
    const bad = [
      '../aree',
      'TR0001/../../x',
      'TR 1',
      '',
      'a'.repeat(33),
      'TR0001?x=1',
      '%2e%2e',
      'TR0001%2F',
    ];
    expect(await courseById.loadMany(bad)).toEqual(bad.map(() => null));
    expect(trio.calls.courses).toEqual([]);
  });

  it('treats an answer for another id as unknown', async () => {
    const trio = new FakeTrio({ courses: [course(1)] });
    trio.getCourse = () => Promise.resolve(course(2));
    const { courseById } = createLoaders(trio, OPTIONS);
    expect(await courseById.load('TR0001')).toBeNull();
  });

  it('is primed by a catalogue page, so its courses are not fetched again', async () => {
    const trio = new FakeTrio({ courses: Array.from({ length: 30 }, (_, i) => course(i + 1)) });
    const loaders = createLoaders(trio, OPTIONS);
    const page = await loaders.coursePage.load({ pagina: 1, dimensione: 20 });
    await Promise.all(page.items.map((c) => loaders.courseById.load(c.id)));
    expect(trio.calls.searches).toHaveLength(1);
    expect(trio.calls.courses).toEqual([]);
  });
});

describe('per-person loaders', () => {
  it('batch 45 fiscal codes into 20 + 20 + 5, grouped per person, oldest first', async () => {
    const codes = Array.from({ length: 45 }, (_, i) => fiscalCode(i));
    const enrollments = codes.flatMap((cf, i) => [
      enrollment(2 * i + 1, cf, 'TR0001', '2013-05-01'),
      enrollment(2 * i + 2, cf, 'TR0002', '2011-01-10'),
    ]);
    const trio = new FakeTrio({ enrollments });
    const { enrollmentsByFiscalCode } = createLoaders(trio, OPTIONS);
    const lists = await Promise.all(codes.map((cf) => enrollmentsByFiscalCode.load(cf)));
    expect(trio.calls.enrollments).toEqual([
      codes.slice(0, 20),
      codes.slice(20, 40),
      codes.slice(40),
    ]);
    lists.forEach((list, i) => {
      expect(list.map((e) => e.fiscalCode)).toEqual([codes[i], codes[i]]);
      expect(list.map((e) => e.enrolledOn)).toEqual(['2011-01-10', '2013-05-01']);
    });
  });

  it('ignores foreign records and gives malformed codes an empty list without sending them', async () => {
    const good = fiscalCode(1);
    const trio = new FakeTrio({ enrollments: [] });
    trio.getEnrollments = (codes) => {
      trio.calls.enrollments.push([...codes]);
      return Promise.resolve([
        enrollment(1, good, 'TR0001', '2012-01-01'),
        enrollment(2, fiscalCode(2), 'TR0001', '2012-01-01'),
      ]);
    };
    const { enrollmentsByFiscalCode } = createLoaders(trio, OPTIONS);
    const [forGood, forBad] = await Promise.all([
      enrollmentsByFiscalCode.load(good),
      enrollmentsByFiscalCode.load('NOT-A-CODE'),
    ]);
    expect(trio.calls.enrollments).toEqual([[good]]);
    expect(forGood?.map((e) => e.id)).toEqual(['I1']);
    expect(forBad).toEqual([]);
  });

  it('does not call trio when no code is valid', async () => {
    const trio = new FakeTrio({});
    const { certificatesByFiscalCode } = createLoaders(trio, OPTIONS);
    expect(await certificatesByFiscalCode.load('rssmra')).toEqual([]);
    expect(trio.calls.certificates).toEqual([]);
  });
});

describe('workstation loaders', () => {
  const ws = (deskId: string, n: number, starts: string[] = []): Workstation => ({
    id: `${deskId}-${n}`,
    deskId,
    label: `Postazione ${n}`,
    bookings: starts.map((s, i) => ({ id: `B${n}${i}`, startsAt: s, endsAt: s })),
  });

  it('batch desks by 20 and sort workstations and bookings', async () => {
    const desks = Array.from({ length: 25 }, (_, i) => `D${i}`);
    const trio = new FakeTrio({
      workstations: [
        ws('D0', 10),
        ws('D0', 2, ['2014-12-02T09:00:00+01:00', '2014-12-01T09:00:00+01:00']),
        ws('D1', 1),
      ],
    });
    const { workstationsByDeskId } = createLoaders(trio, OPTIONS);
    const lists = await Promise.all(desks.map((d) => workstationsByDeskId.load(d)));
    expect(trio.calls.workstations).toEqual([desks.slice(0, 20), desks.slice(20)]);
    expect(lists[0]?.map((w) => w.id)).toEqual(['D0-2', 'D0-10']);
    expect(lists[0]?.[0]?.bookings.map((b) => b.id)).toEqual(['B21', 'B20']);
    expect(lists[1]?.map((w) => w.id)).toEqual(['D1-1']);
    expect(lists[2]).toEqual([]);
  });

  it('resolve a workstation through its desk, one request for many workstations', async () => {
    const trio = new FakeTrio({
      workstations: [ws('PO-NORD', 1), ws('PO-NORD', 2), ws('PA-CGIL-1', 1)],
    });
    const { workstationById } = createLoaders(trio, OPTIONS);
    const found = await workstationById.loadMany([
      'PO-NORD-1',
      'PA-CGIL-1-1',
      'PO-NORD-2',
      'PO-NORD-9',
      'nonsense',
      'PO-NORD',
    ]);
    expect(found.map((w) => (w instanceof Error ? w : (w?.id ?? null)))).toEqual([
      'PO-NORD-1',
      'PA-CGIL-1-1',
      'PO-NORD-2',
      null,
      null,
      null,
    ]);
    expect(trio.calls.workstations).toEqual([['PO-NORD', 'PA-CGIL-1']]);
  });

  it('give ids that are not registry codes an empty list without sending them', async () => {
    const trio = new FakeTrio({ workstations: [ws('PO-NORD', 1)] });
    const { workstationsByDeskId } = createLoaders(trio, OPTIONS);
    const lists = await workstationsByDeskId.loadMany(['PO-NORD', 'po-nord', 'A,B', '']);
    expect(lists.map((l) => (Array.isArray(l) ? l.length : l))).toEqual([1, 0, 0, 0]);
    expect(trio.calls.workstations).toEqual([['PO-NORD']]);
  });

  it('derive the desk from the last numeric suffix only', () => {
    expect(deskIdOfWorkstation('PO-NORD-1')).toBe('PO-NORD');
    expect(deskIdOfWorkstation('PA-CGIL-1-12')).toBe('PA-CGIL-1');
    expect(deskIdOfWorkstation('MM-3')).toBe('MM');
    expect(deskIdOfWorkstation('MM')).toBeNull();
    expect(deskIdOfWorkstation('a,b-1')).toBeNull();
  });
});

describe('areas', () => {
  it('read the areas once per request, however many lookups', async () => {
    const trio = new FakeTrio({ areas: AREAS });
    const loaders = createLoaders(trio, OPTIONS);
    const [inf, none] = await Promise.all([
      loaders.areaByCode.load('INF'),
      loaders.areaByCode.load('XXX'),
      loaders.areas(),
    ]);
    expect(inf?.name).toBe('Informatica');
    expect(none).toBeNull();
    expect(trio.calls.areas).toBe(1);
  });
});

describe('answers with repeated or reordered records', () => {
  it('serve a catalogue page once per course, ordered by id, priming the first copy', async () => {
    const trio = new FakeTrio({});
    // The page reversed, with a second copy of TR0003 whose title differs.
    trio.searchCourses = (params) =>
      Promise.resolve({
        total: 3,
        page: params.pagina,
        size: params.dimensione,
        items: [course(3), course(2), course(1), { ...course(3), title: 'Course 3 BIS' }],
      });
    const loaders = createLoaders(trio, OPTIONS);
    const page = await loaders.coursePage.load({ pagina: 1, dimensione: 20 });
    expect(page.items.map((c) => c.id)).toEqual(['TR0001', 'TR0002', 'TR0003']);
    expect(page.items[2]?.title).toBe('Course 3');
    expect(page.total).toBe(3);
    expect((await loaders.courseById.load('TR0003'))?.title).toBe('Course 3');
  });

  it("give each person's enrolments and certificates once, the first copy kept", async () => {
    const cf = fiscalCode(1);
    const trio = new FakeTrio({});
    trio.getEnrollments = () =>
      Promise.resolve([
        enrollment(1, cf, 'TR0001', '2012-01-01'),
        enrollment(2, cf, 'TR0002', '2011-01-01'),
        { ...enrollment(1, cf, 'TR0001', '2012-01-01'), progress: 99 },
      ]);
    trio.getCertificates = () =>
      Promise.resolve([
        { id: 'T1', fiscalCode: cf, courseId: 'TR0001', issuedOn: '2012-03-01', score: 80 },
        { id: 'T1', fiscalCode: cf, courseId: 'TR0001', issuedOn: '2012-03-01', score: 79 },
      ]);
    const loaders = createLoaders(trio, OPTIONS);
    const enrollments = await loaders.enrollmentsByFiscalCode.load(cf);
    expect(enrollments.map((e) => e.id)).toEqual(['I2', 'I1']);
    expect(enrollments[1]?.progress).toBe(100);
    expect(await loaders.certificatesByFiscalCode.load(cf)).toMatchObject([
      { id: 'T1', score: 80 },
    ]);
  });

  it("give each desk's workstations and their bookings once", async () => {
    const trio = new FakeTrio({});
    const booking = {
      id: 'B1',
      startsAt: '2014-12-01T09:00:00+01:00',
      endsAt: '2014-12-01T10:00:00+01:00',
    };
    const station: Workstation = {
      id: 'MM-1',
      deskId: 'MM',
      label: 'Postazione 1',
      bookings: [booking, booking],
    };
    trio.getWorkstations = () =>
      Promise.resolve([station, { ...station, label: 'Postazione 1 BIS', bookings: [] }]);
    const list = await createLoaders(trio, OPTIONS).workstationsByDeskId.load('MM');
    expect(list).toEqual([{ ...station, bookings: [booking] }]);
  });
});
