// Locates files shipped with the project (schema/, reference/) both when running from
// source (tsx, vitest) and from dist/, without relying on the working directory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (
      existsSync(join(dir, 'schema', 'supergraph.graphql')) &&
      existsSync(join(dir, 'package.json'))
    ) {
      root = dir;
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error(`project root not found above ${fileURLToPath(import.meta.url)}`);
}

export function projectPath(...segments: string[]): string {
  return join(projectRoot(), ...segments);
}

export function readProjectFile(...segments: string[]): string {
  return readFileSync(projectPath(...segments), 'utf8');
}
