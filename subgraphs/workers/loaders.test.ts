import { describe, expect, it } from 'vitest';
import { fakeData, fakeIdol, fakeWorker } from './fake-idol.js';
import { createLoaders } from './loaders.js';
import type { Candidacy, GuidanceSession, IncomeSupportEpisode } from './model.js';

const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => fakeWorker(from + i).id);

describe('worker loaders', () => {
  it('answer each id with its own worker whatever order, duplicates and foreign records IDOL sends', async () => {
    const { client, calls } = fakeIdol(fakeData(5));
    const loaders = createLoaders(client);
    const [w3, missing, w1, again] = await Promise.all(
      ['L0000003', 'L9999999', 'L0000001', 'L0000003'].map((id) => loaders.workerById.load(id)),
    );
    expect([w3?.id, missing, w1?.id, again?.id]).toEqual([
      'L0000003',
      null,
      'L0000001',
      'L0000003',
    ]);
    expect(calls).toEqual([['workersByIds', ['L0000003', 'L9999999', 'L0000001']]]);
  });

  it('split 250 distinct ids into batches of at most 100', async () => {
    const { client, calls } = fakeIdol(fakeData(250));
    const loaders = createLoaders(client);
    const wanted = ids(1, 250);
    const workers = await Promise.all(wanted.map((id) => loaders.workerById.load(id)));
    expect(workers.map((w) => w?.id)).toEqual(wanted);
    expect(calls).toEqual([
      ['workersByIds', wanted.slice(0, 100)],
      ['workersByIds', wanted.slice(100, 200)],
      ['workersByIds', wanted.slice(200)],
    ]);
  });

  it('batch fiscal-code lookups by 100 and coalesce duplicates', async () => {
    const data = fakeData(150);
    const { client, calls } = fakeIdol(data);
    const loaders = createLoaders(client);
    const codes = data.workers.map((w) => w.fiscalCodeKey);
    const workers = await Promise.all(
      [...codes, ...codes.slice(0, 30)].map((cf) => loaders.workerByFiscalCode.load(cf)),
    );
    expect(workers.map((w) => w?.fiscalCodeKey)).toEqual([...codes, ...codes.slice(0, 30)]);
    expect(calls).toEqual([
      ['workersByFiscalCodes', codes.slice(0, 100)],
      ['workersByFiscalCodes', codes.slice(100)],
    ]);
  });

  it('prime each person loader with what the other found, so switching keys costs nothing', async () => {
    const data = fakeData(4);
    const { client, calls } = fakeIdol(data);
    const loaders = createLoaders(client);
    const byCode = await loaders.workerByFiscalCode.load(data.workers[0]!.fiscalCodeKey);
    const byId = await loaders.workerById.load(data.workers[1]!.id);
    expect(await loaders.workerById.load(byCode!.id)).toBe(byCode);
    expect(await loaders.workerByFiscalCode.load(byId!.fiscalCodeKey)).toBe(byId);
    expect(calls).toEqual([
      ['workersByFiscalCodes', [data.workers[0]!.fiscalCodeKey]],
      ['workersByIds', [data.workers[1]!.id]],
    ]);
  });

  it('answer null, without asking IDOL, for keys that would not travel as one list element', async () => {
    const { client, calls } = fakeIdol(fakeData(2));
    const loaders = createLoaders(client);
    const results = await Promise.all(
      ['L0000001,L0000002', '', 'L0000002'].map((id) => loaders.workerById.load(id)),
    );
    expect(results.map((w) => w?.id ?? null)).toEqual([null, null, 'L0000002']);
    expect(await loaders.workerByFiscalCode.load('A B')).toBeNull();
    expect(calls).toEqual([['workersByIds', ['L0000002']]]);
  });

  it('give null to a person without a scheda, batching schede by 100', async () => {
    const { client, calls } = fakeIdol(fakeData(120));
    const loaders = createLoaders(client);
    const wanted = ids(1, 120);
    const profiles = await Promise.all(wanted.map((id) => loaders.profileByWorkerId.load(id)));
    // fakeData gives a scheda to the even-numbered workers only.
    expect(profiles.map((p) => p?.workerId ?? null)).toEqual(
      wanted.map((id, i) => (i % 2 === 1 ? id : null)),
    );
    expect(calls).toEqual([
      ['profilesByWorkerIds', wanted.slice(0, 100)],
      ['profilesByWorkerIds', wanted.slice(100)],
    ]);
  });

  it('group guidance sessions per worker, oldest first', async () => {
    const data = fakeData(3);
    const session = (id: string, workerId: string, date: string): GuidanceSession => ({
      id,
      workerId,
      deskId: 'PO-NORD',
      date,
      kind: 'RECEPTION',
      outcome: 'FOLLOW_UP',
    });
    data.sessions = [
      session('G3', 'L0000001', '2012-05-01'),
      session('G1', 'L0000001', '2011-01-01'),
      session('G2', 'L0000002', '2011-06-01'),
      session('G4', 'L0000001', '2011-01-01'),
    ];
    const { client, calls } = fakeIdol(data);
    const loaders = createLoaders(client);
    const [first, second, third] = await Promise.all(
      ids(1, 3).map((id) => loaders.guidanceSessionsByWorkerId.load(id)),
    );
    expect(first!.map((s) => s.id)).toEqual(['G1', 'G4', 'G3']);
    expect(second!.map((s) => s.id)).toEqual(['G2']);
    expect(third).toEqual([]);
    expect(calls).toEqual([['guidanceSessionsByWorkerIds', ids(1, 3)]]);
  });

  it('fetch candidates of 120 vacancies in batches of 50, best score first', async () => {
    const data = fakeData(1);
    const vacancies = Array.from({ length: 120 }, (_, i) => `O${String(i + 1).padStart(6, '0')}`);
    const candidacy = (vacancyId: string, workerId: string, score: number): Candidacy => ({
      vacancyId,
      workerId,
      score,
      status: 'PROPOSED',
      matchedOn: '2014-11-03',
    });
    data.candidacies = vacancies.flatMap((v) => [
      candidacy(v, 'L1', 0.4),
      candidacy(v, 'L2', 0.9),
      candidacy(v, 'L3', 0.4),
    ]);
    const { client, calls } = fakeIdol(data);
    const loaders = createLoaders(client);
    const results = await Promise.all(vacancies.map((v) => loaders.candidatesByVacancyId.load(v)));
    expect(results.every((list) => list.map((c) => c.workerId).join() === 'L2,L1,L3')).toBe(true);
    expect(calls).toEqual([
      ['candidaciesByVacancyIds', vacancies.slice(0, 50)],
      ['candidaciesByVacancyIds', vacancies.slice(50, 100)],
      ['candidaciesByVacancyIds', vacancies.slice(100)],
    ]);
  });

  it('fetch income-support episodes of employers in batches of 50, oldest first', async () => {
    const data = fakeData(1);
    const employers = Array.from({ length: 60 }, (_, i) => `A${String(i + 1).padStart(6, '0')}`);
    const episode = (employerId: string, from: string): IncomeSupportEpisode => ({
      workerId: 'L0000001',
      employerId,
      kind: 'CIG_IN_DEROGA',
      from,
      to: null,
    });
    data.episodes = [
      episode('A000002', '2012-01-01'),
      episode('A000002', '2010-01-01'),
      episode('A000060', '2011-01-01'),
    ];
    const { client, calls } = fakeIdol(data);
    const loaders = createLoaders(client);
    const results = await Promise.all(
      employers.map((e) => loaders.incomeSupportByEmployerId.load(e)),
    );
    expect(results[1]!.map((e) => e.from)).toEqual(['2010-01-01', '2012-01-01']);
    expect(results[59]).toHaveLength(1);
    expect(results[0]).toEqual([]);
    expect(calls.map(([method, keys]) => [method, keys.length])).toEqual([
      ['incomeSupportByEmployerIds', 50],
      ['incomeSupportByEmployerIds', 10],
    ]);
  });

  it('put a failed batch’s error in every slot of that batch only', async () => {
    const { client } = fakeIdol(fakeData(150));
    let call = 0;
    const failing = {
      ...client,
      workersByIds: (keys: readonly string[]) =>
        ++call === 2 ? Promise.reject(new Error('down')) : client.workersByIds(keys),
    };
    const loaders = createLoaders(failing);
    const results = await loaders.workerById.loadMany(ids(1, 150));
    expect(results.slice(0, 100).every((r) => !(r instanceof Error) && r !== null)).toBe(true);
    expect(results.slice(100).every((r) => r instanceof Error)).toBe(true);
  });

  it('prime the person loaders with the workers of a search page', async () => {
    const data = fakeData(10);
    const { client, calls } = fakeIdol(data);
    const loaders = createLoaders(client);
    const page = await loaders.jobSeekerPage.load({ pagina: 1, dimensione: 3 });
    await loaders.workerById.load(page.items[0]!.id);
    await loaders.workerByFiscalCode.load(page.items[1]!.fiscalCodeKey);
    expect(calls.map(([method]) => method)).toEqual(['searchJobSeekers']);
  });

  it('serve a search page once per person, ordered by id, priming the first copy', async () => {
    const { client } = fakeIdol(fakeData(3));
    const [w1, w2, w3] = [fakeWorker(1), fakeWorker(2), fakeWorker(3)];
    const scrambled = {
      ...client,
      // The page reversed, with a second copy of the first person whose name differs.
      searchJobSeekers: () =>
        Promise.resolve({
          total: 3,
          page: 1,
          size: 10,
          items: [w3, w2, w1, { ...w1, familyName: 'ROSSI1 BIS' }],
        }),
    };
    const loaders = createLoaders(scrambled);
    const page = await loaders.jobSeekerPage.load({ pagina: 1, dimensione: 10 });
    expect(page.items.map((w) => w.id)).toEqual([w1.id, w2.id, w3.id]);
    expect(page.total).toBe(3);
    expect((await loaders.workerById.load(w1.id))?.familyName).toBe('ROSSI1');
  });

  it('keep a foreign record sharing an id from taking the place of an asked one', async () => {
    const { client } = fakeIdol(fakeData(2));
    const session = (workerId: string): GuidanceSession => ({
      id: 'G1',
      workerId,
      deskId: 'PO-NORD',
      date: '2012-01-01',
      kind: 'RECEPTION',
      outcome: 'FOLLOW_UP',
    });
    const foreignFirst = {
      ...client,
      guidanceSessionsByWorkerIds: () =>
        Promise.resolve([session('L0000009'), session('L0000001'), session('L0000001')]),
    };
    const sessions = await createLoaders(foreignFirst).guidanceSessionsByWorkerId.load('L0000001');
    expect(sessions).toEqual([session('L0000001')]);
  });

  it('order income-support episodes the same whatever order IDOL sends them in', async () => {
    const episode = (kind: IncomeSupportEpisode['kind']): IncomeSupportEpisode => ({
      workerId: 'L0000001',
      employerId: 'A000001',
      kind,
      from: '2012-01-01',
      to: null,
    });
    const episodes = [episode('MOBILITY'), episode('CIGS'), episode('CIG_IN_DEROGA')];
    const answers = await Promise.all(
      [episodes, [...episodes].reverse()].map((sent) => {
        const { client } = fakeIdol(fakeData(1));
        const fixed = { ...client, incomeSupportByEmployerIds: () => Promise.resolve(sent) };
        return createLoaders(fixed).incomeSupportByEmployerId.load('A000001');
      }),
    );
    expect(answers[0]!.map((e) => e.kind)).toEqual(['CIGS', 'CIG_IN_DEROGA', 'MOBILITY']);
    expect(answers[1]).toEqual(answers[0]);
  });
});
