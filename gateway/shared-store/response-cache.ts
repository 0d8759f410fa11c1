// The response cache of public data: whole answers to anonymous callers' queries, kept for as
// long as the cache hints allow and shared by every replica through the shared store.
//
// The hints come from the subgraphs: each declares `@cacheControl` on its public types (desks,
// comuni, the course catalogue) and sends `Cache-Control` with its answer; the gateway's data
// source restricts the request's policy to the minimum over every subgraph fetch, and a fetch
// without `max-age` (any private or personal type) makes the whole answer uncacheable.
//
// Only callers with the public role read and write it: what a signed-in caller gets depends on
// their rights (and may be personal), so their answers are never stored nor served from it,
// and their HTTP answers say `private` so that no shared HTTP cache keeps them either. An
// answer with errors is never stored (Apollo's plugin), nor one that carries a cost report.
import type { ApolloServerPlugin } from '@apollo/server';
import ApolloServerPluginResponseCache from '@apollo/server-plugin-response-cache';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GatewayContext } from '../context.js';

const isShareable = (context: GatewayContext): boolean =>
  context.principal.role === 'public' && context.costReport === undefined;

/** The cache's plugins; with `cache` null (RESPONSE_CACHE off), only the `private` marking. */
export function publicResponseCachePlugin(
  cache: KeyValueCache | null,
): ApolloServerPlugin<GatewayContext>[] {
  return [
    ...(cache
      ? [
          ApolloServerPluginResponseCache<GatewayContext>({
            cache,
            // No sessions: a signed-in caller neither reads nor writes, so every entry is public.
            sessionId: () => Promise.resolve(null),
            shouldReadFromCache: ({ contextValue }) => Promise.resolve(isShareable(contextValue)),
            shouldWriteToCache: ({ contextValue }) => Promise.resolve(isShareable(contextValue)),
          }),
        ]
      : []),
    {
      requestDidStart({ contextValue, overallCachePolicy }) {
        if (contextValue.principal.role !== 'public') {
          overallCachePolicy.restrict({ scope: 'PRIVATE' });
        }
        return Promise.resolve();
      },
    },
  ];
}
