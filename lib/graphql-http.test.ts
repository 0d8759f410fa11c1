// The front door's graceful stop: what is being served finishes, nothing new is accepted,
// and only then is the GraphQL server stopped; what overstays drainMs is cut.
import { ApolloServer } from '@apollo/server';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { serveGraphQL } from './graphql-http.js';

function slowServer(ms: number): ApolloServer {
  return new ApolloServer({
    typeDefs: 'type Query { slow: String! }',
    resolvers: {
      Query: { slow: () => new Promise((resolve) => setTimeout(() => resolve('done'), ms)) },
    },
  });
}

describe('serveGraphQL stop()', () => {
  it('lets a request being served finish, then refuses connections', async () => {
    const running = await serveGraphQL({
      server: slowServer(400),
      context: () => Promise.resolve({}),
    });
    const base = running.url.replace(/\/graphql$/, '');
    const inFlight = request(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ slow }' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = running.stop();
    const answer = await inFlight;
    expect(answer.statusCode).toBe(200);
    expect(await answer.body.json()).toEqual({ data: { slow: 'done' } });
    await stopping;
    await expect(request(`${base}/healthz`)).rejects.toThrow();
  });

  it('cuts what is still running after drainMs', async () => {
    const running = await serveGraphQL({
      server: slowServer(5_000),
      context: () => Promise.resolve({}),
      drainMs: 100,
    });
    const inFlight = request(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ slow }' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await running.stop();
    // Cut, not answered: the resolver would have taken 5 s.
    await expect(inFlight).rejects.toThrow();
  });
});
