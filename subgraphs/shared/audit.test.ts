// The audit log file itself: append-only, private, one line per record, and refusing
// places that would keep nothing.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuditUnavailableError,
  openAuditLog,
  personalFields,
  withoutFiscalCodes,
  type AuditRecord,
} from './audit.js';
import { extractPolicy } from '../../lib/auth/policy.js';
import { parse } from 'graphql';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prato-audit-log-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const record = (requestId: string): AuditRecord => ({
  time: '2024-05-06T07:08:09.010Z',
  requestId,
  subject: 'op-1',
  role: 'operator',
  desk: 'PO-NORD',
  organization: null,
  purpose: 'GUIDANCE',
  operationName: null,
  operationHash: null,
  fields: ['Worker.familyName'],
  workers: ['P-abc'],
});

describe('openAuditLog', () => {
  it('creates the file and its folder private to the process owner (0600)', async () => {
    const path = join(dir, 'nested', 'audit.jsonl');
    await openAuditLog(path).close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o077).toBe(0);
  });

  it('tightens an existing file to 0600 and appends after what it holds, never truncating', async () => {
    const path = join(dir, 'audit.jsonl');
    writeFileSync(path, `${JSON.stringify(record('earlier'))}\n`);
    chmodSync(path, 0o644);
    const log = openAuditLog(path);
    await log.append(record('r1'));
    await log.append(record('r2'));
    await log.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.map((l) => (l ? (JSON.parse(l) as AuditRecord).requestId : l))).toEqual([
      'earlier',
      'r1',
      'r2',
      '',
    ]);
  });

  it('refuses a path that is not a regular file (/dev/null would keep nothing)', () => {
    expect(() => openAuditLog('/dev/null')).toThrow(
      'the audit log /dev/null is not a regular file',
    );
  });

  it('refuses records once closed, with AUDIT_UNAVAILABLE', async () => {
    const log = openAuditLog(join(dir, 'audit.jsonl'));
    await log.close();
    await expect(log.append(record('late'))).rejects.toThrow(AuditUnavailableError);
  });

  it('commits concurrent records in groups: 200 appends, 200 whole lines in order, 2 fsyncs', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = openAuditLog(path);
    // The first record starts a write at once; the other 199 arrive meanwhile and share one.
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(record(`r${i}`))));
    expect(log.stats).toEqual({ records: 200, syncs: 2 });
    await log.close();
    const ids = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as AuditRecord).requestId);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
  });

  it('waits for the records already appended before closing', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = openAuditLog(path);
    const appended = [log.append(record('a')), log.append(record('b'))];
    await log.close();
    await Promise.all(appended);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });
});

describe('personalFields', () => {
  it('lists the fields that need the personal-data scope, and only those', () => {
    const policy = extractPolicy(
      parse(`type Person {
        name: String @requiresScopes(scopes: [["worker:identity"]])
        either: String @requiresScopes(scopes: [["a"], ["b", "worker:identity"]])
        sex: String @requiresScopes(scopes: [["worker:profile"]])
        plain: String @authenticated
      }`),
    );
    expect([...personalFields(policy)]).toEqual(['Person.name', 'Person.either']);
  });
});

describe('withoutFiscalCodes', () => {
  it('removes fiscal-code-shaped text, omocodia and lower case included, and keeps the rest', () => {
    expect(withoutFiscalCodes('A_RSSMRA80A01G999X_b_rssmra8LaM1g9q9x')).toBe(
      'A_[redacted]_b_[redacted]',
    );
    expect(withoutFiscalCodes('ThreeNames')).toBe('ThreeNames');
    expect(withoutFiscalCodes(null)).toBeNull();
  });
});
