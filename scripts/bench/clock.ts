/**
 * Time for the benchmark: one wall clock shared with helper processes (epoch milliseconds with sub-millisecond
 * resolution, so a timestamp written by a helper compares with the bench's own), sleeps, and bounded waits.
 */

/** Epoch milliseconds, sub-millisecond resolution (CLOCK_REALTIME, as `date +%s%N` in a helper). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class TimeoutError extends Error {}

/**
 * Polls `probe` every `everyMs` until it returns a value other than undefined; throws TimeoutError naming
 * `what` (and the last `describe()`) after `timeoutMs`. The only way the bench waits for something.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs: number; everyMs?: number; describe?: () => string },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() >= deadline) {
      const detail = options.describe ? `: ${options.describe()}` : "";
      throw new TimeoutError(`${what}: not within ${(options.timeoutMs / 1000).toFixed(0)} s${detail}`);
    }
    await sleep(options.everyMs ?? 50);
  }
}
