// The workers subgraph's configuration, from the environment.
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ConfigError, envString, type Env } from '../../lib/env.js';
import { projectPath } from '../../lib/project-files.js';
import {
  readListenConfig,
  readUpstreamConfig,
  type SubgraphProcessConfig,
  type UpstreamConfig,
} from '../shared/config.js';
import { readMinCellPeople } from '../shared/suppression.js';

export interface WorkersConfig extends SubgraphProcessConfig {
  idol: UpstreamConfig;
  /** The deployment's secret for analysts' pseudonyms (at least 32 bytes). */
  pseudonymKey: Buffer;
  /** Registration cells counting fewer people are suppressed (at least 5; absent: 5). */
  minCellPeople?: number;
  /** The append-only audit log of personal-data reads (JSON Lines, absolute path). */
  auditLogPath: string;
}

/** PSEUDONYM_KEY (base64), else the file PSEUDONYM_KEY_FILE (default `<KEYS_DIR>/pseudonym.key`). */
function readPseudonymKey(env: Env): Buffer {
  let raw = env.PSEUDONYM_KEY;
  let variable = 'PSEUDONYM_KEY';
  if (!raw) {
    variable = 'PSEUDONYM_KEY_FILE';
    const file = envString(
      env,
      variable,
      `${envString(env, 'KEYS_DIR', 'data/keys')}/pseudonym.key`,
    );
    try {
      raw = readFileSync(isAbsolute(file) ? file : projectPath(file), 'utf8');
    } catch {
      throw new ConfigError(variable, file, 'a readable file (`npm start` creates one)');
    }
  }
  const key = Buffer.from(raw.trim(), 'base64');
  // The value itself is a secret: never echo it.
  if (key.length < 32) throw new ConfigError(variable, '<secret>', 'at least 32 bytes, base64');
  return key;
}

/** AUDIT_LOG_PATH, relative to the project root unless absolute. */
function readAuditLogPath(env: Env): string {
  const file = envString(env, 'AUDIT_LOG_PATH', 'data/audit/workers-audit.jsonl');
  return isAbsolute(file) ? file : projectPath(file);
}

/**
 * Reads WORKERS_PORT, HOST, IDOL_URL, IDOL_CREDENTIAL, IDOL_TIMEOUT_MS, IDOL_CONNECTIONS,
 * the pseudonym key and AUDIT_LOG_PATH.
 */
export function readWorkersConfig(env: Env): Readonly<WorkersConfig> {
  return Object.freeze({
    ...readListenConfig(env, 'WORKERS_PORT', 4002),
    idol: readUpstreamConfig(env, 'IDOL', {
      url: 'http://127.0.0.1:4102',
      credential: 'idol-dev-key',
    }),
    pseudonymKey: readPseudonymKey(env),
    minCellPeople: readMinCellPeople(env, 'WORKERS'),
    auditLogPath: readAuditLogPath(env),
  });
}
