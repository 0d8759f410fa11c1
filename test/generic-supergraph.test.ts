// The gateway serving a supergraph nobody here wrote: the four subgraphs of the public federation
// gateway benchmark (bench/foreign/), composed into bench/foreign/supergraph.graphql, reached at
// the URLs given by SUBGRAPH_URL_<NAME>. The benchmark's query must answer exactly what stock
// @apollo/gateway answers over the same subgraphs (both computed here), and what each gateway
// asks of the subgraphs for it is counted. The parts that describe this project's graph (the
// partners' manifest, the cost model) step aside for it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeForeignSupergraph,
  FOREIGN_QUERY_PATH,
  FOREIGN_SUPERGRAPH_PATH,
} from '../bench/foreign/compose.js';
import {
  createForeignSubgraph,
  FOREIGN_SUBGRAPHS,
  type RunningForeignSubgraph,
} from '../bench/foreign/subgraphs.js';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, readSubgraphUrls } from '../gateway/config.js';
import { createGateway, loadGatewaySecurity, type GatewaySecurity } from '../gateway/index.js';
import { mintDevToken } from '../lib/auth/dev-tokens.js';
import { ensureKeys, keyFiles, loadPrivateKey } from '../lib/auth/keys.js';
import type { RunningHttpServer } from '../lib/graphql-http.js';
import { projectPath } from '../lib/project-files.js';

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const query = readFileSync(projectPath(FOREIGN_QUERY_PATH), 'utf8');
const supergraphSdl = readFileSync(projectPath(FOREIGN_SUPERGRAPH_PATH), 'utf8');

let keysDir: string;
let security: GatewaySecurity;
let subgraphs: RunningForeignSubgraph[] = [];
let ours: RunningHttpServer;
let stock: ApolloServer;
/** SUBGRAPH_URL_<NAME> for each foreign subgraph, as an operator would set them. */
let env: Record<string, string>;

const gatewayOptions = (extra: Record<string, unknown> = {}) => ({
  supergraphPath: FOREIGN_SUPERGRAPH_PATH,
  subgraphUrls: readSubgraphUrls(env),
  subgraphTimeoutMs: 5_000,
  subgraphConnections: 8,
  maxBodyBytes: 1_000_000,
  ...extra,
});

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'prato-graph-foreign-keys-'));
  await ensureKeys(keysDir);
  security = await loadGatewaySecurity({
    jwksUrl: null,
    keysDir,
    issuer: DEV_TOKEN_ISSUER,
    audience: DEV_TOKEN_AUDIENCE,
  });
  subgraphs = await Promise.all(FOREIGN_SUBGRAPHS.map((name) => createForeignSubgraph(name)));
  env = Object.fromEntries(subgraphs.map((s) => [`SUBGRAPH_URL_${s.name.toUpperCase()}`, s.url]));
  ours = await createGateway(gatewayOptions(), security);
  const urls = Object.fromEntries(subgraphs.map((s) => [s.name, s.url]));
  // Stock: every default, only the subgraphs' URLs of this run.
  stock = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl,
      buildService: ({ name }) => new RemoteGraphQLDataSource({ url: urls[name] }),
    }),
  });
  await stock.start();
});

afterAll(async () => {
  await ours?.stop();
  await stock?.stop();
  await Promise.all(subgraphs.map((s) => s.stop()));
  rmSync(keysDir, { recursive: true, force: true });
});

async function askOurs(body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(ours.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as Omit<Answer, 'status'>) };
}

async function askStock(): Promise<Answer> {
  const response = await stock.executeOperation({ query, operationName: 'TestQuery' });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { data, errors } = response.body.singleResult;
  return { status: response.http.status ?? 200, data, errors: errors as Answer['errors'] };
}

