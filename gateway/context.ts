// What the gateway knows about one client request.
import type { Principal, Purpose } from '../lib/auth/principal.js';
import type { CostReport } from './cost-report.js';

export interface GatewayContext {
  principal: Principal;
  /**
   * Whom the request counts against (limits/rate-limit.ts rateLimitKey): the signed-in subject,
   * else the client's address. Only ever used as a bucket's name, hashed in Redis.
   */
  callerKey: string;
  requestId: string;
  /** The purpose declared in `x-purpose`, if any. */
  purpose: Purpose | null;
  /** Filled once the operation is resolved, before any subgraph is called. */
  operation: { name: string | null; hash: string | null };
  /**
   * Set once the operation is resolved, before any subgraph is called: true when the public
   * role may read everything it selects (so its answer is the same whoever signed in).
   */
  publicData?: boolean;
  /** The signed assertion for this request's subgraph fetches, made once on first use. */
  assertion?: Promise<string>;
  /**
   * When the request's budget runs out, on the monotonic clock (performance.now()): no
   * subgraph fetch starts after it and each is aborted at it. Set when the request arrives.
   */
  deadline?: number;
  /** Aborts the request's subgraph fetches at `deadline`; made on the first fetch. */
  deadlineSignal?: AbortSignal;
  /** Set only when the client asked for a cost report or plan (`x-cost-report`, cost-report.ts). */
  costReport?: CostReport;
}
