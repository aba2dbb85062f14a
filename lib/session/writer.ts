/**
 * A session's writer: everything queued during one event-loop turn leaves in one `write()` (each write
 * costs 3–6 µs, runtime.md §1.5), in bounded chunks so that a KEEPALIVE never waits behind more than one
 * chunk of a large table, and only as fast as the socket takes it (each chunk awaits the kernel; the
 * outbound source is not pulled while a write is pending).
 */
import { setImmediate } from "node:timers";
import { Timer, yieldToLoop } from "./timers.ts";
import { concatBytes } from "../bgp/bytes.ts";

export const DEFAULT_CHUNK = 64 * 1024;

export interface WriterOptions {
  /** Bytes per write, roughly (one message larger than this still goes whole). */
  readonly chunkSize?: number;
  /** Called for each message just before it is written (message events). */
  readonly sent?: (raw: Uint8Array) => void;
  /** A write has waited longer than `stallMs`: the peer stopped reading. */
  readonly stalled?: () => void;
  /** A write failed (the socket is gone). */
  readonly failed?: (error: unknown) => void;
}

export class BatchWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #chunk: number;
  readonly #opts: WriterOptions;
  /** KEEPALIVE and NOTIFICATION: first in the next chunk. */
  #urgent: Uint8Array[] = [];
  #normal: Uint8Array[] = [];
  #normalHead = 0;
  #source: ((budget: number) => Uint8Array[]) | undefined;
  #scheduled = false;
  #running = false;
  #closed = false;
  #idle: (() => void)[] = [];
  readonly #stall: Timer;
  #stallMs = 0;

  constructor(writable: WritableStream<Uint8Array>, options: WriterOptions = {}) {
    this.#writer = writable.getWriter();
    this.#chunk = options.chunkSize ?? DEFAULT_CHUNK;
    this.#opts = options;
    this.#stall = new Timer(() => this.#opts.stalled?.());
  }

  /** How long one write may wait for the kernel before `stalled` (0 = forever). */
  set stallMs(ms: number) {
    this.#stallMs = ms;
  }
  get stallMs(): number {
    return this.#stallMs;
  }

  /** Queues a message that must not wait behind the table (KEEPALIVE, NOTIFICATION). */
  urgent(raw: Uint8Array): void {
    if (this.#closed) return;
    this.#urgent.push(raw);
    this.#schedule();
  }

  /** Queues messages in order, after anything already queued. */
  push(raw: Uint8Array): void {
    if (this.#closed) return;
    this.#normal.push(raw);
    this.#schedule();
  }

  /** Where to pull more messages from once the queues are empty (the Outbound); undefined detaches. */
  setSource(source: ((budget: number) => Uint8Array[]) | undefined): void {
    this.#source = source;
    if (source) this.#schedule();
  }

  /** Something became pending in the source. */
  wake(): void {
    if (this.#source) this.#schedule();
  }

  /** Drops queued table messages and the source (the session is ending; only urgent ones still go). */
  discard(): void {
    this.#normal = [];
    this.#normalHead = 0;
    this.#source = undefined;
  }

  /** Resolves when everything queued so far has been written (or the writer failed). */
  idle(): Promise<void> {
    if (!this.#running && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Sends FIN after the queued messages; further messages are ignored. */
  async close(): Promise<void> {
    await this.idle();
    this.#closed = true;
    this.#stall.stop();
    try {
      await this.#writer.close();
    } catch {
      // already closed or errored: nothing more to send
    }
  }

  /** Stops without waiting (the connection is being dropped). */
  abort(): void {
    this.#closed = true;
    this.discard();
    this.#urgent = [];
    this.#stall.stop();
    this.#settle();
  }

  #schedule(): void {
    if (this.#scheduled || this.#running || this.#closed) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: every message queued by this turn's callbacks joins the batch.
    setImmediate(this.#pump);
  }

  #pump = async (): Promise<void> => {
    this.#scheduled = false;
    if (this.#running) return;
    this.#running = true;
    try {
      for (;;) {
        if (this.#closed) break;
        const parts = this.#collect();
        if (parts.length === 0) break;
        const buf = parts.length === 1 ? parts[0] : concatBytes(parts);
        if (this.#stallMs > 0) this.#stall.start(this.#stallMs);
        await this.#writer.write(buf);
        this.#stall.stop();
        // A write the kernel takes at once resolves as a microtask: yield so that timers (keepalive,
        // hold) and reads run between chunks of a large table.
        await yieldToLoop();
      }
    } catch (error) {
      this.#stall.stop();
      this.#closed = true;
      this.#opts.failed?.(error);
    } finally {
      this.#running = false;
      this.#settle();
    }
  };

  /** One chunk: urgent messages first, then the queue, then the source, up to about `chunk` bytes. */
  #collect(): Uint8Array[] {
    const sent = this.#opts.sent;
    const parts = this.#urgent;
    this.#urgent = [];
    let size = 0;
    for (const p of parts) size += p.length;
    const q = this.#normal;
    while (this.#normalHead < q.length && size < this.#chunk) {
      const p = q[this.#normalHead++];
      parts.push(p);
      size += p.length;
    }
    if (this.#normalHead === q.length && q.length > 0) {
      this.#normal = [];
      this.#normalHead = 0;
    }
    while (size < this.#chunk && this.#source !== undefined && this.#normalHead === this.#normal.length) {
      const more = this.#source(this.#chunk - size);
      if (more.length === 0) break;
      for (const p of more) {
        parts.push(p);
        size += p.length;
      }
    }
    if (sent) { for (const p of parts) sent(p); }
    return parts;
  }

  #settle(): void {
    if (this.#running || this.#scheduled) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
