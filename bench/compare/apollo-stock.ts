// Variant (b) of `npm run bench`: stock @apollo/gateway with its default RemoteGraphQLDataSource
// (its default fetcher, no pools or plugins of ours) under a plain @apollo/server started with
// startStandaloneServer, serving the same supergraph as our gateway. Two things are added, and
// only these, because our subgraphs and the stock gateway could not talk otherwise:
//  - the supergraph copy without `for: SECURITY` on the security @links, as our gateway makes it
//    for its own ApolloGateway (lib/auth/policy.ts withoutSecurityPurpose, DESIGN.md §7): stock
//    @apollo/gateway refuses to load the committed file;
//  - a willSendRequest that sets the pre-signed gateway assertion of the caller
//    (bench/compare/assertions.ts): a Map lookup per subgraph request.
// Usage (by bench/compare.ts): node apollo-stock.js, with BENCH_SUPERGRAPH, BENCH_SUBGRAPH_URLS
// (JSON name -> URL), BENCH_CALLERS, BENCH_ASSERTION_KEY, BENCH_PORT. Prints its URL when ready.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ASSERTION_HEADER } from '../../lib/auth/assertion.js';
import { withoutSecurityPurpose } from '../../lib/auth/policy.js';
import { requiredEnv, stockGatewayInputs } from './assertions.js';

interface Context {
  assertion: string;
}

const { urls, assertions } = await stockGatewayInputs();
const gateway = new ApolloGateway({
  supergraphSdl: withoutSecurityPurpose(readFileSync(requiredEnv('BENCH_SUPERGRAPH'), 'utf8')),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource<Context>({
      url: urls[name] ?? url,
      willSendRequest({ request, context }) {
        request.http?.headers.set(ASSERTION_HEADER, (context as Context).assertion);
      },
    }),
});
const server = new ApolloServer<Context>({ gateway });
const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.BENCH_PORT ?? 0), host: '127.0.0.1' },
  context: ({ req }) =>
    Promise.resolve({
      assertion: assertions.lookup(
        header(req.headers.authorization),
        header(req.headers['x-purpose']),
      ),
    }),
});
console.log(`apollo stock gateway ready at ${url.replace('localhost', '127.0.0.1')}graphql`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  assertions.stop();
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.on('disconnect', () => void shutdown());
