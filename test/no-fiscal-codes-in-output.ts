// Vitest setup file, run in every test file's worker: keeps a copy of everything the file's
// code (tests and the in-process stack alike) writes to the console, stdout and stderr, and
// fails the file when that output, or a test name (the CI log shows them), holds the fiscal
// code of a person in the test dataset. A regex with the check character finds candidates;
// only when there are some is the dataset read, to tell its people from the invented
// examples that unit tests and docs use (RSSMRA...).
import { join } from 'node:path';
import { format } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, inject, type RunnerTask } from 'vitest';
import { fiscalCodesIn } from './fiscal-codes.js';

/** Everyone's fiscal code in the test dataset: IDOL's people, co's workers, TRIO's learners. */
function datasetFiscalCodes(dataDir: string): Set<string> {
  // The simulated upstreams' own tables (upstreams/systems/*.ts): read only, never served.
  const queries: [string, string][] = [
    ['idol.sqlite', 'SELECT cf FROM lavoratori'],
    ['co.sqlite', 'SELECT DISTINCT lavoratore_cf AS cf FROM comunicazioni'],
    [
      'trio.sqlite',
      'SELECT cf FROM iscrizioni UNION SELECT cf FROM attestati UNION SELECT cf FROM prenotazioni',
    ],
  ];
  const codes = new Set<string>();
  for (const [file, sql] of queries) {
    const db = new Database(join(dataDir, file), { readonly: true, fileMustExist: true });
    try {
      for (const row of db.prepare(sql).all() as { cf: string }[]) codes.add(row.cf);
    } finally {
      db.close();
    }
  }
  return codes;
}

const captured: { where: string; text: string }[] = [];

for (const stream of ['stdout', 'stderr'] as const) {
  const target = process[stream];
  const write = target.write.bind(target) as (...args: unknown[]) => boolean;
  const tee = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    captured.push({
      where: stream,
      text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(),
    });
    return write(chunk, ...rest);
  };
  target.write = tee;
}

// Vitest's console in a worker does not go through process.stdout: wrap it too.
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const) {
  const original = console[method].bind(console) as (...args: unknown[]) => void;
  console[method] = (...args: unknown[]) => {
    captured.push({ where: `console.${method}`, text: format(...args) });
    original(...args);
  };
}

function names(task: RunnerTask): string[] {
  return [task.name, ...('tasks' in task ? task.tasks.flatMap(names) : [])];
}

// Registered first, so with Vitest's default 'stack' order it runs last: after the file's
// own afterAll hooks, which stop the stack and may log while doing so. Vitest wants the
// first argument destructured; only the second (the file and its tasks) is used.
// eslint-disable-next-line no-empty-pattern
afterAll(({}, file) => {
  const candidates = [
    ...captured,
    ...names(file).map((text) => ({ where: 'test names', text })),
  ].flatMap(({ where, text }) => fiscalCodesIn(text).map((code) => ({ where, code })));
  if (candidates.length === 0) return;
  const dataset = datasetFiscalCodes(inject('dataDir'));
  const found = new Map<string, number>();
  for (const { where, code } of candidates) {
    if (dataset.has(code)) found.set(where, (found.get(where) ?? 0) + 1);
  }
  if (found.size > 0) {
    // Where and how many, never the codes themselves: this message goes to the CI log too.
    const summary = [...found].map(([where, count]) => `${count} in ${where}`).join(', ');
    throw new Error(`dataset fiscal codes in this test file's output or test names: ${summary}`);
  }
});
