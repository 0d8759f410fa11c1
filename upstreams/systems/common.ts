/** Patterns and helpers shared by the systems' route handlers. */
import type Database from 'better-sqlite3';
import {
  badParameter,
  dateRange,
  groupBy,
  listBody,
  ok,
  pageBody,
  type Paging,
  type Route,
  shuffleAnswer,
} from '../http.js';

export const PATTERNS = {
  worker: /^L\d{7}$/,
  employer: /^A\d{6}$/,
  communication: /^C\d{8}$/,
  vacancy: /^O\d{6}$/,
  course: /^TR\d{4,6}$/,
  desk: /^[A-Z0-9][A-Z0-9-]{0,29}$/,
  /** A registry organisation code (`enti`), for example `CNA`. */
  organization: /^[A-Z][A-Z0-9]{1,19}$/,
  comune: /^\d{6}$/,
  partitaIva: /^\d{11}$/,
  fiscalCode:
    /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/,
} as const;

/**
 * Bounded memo of statistics answers. The data only changes through this process's
 * write routes, which clear it after each commit (StatisticsRoute.invalidate).
 */
class AnswerCache {
  private readonly entries = new Map<string, string>();
  constructor(private readonly limit = 256) {}

  get(key: string, compute: () => string): string {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A row of a batch lookup: the key it answers for (id, fiscal code, ...) and its document. */
export interface KeyedDoc {
  k: string;
  doc: string;
}

export type KeyedLookup = (keys: readonly string[]) => KeyedDoc[];

/** One statement for any number of keys: `sql` reads them as `json_each(?)`. */
export function createKeyedLookup(db: Database.Database, sql: string): KeyedLookup {
  const stmt = db.prepare<[string], KeyedDoc>(sql);
  return (keys) => stmt.all(JSON.stringify(keys));
}

/** `{"<key>":[doc,...]}` of a batch lookup, shuffled as API.md warns callers. */
export function batchBody(
  key: string,
  rows: KeyedDoc[],
  keys: readonly string[],
  requestNo: number,
): string {
  return listBody(
    key,
    shuffleAnswer(rows, requestNo, (r) => r.k, keys).map((r) => r.doc),
  );
}

/** The list parameter of a batch route, with its cap and the pattern of one key. */
export interface KeysParam {
  name: string;
  cap: number;
  pattern: RegExp;
  describe: string;
}

/** A batch route whose only parameter, the list of keys, is required. */
export function createBatchHandler(
  key: string,
  param: KeysParam,
  lookup: KeyedLookup,
): Route['handle'] {
  return ({ query, requestNo }) => {
    const keys = query.list(param.name, param.cap, param.pattern, param.describe);
    // unknown parameters are refused before a missing one is reported
    query.done();
    if (!keys) throw badParameter(`${param.name}: parametro obbligatorio`);
    return ok(batchBody(key, lookup(keys), keys, requestNo));
  };
}

/** The WHERE conditions of a search and the values bound to their placeholders. */
export interface Filters {
  where: readonly string[];
  args: readonly unknown[];
}

/**
 * A paged search answering `{"totale":n,...,"<key>":[...]}`. Filters are optional,
 * so there is one count and one page statement per combination of them, prepared on
 * first use.
 */
export function createPagedSearch(
  db: Database.Database,
  key: string,
  sql: { count: string; page: string; orderBy: string },
): (filters: Filters, paging: Paging) => string {
  const statements = new Map<
    string,
    { count: Database.Statement<unknown[], number>; page: Database.Statement<unknown[], string> }
  >();
  return ({ where, args }, { page, size, offset }) => {
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    let stmts = statements.get(clause);
    if (!stmts) {
      stmts = {
        count: db.prepare<unknown[], number>(`${sql.count} ${clause}`).pluck(),
        page: db
          .prepare<unknown[], string>(
            `${sql.page} ${clause} ORDER BY ${sql.orderBy} LIMIT ? OFFSET ?`,
          )
          .pluck(),
      };
      statements.set(clause, stmts);
    }
    const total = stmts.count.get(...args) ?? 0;
    const docs = offset < total ? stmts.page.all(...args, size, offset) : [];
    return pageBody(total, page, size, key, docs);
  };
}

export interface StatisticsSpec {
  /** API name of each dimension (`raggruppa`) to its SQL expression. */
  dimensions: Readonly<Record<string, string>>;
  /** Select items of the measures, `expr AS name`, in the order of the answer. */
  measures: readonly string[];
  from: string;
  /** The column `dal` and `al` bound (inclusive). */
  date: string;
}

export interface StatisticsRoute extends Route {
  /** Forgets the memoised answers: called after every write that commits. */
  invalidate(): void;
}

/**
 * `GET <pattern>?dal&al&raggruppa` answering `{"gruppi":[...]}`: one GROUP BY
 * statement per combination of dimensions, prepared on first use, and the answers
 * memoised until the next write.
 */
export function createStatisticsRoute(
  db: Database.Database,
  pattern: string,
  spec: StatisticsSpec,
): StatisticsRoute {
  const allowed = Object.keys(spec.dimensions);
  const cache = new AnswerCache();
  const statements = new Map<
    string,
    Database.Statement<[string, string], Record<string, unknown>>
  >();
  const groups = (dims: readonly string[], from: string, to: string): string => {
    const signature = dims.join(',');
    let stmt = statements.get(signature);
    if (!stmt) {
      const cols = dims.map((d) => `${spec.dimensions[d] ?? 'NULL'} AS ${d}`);
      const group =
        dims.length > 0 ? `GROUP BY ${dims.join(', ')} ORDER BY ${dims.join(', ')}` : '';
      stmt = db.prepare<[string, string], Record<string, unknown>>(
        `SELECT ${[...cols, ...spec.measures].join(', ')} FROM ${spec.from} WHERE ${spec.date} BETWEEN ? AND ? ${group}`,
      );
      statements.set(signature, stmt);
    }
    return `{"gruppi":${JSON.stringify(stmt.all(from, to))}}`;
  };
  return {
    method: 'GET',
    pattern,
    handle: ({ query }) => {
      const { from, to } = dateRange(query);
      const dims = groupBy(query, allowed);
      query.done();
      return ok(cache.get(`${from}|${to}|${dims.join(',')}`, () => groups(dims, from, to)));
    },
    invalidate: () => cache.clear(),
  };
}
