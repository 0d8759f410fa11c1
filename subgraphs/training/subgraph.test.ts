// The training subgraph over real HTTP against the simulated trio (and idol, only to
// learn some fiscal codes). Expected answers come from trio itself, fetched directly;
// upstream traffic is read from trio's /_admin/stats. A counting proxy between the
// subgraph and trio measures how many course requests are in flight at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../../lib/graphql-http.js';
import { createUpstream, ensureDataset, type RunningUpstream } from '../../upstreams/index.js';
import { createTrainingSubgraph } from './index.js';
import { createTestTrust, type TestTrust } from '../shared/test-trust.js';
import { auditSuppression } from '../shared/suppression-audit.js';

let testTrust: TestTrust;

const TOKEN = 'trio-test-token';
const IDOL_KEY = 'idol-test-key';

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
}

type Json = Record<string, unknown>;

let dataDir: string;
let trio: RunningUpstream;
let idol: RunningUpstream;
let proxy: Server;
let subgraph: RunningHttpServer;
const proxyStats = { courseInFlight: 0, courseMaxInFlight: 0 };

async function gql(query: string, variables?: Json): Promise<GraphQLAnswer> {
  const res = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await testTrust.headersFor()) },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as GraphQLAnswer;
}

async function direct<T = Json>(path: string): Promise<T> {
  const res = await fetch(`${trio.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function resetStats(): Promise<void> {
  await fetch(`${trio.url}/_admin/stats`, { method: 'DELETE' });
}

async function requests(): Promise<Record<string, number>> {
  const res = await fetch(`${trio.url}/_admin/stats`);
  return ((await res.json()) as { richieste: Record<string, number> }).richieste;
}

async function setLatency(latenzaMs: number): Promise<void> {
  const res = await fetch(`${trio.url}/_admin/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latenzaMs }),
  });
  expect(res.status).toBe(200);
}

/** Test-only pass-through to trio that tracks concurrent GET /v1/corsi/{id}. */
function startProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const isCourse = /^\/v1\/corsi\/[^/?]+/.test(req.url ?? '');
    if (isCourse) {
      proxyStats.courseInFlight++;
      proxyStats.courseMaxInFlight = Math.max(
        proxyStats.courseMaxInFlight,
        proxyStats.courseInFlight,
      );
    }
    const headers: Record<string, string> = {};
    if (typeof req.headers.authorization === 'string')
      headers.authorization = req.headers.authorization;
    fetch(`${target}${req.url ?? '/'}`, { headers })
      .then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, {
          'content-type': answer.headers.get('content-type') ?? 'text/plain',
        });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      })
      .finally(() => {
        if (isCourse) proxyStats.courseInFlight--;
      });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The course as the graph shows it, from trio's own document. */
function courseView(c: Json): Json {
  const levels: Record<string, string> = {
    BASE: 'BASIC',
    INTERMEDIO: 'INTERMEDIATE',
    AVANZATO: 'ADVANCED',
  };
  return {
    id: c.id,
    code: c.codice,
    title: c.titolo,
    hours: c.ore,
    level: levels[c.livello as string],
    certifiable: c.certificabile,
    tutoring: c.tutor,
    description: c.descrizione,
    area: { code: c.area },
  };
}
const COURSE_FIELDS = 'id code title hours level certifiable tutoring description area { code }';

