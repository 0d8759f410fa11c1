import type { IncomingMessage, ServerResponse } from 'node:http';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './log.js';
import {
  closeRequestScope,
  currentRequest,
  observeSubgraphFetch,
  observeUpstreamAttempt,
  runInRequestScope,
} from './request-scope.js';
import {
  createTracing,
  parseTraceparent,
  readTelemetryConfig,
  routeTemplate,
  traceparentOf,
} from './telemetry.js';

describe('readTelemetryConfig', () => {
  it('is off without an endpoint', () => {
    expect(readTelemetryConfig({})).toEqual({ tracesEndpoint: null, serviceName: null });
  });

  it('takes the traces endpoint as given, or the base endpoint followed by /v1/traces', () => {
    expect(
      readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracesEndpoint,
    ).toBe('http://collector:4318/v1/traces');
    expect(
      readTelemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/traces',
        OTEL_SERVICE_NAME: 'gateway-eu',
      }),
    ).toEqual({ tracesEndpoint: 'http://other:4318/traces', serviceName: 'gateway-eu' });
  });

  it('names the variable and the bad value', () => {
    expect(() => readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector"',
    );
  });
});

describe('routeTemplate', () => {
  it('keeps route words and replaces values and the query', () => {
    expect(routeTemplate('/v1/lavoratori?cf=RSSMRA85T10A562S')).toBe('/v1/lavoratori');
    expect(routeTemplate('/v1/corsi/C000123')).toBe('/v1/corsi/{id}');
    expect(routeTemplate('/v1/lavoratori/RSSMRA85T10A562S')).toBe('/v1/lavoratori/{id}');
    expect(routeTemplate('/v1/statistiche/flussi')).toBe('/v1/statistiche/flussi');
    expect(routeTemplate('/v1/aziende/01234567897')).toBe('/v1/aziende/{id}');
  });
});

describe('traceparent', () => {
  it('round-trips a span context and refuses malformed or empty ones', () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ serviceName: 't', endpoint: 'http://unused', exporter });
    const span = tracing.tracer.startSpan('x');
    const parsed = parseTraceparent(traceparentOf(span));
    expect(parsed).toEqual({ ...span.spanContext(), isRemote: true });
    span.end();
    expect(parseTraceparent(undefined)).toBeUndefined();
    expect(parseTraceparent('00-abc-def-01')).toBeUndefined();
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${'1'.repeat(16)}-01`)).toBeUndefined();
  });
});

const req = { method: 'POST', url: '/graphql', headers: {} } as IncomingMessage;

describe('a request scope', () => {
  it('without traces and below debug, observes nothing and adds nothing to a fetch', () => {
    runInRequestScope({ requestId: 'r-1', logger: silentLogger, tracing: null }, req, () => {
      expect(currentRequest()?.span).toBeUndefined();
      const headers = { 'content-type': 'application/json' };
      expect(observeSubgraphFetch('desks', headers)).toBeUndefined();
      expect(headers).toEqual({ 'content-type': 'application/json' });
      expect(observeUpstreamAttempt('idol', 'GET', '/v1/lavoratori', 0)).toBeUndefined();
      // Counted all the same, for the access record.
      expect(currentRequest()?.facts.subgraphFetches).toBe(1);
    });
  });

  it('traces no probe: a load balancer asks every few seconds', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ serviceName: 'gateway', endpoint: 'http://unused', exporter });
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const probe = { method: 'GET', url, headers: {} } as IncomingMessage;
      runInRequestScope({ requestId: 'r-3', logger: silentLogger, tracing }, probe, () => {
        expect(currentRequest()?.span).toBeUndefined();
      });
    }
    await tracing.forceFlush();
    expect(exporter.getFinishedSpans()).toEqual([]);
    await tracing.shutdown();
  });

  it('with traces, parents fetch and upstream spans to the server span and propagates it', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ serviceName: 'gateway', endpoint: 'http://unused', exporter });
    const res = { statusCode: 200, writableFinished: true } as ServerResponse;
    runInRequestScope({ requestId: 'r-2', logger: silentLogger, tracing }, req, (scope) => {
      const headers: Record<string, string> = {};
      observeSubgraphFetch('desks', headers)?.end(200);
      const attempt = observeUpstreamAttempt('co', 'GET', '/v1/aziende?cf=X', 1);
      if (attempt) attempt.status = 503;
      attempt?.end('unavailable');
      scope.facts.operation = 'Desks';
      scope.facts.operationType = 'query';
      closeRequestScope(scope, req, res);
      expect(parseTraceparent(headers.traceparent)?.traceId).toBe(
        scope.span?.spanContext().traceId,
      );
    });
    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'query Desks');
    const fetch = spans.find((s) => s.name === 'subgraph desks');
    const upstream = spans.find((s) => s.name === 'GET /v1/aziende');
    expect(server?.parentSpanContext).toBeUndefined();
    expect(fetch?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(upstream?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(upstream?.attributes).toEqual({
      'app.upstream.system': 'co',
      'http.request.method': 'GET',
      'url.template': '/v1/aziende',
      'app.upstream.attempt': 2,
      'http.request.resend_count': 1,
      'http.response.status_code': 503,
      'app.upstream.outcome': 'unavailable',
    });
    await tracing.shutdown();
  });
});
