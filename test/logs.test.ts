// Structured logs end to end (lib/log.ts): the whole stack writes its records to one stream,
// a known set of operations runs through the gateway (personal data read, an upstream that
// fails, refusals), and the records are checked: every line JSON with level, time and request
// id; one access record per request in the gateway, one per subgraph fetch in the subgraphs and
// one per upstream request in the upstreams, all under the id the client got back; and not
// one fiscal code anywhere, although the operations read and send many.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { redact } from '../lib/log.js';
import { fiscalCodesIn } from './fiscal-codes.js';
import {
  resetUpstreamStats,
  startStack,
  totalRequests,
  upstreamGet,
  upstreamRequests,
  type Stack,
} from './stack.js';

type LogRecord = Record<string, unknown> & {
  level: string;
  time: number;
  name: string;
  msg: string;
  requestId?: string;
};

const lines: string[] = [];
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    dataDir: inject('dataDir'),
    logStream: {
      write(line: string) {
        lines.push(line);
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** Every record written so far; JSON.parse throws on a line that is not JSON. */
function records(): LogRecord[] {
  return lines
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogRecord);
}

async function headersFor(
  claims: DevTokenClaims | null,
  purpose?: string,
): Promise<Record<string, string>> {
  return {
    'content-type': 'application/json',
    ...(claims ? { authorization: `Bearer ${await stack.token(claims)}` } : {}),
    ...(purpose ? { 'x-purpose': purpose } : {}),
  };
}

interface Sent {
  status: number;
  requestId: string;
  body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
}

async function send(
  query: string,
  variables: Record<string, unknown> | undefined,
  headers: Record<string, string>,
): Promise<Sent> {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const requestId = res.headers.get('x-request-id') ?? '';
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  return { status: res.status, requestId, body: (await res.json()) as Sent['body'] };
}

const of = (requestId: string, name: RegExp, msg: string) =>
  records().filter((r) => r.requestId === requestId && name.test(r.name) && r.msg === msg);

/**
 * Waits until the gateway's access record of the request is written (when its response
 * closes, which the client may see a moment before), then for every subgraph record it counts.
 */
async function gatewayRecord(requestId: string): Promise<LogRecord> {
  for (let i = 0; i < 500; i++) {
    const [record] = of(requestId, /^gateway$/, 'request');
    const fetches = typeof record?.subgraphFetches === 'number' ? record.subgraphFetches : 0;
    if (record && of(requestId, /^subgraph-/, 'request').length >= fetches) return record;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('no access record for the request');
}

const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-logs', desk: 'PO-NORD' };

const SEEKERS = `query Seekers {
  jobSeekers(first: 5) {
    edges {
      node {
        fiscalCode
        familyName
        employmentHistory { id employer { name fiscalCode } }
        trainingEnrollments { course { title } }
      }
    }
  }
}`;

describe('logs of a served request', () => {
  it('join the gateway, the subgraphs and the upstreams under the id the client got', async () => {
    await resetUpstreamStats(stack);
    const sent = await send(SEEKERS, undefined, await headersFor(OPERATOR, 'GUIDANCE'));
    expect(sent.body.errors).toBeUndefined();
    const codes = JSON.stringify(sent.body.data);
    // The answer holds fiscal codes (the joins to co and trio were made by them).
    expect(fiscalCodesIn(codes).length >= 5).toBe(true);

    const gateway = await gatewayRecord(sent.requestId);
    expect(gateway).toMatchObject({
      level: 'info',
      name: 'gateway',
      msg: 'request',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'Seekers',
      operationType: 'query',
      role: 'operator',
      outcome: 'ok',
    });
    expect(typeof gateway.ms).toBe('number');
    expect(gateway).not.toHaveProperty('codes');
    // workers, then employers and training on the workers' fiscal codes.
    expect(gateway.subgraphFetches).toBeGreaterThanOrEqual(3);

    // One access record per subgraph fetch, each under the gateway's id.
    const subgraphs = of(sent.requestId, /^subgraph-/, 'request');
    expect(subgraphs).toHaveLength(gateway.subgraphFetches as number);
    expect(new Set(subgraphs.map((r) => r.name))).toEqual(
      new Set(['subgraph-workers', 'subgraph-employers', 'subgraph-training']),
    );
    for (const record of subgraphs) {
      expect(record).toMatchObject({ status: 200, role: 'operator', outcome: 'ok' });
      // The gateway's name for its fetch: the client's operation, subgraph, step.
      expect(record.operation).toMatch(/^Seekers__(workers|employers|training)__\d+$/);
    }

    // Each upstream request: once in a subgraph's debug record, once in the upstream's own
    // access record, as many as the upstreams counted, and named by route, never by path.
    const counted = totalRequests(await upstreamRequests(stack));
    const clientSide = of(sent.requestId, /^subgraph-/, 'upstream request');
    const serverSide = of(sent.requestId, /^upstream-/, 'request');
    expect(counted).toBeGreaterThanOrEqual(3);
    expect(clientSide).toHaveLength(counted);
    expect(serverSide).toHaveLength(counted);
    for (const record of clientSide) {
      expect(record).toMatchObject({ level: 'debug', outcome: 'ok', attempt: 1 });
      // `/v1/corsi/{id}`: training reads each course by its id.
      // Shown redacted should it fail: a real path could hold a fiscal code.
      expect(redact(String(record.route))).toMatch(/^\/v1\/[a-z/]+(?:\{id\})?$/);
    }
    expect(new Set(serverSide.map((r) => r.name))).toEqual(
      new Set(['upstream-idol', 'upstream-co', 'upstream-trio']),
    );
  });

  it('records an upstream that fails: each attempt, and the code the client got', async () => {
    const faults = `${stack.upstreamUrls.idol}/_admin/guasti`;
    const rule = { tipo: 'errore', stato: 503, percorso: 'GET /v1/lavoratori/ricerca' };
    await fetch(faults, { method: 'PUT', body: JSON.stringify({ guasti: [rule] }) });
    try {
      const sent = await send(SEEKERS, undefined, await headersFor(OPERATOR, 'GUIDANCE'));
      expect(sent.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      const gateway = await gatewayRecord(sent.requestId);
      expect(gateway).toMatchObject({
        status: 200,
        operation: 'Seekers',
        outcome: 'error',
        codes: ['UPSTREAM_UNAVAILABLE'],
      });
      const attempts = of(sent.requestId, /^subgraph-workers$/, 'upstream request');
      // The first attempt and the client's two retries (subgraphs/shared/config.ts).
      expect(
        attempts.map((r) => [redact(String(r.route)), r.status, r.outcome, r.attempt]),
      ).toEqual([
        ['/v1/lavoratori/ricerca', 503, 'unavailable', 1],
        ['/v1/lavoratori/ricerca', 503, 'unavailable', 2],
        ['/v1/lavoratori/ricerca', 503, 'unavailable', 3],
      ]);
      expect(of(sent.requestId, /^subgraph-workers$/, 'request')[0]).toMatchObject({
        codes: ['UPSTREAM_UNAVAILABLE'],
      });
    } finally {
      await fetch(faults, { method: 'DELETE' });
    }
  });

  it('records refusals with their codes and no subgraph fetch', async () => {
    const anonymous = await send(SEEKERS, undefined, await headersFor(null));
    expect(anonymous.status).toBe(401);
    expect(await gatewayRecord(anonymous.requestId)).toMatchObject({
      status: 401,
      role: 'public',
      outcome: 'error',
      codes: ['UNAUTHENTICATED'],
      subgraphFetches: 0,
    });

    const analyst = await send(
      'query Codes { jobSeekers(first: 2) { edges { node { fiscalCode } } } }',
      undefined,
      await headersFor({ role: 'analyst', subject: 'an-logs' }),
    );
    expect(analyst.status).toBe(403);
    expect(await gatewayRecord(analyst.requestId)).toMatchObject({
      status: 403,
      operation: 'Codes',
      role: 'analyst',
      codes: ['FORBIDDEN'],
      subgraphFetches: 0,
    });

    const badToken = await send('{ desks { id } }', undefined, {
      'content-type': 'application/json',
      authorization: 'Bearer not-a-token',
    });
    expect(badToken.status).toBe(401);
    const refused = await gatewayRecord(badToken.requestId);
    expect(refused).toMatchObject({ status: 401, codes: ['UNAUTHENTICATED'] });
    // Refused while the context was made: Apollo's request pipeline never started.
    expect(refused).not.toHaveProperty('role');
    expect(JSON.stringify(records())).not.toContain('not-a-token');

    for (const sent of [anonymous, analyst, badToken]) {
      expect(records().filter((r) => r.requestId === sent.requestId)).toHaveLength(1);
    }
  });

  it('never shows a fiscal code, even one the client sent or named its operation after', async () => {
    const { lavoratori } = await upstreamGet<{ lavoratori: { codiceFiscale: string }[] }>(
      stack,
      'idol',
      '/v1/lavoratori/ricerca?pagina=3&dimensione=1',
    );
    const code = lavoratori[0]!.codiceFiscale;
    const sent = await send(
      `query ${code}($cf: FiscalCode!) { workerByFiscalCode(fiscalCode: $cf) { fiscalCode sex } }`,
      { cf: code },
      await headersFor(OPERATOR, 'MATCHING'),
    );
    expect(sent.status).toBe(200);
    const gateway = await gatewayRecord(sent.requestId);
    // Compared, never printed: a failure message would show the code to the CI log.
    expect(gateway.operation === '[fiscal-code]').toBe(true);
    // The gateway names the subgraph's operation after the client's: redacted there too.
    const subgraphOperation = of(sent.requestId, /^subgraph-workers$/, 'request')[0]?.operation;
    expect(/^\[fiscal-code\]__workers__\d+$/.test(String(subgraphOperation))).toBe(true);
    expect(lines.join('').toUpperCase().includes(code)).toBe(false);
  });

  it('writes only JSON records with a level, a time, a process name and a request id', () => {
    const all = records();
    expect(all.length).toBe(lines.length);
    expect(all.length).toBeGreaterThan(20);
    for (const record of all) {
      expect(typeof record.level).toBe('string');
      expect(typeof record.time).toBe('number');
      expect(record.name).toMatch(/^(gateway|subgraph-[a-z]+|upstream-[a-z]+)$/);
      expect(record.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Everything the operations read and sent held fiscal codes; none of them is here.
    // Counted, never printed (a failure message goes to the CI log).
    expect(fiscalCodesIn(lines.join('')).length).toBe(0);
  });
});
