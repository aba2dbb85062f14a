/**
 * A minimal passive BGP peer for end-to-end tests (node:net, so it runs under `deno test` and `bun test`):
 * accepts the speaker's connection on 127.0.0.1, answers its OPEN with an OPEN (RFC 4271 §4.2) and a
 * KEEPALIVE, sends a KEEPALIVE every hold/3 s, and records what the speaker sends: every connection, the
 * arrival time of each KEEPALIVE, NOTIFICATIONs, and the IPv4 unicast prefixes announced and withdrawn
 * (RFC 4271 §4.3 body fields and RFC 4760 MP_REACH/MP_UNREACH). It assumes no ADD-PATH (not offered).
 */
import { createServer, type Server, type Socket } from "node:net";
import {
  KEEPALIVE,
  MessageSplitter,
  openMessage as wireOpen,
  prefixString,
  TYPE,
  Waiters,
  walkUpdate,
} from "./bgp_wire.ts";

// The framer and KEEPALIVE are re-exported under the names the e2e tests import.
export { frame as message, KEEPALIVE } from "./bgp_wire.ts";

export interface PeerOptions {
  readonly port: number;
  /** The peer's AS (2-octet; the 4-octet AS capability carries it too). */
  readonly asn: number;
  readonly holdTime: number;
  readonly routerId?: string;
  /** Bytes sent instead of openMessage(options) in answer to the speaker's OPEN (malformed OPEN tests). */
  readonly open?: Uint8Array;
}

export interface PeerConnection {
  readonly at: number;
  readonly socket: Socket;
  /** performance.now() of each KEEPALIVE received after the OPEN. */
  readonly keepalives: number[];
  /** performance.now() of the OPEN received. */
  openAt: number | undefined;
  closedAt: number | undefined;
}

/** The OPEN FakePeer answers with: each capability in its own optional parameter (see bgp_wire.ts). */
export function openMessage(o: PeerOptions): Uint8Array {
  return wireOpen({ asn: o.asn, holdTime: o.holdTime, routerId: o.routerId, parameters: "each" });
}

export class FakePeer {
  readonly connections: PeerConnection[] = [];
  /** Prefixes currently announced (last UPDATE wins). */
  readonly rib = new Set<string>();
  /** Every prefix ever announced / withdrawn, in order of arrival. */
  readonly announced: string[] = [];
  readonly withdrawn: string[] = [];
  readonly notifications: Uint8Array[] = [];
  /** The body (after the 19-byte header) of every UPDATE received, for tests that check attributes. */
  readonly updateBodies: Uint8Array[] = [];
  updates = 0;
  #server: Server;
  #timers = new Set<ReturnType<typeof setInterval>>();
  #waiters = new Waiters();

  private constructor(server: Server, readonly options: PeerOptions) {
    this.#server = server;
    server.on("connection", (s) => this.#serve(s));
  }

  static listen(options: PeerOptions): Promise<FakePeer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: "127.0.0.1", port: options.port }, () => resolve(new FakePeer(server, options)));
    });
  }

  /** True once an OPEN was received on the latest connection and that connection is still open. */
  get established(): boolean {
    const c = this.connections.at(-1);
    return c !== undefined && c.openAt !== undefined && c.closedAt === undefined;
  }

  #serve(socket: Socket): void {
    const conn: PeerConnection = {
      at: performance.now(),
      socket,
      keepalives: [],
      openAt: undefined,
      closedAt: undefined,
    };
    this.connections.push(conn);
    const splitter = new MessageSplitter();
    socket.on("data", (d: Uint8Array) => {
      splitter.push(d, (type, body) => this.#message(conn, type, body));
      this.#waiters.notify();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      conn.closedAt = performance.now();
      this.#waiters.notify();
    });
  }

  #message(conn: PeerConnection, type: number, body: Uint8Array): void {
    switch (type) {
      case TYPE.open: {
        conn.openAt = performance.now();
        conn.socket.write(this.options.open ?? openMessage(this.options));
        conn.socket.write(KEEPALIVE);
        const every = Math.max(1, Math.floor(this.options.holdTime / 3)) * 1000;
        const timer = setInterval(() => {
          if (conn.closedAt !== undefined) clearInterval(timer);
          else conn.socket.write(KEEPALIVE);
        }, every);
        this.#timers.add(timer);
        return;
      }
      case TYPE.keepalive:
        conn.keepalives.push(performance.now());
        return;
      case TYPE.notification:
        this.notifications.push(body.slice());
        return;
      case TYPE.update:
        this.updates++;
        this.updateBodies.push(body.slice());
        this.#update(body);
        return;
    }
  }

  #update(b: Uint8Array): void {
    walkUpdate(b, {
      withdraw: (address, length) => {
        const p = prefixString(address, length);
        this.rib.delete(p);
        this.withdrawn.push(p);
      },
      announce: (address, length) => {
        const p = prefixString(address, length);
        this.rib.add(p);
        this.announced.push(p);
      },
    });
  }

  /** Resolves when `ready()` holds (checked after every received chunk); rejects with `why()` after `timeoutMs`. */
  until(ready: () => boolean, timeoutMs: number, why: () => string = () => ""): Promise<void> {
    return this.#waiters.until(
      ready,
      timeoutMs,
      () => `peer condition not met within ${timeoutMs} ms: ${why()}`,
    );
  }

  close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    for (const c of this.connections) c.socket.destroy();
    return new Promise((r) => this.#server.close(() => r()));
  }
}
