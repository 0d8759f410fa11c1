import { describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../shared/errors.js';
import type { EmployerCommunicationsQuery } from './client.js';
import { partitaIva, workerFiscalCode } from './fixtures.js';
import { createLoaders, type CoReader } from './loaders.js';
import type { Communication, CommunicationPage, Employer, Vacancy } from './model.js';

const employer = (id: string, fiscalCode = `0000000${id.slice(-4)}`): Employer => ({
  id,
  fiscalCode,
  name: `EMPLOYER ${id}`,
  atecoCode: '13.20.00',
  sizeClassCode: '2',
  seat: { street: 'Via Bologna 12', comuneCode: '100005', postalCode: '59100' },
  ccnlCode: null,
  delegations: [],
});

const communication = (id: string, over: Partial<Communication> = {}): Communication => ({
  id,
  code: `09014110000${id.slice(-5)}`,
  form: 'UNILAV',
  type: 'HIRING',
  nature: 'ORDINARY',
  previousCode: null,
  sentOn: '2011-01-09',
  employerId: 'A000001',
  workplaceCode: '100005',
  workerFiscalCode: 'RSSMRA80A01G999X',
  startDate: '2011-01-10',
  endDate: null,
  contractTypeCode: 'A.01.00',
  workingTimeCode: 'F',
  weeklyHours: null,
  ccnlCode: null,
  occupationCode: '6.5.3.1.0.1',
  transformationCode: null,
  cessationCauseCode: null,
  deskId: null,
  ...over,
});

const vacancy = (id: string, employerId: string, postedOn: string): Vacancy => ({
  id,
  employerId,
  occupationCode: '6.5.3.1.0.1',
  contractTypeCode: 'A.02.00',
  comuneCode: '100005',
  positions: 1,
  postedOn,
  closesOn: '2015-01-31',
  status: 'OPEN',
  description: 'x',
});

/** A co stand-in that records every call, answering in reverse order as co may. */
function fakeCo(overrides: Partial<CoReader> = {}) {
  const calls: Record<string, unknown[]> = {};
  const record = (method: string, arg: unknown) => (calls[method] ??= []).push(arg);
  const client: CoReader = {
    getEmployersByIds: (ids) => {
      record('getEmployersByIds', [...ids]);
      return Promise.resolve(ids.map((id) => employer(id)).reverse());
    },
    getEmployersByFiscalCodes: (cfs) => {
      record('getEmployersByFiscalCodes', [...cfs]);
      return Promise.resolve(cfs.map((cf, i) => employer(`A9${String(i).padStart(5, '0')}`, cf)));
    },
    searchEmployers: (search) => {
      record('searchEmployers', search);
      return Promise.resolve({
        total: 1,
        page: search.pagina,
        size: search.dimensione,
        items: [employer('A000777')],
      });
    },
    getCommunicationsByIds: (ids) => {
      record('getCommunicationsByIds', [...ids]);
      return Promise.resolve(ids.map((id) => communication(id)).reverse());
    },
    getEmployerCommunications: (query) => {
      record('getEmployerCommunications', query);
      return Promise.resolve({
        items: [communication('C00000001', { employerId: query.employerId })],
        nextCursor: null,
        total: 1,
      });
    },
    getCommunicationsByWorkerFiscalCodes: (cfs) => {
      record('getCommunicationsByWorkerFiscalCodes', [...cfs]);
      // Each worker has two communications, answered newest first.
      return Promise.resolve(
        cfs.flatMap((cf, i) => [
          communication(`C1${String(i).padStart(7, '0')}`, {
            workerFiscalCode: cf,
            startDate: '2012-05-01',
          }),
          communication(`C0${String(i).padStart(7, '0')}`, {
            workerFiscalCode: cf,
            startDate: '2011-02-01',
          }),
        ]),
      );
    },
    getVacanciesByIds: (ids) => {
      record('getVacanciesByIds', [...ids]);
      return Promise.resolve(ids.map((id) => vacancy(id, 'A000001', '2014-11-03')));
    },
    getEmployerVacancies: (employerId) => {
      record('getEmployerVacancies', employerId);
      return Promise.resolve([
        vacancy('O000001', employerId, '2014-01-03'),
        vacancy('O000002', employerId, '2014-11-03'),
        vacancy('O000001', employerId, '2014-01-03'),
        vacancy('O000009', 'A999999', '2014-12-03'),
      ]);
    },
    searchVacancies: (search) => {
      record('searchVacancies', search);
      return Promise.resolve({ total: 0, page: search.pagina, size: search.dimensione, items: [] });
    },
    getFlows: (query) => {
      record('getFlows', query);
      return Promise.resolve([]);
    },
    ...overrides,
  };
  return { client, calls };
}

describe('employerById', () => {
  it('coalesces the ids of one tick into one request and answers in key order', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    const found = await Promise.all(
      ['A000003', 'A000001', 'A000002', 'A000001'].map((id) => loaders.employerById.load(id)),
    );
    expect(calls.getEmployersByIds).toEqual([['A000003', 'A000001', 'A000002']]);
    expect(found.map((e) => e?.id)).toEqual(['A000003', 'A000001', 'A000002', 'A000001']);
  });

  it('chunks 120 ids into requests of at most 50, co cap', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    const ids = Array.from({ length: 120 }, (_, i) => `A${String(i).padStart(6, '0')}`);
    await loaders.employerById.loadMany(ids);
    expect((calls.getEmployersByIds as string[][]).map((batch) => batch.length)).toEqual([
      50, 50, 20,
    ]);
  });

  it('fails only the keys of a chunk whose request failed', async () => {
    const { client } = fakeCo();
    let call = 0;
    const flaky: CoReader = {
      ...client,
      getEmployersByIds: (ids) =>
        ++call === 2
          ? Promise.reject(new UpstreamUnavailableError('co'))
          : client.getEmployersByIds(ids),
    };
    const ids = Array.from({ length: 120 }, (_, i) => `A${String(i).padStart(6, '0')}`);
    const found = await createLoaders(flaky).employerById.loadMany(ids);
    const failedAt = found.flatMap((e, i) => (e instanceof Error ? [i] : []));
    expect(failedAt).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
    expect(found[0]).toMatchObject({ id: 'A000000' });
    expect(found[119]).toMatchObject({ id: 'A000119' });
  });

  it('answers null for ids co does not return, ignoring foreign and duplicate records', async () => {
    const { client } = fakeCo({
      getEmployersByIds: () =>
        Promise.resolve([employer('A000002'), employer('A000002'), employer('B123456')]),
    });
    const loaders = createLoaders(client);
    const [a, b] = await Promise.all([
      loaders.employerById.load('A000001'),
      loaders.employerById.load('A000002'),
    ]);
    expect(a).toBeNull();
    expect(b?.id).toBe('A000002');
  });

  it('never sends an id co would refuse, which would fail the whole batch', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    const found = await Promise.all(
      ['A000001,A000002', 'A1', 'C00000001', 'A000003'].map((id) => loaders.employerById.load(id)),
    );
    expect(calls.getEmployersByIds).toEqual([['A000003']]);
    expect(found.map((e) => e?.id ?? null)).toEqual([null, null, null, 'A000003']);
  });

  it('sends nothing when every id is malformed', async () => {
    const { client, calls } = fakeCo();
    expect(await createLoaders(client).employerById.load('x y')).toBeNull();
    expect(calls.getEmployersByIds).toBeUndefined();
  });
});