/** Subgraph requests `run` causes, by subgraph. */
async function counted<T>(run: () => Promise<T>): Promise<[T, Record<string, number>]> {
  for (const s of subgraphs) s.resetRequests();
  const result = await run();
  return [result, Object.fromEntries(subgraphs.map((s) => [s.name, s.requests()]))];
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('serving a foreign Federation 2 supergraph', () => {
  it('is the composition of the four benchmark subgraphs, as committed', async () => {
    expect(supergraphSdl).toBe(await composeForeignSupergraph());
  });

  it("answers the benchmark's query exactly as stock @apollo/gateway does", async () => {
    const [theirs, stockCounts] = await counted(askStock);
    const [mine, ourCounts] = await counted(() => askOurs({ query, operationName: 'TestQuery' }));
    expect(theirs.errors?.[0]?.message).toBeUndefined();
    expect(mine.status).toBe(200);
    expect(mine.errors?.[0]?.message).toBeUndefined();
    expect(mine.data).toEqual(theirs.data);
    // The answer is the whole graph's: every list it asks for is there, every subgraph used.
    const data = mine.data as { users: unknown[]; topProducts: unknown[] };
    expect(data.users).toHaveLength(6);
    expect(data.topProducts).toHaveLength(5);
    for (const name of FOREIGN_SUBGRAPHS) {
      expect(ourCounts[name], name).toBeGreaterThan(0);
      expect(stockCounts[name], name).toBeGreaterThan(0);
    }
    // The plan's fetches to one subgraph that start together go as one request
    // (gateway/fetch-batch.ts): the same plan as stock Apollo's, in fewer requests.
    expect(total(ourCounts)).toBeLessThan(total(stockCounts));
    // Counts only: the figures the benchmark reports beside requests per second.
    console.log(
      `subgraph requests for TestQuery: ours ${total(ourCounts)} ${JSON.stringify(ourCounts)}, ` +
        `stock @apollo/gateway ${total(stockCounts)} ${JSON.stringify(stockCounts)}`,
    );
  });

  it("computes fields that @requires another subgraph's fields from what the gateway sent", async () => {
    const answer = await askOurs({
      query: '{ topProducts(first: 4) { upc price weight shippingEstimate } }',
    });
    expect(answer).toEqual({
      status: 200,
      data: {
        topProducts: [
          { upc: '1', price: 899, weight: 100, shippingEstimate: 50 },
          { upc: '2', price: 1299, weight: 1000, shippingEstimate: 0 },
          { upc: '3', price: 15, weight: 20, shippingEstimate: 10 },
          { upc: '4', price: 499, weight: 100, shippingEstimate: 50 },
        ],
      },
    });
  });

  it('reports on the foreign subgraphs in its readiness by a query each can answer', async () => {
    const res = await fetch(new URL('/readyz', ours.url));
    expect(res.status).toBe(200);
    // They have no /readyz: each is asked for `{ __typename }` at its GraphQL URL.
    expect(await res.json()).toEqual({
      status: 'ok',
      subgraphs: Object.fromEntries(
        FOREIGN_SUBGRAPHS.map((name) => [name, { ready: true, upstreams: [] }]),
      ),
    });
  });

  it("loads no partners' manifest for it by default: a partner's request is not registered", async () => {
    const tokenKey = await loadPrivateKey(keyFiles(keysDir, 'token-signing').privateFile);
    const token = await mintDevToken(
      tokenKey,
      { role: 'partner', subject: 'cna-integration', organization: 'CNA' },
      { issuer: DEV_TOKEN_ISSUER, audience: DEV_TOKEN_AUDIENCE },
    );
    const [answer, counts] = await counted(() =>
      askOurs({ query: '{ users { id } }' }, { authorization: `Bearer ${token}` }),
    );
    expect(answer.status).toBe(403);
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['OPERATION_NOT_REGISTERED']);
    expect(total(counts)).toBe(0);
  });

  it('refuses to start with a manifest named explicitly that does not fit the graph', async () => {
    await expect(
      createGateway(
        gatewayOptions({
          // The committed manifest, by a path of its own: loaded, and checked against this graph.
          trustedDocumentsPath: projectPath('gateway/trusted-documents.json'),
        }),
        security,
      ),
    ).rejects.toThrow(/Trusted documents .* cannot be used/);
  });
});
