/**
 * A scripted BGP peer for the graceful-restart and maximum-prefix tests (node:net, so it runs under `deno
 * test` and `bun test`). It listens on a 127.0.0.x address for the speaker's connection, answers its OPEN
 * with its own (multiprotocol IPv4 unicast, 4-octet AS and, when asked, Graceful Restart, RFC 4724 §3) and a
 * KEEPALIVE, keeps the session up with KEEPALIVEs, and records per connection what the speaker sent: its
 * OPEN's capabilities, the IPv4 unicast prefixes announced and withdrawn (RFC 4271 §4.3), End-of-RIB and
 * NOTIFICATIONs. The test makes it send UPDATEs (`updateMessage`) and drop the TCP connection without a
 * NOTIFICATION (`drop`), as a restarting router does.
 */
import { createServer, type Server, type Socket } from "node:net";
import {
  frame,
  type GracefulRestartOffer,
  KEEPALIVE,
  MessageSplitter,
  openMessage as wireOpen,
  prefixString,
  TYPE,
  Waiters,
  walkUpdate,
} from "../helpers/bgp_wire.ts";

// The wire basics come from bgp_wire.ts; these re-exports keep the names the security tests import.
export { frame, type GracefulRestartOffer, KEEPALIVE, TYPE } from "../helpers/bgp_wire.ts";

/** RFC 4724 §2: End-of-RIB for IPv4 unicast, an UPDATE with nothing in it. */
export const EOR_IPV4 = frame(TYPE.update, new Uint8Array(4));

export interface TestPeerOptions {
  readonly host: string;
  readonly port: number;
  readonly asn: number;
  readonly holdTime: number;
  readonly routerId?: string;
  /** Announce the Graceful Restart capability (64) for IPv4 unicast. */
  readonly gracefulRestart?: GracefulRestartOffer;
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** The OPEN TestPeer answers with: all capabilities in one optional parameter (see bgp_wire.ts). */
export function openMessage(o: TestPeerOptions): Uint8Array {
  const { asn, holdTime, routerId, gracefulRestart } = o;
  return wireOpen({ asn, holdTime, routerId, gracefulRestart, parameters: "one" });
}

function prefixBytes(p: string): number[] {
  const [addr, len] = p.split("/");
  const bits = Number(len);
  return [bits, ...addr.split(".").map(Number).slice(0, (bits + 7) >> 3)];
}

/** An IPv4 unicast UPDATE (4-octet AS_PATH [asn], ORIGIN IGP, NEXT_HOP) announcing and/or withdrawing. */
export function updateMessage(
  o: { announce?: readonly string[]; withdraw?: readonly string[]; asn: number; nextHop?: string },
): Uint8Array {
  const withdrawn = (o.withdraw ?? []).flatMap(prefixBytes);
  const nlri = (o.announce ?? []).flatMap(prefixBytes);
  const attrs = nlri.length === 0 ? [] : [
    0x40,
    1,
    1,
    0, // ORIGIN IGP
    0x40,
    2,
    6,
    2,
    1,
    ...u32(o.asn), // AS_PATH: one AS_SEQUENCE of one 4-octet AS
    0x40,
    3,
    4,
    ...(o.nextHop ?? "192.0.2.254").split(".").map(Number), // NEXT_HOP
  ];
  return frame(
    TYPE.update,
    Uint8Array.from([...u16(withdrawn.length), ...withdrawn, ...u16(attrs.length), ...attrs, ...nlri]),
  );
}

export interface Capability {
  readonly code: number;
  readonly value: Uint8Array;
}

export interface Notification {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/** One TCP connection from the speaker. */
export class Link {
  /** Capabilities of the speaker's OPEN. */
  capabilities: Capability[] | undefined;
  readonly announced: string[] = [];
  readonly withdrawn: string[] = [];
  readonly notifications: Notification[] = [];
  eor = false;
  /** How many prefixes had been announced when End-of-RIB arrived. */
  announcedBeforeEor: number | undefined;
  closed = false;
  updates = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly socket: Socket) {}

  get established(): boolean {
    return this.capabilities !== undefined && !this.closed;
  }

  send(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** The TCP connection goes away without a NOTIFICATION (a router that crashed or restarts). */
  drop(): void {
    this.stopKeepalives();
    this.socket.destroy();
  }

  startKeepalives(ms: number): void {
    this.#timer = setInterval(() => this.send(KEEPALIVE), ms);
  }

  stopKeepalives(): void {
    clearInterval(this.#timer);
  }
}

export class TestPeer {
  readonly links: Link[] = [];
  readonly #server: Server;
  readonly #waiters = new Waiters();

  private constructor(server: Server, readonly options: TestPeerOptions) {
    this.#server = server;
    server.on("connection", (s) => this.#serve(s));
  }

  static listen(options: TestPeerOptions): Promise<TestPeer> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: options.host, port: options.port }, () => resolve(new TestPeer(server, options)));
    });
  }

  get last(): Link | undefined {
    return this.links.at(-1);
  }

  #serve(socket: Socket): void {
    const link = new Link(socket);
    this.links.push(link);
    const splitter = new MessageSplitter();
    socket.on("data", (d: Uint8Array) => {
      splitter.push(d, (type, body) => this.#message(link, type, body));
      this.#waiters.notify();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      link.closed = true;
      link.stopKeepalives();
      this.#waiters.notify();
    });
  }

  #message(link: Link, type: number, body: Uint8Array): void {
    if (type === TYPE.open) {
      link.capabilities = capabilitiesOf(body);
      link.send(openMessage(this.options));
      link.send(KEEPALIVE);
      link.startKeepalives(Math.max(1, Math.floor(this.options.holdTime / 3)) * 1000);
    } else if (type === TYPE.notification) {
      link.notifications.push({ code: body[0], subcode: body[1], data: body.slice(2) });
    } else if (type === TYPE.update) {
      link.updates++;
      if (body.length === 4) {
        link.eor = true;
        link.announcedBeforeEor ??= link.announced.length;
      }
      // Only the body fields, as TestPeer always read them: MP_REACH/MP_UNREACH are not counted here.
      walkUpdate(body, {
        withdraw: (address, length) => link.withdrawn.push(prefixString(address, length)),
        announce: (address, length) => link.announced.push(prefixString(address, length)),
        multiprotocol: false,
      });
    }
  }

  /** Resolves when `ready()` holds (checked after every chunk received); rejects with `why()` after `timeoutMs`. */
  until(ready: () => boolean, timeoutMs: number, why: () => string = () => ""): Promise<void> {
    return this.#waiters.until(
      ready,
      timeoutMs,
      () => `peer condition not met within ${timeoutMs} ms: ${why()}`,
    );
  }

  close(): Promise<void> {
    for (const l of this.links) l.drop();
    return new Promise((r) => this.#server.close(() => r()));
  }
}

/** The capabilities of an OPEN body (RFC 5492: optional parameters of type 2). */
export function capabilitiesOf(body: Uint8Array): Capability[] {
  const caps: Capability[] = [];
  const end = 10 + body[9];
  for (let at = 10; at < end;) {
    const type = body[at];
    const len = body[at + 1];
    if (type === 2) {
      for (let c = at + 2; c < at + 2 + len;) {
        caps.push({ code: body[c], value: body.slice(c + 2, c + 2 + body[c + 1]) });
        c += 2 + body[c + 1];
      }
    }
    at += 2 + len;
  }
  return caps;
}
