/**
 * The bench's own BGP peer, built on the project's codecs (lib/bgp): it listens on a loopback address,
 * answers the speaker's OPEN (RFC 4271 §4.2: multiprotocol IPv4 unicast, RFC 4760; 4-octet AS, RFC 6793)
 * and then either counts what arrives or sends a pre-built table as fast as the socket takes it.
 *
 * Receiving, it counts distinct prefixes exactly (a bit per bench prefix), UPDATEs and bytes, notes the
 * time the last expected prefix arrived (precise, unlike polling a daemon), and records the arrival time of
 * every KEEPALIVE: the "timers under load" figure is the longest gap between them.
 */
import { createServer, type Server, type Socket } from "node:net";
import { encodeMessage } from "../../lib/bgp/message/codec.ts";
import { KEEPALIVE_BYTES } from "../../lib/bgp/message/keepalive.ts";
import { decodeNotification, describeNotification } from "../../lib/bgp/message/notification.ts";
import { MessageReader } from "../../lib/bgp/message/reader.ts";
import { DEFAULT_CONTEXT, MessageType } from "../../lib/bgp/types.ts";
import { wallMs } from "./clock.ts";
import { PrefixSet } from "./prefixes.ts";

export interface PeerOptions {
  readonly host: string;
  readonly port: number;
  readonly asn: number;
  readonly routerId: string;
  /** Offered hold time; the peer sends a KEEPALIVE every third of it once established. */
  readonly holdTime: number;
  /** How many bench prefixes (prefixes.ts) may arrive: the size of the distinct-prefix set. */
  readonly expect: number;
}

/** RFC 4760 §7 MP_REACH_NLRI / MP_UNREACH_NLRI attribute type codes. */
const MP_REACH = 14;
const MP_UNREACH = 15;

export class BenchPeer {
  readonly prefixes: PrefixSet;
  updates = 0;
  bytes = 0;
  /** Wall times (clock.ts) of the OPEN and of each KEEPALIVE received. */
  openAt: number | undefined;
  establishedAt: number | undefined;
  readonly keepalives: number[] = [];
  eorAt: number | undefined;
  /** Why the session ended, when it did. */
  closed: string | undefined;
  #socket: Socket | undefined;
  #keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  #waiters = new Set<() => void>();
  readonly #open: Uint8Array;

