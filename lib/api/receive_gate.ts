/**
 * Back-pressure from a helper to the BGP sessions whose received messages it is sent (BRIEF lesson 6:
 * nothing is lost). Each received UPDATE becomes an event in the helper's bounded write queue; once that
 * queue holds more than HIGH_FRACTION of its cap, the sessions stop reading their sockets (TCP then slows
 * the peer) until it is back under LOW_FRACTION. A helper that reads nothing for STALL_MS while over the mark
 * is no longer waited for — a dead helper must not stop a session — and the queue's drop policy
 * (write_queue.ts) applies until it has read its queue down under the low mark again.
 */
import { STALL_MS } from "./answer_flow.ts";

/** Queue fill (share of the cap) at which the sessions stop reading, and at which they start again. */
export const HIGH_FRACTION = 0.5;
export const LOW_FRACTION = 0.25;
/** Between two looks at the queue while waiting. */
const POLL_MS = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the gate sees of a helper (lib/api/process.ts HelperProcess). */
export interface QueueView {
  readonly running: boolean;
  readonly queuedBytes: number;
}

/** One per helper, shared by every session that reports to it. */
export class ReceiveGate {
  readonly #high: number;
  readonly #low: number;
  #waiting: Promise<void> | undefined;
  #stalled = false;

  /** `capacity`: the helper's queue cap in bytes; `onStall` is told the queued bytes when a stall starts. */
  constructor(
    readonly helper: QueueView,
    capacity: number,
    readonly onStall: (queuedBytes: number) => void = () => {},
    readonly stallMs = STALL_MS,
  ) {
    this.#high = Math.floor(capacity * HIGH_FRACTION);
    this.#low = Math.floor(capacity * LOW_FRACTION);
  }

  /** The helper read nothing for `stallMs` over the mark and is not under the low mark since. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** undefined: read on; else a promise that settles when reading may go on (called per received message). */
  wait(): Promise<void> | undefined {
    if (this.#waiting !== undefined) return this.#waiting;
    const queued = this.helper.queuedBytes;
    if (this.#stalled) {
      if (queued >= this.#low) return undefined;
      this.#stalled = false;
    }
    if (queued <= this.#high || !this.helper.running) return undefined;
    return this.#waiting = this.#drain().finally(() => (this.#waiting = undefined));
  }

  async #drain(): Promise<void> {
    let queued = this.helper.queuedBytes;
    let progress = performance.now();
    while (this.helper.running && queued > this.#low) {
      if (performance.now() - progress >= this.stallMs) {
        this.#stalled = true;
        this.onStall(queued);
        return;
      }
      await sleep(POLL_MS);
      const now = this.helper.queuedBytes;
      if (now < queued) progress = performance.now();
      queued = now;
    }
  }
}
