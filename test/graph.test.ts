// The federated graph end to end: the gateway, four subgraphs and four simulated
// upstreams over real HTTP, checked against what the upstreams themselves hold.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_COURSE_CONCURRENCY } from '../subgraphs/training/loaders.js';
import {
  copyDataset,
  CREDENTIALS,
  graphql,
  resetUpstreamStats,
  startStack,
  upstreamGet,
  upstreamStats,
  type Stack,
} from './stack.js';

let stack: Stack;
/** These tests read as a desk operator with a declared purpose; test/security.test.ts covers the other roles. */
let operator: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir'), registryMaxAgeMs: 1500 });
  operator = {
    authorization: `Bearer ${await stack.token({ role: 'operator', subject: 'op-test', desk: 'PO-NORD' })}`,
    'x-purpose': 'GUIDANCE',
  };
});

const gql = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
  graphql<T>(stack.gatewayUrl, query, variables, operator);

afterAll(async () => {
  await stack?.stop();
});

type Json = Record<string, unknown>;

const sortBy = <T>(items: T[], key: (item: T) => string): T[] =>
  [...items].sort((a, b) => key(a).localeCompare(key(b)));

function routeCounts(stats: Record<string, Record<string, number>>): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const [system, routes] of Object.entries(stats)) {
    for (const [route, n] of Object.entries(routes)) if (n > 0) flat[`${system} ${route}`] = n;
  }
  return flat;
}

/**
 * The upstream requests of one operation, without the registry's: this file's stack keeps
 * the registry document only 1.5 s (to test revalidation), so on a loaded machine a
 * revalidation (a 304) may fall in any request. It is never more than one.
 */
async function countRequests(query: string, variables: Json): Promise<Record<string, number>> {
  await resetUpstreamStats(stack);
  const res = await gql(query, variables);
  expect(res.errors).toBeUndefined();
  const counts = routeCounts(await upstreamStats(stack));
  const registry = Object.entries(counts).filter(([route]) => route.startsWith('registry '));
  expect(registry.every(([route, n]) => route.endsWith(' 304') || n <= 1)).toBe(true);
  return Object.fromEntries(
    Object.entries(counts).filter(([route]) => !route.startsWith('registry ')),
  );
}

describe('desks', () => {
  it('lists the employment centre, the 11 registry desks and the 18 first-reception points with comune and host', async () => {
    const registry = await upstreamGet<{ sportelli: Json[]; enti: Json[] }>(
      stack,
      'registry',
      '/v1/sportelli',
    );
    const comuni = await upstreamGet<{ comuni: Json[] }>(stack, 'registry', '/v1/comuni');
    const comuneName = new Map(comuni.comuni.map((c) => [c.istat, c.denominazione]));
    const hostName = new Map(registry.enti.map((e) => [e.codice, e.denominazione]));

    const res = await gql<{
      desks: {
        id: string;
        kind: string;
        name: string;
        comune: { istatCode: string; name: string };
        host: { name: string } | null;
      }[];
    }>('{ desks { id kind name comune { istatCode name } host { name kind } } }');
    expect(res.errors).toBeUndefined();
    const desks = res.data!.desks;
    expect(desks.filter((d) => d.kind !== 'FIRST_RECEPTION_POINT')).toHaveLength(12);
    expect(desks.filter((d) => d.kind === 'EMPLOYMENT_CENTRE')).toHaveLength(1);
    expect(desks.filter((d) => d.kind === 'FIRST_RECEPTION_POINT')).toHaveLength(18);
    expect(desks.map((d) => d.id).sort()).toEqual(
      registry.sportelli.map((s) => s.codice as string).sort(),
    );
    for (const desk of desks) {
      const source = registry.sportelli.find((s) => s.codice === desk.id)!;
      expect(desk.name).toBe(source.denominazione);
      expect(desk.comune).toEqual({
        istatCode: source.comune,
        name: comuneName.get(source.comune),
      });
      expect(desk.host?.name ?? null).toBe(source.ente ? hostName.get(source.ente) : null);
      if (desk.kind === 'FIRST_RECEPTION_POINT') expect(desk.host).not.toBeNull();
    }
  });

  it('serves the registry document from cache while fresh and revalidates it with a 304 afterwards', async () => {
    const query = '{ desk(id: "PO-NORD") { name } }';
    await gql(query);
    await new Promise((r) => setTimeout(r, 1600));
    await resetUpstreamStats(stack);
    for (let i = 0; i < 3; i++) expect((await gql(query)).errors).toBeUndefined();
    const stats = (await upstreamStats(stack)).registry;
    // One revalidation after the copy went stale, answered 304; then served from cache.
    expect(stats['GET /v1/sportelli 304']).toBe(1);
    expect(stats['GET /v1/sportelli']).toBe(1);
  });
});

