// Serves an ApolloServer over node:http with our own front door: a body-size cap, a
// variables-size cap, a request id on every response, health endpoints, and nothing else.
// Used by the gateway and by every subgraph, so that limits and health checks behave the
// same in each process.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { logUnexpectedError, silentLogger, type Logger } from './log.js';
import {
  closeRequestScope,
  currentRequest,
  gatewayRequestIdOr,
  headerOf,
  REQUEST_ID_HEADER,
  runInRequestScope,
} from './request-scope.js';
import { TRACEPARENT_HEADER, type Tracing } from './telemetry.js';

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  server: ApolloServer<TContext>;
  /** Builds the request's context; `requestId` is the one sent back in `x-request-id`. */
  context: (req: IncomingMessage, requestId: string) => Promise<TContext>;
  port?: number;
  host?: string;
  /** Largest accepted request body in bytes. */
  maxBodyBytes?: number;
  /**
   * Largest accepted JSON `variables` of a POST, in bytes (413). Variables end up in
   * subgraph requests and upstream URLs, so they get a tighter cap than the body. Default: none.
   */
  maxVariablesBytes?: number;
  /**
   * Extra routes answered before GraphQL, e.g. metrics, given the request's path (its URL
   * without the query string); return true when handled.
   */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
  /**
   * What `/readyz` answers: 200 with `body` when `ready`, 503 otherwise (also when it throws).
   * Default: always ready. `/healthz` (liveness) is always 200 while the process serves.
   */
  readiness?: () => Promise<Readiness> | Readiness;
  /**
   * How long stop() lets the requests being served finish before it cuts what is left.
   * Default 10000 ms (a request's whole budget).
   */
  drainMs?: number;
  /** Where each request's access record and errors go (lib/log.ts). Default: nowhere. */
  logger?: Logger;
  /** The process's traces (lib/telemetry.ts): a server span per request. Default: none. */
  tracing?: Tracing | null;
  /**
   * Subgraphs: keep the gateway's request id (`x-request-id`, when it is a UUID) and continue
   * its trace (`traceparent`), so that one client request has one id and one trace in every
   * process. The gateway itself never takes either from its clients.
   */
  behindGateway?: boolean;
}

