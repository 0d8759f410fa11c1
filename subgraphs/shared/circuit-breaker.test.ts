import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function breaker(failureThreshold = 3, coolDownMs = 1000) {
  let now = 0;
  const b = new CircuitBreaker({ failureThreshold, coolDownMs, now: () => now });
  return { b, advance: (ms: number) => (now += ms) };
}

const fail = (b: CircuitBreaker) => b.tryAcquire()!.failure();
const succeed = (b: CircuitBreaker) => b.tryAcquire()!.success();

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures; a success in between resets the count', () => {
    const { b } = breaker(3);
    fail(b);
    fail(b);
    succeed(b);
    fail(b);
    fail(b);
    expect(b.circuitState()).toBe('closed');
    fail(b);
    expect(b.circuitState()).toBe('open');
    expect(b.tryAcquire()).toBeNull();
  });

  it('lets exactly one probe through after the cool-down, and closes when it succeeds', () => {
    const { b, advance } = breaker(1, 1000);
    fail(b);
    advance(999);
    expect(b.tryAcquire()).toBeNull();
    advance(1);
    expect(b.circuitState()).toBe('half-open');
    const probe = b.tryAcquire()!;
    expect(probe).not.toBeNull();
    expect(b.tryAcquire()).toBeNull();
    expect(b.circuitState()).toBe('half-open');
    probe.success();
    expect(b.circuitState()).toBe('closed');
    expect(b.tryAcquire()).not.toBeNull();
  });

  it('reopens for a whole cool-down when the probe fails', () => {
    const { b, advance } = breaker(1, 1000);
    fail(b);
    advance(1500);
    b.tryAcquire()!.failure();
    expect(b.circuitState()).toBe('open');
    advance(999);
    expect(b.tryAcquire()).toBeNull();
    advance(1);
    expect(b.tryAcquire()).not.toBeNull();
  });

  it('frees the probe slot without a verdict when the attempt says nothing about the upstream', () => {
    const { b, advance } = breaker(1, 1000);
    fail(b);
    advance(1000);
    b.tryAcquire()!.release();
    expect(b.circuitState()).toBe('half-open');
    expect(b.tryAcquire()).not.toBeNull();
  });

  it('settles a permit once, and a late failure does not restart an open circuit cool-down', () => {
    const { b, advance } = breaker(2, 1000);
    const early = b.tryAcquire()!;
    fail(b);
    fail(b);
    expect(b.circuitState()).toBe('open');
    advance(600);
    early.failure();
    early.success(); // ignored: already settled
    advance(400);
    expect(b.circuitState()).toBe('half-open');
  });
});
