/**
 * Incremental framer: TCP chunks in, whole BGP messages out (RFC 4271 §4.1 framing).
 *
 * Chunks are queued as they come, not copied into one growing buffer: a message that lies inside one chunk
 * is returned as a view of it (no copy at all, the common case for full-table transfers); only a message
 * split across chunks is assembled into a fresh array. Chunks are never written to, so views stay valid
 * after later pushes. The queue holds the pushed arrays: the producer must not reuse them.
 */
import { checkHeader, HEADER_SIZE } from "./header.ts";

export interface RawMessage {
  readonly type: number;
  /** The bytes after the header. */
  readonly body: Uint8Array;
}

export class MessageReader {
  #chunks: Uint8Array[] = [];
  /** Index of the first live chunk in #chunks (consumed ones are dropped in batches). */
  #first = 0;
  /** Read position inside #chunks[#first]. */
  #offset = 0;
  #available = 0;
  readonly #header = new Uint8Array(HEADER_SIZE);

  /** Bytes received and not yet returned as messages. */
  get buffered(): number {
    return this.#available;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#available += chunk.length;
  }

  /**
   * The next complete message, or undefined until enough bytes arrived. Throws BgpError (1/1, 1/2) from
   * checkHeader as soon as a whole header is buffered; the bytes stay queued, so the error repeats.
   */
  next(maxSize: number): RawMessage | undefined {
    if (this.#available < HEADER_SIZE) return undefined;
    const head = this.#chunks[this.#first];
    const inHead = head.length - this.#offset;
    const { length, type } = inHead >= HEADER_SIZE
      ? checkHeader(head, this.#offset, maxSize)
      : checkHeader(this.#gather(this.#header, HEADER_SIZE), 0, maxSize);
    if (this.#available < length) return undefined;
    let body: Uint8Array;
    if (inHead >= length) {
      body = head.subarray(this.#offset + HEADER_SIZE, this.#offset + length);
      this.#skip(length);
    } else {
      this.#skip(HEADER_SIZE);
      body = this.#gather(new Uint8Array(length - HEADER_SIZE), length - HEADER_SIZE);
      this.#skip(length - HEADER_SIZE);
    }
    return { type, body };
  }

  /** Copies the next `n` buffered bytes into `out` without consuming them. */
  #gather(out: Uint8Array, n: number): Uint8Array {
    let copied = 0;
    let offset = this.#offset;
    for (let i = this.#first; copied < n; i++) {
      const chunk = this.#chunks[i];
      const take = Math.min(n - copied, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + take), copied);
      copied += take;
      offset = 0;
    }
    return out;
  }

  /** Consumes `n` buffered bytes. */
  #skip(n: number): void {
    this.#available -= n;
    while (n > 0) {
      const rest = this.#chunks[this.#first].length - this.#offset;
      if (n < rest) {
        this.#offset += n;
        return;
      }
      n -= rest;
      this.#first++;
      this.#offset = 0;
    }
    // Drop consumed chunks in batches so that many tiny chunks do not make each step O(queue).
    if (this.#first === this.#chunks.length) {
      this.#chunks = [];
      this.#first = 0;
    } else if (this.#first >= 64 && this.#first * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
  }
}
