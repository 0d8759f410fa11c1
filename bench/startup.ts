// Measures `npm start`'s two start times — the first, which builds the dataset, and a
// later one, which reuses it — and the memory of each process once everything is ready.
// Usage: npm run build && node dist/bench/startup.js [--scale 1] [--keep-data]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    'keep-data': { type: 'boolean', default: false },
  },
});
const startScript = join(dirname(dirname(fileURLToPath(import.meta.url))), 'scripts', 'start.js');
const dataDir = mkdtempSync(join(tmpdir(), 'prato-startup-bench-'));

interface StartRun {
  secondsToReady: number;
  datasetSeconds: number | null;
  processes: { name: string; rss: string }[];
}

function runOnce(): Promise<StartRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [startScript], {
      env: { ...process.env, UPSTREAM_DATA_DIR: dataDir, DATASET_SCALE: values.scale },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (!output.includes('GraphQL endpoint')) return;
      const secondsToReady = Number(process.hrtime.bigint() - started) / 1e9;
      const datasetSeconds = /dataset ready in ([\d.]+) s/.exec(output)?.[1];
      const processes = [
        ...output.matchAll(/^\s+(\S+ ?\S*)\s+http:\/\/localhost:\d+\s+pid \d+\s+rss (.+)$/gm),
      ].map((m) => ({ name: (m[1] ?? '').trim(), rss: (m[2] ?? '').trim() }));
      child.once('exit', () =>
        resolve({
          secondsToReady,
          datasetSeconds: datasetSeconds ? Number(datasetSeconds) : null,
          processes,
        }),
      );
      child.kill('SIGINT');
    });
    child.once('exit', (code) => {
      if (!output.includes('GraphQL endpoint'))
        reject(new Error(`start exited with ${code} before it was ready`));
    });
  });
}

try {
  const first = await runOnce();
  const second = await runOnce();
  console.log(`scale ${values.scale}, data in ${dataDir}`);
  console.log(
    `first start (builds the dataset): ${first.secondsToReady.toFixed(1)} s (dataset ${first.datasetSeconds} s)`,
  );
  console.log(`later start (reuses it):          ${second.secondsToReady.toFixed(1)} s`);
  console.log('resident memory once ready (later start):');
  for (const p of second.processes) console.log(`  ${p.name.padEnd(20)} ${p.rss}`);
} finally {
  if (!values['keep-data']) rmSync(dataDir, { recursive: true, force: true });
}