const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { ';

beforeAll(async () => {
  testTrust = await createTestTrust();
  dataDir = mkdtempSync(join(tmpdir(), 'training-subgraph-'));
  await ensureDataset({ dir: dataDir, seed: 2010, scale: 0.01 });
  trio = await createUpstream({ system: 'trio', dataDir, credential: TOKEN, port: 0 });
  idol = await createUpstream({ system: 'idol', dataDir, credential: IDOL_KEY, port: 0 });
  proxy = await startProxy(trio.url);
  subgraph = await createTrainingSubgraph(
    {
      trio: {
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        credential: TOKEN,
        timeoutMs: 5000,
        connections: 32,
        areasMaxAgeMs: 300_000,
      },
      courseConcurrency: 8,
      port: 0,
    },
    testTrust.trust,
  );
}, 120_000);

afterAll(async () => {
  await subgraph?.stop();
  await new Promise((resolve) => proxy?.close(resolve));
  await Promise.all([trio?.stop(), idol?.stop()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await setLatency(0);
  await resetStats();
});

describe('catalogue', () => {
  it('courseAreas are trio areas', async () => {
    const { aree } = await direct<{ aree: Json[] }>('/v1/aree');
    const answer = await gql('{ courseAreas { code name description } }');
    expect(answer).toEqual({
      data: {
        courseAreas: aree.map((a) => ({
          code: a.codice,
          name: a.denominazione,
          description: a.descrizione,
        })),
      },
    });
    expect(aree).toHaveLength(12);
  });

  it('a search page with course fields costs one search request and no course request', async () => {
    const page = await direct<{ totale: number; corsi: Json[] }>(
      '/v1/corsi?pagina=1&dimensione=10',
    );
    await gql('{ courseAreas { code } }'); // the areas document is cached by now
    await resetStats();
    const answer = await gql(
      `{ courses(first: 10) { totalCount pageInfo { hasNextPage } edges { node { ${COURSE_FIELDS} } } } }`,
    );
    expect(answer).toEqual({
      data: {
        courses: {
          totalCount: page.totale,
          pageInfo: { hasNextPage: page.totale > 10 },
          edges: page.corsi.map((c) => ({ node: courseView(c) })),
        },
      },
    });
    expect(await requests()).toEqual({ 'GET /v1/corsi': 1 });
  });

  it('the second page follows the first page cursor', async () => {
    const page2 = await direct<{ corsi: Json[] }>('/v1/corsi?pagina=2&dimensione=7');
    const first = await gql('{ courses(first: 7) { pageInfo { endCursor } } }');
    const after = (first.data?.courses as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
    const second = await gql(
      'query ($a: String) { courses(first: 7, after: $a) { edges { node { id } } } }',
      { a: after },
    );
    expect(second.data?.courses).toEqual({
      edges: page2.corsi.map((c) => ({ node: { id: c.id } })),
    });
  });

  it('filters by area, words of the title and certifiability as trio does', async () => {
    const sample = await direct<{ corsi: Json[] }>('/v1/corsi?area=LIN&pagina=1&dimensione=1');
    const word = String(sample.corsi[0]?.titolo).split(/[^A-Za-z]+/)[0] ?? '';
    const truth = await direct<{ totale: number; corsi: Json[] }>(
      `/v1/corsi?area=LIN&q=${encodeURIComponent(word)}&certificabile=true&pagina=1&dimensione=50`,
    );
    const answer = await gql(
      'query ($q: String) { courses(area: "LIN", search: $q, certifiable: true, first: 50) { totalCount edges { node { id } } } }',
      { q: `  ${word}  ` },
    );
    expect(answer.data?.courses).toEqual({
      totalCount: truth.totale,
      edges: truth.corsi.map((c) => ({ node: { id: c.id } })),
    });
  });

  it('refuses an unknown area before any search request', async () => {
    await gql('{ courseAreas { code } }');
    await resetStats();
    const answer = await gql('{ courses(area: "ZZZ") { totalCount } }');
    expect(answer.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'area' });
    expect((await requests())['GET /v1/corsi']).toBeUndefined();
  });

  it('CourseArea.courses lists the area courses', async () => {
    const truth = await direct<{ totale: number; corsi: Json[] }>(
      '/v1/corsi?area=TES&pagina=1&dimensione=3',
    );
    const answer = await gql(
      `${ENTITIES} ... on CourseArea { name courses(first: 3) { totalCount edges { node { id } } } } } }`,
      {
        r: [{ __typename: 'CourseArea', code: 'TES' }],
      },
    );
    expect(answer.data?._entities).toEqual([
      {
        name: 'Tessile e moda',
        courses: {
          totalCount: truth.totale,
          edges: truth.corsi.map((c) => ({ node: { id: c.id } })),
        },
      },
    ]);
  });
});

describe('Course entities', () => {
  it('100 representations (90 distinct) cost 90 course requests, at most 8 in flight', async () => {
    const { corsi, totale } = await direct<{ totale: number; corsi: Json[] }>(
      '/v1/corsi?pagina=1&dimensione=50',
    );
    const more = await direct<{ corsi: Json[] }>('/v1/corsi?pagina=2&dimensione=50');
    const known = [...corsi, ...more.corsi].slice(0, 90);
    expect(known).toHaveLength(Math.min(90, totale));
    // Well-formed ids trio does not know make up the 90 distinct (404 -> null).
    const unknown = Array.from(
      { length: 90 - known.length },
      (_, i) => `TR9${String(i).padStart(3, '0')}`,
    );
    const ids = [...known.map((c) => String(c.id)), ...unknown];
    const reps = [...ids, ...ids.slice(0, 10)].map((id) => ({ __typename: 'Course', id }));
    await gql('{ courseAreas { code } }');
    await setLatency(20);
    await resetStats();
    proxyStats.courseMaxInFlight = 0;

    const answer = await gql(`${ENTITIES} ... on Course { ${COURSE_FIELDS} } } }`, { r: reps });

    const byId = new Map(known.map((c) => [String(c.id), courseView(c)]));
    expect(answer.errors).toBeUndefined();
    expect(answer.data?._entities).toEqual(reps.map((r) => byId.get(r.id) ?? null));
    const stats = await requests();
    expect(stats['GET /v1/corsi/{id}']).toBe(90);
    expect(stats['GET /v1/corsi/{id} 404'] ?? 0).toBe(unknown.length);
    expect(proxyStats.courseMaxInFlight).toBeLessThanOrEqual(8);
    expect(proxyStats.courseMaxInFlight).toBeGreaterThan(1);
  });

  it('an id that is not a path segment resolves to null without a request', async () => {
    const answer = await gql(
      '{ a: course(id: "../aree") { id } b: course(id: "TR0001/../TR0002") { id } }',
    );
    expect(answer).toEqual({ data: { a: null, b: null } });
    expect(await requests()).toEqual({});
  });

  it('an id trio refuses resolves to null', async () => {
    const answer = await gql('{ course(id: "abc") { id } }');
    expect(answer).toEqual({ data: { course: null } });
  });
});

describe('Worker extension', () => {
  /** 45 fiscal codes of job seekers, those with TRIO enrolments first. */
  async function fiscalCodes(): Promise<string[]> {
    const res = await fetch(`${idol.url}/v1/lavoratori/ricerca?pagina=1&dimensione=200`, {
      headers: { 'x-api-key': IDOL_KEY },
    });
    const { lavoratori } = (await res.json()) as { lavoratori: { codiceFiscale: string }[] };
    const all = lavoratori.map((l) => l.codiceFiscale);
    const enrolled = new Set<string>();
    for (let i = 0; i < all.length; i += 20) {
      const { iscrizioni } = await direct<{ iscrizioni: { codiceFiscale: string }[] }>(
        `/v1/iscrizioni?cf=${all.slice(i, i + 20).join(',')}`,
      );
      for (const e of iscrizioni) enrolled.add(e.codiceFiscale);
    }
    return [
      ...all.filter((cf) => enrolled.has(cf)),
      ...all.filter((cf) => !enrolled.has(cf)),
    ].slice(0, 45);
  }

  const statuses: Record<string, string> = {
    IN_CORSO: 'IN_PROGRESS',
    COMPLETATO: 'COMPLETED',
    RITIRATO: 'WITHDRAWN',
  };
  const oldestFirst = (a: Json, b: Json) =>
    String(a.data).localeCompare(String(b.data)) || String(a.id).localeCompare(String(b.id));

  it('45 workers cost 3 enrolment requests and one request per distinct course', async () => {
    const codes = await fiscalCodes();
    expect(codes).toHaveLength(45);
    const truth: Json[] = [];
    for (let i = 0; i < codes.length; i += 20) {
      truth.push(
        ...(
          await direct<{ iscrizioni: Json[] }>(
            `/v1/iscrizioni?cf=${codes.slice(i, i + 20).join(',')}`,
          )
        ).iscrizioni,
      );
    }
    expect(truth.length).toBeGreaterThan(0);
    const titles = new Map<string, string>();
    for (const id of new Set(truth.map((e) => String(e.corso)))) {
      titles.set(id, String((await direct(`/v1/corsi/${id}`)).titolo));
    }
    await resetStats();

    const answer = await gql(
      `${ENTITIES} ... on Worker { trainingEnrollments { id enrolledOn status progress desk { id } course { title } } } } }`,
      { r: codes.map((fiscalCodeKey) => ({ __typename: 'Worker', fiscalCodeKey })) },
    );

    expect(answer.errors).toBeUndefined();
    expect(answer.data?._entities).toEqual(
      codes.map((cf) => ({
        trainingEnrollments: truth
          .filter((e) => e.codiceFiscale === cf)
          .sort(oldestFirst)
          .map((e) => ({
            id: e.id,
            enrolledOn: e.data,
            status: statuses[e.stato as string],
            progress: e.avanzamento,
            desk: e.sportello === null ? null : { id: e.sportello },
            course: { title: titles.get(String(e.corso)) },
          })),
      })),
    );
    expect(await requests()).toEqual({
      'GET /v1/iscrizioni': 3,
      'GET /v1/corsi/{id}': titles.size,
    });
    expect(JSON.stringify(answer)).not.toContain(codes[0]);
  });

  it('certificates are grouped per person, oldest first', async () => {
    const codes = await fiscalCodes();
    const truth: Json[] = [];
    for (let i = 0; i < codes.length; i += 20) {
      truth.push(
        ...(
          await direct<{ attestati: Json[] }>(
            `/v1/attestati?cf=${codes.slice(i, i + 20).join(',')}`,
          )
        ).attestati,
      );
    }
    await resetStats();
    const answer = await gql(
      `${ENTITIES} ... on Worker { certificates { id issuedOn score course { id } } } } }`,
      {
        r: codes.map((fiscalCodeKey) => ({ __typename: 'Worker', fiscalCodeKey })),
      },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?._entities).toEqual(
      codes.map((cf) => ({
        certificates: truth
          .filter((t) => t.codiceFiscale === cf)
          .sort(oldestFirst)
          .map((t) => ({
            id: t.id,
            issuedOn: t.data,
            score: t.punteggio,
            course: { id: t.corso },
          })),
      })),
    );
    const stats = await requests();
    expect(stats['GET /v1/attestati']).toBe(3);
    expect(stats['GET /v1/corsi/{id}'] ?? 0).toBe(new Set(truth.map((t) => t.corso)).size);
  });
});

describe('Desk and Workstation', () => {
  it('Desk.workstations: one request for the desks, bookings oldest first, no fiscal code', async () => {
    const { postazioni } = await direct<{
      postazioni: { id: string; sportello: string; etichetta: string; prenotazioni: Json[] }[];
    }>('/v1/postazioni');
    const desks = [...new Set(postazioni.map((p) => p.sportello))].slice(0, 19);
    await resetStats();
    const answer = await gql(
      `${ENTITIES} ... on Desk { id workstations { id label desk { id } bookings(from: "2014-12-01", to: "2014-12-31") { id startsAt endsAt } } } } }`,
      { r: [...desks, 'NO-SUCH-DESK'].map((id) => ({ __typename: 'Desk', id })) },
    );
    expect(answer.errors).toBeUndefined();
    const expected = [...desks, 'NO-SUCH-DESK'].map((id) => ({
      id,
      workstations: postazioni
        .filter((p) => p.sportello === id)
        .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }))
        .map((p) => ({
          id: p.id,
          label: p.etichetta,
          desk: { id },
          bookings: p.prenotazioni
            .filter(
              (b) =>
                String(b.inizio).slice(0, 10) >= '2014-12-01' &&
                String(b.inizio).slice(0, 10) <= '2014-12-31',
            )
            .sort((a, b) => Date.parse(String(a.inizio)) - Date.parse(String(b.inizio)))
            .map((b) => ({ id: b.id, startsAt: b.inizio, endsAt: b.fine })),
        })),
    }));
    expect(answer.data?._entities).toEqual(expected);
    expect(await requests()).toEqual({ 'GET /v1/postazioni': 1 });
    const someBooking = postazioni.flatMap((p) => p.prenotazioni)[0];
    expect(someBooking).toBeDefined();
    expect(JSON.stringify(answer)).not.toContain(String(someBooking?.codiceFiscale));
  });

  it('Workstation entities resolve through their desk', async () => {
    const { postazioni } = await direct<{ postazioni: { id: string; sportello: string }[] }>(
      '/v1/postazioni',
    );
    const picks = postazioni.slice(0, 5);
    await resetStats();
    const answer = await gql(`${ENTITIES} ... on Workstation { id desk { id } } } }`, {
      r: [...picks.map((p) => p.id), 'PO-NORD-99'].map((id) => ({ __typename: 'Workstation', id })),
    });
    expect(answer.data?._entities).toEqual([
      ...picks.map((p) => ({ id: p.id, desk: { id: p.sportello } })),
      null,
    ]);
    expect(await requests()).toEqual({ 'GET /v1/postazioni': 1 });
  });
});

