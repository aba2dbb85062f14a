/**
 * A bounded queue of lines waiting for one helper's stdin (BRIEF lesson 6: writes to helpers never block the
 * speaker; ExaBGP 4.2/5.0 blocks for good once ~64 KiB sit unread in a helper's pipe).
 *
 * Policy when the helper stops reading and the queue reaches its cap (default 16 MiB):
 * - an incoming *event* first evicts the oldest queued events; when only answers are queued, the incoming
 *   event itself is dropped;
 * - an incoming *answer* (`done`, `error`, `show` output: replies to the helper's own commands) evicts the
 *   oldest events first, and only when nothing but answers is queued, the oldest answers.
 * So answers outlive events, memory stays bounded in every case, and nothing ever waits on the helper.
 * Every dropped line is counted; the owner logs once per episode (an episode ends when the queue empties).
 *
 * Sizes are counted in UTF-16 code units + 1 for the newline: exact for the ASCII that events and answers
 * are made of (peer strings are escaped), an under-estimate by at most 3x otherwise.
 */

export type LineKind = "event" | "answer";

const EVENT = 0;
const ANSWER = 1;

export interface DropCounts {
  events: number;
  answers: number;
  bytes: number;
}

export class WriteQueue {
  // Parallel arrays from `head`; a dropped entry becomes `undefined` in place (lazy removal), so the
  // oldest-event search is a cursor that only moves forward: amortised O(1) per line.
  #lines: (string | undefined)[] = [];
  #kinds: number[] = [];
  #head = 0;
  #eventCursor = 0;
  #answerCursor = 0;
  #bytes = 0;
  #count = 0;
  /** Totals since creation (the owner compares them to log once per episode). */
  readonly dropped: DropCounts = { events: 0, answers: 0, bytes: 0 };

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  get length(): number {
    return this.#count;
  }

  /** Array slots held: the live lines plus dropped or taken ones not yet compacted away (for tests). */
  get slots(): number {
    return this.#lines.length - this.#head;
  }

  /** Adds `line`; returns false when the line itself was dropped. Never throws, never grows past the cap. */
  push(line: string, kind: LineKind): boolean {
    const size = line.length + 1;
    const k = kind === "answer" ? ANSWER : EVENT;
    if (size > this.maxBytes) return this.#drop(k, size);
    while (this.#bytes + size > this.maxBytes) {
      if (this.#evictOldest(EVENT)) continue;
      if (k === EVENT) return this.#drop(EVENT, size);
      this.#evictOldest(ANSWER);
    }
    this.#lines.push(line);
    this.#kinds.push(k);
    this.#bytes += size;
    this.#count++;
    // A helper that never reads never calls take(): evicted slots must go here, or the arrays would grow
    // with every line ever pushed.
    if (this.#lines.length - this.#head > 2 * this.#count + 4096) this.#dropHoles();
    return true;
  }

  /**
   * Removes lines from the front, joined with newlines, up to about `maxChunk` units (one line at least).
   * Returns undefined when empty.
   */
  take(maxChunk: number): string | undefined {
    if (this.#count === 0) return undefined;
    const lines = this.#lines;
    let out = "";
    let i = this.#head;
    while (i < lines.length && (out.length === 0 || out.length < maxChunk)) {
      const l = lines[i];
      lines[i++] = undefined;
      if (l === undefined) continue;
      out += l + "\n";
      this.#bytes -= l.length + 1;
      this.#count--;
    }
    this.#head = i;
    this.#compact();
    return out;
  }

  /** Forgets everything queued (the helper is gone); drop counters are kept. */
  clear(): void {
    this.#lines = [];
    this.#kinds = [];
    this.#resetIndexes();
    this.#bytes = 0;
    this.#count = 0;
  }

  #resetIndexes(): void {
    this.#head = 0;
    this.#eventCursor = 0;
    this.#answerCursor = 0;
  }

  #drop(kind: number, size: number): false {
    if (kind === EVENT) this.dropped.events++;
    else this.dropped.answers++;
    this.dropped.bytes += size;
    return false;
  }

  #evictOldest(kind: number): boolean {
    const lines = this.#lines;
    const kinds = this.#kinds;
    let i = Math.max(this.#head, kind === EVENT ? this.#eventCursor : this.#answerCursor);
    while (i < lines.length && (lines[i] === undefined || kinds[i] !== kind)) i++;
    if (kind === EVENT) this.#eventCursor = i;
    else this.#answerCursor = i;
    if (i >= lines.length) return false;
    const l = lines[i]!;
    lines[i] = undefined;
    this.#bytes -= l.length + 1;
    this.#count--;
    this.#drop(kind, l.length + 1);
    return true;
  }

  /**
   * Rebuilds the arrays with the live lines only (linear, and run when the holes outnumber them: amortised
   * O(1) per line). A cursor keeps its meaning, no live line of its kind before it: it becomes the number of
   * live lines before it.
   */
  #dropHoles(): void {
    const lines: (string | undefined)[] = [];
    const kinds: number[] = [];
    const events = Math.max(this.#head, this.#eventCursor);
    const answers = Math.max(this.#head, this.#answerCursor);
    let eventCursor = 0, answerCursor = 0;
    for (let i = this.#head; i < this.#lines.length; i++) {
      if (i === events) eventCursor = lines.length;
      if (i === answers) answerCursor = lines.length;
      const l = this.#lines[i];
      if (l === undefined) continue;
      lines.push(l);
      kinds.push(this.#kinds[i]);
    }
    if (events >= this.#lines.length) eventCursor = lines.length;
    if (answers >= this.#lines.length) answerCursor = lines.length;
    this.#lines = lines;
    this.#kinds = kinds;
    this.#head = 0;
    this.#eventCursor = eventCursor;
    this.#answerCursor = answerCursor;
  }

  /** Drops the consumed prefix once it is most of the arrays, so memory follows the live lines. */
  #compact(): void {
    if (this.#count === 0) {
      this.#lines = [];
      this.#kinds = [];
      this.#resetIndexes();
      return;
    }
    const h = this.#head;
    if (h < 4096 || h < this.#lines.length / 2) return;
    this.#lines = this.#lines.slice(h);
    this.#kinds = this.#kinds.slice(h);
    this.#eventCursor = Math.max(0, this.#eventCursor - h);
    this.#answerCursor = Math.max(0, this.#answerCursor - h);
    this.#head = 0;
  }
}