/** Finds job seekers who also have communications in co and enrolments in trio. */
async function findWorkerInAllSystems(): Promise<{ id: string; cf: string }> {
  for (let page = 1; page <= 20; page++) {
    const seekers = await upstreamGet<{ lavoratori: Json[] }>(
      stack,
      'idol',
      `/v1/lavoratori/ricerca?pagina=${page}&dimensione=200`,
    );
    if (seekers.lavoratori.length === 0) break;
    for (let i = 0; i < seekers.lavoratori.length; i += 20) {
      const batch = seekers.lavoratori.slice(i, i + 20);
      const cfs = batch.map((w) => w.codiceFiscale as string);
      const enrolments = await upstreamGet<{ iscrizioni: Json[] }>(
        stack,
        'trio',
        `/v1/iscrizioni?cf=${cfs.join(',')}`,
      );
      for (const e of enrolments.iscrizioni) {
        const cf = e.codiceFiscale as string;
        const comms = await upstreamGet<{ comunicazioni: Json[] }>(
          stack,
          'co',
          `/v1/comunicazioni?lavoratoreCf=${cf}`,
        );
        if (comms.comunicazioni.length > 0) {
          return { id: batch.find((w) => w.codiceFiscale === cf)!.id as string, cf };
        }
      }
    }
  }
  throw new Error('the dataset has no job seeker with communications and enrolments');
}

