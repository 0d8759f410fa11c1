/**
 * Fault injection in the simulated upstreams (SECURITY.md, "Upstream faults"),
 * switched at run time through `/_admin/guasti` (API.md, Admin) so that tests and
 * benchmarks can make a system slow, hung, failing, rate-limited, garbled or
 * inconsistent in its batch answers, reproducibly.
 *
 * This module holds the rule model and its strict parser, the matching of a request
 * against the rules, the functions that apply a fault to a reply or to the socket,
 * and small client helpers (`setFaults`, `clearFaults`, `getFaults`) for tests. The
 * HTTP layer (http.ts) only calls `pick`, `before` and `after` around a route.
 */
import type { ServerResponse } from 'node:http';
import {
  fiscalCodeCheckChar,
  isValidFiscalCode,
  isValidPartitaIva,
  partitaIvaCheckDigit,
} from '../lib/fiscal-code.js';
import { Rng } from './dataset/prng.js';
import type { Reply } from './http.js';

// ---------------------------------------------------------------------------
// The model

/** Faults that replace or delay the answer (one per fault of SECURITY.md). */
export const ANSWER_FAULT_KINDS = [
  'latenza',
  'blocco',
  'errore',
  'quota',
  'malformato',
  'troncato',
  'tipoErrato',
  'enorme',
  'reset',
] as const;

/** Faults that alter a batch answer `{"<key>": [records...]}` of the route itself. */
export const BATCH_FAULT_KINDS = ['mancanti', 'riordinati', 'duplicati', 'estranei'] as const;

export const FAULT_KINDS = [...ANSWER_FAULT_KINDS, ...BATCH_FAULT_KINDS] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];
export type BatchFaultKind = (typeof BATCH_FAULT_KINDS)[number];

/**
 * When an answer fault strikes: `prima` (default) before the route runs, so a write
 * is not processed; `dopo` once the route has run (a write is committed) and its
 * answer is then lost, delayed or replaced.
 */
export type FaultPhase = 'prima' | 'dopo';

export const ERROR_STATUSES = [500, 502, 503, 504] as const;
export type FaultErrorStatus = (typeof ERROR_STATUSES)[number];

interface RuleCommon {
  /**
   * Which requests: `"GET /v1/corsi/{id}"` (a route key as in /_admin/stats), a
   * concrete path (`"GET /v1/corsi/TR0001"`), or a path without method (any
   * method). `{...}` segments match any one segment. Absent: every /v1 request.
   */
  percorso?: string;
  /** Fire at most this many times, then stay inert. */
  volte?: number;
  /** 0..1, default 1: the chance of firing on a matching request (seeded draw). */
  probabilita?: number;
}

interface AnswerRuleCommon extends RuleCommon {
  fase?: FaultPhase;
}

export type FaultRule =
  | (AnswerRuleCommon & { tipo: 'latenza'; ms: number })
  | (AnswerRuleCommon & { tipo: 'blocco' })
  | (AnswerRuleCommon & { tipo: 'errore'; stato: FaultErrorStatus; secondi?: number })
  | (AnswerRuleCommon & { tipo: 'quota'; secondi?: number })
  | (AnswerRuleCommon & { tipo: 'malformato' })
  | (AnswerRuleCommon & { tipo: 'troncato' })
  | (AnswerRuleCommon & { tipo: 'tipoErrato' })
  | (AnswerRuleCommon & { tipo: 'enorme'; mb?: number })
  | (AnswerRuleCommon & { tipo: 'reset' })
  | (RuleCommon & { tipo: 'mancanti'; quanti?: number })
  | (RuleCommon & { tipo: 'riordinati' })
  | (RuleCommon & { tipo: 'duplicati'; quanti?: number; diversi?: boolean })
  | (RuleCommon & { tipo: 'estranei'; quanti?: number });

/** The body of `PUT /_admin/guasti`. */
export interface FaultSettings {
  guasti: FaultRule[];
  /** Seed of the probability draws; default 1. */
  seme?: number;
}

/** The answer of `GET`, `PUT` and `DELETE /_admin/guasti`. */
export interface FaultStatus {
  seme: number;
  /** The rules in force, as given, each with how many times it fired. */
  guasti: (FaultRule & { scatti: number })[];
}

export const DEFAULT_SEED = 1;
export const DEFAULT_ENORME_MB = 40;
export const MAX_RULES = 100;

