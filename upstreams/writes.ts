/**
 * What the write endpoints of idol, co and trio share (API.md "Writes"): the refusals
 * naming the body field at fault (`campo`), a strict reader of the JSON body (unknown
 * fields refused, values never repeated in messages), the idempotency store kept in
 * the same SQLite transaction as the record, and the id sequences.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, isCalendarDate, type Reply, type Route, type RouteContext } from './http.js';

// ---------------------------------------------------------------------------------------
// Refusals. Messages name the field and the rule, never the value: a body carries fiscal
// codes and names, and messages end up in logs.

/** 400 PARAMETRO_NON_VALIDO for the body field `campo` ('' for the body as a whole). */
export function invalid(campo: string, rule: string): ApiError {
  return campo === ''
    ? new ApiError(400, 'PARAMETRO_NON_VALIDO', `corpo: ${rule}`)
    : new ApiError(400, 'PARAMETRO_NON_VALIDO', `${campo}: ${rule}`, {}, campo);
}

/** 422 RIFERIMENTO_SCONOSCIUTO: the field names something this system does not hold. */
export function unknownReference(campo: string, what: string): ApiError {
  return new ApiError(422, 'RIFERIMENTO_SCONOSCIUTO', `${campo}: ${what}`, {}, campo);
}

/** 409 CONFLITTO: the write clashes with a record the system holds. */
export function conflict(campo: string, what: string): ApiError {
  return new ApiError(409, 'CONFLITTO', `${campo}: ${what}`, {}, campo);
}

// ---------------------------------------------------------------------------------------
// The body reader.

// C0/C1 controls, zero-width and bidirectional marks, the BOM: they hide text or make two
// strings look the same.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A field name we may repeat in `campo`: what the contract's names look like, nothing else. */
const FIELD_NAME = /^[a-z][A-Za-z0-9]{0,39}$/;
/** Anything shaped like a personal fiscal code, any case: never echoed, even as a field name. */
const FISCAL_CODE_LIKE = /[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z]/i;

export interface TextRule {
  /** Most characters (code points), default 100. */
  max?: number;
  pattern?: RegExp;
  /** What the pattern asks for, for the message. */
  describe?: string;
}

/**
 * One JSON object of the body at a dotted path: refuses the fields it does not expect,
 * and reads each expected one with its rule. Optional fields (`nullable...`) may be
 * absent or null; both read as null.
 */
export class BodyObject {
  private constructor(
    readonly path: string,
    private readonly value: Readonly<Record<string, unknown>>,
  ) {}

