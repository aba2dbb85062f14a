/**
 * Accepted connections from a callback-style server (Bun.listen, node:net) handed to a `for await` loop.
 * Connections that arrive while nobody iterates wait here; ending the queue closes those never taken.
 */
import type { Conn } from "./types.ts";

export class AcceptQueue implements AsyncIterable<Conn> {
  #items: Conn[] = [];
  #waiter: ((r: IteratorResult<Conn>) => void) | undefined;
  #ended = false;

  push(conn: Conn): void {
    if (this.#ended) return conn.close();
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w({ value: conn, done: false });
    } else this.#items.push(conn);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const c of this.#items.splice(0)) c.close();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Conn> {
    return {
      next: () => {
        const c = this.#items.shift();
        if (c) return Promise.resolve({ value: c, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.#waiter = resolve));
      },
      // Leaving a `for await` early keeps the queue: a later loop gets the connections that arrive.
      return: () => {
        this.#waiter = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
