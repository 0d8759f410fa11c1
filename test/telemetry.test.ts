// Traces end to end (lib/telemetry.ts): the stack exports to a small OTLP/HTTP collector run
// by the test (the collector is outside the system, so a fake is right), an operation crosses
// three subgraphs, and its spans are checked: one trace from the gateway's server span through
// its subgraph fetches and the subgraphs' server spans to one span per upstream request, as
// many as the upstreams counted; every parent where it belongs; no fiscal code anywhere,
// although the operation reads them and sends them upstream.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redact } from '../lib/log.js';
import { fiscalCodesIn } from './fiscal-codes.js';
import {
  resetUpstreamStats,
  startStack,
  totalRequests,
  upstreamRequests,
  type Stack,
} from './stack.js';

/** A span as OTLP/HTTP JSON carries it, with its resource's service name. */
interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<ExportedSpan, 'service'>[] }[];
  }[];
}

// OTLP's span kinds (SPAN_KIND_SERVER, SPAN_KIND_CLIENT).
const SERVER = 2;
const CLIENT = 3;

const received: ExportedSpan[] = [];
const bodies: string[] = [];
let collector: Server;
let stack: Stack;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      bodies.push(text);
      const body = JSON.parse(text) as ExportRequest;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service =
          resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value
            .stringValue ?? '';
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) received.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  stack = await startStack({
    dataDir: inject('dataDir'),
    tracesEndpoint: `http://127.0.0.1:${port}/v1/traces`,
  });
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

function attribute(span: ExportedSpan | undefined, key: string): unknown {
  const value = span?.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  return value;
}

/**
 * The spans of the trace whose gateway server span has `requestId`, once every one of them
 * has been exported: the gateway's server span ends when its response closes (the client may
 * see the response a moment before), so the batches are flushed until it and the subgraphs'
 * server spans it counted are in.
 */
async function traceOf(requestId: string): Promise<ExportedSpan[]> {
  for (let i = 0; i < 200; i++) {
    await stack.flushTraces();
    const root = received.find(
      (s) => s.service === 'gateway' && attribute(s, 'app.request.id') === requestId,
    );
    if (root) {
      const spans = received.filter((s) => s.traceId === root.traceId);
      const fetches = attribute(root, 'app.subgraph.fetches');
      const servers = spans.filter((s) => s.kind === SERVER && s.service !== 'gateway');
      if (servers.length === fetches) return spans;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the trace was not exported');
}

const SEEKERS = `query Seekers {
  jobSeekers(first: 5) {
    edges {
      node {
        fiscalCode
        employmentHistory { id employer { name } }
        trainingEnrollments { course { title } }
      }
    }
  }
}`;

async function send(query: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  return res.headers.get('x-request-id') ?? '';
}

describe('traces of an operation across subgraphs', () => {
  it('join the gateway, the subgraphs and each upstream request in one trace', async () => {
    const token = await stack.token({ role: 'operator', subject: 'op-traces', desk: 'PO-NORD' });
    await resetUpstreamStats(stack);
    const requestId = await send(SEEKERS, {
      authorization: `Bearer ${token}`,
      'x-purpose': 'GUIDANCE',
    });
    const upstreamCount = totalRequests(await upstreamRequests(stack));
    const spans = await traceOf(requestId);

    const [root, ...otherRoots] = spans.filter((s) => s.service === 'gateway' && s.kind === SERVER);
    expect(otherRoots).toEqual([]);
    expect(root?.name).toBe('query Seekers');
    expect(root?.parentSpanId ?? '').toBe('');
    expect({
      status: attribute(root, 'http.response.status_code'),
      operation: attribute(root, 'graphql.operation.name'),
      role: attribute(root, 'app.principal.role'),
      outcome: attribute(root, 'app.outcome'),
    }).toEqual({ status: 200, operation: 'Seekers', role: 'operator', outcome: 'ok' });

    // One client span per subgraph fetch, children of the gateway's server span.
    const fetches = spans.filter((s) => s.service === 'gateway' && s.kind === CLIENT);
    expect(fetches.length).toBe(attribute(root, 'app.subgraph.fetches'));
    expect(fetches.length).toBeGreaterThanOrEqual(3);
    for (const span of fetches) expect(span.parentSpanId).toBe(root?.spanId);

    // Each subgraph's server span continues exactly one of those fetches.
    const servers = spans.filter((s) => s.kind === SERVER && s.service !== 'gateway');
    expect(servers.map((s) => s.parentSpanId).sort()).toEqual(fetches.map((s) => s.spanId).sort());
    for (const server of servers) {
      const fetch = fetches.find((s) => s.spanId === server.parentSpanId);
      expect(`subgraph-${String(attribute(fetch, 'app.subgraph.name'))}`).toBe(server.service);
      expect(attribute(server, 'app.request.id')).toBe(requestId);
    }
    expect(new Set(servers.map((s) => s.service))).toEqual(
      new Set(['subgraph-workers', 'subgraph-employers', 'subgraph-training']),
    );

    // One span per upstream request, as many as the upstreams counted, each under the server
    // span of the subgraph that sent it.
    const upstream = spans.filter((s) => s.kind === CLIENT && s.service !== 'gateway');
    expect(upstream).toHaveLength(upstreamCount);
    expect(upstreamCount).toBeGreaterThanOrEqual(3);
    for (const span of upstream) {
      const parent = servers.find((s) => s.spanId === span.parentSpanId);
      expect(parent?.service).toBe(span.service);
      expect(attribute(span, 'http.request.method')).toBe('GET');
      expect(attribute(span, 'http.response.status_code')).toBe(200);
      expect(attribute(span, 'app.upstream.attempt')).toBe(1);
      // Shown redacted should it fail: a real path could hold a fiscal code.
      const route = redact(String(attribute(span, 'url.template')));
      expect(route).toMatch(/^\/v1\/[a-z/]+(?:\{id\})?$/);
      expect(redact(span.name)).toBe(`GET ${route}`);
    }
    expect(new Set(upstream.map((s) => attribute(s, 'app.upstream.system')))).toEqual(
      new Set(['idol', 'co', 'trio']),
    );
    // Nothing else in the trace.
    expect(spans).toHaveLength(1 + fetches.length + servers.length + upstream.length);
  });

  it('starts a trace of its own whatever traceparent a client sends', async () => {
    const foreign = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
    const requestId = await send('query Desks { desks { id } }', { traceparent: foreign });
    const spans = await traceOf(requestId);
    const root = spans.find((s) => s.service === 'gateway' && s.kind === SERVER);
    expect(root?.traceId).not.toBe('ab'.repeat(16));
    expect(root?.parentSpanId ?? '').toBe('');
    expect(spans.filter((s) => s.service === 'subgraph-desks' && s.kind === SERVER)).toHaveLength(
      1,
    );
  });

  it('exports no fiscal code, although the operations read them and sent them upstream', () => {
    expect(received.length).toBeGreaterThan(10);
    // Counted, never printed (a failure message goes to the CI log).
    expect(fiscalCodesIn(bodies.join('\n')).length).toBe(0);
    for (const span of received) {
      const route = attribute(span, 'url.template');
      expect(typeof route === 'string' && route.includes('?')).toBe(false);
    }
  });
});
