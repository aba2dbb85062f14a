/**
 * Slices long work — the answers to `show adj-rib` over a big RIB, the acks of a flood of commands — into
 * turns of the event loop: after each unit of work `due()` says whether the current slice has run its time,
 * and `pause()` then gives timers (keepalives, hold timers) and sockets their turn (BRIEF lesson 7).
 * The clock is read once every CHECK_EVERY units only, so a unit can be as small as one line.
 */
import { yieldToLoop } from "../runtime/timers.ts";

/** Work per slice; well under the keepalive slack, and long enough that yielding costs little. */
const SLICE_MS = 8;
const CHECK_EVERY = 64;

export class Pacer {
  #start = performance.now();
  #units = 0;

  constructor(readonly sliceMs = SLICE_MS) {}

  /** Counts one unit of work; true when the slice is used up (the caller then awaits `pause()`). */
  due(): boolean {
    if (++this.#units % CHECK_EVERY !== 0) return false;
    return performance.now() - this.#start >= this.sliceMs;
  }

  /** Lets the event loop run (timers, I/O), then starts a new slice. */
  async pause(): Promise<void> {
    await yieldToLoop();
    this.#start = performance.now();
  }
}
