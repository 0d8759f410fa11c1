// The audit log of personal-data reads (SECURITY.md, "Personal data"): one JSON line per
// subgraph request that reads fields needing the personal-data scope, saying who read
// which fields of whom (by pseudonym), for what purpose. It lives in the subgraph that owns
// the data, so it holds whichever engine serves the supergraph.
//
// Durability: `willSendResponse`, which Apollo awaits before it hands the response to the
// HTTP layer, waits until the record is written and fsync'ed. A process killed right after
// a response left has therefore already made its record durable; a record that cannot be
// written withholds the data instead (AUDIT_UNAVAILABLE).
//
// Group commit: an fsync costs from 0.15 ms to several ms (tens under disk contention), so it
// runs on libuv's thread pool, never on the event loop, and the records that arrive while one
// batch is being synced go out together in the next write + fsync. Requests that read no
// personal data never wait for the disk.
import {
  closeSync,
  existsSync,
  fchmodSync,
  fstatSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  write,
} from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { ApolloServerPlugin } from '@apollo/server';
import { getNamedType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { Principal, Purpose, Role } from '../../lib/auth/principal.js';
import { selectedFields, type Policy } from '../../lib/auth/policy.js';
import { PERSONAL_DATA_SCOPE } from '../../lib/auth/scopes.js';
import { FISCAL_CODE_ANYWHERE } from '../../lib/fiscal-code.js';
import type { CallerContext } from './trust.js';

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);

/** One line of the audit log. */
export interface AuditRecord {
  /** When the response was about to leave, ISO 8601 UTC. */
  time: string;
  /** The gateway's id of the client request (the x-request-id of its response). */
  requestId: string;
  /** Who read: the token's subject (pseudonymised for citizens, whose subject is a worker id). */
  subject: string | null;
  role: Role;
  /** Operators' desk and partners' organisation. */
  desk: string | null;
  organization: string | null;
  purpose: Purpose | null;
  /** The client's operation, as the gateway asserted it. */
  operationName: string | null;
  operationHash: string | null;
  /** The personal fields the request selected, as coordinates (`Worker.familyName`), sorted. */
  fields: string[];
  /** Whose personal fields were served, by pseudonym, in the order they were first read. */
  workers: string[];
}

export const AUDIT_UNAVAILABLE = 'AUDIT_UNAVAILABLE';

/** The record could not be made durable; carries the errno cause, never the record. */
export class AuditUnavailableError extends Error {
  readonly code = AUDIT_UNAVAILABLE;
  constructor(options?: { cause?: unknown }) {
    super('The audit log cannot be written', options);
    this.name = 'AuditUnavailableError';
  }
}

export interface AuditLog {
  readonly path: string;
  /** Resolves once the record is written and fsync'ed; rejects with AuditUnavailableError. */
  append(record: AuditRecord): Promise<void>;
  /** Records appended and fsyncs made so far (group commit makes the second the smaller). */
  readonly stats: { readonly records: number; readonly syncs: number };
  /** Waits for the records already appended, then closes the file. */
  close(): Promise<void>;
}

interface Pending {
  line: Buffer;
  resolve: () => void;
  reject: (error: AuditUnavailableError) => void;
}

const NEWLINE = Buffer.from('\n');

/**
 * Opens (creating it with mode 0600) an append-only JSON Lines file. The descriptor is
 * opened with 'a' only (O_APPEND): this process cannot rewrite earlier records, and only one
 * write(2) of whole lines is in flight at a time, so records never interleave.
 */
