/**
 * `node dist/upstreams/generate.js [--seed N] [--scale X] [--dir PATH]`: build (or
 * reuse) the dataset, print its counts and how long it took. Defaults come from the
 * environment (upstreams/config.ts).
 */
import { parseArgs } from 'node:util';
import { loadUpstreamsConfig } from './config.js';
import { ensureDataset } from './dataset/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      scale: { type: 'string' },
      dir: { type: 'string' },
    },
  });
  const config = loadUpstreamsConfig();
  const seed = values.seed === undefined ? config.seed : Number(values.seed);
  const scale = values.scale === undefined ? config.scale : Number(values.scale);
  const dir = values.dir ?? config.dataDir;
  const started = performance.now();
  const manifest = await ensureDataset({ dir, seed, scale });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `dataset ${dir}: seed ${manifest.seed}, scale ${manifest.scale}, created ${manifest.createdAt}`,
  );
  for (const [name, n] of Object.entries(manifest.counts)) console.log(`  ${name.padEnd(22)} ${n}`);
  console.log(`done in ${seconds.toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
