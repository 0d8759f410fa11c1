// How the gateway talks to a subgraph: Apollo's GraphQLDataSource contract over
// undici's `request` on the gateway's connection pool, with failed subgraph responses turned
// into errors a client can act on, every fetch held to the client request's deadline, entity
// representations sent once each, and (for anonymous callers) identical fetches in flight
// shared.
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { getGlobalDispatcher, request as undiciRequest, type Dispatcher } from 'undici';
import { ASSERTION_HEADER } from '../lib/auth/assertion.js';
import { observeSubgraphFetch, REQUEST_ID_HEADER } from '../lib/request-scope.js';
import type { AssertionSigner } from './assertion-signer.js';
import {
  answersEachFetch,
  mergeFetches,
  splitResponse,
  type BatchableFetch,
} from './fetch-batch.js';
import type { GatewayContext } from './context.js';
import { COST_REPORT_REQUEST_HEADER, UPSTREAM_COST_EXTENSION } from '../lib/upstream-cost.js';

export type { AssertionSigner } from './assertion-signer.js';

/** What the transport answers: status, the headers the gateway reads, and the body's text. */
interface SubgraphReply {
  status: number;
  contentType: string | undefined;
  cacheControl: string | undefined;
  text: string;
}

/** Told of every subgraph fetch that was sent: whether it answered 2xx, and how long it took. */
export type FetchObserver = (subgraph: string, ok: boolean, seconds: number) => void;

/**
 * The client request's remaining budget in milliseconds, sent with every subgraph fetch; the
 * subgraph clamps it to its own maximum and holds its upstream requests to it
 * (subgraphs/shared/request-deadline.ts, which names the same header).
 */
export const DEADLINE_HEADER = 'x-request-deadline-ms';

/** The budget of a request whose context carries no deadline (one built outside the gateway). */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;

/** The monotonic clock deadlines are measured on. */
export const deadlineClock = (): number => performance.now();

/**
 * What a subgraph is told it has: the remaining budget less a margin (a tenth, at most
 * 100 ms), so that it answers with what it has, upstream timeouts included, before the
 * gateway gives up on the whole fetch and loses every field of it.
 */
export function subgraphBudget(remainingMs: number): number {
  return Math.max(1, remainingMs - Math.min(100, Math.floor(remainingMs / 10)));
}

/** A subgraph that failed to answer: all a client is told (never its URL or its body). */
function unavailable(originalError?: Error): GraphQLError {
  return new GraphQLError('A part of the graph failed to answer', {
    extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    ...(originalError ? { originalError } : {}),
  });
}

function outOfTime(originalError?: Error): GraphQLError {
  return new GraphQLError('A part of the graph did not answer in time', {
    extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
    ...(originalError ? { originalError } : {}),
  });
}

/** Codes a subgraph uses for input it refused before asking any upstream. */
const INPUT_REFUSED_CODES = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);

/** An input path such as `input.person.fiscalCode`: names from the schema, no values. */
const INPUT_FIELD = /^\w{1,100}(?:\.\w{1,100}|\[\d{1,6}\]){0,20}$/;

function firstError(
  body: unknown,
): { message: string; code: unknown; field: string | undefined } | undefined {
  if (typeof body !== 'object' || body === null || !('errors' in body)) return undefined;
  const errors = body.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first = errors[0] as {
    message?: unknown;
    extensions?: { code?: unknown; field?: unknown };
  };
  const field = first.extensions?.field;
  return typeof first.message === 'string'
    ? {
        message: first.message,
        code: first.extensions?.code,
        field: typeof field === 'string' && INPUT_FIELD.test(field) ? field : undefined,
      }
    : undefined;
}

/** The budget an anonymous fetch in flight must have left for another to join it. */
export const JOIN_MIN_REMAINING_MS = 1000;

/** A subgraph's reply and the GraphQL response in it (one fetch's part of a batched one). */
interface Answer {
  reply: SubgraphReply;
  response: GatewayGraphQLResponse;
}

/** A fetch held for its request's batch. */
interface PendingFetch {
  fetch: BatchableFetch;
  outgoing: Outgoing;
  resolve: (answer: Answer) => void;
  reject: (error: unknown) => void;
}

/** A fetch's parts once the request's headers are set: what goes on the wire. */
interface Outgoing {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** When the client request's budget runs out, on deadlineClock(). */
  deadline: number;
}

