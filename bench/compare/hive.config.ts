// Variant (c) of `npm run bench`: Hive Gateway's CLI (`hive-gateway supergraph
// schema/supergraph.graphql`) with its default settings and this configuration file, which adds
// only what our subgraphs need to answer it at all:
//  - transportEntries: where each subgraph of this run listens (free ports, not the 400N of the
//    supergraph file; the file itself is served unchanged), and for variant (c') only, Hive's
//    in-flight deduplication of identical subgraph requests turned off;
//  - propagateHeaders.fromClientToSubgraphs: the pre-signed gateway assertion of the caller,
//    looked up from the client's Authorization and x-purpose (bench/compare/assertions.ts), the
//    way Hive's docs show header propagation.
// Started by bench/compare.ts with `--config-path` pointing at the compiled file and
// BENCH_SUBGRAPH_URLS, BENCH_CALLERS, BENCH_ASSERTION_KEY in the environment.
import { ASSERTION_HEADER } from '../../lib/auth/assertion.js';
import { stockGatewayInputs } from './assertions.js';

const { urls, assertions } = await stockGatewayInputs();

interface HeaderSource {
  request: { headers: { get(name: string): string | null } };
}

// The shape of Hive's defineConfig argument, written out so that this file needs no import of
// the gateway package (the CLI that loads it has it).
export const gatewayConfig = {
  transportEntries: Object.fromEntries(
    Object.entries(urls).map(([name, location]) => [
      name,
      // Hive's HTTP executor shares one subgraph request among identical ones in flight (same
      // URL, body and headers) by default; BENCH_HIVE_DEDUPE=off (variant c') turns that off.
      process.env.BENCH_HIVE_DEDUPE === 'off'
        ? { location, options: { deduplicateInflightRequests: false } }
        : { location },
    ]),
  ),
  propagateHeaders: {
    fromClientToSubgraphs({ request }: HeaderSource): Record<string, string> {
      return {
        [ASSERTION_HEADER]: assertions.lookup(
          request.headers.get('authorization'),
          request.headers.get('x-purpose'),
        ),
      };
    },
  },
};
