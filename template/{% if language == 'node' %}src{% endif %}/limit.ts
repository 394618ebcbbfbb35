/**
 * A bound on how many promises run at once, for records of a batch (and producer requests).
 *
 * Powertools' BatchProcessor starts every record of a batch at once (`Promise.all`); wrapping
 * the record handler in a limiter keeps its partial-failure response and bounds the work in
 * flight to RECORD_CONCURRENCY.
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function limit(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer of at least 1; got ${concurrency}`);
  }
  let active = 0;
  const waiting: (() => void)[] = [];
  // A finishing task hands its slot straight to the next waiting one, so a task started in
  // between cannot take it too.
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      active += 1;
    }
    try {
      return await task();
    } finally {
      release();
    }
  };
}