/** A rule or a settings body that does not follow the model; `message` says where. */
export class FaultRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultRuleError';
  }
}

// ---------------------------------------------------------------------------
// Parsing (strict: unknown kinds and keys are refused)

type Check = (v: unknown) => string | undefined;

const integer =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `atteso un intero tra ${min} e ${max}`;

const number =
  (min: number, max: number, openMin = false): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && (openMin ? v > min : v >= min) && v <= max
      ? undefined
      : `atteso un numero ${openMin ? 'maggiore di' : 'tra'} ${min}${openMin ? ' e al massimo' : ' e'} ${max}`;

const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'atteso true o false');

const oneOf =
  (allowed: readonly (string | number)[]): Check =>
  (v) =>
    (allowed as readonly unknown[]).includes(v)
      ? undefined
      : `atteso uno tra ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;

const PERCORSO = /^(?:(GET|POST|PUT|DELETE) )?(\/v1\/[^\s?#]*)$/;

const percorsoCheck: Check = (v) =>
  typeof v === 'string' && PERCORSO.test(v)
    ? undefined
    : 'atteso "METODO /v1/..." (per esempio "GET /v1/corsi/{id}") o un percorso /v1/...';

interface ParamSpec {
  check: Check;
  required?: boolean;
}

const COMMON: Readonly<Record<string, ParamSpec>> = {
  percorso: { check: percorsoCheck },
  volte: { check: integer(1, 1_000_000_000) },
  probabilita: { check: number(0, 1) },
};

const PHASE: Readonly<Record<string, ParamSpec>> = {
  fase: { check: oneOf(['prima', 'dopo']) },
};

const SECONDS = { check: integer(0, 86_400) };
const HOW_MANY = { check: integer(1, 10_000) };

const PARAMS: Readonly<Record<FaultKind, Readonly<Record<string, ParamSpec>>>> = {
  latenza: { ...PHASE, ms: { check: integer(0, 600_000), required: true } },
  blocco: PHASE,
  errore: { ...PHASE, stato: { check: oneOf(ERROR_STATUSES), required: true }, secondi: SECONDS },
  quota: { ...PHASE, secondi: SECONDS },
  malformato: PHASE,
  troncato: PHASE,
  tipoErrato: PHASE,
  enorme: { ...PHASE, mb: { check: number(0, 1024, true) } },
  reset: PHASE,
  mancanti: { quanti: HOW_MANY },
  riordinati: {},
  duplicati: { quanti: HOW_MANY, diversi: { check: boolean } },
  estranei: { quanti: HOW_MANY },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/**
 * One rule, checked strictly: a known `tipo`, its parameters in range, no other key.
 * `where` prefixes the messages (`guasti[2]`).
 */
export function parseFaultRule(value: unknown, where = 'guasto'): FaultRule {
  if (!isPlainObject(value)) throw new FaultRuleError(`${where}: atteso un oggetto`);
  const tipo = value.tipo;
  if (tipo === undefined) throw new FaultRuleError(`${where}.tipo: obbligatorio`);
  if (typeof tipo !== 'string' || !(FAULT_KINDS as readonly string[]).includes(tipo)) {
    const shown = typeof tipo === 'string' ? ` ${clip(JSON.stringify(tipo))}` : '';
    throw new FaultRuleError(
      `${where}.tipo: tipo di guasto sconosciuto${shown}; ammessi: ${FAULT_KINDS.join(', ')}`,
    );
  }
  const kind = tipo as FaultKind;
  const specs: Record<string, ParamSpec> = { ...COMMON, ...PARAMS[kind] };
  for (const [key, v] of Object.entries(value)) {
    if (key === 'tipo') continue;
    const spec = specs[key];
    if (!spec) {
      const allowed = Object.keys(specs);
      throw new FaultRuleError(
        `${where}: chiave sconosciuta per il tipo ${kind}: ${clip(key)}; ammesse: tipo, ${allowed.join(', ')}`,
      );
    }
    const problem = spec.check(v);
    if (problem !== undefined) throw new FaultRuleError(`${where}.${key}: ${problem}`);
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (spec.required && value[key] === undefined) {
      throw new FaultRuleError(`${where}.${key}: obbligatorio per il tipo ${kind}`);
    }
  }
  return { ...value } as unknown as FaultRule;
}

/** The body of `PUT /_admin/guasti`: `{"guasti": [rule, ...], "seme"?: n}`. */
export function parseFaultSettings(value: unknown): Required<FaultSettings> {
  if (!isPlainObject(value)) throw new FaultRuleError('atteso un oggetto {"guasti": [...]}');
  for (const key of Object.keys(value)) {
    if (key !== 'guasti' && key !== 'seme') {
      throw new FaultRuleError(`chiave sconosciuta: ${clip(key)}; ammesse: guasti, seme`);
    }
  }
  const list = value.guasti;
  if (!Array.isArray(list)) throw new FaultRuleError('guasti: attesa una lista di regole');
  if (list.length > MAX_RULES) {
    throw new FaultRuleError(`guasti: al massimo ${MAX_RULES} regole, ricevute ${list.length}`);
  }
  const seme = value.seme ?? DEFAULT_SEED;
  const problem = integer(0, 2 ** 32 - 1)(seme);
  if (problem !== undefined) throw new FaultRuleError(`seme: ${problem}`);
  return {
    guasti: list.map((rule, i) => parseFaultRule(rule, `guasti[${i}]`)),
    seme: seme as number,
  };
}

export function isBatchFault(rule: FaultRule): boolean {
  return (BATCH_FAULT_KINDS as readonly string[]).includes(rule.tipo);
}

// ---------------------------------------------------------------------------
// Matching

/** What the HTTP layer knows of a request once its credential has been accepted. */
export interface FaultRequest {
  method: string;
  /** The counter key of the route: `"GET /v1/corsi/{id}"`, `"GET /v1/*"` if unknown. */
  route: string;
  /** The path without query string. */
  path: string;
  /** The query string without `?`. */
  search: string;
}

interface ActiveRule {
  readonly rule: FaultRule;
  readonly method: string | undefined;
  readonly pattern: string | undefined;
  readonly segments: readonly (string | null)[] | undefined;
  readonly rng: Rng;
  fired: number;
  /** Batch faults picked and waiting for the route's answer (they count as they apply). */
  pending: number;
}

function activate(rule: FaultRule, index: number, seed: number): ActiveRule {
  const m = rule.percorso === undefined ? null : PERCORSO.exec(rule.percorso);
  const pattern = m?.[2];
  return {
    rule,
    method: m?.[1],
    pattern,
    segments: pattern?.split('/').map((s) => (/^\{[^/]*\}$/.test(s) ? null : s)),
    rng: new Rng(seed, `guasto:${index}`),
    fired: 0,
    pending: 0,
  };
}

function matches(active: ActiveRule, req: FaultRequest): boolean {
  if (active.pattern === undefined || active.segments === undefined) return true;
  if (active.method !== undefined && active.method !== req.method) return false;
  const space = req.route.indexOf(' ');
  if (space > 0 && req.route.slice(space + 1) === active.pattern) return true;
  const parts = req.path.split('/');
  if (parts.length !== active.segments.length) return false;
  return active.segments.every((seg, i) =>
    seg === null ? (parts[i] ?? '') !== '' : seg === parts[i],
  );
}

/** A fault chosen for one request, to apply with `before` and `after`. */
export interface PickedFault {
  readonly rule: FaultRule;
  readonly request: FaultRequest;
  /** @internal */
  readonly active: ActiveRule;
}

// ---------------------------------------------------------------------------
// The injector: one per server

/**
 * The rule list of one upstream and its counters. `count(key)` is called once per
 * firing with `"guasto <tipo>"` (and with `"<route> <status>"` for the error
 * statuses a fault answers), so the firings show in /_admin/stats.
 */
export class FaultInjector {
  private active: ActiveRule[] = [];
  private seed = DEFAULT_SEED;

  constructor(private readonly count: (key: string) => void = () => undefined) {}

  /** Replace the rules (probability draws start again from the seed). */
  set(settings: FaultSettings): void {
    const seed = settings.seme ?? DEFAULT_SEED;
    this.seed = seed;
    this.active = settings.guasti.map((rule, i) => activate(rule, i, seed));
  }

  clear(): void {
    this.active = [];
  }

  status(): FaultStatus {
    return {
      seme: this.seed,
      guasti: this.active.map((a) => ({ ...a.rule, scatti: a.fired })),
    };
  }

  /**
   * The admin endpoint: `GET`, `PUT` (body: FaultSettings) and `DELETE`. Answers the
   * reply to send (400 with the error envelope for an invalid body), or undefined
   * for another method.
   */
  admin(method: string, body: string | undefined): Reply | undefined {
    if (method === 'PUT') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body ?? '');
      } catch {
        return refusal('corpo JSON non valido');
      }
      try {
        this.set(parseFaultSettings(parsed));
      } catch (err) {
        if (err instanceof FaultRuleError) return refusal(err.message);
        throw err;
      }
    } else if (method === 'DELETE') {
      this.clear();
    } else if (method !== 'GET') {
      return undefined;
    }
    return { status: 200, body: JSON.stringify(this.status()) };
  }

  /**
   * The fault for this request, if any: only /v1 requests (the caller calls this
   * after the credential check). Rules are tried in order; the first that matches,
   * has firings left and wins its draw is the request's one fault. Answer faults
   * count as fired here; batch faults when they change an answer.
   */
  pick(req: FaultRequest): PickedFault | undefined {
    if (this.active.length === 0 || !req.path.startsWith('/v1/')) return undefined;
    for (const a of this.active) {
      if (!matches(a, req)) continue;
      if (a.rule.volte !== undefined && a.fired + a.pending >= a.rule.volte) continue;
      const p = a.rule.probabilita ?? 1;
      if (p < 1 && !(a.rng.next() < p)) continue;
      if (isBatchFault(a.rule)) a.pending++;
      else this.fire(a);
      return { rule: a.rule, request: req, active: a };
    }
    return undefined;
  }

  /**
   * Before the route runs. True when the fault has answered (or hung up, or the
   * client went away during a delay): the route must not run and nothing else is sent.
   */
  async before(fault: PickedFault, res: ServerResponse): Promise<boolean> {
    const rule = fault.rule;
    if (isBatchFault(rule) || ('fase' in rule && rule.fase === 'dopo')) return false;
    if (rule.tipo === 'latenza') return !(await delay(res, rule.ms));
    await this.answer(fault, res, undefined);
    return true;
  }

  /**
   * Once the route has answered `reply`: the reply to send (the same, or a batch
   * answer altered), or undefined when the fault has answered itself.
   */
  async after(fault: PickedFault, reply: Reply, res: ServerResponse): Promise<Reply | undefined> {
    const rule = fault.rule;
    if (isBatchFault(rule)) {
      fault.active.pending = Math.max(0, fault.active.pending - 1);
      const altered = alterBatch(rule, reply, requestedValues(fault.request));
      if (altered === undefined) return reply;
      this.fire(fault.active);
      return altered;
    }
    if (!('fase' in rule) || rule.fase !== 'dopo') return reply;
    if (rule.tipo === 'latenza') return (await delay(res, rule.ms)) ? reply : undefined;
    await this.answer(fault, res, reply);
    return undefined;
  }

  private fire(a: ActiveRule): void {
    a.fired++;
    this.count(`guasto ${a.rule.tipo}`);
  }

  /** Every answer fault but latenza: answer (or do not) on the socket. */
  private async answer(fault: PickedFault, res: ServerResponse, reply: Reply | undefined) {
    const rule = fault.rule;
    switch (rule.tipo) {
      case 'blocco':
        await closed(res);
        return;
      case 'errore': {
        const [codice, messaggio] = ERROR_TEXT[rule.stato];
        const headers: Record<string, string> =
          rule.secondi === undefined ? {} : { 'retry-after': String(rule.secondi) };
        this.count(`${fault.request.route} ${rule.stato}`);
        writeWhole(res, rule.stato, JSON_TYPE, errorEnvelope(codice, messaggio), headers);
        return;
      }
      case 'quota':
        this.count(`${fault.request.route} 429`);
        writeWhole(
          res,
          429,
          JSON_TYPE,
          errorEnvelope('QUOTA_SUPERATA', 'quota di richieste superata'),
          { 'retry-after': String(rule.secondi ?? 1) },
        );
        return;
      case 'malformato':
        writeWhole(res, 200, JSON_TYPE, MALFORMED_BODY);
        return;
      case 'tipoErrato':
        writeWhole(res, 200, 'text/html; charset=utf-8', HTML_BODY);
        return;
      case 'troncato':
        await truncated(res, reply?.status === 200 && reply.body ? reply.body : TRUNCATED_FILLER);
        return;
      case 'enorme':
        await huge(res, Math.round((rule.mb ?? DEFAULT_ENORME_MB) * 1024 * 1024));
        return;
      case 'reset':
        resetSocket(res);
        return;
      case 'latenza':
      case 'mancanti':
      case 'riordinati':
      case 'duplicati':
      case 'estranei':
        return;
    }
  }
}

// ---------------------------------------------------------------------------
// Answer faults on the socket

const JSON_TYPE = 'application/json; charset=utf-8';

const ERROR_TEXT: Readonly<Record<FaultErrorStatus, readonly [string, string]>> = {
  500: ['ERRORE_INTERNO', 'errore interno'],
  502: ['ERRORE_GATEWAY', 'risposta non valida da un sistema intermedio'],
  503: ['SERVIZIO_NON_DISPONIBILE', 'servizio temporaneamente non disponibile'],
  504: ['TEMPO_SCADUTO', 'tempo di risposta di un sistema intermedio scaduto'],
};

function errorEnvelope(codice: string, messaggio: string): string {
  return JSON.stringify({ errore: { codice, messaggio } });
}

function refusal(messaggio: string): Reply {
  return { status: 400, body: errorEnvelope('PARAMETRO_NON_VALIDO', messaggio) };
}

/** Looks like the start of an answer, then stops being JSON. */
const MALFORMED_BODY = '{"risultati":[{"id":"X0000001","stato":"ok"},{"id":<html>';
/** What a maintenance page in front of the system would answer. */
const HTML_BODY =
  '<!DOCTYPE html><html><head><title>Servizio non disponibile</title></head>' +
  '<body><h1>Servizio in manutenzione</h1><p>Riprovare più tardi.</p></body></html>';
const TRUNCATED_FILLER = `{"risultati":[${Array.from({ length: 64 }, (_, i) => `{"id":"X${String(i).padStart(7, '0')}","valore":${i}}`).join(',')}]}`;

function gone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}

/** Resolves once the response's connection has closed (the client gave up, or stop()). */
function closed(res: ServerResponse): Promise<void> {
  if (gone(res)) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

/** Waits `ms`; false when the connection closed first (nothing left to answer). */
function delay(res: ServerResponse, ms: number): Promise<boolean> {
  if (gone(res)) return Promise.resolve(false);
  if (ms === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

function writeWhole(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (gone(res)) return;
  res.writeHead(status, {
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Declares the whole body's length, sends its first half, hangs up. */
async function truncated(res: ServerResponse, body: string): Promise<void> {
  if (gone(res)) return;
  const bytes = Buffer.from(body);
  const sent = bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
  res.writeHead(200, {
    'content-type': JSON_TYPE,
    'content-length': bytes.length,
  });
  await new Promise<void>((resolve) => {
    res.write(sent, () => resolve());
    res.once('close', () => resolve());
  });
  res.destroy();
}

/**
 * At least `bytes` (less than 64 KiB more) of valid JSON, `{"dati":[{...},...]}`, streamed in 64 KiB chunks with
 * backpressure and no content-length, so the simulator never holds it whole.
 */
async function huge(res: ServerResponse, bytes: number): Promise<void> {
  if (gone(res)) return;
  const record = (i: number): string =>
    `{"id":"X${String(i).padStart(7, '0')}","riempimento":"${'x'.repeat(200)}"}`;
  const head = `{"dati":[${record(0)}`;
  const perChunk = Math.floor((64 * 1024) / (record(1).length + 1));
  const chunk = Buffer.from(
    Array.from({ length: perChunk }, (_, i) => `,${record(i + 1)}`).join(''),
  );
  res.writeHead(200, { 'content-type': JSON_TYPE });
  let written = Buffer.byteLength(head);
  if (!res.write(head)) await drained(res);
  const tail = ']}';
  while (written + tail.length < bytes && !gone(res)) {
    written += chunk.length;
    if (!res.write(chunk)) await drained(res);
  }
  if (!gone(res)) res.end(tail);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/** Drops the connection without an answer: a TCP reset where the platform allows it. */
function resetSocket(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket || socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

// ---------------------------------------------------------------------------
// Batch faults on the route's own answer

/** A date or month bound of a range: never an identifier. */
const RANGE_BOUND = /^\d{4}-\d{2}(-\d{2})?$/;

/**
 * What the request asked for: every value of the query string (lists split at
 * commas) and of the path, but range bounds and one-character values.
 */
function requestedValues(req: FaultRequest): Set<string> {
  const values = new Set<string>();
  const add = (v: string): void => {
    if (v.length > 1 && !RANGE_BOUND.test(v)) values.add(v);
  };
  try {
    for (const [, v] of new URLSearchParams(req.search)) v.split(',').forEach(add);
    for (const part of req.path.split('/')) add(decodeURIComponent(part));
  } catch {
    // a malformed escape: the route refused it already
  }
  return values;
}

type Doc = Record<string, unknown>;

/**
 * The route's 200 answer with its first array altered, or undefined when the rule
 * cannot change it (not a batch answer, too few records).
 */
export function alterBatch(
  rule: FaultRule,
  reply: Reply,
  requested: ReadonlySet<string> = new Set(),
): Reply | undefined {
  if (reply.status !== 200 || reply.body === null) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(reply.body);
  } catch {
    return undefined;
  }
  if (!isPlainObject(doc)) return undefined;
  const key = Object.keys(doc).find((k) => Array.isArray(doc[k]));
  if (key === undefined) return undefined;
  const records = doc[key] as unknown[];
  const changed = alterRecords(rule, records, requested);
  if (changed === undefined) return undefined;
  return { ...reply, body: JSON.stringify({ ...doc, [key]: changed }) };
}

function alterRecords(
  rule: FaultRule,
  records: readonly unknown[],
  requested: ReadonlySet<string>,
): unknown[] | undefined {
  if (records.length === 0) return undefined;
  switch (rule.tipo) {
    case 'mancanti':
      return records.slice(Math.min(rule.quanti ?? 1, records.length));
    case 'riordinati':
      return records.length < 2 ? undefined : [...records].reverse();
    case 'duplicati': {
      const copies = Array.from({ length: rule.quanti ?? 1 }, (_, i) => {
        const copy = structuredClone(records[i % records.length]);
        if (rule.diversi === true && isPlainObject(copy)) alterContent(copy, requested);
        return copy;
      });
      return [...records, ...copies];
    }
    case 'estranei': {
      const taken = new Set(requested);
      for (const r of records) collectStrings(r, taken);
      const foreign: unknown[] = [];
      for (let i = 0; i < (rule.quanti ?? 1); i++) {
        const copy = structuredClone(records[i % records.length]);
        if (!isPlainObject(copy) || !makeForeign(copy, requested, taken)) return undefined;
        foreign.push(copy);
      }
      return [...records, ...foreign];
    }
    case 'latenza':
    case 'blocco':
    case 'errore':
    case 'quota':
    case 'malformato':
    case 'troncato':
    case 'tipoErrato':
    case 'enorme':
    case 'reset':
      return undefined;
  }
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (!isPlainObject(value)) return;
  for (const v of Object.values(value)) {
    if (typeof v === 'string') into.add(v);
    else if (isPlainObject(v)) {
      for (const w of Object.values(v)) if (typeof w === 'string') into.add(w);
    }
  }
}

const IDENTIFYING = new Set(['id', 'codice', 'codiceFiscale']);

/**
 * Gives a copy identifiers that were not asked for (nor answered): `id`, `codice`,
 * `codiceFiscale` and every field holding a requested value, at the top and one
 * level down (a communication's `lavoratore.codiceFiscale`). Values stay well-formed
 * (same shape, valid check characters). False when the record has no identifier.
 */
function makeForeign(record: Doc, requested: ReadonlySet<string>, taken: Set<string>): boolean {
  let any = false;
  const visit = (obj: Doc): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'string' && (IDENTIFYING.has(k) || requested.has(v))) {
        obj[k] = foreignValue(v, taken);
        any = true;
      }
    }
  };
  visit(record);
  for (const v of Object.values(record)) if (isPlainObject(v)) visit(v);
  return any;
}

function foreignValue(value: string, taken: Set<string>): string {
  const candidates = function* (): Generator<string> {
    if (isValidFiscalCode(value)) {
      // Another surname part, with the check letter recomputed.
      for (let shift = 1; shift < 26; shift++) {
        const head = value
          .slice(0, 3)
          .split('')
          .map((c) => String.fromCharCode(65 + ((c.charCodeAt(0) - 65 + shift) % 26)))
          .join('');
        const first15 = head + value.slice(3, 15);
        yield first15 + fiscalCodeCheckChar(first15);
      }
    }
    if (isValidPartitaIva(value)) {
      for (let a = 1; a < 1000; a++) {
        const first10 = rotateDigits(value.slice(0, 10), a);
        yield first10 + partitaIvaCheckDigit(first10);
      }
    }
    if (/\d$/.test(value)) for (let a = 1; a < 1000; a++) yield rotateDigits(value, a);
    for (let n = 1; n < 1000; n++) yield value + 'X'.repeat(n);
  };
  for (const candidate of candidates()) {
    if (!taken.has(candidate)) {
      taken.add(candidate);
      return candidate;
    }
  }
  return value;
}

/** The trailing digits (at most 6) moved half their range and then `attempt - 1` on. */
function rotateDigits(value: string, attempt: number): string {
  const m = /(\d{1,6})$/.exec(value);
  if (!m) return value;
  const digits = m[1] as string;
  const range = 10 ** digits.length;
  const next = (Number(digits) + Math.floor(range / 2) + attempt - 1) % range;
  return value.slice(0, value.length - digits.length) + String(next).padStart(digits.length, '0');
}

const FREE_TEXT = [
  'descrizione',
  'denominazione',
  'ragioneSociale',
  'titolo',
  'etichetta',
  'cognome',
  'nome',
];

/**
 * Changes the content of a duplicate but not its identifiers: a free-text field
 * (` BIS` appended), else a number (one less, or one more from 0), else a boolean
 * (negated), else a date (a day earlier).
 */
function alterContent(record: Doc, requested: ReadonlySet<string>): void {
  const free = FREE_TEXT.find((k) => typeof record[k] === 'string');
  if (free !== undefined) {
    record[free] = `${record[free] as string} BIS`;
    return;
  }
  const fields = Object.entries(record).filter(
    ([k, v]) => !IDENTIFYING.has(k) && !(typeof v === 'string' && requested.has(v)),
  );
  const num = fields.find(([, v]) => typeof v === 'number');
  if (num) {
    const v = num[1] as number;
    record[num[0]] = v > 0 ? v - 1 : v + 1;
    return;
  }
  const bool = fields.find(([, v]) => typeof v === 'boolean');
  if (bool) {
    record[bool[0]] = !(bool[1] as boolean);
    return;
  }
  const date = fields.find(([, v]) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v));
  if (date) {
    const d = new Date(`${date[1] as string}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - 1);
    record[date[0]] = d.toISOString().slice(0, 10);
  }
}