describe('workers across the four systems', () => {
  it('joins one worker profile (idol), employment history (co), enrolments and certificates (trio) and desks (registry)', async () => {
    const { id, cf } = await findWorkerInAllSystems();
    const [person] = (
      await upstreamGet<{ lavoratori: Json[] }>(stack, 'idol', `/v1/lavoratori?id=${id}`)
    ).lavoratori;
    const [record] = (
      await upstreamGet<{ schede: Json[] }>(stack, 'idol', `/v1/schede?lavoratori=${id}`)
    ).schede;
    const comms = (
      await upstreamGet<{ comunicazioni: Json[] }>(
        stack,
        'co',
        `/v1/comunicazioni?lavoratoreCf=${cf}`,
      )
    ).comunicazioni;
    const enrolments = (
      await upstreamGet<{ iscrizioni: Json[] }>(stack, 'trio', `/v1/iscrizioni?cf=${cf}`)
    ).iscrizioni;
    const certificates = (
      await upstreamGet<{ attestati: Json[] }>(stack, 'trio', `/v1/attestati?cf=${cf}`)
    ).attestati;
    const registry = await upstreamGet<{ sportelli: Json[] }>(stack, 'registry', '/v1/sportelli');

    const res = await gql<{
      worker: Json & {
        profile: Json;
        employmentHistory: Json[];
        trainingEnrollments: Json[];
        certificates: Json[];
      };
    }>(
      `
        query ($id: ID!) {
          worker(id: $id) {
            id
            fiscalCode
            familyName
            givenName
            birthDate
            sex
            profile {
              status
              registeredAt {
                id
                name
                comune {
                  name
                }
              }
            }
            employmentHistory {
              id
              type
              startDate
              endDate
              employer {
                id
                name
              }
              contractType {
                code
                openEnded
              }
            }
            trainingEnrollments {
              id
              status
              course {
                id
                title
                area {
                  code
                  name
                }
              }
            }
            certificates {
              id
              score
              course {
                id
                title
              }
            }
          }
        }
      `,
      { id },
    );
    expect(res.errors).toBeUndefined();
    const worker = res.data!.worker;
    expect(worker.id).toBe(id);
    expect(worker.fiscalCode).toBe(cf);
    expect(String(worker.familyName).toUpperCase()).toBe(String(person!.cognome).toUpperCase());
    expect(worker.birthDate).toBe(person!.dataNascita);
    expect(worker.sex).toBe(person!.sesso === 'M' ? 'MALE' : 'FEMALE');

    const desk = registry.sportelli.find((s) => s.codice === record!.sportello)!;
    expect((worker.profile.registeredAt as Json).id).toBe(desk.codice);
    expect((worker.profile.registeredAt as Json).name).toBe(desk.denominazione);

    expect(worker.employmentHistory.map((c) => c.id)).toEqual(comms.map((c) => c.id));
    for (const [i, c] of worker.employmentHistory.entries()) {
      const source = comms[i]!;
      expect(c.startDate).toBe(source.dataInizio);
      expect((c.employer as Json).id).toBe(source.azienda);
      expect((c.contractType as Json).code).toBe(source.tipologiaContrattuale);
    }
    const [employer] = (
      await upstreamGet<{ aziende: Json[] }>(
        stack,
        'co',
        `/v1/aziende?id=${comms[0]!.azienda as string}`,
      )
    ).aziende;
    expect((worker.employmentHistory[0]!.employer as Json).name).toBe(employer!.ragioneSociale);

    expect(
      sortBy(
        worker.trainingEnrollments.map((e) => e.id as string),
        (x) => x,
      ),
    ).toEqual(
      sortBy(
        enrolments.map((e) => e.id as string),
        (x) => x,
      ),
    );
    for (const e of worker.trainingEnrollments) {
      const source = enrolments.find((s) => s.id === e.id)!;
      const course = await upstreamGet<Json>(stack, 'trio', `/v1/corsi/${source.corso as string}`);
      expect(e.course).toMatchObject({
        id: course.id,
        title: course.titolo,
        area: { code: course.area },
      });
    }
    expect(worker.certificates.map((c) => c.id).sort()).toEqual(
      certificates.map((c) => c.id).sort(),
    );
  });

  it('never exposes the fiscal-code join key to clients', async () => {
    const res = await gql('{ __type(name: "Worker") { fields { name } } }');
    const fields = ((res.data!.__type as Json).fields as { name: string }[]).map((f) => f.name);
    expect(fields).toContain('fiscalCode');
    expect(fields).not.toContain('fiscalCodeKey');
  });
});

/** An employer with at least `min` communications, found by asking co. */
async function findEmployerWithCommunications(min: number): Promise<string> {
  let best = { id: '', total: 0 };
  for (let page = 1; page <= 50; page++) {
    const employers = await upstreamGet<{ aziende: Json[] }>(
      stack,
      'co',
      `/v1/aziende/ricerca?pagina=${page}&dimensione=200`,
    );
    if (employers.aziende.length === 0) break;
    for (const e of employers.aziende) {
      const page1 = await upstreamGet<{ totale: number }>(
        stack,
        'co',
        `/v1/comunicazioni?azienda=${e.id as string}&limite=1`,
      );
      if (page1.totale > best.total) best = { id: e.id as string, total: page1.totale };
      if (best.total >= min) return best.id;
    }
  }
  throw new Error(`no employer with ${min} communications (largest has ${best.total})`);
}

