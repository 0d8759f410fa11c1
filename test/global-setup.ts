// Builds the small test dataset once for the whole run; each test file starts its own
// stack on it (so that upstream request counters are not shared between files).
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDataset } from '../upstreams/index.js';

export const TEST_SEED = 2010;
export const TEST_SCALE = 0.01;

declare module 'vitest' {
  export interface ProvidedContext {
    dataDir: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const dataDir = join(tmpdir(), `prato-graph-test-${TEST_SEED}-${TEST_SCALE}`);
  mkdirSync(dataDir, { recursive: true });
  await ensureDataset({ dir: dataDir, seed: TEST_SEED, scale: TEST_SCALE });
  project.provide('dataDir', dataDir);
}
