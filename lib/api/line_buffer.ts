/**
 * Incremental line framing for a helper's stdout/stderr that keeps read boundaries: `push(chunk)` returns the
 * complete lines of that chunk, so that "all lines that arrived in one read" form one batch (BRIEF lesson 3).
 * Unlike lib/runtime/lines.ts it bounds a line (ExaBGP: 1 MiB per command): an over-long line is discarded up
 * to its newline, and reported through `onOverflow`, so a helper never sending "\n" cannot grow our memory.
 */

const NL = 0x0a;

export class LineBuffer {
  #decoder = new TextDecoder();
  #rest = "";
  /** Bytes of the current unfinished line (counted on bytes, since #rest is decoded). */
  #restBytes = 0;
  /** Inside an over-long line: everything up to the next newline is thrown away. */
  #discarding = false;

  constructor(
    readonly maxLineBytes: number,
    private readonly onOverflow: (length: number) => void,
  ) {}

  /** The complete lines in `chunk` (joined with what was left over), without "\n" or a "\r" before it. */
  push(chunk: Uint8Array): string[] {
    const lastNl = chunk.lastIndexOf(NL);
    if (lastNl < 0) {
      this.#append(chunk);
      return [];
    }
    const text = this.#decoder.decode(chunk.subarray(0, lastNl + 1), { stream: true });
    const head = this.#discarding ? "" : this.#rest;
    const parts = (head + text).split("\n");
    parts.pop(); // text ends with "\n": the last part is empty
    // parts[0] is the tail of an over-long line being discarded
    const first = this.#discarding ? 1 : 0;
    this.#discarding = false;
    this.#rest = "";
    this.#restBytes = 0;
    const lines: string[] = [];
    for (let i = first; i < parts.length; i++) {
      const p = parts[i];
      if (p.length > this.maxLineBytes) {
        this.onOverflow(p.length);
        continue;
      }
      lines.push(p.endsWith("\r") ? p.slice(0, -1) : p);
    }
    if (lastNl + 1 < chunk.length) this.#append(chunk.subarray(lastNl + 1));
    return lines;
  }

  /** The last line when the stream ended without a newline (or undefined). */
  end(): string | undefined {
    const tail = this.#discarding ? "" : this.#rest + this.#decoder.decode();
    this.#rest = "";
    this.#restBytes = 0;
    this.#discarding = false;
    if (tail.length === 0) return undefined;
    return tail.endsWith("\r") ? tail.slice(0, -1) : tail;
  }

  #append(bytes: Uint8Array): void {
    if (this.#discarding) {
      this.#restBytes += bytes.length;
      return;
    }
    this.#restBytes += bytes.length;
    if (this.#restBytes > this.maxLineBytes) {
      this.onOverflow(this.#restBytes);
      this.#discarding = true;
      this.#rest = "";
      this.#decoder = new TextDecoder(); // forget a half-decoded character of the discarded line
      return;
    }
    this.#rest += this.#decoder.decode(bytes, { stream: true });
  }
}
