// The workers subgraph over real HTTP against the simulated IDOL (and co, only to find
// vacancy ids) on a small generated dataset. Every expected value is read from the
// upstream itself; request counts come from its /_admin/stats.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { SCOPES } from '../../lib/auth/scopes.js';
import type { Principal } from '../../lib/auth/principal.js';
import { clearFaults, setFaults } from '../../upstreams/faults.js';
import { createUpstream, ensureDataset } from '../../upstreams/index.js';
import { createWorkersSubgraph } from './index.js';
import { auditSuppression } from '../shared/suppression-audit.js';
import { createTestTrust, type TestTrust } from '../shared/test-trust.js';

let testTrust: TestTrust;

const SEED = 2010;
const SCALE = 0.01;
const IDOL_KEY = 'idol-subgraph-test-key';
const CO_KEY = 'co-subgraph-test-key';

type Json = Record<string, unknown>;

// The IDOL records the tests read (upstreams/API.md), as far as they use them.
interface Lavoratore {
  id: string;
  codiceFiscale: string;
  cognome: string;
  nome: string;
  sesso: string;
  dataNascita: string;
  luogoNascita: string;
  cittadinanza: string;
  residenza: { indirizzo: string; comune: string; cap: string } | null;
}
interface Scheda {
  lavoratore: string;
  sportello: string;
  statoOccupazionale: string;
  dataAnzianita: string | null;
  did: { data: string; sportello: string; dataFine: string | null };
  patti: unknown[];
  listeSpeciali: unknown[];
  ammortizzatori: { azienda: string }[];
}
interface Colloquio {
  id: string;
  lavoratore: string;
  sportello: string;
  data: string;
}
interface Candidatura {
  offerta: string;
  lavoratore: string;
}
interface Ammortizzatore {
  lavoratore: string;
  azienda: string;
  dal: string;
  al: string | null;
}
interface Gruppo {
  mese: string;
  genere: string;
  iscrizioni: number;
}

interface Connection<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: T }[];
}

interface GraphQLResult<T> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

let idol: { url: string; stop(): Promise<void> };
let co: { url: string; stop(): Promise<void> };
let subgraph: RunningHttpServer;
let auditDir: string;

beforeAll(async () => {
  testTrust = await createTestTrust();
  const dataDir = join(tmpdir(), `prato-workers-subgraph-test-${SEED}-${SCALE}`);
  await ensureDataset({ dir: dataDir, seed: SEED, scale: SCALE });
  idol = await createUpstream({ system: 'idol', dataDir, credential: IDOL_KEY, port: 0 });
  co = await createUpstream({ system: 'co', dataDir, credential: CO_KEY, port: 0 });
  auditDir = mkdtempSync(join(tmpdir(), 'prato-workers-audit-'));
  subgraph = await createWorkersSubgraph(
    {
      idol: { baseUrl: idol.url, credential: IDOL_KEY, timeoutMs: 10_000, connections: 8 },
      pseudonymKey: randomBytes(32),
      auditLogPath: join(auditDir, 'workers-audit.jsonl'),
      port: 0,
    },
    testTrust.trust,
  );
}, 300_000);

afterAll(async () => {
  await subgraph?.stop();
  await idol?.stop();
  await co?.stop();
  if (auditDir) rmSync(auditDir, { recursive: true, force: true });
});

async function upstream<T>(base: string, key: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': key } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}
const idolGet = <T>(path: string) => upstream<T>(idol.url, IDOL_KEY, path);
const coGet = <T>(path: string) => upstream<T>(co.url, CO_KEY, path);

async function graphql<T>(
  query: string,
  variables?: Json,
  url = subgraph.url,
): Promise<GraphQLResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await testTrust.headersFor()) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResult<T>;
}

