import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  UpstreamBadResponseError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';
import { createUpstreamClient, UpstreamHttpClient } from './upstream-client.js';

let server: Server;
let client: UpstreamHttpClient;
const seen: { url: string; key: string | undefined; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({
      url: req.url ?? '',
      key: req.headers['x-api-key'] as string | undefined,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    const path = (req.url ?? '').split('?')[0] ?? '';
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    switch (path) {
      case '/ok':
        return json(200, { ok: true });
      case '/etag':
        if (req.headers['if-none-match'] === '"1"') {
          res.writeHead(304, { etag: '"1"' });
          return res.end();
        }
        res.writeHead(200, { 'content-type': 'application/json', etag: '"1"' });
        return res.end('{"v":1}');
      case '/bad-request':
        return json(400, {
          errore: { codice: 'PARAMETRO_NON_VALIDO', messaggio: 'RSSMRA80A01H501U is wrong' },
        });
      case '/quota':
        res.setHeader('retry-after', '1');
        return json(429, { errore: { codice: 'QUOTA_SUPERATA' } });
      case '/boom':
        return json(503, { errore: { codice: 'GUASTO', messaggio: 'http://internal:9999 down' } });
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>');
      case '/truncated':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"a": [1, 2');
      case '/hang':
        return; // never answers
      default:
        return json(404, { errore: { codice: 'NON_TROVATO' } });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new UpstreamHttpClient({
    name: 'co',
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    auth: { header: 'x-api-key', value: 'secret' },
    timeoutMs: 300,
  });
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function failure(path: string): Promise<Error> {
  try {
    await client.get(path);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('UpstreamHttpClient', () => {
  it('sends the credential and comma-joined list parameters, and decodes JSON', async () => {
    expect(await client.get('/ok', { id: ['A1', 'A2'], pagina: 2, vuoto: undefined })).toEqual({
      status: 200,
      etag: undefined,
      body: { ok: true },
    });
    expect(seen.at(-1)).toEqual({ url: '/ok?id=A1%2CA2&pagina=2', key: 'secret' });
  });

  it('answers 304 to a conditional request when asked to accept it', async () => {
    const first = await client.get('/etag', undefined, { accept: [304] });
    const second = await client.get('/etag', undefined, {
      headers: { 'if-none-match': first.etag! },
      accept: [304],
    });
    expect(second).toEqual({ status: 304, etag: '"1"', body: null });
  });

  it.each([
    ['/bad-request', 'UPSTREAM_REJECTED', UpstreamRejectedError],
    ['/missing', 'UPSTREAM_REJECTED', UpstreamRejectedError],
    ['/quota', 'UPSTREAM_UNAVAILABLE', UpstreamUnavailableError],
    ['/boom', 'UPSTREAM_UNAVAILABLE', UpstreamUnavailableError],
    ['/html', 'UPSTREAM_BAD_RESPONSE', UpstreamBadResponseError],
    ['/truncated', 'UPSTREAM_BAD_RESPONSE', UpstreamBadResponseError],
    ['/hang', 'UPSTREAM_TIMEOUT', UpstreamTimeoutError],
  ])('turns %s into a typed error with code %s and no upstream text', async (path, code, type) => {
    const error = await failure(path);
    expect(error).toBeInstanceOf(type);
    expect((error as UpstreamRejectedError).code).toBe(code);
    expect((error as UpstreamRejectedError).upstream).toBe('co');
    expect(error.message).not.toMatch(/RSSMRA|internal|http:/);
  });

  it('reports a refused connection as unavailable', async () => {
    const closed = new UpstreamHttpClient({
      name: 'idol',
      baseUrl: 'http://127.0.0.1:1',
      auth: { header: 'x-api-key', value: 'k' },
    });
    await expect(closed.get('/x')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await closed.close();
  });

  it('sends a list parameter of 1..cap values and refuses any other size without a request', async () => {
    const before = seen.length;
    await client.getList('/ok', 'id', ['A1', 'A2'], 2);
    expect(seen.at(-1)?.url).toBe('/ok?id=A1%2CA2');
    await expect(client.getList('/ok', 'id', ['A1', 'A2', 'A3'], 2)).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(client.getList('/ok', 'id', [], 2)).rejects.toBeInstanceOf(RangeError);
    expect(seen.length).toBe(before + 1);
  });

  it('builds a client from an upstream config, with an API key or a bearer token', async () => {
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = { baseUrl, credential: 'tok', timeoutMs: 300, connections: 1 };
    const keyed = createUpstreamClient('co', config, 'x-api-key');
    const bearer = createUpstreamClient('trio', config, 'bearer');
    await keyed.get('/ok');
    expect(seen.at(-1)).toEqual({ url: '/ok', key: 'tok' });
    await bearer.get('/ok');
    expect(seen.at(-1)).toEqual({ url: '/ok', key: undefined, authorization: 'Bearer tok' });
    await Promise.all([keyed.close(), bearer.close()]);
  });
});
