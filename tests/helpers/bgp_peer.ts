/**
 * A minimal passive BGP peer for end-to-end tests (node:net, so it runs under `deno test` and `bun test`):
 * accepts the speaker's connection on 127.0.0.1, answers its OPEN with an OPEN (RFC 4271 §4.2) and a
 * KEEPALIVE, sends a KEEPALIVE every hold/3 s, and records what the speaker sends: every connection, the
 * arrival time of each KEEPALIVE, NOTIFICATIONs, and the IPv4 unicast prefixes announced and withdrawn
 * (RFC 4271 §4.3 body fields and RFC 4760 MP_REACH/MP_UNREACH). It assumes no ADD-PATH (not offered).
 */
import { createServer, type Server, type Socket } from "node:net";

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

const MARKER = new Uint8Array(16).fill(0xff);
const TYPE = { open: 1, update: 2, notification: 3, keepalive: 4 } as const;
const ATTR_MP_REACH = 14;
const ATTR_MP_UNREACH = 15;

export function message(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(19 + body.length);
  out.set(MARKER);
  out[16] = out.length >> 8;
  out[17] = out.length & 0xff;
  out[18] = type;
  out.set(body, 19);
  return out;
}

export const KEEPALIVE: Uint8Array = message(TYPE.keepalive, new Uint8Array(0));

/** RFC 4271 §4.2 OPEN with capabilities multiprotocol IPv4 unicast (RFC 4760) and 4-octet AS (RFC 6793). */
export function openMessage(o: PeerOptions): Uint8Array {
  const caps = [
    2,
    6,
    1,
    4,
    0,
    1,
    0,
    1, // param 2 (capabilities), capability 1 (MP), AFI 1, SAFI 1
    2,
    6,
    65,
    4,
    (o.asn >>> 24) & 0xff,
    (o.asn >>> 16) & 0xff,
    (o.asn >>> 8) & 0xff,
    o.asn & 0xff,
  ];
  const id = (o.routerId ?? "192.0.2.254").split(".").map(Number);
  const as2 = o.asn > 0xffff ? 23456 : o.asn;
  return message(
    TYPE.open,
    Uint8Array.from([
      4,
      as2 >> 8,
      as2 & 0xff,
      o.holdTime >> 8,
      o.holdTime & 0xff,
      ...id,
      caps.length,
      ...caps,
    ]),
  );
}

/** Calls `each` with every prefix of an RFC 4271 §4.3 NLRI field, as "a.b.c.d/len". */
function prefixes(b: Uint8Array, from: number, to: number, each: (p: string) => void): void {
  for (let at = from; at < to;) {
    const len = b[at++];
    const n = (len + 7) >> 3;
    const o = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) o[i] = b[at + i];
    at += n;
    each(`${o[0]}.${o[1]}.${o[2]}.${o[3]}/${len}`);
  }
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
  #waiters = new Set<() => void>();

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
    let buffer = new Uint8Array(0);
    socket.on("data", (d: Uint8Array) => {
      const all = new Uint8Array(buffer.length + d.length);
      all.set(buffer);
      all.set(d, buffer.length);
      let at = 0;
      while (at + 19 <= all.length) {
        const length = (all[at + 16] << 8) | all[at + 17];
        if (length < 19 || at + length > all.length) break;
        this.#message(conn, all[at + 18], all.subarray(at + 19, at + length));
        at += length;
      }
      buffer = all.slice(at);
      this.#notify();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      conn.closedAt = performance.now();
      this.#notify();
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
    const withdrawnLength = (b[0] << 8) | b[1];
    const withdraw = (p: string) => {
      this.rib.delete(p);
      this.withdrawn.push(p);
    };
    const announce = (p: string) => {
      this.rib.add(p);
      this.announced.push(p);
    };
    prefixes(b, 2, 2 + withdrawnLength, withdraw);
    const attrStart = 4 + withdrawnLength;
    const attrEnd = attrStart + ((b[2 + withdrawnLength] << 8) | b[3 + withdrawnLength]);
    for (let at = attrStart; at < attrEnd;) {
      const flags = b[at];
      const code = b[at + 1];
      const extended = (flags & 0x10) !== 0;
      const len = extended ? (b[at + 2] << 8) | b[at + 3] : b[at + 2];
      const v = at + (extended ? 4 : 3);
      const ipv4Unicast = b[v] === 0 && b[v + 1] === 1 && b[v + 2] === 1;
      if (code === ATTR_MP_REACH && ipv4Unicast) {
        const nlri = v + 4 + b[v + 3] + 1; // AFI, SAFI, next-hop length, next hop, reserved octet
        prefixes(b, nlri, v + len, announce);
      } else if (code === ATTR_MP_UNREACH && ipv4Unicast) prefixes(b, v + 3, v + len, withdraw);
      at = v + len;
    }
    prefixes(b, attrEnd, b.length, announce);
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Resolves when `ready()` holds (checked after every received chunk); rejects with `why()` after `timeoutMs`. */
  until(ready: () => boolean, timeoutMs: number, why: () => string = () => ""): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`peer condition not met within ${timeoutMs} ms: ${why()}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    for (const c of this.connections) c.socket.destroy();
    return new Promise((r) => this.#server.close(() => r()));
  }
}