/** The IDOL requests (route -> count) that `query` caused. */
async function idolRequests<T>(
  query: string,
  variables?: Json,
  url?: string,
): Promise<{ result: GraphQLResult<T>; requests: Record<string, number> }> {
  await fetch(`${idol.url}/_admin/stats`, { method: 'DELETE' });
  const result = await graphql<T>(query, variables, url);
  const stats = (await (await fetch(`${idol.url}/_admin/stats`)).json()) as {
    richieste: Record<string, number>;
  };
  const requests = Object.fromEntries(Object.entries(stats.richieste).filter(([, n]) => n > 0));
  return { result, requests };
}

const STATUS: Record<string, string> = {
  '01': 'NEVER_EMPLOYED',
  '02': 'UNEMPLOYED',
  '03': 'EMPLOYED_SEEKING',
  '04': 'EMPLOYED',
  '05': 'OTHER',
};

async function jobSeekers(count: number): Promise<Lavoratore[]> {
  const page = await idolGet<{ lavoratori: Lavoratore[]; totale: number }>(
    `/v1/lavoratori/ricerca?pagina=1&dimensione=${count}`,
  );
  expect(page.lavoratori.length).toBe(count);
  return page.lavoratori;
}

describe('workers subgraph over IDOL', () => {
  it('serves a person with registry record, job-seeker profile and guidance sessions', async () => {
    // A job seeker with at least one guidance session.
    const seekers = await jobSeekers(100);
    const sessions = (
      await idolGet<{ colloqui: Colloquio[] }>(
        `/v1/colloqui?lavoratori=${seekers.map((s) => s.id).join(',')}`,
      )
    ).colloqui;
    expect(sessions.length).toBeGreaterThan(0);
    const id = sessions[0]!.lavoratore;
    const person = seekers.find((s) => s.id === id)!;
    const [scheda] = (await idolGet<{ schede: Scheda[] }>(`/v1/schede?lavoratori=${id}`)).schede;
    const own = sessions
      .filter((s) => s.lavoratore === id)
      .sort((a, b) => `${a.data}${a.id}`.localeCompare(`${b.data}${b.id}`));

    const { result, requests } = await idolRequests<{
      worker: Json & {
        profile: {
          servicePacts: unknown[];
          specialLists: unknown[];
          incomeSupport: { worker: unknown }[];
        };
      };
    }>(
      `query ($id: ID!) { worker(id: $id) {
        id fiscalCode givenName familyName sex birthDate birthPlace { code abroad }
        citizenship { code } residence { comuneCode postalCode comune { istatCode } }
        profile { registeredAt { id } status unemployedSince
          availabilityDeclaration { signedOn desk { id } endedOn }
          servicePacts { signedOn } specialLists { from } incomeSupport { from employer { id } worker { id } } }
        guidanceSessions { id date desk { id } }
      } }`,
      { id },
    );
    expect(result.errors).toBeUndefined();
    const worker = result.data!.worker;
    expect(worker).toMatchObject({
      id,
      fiscalCode: person.codiceFiscale,
      givenName: person.nome,
      familyName: person.cognome,
      sex: person.sesso === 'M' ? 'MALE' : 'FEMALE',
      birthDate: person.dataNascita,
      birthPlace: {
        code: person.luogoNascita,
        abroad: person.luogoNascita.startsWith('Z'),
      },
      citizenship: { code: person.cittadinanza },
      residence: person.residenza
        ? {
            comuneCode: person.residenza.comune,
            postalCode: person.residenza.cap,
            comune: { istatCode: person.residenza.comune },
          }
        : null,
    });
    expect(worker.profile).toMatchObject({
      registeredAt: { id: scheda!.sportello },
      status: STATUS[scheda!.statoOccupazionale],
      unemployedSince: scheda!.dataAnzianita,
      availabilityDeclaration: {
        signedOn: scheda!.did.data,
        desk: { id: scheda!.did.sportello },
        endedOn: scheda!.did.dataFine,
      },
    });
    expect(worker.profile.servicePacts).toHaveLength(scheda!.patti.length);
    expect(worker.profile.specialLists).toHaveLength(scheda!.listeSpeciali.length);
    expect(worker.profile.incomeSupport).toHaveLength(scheda!.ammortizzatori.length);
    for (const episode of worker.profile.incomeSupport) expect(episode.worker).toEqual({ id });
    expect(worker.guidanceSessions).toEqual(
      own.map((s) => ({ id: s.id, date: s.data, desk: { id: s.sportello } })),
    );
    expect(requests).toEqual({
      'GET /v1/lavoratori': 1,
      'GET /v1/schede': 1,
      'GET /v1/colloqui': 1,
    });
  });

  it("asks IDOL for the record and sessions of worker(id:) beside the worker, not after it; only those asked for, never a citizen's", async () => {
    const [seeker, other] = await jobSeekers(2);
    const page = `query ($id: ID!, $noProfile: Boolean = false) { worker(id: $id) {
      id ...Record profile @skip(if: $noProfile) { status } } }
      fragment Record on Worker { guidanceSessions { id } }`;
    // A citizen asking for someone else's record: refused on the worker, and nothing else of
    // that person is asked of IDOL.
    const citizen: Principal = {
      role: 'citizen',
      subject: other!.id,
      scopes: Object.values(SCOPES),
      desk: null,
      organization: null,
      fiscalCode: other!.codiceFiscale,
    };
    await fetch(`${idol.url}/_admin/stats`, { method: 'DELETE' });
    const res = await fetch(subgraph.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await testTrust.headersFor(citizen, 'SELF_ACCESS')),
      },
      body: JSON.stringify({ query: page, variables: { id: seeker!.id } }),
    });
    const refused = (await res.json()) as GraphQLResult<unknown>;
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const stats = (await (await fetch(`${idol.url}/_admin/stats`)).json()) as {
      richieste: Record<string, number>;
    };
    expect(stats.richieste).toEqual({ 'GET /v1/lavoratori': 1 });
    // Through a subgraph of its own, whose circuit for IDOL opens on the failures below, so that
    // the other tests' stays closed.
    const own = await createWorkersSubgraph(
      {
        idol: { baseUrl: idol.url, credential: IDOL_KEY, timeoutMs: 10_000, connections: 8 },
        pseudonymKey: randomBytes(32),
        auditLogPath: join(auditDir, 'workers-audit-prefetch.jsonl'),
        port: 0,
      },
      testTrust.trust,
    );
    try {
      // The record's early load fails while the worker is still on its way: the field meets
      // that failure, and IDOL is not asked again.
      await setFaults(idol.url, [
        { tipo: 'latenza', ms: 300, percorso: 'GET /v1/lavoratori' },
        { tipo: 'malformato', percorso: 'GET /v1/schede' },
      ]);
      const garbled = await idolRequests(
        'query ($id: ID!) { worker(id: $id) { id profile { status } } }',
        { id: seeker!.id },
        own.url,
      );
      expect(garbled.result.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_BAD_RESPONSE');
      expect(garbled.requests['GET /v1/schede']).toBe(1);
      // IDOL refuses the worker's own lookup: the record and the sessions were asked all the
      // same, at the same moment, once each.
      await setFaults(idol.url, [{ tipo: 'errore', stato: 503, percorso: 'GET /v1/lavoratori' }]);
      const failed = await idolRequests(page, { id: seeker!.id }, own.url);
      expect(failed.result.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
      expect(failed.requests['GET /v1/schede']).toBe(1);
      expect(failed.requests['GET /v1/colloqui']).toBe(1);
      // Skipped: the record is not asked for.
      const skipped = await idolRequests(page, { id: seeker!.id, noProfile: true }, own.url);
      expect(skipped.requests['GET /v1/schede']).toBeUndefined();
      expect(skipped.requests['GET /v1/colloqui']).toBe(1);
      const bare = await idolRequests(
        'query ($id: ID!) { worker(id: $id) { id } }',
        { id: seeker!.id },
        own.url,
      );
      expect(bare.requests['GET /v1/schede']).toBeUndefined();
      expect(bare.requests['GET /v1/colloqui']).toBeUndefined();
    } finally {
      await clearFaults(idol.url);
      await own.stop();
    }
  });

  it('finds a person by fiscal code typed in lower case, and refuses a malformed one unasked', async () => {
    const [person] = await jobSeekers(1);
    const query = 'query ($cf: FiscalCode!) { workerByFiscalCode(fiscalCode: $cf) { id } }';
    const found = await idolRequests<{ workerByFiscalCode: Json }>(query, {
      cf: ` ${person!.codiceFiscale.toLowerCase()}`,
    });
    expect(found.result).toEqual({ data: { workerByFiscalCode: { id: person!.id } } });
    expect(found.requests).toEqual({ 'GET /v1/lavoratori': 1 });

    const cf = person!.codiceFiscale;
    const wrong = `${cf.slice(0, 15)}${cf.endsWith('A') ? 'B' : 'A'}`;
    const refused = await idolRequests(query, { cf: wrong });
    expect(refused.result.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(JSON.stringify(refused.result)).not.toContain(wrong);
    expect(refused.requests).toEqual({});
  });

  it('resolves 150 Worker representations by fiscalCodeKey with 2 lavoratori and 2 schede requests', async () => {
    const seekers = await jobSeekers(150);
    const schede = new Map<string, Scheda>();
    for (let i = 0; i < seekers.length; i += 100) {
      const ids = seekers.slice(i, i + 100).map((s) => s.id);
      for (const s of (
        await idolGet<{ schede: Scheda[] }>(`/v1/schede?lavoratori=${ids.join(',')}`)
      ).schede) {
        schede.set(s.lavoratore, s);
      }
    }
    // Every person once, then 50 of them again: duplicates must not cost requests.
    const people = [...seekers, ...seekers.slice(0, 50)];
    const { result, requests } = await idolRequests<{ _entities: Json[] }>(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Worker { familyName profile { status } } } }`,
      {
        representations: people.map((p) => ({
          __typename: 'Worker',
          fiscalCodeKey: p.codiceFiscale.toUpperCase(),
        })),
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual(
      people.map((p) => ({
        familyName: p.cognome,
        profile: { status: STATUS[schede.get(p.id)!.statoOccupazionale] },
      })),
    );
    expect(requests).toEqual({ 'GET /v1/lavoratori': 2, 'GET /v1/schede': 2 });
  });

  it('lists job seekers page by page with the upstream total, one search request per page', async () => {
    const query = `query ($after: String) { jobSeekers(first: 40, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id familyName } } } }`;
    const truth = await idolGet<{ totale: number; lavoratori: Lavoratore[] }>(
      '/v1/lavoratori/ricerca?pagina=1&dimensione=80',
    );
    const first = await idolRequests<{ jobSeekers: Connection<{ id: string }> }>(query);
    expect(first.result.errors).toBeUndefined();
    expect(first.result.data!.jobSeekers.totalCount).toBe(truth.totale);
    expect(first.requests).toEqual({ 'GET /v1/lavoratori/ricerca': 1 });
    const second = await idolRequests<{ jobSeekers: Connection<{ id: string }> }>(query, {
      after: first.result.data!.jobSeekers.pageInfo.endCursor,
    });
    const ids = [first, second].flatMap((r) =>
      r.result.data!.jobSeekers.edges.map((e) => e.node.id),
    );
    expect(ids).toEqual(truth.lavoratori.map((w) => w.id));
    expect(second.requests).toEqual({ 'GET /v1/lavoratori/ricerca': 1 });
  });

  it('filters job seekers by status and desk, and lists a desk’s job seekers', async () => {
    const [seeker] = await jobSeekers(1);
    const [scheda] = (await idolGet<{ schede: Scheda[] }>(`/v1/schede?lavoratori=${seeker!.id}`))
      .schede;
    const desk = scheda!.sportello;
    const stato = scheda!.statoOccupazionale;
    const truth = await idolGet<{ totale: number; lavoratori: Lavoratore[] }>(
      `/v1/lavoratori/ricerca?sportello=${desk}&stato=${stato}&pagina=1&dimensione=20`,
    );
    const viaQuery = await graphql<{ jobSeekers: Json }>(
      `
        query ($filter: JobSeekerFilter) {
          jobSeekers(filter: $filter, first: 20) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
        }
      `,
      { filter: { desk, status: STATUS[stato] } },
    );
    const viaDesk = await graphql<{ _entities: Json[] }>(
      `
        query ($representations: [_Any!]!, $status: EmploymentStatus) {
          _entities(representations: $representations) {
            ... on Desk {
              jobSeekers(status: $status, first: 20) {
                totalCount
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        }
      `,
      { representations: [{ __typename: 'Desk', id: desk }], status: STATUS[stato] },
    );
    const expected = {
      totalCount: truth.totale,
      edges: truth.lavoratori.map((w) => ({ node: { id: w.id } })),
    };
    expect(viaQuery).toEqual({ data: { jobSeekers: expected } });
    expect(viaDesk).toEqual({ data: { _entities: [{ jobSeekers: expected }] } });
  });

  it('lists candidates of 50 vacancies with worker names: 1 candidature request and 1 lavoratori request per 100 people', async () => {
    const vacancies = (
      await coGet<{ offerte: { id: string }[] }>('/v1/offerte/ricerca?pagina=1&dimensione=50')
    ).offerte.map((o) => o.id);
    expect(vacancies).toHaveLength(50);
    const candidacies = (
      await idolGet<{ candidature: Candidatura[] }>(
        `/v1/candidature?offerte=${vacancies.join(',')}`,
      )
    ).candidature;
    expect(candidacies.length).toBeGreaterThan(0);
    const distinct = [...new Set(candidacies.map((c) => c.lavoratore))];
    const names = new Map<string, string>();
    for (let i = 0; i < distinct.length; i += 100) {
      for (const w of (
        await idolGet<{ lavoratori: Lavoratore[] }>(
          `/v1/lavoratori?id=${distinct.slice(i, i + 100).join(',')}`,
        )
      ).lavoratori) {
        names.set(w.id, w.cognome);
      }
    }

    const { result, requests } = await idolRequests<{
      _entities: {
        id: string;
        candidates: { score: number; worker: { id: string; familyName: string } }[];
      }[];
    }>(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Vacancy { id candidates { score matchedOn worker { id familyName } } } } }`,
      { representations: vacancies.map((id) => ({ __typename: 'Vacancy', id })) },
    );
    expect(result.errors).toBeUndefined();
    for (const vacancy of result.data!._entities) {
      const own = candidacies.filter((c) => c.offerta === vacancy.id);
      expect(vacancy.candidates.map((c) => c.worker.id).sort()).toEqual(
        own.map((c) => c.lavoratore).sort(),
      );
      const scores = vacancy.candidates.map((c) => c.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const c of vacancy.candidates) expect(c.worker.familyName).toBe(names.get(c.worker.id));
    }
    expect(requests).toEqual({
      'GET /v1/candidature': 1,
      'GET /v1/lavoratori': Math.ceil(distinct.length / 100),
    });
  });

  it('lists the income-support episodes of employers found in the job-seeker records', async () => {
    const seekers = await jobSeekers(100);
    const schede = (
      await idolGet<{ schede: Scheda[] }>(
        `/v1/schede?lavoratori=${seekers.map((s) => s.id).join(',')}`,
      )
    ).schede;
    const employers = [
      ...new Set(schede.flatMap((s) => s.ammortizzatori.map((a) => a.azienda))),
    ].slice(0, 50);
    expect(employers.length).toBeGreaterThan(0);
    const truth = (
      await idolGet<{ ammortizzatori: Ammortizzatore[] }>(
        `/v1/ammortizzatori?aziende=${employers.join(',')}`,
      )
    ).ammortizzatori;

    const { result, requests } = await idolRequests<{
      _entities: {
        id: string;
        incomeSupportEpisodes: { from: string; worker: { id: string } }[];
      }[];
    }>(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) {
        ... on Employer { id incomeSupportEpisodes { from to worker { id } employer { id } } } } }`,
      { representations: employers.map((id) => ({ __typename: 'Employer', id })) },
    );
    expect(result.errors).toBeUndefined();
    const key = (e: { from: unknown; worker: unknown }) =>
      `${String(e.from)} ${JSON.stringify(e.worker)}`;
    for (const employer of result.data!._entities) {
      const own = truth
        .filter((a) => a.azienda === employer.id)
        .map((a) => ({
          from: a.dal,
          to: a.al,
          worker: { id: a.lavoratore },
          employer: { id: employer.id },
        }));
      expect(
        [...employer.incomeSupportEpisodes].sort((a, b) => key(a).localeCompare(key(b))),
      ).toEqual(own.sort((a, b) => key(a).localeCompare(key(b))));
    }
    const people = new Set(truth.map((a) => a.lavoratore));
    expect(requests).toEqual({
      'GET /v1/ammortizzatori': 1,
      'GET /v1/lavoratori': Math.ceil(people.size / 100),
    });
  });

  it('presents every job seeker’s whole record without an error: IDOL’s codes are all in the code lists', async () => {
    const query = `query ($after: String) { jobSeekers(first: 200, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node {
        id fiscalCode givenName familyName sex birthDate birthPlace { code name abroad }
        citizenship { code name europeanUnion } residence { street comuneCode postalCode }
        educationLevel { code label }
        profile { status condition { label } availabilityDeclaration { endedOn endReason }
          servicePacts { signedOn } specialLists { list category } incomeSupport { kind worker { id } } }
        guidanceSessions { kind outcome } } } } }`;
    let after: string | null = null;
    let seen = 0;
    let total = -1;
    do {
      const page: GraphQLResult<{ jobSeekers: Connection<unknown> }> = await graphql<{
        jobSeekers: Connection<unknown>;
      }>(query, {
        after,
      });
      expect(page.errors).toBeUndefined();
      const connection = page.data!.jobSeekers;
      total = connection.totalCount;
      seen += (connection.edges as unknown[]).length;
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after !== null);
    expect(seen).toBe(total);
  });

  it('counts registrations by month and sex as IDOL does, nulling the dimensions not asked for and suppressing cells under 5 people', async () => {
    const truth = (
      await idolGet<{ gruppi: Gruppo[] }>(
        '/v1/statistiche/iscrizioni?dal=2011-01-01&al=2011-12-31&raggruppa=mese,genere',
      )
    ).gruppi;
    expect(truth.length).toBeGreaterThan(0);
    const { result, requests } = await idolRequests<{ registrationStats: Json[] }>(
      `{ registrationStats(from: "2011-01-01", to: "2011-12-31", groupBy: [MONTH, SEX]) {
        month desk { id } comune { istatCode } status sex ageBand registrations suppressed } }`,
    );
    expect(result.errors).toBeUndefined();
    const cells = result.data!.registrationStats;
    expect(
      cells.every(
        (c) => c.desk === null && c.comune === null && c.status === null && c.ageBand === null,
      ),
    ).toBe(true);
    const sex = (genere: string) => (genere === 'M' ? 'MALE' : 'FEMALE');
    const audit = auditSuppression(
      cells.map((c) => ({
        coordinates: [c.month as string, c.sex as string],
        measures: [c.registrations as number | null],
        suppressed: c.suppressed as boolean,
      })),
      truth.map((g) => ({
        coordinates: [g.mese, sex(g.genere)],
        measures: [g.iscrizioni],
        people: g.iscrizioni,
      })),
      5,
    );
    expect(audit.problems).toEqual([]);
    expect(audit.small).toBeGreaterThan(0);
    expect(audit.hidden).toBeGreaterThan(audit.small);
    expect(audit.hidden).toBeLessThan(cells.length);
    expect(requests).toEqual({ 'GET /v1/statistiche/iscrizioni': 1 });
  });
});
