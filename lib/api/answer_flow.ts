/**
 * Paces the answers to one helper (BRIEF lessons 6 and 7): a turn of the event loop between slices of work
 * (pacer.ts), and, every CHUNK_BYTES, room in the helper's bounded write queue (write_queue.ts). A helper that
 * reads slowly gets every line of a long answer. One that reads nothing for STALL_MS while its queue is full
 * is declared stalled until it reads again (its queue shrinks): it is no longer waited for, so its commands
 * go on being applied (ExaBGP 4.2/5.0 freeze there), and long answers to it are cut short after their first
 * chunk — lines it would not read could only push older answers out of the queue, at the cost of building
 * them. Its acks still go into the queue, whose drop policy bounds the memory.
 */
import { Pacer } from "./pacer.ts";

/** Answer bytes written to a helper between two looks at the room left in its write queue. */
export const CHUNK_BYTES = 64 * 1024;
/** How long answers wait for a helper whose queue is full and who reads nothing, before going on anyway. */
export const STALL_MS = 1000;
/** Between two looks at a full queue. */
const POLL_MS = 5;
/** About the size of one ack line ("done\n"), for `wrote`. */
export const ACK_BYTES = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the flow sees of a helper (lib/api/process.ts HelperProcess). */
export interface AnswerSink {
  readonly running: boolean;
  readonly stats: { readonly queuedBytes: number };
}

/** One per helper, for its whole life: the stall outlives a batch, or each read would wait STALL_MS again. */
export class AnswerFlow {
  readonly #pacer = new Pacer();
  #bytes = 0;
  #stalled = false;
  /** Queued bytes when the stall was declared: less means the helper reads again. */
  #stalledAt = 0;

  /** `capacity`: the helper's queue cap in bytes; `onStall` is told the queued bytes when a stall starts. */
  constructor(
    readonly helper: AnswerSink,
    readonly capacity: number,
    readonly onStall: (queuedBytes: number) => void = () => {},
    readonly stallMs = STALL_MS,
  ) {}

  /** The helper read nothing for `stallMs` with a full queue, and has not read since. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Counts one unit of work and the bytes it wrote; true when `pause()` is due. */
  wrote(bytes: number): boolean {
    this.#bytes += bytes;
    return this.#pacer.due() || this.#bytes >= CHUNK_BYTES;
  }

  /**
   * A turn of the event loop; past CHUNK_BYTES, also room in the queue, or the stall (see the module): a long
   * answer stops when `stalled` is true after this.
   */
  async pause(): Promise<void> {
    await this.#pacer.pause();
    if (this.#bytes < CHUNK_BYTES) return;
    this.#bytes = 0;
    const queued = this.helper.stats.queuedBytes;
    if (this.#stalled && queued >= this.#stalledAt) return;
    this.#stalled = !(await this.#room());
    if (this.#stalled) {
      this.#stalledAt = this.helper.stats.queuedBytes;
      this.onStall(this.#stalledAt);
    }
  }

  /** Waits until the queue has room for another chunk; false when the helper read nothing for STALL_MS. */
  async #room(): Promise<boolean> {
    let queued = this.helper.stats.queuedBytes;
    let progress = performance.now();
    while (this.helper.running && queued + CHUNK_BYTES > this.capacity) {
      if (performance.now() - progress >= this.stallMs) return false;
      await sleep(POLL_MS);
      const now = this.helper.stats.queuedBytes;
      if (now < queued) progress = performance.now();
      queued = now;
    }
    return true;
  }
}