/**
 * Sends each distinct entity representation once: Apollo's gateway lists one per entity in
 * the response (a page of 100 communications sends 100 desk representations for a dozen
 * desks), and the subgraph would resolve and serialise each. Returns the variables to send and,
 * when some were repeated, where each original representation's answer is in the reply.
 */
export function uniqueRepresentations(variables: Record<string, unknown> | undefined): {
  variables: Record<string, unknown> | undefined;
  positions: number[] | undefined;
} {
  const representations = variables?.representations;
  if (!Array.isArray(representations) || representations.length < 2) {
    return { variables, positions: undefined };
  }
  const indexOf = new Map<string, number>();
  const unique: unknown[] = [];
  const positions = representations.map((representation) => {
    const key = JSON.stringify(representation);
    let at = indexOf.get(key);
    if (at === undefined) {
      at = unique.push(representation) - 1;
      indexOf.set(key, at);
    }
    return at;
  });
  if (unique.length === representations.length) return { variables, positions: undefined };
  return { variables: { ...variables, representations: unique }, positions };
}

/**
 * Puts the answers to unique representations back where Apollo expects them: one `_entities`
 * element per representation it listed, each its own object (the gateway merges later fetches
 * into them), and each error about an entity repeated for every position it stands for.
 */
export function expandEntities(response: GatewayGraphQLResponse, positions: number[]): void {
  const data = response.data as { _entities?: unknown } | null | undefined;
  const entities = data?._entities;
  if (Array.isArray(entities)) {
    const used = new Set<number>();
    (data as { _entities: unknown[] })._entities = positions.map((at) => {
      const entity: unknown = entities[at];
      if (!used.has(at)) {
        used.add(at);
        return entity;
      }
      return entity === null || typeof entity !== 'object' ? entity : structuredClone(entity);
    });
  }
  if (!response.errors) return;
  const errors: GraphQLFormattedError[] = [];
  for (const error of response.errors) {
    const path = error.path;
    if (path?.[0] !== '_entities' || typeof path[1] !== 'number') {
      errors.push(error);
      continue;
    }
    positions.forEach((at, original) => {
      if (at === path[1])
        errors.push({ ...error, path: ['_entities', original, ...path.slice(2)] });
    });
  }
  (response as { errors: typeof errors }).errors = errors;
}

/** The client request's cache policy (Apollo Server's CachePolicy), which fetches restrict. */
function isCachePolicy(
  policy: unknown,
): policy is { restrict(hint: ReturnType<typeof cacheHint>): void } {
  return (
    typeof policy === 'object' &&
    policy !== null &&
    typeof (policy as { restrict?: unknown }).restrict === 'function'
  );
}

