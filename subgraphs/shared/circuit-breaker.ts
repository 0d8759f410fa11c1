// A circuit breaker for one upstream: after `failureThreshold` consecutive failed attempts
// the circuit opens and every request fails at once, without touching the upstream, for
// `coolDownMs`; then one probe request is let through (half-open): its success closes the
// circuit, its failure opens it for another cool-down.
//
// What counts as a failure is the caller's decision (upstream-client.ts: transport errors,
// timeouts, 5xx, 429 and responses that cannot be understood; never a 4xx refusal, which
// proves the upstream is up and reasoning). Every attempt counts, retries included, so an
// upstream that is down opens the circuit after a couple of client requests; any success in
// between resets the count. Consecutive failures rather than a rate over a window: with a
// few upstream requests per second the rate of a window is noise, and a run of failures
// with no success in between is the clear sign of an upstream that is down.
import { monotonicNow } from './request-deadline.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before a probe is let through. Default 5000 ms. */
  coolDownMs?: number;
  /** The clock, in milliseconds (tests). Default: monotonic. */
  now?: () => number;
}

export const DEFAULT_BREAKER_FAILURES = 5;
export const DEFAULT_BREAKER_COOLDOWN_MS = 5000;

/** Leave to make one attempt; report its outcome exactly once. */
export interface CircuitPermit {
  /** The upstream answered (any answer that is not a failure, 4xx refusals included). */
  success(): void;
  /** The attempt failed in a way that counts against the upstream. */
  failure(): void;
  /** The attempt ended for a reason that says nothing about the upstream (e.g. our deadline). */
  release(): void;
}

export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly coolDownMs: number;
  private readonly now: () => number;
  private state: 'closed' | 'open' = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = Math.max(1, options.failureThreshold ?? DEFAULT_BREAKER_FAILURES);
    this.coolDownMs = Math.max(0, options.coolDownMs ?? DEFAULT_BREAKER_COOLDOWN_MS);
    this.now = options.now ?? monotonicNow;
  }

  /**
   * The state as readiness and metrics should see it: `half-open` as soon as the cool-down
   * is over, even before a request comes to probe (a readiness check that kept saying
   * `open` would keep traffic away and the circuit would never get its probe).
   */
  circuitState(): CircuitState {
    if (this.state === 'closed') return 'closed';
    return this.probeInFlight || this.now() - this.openedAt >= this.coolDownMs
      ? 'half-open'
      : 'open';
  }

  /** Leave for one attempt, or null when the circuit is open (or its one probe is out). */
  tryAcquire(): CircuitPermit | null {
    if (this.state === 'closed') return this.permit(false);
    if (this.probeInFlight || this.now() - this.openedAt < this.coolDownMs) return null;
    this.probeInFlight = true;
    return this.permit(true);
  }

  private permit(probe: boolean): CircuitPermit {
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'release') => {
      if (settled) return;
      settled = true;
      if (probe) this.probeInFlight = false;
      if (outcome === 'success') {
        this.state = 'closed';
        this.consecutiveFailures = 0;
      } else if (outcome === 'failure') {
        this.consecutiveFailures += 1;
        // A failed probe reopens at once; a failure of a request that was let through
        // before the circuit opened does not restart the cool-down of an open circuit.
        if (
          probe ||
          (this.state === 'closed' && this.consecutiveFailures >= this.failureThreshold)
        ) {
          this.state = 'open';
          this.openedAt = this.now();
        }
      }
    };
    return {
      success: () => settle('success'),
      failure: () => settle('failure'),
      release: () => settle('release'),
    };
  }
}
