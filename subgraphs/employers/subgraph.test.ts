// The employers subgraph over real HTTP against the simulated co: answers checked
// against co's own data (fetched directly), and co requests counted per operation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { SCOPES } from '../../lib/auth/scopes.js';
import type { Principal } from '../../lib/auth/principal.js';
import { clearFaults, setFaults } from '../../upstreams/faults.js';
import { createUpstream, ensureDataset, type RunningUpstream } from '../../upstreams/index.js';
import { createEmployersSubgraph } from './index.js';
import { auditSuppression } from '../shared/suppression-audit.js';
import { createTestTrust, type TestTrust } from '../shared/test-trust.js';

let testTrust: TestTrust;

const CREDENTIAL = 'employers-test-co-key';

interface CoEmployer {
  id: string;
  codiceFiscale: string;
  ragioneSociale: string;
  ateco: string;
  classeDimensionale: string;
  sede: { indirizzo: string; comune: string; cap: string };
  ccnl: string | null;
}

interface CoCommunication {
  id: string;
  codice: string;
  tipo: string;
  azienda: string;
  dataInizio: string;
  tipologiaContrattuale: string;
  sportello: string | null;
  lavoratore: { codiceFiscale: string };
}

interface CoVacancy {
  id: string;
  azienda: string;
  posti: number;
  dataPubblicazione: string;
  stato: string;
}

/** co `tipo` codes and the schema's CommunicationType, as API.md lists them. */
const TYPES: Record<string, string> = {
  ASS: 'HIRING',
  PRO: 'EXTENSION',
  TRS: 'TRANSFORMATION',
  TRD: 'TRANSFER',
  CES: 'TERMINATION',
  VAR: 'EMPLOYER_CHANGE',
};

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
}

let dir: string;
let co: RunningUpstream;
let subgraph: RunningHttpServer;
/** The employer with the most communications, and how many. */
let busiest: { id: string; total: number };
let allEmployers: CoEmployer[];

async function coGet<T>(path: string): Promise<T> {
  const res = await fetch(`${co.url}${path}`, { headers: { 'x-api-key': CREDENTIAL } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  url = subgraph.url,
): Promise<GraphQLBody> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await testTrust.headersFor()) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLBody;
}

/** Runs one operation on zeroed counters and answers the co requests it caused, per route. */
async function measured(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ body: GraphQLBody; requests: Record<string, number> }> {
  await fetch(`${co.url}/_admin/stats`, { method: 'DELETE' });
  const body = await gql(query, variables);
  const stats = (await (await fetch(`${co.url}/_admin/stats`)).json()) as {
    richieste: Record<string, number>;
  };
  return { body, requests: stats.richieste };
}

const byStart = (a: CoCommunication, b: CoCommunication): number =>
  a.dataInizio === b.dataInizio ? (a.id < b.id ? -1 : 1) : a.dataInizio < b.dataInizio ? -1 : 1;

beforeAll(async () => {
  testTrust = await createTestTrust();
  dir = mkdtempSync(join(tmpdir(), 'employers-subgraph-'));
  await ensureDataset({ dir, seed: 2010, scale: 0.01 });
  co = await createUpstream({ system: 'co', dataDir: dir, credential: CREDENTIAL, port: 0 });
  subgraph = await createEmployersSubgraph(
    {
      co: { baseUrl: co.url, credential: CREDENTIAL, timeoutMs: 10_000, connections: 8 },
      port: 0,
    },
    testTrust.trust,
  );
  allEmployers = [];
  for (let page = 1; ; page++) {
    const answer = await coGet<{ totale: number; aziende: CoEmployer[] }>(
      `/v1/aziende/ricerca?pagina=${page}&dimensione=200`,
    );
    allEmployers.push(...answer.aziende);
    if (page * 200 >= answer.totale) break;
  }
  busiest = { id: '', total: -1 };
  for (const employer of allEmployers) {
    const { totale } = await coGet<{ totale: number }>(
      `/v1/comunicazioni?azienda=${employer.id}&limite=1`,
    );
    if (totale > busiest.total) busiest = { id: employer.id, total: totale };
  }
}, 120_000);

