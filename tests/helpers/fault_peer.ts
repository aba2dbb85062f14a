/**
 * A passive BGP peer for the fault and load tests (node:net, so it runs under `deno test` and `bun test`),
 * whose misbehaviour the test controls: it can stop reading (the TCP window fills), stop sending KEEPALIVEs,
 * drop the first connections right after accepting them (to observe the speaker's back-off), and write raw
 * bytes (half a message). It listens on any 127.0.0.x address and keeps, per connection, the arrival time
 * of every KEEPALIVE and NOTIFICATION, and, across connections, the IPv4 unicast prefixes it holds (RFC 4271
 * §4.3 NLRI and withdrawn routes, RFC 4760 MP_REACH/MP_UNREACH), as numbers so that a million stay cheap.
 * The wire basics (framing, OPEN, message splitting, UPDATE reading) come from bgp_wire.ts.
 */
import { createServer, type Server, type Socket } from "node:net";
import {
  frame,
  KEEPALIVE,
  MessageSplitter,
  openMessage,
  prefixString,
  TYPE,
  Waiters,
  walkUpdate,
} from "./bgp_wire.ts";

export interface FaultPeerOptions {
  /** A 127.0.0.x address (default 127.0.0.1). */
  readonly host?: string;
  readonly port: number;
  readonly asn: number;
  readonly holdTime: number;
  readonly routerId?: string;
  /** Send a KEEPALIVE every hold/3 s after the OPEN (default true). */
  readonly keepalives?: boolean;
  /** This many connections are closed as soon as they are accepted (default 0). */
  readonly drop?: number;
  /**
   * This many connections (after the dropped ones) stop reading once they answered the OPEN, so that the
   * kernel's buffers stay small (autotuning only grows them for a reader).
   */
  readonly stallFirst?: number;
}

export interface Notification {
  readonly at: number;
  readonly code: number;
  readonly subcode: number;
}

/** One TCP connection from the speaker; times are performance.now() in milliseconds. */
export class PeerLink {
  readonly at = performance.now();
  openAt: number | undefined;
  /** When the last message from us was written (the hold timer of the speaker counts from there). */
  lastSentAt: number | undefined;
  closedAt: number | undefined;
  /** Arrival of each KEEPALIVE from the speaker. */
  readonly keepalives: number[] = [];
  readonly notifications: Notification[] = [];
  updates = 0;
  /** End-of-RIB for IPv4 unicast (RFC 4724 §2: an UPDATE with nothing in it) received. */
  eorAt: number | undefined;
  /** Bytes received (while reading). */
  bytes = 0;
  #keepaliveTimer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly socket: Socket) {}

  get open(): boolean {
    return this.closedAt === undefined;
  }

  /** The longest interval between two KEEPALIVEs (or from the OPEN to the first), in milliseconds. */
  maxKeepaliveGap(): number {
    let max = 0;
    let last = this.openAt;
    for (const t of this.keepalives) {
      if (last !== undefined) max = Math.max(max, t - last);
      last = t;
    }
    return max;
  }

  write(bytes: Uint8Array): void {
    this.lastSentAt = performance.now();
    this.socket.write(bytes);
  }