  private constructor(readonly server: Server, readonly options: PeerOptions) {
    this.prefixes = new PrefixSet(options.expect);
    this.#open = encodeMessage({
      type: "open",
      version: 4,
      asn: options.asn > 0xffff ? 23456 : options.asn,
      holdTime: options.holdTime,
      routerId: options.routerId,
      capabilities: [
        { code: 1, name: "multiprotocol", afi: 1, safi: 1 },
        { code: 65, name: "asn4", asn: options.asn },
      ],
    }, DEFAULT_CONTEXT);
    server.on("connection", (socket) => this.#accept(socket));
  }

  static listen(options: PeerOptions): Promise<BenchPeer> {
    const server = createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: options.host, port: options.port }, () => {
        server.off("error", reject);
        resolve(new BenchPeer(server, options));
      });
    });
  }

  get established(): boolean {
    return this.establishedAt !== undefined && this.closed === undefined;
  }

  #accept(socket: Socket): void {
    if (this.#socket !== undefined && this.closed === undefined) {
      socket.destroy(); // one session at a time: a second connection is a collision we do not need
      return;
    }
    this.#socket = socket;
    this.closed = undefined;
    socket.setNoDelay(true);
    const reader = new MessageReader();
    socket.on("data", (chunk: Uint8Array) => {
      this.bytes += chunk.length;
      reader.push(chunk);
      try {
        for (let m = reader.next(65535); m !== undefined; m = reader.next(65535)) {
          this.#message(m.type, m.body);
        }
      } catch (e) {
        this.#end(`bad message from the speaker: ${(e as Error).message}`);
      }
      this.#notify();
    });
    socket.on("error", (e) => this.#end(`socket error: ${e.message}`));
    socket.on("close", () => this.#end("connection closed by the speaker"));
  }

  #message(type: number, body: Uint8Array): void {
    switch (type) {
      case MessageType.OPEN:
        this.openAt = wallMs();
        this.#socket!.write(this.#open);
        this.#socket!.write(KEEPALIVE_BYTES);
        return;
      case MessageType.KEEPALIVE: {
        const now = wallMs();
        if (this.establishedAt === undefined) {
          this.establishedAt = now;
          this.#startKeepalives();
        } else this.keepalives.push(now);
        return;
      }
      case MessageType.UPDATE:
        this.updates++;
        this.#update(body);
        return;
      case MessageType.NOTIFICATION:
        this.#end(`NOTIFICATION from the speaker: ${describeNotification(decodeNotification(body))}`);
        return;
    }
  }

  #startKeepalives(): void {
    const every = Math.max(1, Math.floor(this.options.holdTime / 3)) * 1000;
    this.#keepaliveTimer = setInterval(() => this.#socket?.write(KEEPALIVE_BYTES), every);
  }

  /** Counts the IPv4 unicast NLRI of an UPDATE body (RFC 4271 §4.3; RFC 4760 for MP_REACH/MP_UNREACH). */
  #update(b: Uint8Array): void {
    const withdrawnLength = (b[0] << 8) | b[1];
    const attrStart = 4 + withdrawnLength;
    const attrEnd = attrStart + ((b[2 + withdrawnLength] << 8) | b[3 + withdrawnLength]);
    if (withdrawnLength === 0 && attrEnd === attrStart && b.length === 4) {
      this.eorAt ??= wallMs(); // RFC 4724 §2: the IPv4 unicast End-of-RIB is an empty UPDATE
      return;
    }
    this.#walk(b, 2, attrStart, false);
    for (let at = attrStart; at < attrEnd;) {
      const flags = b[at];
      const code = b[at + 1];
      const len = flags & 0x10 ? (b[at + 2] << 8) | b[at + 3] : b[at + 2];
      const v = at + (flags & 0x10 ? 4 : 3);
      const ipv4Unicast = ((b[v] << 8) | b[v + 1]) === 1 && b[v + 2] === 1;
      if (code === MP_REACH && ipv4Unicast) this.#walk(b, v + 4 + b[v + 3] + 1, v + len, true);
      else if (code === MP_UNREACH && ipv4Unicast) this.#walk(b, v + 3, v + len, false);
      at = v + len;
    }
    this.#walk(b, attrEnd, b.length, true);
  }

  #walk(b: Uint8Array, from: number, to: number, announce: boolean): void {
    for (let at = from; at < to;) {
      const length = b[at++];
      const n = (length + 7) >> 3;
      let address = 0;
      for (let i = 0; i < 4; i++) address = address * 256 + (i < n ? b[at + i] : 0);
      at += n;
      if (announce) this.prefixes.add(address, length);
      else this.prefixes.delete(address, length);
    }
  }

  #end(reason: string): void {
    if (this.closed === undefined) this.closed = reason;
    if (this.#keepaliveTimer !== undefined) clearInterval(this.#keepaliveTimer);
    this.#keepaliveTimer = undefined;
    this.#notify();
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /**
   * Resolves with the wall time at which `ready()` first held (checked after every received chunk, so the
   * time is that of the chunk that completed it); rejects when the session ends first or after `timeoutMs`.
   */
  until(what: string, ready: () => boolean, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (ready()) return finish(() => resolve(wallMs()));
        if (this.closed !== undefined && this.#socket !== undefined) {
          finish(() => reject(new Error(`${what}: session ended (${this.closed}); ${this.describe()}`)));
        }
      };
      const timer = setTimeout(
        () =>
          finish(() => reject(new Error(`${what}: not within ${timeoutMs / 1000} s; ${this.describe()}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** What the peer saw so far, for error messages. */
  describe(): string {
    return `peer ${this.options.host}:${this.options.port} saw ${this.updates} UPDATEs, ${this.prefixes.size} prefixes` +
      (this.prefixes.foreign ? ` (+${this.prefixes.foreign} foreign)` : "") +
      (this.establishedAt === undefined ? ", no session" : "");
  }

  /**
   * Writes `chunks` (whole messages, concatenated) as fast as the socket drains them; resolves with the wall
   * times of the first and last write. KEEPALIVEs keep going out meanwhile (they queue between chunks).
   */
  send(chunks: readonly Uint8Array[]): Promise<{ first: number; last: number }> {
    const socket = this.#socket;
    if (socket === undefined || this.closed !== undefined) {
      return Promise.reject(new Error("no session to send on"));
    }
    const first = wallMs();
    return new Promise((resolve, reject) => {
      let i = 0;
      const onClose = () => reject(new Error(`session ended while sending (${this.closed ?? "closed"})`));
      socket.once("close", onClose);
      const pump = () => {
        while (i < chunks.length) {
          if (!socket.write(chunks[i++])) return void socket.once("drain", pump);
        }
        socket.off("close", onClose);
        resolve({ first, last: wallMs() });
      };
      pump();
    });
  }

  /**
   * The longest time without a KEEPALIVE from the speaker over [from, to] (ms): between two of them, from
   * the last one before `from` (or the session's start) to the first after, or from the last one to `to`.
   */
  longestKeepaliveGap(from: number, to: number): number {
    let previous = Math.min(from, this.establishedAt ?? from);
    let longest = 0;
    for (const t of this.keepalives) {
      if (t <= from) {
        previous = t; // the gap that spans `from` counts from the KEEPALIVE before it
        continue;
      }
      if (t > to) break;
      longest = Math.max(longest, t - previous);
      previous = t;
    }
    return Math.max(longest, to - previous);
  }

  async close(): Promise<void> {
    if (this.#keepaliveTimer !== undefined) clearInterval(this.#keepaliveTimer);
    this.#socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
