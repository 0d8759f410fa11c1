// The gateway's `/readyz`: 503 until the supergraph is loaded, then 200 with each subgraph's
// own readiness (its `/readyz`: ready or not, and its upstreams' circuit states).
//
// An unready subgraph does not make the gateway unready. The gateway degrades per field: a
// query that touches a failing subgraph still gets every field the others serve, with
// SUBGRAPH_UNAVAILABLE or UPSTREAM_* errors where the failing one was needed, and a gateway
// replica taken out of service would help no one (every replica sees the same subgraphs).
// The report is there for operators and dashboards; it carries states and names only.
import { request, type Dispatcher } from 'undici';
import type { Readiness } from '../lib/graphql-http.js';

export interface SubgraphReport {
  /** The subgraph answered its `/readyz` with 200. */
  ready: boolean;
  /** Its upstreams' circuits, as it reported them (names and states only). */
  upstreams: { name: string; circuit: 'closed' | 'open' | 'half-open' }[];
}

export interface GatewayReadinessOptions {
  /** Whether the supergraph has been loaded (ApolloGateway's onSchemaLoadOrUpdate). */
  supergraphLoaded: () => boolean;
  /** Each subgraph's GraphQL URL; its readiness is `readyz` next to it. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** The connection pool to the subgraphs. */
  dispatcher?: Dispatcher;
  /** How long a subgraph's `/readyz` may take. Default 1000 ms. */
  timeoutMs?: number;
  /**
   * How a subgraph is asked: `readyz`, its `/readyz` beside the GraphQL URL (this project's
   * subgraphs, which report their upstreams' circuits too); `typename`, a `{ __typename }` query
   * to the GraphQL URL itself, which any GraphQL server answers (another supergraph's subgraphs,
   * which may have no `/readyz`). Default `readyz`.
   */
  probe?: 'readyz' | 'typename';
  /** How long a round of subgraph answers is reused. Default 1000 ms. */
  cacheMs?: number;
  now?: () => number;
}

const CIRCUITS = new Set(['closed', 'open', 'half-open']);
const UPSTREAM_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,40}$/;
/** A subgraph's readiness body is a few hundred bytes; anything larger is ignored. */
const MAX_REPORT_BYTES = 16 * 1024;

/** `readyz` next to a subgraph's GraphQL endpoint (`http://h:4001/graphql` -> `http://h:4001/readyz`). */
export function readinessUrl(subgraphUrl: string): string {
  return new URL('readyz', subgraphUrl).toString();
}

/** Only names and states out of a subgraph's readiness body; anything else is dropped. */
export function upstreamsOf(body: unknown): SubgraphReport['upstreams'] {
  if (typeof body !== 'object' || body === null || !('upstreams' in body)) return [];
  const { upstreams } = body;
  if (!Array.isArray(upstreams)) return [];
  const report: SubgraphReport['upstreams'] = [];
  for (const entry of upstreams.slice(0, 20) as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { name, circuit } = entry as { name?: unknown; circuit?: unknown };
    if (typeof name === 'string' && UPSTREAM_NAME.test(name) && typeof circuit === 'string') {
      if (CIRCUITS.has(circuit)) {
        report.push({ name, circuit: circuit as SubgraphReport['upstreams'][number]['circuit'] });
      }
    }
  }
  return report;
}

/** The `typename` probe's query. */
const TYPENAME_QUERY = JSON.stringify({ query: '{ __typename }' });

/** Whether a `{ __typename }` answer is a GraphQL answer with data. */
function answeredTypename(body: unknown): boolean {
  const data = (body as { data?: { __typename?: unknown } } | null)?.data;
  return typeof data?.__typename === 'string';
}

async function askSubgraph(
  url: string,
  timeoutMs: number,
  dispatcher: Dispatcher | undefined,
  probe: 'readyz' | 'typename',
): Promise<SubgraphReport> {
  try {
    const response = await request(probe === 'readyz' ? readinessUrl(url) : url, {
      ...(probe === 'readyz'
        ? { method: 'GET' as const }
        : {
            method: 'POST' as const,
            headers: { 'content-type': 'application/json' },
            body: TYPENAME_QUERY,
          }),
      signal: AbortSignal.timeout(timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REPORT_BYTES) {
        response.body.on('error', () => undefined);
        response.body.destroy();
        return { ready: probe === 'readyz' && response.statusCode === 200, upstreams: [] };
      }
      chunks.push(chunk);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    } catch {
      body = undefined;
    }
    if (probe === 'typename') {
      return { ready: response.statusCode === 200 && answeredTypename(body), upstreams: [] };
    }
    return { ready: response.statusCode === 200, upstreams: upstreamsOf(body) };
  } catch {
    // Unreachable or too slow: not ready. The cause (a URL, an address) is not reported.
    return { ready: false, upstreams: [] };
  }
}

/** The gateway's readiness check, for serveGraphQL's `readiness` option. */
export function gatewayReadiness(options: GatewayReadinessOptions): () => Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const cacheMs = options.cacheMs ?? 1000;
  const probe = options.probe ?? 'readyz';
  const now = options.now ?? (() => performance.now());
  let cached: { at: number; reports: Promise<Record<string, SubgraphReport>> } | undefined;

  const askAll = async (): Promise<Record<string, SubgraphReport>> => {
    const entries = await Promise.all(
      Object.entries(options.subgraphUrls).map(
        async ([name, url]) =>
          [name, await askSubgraph(url, timeoutMs, options.dispatcher, probe)] as const,
      ),
    );
    return Object.fromEntries(entries);
  };

  return async () => {
    if (!options.supergraphLoaded()) {
      return { ready: false, body: { status: 'starting' } };
    }
    // One round at a time, shared by every caller within cacheMs of its start.
    if (!cached || now() - cached.at >= cacheMs) cached = { at: now(), reports: askAll() };
    const subgraphs = await cached.reports;
    const degraded = Object.values(subgraphs).some((report) => !report.ready);
    return { ready: true, body: { status: degraded ? 'degraded' : 'ok', subgraphs } };
  };
}
