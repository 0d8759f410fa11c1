// Hive Gateway's CLI (the devDependency @graphql-hive/gateway) serving a supergraph file on a
// loopback port, as `npm run bench`, the foreign benchmark and the portability test start it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The node arguments that run Hive Gateway on `supergraphPath` with a config file. */
export function hiveGatewayArgs(
  supergraphPath: string,
  configPath: string,
  port: number,
): string[] {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('@graphql-hive/gateway/package.json')),
    'dist',
    'bin.js',
  );
  return [
    bin,
    'supergraph',
    supergraphPath,
    '--config-path',
    configPath,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ];
}