/** The directives of a Cache-Control header the gateway's cache policy reads. */
function cacheHint(header: string | undefined): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  for (const directive of (header ?? '').split(',')) {
    const [name, value] = directive.trim().toLowerCase().split('=');
    if (name === 'max-age' && value !== undefined && /^[0-9]+$/.test(value)) hint.maxAge = +value;
    else if (name === 'private') hint.scope = 'PRIVATE';
    else if (name === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}

/**
 * Answers identical fetches with one reply: the first gets it, the others a copy of their own
 * (the gateway merges later fetches into each), without the subgraph's extensions, whose cost
 * report would otherwise be counted once per copy.
 */
function answerEach(group: readonly PendingFetch[], answer: Answer): void {
  group.forEach((w, i) => {
    if (i === 0) {
      w.resolve(answer);
      return;
    }
    const response = structuredClone(answer.response);
    delete response.extensions;
    w.resolve({ ...answer, response });
  });
}

/** The reply, or this request's own timeout if its deadline comes first. */
function withinDeadline<T>(reply: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(outOfTime());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(outOfTime());
    signal.addEventListener('abort', onAbort, { once: true });
    reply.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  /** The subgraph's GraphQL endpoint. */
  readonly url: string;
  private readonly sign: AssertionSigner;
  private readonly requestDeadlineMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly onFetch: FetchObserver | undefined;
  private readonly coalesce: boolean;
  private readonly batch: boolean;
  /** Each client request's fetches waiting to go out together, until the flush. */
  private readonly pending = new WeakMap<GatewayContext, PendingFetch[]>();
  /** Anonymous fetches in flight, by body: identical ones wait for the first one's reply. */
  private readonly inFlight = new Map<
    string,
    { reply: Promise<SubgraphReply>; deadline: number }
  >();
  /** The subgraph's name in the supergraph (cost reports and metrics). */
  readonly subgraphName: string;

  constructor(config: {
    url: string;
    sign: AssertionSigner;
    /** Budget of a request whose context has no deadline. Default 10 s. */
    requestDeadlineMs?: number;
    /** The subgraph's name in the supergraph. Default: its URL's host. */
    subgraphName?: string;
    /** Told of each fetch (metrics). */
    onFetch?: FetchObserver;
    /** The connection pool to the subgraphs. Default: undici's global dispatcher. */
    dispatcher?: Dispatcher;
    /**
     * Whether identical fetches of anonymous callers in flight at once share one subgraph
     * request (see `process`). Default false.
     */
    coalesceAnonymous?: boolean;
    /**
     * Whether a request's query fetches to this subgraph that are ready at the same moment
     * go as one request (gateway/fetch-batch.ts). Default true.
     */
    batch?: boolean;
  }) {
    this.url = config.url;
    this.sign = config.sign;
    this.requestDeadlineMs = config.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS;
    this.subgraphName = config.subgraphName ?? new URL(config.url).host;
    this.dispatcher = config.dispatcher ?? getGlobalDispatcher();
    this.onFetch = config.onFetch;
    this.coalesce = config.coalesceAnonymous ?? false;
    this.batch = config.batch ?? true;
  }

  /**
   * What Apollo's RemoteGraphQLDataSource.process does, without its fetch machinery: headers
   * as a plain object, one JSON.stringify, undici's `request` on the gateway's pool, no WHATWG
   * Request or Response objects. Every subgraph request carries the gateway's signed
   * assertion of the caller and the request id, and nothing the client said about itself: the
   * headers are built here, not forwarded.
   */
  async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // Health checks and schema loading are not used: the supergraph comes from a file.
    if (!('incomingRequestContext' in options)) {
      throw new GraphQLError('A subgraph request without a client request', {
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    }
    const context = options.context;
    if (!request.query) throw new Error('Missing query');
    const outgoing = await this.outgoing(context);
    const { variables, positions } = uniqueRepresentations(request.variables);
    const fetch: BatchableFetch = { query: request.query, variables };
    const { reply, response } =
      this.batch && request.query.startsWith('query') && !request.extensions
        ? await this.enqueue(context, outgoing, fetch)
        : await this.sendAlone(context, outgoing, fetch, request.operationName, request.extensions);
    if (positions) expandEntities(response, positions);
    // The subgraph's own report of its upstream requests joins the client request's.
    context.costReport?.add(response.extensions?.[UPSTREAM_COST_EXTENSION]);
    // As Apollo's data source does: the client response's cache policy is the strictest of
    // its subgraph fetches' (the public data's response cache reads it).
    const policy: unknown = options.incomingRequestContext.overallCachePolicy;
    if (isCachePolicy(policy)) {
      policy.restrict(cacheHint(reply.cacheControl));
    }
    return response;
  }

  /** One fetch in a request of its own. */
  private async sendAlone(
    context: GatewayContext,
    outgoing: Outgoing,
    fetch: BatchableFetch,
    operationName?: string,
    extensions?: Record<string, unknown>,
  ): Promise<Answer> {
    outgoing.body = JSON.stringify({
      query: fetch.query,
      ...(fetch.variables === undefined ? {} : { variables: fetch.variables }),
      ...(operationName ? { operationName } : {}),
      ...(extensions ? { extensions } : {}),
    });
    const reply = await this.replyTo(outgoing, context);
    return { reply, response: this.decode(reply) };
  }

  /**
   * Holds the fetch until the request's other fetches to this subgraph that are starting at the
   * same moment (the branches of a Parallel node) have joined it, then sends them together.
   * The flush waits for the microtasks already queued, as DataLoader does: the branches of a
   * plan node start together and reach this point after a few promise steps, with no I/O.
   */
  private enqueue(
    context: GatewayContext,
    outgoing: Outgoing,
    fetch: BatchableFetch,
  ): Promise<Answer> {
    let waiting = this.pending.get(context);
    if (waiting === undefined) {
      waiting = [];
      this.pending.set(context, waiting);
      void Promise.resolve().then(() => process.nextTick(() => void this.flush(context)));
    }
    return new Promise<Answer>((resolve, reject) => {
      waiting.push({ fetch, outgoing, resolve, reject });
    });
  }

  private async flush(context: GatewayContext): Promise<void> {
    const all = this.pending.get(context) ?? [];
    this.pending.delete(context);
    const only = all.length === 1 ? all[0] : undefined;
    if (only) {
      // Alone in its batch (the common case): no grouping, no merging.
      this.sendAlone(context, only.outgoing, only.fetch).then(only.resolve, only.reject);
      return;
    }
    try {
      // Identical fetches of one request (the same operation and variables) are sent once.
      const byKey = new Map<string, PendingFetch[]>();
      for (const w of all) {
        const key = `${w.fetch.query}\u0000${JSON.stringify(w.fetch.variables ?? null)}`;
        const same = byKey.get(key);
        if (same) same.push(w);
        else byKey.set(key, [w]);
      }
      const groups = [...byKey.values()];
      const alone = (group: PendingFetch[]) => {
        const first = group[0]!;
        this.sendAlone(context, first.outgoing, first.fetch).then(
          (answer) => answerEach(group, answer),
          (error: unknown) => group.forEach((w) => w.reject(error)),
        );
      };
      const merged = groups.length > 1 ? mergeFetches(groups.map((g) => g[0]!.fetch)) : null;
      if (merged === null) {
        groups.forEach(alone);
        return;
      }
      // The fetches share the request's headers: one assertion, one deadline.
      const outgoing = { ...groups[0]![0]!.outgoing, body: JSON.stringify(merged) };
      let answer: Answer;
      try {
        const reply = await this.replyTo(outgoing, context);
        answer = { reply, response: this.decode(reply) };
      } catch (error) {
        if (outgoing.signal.aborted) throw error;
        // Refused or failed as a whole (a value one fetch's variables hold, an audit outage
        // one fetch's personal fields meet): each fetch alone, as Apollo would have sent it, so
        // that only the one concerned fails and its error names its own variables.
        groups.forEach(alone);
        return;
      }
      // A null somewhere that nulled the whole answer, or an error that names no fetch: each
      // alone again, rather than lose every fetch's data or give each the others' errors.
      if (!answersEachFetch(answer.response)) {
        groups.forEach(alone);
        return;
      }
      const parts = splitResponse(answer.response, groups.length);
      groups.forEach((group, i) => answerEach(group, { reply: answer.reply, response: parts[i]! }));
    } catch (error) {
      for (const w of all) w.reject(error);
    }
  }

  /**
   * The headers of this context's fetches and the signal that aborts them at its deadline.
   * No fetch starts once the client request's budget is spent; the subgraph is told what is
   * left (less a margin), and the fetch is aborted when it runs out.
   */
  private async outgoing(context: GatewayContext): Promise<Outgoing> {
    if (!('principal' in context)) {
      throw new GraphQLError('A subgraph request without a client request', {
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    }
    const assertion = await this.sign(context);
    const deadline = context.deadline ?? deadlineClock() + this.requestDeadlineMs;
    const remaining = Math.floor(deadline - deadlineClock());
    if (remaining < 1) throw outOfTime();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [ASSERTION_HEADER]: assertion,
      [REQUEST_ID_HEADER]: context.requestId,
      [DEADLINE_HEADER]: String(subgraphBudget(remaining)),
    };
    // Only when the client asked for a cost report: the subgraph counts nothing otherwise.
    if (context.costReport) headers[COST_REPORT_REQUEST_HEADER] = '1';
    // One timer per client request, shared by all its fetches, rather than one per fetch
    // (each of which listens to it: a wide plan has more than Node's default of 10).
    if (!context.deadlineSignal) {
      context.deadlineSignal = AbortSignal.timeout(remaining);
      setMaxListeners(0, context.deadlineSignal);
    }
    return { headers, body: '', signal: context.deadlineSignal, deadline };
  }

  /**
   * Sends the fetch, or, for an anonymous caller, joins an identical one already in flight:
   * anonymous callers all hold the same rights, their requests are not audited, and the
   * subgraph's answer to the same body is the same, so one reply serves all of them (each
   * decodes its own copy). Never for a signed-in caller, whose answer depends on who asks and
   * whose reads are audited one by one, nor for a mutation or a cost report.
   */
  private replyTo(outgoing: Outgoing, context: GatewayContext): Promise<SubgraphReply> {
    // Counted per request sent, batched fetches once.
    context.costReport?.fetched(this.subgraphName);
    const shareable =
      this.coalesce &&
      context.principal.role === 'public' &&
      !context.costReport &&
      !outgoing.body.startsWith('{"query":"mutation');
    if (!shareable) return this.send(outgoing);
    const key = outgoing.body;
    // Joined only when it has time enough left: the subgraph was told the first caller's
    // budget, and the fetch is aborted at that caller's deadline. Requests arriving later have
    // later deadlines, so "at least as late as mine" would share almost nothing: a second of
    // budget (or all this request has, if less) is far more than a fetch takes. The joiner
    // still gives up at its own deadline.
    const pending = this.inFlight.get(key);
    const now = deadlineClock();
    if (
      pending &&
      pending.deadline - now >= Math.min(outgoing.deadline - now, JOIN_MIN_REMAINING_MS)
    ) {
      return withinDeadline(pending.reply, outgoing.signal);
    }
    const entry = { reply: this.send(outgoing), deadline: outgoing.deadline };
    this.inFlight.set(key, entry);
    void entry.reply
      .finally(() => {
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
      })
      .catch(() => undefined);
    return entry.reply;
  }

  private async send({ headers, body, signal }: Outgoing): Promise<SubgraphReply> {
    const started = performance.now();
    // Counted in the request's access record; with traces on, a client span whose
    // `traceparent` (added to these headers) the subgraph continues.
    const observed = observeSubgraphFetch(this.subgraphName, headers);
    let status: number | undefined;
    let ok = false;
    try {
      const response = await undiciRequest(this.url, {
        method: 'POST',
        headers,
        body,
        signal,
        dispatcher: this.dispatcher,
      });
      status = response.statusCode;
      const text = await response.body.text();
      ok = response.statusCode >= 200 && response.statusCode < 300;
      const header = (name: string): string | undefined => {
        const value = response.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      return {
        status: response.statusCode,
        contentType: header('content-type'),
        cacheControl: header('cache-control'),
        text,
      };
    } catch (error) {
      // Transport failures (refused connection, timeout) carry the subgraph's URL: replaced.
      const cause = error instanceof Error ? error : undefined;
      throw signal.aborted ? outOfTime(cause) : unavailable(cause);
    } finally {
      this.onFetch?.(this.subgraphName, ok, (performance.now() - started) / 1000);
      observed?.end(status);
    }
  }

  /** The subgraph's GraphQL response, or the error a client can act on. */
  private decode(reply: SubgraphReply): GatewayGraphQLResponse {
    const json =
      reply.contentType?.startsWith('application/json') === true ||
      reply.contentType?.startsWith('application/graphql-response+json') === true;
    let body: unknown;
    try {
      body = json ? JSON.parse(reply.text) : undefined;
    } catch {
      body = undefined;
    }
    if (reply.status < 200 || reply.status >= 300) throw refusal(reply.status, body);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unavailable();
    return body;
  }
}

/**
 * A failed subgraph response as a client error. Apollo's default puts the subgraph's URL and
 * raw body into the error. The gateway has already validated the operation against the
 * supergraph, so a subgraph that refuses it with a 400 is refusing a value (a malformed Date,
 * say): that is the client's input error. Anything else is the subgraph's failure and says
 * only that.
 */
function refusal(status: number, body: unknown): GraphQLError {
  const failed = firstError(body);
  if (status === 400 && failed && INPUT_REFUSED_CODES.has(String(failed.code))) {
    return new GraphQLError(failed.message, {
      extensions: {
        code: 'BAD_USER_INPUT',
        ...(failed.field === undefined ? {} : { field: failed.field }),
      },
    });
  }
  // Personal data is not served when its audit record cannot be written: say so plainly.
  if (status === 503 && failed?.code === 'AUDIT_UNAVAILABLE') {
    return new GraphQLError('Personal data cannot be served now: the audit log is unavailable', {
      extensions: { code: 'AUDIT_UNAVAILABLE' },
    });
  }
  return unavailable();
}
