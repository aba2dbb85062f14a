/**
 * Session timers (RFC 4271 §4.4, §8, §10): hold, keepalive and connect-retry, on `setTimeout` with
 * `refresh()` so that restarting one costs no allocation. `node:timers` gives the same Timeout object on
 * Deno and Bun. Work that could starve them (decoding a burst) yields with `yieldToLoop()`.
 */
import { clearTimeout, setTimeout } from "node:timers";
import { clampDelay } from "../runtime/timers.ts";

export { clampDelay, MAX_DELAY_MS, yieldToLoop } from "../runtime/timers.ts";

/** RFC 4271 §10: the keepalive interval is a third of the hold time; hold time 0 means no keepalives. */
export function keepaliveInterval(holdTime: number): number {
  return holdTime > 0 ? Math.max(1, Math.floor(holdTime / 3)) : 0;
}

/** One restartable one-shot timer. `start(0)` (or a negative delay) means "no timer". */
export class Timer {
  #handle: ReturnType<typeof setTimeout> | undefined;
  #delay = 0;
  constructor(private readonly callback: () => void) {}

  get running(): boolean {
    return this.#handle !== undefined;
  }

  /** (Re)arms with a new delay in milliseconds; 0 disarms. */
  start(ms: number): void {
    this.stop();
    this.#delay = clampDelay(ms);
    if (this.#delay === 0) return;
    this.#handle = setTimeout(this.#fire, this.#delay);
  }

  /** Restarts the countdown with the current delay (cheap: no new timer). */
  refresh(): void {
    this.#handle?.refresh();
  }

  stop(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #fire = (): void => {
    this.#handle = undefined;
    this.callback();
  };
}

/** A timer that fires every `ms` until stopped (the keepalive timer). */
export class Ticker {
  #timer: Timer;
  #ms = 0;
  constructor(callback: () => void) {
    this.#timer = new Timer(() => {
      this.#timer.start(this.#ms);
      callback();
    });
  }

  start(ms: number): void {
    this.#ms = clampDelay(ms);
    this.#timer.start(this.#ms);
  }

  stop(): void {
    this.#timer.stop();
  }

  get running(): boolean {
    return this.#timer.running;
  }
}

/**
 * ExaBGP's connection back-off (reactor/peer.py): the next delay is min(1 + previous × 1.2, 60) seconds,
 * starting from 0 so that the first retry is quick. `reset()` after a session reached Established.
 */
export class Backoff {
  #next = 0;
  constructor(private readonly maxSeconds = 60) {}

  /** The delay, in seconds, before the next attempt; advances the sequence. */
  next(): number {
    const now = this.#next;
    this.#next = Math.min(1 + this.#next * 1.2, this.maxSeconds);
    return now;
  }

  reset(): void {
    this.#next = 0;
  }
}

/**
 * The hold and keepalive timers of one established (or opening) session. `received()` is called for every
 * message that arrives (RFC 4271 §8.2.2: KEEPALIVE and UPDATE restart the hold timer).
 */
export class SessionTimers {
  readonly hold: Timer;
  readonly keepalive: Ticker;

  constructor(handlers: { readonly holdExpired: () => void; readonly sendKeepalive: () => void }) {
    this.hold = new Timer(handlers.holdExpired);
    this.keepalive = new Ticker(handlers.sendKeepalive);
  }

  /** Arms both timers for a negotiated hold time in seconds (0 = neither, RFC 4271 §4.2). */
  negotiated(holdTime: number): void {
    this.hold.start(holdTime * 1000);
    this.keepalive.start(keepaliveInterval(holdTime) * 1000);
  }

  received(): void {
    this.hold.refresh();
  }

  stop(): void {
    this.hold.stop();
    this.keepalive.stop();
  }
}