describe('employers', () => {
  const pageQuery = `query ($id: ID!, $first: Int!, $after: String) {
    employer(id: $id) {
      id name
      communications(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id type startDate worker { id familyName } handledAt { id name } contractType { code label } } }
      }
    }
  }`;

  it('pages an employer’s communications with each one’s worker, desk and contract type', async () => {
    const id = await findEmployerWithCommunications(150);
    const source = await upstreamGet<{
      comunicazioni: Json[];
      totale: number;
      cursore: string | null;
    }>(stack, 'co', `/v1/comunicazioni?azienda=${id}&limite=100`);
    const res = await gql<{
      employer: { communications: { totalCount: number; pageInfo: Json; edges: { node: Json }[] } };
    }>(pageQuery, { id, first: 100 });
    expect(res.errors).toBeUndefined();
    const connection = res.data!.employer.communications;
    expect(connection.totalCount).toBe(source.totale);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(connection.edges.map((e) => e.node.id)).toEqual(source.comunicazioni.map((c) => c.id));

    const cfs = [
      ...new Set(source.comunicazioni.map((c) => (c.lavoratore as Json).codiceFiscale as string)),
    ];
    const people = new Map<string, Json>();
    for (let i = 0; i < cfs.length; i += 100) {
      const batch = await upstreamGet<{ lavoratori: Json[] }>(
        stack,
        'idol',
        `/v1/lavoratori?cf=${cfs.slice(i, i + 100).join(',')}`,
      );
      for (const p of batch.lavoratori) people.set(p.codiceFiscale as string, p);
    }
    for (const [i, edge] of connection.edges.entries()) {
      const c = source.comunicazioni[i]!;
      const person = people.get((c.lavoratore as Json).codiceFiscale as string)!;
      expect((edge.node.worker as Json).id).toBe(person.id);
      expect(String((edge.node.worker as Json).familyName).toUpperCase()).toBe(
        String(person.cognome).toUpperCase(),
      );
      expect((edge.node.contractType as Json).code).toBe(c.tipologiaContrattuale);
      expect((edge.node.handledAt as Json | null)?.id ?? null).toBe(c.sportello);
    }

    // The next page continues exactly where this one ended.
    const next = await gql<{ employer: { communications: { edges: { node: Json }[] } } }>(
      pageQuery,
      {
        id,
        first: 50,
        after: connection.pageInfo.endCursor,
      },
    );
    const sourceNext = await upstreamGet<{ comunicazioni: Json[] }>(
      stack,
      'co',
      `/v1/comunicazioni?azienda=${id}&limite=50&cursore=${encodeURIComponent(source.cursore!)}`,
    );
    expect(next.data!.employer.communications.edges.map((e) => e.node.id)).toEqual(
      sourceNext.comunicazioni.map((c) => c.id),
    );
  });

  it('makes the same upstream requests for a page of 10 communications as for a page of 100', async () => {
    const id = await findEmployerWithCommunications(150);
    await gql(pageQuery, { id, first: 100 }); // warm the registry copy
    const ten = await countRequests(pageQuery, { id, first: 10 });
    const hundred = await countRequests(pageQuery, { id, first: 100 });
    expect(hundred).toEqual(ten);
    // One page from co, one batch of employers, one batch of people from idol; desks from the cached registry.
    expect(hundred).toEqual({
      'co GET /v1/comunicazioni': 1,
      'co GET /v1/aziende': 1,
      'idol GET /v1/lavoratori': 1,
    });
  });

  it('lists open vacancies with their matched candidates', async () => {
    const open = await upstreamGet<{ offerte: Json[]; totale: number }>(
      stack,
      'co',
      '/v1/offerte/ricerca?stato=APERTA&pagina=1&dimensione=20',
    );
    expect(open.offerte.length).toBeGreaterThan(0);
    const ids = open.offerte.map((o) => o.id as string);
    const candidates = await upstreamGet<{ candidature: Json[] }>(
      stack,
      'idol',
      `/v1/candidature?offerte=${ids.join(',')}`,
    );
    const res = await gql<{
      vacancies: { totalCount: number; edges: { node: Json & { candidates: Json[] } }[] };
    }>(`
        {
          vacancies(first: 20) {
            totalCount
            edges {
              node {
                id
                status
                positions
                employer {
                  id
                  name
                }
                occupation {
                  code
                }
                candidates {
                  score
                  status
                  worker {
                    id
                    familyName
                  }
                }
              }
            }
          }
        }
      `);
    expect(res.errors).toBeUndefined();
    expect(res.data!.vacancies.totalCount).toBe(open.totale);
    expect(res.data!.vacancies.edges.map((e) => e.node.id)).toEqual(ids);
    let withCandidates = 0;
    for (const { node } of res.data!.vacancies.edges) {
      expect(node.status).toBe('OPEN');
      const expected = candidates.candidature.filter((c) => c.offerta === node.id);
      expect(node.candidates.map((c) => (c.worker as Json).id).sort()).toEqual(
        expected.map((c) => c.lavoratore).sort(),
      );
      const scores = node.candidates.map((c) => c.score as number);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      if (expected.length > 0) withCandidates++;
    }
    expect(withCandidates).toBeGreaterThan(0);
  });
});

