/** Test helpers for sessions over real TCP on 127.0.0.1 through the runtime adapter. */
import { encodeMessage } from "../../lib/bgp/message/codec.ts";
import { MessageReader } from "../../lib/bgp/message/reader.ts";
import { type Capability, DEFAULT_CONTEXT, type Message, type OpenMessage } from "../../lib/bgp/types.ts";
import { type Conn, type Listener, runtime } from "../../lib/runtime/mod.ts";
import type { Negotiated } from "../../lib/bgp/capability/negotiated.ts";
import type { Outbound } from "../../lib/session/outbound.ts";

export const net = runtime.net;

export function listen(host = "127.0.0.1"): Promise<Listener> {
  return net.listen({ host, port: 0 });
}

/** The next connection a listener accepts. */
export async function accept(l: Listener): Promise<Conn> {
  for await (const c of l) return c;
  throw new Error("listener closed");
}

export function openMessage(
  o: { asn?: number; holdTime?: number; routerId?: string; version?: number; caps?: Capability[] } = {},
): OpenMessage {
  return {
    type: "open",
    version: o.version ?? 4,
    asn: o.asn ?? 65000,
    holdTime: o.holdTime ?? 180,
    routerId: o.routerId ?? "10.0.0.1",
    capabilities: o.caps ?? [
      { code: 1, name: "multiprotocol", afi: 1, safi: 1 },
      { code: 65, name: "asn4", asn: o.asn ?? 65000 },
    ],
  };
}

export const encode = (m: Message): Uint8Array => encodeMessage(m, DEFAULT_CONTEXT);

export interface Frame {
  readonly type: number;
  readonly body: Uint8Array;
  /** When it was framed (performance.now()). */
  readonly at: number;
}

/** A hand-driven BGP speaker: raw frames in and out, for the tests that need a misbehaving peer. */
export class RawPeer {
  readonly conn: Conn;
  readonly #reader = new MessageReader();
  readonly #frames: Frame[] = [];
  #waiters: (() => void)[] = [];
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  closed = false;

  constructor(conn: Conn) {
    this.conn = conn;
    this.#writer = conn.writable.getWriter();
    void this.#read();
  }

  async #read(): Promise<void> {
    const r = this.conn.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await r.read();
        if (done) break;
        this.#reader.push(value);
        for (let f = this.#reader.next(65535); f; f = this.#reader.next(65535)) {
          this.#frames.push({ type: f.type, body: f.body.slice(), at: performance.now() });
        }
        this.#wake();
      }
    } catch {
      // connection reset: treated as closed
    }
    // As a BGP speaker does once the other side closed (after its NOTIFICATION).
    this.conn.close();
    this.closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** The next frame, or undefined when the connection closed first; rejects after `ms`. */
  async next(ms = 5000): Promise<Frame | undefined> {
    const deadline = performance.now() + ms;
    while (this.#frames.length === 0) {
      if (this.closed) return undefined;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no message within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.#frames.shift();
  }

  /** Frames until one of `type` arrives (returned), skipping others. */
  async until(type: number, ms = 5000): Promise<Frame> {
    for (;;) {
      const f = await this.next(ms);
      if (f === undefined) throw new Error(`closed before a message of type ${type}`);
      if (f.type === type) return f;
    }
  }

  /** Resolves once the connection is closed by the other side. */
  async waitClosed(ms = 5000): Promise<void> {
    const deadline = performance.now() + ms;
    while (!this.closed) {
      if (performance.now() > deadline) throw new Error("connection still open");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.#writer.write(bytes);
  }

  close(): void {
    this.conn.close();
  }
}

/** A fake Outbound: hands out `total` messages made by `make(i)`, as the RIB would. */
export class FakeOutbound implements Outbound {
  started: Negotiated | undefined;
  stopped = 0;
  sent = 0;
  #wake: (() => void) | undefined;
  constructor(private total: number, private readonly make: (i: number) => Uint8Array) {}

  start(negotiated: Negotiated): void {
    this.started = negotiated;
    this.#wake?.();
  }
  next(budget: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let size = 0;
    while (this.sent < this.total && size < budget) {
      const m = this.make(this.sent++);
      out.push(m);
      size += m.length;
    }
    return out;
  }
  stop(): void {
    this.stopped++;
  }
  setWake(wake: () => void): void {
    this.#wake = wake;
  }
  /** No more messages after those already handed out. */
  finish(): void {
    this.total = this.sent;
  }
  /** More messages become pending. */
  add(n: number): void {
    this.total += n;
    this.#wake?.();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it is true; rejects after `ms`. */
export async function eventually(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** Hex of bytes, upper case (as the conformance .msg files write them). */
export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
}

export function fromHex(h: string): Uint8Array {
  const s = h.replace(/[^0-9a-fA-F]/g, "");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}
