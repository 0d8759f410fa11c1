// Hive Gateway's configuration for the portability test (test/hive-portability.test.ts),
// loaded by its CLI (`hive-gateway supergraph schema/supergraph.graphql --config-path
// test/hive.config.ts`, under tsx; test/hive.ts starts it). Hive's default settings, plus only
// what our subgraphs need to answer it at all:
//  - transportEntries: where each subgraph of the test stack listens (free ports, not the 400N
//    written in the supergraph, which is served unchanged);
//  - propagateHeaders: the gateway assertion (lib/auth/assertion.ts). Our subgraphs answer only
//    requests that carry one signed with the gateway's assertion key, and another engine knows
//    nothing of that scheme: this configuration signs one for the principal our gateway would
//    derive from the caller's Authorization header, the public principal for none (or one it
//    was not told about). It verifies no token and enforces no policy; what stands between a
//    Hive caller and the data is only what the subgraphs check against that assertion.
// Read from the environment: HIVE_TEST_SUBGRAPH_URLS (JSON, subgraph name -> URL),
// HIVE_TEST_ASSERTION_KEY (the assertion private key file), HIVE_TEST_CALLERS (JSON,
// Authorization header -> Principal).
import { ASSERTION_HEADER, signAssertion } from '../lib/auth/assertion.js';
import { loadPrivateKey } from '../lib/auth/keys.js';
import { PUBLIC_PRINCIPAL, type Principal } from '../lib/auth/principal.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const subgraphUrls = JSON.parse(env('HIVE_TEST_SUBGRAPH_URLS')) as Record<string, string>;
const callers = new Map(
  Object.entries(JSON.parse(env('HIVE_TEST_CALLERS')) as Record<string, Principal>),
);
const { key } = await loadPrivateKey(env('HIVE_TEST_ASSERTION_KEY'));

// The shape of Hive's defineConfig argument, written out: importing the gateway package's types
// would bring its global augmentation of GraphQL error extensions into the project's type check,
// at odds with Apollo Server's.
export const gatewayConfig = {
  transportEntries: Object.fromEntries(
    Object.entries(subgraphUrls).map(([name, location]) => [name, { location }]),
  ),
  propagateHeaders: {
    // Signed for each subgraph request (cheap at a test's pace), so that none ever expires
    // however slowly the test runs.
    async fromClientToSubgraphs({
      request,
    }: {
      request: { headers: { get(name: string): string | null } };
    }) {
      const principal = callers.get(request.headers.get('authorization') ?? '') ?? PUBLIC_PRINCIPAL;
      const facts = { principal, purpose: null, operationName: null, operationHash: null };
      return { [ASSERTION_HEADER]: await signAssertion(key, facts) };
    },
  },
};