describe('analyst aggregates', () => {
  it('counts 2011 flows of communications by month and contract type as co does, cells under 5 workers hidden', async () => {
    const source = await upstreamGet<{ gruppi: Json[] }>(
      stack,
      'co',
      '/v1/statistiche/flussi?dal=2011-01-01&al=2011-12-31&raggruppa=mese,contratto',
    );
    const res = await gql<{
      communicationFlows: {
        month: string;
        contractType: { code: string; label: string };
        communications: number | null;
        workers: number | null;
        suppressed: boolean;
      }[];
    }>(`
        {
          communicationFlows(
            from: "2011-01-01"
            to: "2011-12-31"
            groupBy: [MONTH, CONTRACT_TYPE]
          ) {
            month
            contractType {
              code
              label
            }
            communications
            workers
            suppressed
            sex
          }
        }
      `);
    expect(res.errors).toBeUndefined();
    const cells = res.data!.communicationFlows;
    const key = (month: unknown, code: unknown) => `${String(month)}|${String(code)}`;
    const co = new Map(
      source.gruppi.map((g) => [
        key(g.mese, g.contratto),
        { communications: g.comunicazioni as number, workers: g.lavoratori as number },
      ]),
    );
    // Every cell of co is listed once; the visible ones with co's own numbers.
    expect(cells.map((c) => key(c.month, c.contractType.code)).sort()).toEqual(
      [...co.keys()].sort(),
    );
    const visible = cells.filter((c) => !c.suppressed);
    const hidden = cells.filter((c) => c.suppressed);
    for (const c of visible) {
      expect({ communications: c.communications, workers: c.workers }).toEqual(
        co.get(key(c.month, c.contractType.code)),
      );
      expect(c.workers).toBeGreaterThanOrEqual(5);
    }
    // Hidden cells show no count, and every cell co counts under 5 workers is among them.
    expect(hidden.every((c) => c.communications === null && c.workers === null)).toBe(true);
    const small = source.gruppi.filter((g) => (g.lavoratori as number) < 5);
    expect(small.length).toBeGreaterThan(0);
    const hiddenKeys = new Set(hidden.map((c) => key(c.month, c.contractType.code)));
    expect(small.filter((g) => !hiddenKeys.has(key(g.mese, g.contratto)))).toEqual([]);
    expect(visible.length).toBeGreaterThan(0);
    expect(new Set(cells.map((c) => c.month)).size).toBe(12);
    expect(cells.every((c) => c.contractType.label.length > 0 && (c as Json).sex === null)).toBe(
      true,
    );
  });
});

