// The response cache of public data: whole answers to queries that select only what the public
// role may read, kept for as long as the cache hints allow and shared by every replica through
// the shared store.
//
// The hints come from the subgraphs: each declares `@cacheControl` on its public types (desks,
// comuni, the course catalogue, the statistics' cells) and sends `Cache-Control` with its
// answer; the gateway's data source restricts the request's policy to the minimum over every
// subgraph fetch, and a fetch without `max-age` (any private or personal type) makes the whole
// answer uncacheable.
//
// Answers are never shared between callers with different rights. Anonymous callers share one
// set of entries. A signed-in caller (operator, analyst, partner) reads and writes entries of
// their own rights only (role, scopes, desk, organisation: never who they are), and only for an
// operation the authorization plugin found to select nothing but public data, so nothing personal
// is ever kept: an analysts' dashboard sent again within the minute is answered from the cache,
// an operator's page about a person never is. Citizens' answers are never kept (their rights
// are their own record). Signed-in answers say `private` over HTTP, so that no shared HTTP cache
// keeps them. An answer with errors is never stored (Apollo's plugin), nor one that carries a
// cost report.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import ApolloServerPluginResponseCache from '@apollo/server-plugin-response-cache';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Principal } from '../../lib/auth/principal.js';
import type { GatewayContext } from '../context.js';

/** Whether this request's answer may be read from, and written to, the cache. */
export const mayCache = ({ principal, publicData, costReport }: GatewayContext): boolean =>
  costReport === undefined && publicData === true && principal.role !== 'citizen';

/**
 * What a signed-in caller's entries are kept under: their rights, never their identity (the
 * subject is left out, and the whole key is hashed). Null for the public role. A citizen's
 * rights are their own record: their subject is in, though mayCache keeps nothing of theirs.
 */
export function rightsOf(principal: Principal): string | null {
  if (principal.role === 'public') return null;
  return JSON.stringify([
    principal.role,
    [...principal.scopes].sort(),
    principal.desk,
    principal.organization,
    principal.role === 'citizen' ? principal.subject : null,
  ]);
}

/**
 * The key no entry is ever kept under. With a session, Apollo's plugin looks up the caller's
 * private entry and then one "public for signed-in callers"; a signed-in caller's answers are
 * always private here, so that second entry never exists, and asking for it would cost every
 * miss a second round trip to Redis.
 */
const NEVER_KEPT = 'never-kept';

/** The entry's key: Apollo's (a sha256 of what the plugin keys on), or NEVER_KEPT. */
export function entryKey(context: GatewayContext, keyData: unknown): string {
  const signedIn = context.principal.role !== 'public';
  if (signedIn && (keyData as { sessionId?: unknown }).sessionId === undefined) return NEVER_KEPT;
  return createHash('sha256').update(JSON.stringify(keyData)).digest('hex');
}

/** `cache`, answering NEVER_KEPT (under any prefix) with a miss and storing nothing under it. */
export function skippingNeverKept(cache: KeyValueCache): KeyValueCache {
  const never = (key: string) => key.endsWith(NEVER_KEPT);
  return {
    get: (key) => (never(key) ? Promise.resolve(undefined) : cache.get(key)),
    set: (key, value, options) => (never(key) ? Promise.resolve() : cache.set(key, value, options)),
    delete: (key) => (never(key) ? Promise.resolve(true) : cache.delete(key)),
  };
}

/** The cache's plugins; with `cache` null (RESPONSE_CACHE off), only the `private` marking. */
export function publicResponseCachePlugin(
  cache: KeyValueCache | null,
): ApolloServerPlugin<GatewayContext>[] {
  return [
    ...(cache
      ? [
          ApolloServerPluginResponseCache<GatewayContext>({
            cache: skippingNeverKept(cache),
            generateCacheKey: (requestContext, keyData) =>
              entryKey(requestContext.contextValue as GatewayContext, keyData),
            // Anonymous callers share entries (no session); a signed-in caller's answers are
            // marked private below, which the plugin keeps only under a session: their rights.
            sessionId: ({ contextValue }) => Promise.resolve(rightsOf(contextValue.principal)),
            shouldReadFromCache: ({ contextValue }) => Promise.resolve(mayCache(contextValue)),
            shouldWriteToCache: ({ contextValue }) => Promise.resolve(mayCache(contextValue)),
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
