// The IDE at the gateway's root, in a real browser (Debian's chromium driven by
// playwright-core) against the whole stack: every file from the gateway itself, nothing
// failing, no console error; an operation typed into the editor and run as the public; one run
// with a pasted operator token and a purpose. Plus, over plain HTTP, the page's and assets'
// headers, GraphQL at `/` and `/graphql` as before, and every example operation run as its
// audience.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, readGatewayConfig } from '../gateway/config.js';
import { IDE_CONTENT_SECURITY_POLICY, IDE_EXAMPLES } from '../gateway/ide/index.js';
import { createGateway, loadGatewaySecurity } from '../gateway/index.js';
import { graphql, startStack, upstreamGet, type Stack } from './stack.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let stack: Stack;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  // A missing browser is a failure, never a skip: this is the IDE's only end-to-end check.
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No chromium at ${CHROMIUM_PATH}: install Debian's chromium (as .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  stack = await startStack({ dataDir: inject('dataDir') });
  origin = new URL(stack.gatewayUrl).origin;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

type Json = Record<string, unknown>;

/** What the page did: every request, every failure (network or HTTP >= 400), console errors. */
interface PageLog {
  requests: string[];
  failures: string[];
  consoleErrors: string[];
  /** Bodies of the page's GraphQL requests, with their request headers. */
  graphql: { body: Json; headers: Record<string, string>; status: Promise<number> }[];
}