// ---------------------------------------------------------------------------
// Client helpers for tests and benchmarks (loopback only, like every admin endpoint)

async function adminCall(
  upstreamUrl: string,
  method: 'GET' | 'PUT' | 'DELETE',
  body?: unknown,
): Promise<FaultStatus> {
  const res = await fetch(`${upstreamUrl.replace(/\/$/, '')}/_admin/guasti`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) {
    let message = `HTTP ${res.status}`;
    try {
      const parsed = JSON.parse(text) as { errore?: { messaggio?: string } };
      message = parsed.errore?.messaggio ?? message;
    } catch {
      // keep the status
    }
    throw new FaultRuleError(`${method} /_admin/guasti: ${message}`);
  }
  return JSON.parse(text) as FaultStatus;
}

/**
 * Replaces an upstream's fault rules (checked here first, then by the upstream).
 * `setFaults(url, [{ tipo: 'errore', stato: 503, percorso: 'GET /v1/corsi/{id}', volte: 2 }])`
 */
export async function setFaults(
  upstreamUrl: string,
  rules: readonly FaultRule[],
  options: { seme?: number } = {},
): Promise<FaultStatus> {
  const settings = parseFaultSettings({
    guasti: [...rules],
    ...(options.seme === undefined ? {} : { seme: options.seme }),
  });
  return adminCall(upstreamUrl, 'PUT', settings);
}

/** Removes every fault rule of an upstream. */
export async function clearFaults(upstreamUrl: string): Promise<void> {
  await adminCall(upstreamUrl, 'DELETE');
}

/** The rules in force and how many times each fired. */
export function getFaults(upstreamUrl: string): Promise<FaultStatus> {
  return adminCall(upstreamUrl, 'GET');
}