  /** The object at `path`, refusing any field not in `allowed` (the first one found). */
  static of(value: unknown, path: string, allowed: readonly string[]): BodyObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid(path, 'atteso un oggetto JSON');
    }
    const obj = value as Readonly<Record<string, unknown>>;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        // the name of a misspelt field is repeated only when it looks like one
        const shown = FIELD_NAME.test(key) && !FISCAL_CODE_LIKE.test(key);
        const at = shown ? (path ? `${path}.${key}` : key) : path;
        throw invalid(at, shown ? 'campo sconosciuto' : 'contiene un campo sconosciuto');
      }
    }
    return new BodyObject(path, obj);
  }

  campo(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  private present(name: string): unknown {
    const v = this.value[name];
    if (v === undefined || v === null) throw invalid(this.campo(name), 'campo obbligatorio');
    return v;
  }

  has(name: string): boolean {
    const v = this.value[name];
    return v !== undefined && v !== null;
  }

  object(name: string, allowed: readonly string[]): BodyObject {
    return BodyObject.of(this.present(name), this.campo(name), allowed);
  }

  string(name: string, rule: TextRule = {}): string {
    const v = this.present(name);
    const campo = this.campo(name);
    if (typeof v !== 'string') throw invalid(campo, 'attesa una stringa');
    if (v.trim().length === 0) throw invalid(campo, 'valore vuoto');
    if (INVISIBLE.test(v) || LONE_SURROGATE.test(v))
      throw invalid(campo, 'contiene caratteri di controllo o invisibili');
    const max = rule.max ?? 100;
    if ([...v].length > max) throw invalid(campo, `al massimo ${max} caratteri`);
    if (v !== v.trim()) throw invalid(campo, 'spazi iniziali o finali');
    if (rule.pattern && !rule.pattern.test(v))
      throw invalid(campo, rule.describe ?? 'formato non valido');
    return v;
  }

  nullableString(name: string, rule: TextRule = {}): string | null {
    return this.has(name) ? this.string(name, rule) : null;
  }

  /** A code of a list (`codes` holds the known ones). */
  code(name: string, codes: { has(code: string): boolean }, describe: string): string {
    const v = this.string(name, { max: 40 });
    if (!codes.has(v)) throw invalid(this.campo(name), describe);
    return v;
  }

  nullableCode(
    name: string,
    codes: { has(code: string): boolean },
    describe: string,
  ): string | null {
    return this.has(name) ? this.code(name, codes, describe) : null;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const v = this.string(name, { max: 40 });
    if (!(values as readonly string[]).includes(v))
      throw invalid(this.campo(name), `atteso uno tra ${values.join(', ')}`);
    return v as T;
  }

  /** YYYY-MM-DD, a real calendar day. */
  date(name: string): string {
    const v = this.string(name, { max: 10 });
    if (!isCalendarDate(v)) throw invalid(this.campo(name), 'data non valida (AAAA-MM-GG)');
    return v;
  }

  nullableDate(name: string): string | null {
    return this.has(name) ? this.date(name) : null;
  }

  int(name: string, min: number, max: number): number {
    const v = this.present(name);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw invalid(this.campo(name), `atteso un intero tra ${min} e ${max}`);
    }
    return v;
  }

  nullableInt(name: string, min: number, max: number): number | null {
    return this.has(name) ? this.int(name, min, max) : null;
  }

  /** A JSON number in [min, max], fractions allowed (weekly hours: 37.5). */
  nullableNumber(name: string, min: number, max: number): number | null {
    if (!this.has(name)) return null;
    const v = this.value[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw invalid(this.campo(name), `atteso un numero tra ${min} e ${max}`);
    }
    return v;
  }
}

// ---------------------------------------------------------------------------------------
// Idempotency.

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/** The `Idempotency-Key` header, if sent; 400 when malformed. */
export function idempotencyKey(headers: IncomingHttpHeaders): string | undefined {
  const v = headers['idempotency-key'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !IDEMPOTENCY_KEY.test(v)) {
    throw new ApiError(
      400,
      'PARAMETRO_NON_VALIDO',
      'Idempotency-Key: da 1 a 128 caratteri tra A-Z a-z 0-9 . _ : -',
    );
  }
  return v;
}

/** JSON with every object's keys sorted: equal for bodies that differ only in key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What identifies a request under a key: method, path, and a hash of the canonical body. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

/**
 * Created on a system's first write (IF NOT EXISTS: datasets generated before writes
 * existed gain it then, and a server only ever read from writes nothing to its
 * files, so the shared test dataset stays as generated). Keys are scoped by route.
 */
const IDEMPOTENCY_TABLE = `
  CREATE TABLE IF NOT EXISTS idempotenza (
    rotta TEXT NOT NULL, chiave TEXT NOT NULL, impronta TEXT NOT NULL,
    stato INTEGER NOT NULL, corpo TEXT NOT NULL, registrata TEXT NOT NULL,
    PRIMARY KEY (rotta, chiave)
  ) WITHOUT ROWID
`;

export interface WriteContext {
  /** The server's clock for this request. */
  now: Date;
  /** Its UTC date, YYYY-MM-DD. */
  today: string;
}

