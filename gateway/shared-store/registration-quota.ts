// A quota on automatic persisted-query registrations per caller: a caller registers at most
// PERSISTED_QUERY_REGISTRATIONS_PER_HOUR documents an hour (all at once if it likes, then at
// that pace), counted in the shared store so that replicas share it. Beyond it the request is
// served all the same and its document is not registered: the client keeps sending the text
// (the APQ protocol's own fallback), and nothing it sends fills the store.
//
// Without it, one caller could write its whole rate-limit allowance of distinct 32 KiB
// documents (10 a second by default), and with Redis's LRU policy push out everyone's entries,
// rate-limit buckets included. An application registers each of its operations once an hour;
// a hundred covers the largest client here (the IDE's examples, a partner's manifest are not
// registrations: trusted documents are served from the manifest).
//
// The registration is Apollo's: its request pipeline writes after the didResolveOperation hooks
// have settled, when `metrics.persistedQueryRegister` is still set. This plugin clears that flag
// when the caller's quota is spent, and when the document is registered already (Apollo would
// write it again, and a client resending a known text spends nothing). Apollo runs the hooks
// together: a refusal another hook throws at once stops this one before it spends anything, and
// the refusals made later (a partner's unregistered operation) drop the registration earlier.
// Behind a load balancer, name it in TRUSTED_PROXIES: otherwise every anonymous caller has the
// balancer's address, and so one quota between them.
import type { ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { RateLimitStore } from '../limits/rate-limit.js';
import type { GatewayContext } from '../context.js';

export const DEFAULT_REGISTRATIONS_PER_HOUR = 100;

/** The bucket of `callerKey` in the quota's store (apart from its rate-limit bucket). */
export const registrationBucket = (callerKey: string): string => `registrations ${callerKey}`;

export interface RegistrationQuotaPlugin extends ApolloServerPlugin<GatewayContext> {
  /** Registrations not made because the caller's quota was spent, since the plugin was made. */
  refused(): number;
}

/**
 * `persistedQueries` is the cache given to Apollo's `persistedQueries` option, which keys its
 * entries `apq:<sha256>`.
 */
export function registrationQuotaPlugin(
  store: RateLimitStore,
  persistedQueries: KeyValueCache,
): RegistrationQuotaPlugin {
  let refused = 0;
  return {
    refused: () => refused,
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation(requestContext) {
          const { metrics, queryHash, contextValue } = requestContext;
          if (!metrics.persistedQueryRegister || queryHash === undefined) return;
          if ((await persistedQueries.get(`apq:${queryHash}`)) !== undefined) {
            metrics.persistedQueryRegister = false;
            return;
          }
          const decision = await store.take(registrationBucket(contextValue.callerKey));
          if (!decision.allowed) {
            metrics.persistedQueryRegister = false;
            refused += 1;
          }
        },
      });
    },
  };
}
