/**
 * The few BGP wire facts the test peer needs: framing, the messages it sends, the OPEN it echoes, and the
 * End-of-RIB shapes it tolerates. Kept separate from lib/bgp so that the peer judges the speaker's bytes
 * with code the speaker does not share.
 */

export const HEADER_LENGTH = 19; // RFC 4271 §4.1

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

const TYPE_NAMES: Record<number, string> = {
  1: "OPEN",
  2: "UPDATE",
  3: "NOTIFICATION",
  4: "KEEPALIVE",
  5: "ROUTE-REFRESH",
};

export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE-${type}`;
}

/** A complete message (header included) with its type and body. */
export function message(type: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const length = HEADER_LENGTH + body.length;
  const out = new Uint8Array(length);
  out.fill(0xff, 0, 16);
  out[16] = length >> 8;
  out[17] = length & 0xff;
  out[18] = type;
  out.set(body, HEADER_LENGTH);
  return out;
}

export const KEEPALIVE = message(MessageType.KEEPALIVE);

/** A message of type 255, which no BGP implementation knows (option:open:send-unknown-message). */
export const UNKNOWN_MESSAGE = message(255);

/**
 * `0.0.0.0/32 next-hop 127.0.0.1` (option:update:send-default-route): ORIGIN IGP, empty AS_PATH,
 * NEXT_HOP 127.0.0.1, LOCAL_PREF 100 (RFC 4271 §4.3 and §5.1), then the NLRI 0.0.0.0/32.
 */
export const DEFAULT_ROUTE = message(
  MessageType.UPDATE,
  Uint8Array.from([
    0x00,
    0x00, // withdrawn routes length
    0x00,
    0x15, // path attributes length (21)
    0x40,
    0x01,
    0x01,
    0x00, // ORIGIN IGP
    0x40,
    0x02,
    0x00, // AS_PATH, empty
    0x40,
    0x03,
    0x04,
    127,
    0,
    0,
    1, // NEXT_HOP
    0x40,
    0x05,
    0x04,
    0x00,
    0x00,
    0x00,
    0x64, // LOCAL_PREF 100
    0x20,
    0x00,
    0x00,
    0x00,
    0x00, // 0.0.0.0/32
  ]),
);

/**
 * NOTIFICATION Cease / Administrative Shutdown (RFC 4486 §4, subcode 2) carrying the RFC 9003 §2
 * Shutdown Communication: one length octet, then at most 255 octets of UTF-8.
 */
export function shutdownNotification(text: string): Uint8Array {
  let utf8 = new TextEncoder().encode(text);
  if (utf8.length > 255) utf8 = utf8.subarray(0, 255);
  const body = new Uint8Array(3 + utf8.length);
  body[0] = 6; // Cease
  body[1] = 2; // Administrative Shutdown
  body[2] = utf8.length;
  body.set(utf8, 3);
  return message(MessageType.NOTIFICATION, body);
}

/** Capability code 66 is unassigned by IANA: the speaker must ignore it (RFC 5492 §5). */
const UNKNOWN_CAPABILITY = Uint8Array.from([66, 10, ...new TextEncoder().encode("loremipsum")]);

export interface EchoOptions {
  /** Answer as this AS (option:asn); patches My AS and the 4-octet AS capability (RFC 6793 §3). */
  readonly asn?: number;
  /** Append capability 66 in its own optional parameter (option:open:send-unknown-capability). */
  readonly unknownCapability?: boolean;
}

const AS_TRANS = 23456; // RFC 6793 §9

/**
 * The peer's answer to the speaker's OPEN: the same OPEN with the BGP Identifier's last octet + 1, so every
 * capability the speaker offers is negotiated. RFC 4271 §4.2 layout: version(1) My AS(2) Hold Time(2)
 * BGP Identifier(4) Opt Parm Len(1) Optional Parameters.
 */
export function echoOpen(open: Uint8Array, options: EchoOptions = {}): Uint8Array {
  let out = open.slice();
  const body = HEADER_LENGTH;
  out[body + 8] = (out[body + 8] + 1) & 0xff;
  if (options.asn !== undefined) {
    const asn = options.asn;
    const as2 = asn > 0xffff ? AS_TRANS : asn;
    out[body + 1] = as2 >> 8;
    out[body + 2] = as2 & 0xff;
    for (const offset of capabilityOffsets(out, 65)) {
      new DataView(out.buffer, out.byteOffset).setUint32(offset + 2, asn >>> 0);
    }
  }
  if (options.unknownCapability) {
    const param = new Uint8Array(2 + UNKNOWN_CAPABILITY.length);
    param[0] = 2; // Capabilities optional parameter (RFC 5492 §4)
    param[1] = UNKNOWN_CAPABILITY.length;
    param.set(UNKNOWN_CAPABILITY, 2);
    const grown = new Uint8Array(out.length + param.length);
    grown.set(out);
    grown.set(param, out.length);
    grown[16] = grown.length >> 8;
    grown[17] = grown.length & 0xff;
    grown[body + 9] += param.length;
    out = grown;
  }
  return out;
}

/** Offsets (in the message) of every capability with this code, across all Capabilities parameters. */
export function capabilityOffsets(open: Uint8Array, code: number): number[] {
  const found: number[] = [];
  const start = HEADER_LENGTH + 10;
  const end = Math.min(open.length, start + open[HEADER_LENGTH + 9]);
  for (let p = start; p + 2 <= end; p += 2 + open[p + 1]) {
    if (open[p] !== 2) continue;
    const paramEnd = Math.min(end, p + 2 + open[p + 1]);
    for (let c = p + 2; c + 2 <= paramEnd; c += 2 + open[c + 1]) {
      if (open[c] === code) found.push(c);
    }
  }
  return found;
}

const IPV4_EOR = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702" + "00000000";
const MP_EOR_PREFIX = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E02" + "00000007900F0003";

/**
 * End-of-RIB (RFC 4724 §2): the empty IPv4 UPDATE, or an UPDATE holding only an empty MP_UNREACH_NLRI
 * for one AFI/SAFI (`90 0F 0003 <afi> <safi>`).
 */
export function isEndOfRib(hex: string): boolean {
  return hex === IPV4_EOR || (hex.length === MP_EOR_PREFIX.length + 6 && hex.startsWith(MP_EOR_PREFIX));
}

/** ROUTE-REFRESH subtype 0 is a request; 1 and 2 are BoRR/EoRR markers (RFC 7313 §3.2). */
export function isRouteRefreshRequest(msg: Uint8Array): boolean {
  return msg[18] === MessageType.ROUTE_REFRESH && msg.length >= HEADER_LENGTH + 4 &&
    msg[HEADER_LENGTH + 2] === 0;
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX_DIGITS[bytes[i]];
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[:\s]/g, "");
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `marker:length:type:body`, the way the suite's files write messages, for reports. */
export function formatHex(hex: string): string {
  if (hex.length < HEADER_LENGTH * 2) return hex;
  return `${hex.slice(0, 32)}:${hex.slice(32, 36)}:${hex.slice(36, 38)}:${hex.slice(38)}`;
}

/** Type name of a message given as hex (header included). */
export function hexTypeName(hex: string): string {
  return hex.length >= 38 ? typeName(parseInt(hex.slice(36, 38), 16)) : "?";
}

/** The type name, with code/subcode and text for a NOTIFICATION: `NOTIFICATION 6/4 "Administrative Reset"`. */
export function summarize(msg: Uint8Array): string {
  const name = typeName(msg[18]);
  return msg[18] === MessageType.NOTIFICATION ? `${name} ${describeNotification(msg)}` : name;
}

/**
 * A NOTIFICATION's code/subcode and, when its data is printable text (RFC 9003 shutdown communication or
 * ExaBGP's own messages), that text: what a person needs to read a failure report.
 */
export function describeNotification(msg: Uint8Array): string {
  if (msg.length < HEADER_LENGTH + 2) return "truncated";
  const [code, subcode] = [msg[HEADER_LENGTH], msg[HEADER_LENGTH + 1]];
  let data = msg.subarray(HEADER_LENGTH + 2);
  if (code === 6 && (subcode === 2 || subcode === 4) && data.length > 0 && data[0] === data.length - 1) {
    data = data.subarray(1); // RFC 9003 §2: a length octet precedes the text
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(data);
  const printable = data.length > 0 && /^[\x20-\x7e]*$/.test(text);
  return `${code}/${subcode}${printable ? ` ${JSON.stringify(text)}` : ""}`;
}

/**
 * Incremental framing: feed chunks, get whole messages. One buffer per connection; a partial header stays
 * buffered until the rest arrives.
 */
export class Framer {
  private buf: Uint8Array = new Uint8Array(0);

  /** Returns the complete messages now available, or throws on a header that cannot be framed. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.buf.length === 0) {
      this.buf = chunk;
    } else {
      const joined = new Uint8Array(this.buf.length + chunk.length);
      joined.set(this.buf);
      joined.set(chunk, this.buf.length);
      this.buf = joined;
    }
    const out: Uint8Array[] = [];
    let at = 0;
    while (this.buf.length - at >= HEADER_LENGTH) {
      for (let i = 0; i < 16; i++) {
        if (this.buf[at + i] !== 0xff) throw new Error("bad marker (RFC 4271 §4.1: sixteen 0xFF octets)");
      }
      const length = (this.buf[at + 16] << 8) | this.buf[at + 17];
      if (length < HEADER_LENGTH) throw new Error(`bad message length ${length}`);
      if (this.buf.length - at < length) break;
      out.push(this.buf.slice(at, at + length));
      at += length;
    }
    this.buf = this.buf.slice(at);
    return out;
  }
}