describe('employerByFiscalCode', () => {
  it('batches partite IVA and primes employerById', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    const codes = [partitaIva('0123456789'), partitaIva('0987654321')];
    const [first] = await Promise.all(
      [...codes, '01234567891'].map((cf) => loaders.employerByFiscalCode.load(cf)),
    );
    expect(calls.getEmployersByFiscalCodes).toEqual([codes]);
    expect(await loaders.employerById.load(first?.id ?? '')).toBe(first);
    expect(calls.getEmployersByIds).toBeUndefined();
  });
});

describe('communicationById', () => {
  it('batches by 50 and keeps key order', async () => {
    const { client, calls } = fakeCo();
    const ids = Array.from({ length: 60 }, (_, i) => `C${String(i).padStart(8, '0')}`);
    const found = await createLoaders(client).communicationById.loadMany(ids);
    expect((calls.getCommunicationsByIds as string[][]).map((b) => b.length)).toEqual([50, 10]);
    expect(found.map((c) => (c instanceof Error ? c : c?.id))).toEqual(ids);
  });
});

describe('communicationsByEmployerId', () => {
  const page = (
    employerId: string,
    over: Partial<EmployerCommunicationsQuery> = {},
  ): EmployerCommunicationsQuery => ({
    employerId,
    limit: 100,
    ...over,
  });

  it('costs one request per distinct page and coalesces identical pages', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    await Promise.all([
      loaders.communicationsByEmployerId.load(page('A000001')),
      loaders.communicationsByEmployerId.load(page('A000002')),
      loaders.communicationsByEmployerId.load(page('A000001')),
      loaders.communicationsByEmployerId.load(page('A000001', { type: 'CES' })),
    ]);
    expect(calls.getEmployerCommunications).toEqual([
      page('A000001'),
      page('A000002'),
      page('A000001', { type: 'CES' }),
    ]);
  });

  it('fails only the page whose request failed', async () => {
    const { client } = fakeCo();
    const failing: CoReader = {
      ...client,
      getEmployerCommunications: (q) =>
        q.employerId === 'A000002'
          ? Promise.reject(new UpstreamUnavailableError('co'))
          : client.getEmployerCommunications(q),
    };
    const loaders = createLoaders(failing);
    const [ok, failed] = await Promise.allSettled([
      loaders.communicationsByEmployerId.load(page('A000001')),
      loaders.communicationsByEmployerId.load(page('A000002')),
    ]);
    expect(ok.status).toBe('fulfilled');
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('drops rows of other employers and primes communicationById with the page', async () => {
    const { client, calls } = fakeCo({
      getEmployerCommunications: () =>
        Promise.resolve<CommunicationPage>({
          items: [
            communication('C00000001'),
            communication('C00000002', { employerId: 'A000009' }),
          ],
          nextCursor: 'next',
          total: 2,
        }),
    });
    const loaders = createLoaders(client);
    const result = await loaders.communicationsByEmployerId.load(page('A000001'));
    expect(result.items.map((c) => c.id)).toEqual(['C00000001']);
    expect(result.nextCursor).toBe('next');
    expect((await loaders.communicationById.load('C00000001'))?.id).toBe('C00000001');
    expect(calls.getCommunicationsByIds).toBeUndefined();
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const { client } = fakeCo();
    const slow: CoReader = {
      ...client,
      getEmployerCommunications: async (q) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return client.getEmployerCommunications(q);
      },
    };
    const loaders = createLoaders(slow, { concurrency: 3 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        loaders.communicationsByEmployerId.load(page(`A00000${i}`)),
      ),
    );
    expect(peak).toBe(3);
  });
});