afterAll(async () => {
  await subgraph?.stop();
  await co?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('employers subgraph over co', () => {
  it('serves an employer as co has it, in one request', async () => {
    const [azienda] = (await coGet<{ aziende: CoEmployer[] }>(`/v1/aziende?id=${busiest.id}`))
      .aziende;
    const { body, requests } = await measured(`{ employer(id: "${busiest.id}") {
      id fiscalCode name sector { code division } sizeClass { code }
      seat { street comune { istatCode } comuneCode postalCode } usualCollectiveAgreement { code }
    } }`);
    expect(body).toEqual({
      data: {
        employer: {
          id: azienda?.id,
          fiscalCode: azienda?.codiceFiscale,
          name: azienda?.ragioneSociale,
          sector: { code: azienda?.ateco, division: azienda?.ateco.slice(0, 2) },
          sizeClass: { code: azienda?.classeDimensionale },
          seat: {
            street: azienda?.sede.indirizzo,
            comune: { istatCode: azienda?.sede.comune },
            comuneCode: azienda?.sede.comune,
            postalCode: azienda?.sede.cap,
          },
          usualCollectiveAgreement: azienda?.ccnl ? { code: azienda.ccnl } : null,
        },
      },
    });
    expect(requests).toEqual({ 'GET /v1/aziende': 1 });
  });

  it('asks co for the pages of employer(id:) { communications } beside the employer, not after it; each page once, refused arguments and partners never', async () => {
    const page = `query ($id: ID!) { employer(id: $id) { id
      five: communications(first: 5) { totalCount }
      again: communications(first: 5) { totalCount }
      ... on Employer { hirings: communications(first: 3, type: HIRING) { totalCount } }
      tooMany: communications(first: 100000) { totalCount } } }`;
    const partner: Principal = {
      role: 'partner',
      subject: 'partner-prefetch-test',
      scopes: Object.values(SCOPES),
      desk: null,
      organization: 'CNA',
      fiscalCode: null,
    };
    // Through a subgraph of its own, whose circuit for co opens on the failures below.
    const own = await createEmployersSubgraph(
      {
        co: { baseUrl: co.url, credential: CREDENTIAL, timeoutMs: 10_000, connections: 8 },
        port: 0,
      },
      testTrust.trust,
    );
    const requestsOf = async (principal?: Principal): Promise<Record<string, number>> => {
      await fetch(`${co.url}/_admin/stats`, { method: 'DELETE' });
      const res = await fetch(own.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(await testTrust.headersFor(principal)),
        },
        body: JSON.stringify({ query: page, variables: { id: busiest.id } }),
      });
      const body = (await res.json()) as GraphQLBody;
      expect(body.errors?.length).toBeGreaterThan(0);
      const stats = (await (await fetch(`${co.url}/_admin/stats`)).json()) as {
        richieste: Record<string, number>;
      };
      return stats.richieste;
    };
    // co refuses the employer's own lookup: the two distinct pages were asked all the same.
    await setFaults(co.url, [{ tipo: 'errore', stato: 503, percorso: 'GET /v1/aziende' }]);
    try {
      expect((await requestsOf())['GET /v1/comunicazioni']).toBe(2);
      // A partner's right to the communications depends on the employer: nothing asked first.
      expect((await requestsOf(partner))['GET /v1/comunicazioni']).toBeUndefined();
    } finally {
      await clearFaults(co.url);
      await own.stop();
    }
  });

  it('finds an employer by partita IVA, and refuses a wrong check digit without asking co', async () => {
    const employer = allEmployers[3] as CoEmployer;
    const found = await measured(
      `{ employerByFiscalCode(fiscalCode: "${employer.codiceFiscale}") { id } }`,
    );
    expect(found.body).toEqual({ data: { employerByFiscalCode: { id: employer.id } } });
    expect(found.requests).toEqual({ 'GET /v1/aziende': 1 });

    const wrong = `${employer.codiceFiscale.slice(0, 10)}${(Number(employer.codiceFiscale[10]) + 1) % 10}`;
    const refused = await measured(`{ employerByFiscalCode(fiscalCode: "${wrong}") { id } }`);
    expect(refused.body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'BAD_USER_INPUT', field: 'fiscalCode' },
    ]);
    expect(refused.requests).toEqual({});
  });

  it('a page of 100 communications with worker, employer, contract and desk costs what a page of 10 costs', async () => {
    expect(busiest.total).toBeGreaterThanOrEqual(100);
    const query = `query($id: ID!, $first: Int!) { employer(id: $id) { communications(first: $first) {
      totalCount
      edges { node { id worker { fiscalCodeKey } employer { name } contractType { code label } handledAt { id } } }
    } } }`;
    const truth = await coGet<{ comunicazioni: CoCommunication[]; totale: number }>(
      `/v1/comunicazioni?azienda=${busiest.id}&limite=100`,
    );
    const [azienda] = (await coGet<{ aziende: CoEmployer[] }>(`/v1/aziende?id=${busiest.id}`))
      .aziende;

    const hundred = await measured(query, { id: busiest.id, first: 100 });
    const ten = await measured(query, { id: busiest.id, first: 10 });
    expect(hundred.body.errors).toBeUndefined();
    const connection = (
      hundred.body.data?.employer as {
        communications: { totalCount: number; edges: { node: unknown }[] };
      }
    ).communications;
    expect(connection.totalCount).toBe(truth.totale);
    expect(connection.edges.map((e) => e.node)).toEqual(
      truth.comunicazioni.map((c) => ({
        id: c.id,
        worker: { fiscalCodeKey: c.lavoratore.codiceFiscale },
        employer: { name: azienda?.ragioneSociale },
        contractType: { code: c.tipologiaContrattuale, label: expect.any(String) as unknown },
        handledAt: c.sportello === null ? null : { id: c.sportello },
      })),
    );
    expect(hundred.requests).toEqual({ 'GET /v1/aziende': 1, 'GET /v1/comunicazioni': 1 });
    expect(ten.requests).toEqual(hundred.requests);
  });

  it('walks every communication of an employer by endCursor, one co request per page', async () => {
    const query = `query($id: ID!, $after: String) { employer(id: $id) { communications(first: 40, after: $after, from: "2010-01-01") {
      totalCount edges { node { id } } pageInfo { hasNextPage endCursor }
    } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body, requests } = await measured(query, { id: busiest.id, after });
      const page = (
        body.data?.employer as {
          communications: {
            totalCount: number;
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        }
      ).communications;
      expect(page.totalCount).toBe(busiest.total);
      expect(requests['GET /v1/comunicazioni']).toBe(1);
      seen.push(...page.edges.map((e) => e.node.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const truth = await coGet<{ comunicazioni: CoCommunication[] }>(
      `/v1/comunicazioni?azienda=${busiest.id}&limite=500`,
    );
    expect(seen).toEqual(truth.comunicazioni.map((c) => c.id));
    expect(pages).toBe(Math.ceil(busiest.total / 40));
  });

  it('_entities for 120 workers with their employment history costs 3 co requests', async () => {
    // 120 distinct workers, as co names them in its communications.
    const codes: string[] = [];
    for (const employer of allEmployers) {
      const page = await coGet<{ comunicazioni: CoCommunication[] }>(
        `/v1/comunicazioni?azienda=${employer.id}&limite=500`,
      );
      for (const c of page.comunicazioni) {
        if (!codes.includes(c.lavoratore.codiceFiscale) && codes.length < 120)
          codes.push(c.lavoratore.codiceFiscale);
      }
      if (codes.length === 120) break;
    }
    const { body, requests } = await measured(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { employmentHistory { id startDate } } } }`,
      { r: codes.map((fiscalCodeKey) => ({ __typename: 'Worker', fiscalCodeKey })) },
    );
    expect(body.errors).toBeUndefined();
    expect(requests).toEqual({ 'GET /v1/comunicazioni': 3 });

    const truth: CoCommunication[] = [];
    for (let i = 0; i < codes.length; i += 50) {
      const batch = codes.slice(i, i + 50).join(',');
      truth.push(
        ...(
          await coGet<{ comunicazioni: CoCommunication[] }>(
            `/v1/comunicazioni?lavoratoreCf=${batch}`,
          )
        ).comunicazioni,
      );
    }
    const histories = (body.data?._entities as { employmentHistory: { id: string }[] }[]).map((w) =>
      w.employmentHistory.map((c) => c.id),
    );
    expect(histories).toEqual(
      codes.map((cf) =>
        truth
          .filter((c) => c.lavoratore.codiceFiscale === cf)
          .sort(byStart)
          .map((c) => c.id),
      ),
    );
  });

  it('the employers of many workers histories cost one co request per 50 distinct employers', async () => {
    const page = await coGet<{ comunicazioni: CoCommunication[] }>(
      `/v1/comunicazioni?azienda=${busiest.id}&limite=60`,
    );
    const codes = [...new Set(page.comunicazioni.map((c) => c.lavoratore.codiceFiscale))];
    const { body, requests } = await measured(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { employmentHistory { employer { id name } } } } }`,
      { r: codes.map((fiscalCodeKey) => ({ __typename: 'Worker', fiscalCodeKey })) },
    );
    expect(body.errors).toBeUndefined();
    const employers = new Set(
      (body.data?._entities as { employmentHistory: { employer: { id: string } }[] }[]).flatMap(
        (w) => w.employmentHistory.map((c) => c.employer.id),
      ),
    );
    expect(requests).toEqual({
      'GET /v1/comunicazioni': Math.ceil(codes.length / 50),
      'GET /v1/aziende': Math.ceil(employers.size / 50),
    });
  });

  it('resolves communications by reference in batches of 50', async () => {
    const page = await coGet<{ comunicazioni: CoCommunication[] }>(
      `/v1/comunicazioni?azienda=${busiest.id}&limite=70`,
    );
    const ids = page.comunicazioni.map((c) => c.id).reverse();
    const { body, requests } = await measured(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on EmploymentCommunication { id code type } } }`,
      { r: [...ids, 'C99999999'].map((id) => ({ __typename: 'EmploymentCommunication', id })) },
    );
    const byId = new Map(page.comunicazioni.map((c) => [c.id, c]));
    expect(body).toEqual({
      data: {
        _entities: [
          ...ids.map((id) => ({
            id,
            code: byId.get(id)?.codice,
            type: TYPES[byId.get(id)?.tipo ?? ''],
          })),
          null,
        ],
      },
    });
    expect(requests).toEqual({ 'GET /v1/comunicazioni': 2 });
  });

  it('serves flows as co counts them, with dimensions mapped and cells under 5 workers suppressed', async () => {
    const truth = await coGet<{
      gruppi: {
        mese: string;
        tipo: string;
        genere: string;
        comunicazioni: number;
        lavoratori: number;
      }[];
    }>('/v1/statistiche/flussi?dal=2012-01-01&al=2012-12-31&raggruppa=mese,tipo,genere');
    const { body, requests } =
      await measured(`{ communicationFlows(from: "2012-01-01", to: "2012-12-31", groupBy: [MONTH, TYPE, SEX]) {
      month type sex comune { istatCode } communications workers suppressed
    } }`);
    expect(body.errors).toBeUndefined();
    const cells = body.data!.communicationFlows as {
      month: string;
      type: string;
      sex: string;
      comune: unknown;
      communications: number | null;
      workers: number | null;
      suppressed: boolean;
    }[];
    expect(cells.every((c) => c.comune === null)).toBe(true);
    const audit = auditSuppression(
      cells.map((c) => ({
        coordinates: [c.month, c.type, c.sex],
        measures: [c.communications, c.workers],
        suppressed: c.suppressed,
      })),
      truth.gruppi.map((g) => ({
        coordinates: [g.mese, TYPES[g.tipo] ?? g.tipo, g.genere === 'M' ? 'MALE' : 'FEMALE'],
        measures: [g.comunicazioni, g.lavoratori],
        people: g.lavoratori,
      })),
      5,
    );
    expect(audit.problems).toEqual([]);
    // The test means something only if the year has small cells and big ones.
    expect(audit.small).toBeGreaterThan(0);
    expect(audit.hidden).toBeGreaterThan(audit.small);
    expect(audit.hidden).toBeLessThan(cells.length);
    expect(requests).toEqual({ 'GET /v1/statistiche/flussi': 1 });
  });

  it('lists open vacancies and an employer vacancies, newest first', async () => {
    const truth = await coGet<{ totale: number; offerte: CoVacancy[] }>(
      '/v1/offerte/ricerca?stato=APERTA&pagina=1&dimensione=5',
    );
    const { body, requests } = await measured(
      '{ vacancies(first: 5) { totalCount edges { node { id status positions employer { id } } } } }',
    );
    expect(body).toEqual({
      data: {
        vacancies: {
          totalCount: truth.totale,
          edges: truth.offerte.map((v) => ({
            node: { id: v.id, status: 'OPEN', positions: v.posti, employer: { id: v.azienda } },
          })),
        },
      },
    });
    expect(requests).toEqual({ 'GET /v1/offerte/ricerca': 1, 'GET /v1/aziende': 1 });

    const employerId = truth.offerte[0]?.azienda ?? '';
    const own = await coGet<{ offerte: CoVacancy[] }>(`/v1/offerte?azienda=${employerId}`);
    const listed = await measured(
      `{ employer(id: "${employerId}") { vacancies { id postedOn } } }`,
    );
    const ids = (listed.body.data?.employer as { vacancies: { id: string; postedOn: string }[] })
      .vacancies;
    expect(ids.map((v) => v.id).sort()).toEqual(own.offerte.map((v) => v.id).sort());
    expect(ids.map((v) => v.postedOn)).toEqual([...ids.map((v) => v.postedOn)].sort().reverse());
    expect(listed.requests).toEqual({ 'GET /v1/aziende': 1, 'GET /v1/offerte': 1 });
  });

  it('reports co over its rate quota as UPSTREAM_UNAVAILABLE when its Retry-After is past the request budget, failing only the fields that needed co', async () => {
    const settings = (body: unknown) =>
      fetch(`${co.url}/_admin/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await settings({ quotaAlSecondo: 1 });
    try {
      // co asks to come back in a second or more; a request with half a second left does not
      // wait (with a whole budget the client would wait and retry: upstream-client.test.ts).
      const res = await fetch(subgraph.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-deadline-ms': '500',
          ...(await testTrust.headersFor()),
        },
        body: JSON.stringify({
          query: `{
            a: employer(id: "${busiest.id}") { id }
            b: communication(id: "C00000001") { id }
            c: vacancy(id: "O000001") { id }
          }`,
        }),
      });
      const body = (await res.json()) as GraphQLBody;
      const codes = (body.errors ?? []).map((e) => e.extensions);
      expect(codes.length).toBeGreaterThan(0);
      for (const extensions of codes)
        expect(extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'co' });
    } finally {
      await settings({ quotaAlSecondo: 1000 });
    }
  });

  it('reports a refused upstream as UPSTREAM_REJECTED from co, without its URL or body', async () => {
    const misconfigured = await createEmployersSubgraph(
      {
        co: { baseUrl: co.url, credential: 'wrong-key', timeoutMs: 5000, connections: 1 },
        port: 0,
      },
      testTrust.trust,
    );
    try {
      const body = await gql(`{ employer(id: "${busiest.id}") { id } }`, {}, misconfigured.url);
      expect(body).toEqual({
        data: { employer: null },
        errors: [
          {
            message: expect.any(String) as unknown,
            path: ['employer'],
            extensions: { code: 'UPSTREAM_REJECTED', upstream: 'co' },
          },
        ],
      });
      expect(JSON.stringify(body)).not.toContain(co.url);
    } finally {
      await misconfigured.stop();
    }
  });
});
