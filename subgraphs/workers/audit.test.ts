// The audit of personal-data reads in the workers subgraph, executed in process over a fake
// IDOL with the same plugins as the server (policy re-check, then audit): which requests
// leave a record, what it says, and that nothing is served when it cannot be written.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parse } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Assertion } from '../../lib/auth/assertion.js';
import { extractPolicy } from '../../lib/auth/policy.js';
import { SCOPES } from '../../lib/auth/scopes.js';
import { readProjectFile } from '../../lib/project-files.js';
import {
  auditPlugin,
  AuditUnavailableError,
  openAuditLog,
  type AuditLog,
  type AuditRecord,
} from '../shared/audit.js';
import { TEST_CALLER, TEST_OPERATOR } from '../shared/test-trust.js';
import { policyRecheckPlugin } from '../shared/trust.js';
import { fakeData, fakeIdol } from './fake-idol.js';
import { workersAuditPlugin } from './index.js';
import { createLoaders } from './loaders.js';
import { createPseudonymizer } from './pseudonym.js';
import { resolvers, type WorkersContext } from './resolvers.js';

const typeDefs = parse(readProjectFile('schema', 'workers.graphql'));
const schema = buildSubgraphSchema({
  typeDefs,
  resolvers: resolvers as GraphQLResolverMap<unknown>,
});
const pseudonymOf = createPseudonymizer(randomBytes(32));
const data = fakeData(10);