/** A process's readiness: may it be sent traffic, and what it says about its dependencies. */
export interface Readiness {
  ready: boolean;
  /** Served as JSON: states and names only, never personal data, URLs or upstream bodies. */
  body: Record<string, unknown>;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

class BodyTooLargeError extends Error {}

/**
 * The id of the request being served (also in its `x-request-id` response header), for
 * code that has no context at hand, such as an error formatter. Undefined outside a request.
 */
export function currentRequestId(): string | undefined {
  return currentRequest()?.requestId;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function sendReadiness(
  res: ServerResponse,
  readiness: GraphQLHttpOptions<BaseContext>['readiness'],
): Promise<void> {
  let state: Readiness;
  try {
    state = readiness ? await readiness() : { ready: true, body: { status: 'ok' } };
  } catch {
    // Never echo the cause; an unknown state is not a ready one.
    state = { ready: false, body: { status: 'unavailable' } };
  }
  res.setHeader('cache-control', 'no-store');
  sendJson(res, state.ready ? 200 : 503, state.body);
}

function errorBody(message: string, code: string, extra: Record<string, unknown> = {}): unknown {
  currentRequest()?.facts.codes.add(code);
  return { errors: [{ message, extensions: { code, ...extra } }] };
}

/** Deeper than any real GraphQL request body, variables included. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `max`, found in one linear scan of
 * the raw text, before JSON.parse builds it (parsing half a million nested arrays costs tens
 * of milliseconds, and the depth of the result is known only afterwards). Brackets inside
 * strings do not count; a quote preceded by an odd run of backslashes does not end one. On
 * valid JSON this is exactly the depth of the parsed value; anything else JSON.parse refuses.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  // Most bodies hold few brackets in all (a megabyte of string variables, say): then they
  // cannot nest deeper, and the native search spares the character loop below.
  let brackets = 0;
  for (const opener of ['[', '{']) {
    for (let at = text.indexOf(opener); at !== -1; at = text.indexOf(opener, at + 1)) {
      brackets += 1;
      if (brackets > max) break;
    }
  }
  if (brackets <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end === -1) return false; // an unterminated string: invalid JSON
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      depth += 1;
      if (depth > max) return true;
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

function variablesBytes(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('variables' in body)) return 0;
  const { variables } = body;
  return variables === undefined || variables === null
    ? 0
    : Buffer.byteLength(JSON.stringify(variables));
}

export async function serveGraphQL<TContext extends BaseContext>(
  options: GraphQLHttpOptions<TContext>,
): Promise<RunningHttpServer> {
  const { server, context } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  await server.start();

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const url = req.url ?? '/';
    const queryIndex = url.indexOf('?');
    const path = queryIndex === -1 ? url : url.slice(0, queryIndex);
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/readyz') {
      // Stopping: tell the load balancer to send nothing more while in-flight work finishes.
      if (draining) {
        res.setHeader('cache-control', 'no-store');
        sendJson(res, 503, { status: 'stopping' });
      } else await sendReadiness(res, options.readiness);
      return;
    }
    if (options.extraRoutes?.(req, res, path)) return;
    if (path !== '/graphql' && path !== '/') {
      sendJson(res, 404, errorBody('Not found: the GraphQL endpoint is /graphql', 'NOT_FOUND'));
      return;
    }
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          sendJson(
            res,
            413,
            errorBody(`Request body larger than ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'),
          );
          return;
        }
        throw err;
      }
      const contentType = req.headers['content-type'] ?? '';
      if (contentType.includes('json')) {
        // Recursive code downstream (variable coercion, size checks) must never meet a body
        // nested deeper than any real request, and JSON.parse should not build one first:
        // refuse it from the raw text, in one scan without recursion.
        if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
          sendJson(
            res,
            400,
            errorBody(`Request body nested deeper than ${MAX_JSON_DEPTH} levels`, 'BAD_REQUEST'),
          );
          return;
        }
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          sendJson(res, 400, errorBody('Request body is not valid JSON', 'BAD_REQUEST'));
          return;
        }
      } else {
        body = text;
      }
      const maxVariablesBytes = options.maxVariablesBytes;
      // A JSON array (a batch) is refused by Apollo itself, so only an object's variables count.
      if (maxVariablesBytes !== undefined && variablesBytes(body) > maxVariablesBytes) {
        sendJson(
          res,
          413,
          errorBody(`Variables larger than ${maxVariablesBytes} bytes`, 'PAYLOAD_TOO_LARGE'),
        );
        return;
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: queryIndex === -1 ? '' : url.slice(queryIndex),
        body,
      },
      context: () => context(req, requestId),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  // Requests being served, and whether stop() has begun: for a graceful stop.
  const serving = new Set<ServerResponse>();
  let draining = false;

  const httpServer = createServer((req, res) => {
    serving.add(res);
    res.once('close', () => serving.delete(res));
    // A request that arrives on a kept-alive connection while stopping is served, then the
    // connection is closed.
    if (draining) res.setHeader('connection', 'close');
    // Generated here, never taken from the client: it correlates our logs and masked errors.
    // A subgraph keeps the id its gateway gave the client request.
    const requestId = options.behindGateway ? gatewayRequestIdOr(req) : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const scope = {
      requestId,
      logger: options.logger ?? silentLogger,
      tracing: options.tracing,
      ...(options.behindGateway ? { traceparent: headerOf(req, TRACEPARENT_HEADER) } : {}),
    };
    runInRequestScope(scope, req, (opened) => {
      // One access record (and the span's end) per request, however the response ends.
      res.once('close', () => closeRequestScope(opened, req, res));
      handle(req, res, requestId).catch((error: unknown) => {
        // A client that went away mid-body is not our error; anything else is.
        if (!req.destroyed) logUnexpectedError(error);
        // Never echo the cause: it may hold an upstream body or a fiscal code.
        if (!res.headersSent) {
          sendJson(
            res,
            500,
            errorBody('Internal server error', 'INTERNAL_SERVER_ERROR', { requestId }),
          );
        } else res.destroy();
      });
    });
  });
  httpServer.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/graphql`,
    port,
    // Graceful: no new connections, /readyz 503, idle connections closed, the requests being
    // served finish (up to drainMs) and only then is the GraphQL server stopped.
    async stop() {
      draining = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const until = performance.now() + (options.drainMs ?? 10_000);
      while (serving.size > 0 && performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      httpServer.closeAllConnections();
      await closed;
      await server.stop();
    },
  };
}