function watch(page: Page): PageLog {
  const log: PageLog = { requests: [], failures: [], consoleErrors: [], graphql: [] };
  page.on('request', (request) => {
    log.requests.push(request.url());
    if (new URL(request.url()).pathname === '/graphql' && request.method() === 'POST') {
      log.graphql.push({
        body: request.postDataJSON() as Json,
        headers: request.headers(),
        status: request.response().then((r) => r?.status() ?? 0),
      });
    }
  });
  page.on('requestfailed', (request) =>
    log.failures.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) log.failures.push(`${response.url()}: ${response.status()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') log.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => log.consoleErrors.push(error.message));
  return log;
}

async function openIde(): Promise<{ page: Page; log: PageLog }> {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const log = watch(page);
  await page.goto(`${origin}/`);
  // GraphiQL is up once the first example's tab is there.
  await page.locator('.graphiql-tab', { hasText: IDE_EXAMPLES[0]!.name }).waitFor();
  return { page, log };
}

/**
 * The whole text of a GraphiQL editor, from its CodeMirror instance (which draws only the
 * lines in view). Evaluated as text in the page: this project's types know no DOM.
 */
const editorValue = (selector: string) =>
  `document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)})?.CodeMirror?.getValue() ?? ''`;

async function editorText(page: Page, selector: string): Promise<string> {
  return String(await page.evaluate(editorValue(selector)));
}

/** Runs the active tab and returns the result panel's JSON once it shows one. */
async function run(page: Page): Promise<{ data?: Json; errors?: Json[] }> {
  await page.locator('.graphiql-execute-button').click();
  // Polled from here: a predicate run in the page would need eval, which the page's CSP forbids.
  await expect.poll(async () => (await editorText(page, '.result-window')).trim()).toMatch(/^\{/);
  return JSON.parse(await editorText(page, '.result-window')) as { data?: Json; errors?: Json[] };
}

function expectOnlyOwnOrigin(log: PageLog): void {
  expect(log.failures).toEqual([]);
  expect(log.consoleErrors).toEqual([]);
  expect(log.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
}

describe('the IDE in a browser', () => {
  it('loads from the gateway alone, with no failed request and no console error', async () => {
    const { page, log } = await openIde();
    try {
      const tabs = await page.locator('.graphiql-tab').allInnerTexts();
      expect(tabs.map((t) => t.trim())).toEqual(IDE_EXAMPLES.map((e) => e.name));
      // The first example is open; another tab opens with its own variables.
      expect(await editorText(page, '.graphiql-query-editor')).toBe(IDE_EXAMPLES[0]!.query);
      const employer = IDE_EXAMPLES.find((e) => e.name === 'EmployerCommunications')!;
      await page.locator('.graphiql-tab', { hasText: employer.name }).click();
      expect(await editorText(page, '.graphiql-query-editor')).toBe(employer.query);
      expect(JSON.parse(await editorText(page, '.graphiql-editor-tool'))).toEqual(
        employer.variables,
      );
      // A closed example comes back with "Reset examples".
      await page.locator('.graphiql-tab-active').getByRole('button', { name: 'Close Tab' }).click();
      await expect.poll(() => page.locator('.graphiql-tab').count()).toBe(IDE_EXAMPLES.length - 1);
      await page.getByRole('button', { name: 'Reset examples' }).click();
      await expect.poll(() => page.locator('.graphiql-tab').count()).toBe(IDE_EXAMPLES.length);
      // GraphiQL's dialogs (Radix UI) insert style elements of their own: the CSP lets them.
      await page.getByRole('button', { name: 'Open settings dialog' }).click();
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      // The page, three vendor scripts, GraphiQL's style, the page's own script and style.
      const assets = log.requests.filter((url) => new URL(url).pathname.startsWith('/ide/assets/'));
      expect(assets).toHaveLength(6);
      // No token: the gateway refuses introspection to the public, and the IDE does not ask.
      expect(log.graphql).toEqual([]);
      expectOnlyOwnOrigin(log);
    } finally {
      await page.context().close();
    }
  });

  it('runs a query typed into the editor as the public and shows the registry’s desks', async () => {
    const registry = await upstreamGet<{ sportelli: Json[] }>(stack, 'registry', '/v1/sportelli');
    const { page, log } = await openIde();
    try {
      const editor = page.locator('.graphiql-query-editor .CodeMirror');
      await editor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      // Typed key by key, as a user would; the editor closes the braces it opens, and typing
      // a closing brace steps over the one it added.
      await page.keyboard.type('query TypedDesks { desks { id name } }');
      expect(await editorText(page, '.graphiql-query-editor')).toBe(
        'query TypedDesks { desks { id name } }',
      );
      // GraphiQL reads the operation's name a moment after the last key; the tab shows it then.
      await page.locator('.graphiql-tab-active', { hasText: 'TypedDesks' }).waitFor();
      const result = await run(page);
      expect(result.errors).toBeUndefined();
      const desks = (result.data as { desks: { id: string; name: string }[] }).desks;
      expect(desks.map((d) => [d.id, d.name]).sort()).toEqual(
        registry.sportelli.map((s) => [s.codice as string, s.denominazione as string]).sort(),
      );
      // The result panel shows it on screen too, not only in its editor's buffer.
      await expect.poll(() => page.locator('.result-window').innerText()).toContain(desks[0]!.name);
      expect(log.graphql).toHaveLength(1);
      const [request] = log.graphql;
      expect(request!.body.operationName).toBe('TypedDesks');
      expect(request!.headers['content-type']).toBe('application/json');
      expect(request!.headers.authorization).toBeUndefined();
      expect(await request!.status).toBe(200);
      expectOnlyOwnOrigin(log);
    } finally {
      await page.context().close();
    }
  });

  it('with a pasted operator token and a purpose, shows the docs and a desk’s job seekers by name', async () => {
    const token = await stack.token({ role: 'operator', subject: 'ide-test', desk: 'PO-NORD' });
    const example = IDE_EXAMPLES.find((e) => e.name === 'DeskJobSeekers')!;
    const desk = (example.variables as { desk: string }).desk;
    const idol = await upstreamGet<{ totale: number; lavoratori: Json[] }>(
      stack,
      'idol',
      `/v1/lavoratori/ricerca?sportello=${desk}&pagina=1&dimensione=20`,
    );
    expect(idol.lavoratori.length).toBeGreaterThan(0);
    const { page, log } = await openIde();
    try {
      await page.getByLabel('Token').fill(token);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.getByLabel('Purpose').selectOption('GUIDANCE');
      await expect.poll(() => page.getByRole('status').innerText()).toContain('operator');
      // The token left the field once used, and is in no storage.
      expect(await page.getByLabel('Token').inputValue()).toBe('');
      // Introspection, with the token: the doc explorer shows the schema's descriptions.
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).click();
      await page
        .locator('.graphiql-doc-explorer')
        .getByText('One desk by its registry code', { exact: false })
        .waitFor();

      await page.locator('.graphiql-tab', { hasText: example.name }).click();
      const result = await run(page);
      expect(result.errors).toBeUndefined();
      const jobSeekers = (
        result.data as {
          desk: {
            jobSeekers: {
              totalCount: number;
              edges: { node: { id: string; familyName: string } }[];
            };
          };
        }
      ).desk.jobSeekers;
      expect(jobSeekers.totalCount).toBe(idol.totale);
      expect(jobSeekers.edges.map((e) => [e.node.id, e.node.familyName])).toEqual(
        idol.lavoratori.map((l) => [l.id, l.cognome]),
      );

      const introspections = log.graphql.filter((r) => String(r.body.query).includes('__schema'));
      expect(introspections).toHaveLength(1);
      expect(await introspections[0]!.status).toBe(200);
      const runs = log.graphql.filter((r) => r.body.operationName === example.name);
      expect(runs).toHaveLength(1);
      expect(runs[0]!.headers.authorization).toBe(`Bearer ${token}`);
      expect(runs[0]!.headers['x-purpose']).toBe('GUIDANCE');
      expect(await runs[0]!.status).toBe(200);
      const stored = await page.evaluate(
        'JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])',
      );
      expect(String(stored).includes(token)).toBe(false);
      expectOnlyOwnOrigin(log);
    } finally {
      await page.context().close();
    }
  });
});

describe('the IDE over HTTP', () => {
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${origin}${path}`, { method, headers });

  it('serves the page at / to a browser, with its security policy, revalidated by ETag', async () => {
    const res = await get('/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(IDE_CONTENT_SECURITY_POLICY);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('vary')).toBe('accept');
    const html = await res.text();
    // Every script is a file of the gateway's; no inline script runs.
    expect([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script type="application/json" id="ide-config">',
      ...[...html.matchAll(/<script defer src="(\/ide\/assets\/[^"]+)"><\/script>/g)].map(
        (m) => `<script defer src="${m[1]}">`,
      ),
    ]);
    expect(html).not.toMatch(/https?:\/\//);
    const again = await get('/', {
      accept: 'text/html',
      'if-none-match': res.headers.get('etag')!,
    });
    expect(again.status).toBe(304);
    const head = await get('/', { accept: 'text/html' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    // A browser opened on the endpoint itself gets the same page.
    const endpoint = await get('/graphql', { accept: 'text/html,*/*;q=0.8' });
    expect(endpoint.status).toBe(200);
    expect(await endpoint.text()).toBe(html);
  });

  it('serves each asset under its content hash for a year, gzipped when asked', async () => {
    const html = await (await get('/', { accept: 'text/html' })).text();
    const paths = [...html.matchAll(/(?:src|href)="(\/ide\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(6);
    for (const path of paths) {
      expect(path).toMatch(/^\/ide\/assets\/[a-z-]+(-\d+\.\d+\.\d+)?\.[0-9a-f]{16}\.(js|css)$/);
      const plain = await get(path, { 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers.get('content-type')).toBe(
        path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
      const body = Buffer.from(await plain.arrayBuffer());
      expect(body.toString('utf8')).not.toContain('sourceMappingURL');
      // undici's fetch would decompress by itself: read the raw bytes through a plain request.
      const zipped = await rawGet(path, { 'accept-encoding': 'gzip' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(zipped.body).equals(body)).toBe(true);
    }
    expect((await get('/ide/assets/graphiql.0000000000000000.js')).status).toBe(404);
    expect((await get(paths[0]!, {}, 'POST')).status).toBe(405);
  });

  it('leaves GraphQL at / and /graphql as it was, for GET and POST', async () => {
    const query = '{ desks(kind: EMPLOYMENT_CENTRE) { id } }';
    for (const path of ['/', '/graphql']) {
      const url = new URL(path, origin).href;
      const posted = await graphql<{ desks: { id: string }[] }>(url, query);
      expect(posted.status).toBe(200);
      expect(posted.data!.desks).toHaveLength(1);
      const viaGet = await get(`${path}?query=${encodeURIComponent(query)}`, {
        accept: 'application/json',
        'apollo-require-preflight': 'true',
      });
      expect(viaGet.status).toBe(200);
      expect(((await viaGet.json()) as { data: Json }).data).toEqual(posted.data);
    }
    // CSRF prevention still refuses a GET without a preflight-forcing header.
    const simple = await get(`/?query=${encodeURIComponent(query)}`, {
      accept: 'application/json',
    });
    expect(simple.status).toBe(400);
  });

  it('with IDE_ENABLED=false leaves / to GraphQL and serves no IDE file', async () => {
    expect(readGatewayConfig({}).ideEnabled).toBe(true);
    expect(readGatewayConfig({ IDE_ENABLED: 'false' }).ideEnabled).toBe(false);
    const html = await (await get('/', { accept: 'text/html' })).text();
    const asset = /src="(\/ide\/assets\/[^"]+)"/.exec(html)![1]!;
    const security = await loadGatewaySecurity({
      jwksUrl: null,
      keysDir: stack.keysDir,
      issuer: DEV_TOKEN_ISSUER,
      audience: DEV_TOKEN_AUDIENCE,
    });
    const gateway = await createGateway(
      {
        subgraphUrls: stack.subgraphUrls,
        subgraphTimeoutMs: 10_000,
        subgraphConnections: 4,
        maxBodyBytes: 1_000_000,
        ideEnabled: false,
      },
      security,
    );
    try {
      const base = new URL(gateway.url).origin;
      const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
      const text = await page.text();
      expect(text).not.toContain('ide-config');
      // Nor Apollo's landing page, which would load from the internet.
      expect(text).not.toMatch(/https?:\/\//);
      expect((await fetch(`${base}${asset}`)).status).toBe(404);
      const posted = await graphql<{ desks: { id: string }[] }>(
        new URL('/', base).href,
        '{ desks(kind: EMPLOYMENT_CENTRE) { id } }',
      );
      expect(posted.data!.desks).toHaveLength(1);
    } finally {
      await gateway.stop();
    }
  });

  it.each(IDE_EXAMPLES.map((e) => [e.name, e] as const))(
    'the example %s runs as its audience',
    async (_name, example) => {
      const headers: Record<string, string> = {};
      if (example.audience !== 'public') {
        const token = await stack.token({
          role: example.audience,
          subject: `ide-example-${example.audience}`,
          ...(example.audience === 'operator' ? { desk: 'PO-NORD' } : {}),
        });
        headers.authorization = `Bearer ${token}`;
      }
      if (example.purpose) headers['x-purpose'] = example.purpose;
      const res = await graphql(stack.gatewayUrl, example.query, example.variables, headers);
      expect(res.errors).toBeUndefined();
      expect(res.status).toBe(200);
      expect(Object.values(res.data ?? {}).every((v) => v !== null)).toBe(true);
    },
  );
});

/** A GET whose body is left as sent (undici's fetch decodes gzip by itself). */
async function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(`${origin}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
