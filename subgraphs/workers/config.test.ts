// The workers subgraph's configuration: where its audit log goes.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/project-files.js';
import { readWorkersConfig } from './config.js';

const PSEUDONYM_KEY = randomBytes(32).toString('base64');

describe('readWorkersConfig', () => {
  it('keeps the audit log in data/audit/workers-audit.jsonl by default', () => {
    expect(readWorkersConfig({ PSEUDONYM_KEY }).auditLogPath).toBe(
      projectPath('data/audit/workers-audit.jsonl'),
    );
  });

  it('reads AUDIT_LOG_PATH, relative to the project root unless absolute', () => {
    expect(
      readWorkersConfig({ PSEUDONYM_KEY, AUDIT_LOG_PATH: 'var/audit.jsonl' }).auditLogPath,
    ).toBe(projectPath('var/audit.jsonl'));
    expect(
      readWorkersConfig({ PSEUDONYM_KEY, AUDIT_LOG_PATH: '/srv/audit/workers.jsonl' }).auditLogPath,
    ).toBe('/srv/audit/workers.jsonl');
  });
});
