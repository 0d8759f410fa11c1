// A concurrency gate: at most `limit` calls of the wrapped functions run at once, the
// rest wait in arrival order. Several DataLoader batches of one request may overlap, and
// an upstream without a batch endpoint must still not see more than `limit` requests in
// flight from that request. (A candidate for subgraphs/shared/ if another subgraph needs it.)

export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running < limit) running++;
    // A released slot is handed straight to the next waiter, so `running` stays counted.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
