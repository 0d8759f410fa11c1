// An in-memory IDOL for unit tests: answers like the real one (unknown ids absent, order
// not guaranteed: it answers in reverse, with a duplicate and a foreign record) and
// records every call so that tests can assert the batches that reached it.
import { fiscalCodeCheckChar } from '../../lib/fiscal-code.js';
import type { Page } from '../shared/decode.js';
import { fakePage } from '../shared/fake-page.js';
import type { IdolApi, JobSeekerSearch } from './client.js';
import type { IdolWriteApi } from './writes.js';
import type {
  Candidacy,
  GuidanceSession,
  IncomeSupportEpisode,
  JobSeekerProfile,
  RegistrationCell,
  Worker,
} from './model.js';

export type IdolCall = [method: string, keys: string[]];

/** A valid fiscal code, different for each n < 1000. */
export function fakeFiscalCode(n: number): string {
  const first15 = `RSSMRA80A01G${String(n).padStart(3, '0')}`;
  return first15 + fiscalCodeCheckChar(first15);
}

export function fakeWorker(n: number): Worker {
  const fiscalCode = fakeFiscalCode(n);
  return {
    id: `L${String(n).padStart(7, '0')}`,
    fiscalCode,
    fiscalCodeKey: fiscalCode,
    givenName: 'MARIO',
    familyName: `ROSSI${n}`,
    sex: 'MALE',
    birthDate: '1980-01-01',
    birthPlaceCode: n % 2 === 0 ? 'G999' : 'Z210',
    citizenshipCode: '000',
    residence:
      n % 3 === 0 ? null : { street: 'Via Roma 1', comuneCode: '100005', postalCode: '59100' },
    educationLevelCode: n % 5 === 0 ? null : '4',
  };
}

export function fakeProfile(worker: Worker): JobSeekerProfile {
  return {
    workerId: worker.id,
    deskId: 'PO-NORD',
    status: 'UNEMPLOYED',
    conditionCode: null,
    unemployedSince: '2011-03-04',
    availabilityDeclaration: {
      signedOn: '2011-03-04',
      deskId: 'PO-NORD',
      endedOn: null,
      endCauseCode: null,
    },
    servicePacts: [
      { signedOn: '2012-01-10', deskId: 'PO-EST' },
      { signedOn: '2011-03-11', deskId: 'PO-NORD' },
    ],
    specialLists: [],
    incomeSupport: [
      { workerId: worker.id, employerId: 'A000001', kind: 'CIGS', from: '2010-02-01', to: null },
    ],
  };
}

export interface FakeIdolData {
  workers: Worker[];
  profiles: JobSeekerProfile[];
  sessions: GuidanceSession[];
  candidacies: Candidacy[];
  episodes: IncomeSupportEpisode[];
  cells: RegistrationCell[];
}

/** `count` workers, the even-numbered ones with a scheda. */
export function fakeData(count: number): FakeIdolData {
  const workers = Array.from({ length: count }, (_, i) => fakeWorker(i + 1));
  return {
    workers,
    profiles: workers.filter((_, i) => i % 2 === 1).map(fakeProfile),
    sessions: [],
    candidacies: [],
    episodes: [],
    cells: [],
  };
}

/** Reversed, with the first record repeated and a record nobody asked for. */
function scramble<T>(records: T[], foreign: T | undefined): T[] {
  const out = [...records].reverse();
  if (records[0] !== undefined) out.push(records[0]);
  if (foreign !== undefined) out.push(foreign);
  return out;
}