  /** Stops reading: what the speaker sends stays in the kernel until both buffers are full. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  startKeepalives(every: number): void {
    this.#keepaliveTimer = setInterval(() => {
      if (this.closedAt === undefined) this.write(KEEPALIVE);
    }, every);
  }

  /** Stops sending KEEPALIVEs (the connection stays open, and we go on reading). */
  silence(): void {
    clearInterval(this.#keepaliveTimer);
  }

  destroy(): void {
    this.silence();
    this.socket.destroy();
  }
}

/** A prefix as one number: the address times 64 plus the length (exact below 2^53). */
export function prefixKey(text: string): number {
  const [addr, len] = text.split("/");
  const o = addr.split(".").map(Number);
  return (((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0) * 64 + Number(len);
}

export function prefixText(key: number): string {
  return prefixString(Math.floor(key / 64), key % 64);
}

export class FaultPeer {
  readonly links: PeerLink[] = [];
  /** Prefixes held now (the last UPDATE about each wins), across connections until `forget()`. */
  readonly rib = new Set<number>();
  /** Prefixes announced and withdrawn, counted (an NLRI sent twice counts twice). */
  announced = 0;
  withdrawn = 0;
  readonly host: string;
  #server: Server;
  #dropped = 0;
  #stalled = 0;
  #waiters = new Waiters();

  private constructor(server: Server, readonly options: FaultPeerOptions) {
    this.#server = server;
    this.host = options.host ?? "127.0.0.1";
    server.on("connection", (s) => this.#accept(s));
  }

  static listen(options: FaultPeerOptions): Promise<FaultPeer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(
        { host: options.host ?? "127.0.0.1", port: options.port },
        () => resolve(new FaultPeer(server, options)),
      );
    });
  }

  /** The latest connection. */
  get link(): PeerLink | undefined {
    return this.links.at(-1);
  }

  /** The latest connection got the speaker's OPEN and is still open. */
  get established(): boolean {
    const l = this.link;
    return l !== undefined && l.openAt !== undefined && l.open;
  }

  has(prefix: string): boolean {
    return this.rib.has(prefixKey(prefix));
  }

  /** The prefixes held, as text, sorted. */
  prefixes(): string[] {
    return [...this.rib].sort((a, b) => a - b).map(prefixText);
  }

  /** Forgets the prefixes held (a new session starts from nothing, RFC 4271 §9.1). */
  forget(): void {
    this.rib.clear();
  }

  #accept(socket: Socket): void {
    const link = new PeerLink(socket);
    this.links.push(link);
    socket.on("error", () => {});
    socket.on("close", () => {
      link.closedAt = performance.now();
      link.silence();
      this.#waiters.notify();
    });
    if (this.#dropped < (this.options.drop ?? 0)) {
      this.#dropped++;
      link.destroy();
      return;
    }
    const splitter = new MessageSplitter();
    socket.on("data", (d: Uint8Array) => {
      link.bytes += d.length;
      splitter.push(d, (type, body) => this.#message(link, type, body));
      this.#waiters.notify();
    });
  }

  #message(link: PeerLink, type: number, body: Uint8Array): void {
    switch (type) {
      case TYPE.open:
        link.openAt = performance.now();
        link.write(this.#open());
        link.write(KEEPALIVE);
        if (this.#stalled < (this.options.stallFirst ?? 0)) {
          this.#stalled++;
          link.pause();
        }
        if (this.options.keepalives ?? true) {
          link.startKeepalives(Math.max(1, Math.floor(this.options.holdTime / 3)) * 1000);
        }
        return;
      case TYPE.keepalive:
        link.keepalives.push(performance.now());
        return;
      case TYPE.notification:
        link.notifications.push({ at: performance.now(), code: body[0], subcode: body[1] });
        return;
      case TYPE.update:
        link.updates++;
        if (body.length === 4) link.eorAt = performance.now();
        this.#update(body);
        return;
    }
  }

  // Prefixes as numbers (prefixKey): a million strings would not stay cheap.
  #update(b: Uint8Array): void {
    walkUpdate(b, {
      withdraw: (address, length) => {
        this.rib.delete(address * 64 + length);
        this.withdrawn++;
      },
      announce: (address, length) => {
        this.rib.add(address * 64 + length);
        this.announced++;
      },
    });
  }

  /** Resolves when `ready()` holds (checked on every event and every 50 ms); rejects with `why()` after `timeoutMs`. */
  until(ready: () => boolean, timeoutMs: number, why: () => string = () => ""): Promise<void> {
    // Conditions on time (a hold timer) change without any event: hence the 50 ms poll.
    return this.#waiters.until(
      ready,
      timeoutMs,
      () => `peer ${this.host}: not within ${timeoutMs} ms: ${why()}`,
      50,
    );
  }

  /** The OPEN FakePeer sends too: each capability in its own optional parameter (see bgp_wire.ts). */
  #open(): Uint8Array {
    const o = this.options;
    return openMessage({ asn: o.asn, holdTime: o.holdTime, routerId: o.routerId, parameters: "each" });
  }

  close(): Promise<void> {
    for (const l of this.links) l.destroy();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

/**
 * RFC 4271 §4.3 UPDATE from the peer: ORIGIN IGP, AS_PATH one 4-octet AS_SEQUENCE [asn] (RFC 6793),
 * NEXT_HOP 127.0.0.2, and one IPv4 prefix a.b.c.0/24.
 */
export function peerUpdate(asn: number, prefix24: readonly [number, number, number]): Uint8Array {
  // deno-fmt-ignore
  const attributes = [
    0x40, 1, 1, 0,
    0x40, 2, 6, 2, 1, (asn >>> 24) & 0xff, (asn >>> 16) & 0xff, (asn >>> 8) & 0xff, asn & 0xff,
    0x40, 3, 4, 127, 0, 0, 2,
  ];
  return frame(
    TYPE.update,
    Uint8Array.from([0, 0, 0, attributes.length, ...attributes, 24, ...prefix24]),
  );
}
