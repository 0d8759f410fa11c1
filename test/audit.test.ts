// The audit log of personal-data reads end to end (SECURITY.md, "Personal data"): the whole
// stack over real HTTP with the workers subgraph's log in a temporary folder, and a workers
// subgraph in a child process killed with SIGKILL right after it answered.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROLE_SCOPES } from '../gateway/roles.js';
import { ASSERTION_HEADER, signAssertion } from '../lib/auth/assertion.js';
import { REQUEST_ID_HEADER } from '../lib/request-scope.js';
import type { DevTokenClaims } from '../lib/auth/dev-tokens.js';
import { ensureKeys, keyFiles, loadPrivateKey } from '../lib/auth/keys.js';
import { isValidFiscalCode } from '../lib/fiscal-code.js';
import { projectRoot } from '../lib/project-files.js';
import type { AuditRecord } from '../subgraphs/shared/audit.js';
import { createPseudonymizer } from '../subgraphs/workers/pseudonym.js';
import { CREDENTIALS, graphql, startStack, upstreamGet, type Stack } from './stack.js';

type Json = Record<string, unknown>;

interface Lavoratore {
  id: string;
  codiceFiscale: string;
  nome: string;
  cognome: string;
}

let stack: Stack;
let workDir: string;
/** Everyone whose identifiers the tests read from IDOL: none of it may reach the audit file. */
const seen: Lavoratore[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'prato-audit-e2e-'));
  stack = await startStack({
    dataDir: inject('dataDir'),
    auditLogPath: join(workDir, 'audit', 'workers-audit.jsonl'),
  });
});