export interface WriteSpec {
  /** As in API.md: "/v1/lavoratori". */
  pattern: string;
  /**
   * Checks the body and files the record, inside the transaction; answers the 201
   * body. Throws an ApiError to refuse: nothing is kept, the key is not used up.
   */
  write(body: Readonly<Record<string, unknown>>, ctx: WriteContext): string;
}

interface Outcome {
  /** A record was filed (false: a replay). */
  fresh: boolean;
  reply: Reply;
}

interface StoredAnswer {
  impronta: string;
  stato: number;
  corpo: string;
}

/**
 * The POST routes of one system. Each request runs in one IMMEDIATE transaction:
 * idempotency lookup, checks, the record, the key and its answer; the reply leaves
 * only after the commit. `afterCommit` runs after each new record (cache invalidation).
 */
export function createWriteRoutes(
  db: Database.Database,
  specs: readonly WriteSpec[],
  afterCommit: () => void,
): Route[] {
  let store:
    | {
        find: Database.Statement<[string, string], StoredAnswer>;
        remember: Database.Statement<[string, string, string, number, string, string]>;
      }
    | undefined;
  // outside any transaction, so that a refused first write cannot roll the table back
  const idempotencyStore = (): NonNullable<typeof store> => {
    if (!store) {
      db.exec(IDEMPOTENCY_TABLE);
      store = {
        find: db.prepare(
          'SELECT impronta, stato, corpo FROM idempotenza WHERE rotta = ? AND chiave = ?',
        ),
        remember: db.prepare(
          'INSERT INTO idempotenza (rotta, chiave, impronta, stato, corpo, registrata) VALUES (?, ?, ?, ?, ?, ?)',
        ),
      };
    }
    return store;
  };
  const inTransaction = db.transaction((run: () => Outcome): Outcome => run());

  return specs.map((spec) => {
    const route = `POST ${spec.pattern}`;
    return {
      method: 'POST',
      pattern: spec.pattern,
      handle: (ctx: RouteContext): Reply => {
        ctx.query.done();
        const body = ctx.body;
        if (body === undefined) throw invalid('', 'corpo mancante');
        const key = idempotencyKey(ctx.headers);
        const print = key === undefined ? '' : requestFingerprint('POST', spec.pattern, body);
        const { find, remember } = idempotencyStore();
        const write: WriteContext = { now: ctx.now, today: ctx.now.toISOString().slice(0, 10) };
        const outcome = inTransaction.immediate(() => {
          if (key !== undefined) {
            const prior = find.get(route, key);
            if (prior) {
              if (prior.impronta !== print) {
                throw new ApiError(
                  422,
                  'CHIAVE_IDEMPOTENZA_RIUSATA',
                  'Idempotency-Key già usata per una richiesta diversa',
                );
              }
              return {
                fresh: false,
                reply: {
                  status: prior.stato,
                  body: prior.corpo,
                  headers: { 'Idempotency-Replayed': 'true' },
                },
              };
            }
          }
          const answer = spec.write(body, write);
          if (key !== undefined)
            remember.run(route, key, print, 201, answer, ctx.now.toISOString());
          return { fresh: true, reply: { status: 201, body: answer } };
        });
        if (outcome.fresh) afterCommit();
        return outcome.reply;
      },
    };
  });
}

// ---------------------------------------------------------------------------------------
// Ids.

/**
 * The next id of a table whose ids are `prefix` + `digits` digits (L0000001), from the
 * largest one stored: call inside the write transaction.
 */
export function createSequence(
  db: Database.Database,
  table: string,
  prefix: string,
  digits: number,
): () => string {
  const max = db.prepare<[], string | null>(`SELECT max(id) FROM ${table}`).pluck();
  return () => {
    const last = max.get() ?? null;
    const n = last === null ? 1 : Number(last.slice(prefix.length)) + 1;
    if (!Number.isSafeInteger(n) || String(n).length > digits) {
      throw new Error(`${table}: id sequence exhausted`);
    }
    return `${prefix}${String(n).padStart(digits, '0')}`;
  };
}