/** An audit log in memory, or one whose every write fails. */
function memoryLog(failing = false): AuditLog & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return {
    path: 'memory',
    records,
    stats: { records: 0, syncs: 0 },
    append(record) {
      if (failing) return Promise.reject(new AuditUnavailableError({ cause: { code: 'ENOSPC' } }));
      records.push(record);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

async function run(
  log: AuditLog,
  query: string,
  caller: Partial<Assertion> = {},
  beforeStop: () => Promise<void> = () => Promise.resolve(),
) {
  const server = new ApolloServer<WorkersContext>({
    schema,
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      policyRecheckPlugin<WorkersContext>(extractPolicy(typeDefs)),
      workersAuditPlugin(log, pseudonymOf),
    ],
  });
  const response = await server.executeOperation(
    { query },
    {
      contextValue: {
        loaders: createLoaders(fakeIdol(data).client),
        idolWrites: fakeIdol(data).writes,
        caller: { ...TEST_CALLER, ...caller },
        pseudonymOf,
      },
    },
  );
  await beforeStop();
  await server.stop();
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return { status: response.http.status, result: response.body.singleResult };
}

const THREE_NAMES = `{
  a: worker(id: "L0000001") { givenName familyName }
  b: worker(id: "L0000002") { givenName familyName sex }
  c: worker(id: "L0000003") { familyName }
}`;

describe('audit records in the workers subgraph', () => {
  it('writes one record for a request reading three people, naming the fields and their pseudonyms', async () => {
    const log = memoryLog();
    const { result } = await run(log, THREE_NAMES, {
      requestId: 'req-1',
      operationName: 'ThreeNames',
      operationHash: 'abc123',
    });
    expect(result.errors).toBeUndefined();
    expect(log.records).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
        requestId: 'req-1',
        subject: TEST_OPERATOR.subject,
        role: 'operator',
        desk: 'PO-NORD',
        organization: null,
        purpose: 'GUIDANCE',
        operationName: 'ThreeNames',
        operationHash: 'abc123',
        fields: ['Worker.familyName', 'Worker.givenName'],
        workers: ['L0000001', 'L0000002', 'L0000003'].map(pseudonymOf),
      },
    ]);
  });

  it('writes no record for a request without personal fields', async () => {
    const log = memoryLog();
    const { result } = await run(log, '{ worker(id: "L0000001") { pseudonym sex } }');
    expect(result.errors).toBeUndefined();
    expect(log.records).toEqual([]);
  });

  it('records a lookup that found nobody, with no pseudonyms', async () => {
    const log = memoryLog();
    const { result } = await run(log, '{ worker(id: "L0000999") { familyName } }');
    expect(result).toEqual({ data: { worker: null } });
    expect(log.records.map((r) => [r.fields, r.workers])).toEqual([[['Worker.familyName'], []]]);
  });

  it('counts only people whose personal fields were served: a person the citizen may not see is not listed', async () => {
    const log = memoryLog();
    const citizen = {
      ...TEST_OPERATOR,
      role: 'citizen' as const,
      subject: 'L0000001',
      desk: null,
      scopes: [SCOPES.workerIdentity, SCOPES.workerProfile],
    };
    const { result } = await run(
      log,
      '{ me { familyName } other: worker(id: "L0000002") { familyName } }',
      { principal: citizen, purpose: 'SELF_ACCESS' },
    );
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(log.records).toHaveLength(1);
    // The citizen's subject is their worker id: the record names them by pseudonym.
    expect(log.records[0]).toMatchObject({
      subject: pseudonymOf('L0000001'),
      role: 'citizen',
      workers: [pseudonymOf('L0000001')],
    });
  });

  it('writes no record for a request refused before execution (no purpose)', async () => {
    const log = memoryLog();
    const { result } = await run(log, THREE_NAMES, { purpose: null });
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['PURPOSE_REQUIRED']);
    expect(log.records).toEqual([]);
  });

  it('keeps fiscal-code-shaped text out of the operation name', async () => {
    const log = memoryLog();
    const fiscalCode = data.workers[0]!.fiscalCode;
    await run(log, THREE_NAMES, { operationName: `Find_${fiscalCode}_now` });
    expect(log.records[0]?.operationName).toBe('Find_[redacted]_now');
  });

  it('serves no personal data when its record cannot be written (AUDIT_UNAVAILABLE, 503)', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { status, result } = await run(memoryLog(true), THREE_NAMES);
    // The operator learns why, from the errno alone: the record itself is personal data.
    expect(logged.mock.calls).toEqual([['audit log unavailable (ENOSPC)']]);
    logged.mockRestore();
    expect(status).toBe(503);
    expect(result).toEqual({
      errors: [
        {
          message: 'Personal data cannot be served: the audit log is unavailable',
          extensions: { code: 'AUDIT_UNAVAILABLE' },
        },
      ],
    });
  });

  it('does not answer before its record is durable', async () => {
    const events: string[] = [];
    let release = () => {};
    const slowLog: AuditLog = {
      ...memoryLog(),
      append() {
        events.push('append');
        return new Promise<void>((resolve) => {
          release = () => {
            events.push('durable');
            resolve();
          };
        });
      },
    };
    const answered = run(slowLog, THREE_NAMES).then(() => events.push('answered'));
    await vi.waitFor(() => expect(events).toEqual(['append']));
    // Everything else has run: only the record's fsync holds the response back.
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['append']);
    release();
    await answered;
    expect(events).toEqual(['append', 'durable', 'answered']);
  });

  it('serves requests without personal data even when the log is unavailable', async () => {
    const { result } = await run(memoryLog(true), '{ worker(id: "L0000001") { sex } }');
    expect(result).toEqual({ data: { worker: { sex: 'MALE' } } });
  });

  it('attributes a lookup by fiscal code to the person it returns', async () => {
    const log = memoryLog();
    const fiscalCode = data.workers[4]!.fiscalCode;
    const { result } = await run(
      log,
      `{ workerByFiscalCode(fiscalCode: "${fiscalCode}") { sex } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(log.records.map((r) => [r.fields, r.workers])).toEqual([
      [['Query.workerByFiscalCode'], [pseudonymOf('L0000005')]],
    ]);
  });

  it('refuses to start when a personal field cannot be attributed to a person', async () => {
    const server = new ApolloServer<WorkersContext>({
      schema,
      plugins: [
        ApolloServerPluginInlineTraceDisabled(),
        auditPlugin<WorkersContext>({
          log: memoryLog(),
          policy: extractPolicy(typeDefs),
          dataSubjects: {},
          pseudonymOf,
        }),
      ],
    });
    await expect(server.start()).rejects.toThrow(
      /^audit: personal field \w+\.\w+ cannot be attributed to a person$/,
    );
  });
});

describe('audit log file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('holds one JSON line per record with pseudonyms only, never ids, fiscal codes or names', async () => {
    dir = mkdtempSync(join(tmpdir(), 'prato-audit-unit-'));
    const log = openAuditLog(join(dir, 'audit.jsonl'));
    await run(log, THREE_NAMES);
    await run(log, '{ worker(id: "L0000004") { fiscalCode birthDate residence { street } } }');
    await log.close();
    const text = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => (JSON.parse(l) as AuditRecord).workers.length)).toEqual([3, 1]);
    const leaked = data.workers
      .slice(0, 4)
      .flatMap((w) => [w.id, w.fiscalCode, w.familyName])
      .filter((value) => text.includes(value));
    expect(leaked).toEqual([]);
  });
});
