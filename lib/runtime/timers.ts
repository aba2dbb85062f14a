/** Timer helpers that behave the same on every runtime (runtime.md §6). */
import { setImmediate } from "node:timers";

/**
 * Lets timers and I/O run between slices of long synchronous work (a big UPDATE batch) so keepalives and
 * hold timers never starve. setImmediate costs ~2 µs; setTimeout(0) costs 1–2 ms on Deno.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The largest delay setTimeout accepts; larger values overflow and fire at once. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** A delay safe to pass to setTimeout: within [0, 2^31−1]; NaN becomes 0. */
export function clampDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return ms > MAX_DELAY_MS ? MAX_DELAY_MS : ms;
}
