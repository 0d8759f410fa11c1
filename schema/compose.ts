// Composes the four subgraph SDL files into the committed supergraph.
// `npm run compose` writes schema/supergraph.graphql; test/schema.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

export const SUBGRAPH_NAMES = ['desks', 'workers', 'employers', 'training'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const schemaDir = fileURLToPath(new URL('.', import.meta.url));

export function subgraphSdl(name: SubgraphName): string {
  return readFileSync(`${schemaDir}${name}.graphql`, 'utf8');
}

export const SUPERGRAPH_PATH = `${schemaDir}supergraph.graphql`;

/**
 * Composes the subgraphs. The routing URLs written into the supergraph are the default
 * local ports; the gateway overrides them from its configuration.
 */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name, i) => ({
      name,
      url: `http://localhost:${4001 + i}/graphql`,
      typeDefs: parse(subgraphSdl(name)),
    })),
  );
  if (result.errors) {
    throw new Error(
      `composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`,
    );
  }
  return result.supergraphSdl;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SUPERGRAPH_PATH, composeSupergraph());
  console.log(`wrote ${SUPERGRAPH_PATH}`);
}