afterAll(async () => {
  await stack?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const OPERATOR: DevTokenClaims = { role: 'operator', subject: 'op-audit', desk: 'PO-NORD' };
const ANALYST: DevTokenClaims = { role: 'analyst', subject: 'an-audit' };

async function as(
  claims: DevTokenClaims | null,
  purpose?: string,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (claims) headers.authorization = `Bearer ${await stack.token(claims)}`;
  if (purpose) headers['x-purpose'] = purpose;
  return headers;
}

function records(path = stack.auditLogPath): AuditRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}

/** Runs `send` and returns the audit records it added. */
async function recordsAddedBy(send: () => Promise<void>): Promise<AuditRecord[]> {
  const before = records().length;
  await send();
  return records().slice(before);
}

async function jobSeekers(count: number, page = 1): Promise<Lavoratore[]> {
  const { lavoratori } = await upstreamGet<{ lavoratori: Lavoratore[] }>(
    stack,
    'idol',
    `/v1/lavoratori/ricerca?pagina=${page}&dimensione=${count}`,
  );
  expect(lavoratori).toHaveLength(count);
  seen.push(...lavoratori);
  return lavoratori;
}

const THREE_NAMES = `query ThreeNames($a: ID!, $b: ID!, $c: ID!) {
  a: worker(id: $a) { givenName familyName }
  b: worker(id: $b) { givenName familyName }
  c: worker(id: $c) { givenName familyName }
}`;

const THREE_PSEUDONYMS = `query ($a: ID!, $b: ID!, $c: ID!) {
  a: worker(id: $a) { pseudonym sex }
  b: worker(id: $b) { pseudonym sex }
  c: worker(id: $c) { pseudonym sex }
}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('audit log through the gateway', () => {
  it('writes exactly one record when an operator reads three people’s names in one query', async () => {
    const people = await jobSeekers(3);
    const variables = { a: people[0]!.id, b: people[1]!.id, c: people[2]!.id };
    let res: { requestId: string | null; body: { data?: Record<string, Json>; errors?: unknown } };
    const added = await recordsAddedBy(async () => {
      const response = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await as(OPERATOR, 'GUIDANCE')) },
        body: JSON.stringify({ query: THREE_NAMES, variables }),
      });
      res = {
        requestId: response.headers.get('x-request-id'),
        body: (await response.json()) as typeof res.body,
      };
    });
    expect(res!.body.errors).toBeUndefined();
    expect(res!.requestId).toMatch(UUID);
    expect(Object.values(res!.body.data!).map((w) => w.familyName)).toEqual(
      people.map((p) => p.cognome),
    );
    // The same people as an analyst sees them: their pseudonyms, and no record for that.
    const pseudonyms = await graphql<Record<string, Json>>(
      stack.gatewayUrl,
      THREE_PSEUDONYMS,
      variables,
      await as(ANALYST),
    );
    expect(pseudonyms.errors).toBeUndefined();
    expect(added).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
        // The id the gateway gave the client in x-request-id: the two can be correlated.
        requestId: res!.requestId,
        subject: 'op-audit',
        role: 'operator',
        desk: 'PO-NORD',
        organization: null,
        purpose: 'GUIDANCE',
        operationName: 'ThreeNames',
        // Apollo's queryHash: the SHA-256 of the operation's text as the client sent it.
        operationHash: createHash('sha256').update(THREE_NAMES).digest('hex'),
        fields: ['Worker.familyName', 'Worker.givenName'],
        workers: expect.any(Array) as unknown,
      },
    ]);
    // Exactly those three, in whatever order the people were resolved.
    expect([...added[0]!.workers].sort()).toEqual(
      Object.values(pseudonyms.data!)
        .map((w) => w.pseudonym as string)
        .sort(),
    );
  });

  it('writes no record for queries without personal data: analysts’ pseudonyms and public desks', async () => {
    const people = await jobSeekers(3, 2);
    const added = await recordsAddedBy(async () => {
      const byId = await graphql(
        stack.gatewayUrl,
        THREE_PSEUDONYMS,
        { a: people[0]!.id, b: people[1]!.id, c: people[2]!.id },
        await as(ANALYST),
      );
      expect(byId.errors).toBeUndefined();
      const list = await graphql(
        stack.gatewayUrl,
        '{ jobSeekers(first: 20) { edges { node { pseudonym sex profile { status } } } } }',
        undefined,
        await as(ANALYST),
      );
      expect(list.errors).toBeUndefined();
      const desks = await graphql(stack.gatewayUrl, '{ desks { id name } }', undefined, {});
      expect(desks.errors).toBeUndefined();
    });
    expect(added).toEqual([]);
  });

  it('writes no record for a personal-data read refused for want of a purpose', async () => {
    const [person] = await jobSeekers(1, 3);
    const added = await recordsAddedBy(async () => {
      const res = await graphql(
        stack.gatewayUrl,
        'query ($id: ID!) { worker(id: $id) { familyName } }',
        { id: person!.id },
        await as(OPERATOR),
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('PURPOSE_REQUIRED');
    });
    expect(added).toEqual([]);
  });

  it('gives every personal-data request its own record and request id, across a list and a lookup', async () => {
    const [person] = await jobSeekers(1, 4);
    const added = await recordsAddedBy(async () => {
      const list = await graphql(
        stack.gatewayUrl,
        'query List { jobSeekers(first: 5) { edges { node { fiscalCode birthDate } } } }',
        undefined,
        await as(OPERATOR, 'REGISTRATION'),
      );
      expect(list.errors).toBeUndefined();
      const lookup = await graphql(
        stack.gatewayUrl,
        'query ByCode($cf: FiscalCode!) { workerByFiscalCode(fiscalCode: $cf) { sex } }',
        { cf: person!.codiceFiscale },
        await as(OPERATOR, 'MATCHING'),
      );
      expect(lookup.errors).toBeUndefined();
    });
    expect(added.map((r) => [r.operationName, r.purpose, r.fields, r.workers.length])).toEqual([
      ['List', 'REGISTRATION', ['Worker.birthDate', 'Worker.fiscalCode'], 5],
      ['ByCode', 'MATCHING', ['Query.workerByFiscalCode'], 1],
    ]);
    expect(new Set(added.map((r) => r.requestId)).size).toBe(2);
  });

  it('names a citizen reading their own record by pseudonym, not by their IDOL id', async () => {
    const [me] = await jobSeekers(1, 5);
    const citizen: DevTokenClaims = {
      role: 'citizen',
      subject: me!.id,
      fiscalCode: me!.codiceFiscale,
    };
    const added = await recordsAddedBy(async () => {
      const res = await graphql<{ me: Json }>(
        stack.gatewayUrl,
        '{ me { givenName familyName } }',
        undefined,
        await as(citizen, 'SELF_ACCESS'),
      );
      expect(res.data?.me?.familyName).toBe(me!.cognome);
    });
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ role: 'citizen', purpose: 'SELF_ACCESS' });
    expect(added[0]!.subject).toMatch(/^P-[A-Za-z0-9_-]{22}$/);
    expect(added[0]!.workers).toEqual([added[0]!.subject]);
  });

  it('keeps no fiscal code, IDOL id or name of the people read anywhere in the audit file', () => {
    const text = readFileSync(stack.auditLogPath, 'utf8');
    expect(records()).toHaveLength(4);
    expect(seen).toHaveLength(9);
    const token = (value: string) =>
      new RegExp(
        `(?<![A-Za-z0-9_-])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_-])`,
      );
    // Counts, not values, so that a failure does not print what it found.
    const leaks = seen.filter(
      (p) =>
        text.includes(p.codiceFiscale) ||
        text.includes(p.id) ||
        token(p.nome).test(text) ||
        token(p.cognome).test(text),
    ).length;
    expect(leaks).toBe(0);
    expect(fiscalCodesIn(text)).toBe(0);
  });
});

/** How many valid fiscal codes a text holds (any, not only those the tests read). */
function fiscalCodesIn(text: string): number {
  // Overlapping windows: a code may sit inside a longer run of capitals and digits.
  const windows = [...text.matchAll(/(?=([A-Z0-9]{16}))/g)].map((m) => m[1] ?? '');
  return windows.filter(isValidFiscalCode).length;
}

describe('audit log in a workers subgraph process of its own', () => {
  const children: ChildProcess[] = [];
  let childOutput = '';
  afterAll(() => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  /**
   * `node --import tsx subgraphs/main.ts --name workers` on the stack's IDOL, resolved with the
   * process and its URL once it says it is ready. `maxFileKb` caps the size of any file it
   * writes (`ulimit -f`), so that appending to a file already larger fails with EFBIG.
   */
  function startWorkersProcess(
    keysDir: string,
    auditLogPath: string,
    maxFileKb?: number,
  ): Promise<{ child: ChildProcess; url: string }> {
    const node = [process.execPath, '--import', 'tsx', 'subgraphs/main.ts', '--name', 'workers'];
    // ulimit counts 512- or 1024-byte blocks depending on the shell: callers allow for both.
    const [command, ...args] = maxFileKb
      ? ['/bin/sh', '-c', `ulimit -f ${maxFileKb} && exec "$0" "$@"`, ...node]
      : node;
    const child = spawn(command!, args, {
      cwd: projectRoot(),
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        WORKERS_PORT: '0',
        IDOL_URL: stack.upstreamUrls.idol,
        IDOL_CREDENTIAL: CREDENTIALS.idol,
        KEYS_DIR: keysDir,
        AUDIT_LOG_PATH: auditLogPath,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    return new Promise((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => (childOutput += chunk.toString()));
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        childOutput += chunk.toString();
        const ready = /ready at (http:\/\/\S+)/.exec(output);
        if (ready) resolve({ child, url: ready[1]! });
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`workers process exited before ready (${code ?? signal})`)),
      );
    });
  }

  /** The headers the gateway would send for an operator of PO-NORD. */
  async function operatorHeaders(
    keysDir: string,
    requestId: string,
    operationName: string,
  ): Promise<Record<string, string>> {
    const { key } = await loadPrivateKey(keyFiles(keysDir, 'assertion').privateFile);
    const assertion = await signAssertion(key, {
      principal: {
        role: 'operator',
        subject: 'op-child',
        scopes: ROLE_SCOPES.operator,
        desk: 'PO-NORD',
        organization: null,
        fiscalCode: null,
      },
      purpose: 'GUIDANCE',
      operationName,
      operationHash: null,
    });
    return {
      'content-type': 'application/json',
      [ASSERTION_HEADER]: assertion,
      [REQUEST_ID_HEADER]: requestId,
    };
  }

  /** POSTs over node:http; `onResponse` runs the moment the response starts arriving. */
  function post(
    url: string,
    headers: Record<string, string>,
    body: Json,
    onResponse: () => void = () => {},
  ): Promise<{ status: number | undefined; body: Json }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers }, (res) => {
        onResponse();
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) as Json }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  it('keeps the record of a response already sent when the subgraph process is killed with SIGKILL', async () => {
    const keysDir = join(workDir, 'crash-keys');
    await ensureKeys(keysDir);
    const auditLogPath = join(workDir, 'crash', 'workers-audit.jsonl');
    const { child, url } = await startWorkersProcess(keysDir, auditLogPath);
    const [person] = await jobSeekers(1, 6);
    const requestId = randomUUID();
    const headers = await operatorHeaders(keysDir, requestId, 'BeforeTheCrash');
    const killed = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    // No graceful shutdown, no later flush: killed as soon as the answer starts arriving.
    const response = await post(
      url,
      headers,
      {
        query: 'query ($id: ID!) { worker(id: $id) { familyName } }',
        variables: { id: person!.id },
      },
      () => child.kill('SIGKILL'),
    );
    expect(await killed).toBe('SIGKILL');
    expect(response).toEqual({
      status: 200,
      body: { data: { worker: { familyName: person!.cognome } } },
    });

    const pseudonymKey = readFileSync(join(keysDir, 'pseudonym.key'), 'utf8');
    const pseudonymOf = createPseudonymizer(Buffer.from(pseudonymKey.trim(), 'base64'));
    expect(records(auditLogPath).filter((r) => r.requestId === requestId)).toEqual([
      expect.objectContaining({
        subject: 'op-child',
        operationName: 'BeforeTheCrash',
        fields: ['Worker.familyName'],
        workers: [pseudonymOf(person!.id)],
      }),
    ]);
    expect(fiscalCodesIn(readFileSync(auditLogPath, 'utf8'))).toBe(0);
  });

  it('serves no personal data when the record cannot be written (the file may not grow: EFBIG)', async () => {
    const keysDir = join(workDir, 'full-keys');
    await ensureKeys(keysDir);
    const auditLogPath = join(workDir, 'full', 'workers-audit.jsonl');
    // Already past the cap whichever block size ulimit uses (1024 blocks: 512 KB or 1 MB).
    mkdirSync(join(workDir, 'full'));
    writeFileSync(auditLogPath, `${'{}\n'.repeat(400_000)}`);
    const { url } = await startWorkersProcess(keysDir, auditLogPath, 1024);
    const [person] = await jobSeekers(1, 7);
    const sizeBefore = statSync(auditLogPath).size;

    const personal = await post(url, await operatorHeaders(keysDir, randomUUID(), 'Full'), {
      query: 'query ($id: ID!) { worker(id: $id) { familyName } }',
      variables: { id: person!.id },
    });
    expect(personal).toEqual({
      status: 503,
      body: {
        errors: [
          {
            message: 'Personal data cannot be served: the audit log is unavailable',
            extensions: { code: 'AUDIT_UNAVAILABLE' },
          },
        ],
      },
    });
    // What needs no record is still served.
    const profile = await post(url, await operatorHeaders(keysDir, randomUUID(), 'Sex'), {
      query: 'query ($id: ID!) { worker(id: $id) { sex } }',
      variables: { id: person!.id },
    });
    expect(profile.status).toBe(200);
    expect(profile.body.errors).toBeUndefined();
    expect(statSync(auditLogPath).size).toBe(sizeBefore);
    expect(childOutput).toContain('audit log unavailable (EFBIG)');
    expect(fiscalCodesIn(childOutput)).toBe(0);
  });
});
