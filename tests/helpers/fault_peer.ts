/**
 * A passive BGP peer for the fault and load tests (node:net, so it runs under `deno test` and `bun test`),
 * whose misbehaviour the test controls: it can stop reading (the TCP window fills), stop sending KEEPALIVEs,
 * drop the first connections right after accepting them (to observe the speaker's back-off), and write raw
 * bytes (half a message). It listens on any 127.0.0.x address and keeps, per connection, the arrival time
 * of every KEEPALIVE and NOTIFICATION, and, across connections, the IPv4 unicast prefixes it holds (RFC 4271
 * §4.3 NLRI and withdrawn routes, RFC 4760 MP_REACH/MP_UNREACH), as numbers so that a million stay cheap.
 * The OPEN and the message framing come from bgp_peer.ts.
 */
import { createServer, type Server, type Socket } from "node:net";
import { KEEPALIVE, message, openMessage } from "./bgp_peer.ts";

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

const TYPE = { open: 1, update: 2, notification: 3, keepalive: 4 } as const;
const ATTR_MP_REACH = 14;
const ATTR_MP_UNREACH = 15;

/** A prefix as one number: the address times 64 plus the length (exact below 2^53). */
export function prefixKey(text: string): number {
  const [addr, len] = text.split("/");
  const o = addr.split(".").map(Number);
  return (((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0) * 64 + Number(len);
}

export function prefixText(key: number): string {
  const len = key % 64;
  const a = Math.floor(key / 64);
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}/${len}`;
}

/** Calls `each` with every prefix of an RFC 4271 §4.3 NLRI field in b[from, to). */
function walkNlri(b: Uint8Array, from: number, to: number, each: (key: number) => void): void {
  for (let at = from; at < to;) {
    const len = b[at++];
    let addr = 0;
    for (let i = 0; i < 4; i++) addr = addr * 256 + (i < (len + 7) >> 3 ? b[at + i] : 0);
    at += (len + 7) >> 3;
    each(addr * 64 + len);
  }
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
  #waiters = new Set<() => void>();

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
      this.#notify();
    });
    if (this.#dropped < (this.options.drop ?? 0)) {
      this.#dropped++;
      link.destroy();
      return;
    }
    let rest = new Uint8Array(0);
    socket.on("data", (d: Uint8Array) => {
      link.bytes += d.length;
      let all = d;
      if (rest.length > 0) {
        all = new Uint8Array(rest.length + d.length);
        all.set(rest);
        all.set(d, rest.length);
      }
      let at = 0;
      while (at + 19 <= all.length) {
        const length = (all[at + 16] << 8) | all[at + 17];
        if (length < 19 || at + length > all.length) break;
        this.#message(link, all[at + 18], all.subarray(at + 19, at + length));
        at += length;
      }
      rest = all.slice(at);
      this.#notify();
    });
  }

  #message(link: PeerLink, type: number, body: Uint8Array): void {
    switch (type) {
      case TYPE.open:
        link.openAt = performance.now();
        link.write(openMessage(this.options));
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

  #update(b: Uint8Array): void {
    const withdraw = (k: number) => {
      this.rib.delete(k);
      this.withdrawn++;
    };
    const announce = (k: number) => {
      this.rib.add(k);
      this.announced++;
    };
    const withdrawnLength = (b[0] << 8) | b[1];
    walkNlri(b, 2, 2 + withdrawnLength, withdraw);
    const attrStart = 4 + withdrawnLength;
    const attrEnd = attrStart + ((b[2 + withdrawnLength] << 8) | b[3 + withdrawnLength]);
    for (let at = attrStart; at < attrEnd;) {
      const extended = (b[at] & 0x10) !== 0;
      const code = b[at + 1];
      const len = extended ? (b[at + 2] << 8) | b[at + 3] : b[at + 2];
      const v = at + (extended ? 4 : 3);
      const ipv4Unicast = b[v] === 0 && b[v + 1] === 1 && b[v + 2] === 1;
      // MP_REACH: AFI, SAFI, next-hop length, next hop, reserved octet, then NLRI (RFC 4760 §3).
      if (code === ATTR_MP_REACH && ipv4Unicast) walkNlri(b, v + 4 + b[v + 3] + 1, v + len, announce);
      else if (code === ATTR_MP_UNREACH && ipv4Unicast) walkNlri(b, v + 3, v + len, withdraw);
      at = v + len;
    }
    walkNlri(b, attrEnd, b.length, announce);
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolves when `ready()` holds (checked on every event and every 50 ms); rejects with `why()` after `timeoutMs`. */
  until(ready: () => boolean, timeoutMs: number, why: () => string = () => ""): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (ready()) finish();
      };
      const timer = setTimeout(
        () => finish(new Error(`peer ${this.host}: not within ${timeoutMs} ms: ${why()}`)),
        timeoutMs,
      );
      // Conditions on time (a hold timer) change without any event.
      const poll = setInterval(check, 50);
      this.#waiters.add(check);
      check();
    });
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
  return message(
    TYPE.update,
    Uint8Array.from([0, 0, 0, attributes.length, ...attributes, 24, ...prefix24]),
  );
}
