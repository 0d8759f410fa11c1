// The trio client against a real local HTTP server on port 0.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrioClient } from './client.js';

const corso = {
  id: 'TR0001',
  codice: 'INF-0001',
  titolo: 'T',
  area: 'INF',
  ore: 12,
  livello: 'BASE',
  certificabile: true,
  tutor: false,
  descrizione: null,
};

let server: Server;
let baseUrl: string;
const seen: { url: string; authorization: string | undefined }[] = [];

function answer(req: IncomingMessage): [number, unknown] {
  if (req.headers.authorization !== 'Bearer test-token')
    return [401, { errore: { codice: 'NON_AUTORIZZATO', messaggio: 'no' } }];
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/v1/aree')
    return [200, { aree: [{ codice: 'INF', denominazione: 'Informatica', descrizione: null }] }];
  if (url.pathname === '/v1/corsi/TR0001') return [200, corso];
  if (url.pathname.startsWith('/v1/corsi/'))
    return [404, { errore: { codice: 'NON_TROVATO', messaggio: 'x' } }];
  if (url.pathname === '/v1/corsi')
    return [200, { totale: 1, pagina: 1, dimensione: 5, corsi: [corso] }];
  if (url.pathname === '/v1/iscrizioni') return [200, { iscrizioni: [] }];
  if (url.pathname === '/v1/statistiche/utilizzo') return [200, { gruppi: [] }];
  if (url.pathname === '/v1/postazioni')
    return [500, { errore: { codice: 'GUASTO', messaggio: 'x' } }];
  return [404, {}];
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const [status, body] = answer(req);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function client(areasMaxAgeMs = 60_000, credential = 'test-token'): TrioClient {
  return new TrioClient({ baseUrl, credential, timeoutMs: 2000, connections: 4, areasMaxAgeMs });
}

describe('TrioClient', () => {
  it('sends the bearer token and decodes a course', async () => {
    const trio = client();
    seen.length = 0;
    expect(await trio.getCourse('TR0001')).toMatchObject({ id: 'TR0001', level: 'BASIC' });
    expect(seen).toEqual([{ url: '/v1/corsi/TR0001', authorization: 'Bearer test-token' }]);
    await trio.close();
  });

  it('answers null for a 404 or a refused id, and never sends an id that could leave its segment', async () => {
    const trio = client();
    seen.length = 0;
    expect(await trio.getCourse('TR9999')).toBeNull();
    expect(await trio.getCourse('abc')).toBeNull();
    expect(await trio.getCourse('../aree')).toBeNull();
    expect(await trio.getCourse('TR0001/../../aree')).toBeNull();
    expect(seen.map((s) => s.url)).toEqual(['/v1/corsi/TR9999', '/v1/corsi/abc']);
    await trio.close();
  });

  it('builds the catalogue, people and usage queries', async () => {
    const trio = client();
    seen.length = 0;
    await trio.searchCourses({
      area: 'INF',
      search: 'foglio & co',
      certifiable: false,
      pagina: 2,
      dimensione: 5,
    });
    await trio.searchCourses({ pagina: 1, dimensione: 20 });
    await trio.getEnrollments(['AAAMRA80A01G999A', 'BBBMRA80A01G999B']);
    await trio.getCourseUsage({ from: '2012-01-01', to: '2012-12-31', groupBy: ['MONTH', 'AREA'] });
    await trio.getCourseUsage({ from: '2012-01-01', to: '2012-12-31', groupBy: [] });
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/corsi?area=INF&q=foglio+%26+co&certificabile=false&pagina=2&dimensione=5',
      '/v1/corsi?pagina=1&dimensione=20',
      '/v1/iscrizioni?cf=AAAMRA80A01G999A%2CBBBMRA80A01G999B',
      '/v1/statistiche/utilizzo?dal=2012-01-01&al=2012-12-31&raggruppa=mese%2Carea',
      '/v1/statistiche/utilizzo?dal=2012-01-01&al=2012-12-31',
    ]);
    await trio.close();
  });

  it('keeps the areas for their max age, then fetches them again', async () => {
    const cached = client(60_000);
    seen.length = 0;
    await Promise.all([cached.getAreas(), cached.getAreas()]);
    await cached.getAreas();
    expect(seen.map((s) => s.url)).toEqual(['/v1/aree']);
    const stale = client(0);
    seen.length = 0;
    await stale.getAreas();
    await stale.getAreas();
    expect(seen.map((s) => s.url)).toEqual(['/v1/aree', '/v1/aree']);
    await Promise.all([cached.close(), stale.close()]);
  });

  it('turns failures into typed upstream errors', async () => {
    const trio = client();
    await expect(trio.getWorkstations(['PO-NORD'])).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'trio',
    });
    await trio.close();
    const unauthorised = client(60_000, 'wrong');
    await expect(unauthorised.getCourse('TR0001')).rejects.toMatchObject({
      code: 'UPSTREAM_REJECTED',
      status: 401,
    });
    await unauthorised.close();
  });
});
