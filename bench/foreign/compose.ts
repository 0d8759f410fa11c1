// Composes the foreign benchmark's four subgraphs (./subgraphs.ts) into
// bench/foreign/supergraph.graphql with @apollo/composition, the routing URLs the public
// benchmark uses (localhost:4001-4004; the gateway overrides them from its configuration).
// Regenerate with `npx tsx bench/foreign/compose.ts`; test/generic-supergraph.test.ts fails when
// the committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { projectPath } from '../../lib/project-files.js';
import { FOREIGN_SUBGRAPHS, FOREIGN_TYPE_DEFS } from './subgraphs.js';

export const FOREIGN_SUPERGRAPH_PATH = 'bench/foreign/supergraph.graphql';
export const FOREIGN_QUERY_PATH = 'bench/foreign/query.graphql';

/** The composed supergraph, in the project's Prettier style (so that `prettier --check` passes). */
export async function composeForeignSupergraph(): Promise<string> {
  const result = composeServices(
    FOREIGN_SUBGRAPHS.map((name, i) => ({
      name,
      url: `http://localhost:${4001 + i}/graphql`,
      typeDefs: parse(FOREIGN_TYPE_DEFS[name]),
    })),
  );
  if (result.errors) {
    throw new Error(
      `composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`,
    );
  }
  // A development dependency, only needed when writing or checking the file.
  const prettier = await import('prettier');
  const path = projectPath(FOREIGN_SUPERGRAPH_PATH);
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(result.supergraphSdl, { ...config, filepath: path });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = projectPath(FOREIGN_SUPERGRAPH_PATH);
  writeFileSync(path, await composeForeignSupergraph());
  console.log(`wrote ${path}`);
}
