// Hive Gateway serving the committed supergraph over a test stack's subgraphs: its CLI as a
// child process on a free port, configured by test/hive.config.ts (as `npm run bench` runs it,
// bench/compare.ts), under tsx so that the configuration can be this project's TypeScript.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { keyFiles } from '../lib/auth/keys.js';
import type { Principal } from '../lib/auth/principal.js';
import { SUPERGRAPH_PATH } from '../schema/compose.js';
import type { Stack } from './stack.js';
import { freePort } from '../lib/free-port.js';
import { hiveGatewayArgs } from '../bench/hive-cli.js';

const CONFIG_PATH = fileURLToPath(new URL('hive.config.ts', import.meta.url));

export interface HiveGateway {
  /** Its GraphQL endpoint. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Hive Gateway on the stack's subgraphs and resolves once it answers `{ __typename }`.
 * `callers` maps the Authorization headers the test will send to the principal our gateway
 * derives from each; any other request is sent to the subgraphs as the public principal.
 */
export async function startHiveGateway(
  stack: Stack,
  callers: Record<string, Principal> = {},
): Promise<HiveGateway> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    // tsx: the config file is TypeScript.
    ['--import', 'tsx', ...hiveGatewayArgs(SUPERGRAPH_PATH, CONFIG_PATH, port)],
    {
      // Output is kept to be shown if Hive fails to start; Hive logs no request data by default.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HIVE_TEST_SUBGRAPH_URLS: JSON.stringify(stack.subgraphUrls),
        HIVE_TEST_ASSERTION_KEY: keyFiles(stack.keysDir, 'assertion').privateFile,
        HIVE_TEST_CALLERS: JSON.stringify(callers),
      },
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}/graphql`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Hive Gateway exited with code ${child.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (res.ok) return { url, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`Hive Gateway did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
