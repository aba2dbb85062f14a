/**
 * The readable side of a callback-style socket (node:net, Bun): chunks are pushed as they arrive, the socket
 * is paused once the queue passes its high-water mark and resumed when the consumer pulls (back-pressure).
 * Runtime-independent: the backends give it their socket's pause/resume.
 */

/** Bytes queued in the readable before the socket is paused. */
const READ_HIGH_WATER = 256 * 1024;

export interface Pausable {
  pause(): void;
  resume(): void;
}

export class PushReadable {
  readonly stream: ReadableStream<Uint8Array>;
  #c!: ReadableStreamDefaultController<Uint8Array>;
  #source: Pausable;
  #paused = false;
  #open = true;

  /** `onCancel`: the consumer gave up reading, which closes the connection. */
  constructor(source: Pausable, onCancel: () => void) {
    this.#source = source;
    this.stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#c = c;
      },
      pull: () => {
        if (this.#paused && this.#open) {
          this.#paused = false;
          source.resume();
        }
      },
      cancel: () => {
        this.#open = false;
        onCancel();
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: READ_HIGH_WATER }));
  }

  /** False once ended, failed or cancelled. */
  get open(): boolean {
    return this.#open;
  }

  /** Queues a chunk the caller will not reuse; ignored once the readable is over. */
  push(chunk: Uint8Array): void {
    if (!this.#open) return;
    this.#c.enqueue(chunk);
    if (this.#c.desiredSize! <= 0 && !this.#paused) {
      this.#paused = true;
      this.#source.pause();
    }
  }

  /** The end of the data (the peer's FIN, or the socket closed), or its failure with `err`; once only. */
  end(err?: unknown): void {
    if (!this.#open) return;
    this.#open = false;
    if (err) this.#c.error(err);
    else this.#c.close();
  }
}