describe('communicationsByWorkerFiscalCode', () => {
  it('loads the histories of 120 workers in 3 requests (50 + 50 + 20)', async () => {
    const { client, calls } = fakeCo();
    const codes = Array.from({ length: 120 }, (_, i) => workerFiscalCode(i));
    const histories = await createLoaders(client).communicationsByWorkerFiscalCode.loadMany(codes);
    expect((calls.getCommunicationsByWorkerFiscalCodes as string[][]).map((b) => b.length)).toEqual(
      [50, 50, 20],
    );
    histories.forEach((history, i) => {
      if (history instanceof Error) throw history;
      expect(history.map((c) => c.workerFiscalCode)).toEqual([codes[i], codes[i]]);
    });
  });

  it('settles every chunk together, so the employers of all rows meet in one batch', async () => {
    let delay = 15;
    const { client, calls } = fakeCo();
    const staggered: CoReader = {
      ...client,
      // Chunks answer at different times, as they do over the network.
      getCommunicationsByWorkerFiscalCodes: async (cfs) => {
        await new Promise((resolve) => setTimeout(resolve, (delay -= 5)));
        return client.getCommunicationsByWorkerFiscalCodes(cfs);
      },
    };
    const loaders = createLoaders(staggered);
    const codes = Array.from({ length: 120 }, (_, i) => workerFiscalCode(i));
    await Promise.all(
      codes.map(async (cf) => {
        const history = await loaders.communicationsByWorkerFiscalCode.load(cf);
        return Promise.all(history.map((c) => loaders.employerById.load(c.employerId)));
      }),
    );
    expect(calls.getCommunicationsByWorkerFiscalCodes).toHaveLength(3);
    expect(calls.getEmployersByIds).toEqual([['A000001']]);
  });

  it('groups per worker, oldest first, without duplicates, empty for unknown workers', async () => {
    const { client } = fakeCo({
      getCommunicationsByWorkerFiscalCodes: () =>
        Promise.resolve([
          communication('C00000003', {
            workerFiscalCode: workerFiscalCode(1),
            startDate: '2013-01-01',
          }),
          communication('C00000002', {
            workerFiscalCode: workerFiscalCode(1),
            startDate: '2011-01-01',
          }),
          communication('C00000001', {
            workerFiscalCode: workerFiscalCode(1),
            startDate: '2013-01-01',
          }),
          communication('C00000002', {
            workerFiscalCode: workerFiscalCode(1),
            startDate: '2011-01-01',
          }),
          communication('C00000009', {
            workerFiscalCode: workerFiscalCode(9),
            startDate: '2011-01-01',
          }),
        ]),
    });
    const loaders = createLoaders(client);
    const [known, unknown] = await Promise.all([
      loaders.communicationsByWorkerFiscalCode.load(workerFiscalCode(1)),
      loaders.communicationsByWorkerFiscalCode.load(workerFiscalCode(2)),
    ]);
    expect(known.map((c) => c.id)).toEqual(['C00000002', 'C00000001', 'C00000003']);
    expect(unknown).toEqual([]);
  });

  it('never sends a key that is not a valid fiscal code', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    const valid = workerFiscalCode(2);
    const wrongCheck = valid.slice(0, 15) + (valid.endsWith('A') ? 'B' : 'A');
    const histories = await Promise.all(
      ['A,B', wrongCheck, workerFiscalCode(1)].map((cf) =>
        loaders.communicationsByWorkerFiscalCode.load(cf),
      ),
    );
    expect(histories.map((h) => h.length)).toEqual([0, 0, 2]);
    expect(calls.getCommunicationsByWorkerFiscalCodes).toEqual([[workerFiscalCode(1)]]);
  });
});

