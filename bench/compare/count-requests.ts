// Preloaded into each subgraph process by `npm run bench` (`node --import <this> subgraphs/main.js`)
// to count the GraphQL requests the subgraph receives, whichever gateway sends them, without a
// proxy hop or a header: Node's `http.server.request.start` diagnostics channel fires once per
// request the process's HTTP server takes. Counted: POST requests whose path is /graphql (not
// /healthz or /readyz). The benchmark asks for the count over the IPC channel the subgraph is
// started with; nothing in the subgraph's own code changes.
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

export interface CountQuery {
  type: 'bench-count';
  /** Zero the counter after reading it. */
  reset: boolean;
}
export interface CountReply {
  type: 'bench-count';
  requests: number;
}

let requests = 0;
subscribe('http.server.request.start', (message) => {
  const request = (message as { request?: IncomingMessage }).request;
  if (request?.method === 'POST' && request.url?.startsWith('/graphql')) requests += 1;
});

process.on('message', (message: unknown) => {
  if ((message as CountQuery | null)?.type !== 'bench-count') return;
  const reply: CountReply = { type: 'bench-count', requests };
  if ((message as CountQuery).reset) requests = 0;
  process.send?.(reply);
});
