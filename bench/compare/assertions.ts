// The gateway assertions that the stock gateways of the comparison, (b) stock @apollo/gateway
// and (c) Hive Gateway, put on their subgraph requests. Our subgraphs answer only requests
// carrying a valid assertion (lib/auth/assertion.ts), and neither stock gateway knows how to
// make one, so each is given, in its own process, the caller table of the run: for each
// (Authorization, x-purpose) pair the load generator sends, the principal our gateway would
// derive from that token (gateway/auth.ts principalFromClaims). The assertions are signed here
// once when the process starts and again every REFRESH_MS (they live 60 s), never per request:
// on a request the stock gateway only looks one up, a Map read. Tokens are not verified and no
// policy is enforced by (b) and (c): that is what they are, gateways without this project's
// security, and RESULTS.md says so beside their figures.
import { readFileSync } from 'node:fs';
import { signAssertion, ASSERTION_TTL_SECONDS } from '../../lib/auth/assertion.js';
import { loadPrivateKey } from '../../lib/auth/keys.js';
import type { Principal, Purpose } from '../../lib/auth/principal.js';

/** One caller of the benchmark, as the load generator presents itself to every gateway. */
export interface BenchCaller {
  /** The Authorization header the client sends (`Bearer <jwt>`), or null for the public. */
  authorization: string | null;
  /** The x-purpose header the client sends, or null. */
  purpose: Purpose | null;
  /** What our gateway derives from that token. */
  principal: Principal;
}

/** Re-signed well within the assertions' lifetime. */
const REFRESH_MS = Math.floor((ASSERTION_TTL_SECONDS * 1000) / 3);

const keyOf = (authorization: string | null | undefined, purpose: string | null | undefined) =>
  `${authorization ?? ''}\n${purpose ?? ''}`;

export interface AssertionTable {
  /** The current assertion for a client request's headers; the public one for unknown pairs. */
  lookup(authorization: string | null | undefined, purpose: string | null | undefined): string;
  stop(): void;
}

/**
 * Reads the callers from `callersFile` (JSON, BenchCaller[]) and signs their assertions with the
 * gateway's assertion key (`privateKeyFile`), then keeps them fresh.
 */
async function createAssertionTable(
  callersFile: string,
  privateKeyFile: string,
): Promise<AssertionTable> {
  const callers = JSON.parse(readFileSync(callersFile, 'utf8')) as BenchCaller[];
  const { key } = await loadPrivateKey(privateKeyFile);
  let current = new Map<string, string>();
  const signAll = async () => {
    const next = new Map<string, string>();
    for (const caller of callers) {
      next.set(
        keyOf(caller.authorization, caller.purpose),
        await signAssertion(key, {
          principal: caller.principal,
          purpose: caller.purpose,
          operationName: null,
          operationHash: null,
        }),
      );
    }
    current = next;
  };
  await signAll();
  const publicAssertion = () => current.get(keyOf(null, null)) ?? '';
  const timer = setInterval(() => {
    signAll().catch((err: unknown) => console.error('assertion refresh failed', err));
  }, REFRESH_MS);
  timer.unref();
  return {
    lookup: (authorization, purpose) =>
      current.get(keyOf(authorization, purpose)) ?? publicAssertion(),
    stop: () => clearInterval(timer),
  };
}

/** A variable the benchmark sets in a stock gateway's environment. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/**
 * What a stock gateway's process is given by the benchmark: the subgraphs' URLs by name
 * (BENCH_SUBGRAPH_URLS, JSON) and the assertion table of its callers (BENCH_CALLERS,
 * BENCH_ASSERTION_KEY).
 */
export async function stockGatewayInputs(): Promise<{
  urls: Record<string, string>;
  assertions: AssertionTable;
}> {
  return {
    urls: JSON.parse(requiredEnv('BENCH_SUBGRAPH_URLS')) as Record<string, string>,
    assertions: await createAssertionTable(
      requiredEnv('BENCH_CALLERS'),
      requiredEnv('BENCH_ASSERTION_KEY'),
    ),
  };
}