export function fakeIdol(data: FakeIdolData): {
  client: IdolApi;
  calls: IdolCall[];
  writes: IdolWriteApi;
} {
  const calls: IdolCall[] = [];
  const pick = <T>(
    method: string,
    keys: readonly string[],
    all: T[],
    keyOf: (r: T) => string,
  ): Promise<T[]> => {
    calls.push([method, [...keys]]);
    const wanted = new Set(keys);
    return Promise.resolve(
      scramble(
        all.filter((r) => wanted.has(keyOf(r))),
        all.find((r) => !wanted.has(keyOf(r))),
      ),
    );
  };
  const client: IdolApi = {
    workersByIds: (ids) => pick('workersByIds', ids, data.workers, (w) => w.id),
    workersByFiscalCodes: (cfs) =>
      pick('workersByFiscalCodes', cfs, data.workers, (w) => w.fiscalCodeKey),
    profilesByWorkerIds: (ids) =>
      pick('profilesByWorkerIds', ids, data.profiles, (p) => p.workerId),
    guidanceSessionsByWorkerIds: (ids) =>
      pick('guidanceSessionsByWorkerIds', ids, data.sessions, (s) => s.workerId),
    candidaciesByVacancyIds: (ids) =>
      pick('candidaciesByVacancyIds', ids, data.candidacies, (c) => c.vacancyId),
    incomeSupportByEmployerIds: (ids) =>
      pick('incomeSupportByEmployerIds', ids, data.episodes, (e) => e.employerId),
    searchJobSeekers: (search: JobSeekerSearch): Promise<Page<Worker>> => {
      calls.push(['searchJobSeekers', [JSON.stringify(search)]]);
      const profiled = new Set(
        data.profiles
          .filter((p) => !search.sportello || p.deskId === search.sportello)
          .map((p) => p.workerId),
      );
      const matching = data.workers.filter((w) => profiled.has(w.id));
      return Promise.resolve(fakePage(matching, search.pagina, search.dimensione));
    },
    registrationStats: (params) => {
      calls.push(['registrationStats', [params.from, params.to, ...params.groupBy]]);
      return Promise.resolve(data.cells);
    },
  };
  // Writes answer like IDOL (a new id, the stored records) and are recorded as calls too;
  // a repeated idempotency key gets the first answer again.
  const written = new Map<string, unknown>();
  const once = <T>(
    method: string,
    key: string,
    make: () => T,
  ): Promise<T & { replayed: boolean }> => {
    calls.push([method, [key]]);
    const first = written.get(key) as T | undefined;
    if (first) return Promise.resolve({ ...first, replayed: true });
    const made = make();
    written.set(key, made);
    return Promise.resolve({ ...made, replayed: false });
  };
  const writes: IdolWriteApi = {
    registerJobSeeker: (body, key) =>
      once('registerJobSeeker', key, () => {
        const id = `L9${String(written.size).padStart(6, '0')}`;
        const p = body.lavoratore;
        const worker: Worker = {
          id,
          fiscalCode: p.codiceFiscale,
          fiscalCodeKey: p.codiceFiscale,
          givenName: p.nome,
          familyName: p.cognome,
          sex: p.sesso === 'F' ? 'FEMALE' : 'MALE',
          birthDate: p.dataNascita,
          birthPlaceCode: p.luogoNascita,
          citizenshipCode: p.cittadinanza,
          residence: {
            street: p.residenza.indirizzo,
            comuneCode: p.residenza.comune,
            postalCode: p.residenza.cap,
          },
          educationLevelCode: p.titoloStudio,
        };
        const profile: JobSeekerProfile = {
          workerId: id,
          deskId: body.sportello,
          status: 'UNEMPLOYED',
          conditionCode: null,
          unemployedSince: body.dataDid,
          availabilityDeclaration: {
            signedOn: body.dataDid,
            deskId: body.sportello,
            endedOn: null,
            endCauseCode: null,
          },
          servicePacts: [],
          specialLists: [],
          incomeSupport: [],
        };
        return { worker, profile };
      }),
    recordGuidanceSession: (body, key) =>
      once('recordGuidanceSession', key, () => ({
        session: {
          id: `G9${String(written.size).padStart(6, '0')}`,
          workerId: body.lavoratore,
          deskId: body.sportello,
          date: body.data,
          kind: 'BASIC_GUIDANCE' as const,
          outcome: 'FOLLOW_UP' as const,
        },
      })),
  };
  return { client, calls, writes };
}