export function openAuditLog(path: string): AuditLog {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const created = !existsSync(path);
  const fd = openSync(path, 'a', 0o600);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    // /dev/null would accept every record and keep none.
    throw new Error(`the audit log ${path} is not a regular file`);
  }
  // The mode given to open applies only to a new file; an existing one may have been loosened.
  fchmodSync(fd, 0o600);
  if (created) syncDirectory(dirname(path));

  const stats = { records: 0, syncs: 0 };
  let queue: Pending[] = [];
  let flushing: Promise<void> | null = null;
  let closed = false;
  // After a failed partial write the file ends mid-line: the next batch starts a new line.
  let tornLine = false;
  // After a failed fsync the kernel may have dropped the dirty pages and a later fsync can
  // succeed without them: nothing written after that can be vouched for, so stop for good.
  let syncFailure: Error | null = null;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const buffer = Buffer.concat([...(tornLine ? [NEWLINE] : []), ...batch.map((p) => p.line)]);
      let offset = 0;
      try {
        if (syncFailure !== null) throw syncFailure;
        while (offset < buffer.length) {
          const { bytesWritten } = await writeAsync(fd, buffer, offset, buffer.length - offset);
          if (bytesWritten <= 0) throw new Error('the audit log accepted no bytes');
          offset += bytesWritten;
        }
        tornLine = false;
        try {
          await fsyncAsync(fd);
        } catch (err) {
          syncFailure = err instanceof Error ? err : new Error('fsync failed');
          throw syncFailure;
        }
        stats.syncs++;
        stats.records += batch.length;
        for (const pending of batch) pending.resolve();
      } catch (cause) {
        if (offset > 0 && offset < buffer.length) tornLine = true;
        const error = new AuditUnavailableError({ cause });
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  /** Starts a flush unless one runs; one that ends with records queued behind it starts again. */
  function kick(): void {
    if (flushing) return;
    flushing = flush().finally(() => {
      flushing = null;
      if (queue.length > 0) kick();
    });
  }

  return {
    path,
    stats,
    append(record) {
      if (closed || syncFailure) {
        return Promise.reject(new AuditUnavailableError({ cause: syncFailure ?? undefined }));
      }
      const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
      return new Promise<void>((resolve, reject) => {
        queue.push({ line, resolve, reject });
        kick();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      while (flushing) await flushing;
      closeSync(fd);
    },
  };
}

/** Makes a new file's directory entry durable too (the file's own fsync does not cover it). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the record's own fsync still holds.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The field coordinates the policy marks as personal data (they need PERSONAL_DATA_SCOPE). */
export function personalFields(policy: Policy): Set<string> {
  const personal = new Set<string>();
  for (const [coordinate, requirement] of policy.fields) {
    if (requirement.scopes?.some((set) => set.includes(PERSONAL_DATA_SCOPE))) {
      personal.add(coordinate);
    }
  }
  return personal;
}

/** Client-chosen text (an operation name) with anything shaped like a fiscal code removed. */
export function withoutFiscalCodes(text: string | null): string | null {
  return text === null ? null : text.replace(FISCAL_CODE_ANYWHERE, '[redacted]');
}

export interface AuditPluginOptions {
  log: AuditLog;
  /** The subgraph's own SDL policy: which fields are personal data is read from it. */
  policy: Policy;
  /**
   * For each type whose objects are about one person, that person's id (a worker id). A
   * personal field is attributed to its parent object when the parent's type is here (a
   * Worker's name), else to its result (a lookup returning a Worker). Checked at start-up:
   * a personal field neither way attributable fails the server's start.
   */
  dataSubjects: Readonly<Record<string, (source: unknown) => string>>;
  /** The keyed pseudonym of a person's id: the log never holds the id itself. */
  pseudonymOf: (id: string) => string;
  /** What the log says of the caller (default: the token's subject as is). */
  callerSubject?: (principal: Principal) => string | null;
  now?: () => Date;
}

interface Attribution {
  /** Whose field it is: the object it is read on, or the object(s) it returns. */
  from: 'parent' | 'result';
  subjectOf: (source: unknown) => string;
}

/** How each personal field's reads are attributed to people, from the served schema. */
function attributions(
  schema: GraphQLSchema,
  personal: ReadonlySet<string>,
  dataSubjects: AuditPluginOptions['dataSubjects'],
): Map<string, Attribution> {
  const out = new Map<string, Attribution>();
  for (const coordinate of personal) {
    const [typeName = '', fieldName = ''] = coordinate.split('.');
    const type = schema.getType(typeName);
    const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[fieldName] : null;
    if (!field) throw new Error(`audit: personal field ${coordinate} is not in the schema`);
    const onParent = dataSubjects[typeName];
    const onResult = dataSubjects[getNamedType(field.type).name];
    if (onParent) out.set(coordinate, { from: 'parent', subjectOf: onParent });
    else if (onResult) out.set(coordinate, { from: 'result', subjectOf: onResult });
    else throw new Error(`audit: personal field ${coordinate} cannot be attributed to a person`);
  }
  return out;
}

/** The objects a resolved value holds: itself, or the non-null items of a (nested) list. */
function objectsIn(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value.flatMap(objectsIn) : [value];
}

/**
 * Writes one audit record per request that selects personal fields and reaches execution,
 * even when it found nobody (a lookup of an unknown person is still a lookup). Requests
 * refused before execution (policy, purpose) read nothing and leave no record.
 */
export function auditPlugin<TContext extends CallerContext>(
  options: AuditPluginOptions,
): ApolloServerPlugin<TContext> {
  const personal = personalFields(options.policy);
  for (const [type, requirement] of options.policy.types) {
    if (requirement.scopes?.some((set) => set.includes(PERSONAL_DATA_SCOPE))) {
      throw new Error(`audit: type-level personal data (${type}) is not supported`);
    }
  }
  const callerSubject = options.callerSubject ?? ((principal: Principal) => principal.subject);
  const now = options.now ?? (() => new Date());
  let attributed = new Map<string, Attribution>();

  return {
    serverWillStart({ schema }) {
      attributed = attributions(schema, personal, options.dataSubjects);
      return Promise.resolve();
    },
    requestDidStart() {
      let fields: string[] = [];
      let executed = false;
      // Ids of the people whose personal fields were served, in first-read order.
      const subjects = new Set<string>();
      return Promise.resolve({
        didResolveOperation({ document, schema }) {
          fields = [...selectedFields(schema, document).keys()]
            .filter((coordinate) => personal.has(coordinate))
            .sort();
          return Promise.resolve();
        },
        executionDidStart() {
          if (fields.length === 0) return Promise.resolve();
          executed = true;
          return Promise.resolve({
            willResolveField({ source, info }) {
              const attribution = attributed.get(`${info.parentType.name}.${info.fieldName}`);
              if (!attribution) return;
              const { from, subjectOf } = attribution;
              // Only what was served: a field whose resolver failed disclosed nothing.
              return (error, result) => {
                if (error) return;
                for (const object of from === 'parent' ? [source] : objectsIn(result)) {
                  subjects.add(subjectOf(object));
                }
              };
            },
          });
        },
        async willSendResponse({ response, contextValue }) {
          if (!executed) return;
          const { principal, requestId, purpose, operationName, operationHash } =
            contextValue.caller;
          try {
            // Deferred payloads would leave after the record: refuse rather than under-report.
            if (response.body?.kind !== 'single') throw new AuditUnavailableError();
            await options.log.append({
              time: now().toISOString(),
              requestId,
              subject: callerSubject(principal),
              role: principal.role,
              desk: principal.desk,
              organization: principal.organization,
              purpose,
              operationName: withoutFiscalCodes(operationName),
              operationHash,
              fields,
              workers: [...subjects].map(options.pseudonymOf),
            });
          } catch (err) {
            // Not served without its record. The cause's errno only: never the record.
            const cause = err instanceof AuditUnavailableError ? err.cause : err;
            const errno = (cause as { code?: unknown } | undefined)?.code;
            console.error(`audit log unavailable (${typeof errno === 'string' ? errno : 'error'})`);
            response.body = {
              kind: 'single',
              singleResult: {
                errors: [
                  {
                    message: 'Personal data cannot be served: the audit log is unavailable',
                    extensions: { code: AUDIT_UNAVAILABLE },
                  },
                ],
              },
            };
            response.http.status = 503;
          }
        },
      });
    },
  };
}
