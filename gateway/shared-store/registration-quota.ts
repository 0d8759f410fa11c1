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
// The registration is Apollo's (its request pipeline writes after every didResolveOperation
// hook has run, when `metrics.persistedQueryRegister` is still set); this plugin only clears
// that flag when the caller's quota is spent.
import type { ApolloServerPlugin } from '@apollo/server';
import type { RateLimitStore } from '../limits/rate-limit.js';
import type { GatewayContext } from '../context.js';

export const DEFAULT_REGISTRATIONS_PER_HOUR = 100;

/** The bucket of `callerKey` in the quota's store (apart from its rate-limit bucket). */
export const registrationBucket = (callerKey: string): string => `registrations ${callerKey}`;

export interface RegistrationQuotaPlugin extends ApolloServerPlugin<GatewayContext> {
  /** Registrations not made because the caller's quota was spent, since the plugin was made. */
  refused(): number;
}

export function registrationQuotaPlugin(store: RateLimitStore): RegistrationQuotaPlugin {
  let refused = 0;
  return {
    refused: () => refused,
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation(requestContext) {
          if (!requestContext.metrics.persistedQueryRegister) return;
          const decision = await store.take(
            registrationBucket(requestContext.contextValue.callerKey),
          );
          if (!decision.allowed) {
            requestContext.metrics.persistedQueryRegister = false;
            refused += 1;
          }
        },
      });
    },
  };
}