describe('courseUsage', () => {
  it('is trio usage statistics with references, cells under 5 people suppressed', async () => {
    // Five years by desk and area: at this scale, some big cells among many small ones.
    const { gruppi } = await direct<{ gruppi: Json[] }>(
      '/v1/statistiche/utilizzo?dal=2010-01-01&al=2014-12-31&raggruppa=sportello,area',
    );
    const answer = await gql(
      '{ courseUsage(from: "2010-01-01", to: "2014-12-31", groupBy: [DESK, AREA]) { month desk { id } area { code } enrollments completions people suppressed } }',
    );
    expect(answer.errors).toBeUndefined();
    const cells = (answer.data as { courseUsage: Json[] }).courseUsage;
    expect(cells.every((c) => c.month === null)).toBe(true);
    const audit = auditSuppression(
      cells.map((c) => ({
        coordinates: [
          (c.desk as { id: string } | null)?.id ?? null,
          (c.area as { code: string }).code,
        ],
        measures: [
          c.enrollments as number | null,
          c.completions as number | null,
          c.people as number | null,
        ],
        suppressed: c.suppressed as boolean,
      })),
      gruppi.map((g) => ({
        coordinates: [g.sportello as string | null, g.area as string],
        measures: [g.iscrizioni as number, g.completati as number, g.persone as number],
        people: g.persone as number,
      })),
      5,
    );
    expect(audit.problems).toEqual([]);
    expect(audit.small).toBeGreaterThan(0);
    expect(audit.hidden).toBeGreaterThan(audit.small);
    expect(audit.hidden).toBeLessThan(cells.length);
  });

  it('without dimensions is one total cell', async () => {
    const { gruppi } = await direct<{ gruppi: Json[] }>(
      '/v1/statistiche/utilizzo?dal=2010-01-01&al=2014-12-31',
    );
    const answer = await gql(
      '{ courseUsage(from: "2010-01-01", to: "2014-12-31", groupBy: []) { month desk { id } area { code } enrollments suppressed } }',
    );
    expect(answer.data?.courseUsage).toEqual([
      {
        month: null,
        desk: null,
        area: null,
        enrollments: gruppi[0]?.iscrizioni,
        suppressed: false,
      },
    ]);
  });
});