describe('training catalogue', () => {
  it('searches the course catalogue by area and pages through it', async () => {
    const areas = await upstreamGet<{ aree: Json[] }>(stack, 'trio', '/v1/aree');
    expect(areas.aree).toHaveLength(12);
    const area = areas.aree[0]!.codice as string;
    const all = await upstreamGet<{ corsi: Json[]; totale: number }>(
      stack,
      'trio',
      `/v1/corsi?area=${area}&pagina=1&dimensione=50`,
    );
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res: Awaited<
        ReturnType<
          typeof graphql<{
            courses: {
              totalCount: number;
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
              edges: { node: Json }[];
            };
          }>
        >
      > = await gql(
        `
          query ($area: ID!, $after: String) {
            courses(area: $area, first: 4, after: $after) {
              totalCount
              pageInfo {
                hasNextPage
                endCursor
              }
              edges {
                node {
                  id
                  title
                  area {
                    code
                    name
                  }
                  hours
                  certifiable
                }
              }
            }
          }
        `,
        { area, after },
      );
      expect(res.errors).toBeUndefined();
      const page = res.data!.courses;
      expect(page.totalCount).toBe(all.totale);
      for (const { node } of page.edges) {
        expect((node.area as Json).code).toBe(area);
        seen.push(node.id as string);
      }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 100);
    expect(pages).toBeGreaterThan(1);
    expect(seen.slice(0, all.corsi.length)).toEqual(all.corsi.map((c) => c.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(all.totale);
  });
});

describe('batching towards trio, which has no batch endpoint', () => {
  // The course of every enrolment and certificate is fetched by id, one GET each: trio has
  // no batch form. The small dataset's job seekers hold too few distinct courses to show the
  // bound at work, so this block enrols some of them, on a private copy of the dataset with
  // a stack of its own, in every course none of them holds yet.
  let own: Stack;
  let ownDataDir: string;
  const SEEKERS = 200;

  beforeAll(async () => {
    ownDataDir = copyDataset(inject('dataDir'));
    own = await startStack({ dataDir: ownDataDir });
  });

  afterAll(async () => {
    await own?.stop();
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  });

  /** trio's enrolments and certificates of these people, in batches of its cap (20). */
  async function trioCourses(cfs: string[]): Promise<Set<string>> {
    const courses = new Set<string>();
    for (let i = 0; i < cfs.length; i += 20) {
      const batch = cfs.slice(i, i + 20).join(',');
      const [enrolments, certificates] = await Promise.all([
        upstreamGet<{ iscrizioni: { corso: string }[] }>(own, 'trio', `/v1/iscrizioni?cf=${batch}`),
        upstreamGet<{ attestati: { corso: string }[] }>(own, 'trio', `/v1/attestati?cf=${batch}`),
      ]);
      for (const r of [...enrolments.iscrizioni, ...certificates.attestati]) courses.add(r.corso);
    }
    return courses;
  }

  it('fetches each course at most once per GraphQL request, with a bounded number in flight', async () => {
    const trio = own.upstreamUrls.trio;
    // The catalogue, and the job seekers the query below reads (idol's first page, by id).
    const catalogue = new Map<string, string>();
    for (let page = 1; ; page++) {
      const { corsi, totale } = await upstreamGet<{
        corsi: { id: string; titolo: string }[];
        totale: number;
      }>(own, 'trio', `/v1/corsi?pagina=${page}&dimensione=50`);
      for (const c of corsi) catalogue.set(c.id, c.titolo);
      if (corsi.length === 0 || catalogue.size >= totale) break;
    }
    const { lavoratori } = await upstreamGet<{
      lavoratori: { id: string; codiceFiscale: string }[];
    }>(own, 'idol', `/v1/lavoratori/ricerca?pagina=1&dimensione=${SEEKERS}`);
    expect(lavoratori).toHaveLength(SEEKERS);
    const cfs = lavoratori.map((l) => l.codiceFiscale);
    const held = await trioCourses(cfs);
    const missing = [...catalogue.keys()].filter((id) => !held.has(id));
    for (const [i, corso] of missing.entries()) {
      const res = await fetch(`${trio}/v1/iscrizioni`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${CREDENTIALS.trio}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ codiceFiscale: cfs[i % cfs.length], corso, sportello: null }),
      });
      expect(res.status, `enrolment in ${corso}`).toBe(201);
    }
    // What trio now holds for these people: the courses the gateway must resolve.
    const expected = await trioCourses(cfs);
    expect(expected.size).toBeGreaterThanOrEqual(100);
    // The bound must be smaller than the work for the test to show it.
    expect(DEFAULT_COURSE_CONCURRENCY).toBeLessThan(expected.size);

    const setLatency = (ms: number) =>
      fetch(`${trio}/_admin/settings`, { method: 'PUT', body: JSON.stringify({ latenzaMs: ms }) });
    const query = `{ jobSeekers(first: ${SEEKERS}) { edges { node { id
        trainingEnrollments { course { id title } }
        certificates { course { id title } } } } } }`;
    await setLatency(20);
    try {
      await resetUpstreamStats(own);
      type Course = { id: string; title: string };
      const res = await graphql<{
        jobSeekers: {
          edges: {
            node: {
              id: string;
              trainingEnrollments: { course: Course }[];
              certificates: { course: Course }[];
            };
          }[];
        };
      }>(own.gatewayUrl, query, undefined, {
        authorization: `Bearer ${await own.token({ role: 'operator', subject: 'op-test', desk: 'PO-NORD' })}`,
        'x-purpose': 'GUIDANCE',
      });
      expect(res.errors).toBeUndefined();
      const stats = (await (await fetch(`${trio}/_admin/stats`)).json()) as {
        richieste: Record<string, number>;
        concorrenzaMassima: Record<string, number>;
      };
      const nodes = res.data!.jobSeekers.edges.map((e) => e.node);
      // The same people as idol's page (compared without printing their ids).
      const samePeople =
        nodes.length === lavoratori.length && nodes.every((n, i) => n.id === lavoratori[i]!.id);
      expect(samePeople, "the gateway's job seekers are idol's first page").toBe(true);
      const courses = nodes.flatMap((n) => [
        ...n.trainingEnrollments.map((e) => e.course),
        ...n.certificates.map((c) => c.course),
      ]);
      const courseIds = new Set(courses.map((c) => c.id));
      expect([...courseIds].sort()).toEqual([...expected].sort());
      for (const c of courses) expect(c.title, c.id).toBe(catalogue.get(c.id));
      // Each distinct course fetched once, by id, and never more than the bound at once.
      expect(stats.richieste['GET /v1/corsi/{id}']).toBe(courseIds.size);
      expect(stats.concorrenzaMassima['GET /v1/corsi/{id}']).toBeLessThanOrEqual(
        DEFAULT_COURSE_CONCURRENCY,
      );
      expect(stats.concorrenzaMassima['GET /v1/corsi/{id}']).toBeGreaterThan(1);
      // The people's records in batches of 20 fiscal codes.
      expect(stats.richieste['GET /v1/iscrizioni']).toBe(SEEKERS / 20);
      expect(stats.richieste['GET /v1/attestati']).toBe(SEEKERS / 20);
    } finally {
      await setLatency(0);
    }
  });
});

describe('errors clients can act on', () => {
  it('refuses a malformed date with BAD_USER_INPUT and no upstream request', async () => {
    await resetUpstreamStats(stack);
    const res = await gql(
      '{ communicationFlows(from: "2011-13-01", to: "2011-12-31", groupBy: [MONTH]) { month } }',
    );
    expect(res.errors).toEqual([
      {
        message: 'Date must look like 2011-03-04',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(routeCounts(await upstreamStats(stack))).toEqual({});
  });

  it('refuses an invalid fiscal code before asking idol, without echoing it', async () => {
    await resetUpstreamStats(stack);
    const res = await gql('{ workerByFiscalCode(fiscalCode: "RSSMRA80A01H501X") { id } }');
    expect(res.status).toBe(400);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(JSON.stringify(res)).not.toContain('RSSMRA80A01H501X');
    expect(routeCounts(await upstreamStats(stack))).toEqual({});
  });
});