describe('vacanciesByEmployerId', () => {
  it('asks once per employer and answers its own vacancies, newest first, without duplicates', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    const [a, , b] = await Promise.all([
      loaders.vacanciesByEmployerId.load('A000001'),
      loaders.vacanciesByEmployerId.load('A000001'),
      loaders.vacanciesByEmployerId.load('A000002'),
    ]);
    expect(calls.getEmployerVacancies).toEqual(['A000001', 'A000002']);
    expect(a.map((v) => v.id)).toEqual(['O000002', 'O000001']);
    expect(b.map((v) => v.employerId)).toEqual(['A000002', 'A000002']);
    expect((await loaders.vacancyById.load('O000002'))?.id).toBe('O000002');
    expect(calls.getVacanciesByIds).toBeUndefined();
  });
});

describe('searches', () => {
  it('coalesce identical pages and prime the entities they return', async () => {
    const { client, calls } = fakeCo();
    const loaders = createLoaders(client);
    const search = { ateco: '13', pagina: 1, dimensione: 50 };
    await Promise.all([
      loaders.employerSearch.load(search),
      loaders.employerSearch.load({ ...search }),
    ]);
    expect(calls.searchEmployers).toEqual([search]);
    expect((await loaders.employerById.load('A000777'))?.id).toBe('A000777');
    expect(calls.getEmployersByIds).toBeUndefined();
  });
});

