/**
 * The BGP wire basics that the raw test peers share (FakePeer in bgp_peer.ts, FaultPeer in fault_peer.ts,
 * TestPeer in ../security/test_peer.ts): message framing (RFC 4271 §4.1), KEEPALIVE (§4.4), the peer's OPEN
 * (§4.2 with RFC 5492 capabilities), cutting messages out of a TCP byte stream, walking NLRI fields (§4.3)
 * and reading the IPv4 unicast prefixes an UPDATE announces or withdraws (§4.3 and RFC 4760), plus the
 * waiter set behind each peer's `until`. Pure code with no socket, so that it is tested on bytes alone
 * (bgp_wire.test.ts); it deliberately parses only what the peers need and trusts the speaker's framing.
 */

/** RFC 4271 §4.1: the message types a test peer sees. */
export const TYPE = { open: 1, update: 2, notification: 3, keepalive: 4 } as const;

/** RFC 4271 §4.1: 16-octet marker, 2-octet length, 1-octet type. */
export const HEADER_LENGTH = 19;
const MARKER = new Uint8Array(16).fill(0xff);

/** RFC 4271 §4.1: a message of `type` around `body` (all-ones marker; the length counts the header). */
export function frame(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH + body.length);
  out.set(MARKER);
  out[16] = out.length >> 8;
  out[17] = out.length & 0xff;
  out[18] = type;
  out.set(body, HEADER_LENGTH);
  return out;
}

/** RFC 4271 §4.4: a KEEPALIVE is the header alone. */
export const KEEPALIVE: Uint8Array = frame(TYPE.keepalive, new Uint8Array(0));

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** What a peer says in its Graceful Restart capability (RFC 4724 §3) for IPv4 unicast. */
export interface GracefulRestartOffer {
  /** Restart Time in seconds (12 bits). */
  readonly restartTime: number;
  /** Restart State bit (the peer says it restarted). */
  readonly restarted?: boolean;
  /** Forwarding State bit for IPv4 unicast (default true). */
  readonly forwarding?: boolean;
}

export interface OpenOptions {
  /** The peer's AS; above 65535 the 2-octet field carries AS_TRANS (RFC 6793 §4.2.1). */
  readonly asn: number;
  readonly holdTime: number;
  /** BGP Identifier (default 192.0.2.254, from the RFC 5737 documentation range). */
  readonly routerId?: string;
  /** Adds the Graceful Restart capability (64) for IPv4 unicast, after the other two. */
  readonly gracefulRestart?: GracefulRestartOffer;
  /**
   * How the capabilities are wrapped in optional parameters (RFC 5492 §4 allows both): "one" puts them all in
   * one Capabilities parameter (default; TestPeer), "each" gives every capability its own parameter, as
   * FakePeer and FaultPeer have always sent (some speakers still do, so the speaker must accept it).
   */
  readonly parameters?: "one" | "each";
}

/** Capability code and value, RFC 5492 §4. */
type Capability = readonly [code: number, value: readonly number[]];

function capabilities(o: OpenOptions): Capability[] {
  const caps: Capability[] = [
    [1, [0, 1, 0, 1]], // RFC 4760 §8 Multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
    [65, u32(o.asn)], // RFC 6793 §3 4-octet AS number
  ];
  const gr = o.gracefulRestart;
  if (gr) {
    // RFC 4724 §3: Restart Flags (R is the top bit) and 12-bit Restart Time, then AFI, SAFI, flags (F bit).
    const flags = (gr.restarted ? 0x8000 : 0) | (gr.restartTime & 0x0fff);
    caps.push([64, [...u16(flags), 0, 1, 1, gr.forwarding === false ? 0 : 0x80]]);
  }
  return caps;
}

/** The optional parameters field: Capabilities parameters (type 2, RFC 5492 §4) laid out per `o.parameters`. */
function optionalParameters(o: OpenOptions): number[] {
  const tlvs = capabilities(o).map(([code, value]) => [code, value.length, ...value]);
  const groups = o.parameters === "each" ? tlvs : [tlvs.flat()];
  return groups.flatMap((caps) => [2, caps.length, ...caps]);
}

/**
 * RFC 4271 §4.2 OPEN: version 4, My AS (AS_TRANS above 65535, RFC 6793), Hold Time, BGP Identifier, then
 * capabilities multiprotocol IPv4 unicast (RFC 4760), 4-octet AS (RFC 6793) and optionally Graceful
 * Restart (RFC 4724).
 */
export function openMessage(o: OpenOptions): Uint8Array {
  const params = optionalParameters(o);
  const id = (o.routerId ?? "192.0.2.254").split(".").map(Number);
  const as2 = o.asn > 0xffff ? 23456 : o.asn;
  return frame(
    TYPE.open,
    Uint8Array.from([4, ...u16(as2), ...u16(o.holdTime), ...id, params.length, ...params]),
  );
}

/**
 * Cuts complete BGP messages out of a TCP byte stream (RFC 4271 §4.1: each message says its length), keeping
 * an incomplete tail for the next chunk. A length below the header size stops the cutting for good (the peer
 * then waits for nothing more; the speaker under test never sends one).
 */
export class MessageSplitter {
  #rest: Uint8Array = new Uint8Array(0);

  /** Bytes held back: the start of a message not yet complete. */
  get pending(): number {
    return this.#rest.length;
  }

