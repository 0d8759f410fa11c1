// Prometheus metrics end to end (README "Metrics"): a known set of operations, then the
// gateway's and the subgraphs' `/metrics` scraped and their counts checked, the upstream
// request counts against the upstreams' own counters.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resetUpstreamStats, startStack, upstreamStats, type Stack } from './stack.js';

const TOKEN = 'metrics-test-token-0123456789';
let stack: Stack;
let operator: Record<string, string>;
let partner: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ dataDir: inject('dataDir'), metricsToken: TOKEN });
  operator = {
    authorization: `Bearer ${await stack.token({ role: 'operator', subject: 'op-metrics', desk: 'PO-NORD' })}`,
    'x-purpose': 'GUIDANCE',
  };
  partner = {
    authorization: `Bearer ${await stack.token({ role: 'partner', subject: 'cna-metrics', organization: 'CNA' })}`,
  };
});

afterAll(async () => {
  await stack?.stop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

const gatewayMetricsUrl = () => stack.gatewayUrl.replace(/\/graphql$/, '/metrics');

async function scrapeGateway(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(gatewayMetricsUrl(), { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  return { text, samples: parse(text) };
}

async function scrapeSubgraphs(): Promise<{ text: string; samples: Sample[] }> {
  const texts = await Promise.all(
    Object.values(stack.subgraphUrls).map(async (url) => {
      const res = await fetch(url.replace(/\/graphql$/, '/metrics'));
      expect(res.status).toBe(200);
      return res.text();
    }),
  );
  return { text: texts.join('\n'), samples: texts.flatMap(parse) };
}

async function post(body: unknown, headers: Record<string, string>): Promise<number> {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const DESKS = '{ desks { id name comune { name } } }';
const PEOPLE =
  'query FindRossiMario { jobSeekers(first: 5) { edges { node { familyName trainingEnrollments { course { title } } } } } }';
const OPEN_VACANCIES = 'da2044ddd6c3c13e23556fd581e451efa950a417dfa49c15caa8af2cd070fd15';

describe('/metrics', () => {
  it('counts requests by operation and outcome, and upstream requests as the upstreams do', async () => {
    const gatewayBefore = (await scrapeGateway()).samples;
    const subgraphsBefore = (await scrapeSubgraphs()).samples;
    await resetUpstreamStats(stack);

    expect(await post({ query: DESKS }, {})).toBe(200);
    expect(await post({ query: DESKS }, {})).toBe(200);
    expect(await post({ query: PEOPLE }, operator)).toBe(200);
    expect(await post({ query: '{ nope }' }, {})).toBe(400);
    expect(
      await post(
        {
          variables: { comune: '100005', first: 5 },
          extensions: { persistedQuery: { version: 1, sha256Hash: OPEN_VACANCIES } },
        },
        partner,
      ),
    ).toBe(200);
    expect(await post({ query: '{ desks { id } }' }, { authorization: 'Bearer nonsense' })).toBe(
      401,
    );

    const gateway = await scrapeGateway();
    const delta = (name: string, labels: Record<string, string>) =>
      sum(gateway.samples, name, labels) - sum(gatewayBefore, name, labels);
    expect(delta('gateway_requests_total', { operation: 'anonymous', outcome: 'ok' })).toBe(2);
    // A free-text operation's name is the client's: counted as `other`, never shown.
    expect(delta('gateway_requests_total', { operation: 'other', outcome: 'ok' })).toBe(1);
    expect(gateway.text).not.toContain('FindRossiMario');
    expect(
      delta('gateway_requests_total', { operation: 'OpenVacanciesInComune', outcome: 'ok' }),
    ).toBe(1);
    expect(
      delta('gateway_requests_total', {
        operation: 'anonymous',
        outcome: 'GRAPHQL_VALIDATION_FAILED',
      }),
    ).toBe(1);
    expect(delta('gateway_requests_total', { outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(delta('gateway_request_duration_seconds_count', { operation: 'anonymous' })).toBe(3);
    expect(delta('gateway_subgraph_fetches_total', { subgraph: 'desks', outcome: 'ok' })).toBe(2);
    expect(delta('gateway_subgraph_fetches_total', { subgraph: 'workers', outcome: 'ok' })).toBe(1);
    expect(delta('gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'desks' })).toBe(2);
    // The second DESKS found its cost estimate (and its parsed document) cached.
    expect(delta('gateway_cache_hits_total', { cache: 'cost_estimate' })).toBeGreaterThanOrEqual(1);
    expect(delta('gateway_cache_hits_total', { cache: 'document' })).toBeGreaterThanOrEqual(1);
    expect(sum(gateway.samples, 'gateway_cache_entries', { cache: 'result_size' })).toBeGreaterThan(
      0,
    );

    const subgraphs = await scrapeSubgraphs();
    const served = await upstreamStats(stack);
    for (const [system, routes] of Object.entries(served)) {
      const expected = Object.values(routes).reduce((a, b) => a + b, 0);
      const counted =
        sum(subgraphs.samples, 'upstream_requests_total', { upstream: system }) -
        sum(subgraphsBefore, 'upstream_requests_total', { upstream: system });
      expect({ system, counted }).toEqual({ system, counted: expected });
      const timed =
        sum(subgraphs.samples, 'upstream_request_duration_seconds_count', { upstream: system }) -
        sum(subgraphsBefore, 'upstream_request_duration_seconds_count', { upstream: system });
      expect(timed).toBe(expected);
    }
    expect(
      sum(subgraphs.samples, 'subgraph_requests_total', { subgraph: 'workers', outcome: 'ok' }) -
        sum(subgraphsBefore, 'subgraph_requests_total', { subgraph: 'workers', outcome: 'ok' }),
    ).toBe(1);
    for (const upstream of ['registry', 'idol', 'co', 'trio']) {
      expect(sum(subgraphs.samples, 'upstream_circuit_state', { upstream, state: 'closed' })).toBe(
        1,
      );
      expect(sum(subgraphs.samples, 'upstream_circuit_state', { upstream, state: 'open' })).toBe(0);
    }
    // No personal data in any label: nothing the people query returned or asked.
    expect(subgraphs.text).not.toMatch(/familyName|FindRossiMario|L\d{7}/);
  });

  it('wants the configured bearer token on the gateway', async () => {
    expect((await fetch(gatewayMetricsUrl())).status).toBe(401);
    const wrong = await fetch(gatewayMetricsUrl(), {
      headers: { authorization: 'Bearer metrics-test-token-wrong-one' },
    });
    expect(wrong.status).toBe(401);
  });
});