describe('answers with repeated, reordered or foreign records', () => {
  it('serve a search page once per employer and vacancy, by id, the first copy kept', async () => {
    const { client } = fakeCo({
      // The page reversed, with a second copy of A000001 whose name differs.
      searchEmployers: (search) =>
        Promise.resolve({
          total: 3,
          page: search.pagina,
          size: search.dimensione,
          items: [
            employer('A000003'),
            employer('A000001'),
            employer('A000002'),
            { ...employer('A000001'), name: 'EMPLOYER A000001 BIS' },
          ],
        }),
      searchVacancies: (search) =>
        Promise.resolve({
          total: 2,
          page: search.pagina,
          size: search.dimensione,
          items: [
            vacancy('O000002', 'A000001', '2014-01-01'),
            vacancy('O000001', 'A000001', '2014-01-01'),
            vacancy('O000002', 'A000001', '2014-01-01'),
          ],
        }),
    });
    const loaders = createLoaders(client);
    const employers = await loaders.employerSearch.load({ pagina: 1, dimensione: 10 });
    expect(employers.items.map((e) => e.id)).toEqual(['A000001', 'A000002', 'A000003']);
    expect(employers.items[0]?.name).toBe('EMPLOYER A000001');
    expect(employers.total).toBe(3);
    expect((await loaders.employerById.load('A000001'))?.name).toBe('EMPLOYER A000001');
    const vacancies = await loaders.vacancySearch.load({ pagina: 1, dimensione: 10 });
    expect(vacancies.items.map((v) => v.id)).toEqual(['O000001', 'O000002']);
  });

  it("serve an employer's page once per communication, by start date then id", async () => {
    const { client } = fakeCo({
      getEmployerCommunications: () =>
        Promise.resolve<CommunicationPage>({
          items: [
            communication('C00000003', { startDate: '2011-01-01' }),
            communication('C00000002', { startDate: '2012-01-01' }),
            communication('C00000001', { startDate: '2012-01-01' }),
            communication('C00000003', { startDate: '2011-01-01', weeklyHours: 20 }),
          ],
          nextCursor: 'next',
          total: 40,
        }),
    });
    const page = await createLoaders(client).communicationsByEmployerId.load({
      employerId: 'A000001',
      limit: 3,
    });
    expect(page.items.map((c) => c.id)).toEqual(['C00000003', 'C00000001', 'C00000002']);
    expect(page.items[0]?.weeklyHours).toBeNull();
    expect(page).toMatchObject({ nextCursor: 'next', total: 40 });
  });

  it('keep a foreign record of one chunk from passing for the record of a key another chunk asked for', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `A${String(i + 1).padStart(6, '0')}`);
    const { client } = fakeCo({
      // The first chunk (50 ids) also answers a record for A000060, which it did not ask.
      getEmployersByIds: (asked) =>
        Promise.resolve([
          ...asked.map((id) => employer(id)),
          ...(asked.includes('A000001') ? [{ ...employer('A000060'), name: 'FOREIGN' }] : []),
        ]),
    });
    const found = await createLoaders(client).employerById.loadMany(ids);
    expect(found.map((e) => (e instanceof Error ? e : e?.id))).toEqual(ids);
    expect(found[59]).toMatchObject({ id: 'A000060', name: 'EMPLOYER A000060' });
  });

  it("drop a foreign history row another chunk's worker would otherwise get twice, and do not prime it", async () => {
    const codes = Array.from({ length: 51 }, (_, i) => workerFiscalCode(i));
    const { client, calls } = fakeCo({
      getCommunicationsByWorkerFiscalCodes: (cfs) => {
        (calls.getCommunicationsByWorkerFiscalCodes ??= []).push([...cfs]);
        const own = cfs.map((cf, i) =>
          communication(`C${cfs.length}${String(i).padStart(7, '0')}`, { workerFiscalCode: cf }),
        );
        // The first chunk answers a row of the 51st worker, whom only the second chunk asked.
        const foreign = cfs.includes(codes[0] as string)
          ? [communication('C99999999', { workerFiscalCode: codes[50] as string })]
          : [];
        return Promise.resolve([...own, ...foreign]);
      },
    });
    const loaders = createLoaders(client);
    const histories = await loaders.communicationsByWorkerFiscalCode.loadMany(codes);
    expect(calls.getCommunicationsByWorkerFiscalCodes).toHaveLength(2);
    const last = histories[50];
    if (last instanceof Error || last === undefined) throw new Error('no history');
    expect(last.map((c) => c.id)).toEqual(['C10000000']);
    expect(await loaders.communicationById.load('C99999999')).toEqual(communication('C99999999'));
  });
});
