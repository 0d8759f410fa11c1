// OpenTelemetry traces over OTLP/HTTP (JSON), only when an endpoint is configured: without
// one no provider exists, nothing is recorded and the request path only checks for a tracer.
// Each process (the gateway, each subgraph) has its own provider named by `service.name`,
// passed to its servers rather than registered globally, so that several of them can share
// one Node process (the tests' stack) and still report as themselves.
//
// Context crosses processes in the W3C `traceparent` header (gateway -> subgraph), and within
// a process through the request scope (lib/request-scope.ts) rather than a global context
// manager. Span attributes are names, codes, counts and route templates chosen by this code:
// never a URL's real path or query, a variable's value or anything else a person typed.
import {
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Attributes,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { envString, envUrl, type Env } from './env.js';

export interface TelemetryConfig {
  /**
   * Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or
   * OTEL_EXPORTER_OTLP_ENDPOINT followed by `/v1/traces` (the OTLP convention). Null: no traces.
   */
  tracesEndpoint: string | null;
  /** OTEL_SERVICE_NAME; null: the process's own name (`gateway`, `subgraph-desks`...). */
  serviceName: string | null;
}

export function readTelemetryConfig(env: Env): TelemetryConfig {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesEndpoint =
    traces !== undefined && traces !== ''
      ? envUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', '')
      : base !== undefined && base !== ''
        ? `${envUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', '')}/v1/traces`
        : null;
  const serviceName = envString(env, 'OTEL_SERVICE_NAME', '');
  return { tracesEndpoint, serviceName: serviceName === '' ? null : serviceName };
}

/** One process's traces: the tracer its servers use, and the provider's lifecycle. */
export interface Tracing {
  readonly tracer: Tracer;
  readonly serviceName: string;
  /** Sends the spans that ended and are still batched. */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; the owner calls it once its servers have stopped. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** The OTLP/HTTP traces URL (`.../v1/traces`). */
  endpoint: string;
  /** Tests: another exporter. Default: OTLP/HTTP JSON to `endpoint`. */
  exporter?: SpanExporter;
}

export function createTracing(options: TracingOptions): Tracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    // Batched, off the request path: a slow or absent collector costs spans, never latency.
    spanProcessors: [
      new BatchSpanProcessor(options.exporter ?? new OTLPTraceExporter({ url: options.endpoint })),
    ],
  });
  return {
    tracer: provider.getTracer('prato-labour-graph'),
    serviceName: options.serviceName,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** The process's tracing as configured; null (no traces, no cost) without an endpoint. */
export function tracingFromConfig(
  config: TelemetryConfig | undefined,
  processName: string,
): Tracing | null {
  if (!config?.tracesEndpoint) return null;
  return createTracing({
    serviceName: config.serviceName ?? processName,
    endpoint: config.tracesEndpoint,
  });
}

export const TRACEPARENT_HEADER = 'traceparent';

/** The W3C `traceparent` that makes `span` the parent of the receiver's spans. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a `traceparent` names; undefined when absent, malformed or all zeros. */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
}

/** A request's server span, continuing the caller's trace when `parent` is given. */
export function startServerSpan(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  parent?: SpanContext,
): Span {
  const context = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  return tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, context);
}

/** A client span (a subgraph fetch, an upstream request) under the request's server span. */
export function startClientSpan(
  tracer: Tracer,
  parent: Span,
  name: string,
  attributes: Attributes,
): Span {
  return tracer.startSpan(
    name,
    { kind: SpanKind.CLIENT, attributes },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
}

/** A path segment that is part of a route (`v1`, `lavoratori`, `ricerca`), not a value. */
const ROUTE_SEGMENT = /^(?:v\d{1,3}|[a-z][a-z_-]{0,63})$/;

/**
 * The route template of an upstream request path: no query string, and every segment that is
 * not plainly a route word replaced by `{id}` (`/v1/corsi/C00123` -> `/v1/corsi/{id}`), so that
 * a fiscal code or any other value in a path never becomes a span attribute or a log field.
 */
export function routeTemplate(path: string): string {
  const query = path.indexOf('?');
  const bare = query === -1 ? path : path.slice(0, query);
  return bare
    .split('/')
    .map((segment) => (segment === '' || ROUTE_SEGMENT.test(segment) ? segment : '{id}'))
    .join('/');
}