  /**
   * Adds `chunk` and calls `each` with the type and body of every message now complete, in order. `body` is a
   * plain Uint8Array view into the received bytes: copy it (`slice()`) to keep it past the call.
   */
  push(chunk: Uint8Array, each: (type: number, body: Uint8Array) => void): void {
    // Without a held-back tail the chunk is read in place (the fault peer takes a million prefixes), through a
    // plain Uint8Array view: a Node Buffer's subarray().slice() would be a view, not the copy callers expect.
    const all = this.#rest.length === 0 ? plain(chunk) : concat(this.#rest, chunk);
    let at = 0;
    while (at + HEADER_LENGTH <= all.length) {
      const length = (all[at + 16] << 8) | all[at + 17];
      if (length < HEADER_LENGTH || at + length > all.length) break;
      each(all[at + 18], all.subarray(at + HEADER_LENGTH, at + length));
      at += length;
    }
    this.#rest = all.slice(at);
  }
}

function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Calls `each` for every <length, prefix> of an RFC 4271 §4.3 NLRI field (or Withdrawn Routes field) in
 * b[from, to): the IPv4 address as an unsigned 32-bit number (octets past the length are zero) and the
 * prefix length. The prefix carries only ceil(length / 8) octets.
 */
export function walkNlri(
  b: Uint8Array,
  from: number,
  to: number,
  each: (address: number, length: number) => void,
): void {
  for (let at = from; at < to;) {
    const length = b[at++];
    const octets = (length + 7) >> 3;
    let address = 0;
    for (let i = 0; i < 4; i++) address = address * 256 + (i < octets ? b[at + i] : 0);
    at += octets;
    each(address, length);
  }
}

/** "a.b.c.d/len" for a prefix from walkNlri. */
export function prefixString(address: number, length: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}/${length}`;
}

const ATTR_MP_REACH = 14;
const ATTR_MP_UNREACH = 15;

export interface UpdateWalk {
  /** A prefix withdrawn (Withdrawn Routes field, or MP_UNREACH_NLRI for IPv4 unicast). */
  readonly withdraw: (address: number, length: number) => void;
  /** A prefix announced (NLRI field, or MP_REACH_NLRI for IPv4 unicast). */
  readonly announce: (address: number, length: number) => void;
  /** Also read MP_REACH/MP_UNREACH for IPv4 unicast (RFC 4760; default true). TestPeer reads only the body fields. */
  readonly multiprotocol?: boolean;
}

/**
 * Reports the IPv4 unicast prefixes of an UPDATE body (after the header, RFC 4271 §4.3) in wire order, so
 * that the last word about a prefix wins: the Withdrawn Routes field, then MP_REACH/MP_UNREACH in attribute
 * order, then the NLRI field. Assumes no ADD-PATH (RFC 7911): the peers never offer it.
 */
export function walkUpdate(b: Uint8Array, walk: UpdateWalk): void {
  const withdrawnLength = (b[0] << 8) | b[1];
  walkNlri(b, 2, 2 + withdrawnLength, walk.withdraw);
  const attrStart = 4 + withdrawnLength;
  const attrEnd = attrStart + ((b[2 + withdrawnLength] << 8) | b[3 + withdrawnLength]);
  if (walk.multiprotocol ?? true) {
    for (let at = attrStart; at < attrEnd;) {
      // RFC 4271 §4.3: flags, type code, then a 1-octet length, or 2 with the Extended Length bit (0x10).
      const extended = (b[at] & 0x10) !== 0;
      const code = b[at + 1];
      const len = extended ? (b[at + 2] << 8) | b[at + 3] : b[at + 2];
      const v = at + (extended ? 4 : 3);
      const ipv4Unicast = b[v] === 0 && b[v + 1] === 1 && b[v + 2] === 1; // AFI 1, SAFI 1
      // RFC 4760 §3: AFI, SAFI, next-hop length, next hop, reserved octet, NLRI; §4: AFI, SAFI, withdrawn.
      if (code === ATTR_MP_REACH && ipv4Unicast) walkNlri(b, v + 4 + b[v + 3] + 1, v + len, walk.announce);
      else if (code === ATTR_MP_UNREACH && ipv4Unicast) walkNlri(b, v + 3, v + len, walk.withdraw);
      at = v + len;
    }
  }
  walkNlri(b, attrEnd, b.length, walk.announce);
}

/** walkUpdate's prefixes as "a.b.c.d/len" lists (for tests and small tools; the peers use the callbacks). */
export function updatePrefixes(b: Uint8Array): { announced: string[]; withdrawn: string[] } {
  const announced: string[] = [];
  const withdrawn: string[] = [];
  walkUpdate(b, {
    announce: (a, l) => announced.push(prefixString(a, l)),
    withdraw: (a, l) => withdrawn.push(prefixString(a, l)),
  });
  return { announced, withdrawn };
}

/**
 * The conditions a peer's `until` waits on: each is checked on `notify()` (after every chunk received and
 * every close), and, with `pollMs`, on a timer too, for conditions on time that no event marks.
 */
export class Waiters {
  readonly #waiting = new Set<() => void>();

  /** How many `until` calls are still waiting. */
  get size(): number {
    return this.#waiting.size;
  }

  notify(): void {
    for (const check of [...this.#waiting]) check();
  }

  /**
   * Resolves as soon as `ready()` holds (checked at once, then on each notify); rejects after `timeoutMs` with
   * an Error whose message is `failure()`, computed then so that it can say what was seen.
   */
  until(ready: () => boolean, timeoutMs: number, failure: () => string, pollMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#waiting.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (ready()) finish();
      };
      const timer = setTimeout(() => finish(new Error(failure())), timeoutMs);
      const poll = pollMs === undefined ? undefined : setInterval(check, pollMs);
      this.#waiting.add(check);
      check();
    });
  }
}
