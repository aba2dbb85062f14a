/**
 * Text forms of communities as ExaBGP writes them (configuration and API), to wire values:
 * standard communities (RFC 1997) as u32, large communities (RFC 8092) as triples, and extended
 * communities (RFC 4360, RFC 5668, RFC 7153, RFC 8955, RFC 4761 l2info) as their 8 raw octets.
 * Each parser returns undefined on text it does not recognise; the caller words the error.
 */
import { ipToBytes, isIPv4 } from "../bgp/ip.ts";

/** RFC 1997 / RFC 7999 / RFC 3765 well-known communities, by ExaBGP's names. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  "graceful-shutdown": 0xffff0000, // RFC 8326
  "accept-own": 0xffff0001, // RFC 7611
  "llgr-stale": 0xffff0006,
  "no-llgr": 0xffff0007,
  blackhole: 0xffff029a, // RFC 7999
  "no-export": 0xffffff01,
  "no-advertise": 0xffffff02,
  "no-export-subconfed": 0xffffff03,
  nopeer: 0xffffff04, // RFC 3765
};

const U16 = 0xffff;
const U32 = 0xffffffff;

/** A decimal integer in 0..max, or undefined. */
export function parseUint(text: string, max = U32): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const v = Number(text);
  return v <= max ? v : undefined;
}

/** Decimal or 0x-hex integer in 0..max. */
export function parseUintOrHex(text: string, max = U32): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) {
    const v = parseInt(text.slice(2), 16);
    return v <= max ? v : undefined;
  }
  return parseUint(text, max);
}

/** "65000:100", "4294967295", "0xFFFFFF01", "no-export" → u32. */
export function parseCommunity(text: string): number | undefined {
  const known = WELL_KNOWN_COMMUNITIES[text.toLowerCase()];
  if (known !== undefined) return known;
  const colon = text.indexOf(":");
  if (colon < 0) return parseUintOrHex(text);
  const hi = parseUint(text.slice(0, colon), U16);
  const lo = parseUint(text.slice(colon + 1), U16);
  if (hi === undefined || lo === undefined) return undefined;
  return ((hi << 16) | lo) >>> 0;
}

/** "2914:0:666" → [2914, 0, 666] (RFC 8092: three u32). */
export function parseLargeCommunity(text: string): [number, number, number] | undefined {
  const parts = text.split(":");
  if (parts.length !== 3) return undefined;
  const v = parts.map((p) => parseUint(p));
  if (v.some((x) => x === undefined)) return undefined;
  return v as [number, number, number];
}

// ---------------------------------------------------------------------------------------------------------
// Extended communities

/** An AS number written with ExaBGP's optional "L" suffix (forces the 4-octet form), or asdot. */
function parseAsn(text: string): { asn: number; long: boolean } | undefined {
  const long = text.endsWith("L") || text.endsWith("l");
  const body = long ? text.slice(0, -1) : text;
  const dot = /^(\d+)\.(\d+)$/.exec(body);
  if (dot) {
    const hi = Number(dot[1]), lo = Number(dot[2]);
    return hi <= U16 && lo <= U16 ? { asn: hi * 65536 + lo, long: true } : undefined;
  }
  const asn = parseUint(body);
  return asn === undefined ? undefined : { asn, long: long || asn > U16 };
}

function bytes8(type: number, subtype: number, fill: (v: DataView) => void): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  out[0] = type;
  out[1] = subtype;
  fill(v);
  return out;
}

/**
 * Route target (subtype 2) / route origin (subtype 3), RFC 4360 §4 and RFC 5668.
 * Type octets follow what ExaBGP 5.0 puts on the wire (pinned by conformance test conf-extended-attributes):
 * ASN2:N → 0x00, IP:N → 0x01, ASN:IP → 0x00 (ASN2 + 4 octets), and the 4-octet AS form ASN4:N → 0x01 too,
 * where RFC 5668 would use 0x02; tsbgp matches the bytes ExaBGP peers have always received.
 */
function targetOrOrigin(subtype: number, a: string, b: string, force4: boolean): Uint8Array | undefined {
  if (isIPv4(a)) {
    const n = parseUint(b, U16);
    if (n === undefined) return undefined;
    const ip = ipToBytes(a);
    return bytes8(0x01, subtype, (v) => {
      for (let i = 0; i < 4; i++) v.setUint8(2 + i, ip[i]);
      v.setUint16(6, n);
    });
  }
  const asn = parseAsn(a);
  if (!asn) return undefined;
  if (isIPv4(b)) {
    if (asn.asn > U16) return undefined;
    const ip = ipToBytes(b);
    return bytes8(0x00, subtype, (v) => {
      v.setUint16(2, asn.asn);
      for (let i = 0; i < 4; i++) v.setUint8(4 + i, ip[i]);
    });
  }
  if (asn.long || force4) {
    const n = parseUint(b.replace(/L$/i, ""), U16);
    if (n === undefined) return undefined;
    return bytes8(0x01, subtype, (v) => {
      v.setUint32(2, asn.asn);
      v.setUint16(6, n);
    });
  }
  const n = parseUint(b.replace(/L$/i, ""));
  if (n === undefined) return undefined;
  return bytes8(0x00, subtype, (v) => {
    v.setUint16(2, asn.asn);
    v.setUint32(4, n);
  });
}

/** Flowspec redirect (RFC 8955 §7.4; RFC 7674 for the IPv4 and 4-octet AS forms). */
function redirect(a: string, b: string): Uint8Array | undefined {
  if (isIPv4(a)) {
    const n = parseUint(b, U16);
    if (n === undefined) return undefined;
    const ip = ipToBytes(a);
    return bytes8(0x81, 0x08, (v) => {
      for (let i = 0; i < 4; i++) v.setUint8(2 + i, ip[i]);
      v.setUint16(6, n);
    });
  }
  const asn = parseAsn(a);
  if (!asn) return undefined;
  if (asn.long) {
    const n = parseUint(b, U16);
    if (n === undefined) return undefined;
    return bytes8(0x82, 0x08, (v) => {
      v.setUint32(2, asn.asn);
      v.setUint16(6, n);
    });
  }
  const n = parseUint(b);
  if (n === undefined) return undefined;
  return bytes8(0x80, 0x08, (v) => {
    v.setUint16(2, asn.asn);
    v.setUint32(4, n);
  });
}

type ExtParser = (args: string[]) => Uint8Array | undefined;

/** One handler per prefix keyword; the argument list is what follows the first ':'. */
const EXTENDED: Record<string, ExtParser> = {
  target: (a) => (a.length === 2 ? targetOrOrigin(0x02, a[0], a[1], false) : undefined),
  origin: (a) => (a.length === 2 ? targetOrOrigin(0x03, a[0], a[1], false) : undefined),
  target4: (a) => (a.length === 2 ? targetOrOrigin(0x02, a[0], a[1], true) : undefined),
  origin4: (a) => (a.length === 2 ? targetOrOrigin(0x03, a[0], a[1], true) : undefined),
  redirect: (a) => (a.length === 2 ? redirect(a[0], a[1]) : undefined),
  // RFC 4761 §3.2.4 Layer2 Info: encapsulation type, control flags, MTU, (ExaBGP) site preference.
  l2info: (a) => {
    if (a.length !== 4) return undefined;
    const [enc, ctrl, mtu, pref] = [
      parseUint(a[0], 0xff),
      parseUint(a[1], 0xff),
      parseUint(a[2], U16),
      parseUint(a[3], U16),
    ];
    if (enc === undefined || ctrl === undefined || mtu === undefined || pref === undefined) return undefined;
    return bytes8(0x80, 0x0a, (v) => {
      v.setUint8(2, enc);
      v.setUint8(3, ctrl);
      v.setUint16(4, mtu);
      v.setUint16(6, pref);
    });
  },
  // draft-ietf-idr-link-bandwidth: non-transitive two-octet AS, IEEE float bytes/s.
  bandwidth: (a) => {
    if (a.length !== 2) return undefined;
    const asn = parseUint(a[0], U16);
    const bw = Number(a[1]);
    if (asn === undefined || !Number.isFinite(bw) || bw < 0) return undefined;
    return bytes8(0x40, 0x04, (v) => {
      v.setUint16(2, asn);
      v.setFloat32(4, bw);
    });
  },
  // draft-mpmz-bess-mup-safi: type 0x0c subtype 0x00, two-octet AS + 4 octets.
  mup: (a) => {
    if (a.length !== 2) return undefined;
    const asn = parseUint(a[0], U16), n = parseUint(a[1]);
    if (asn === undefined || n === undefined) return undefined;
    return bytes8(0x0c, 0x00, (v) => {
      v.setUint16(2, asn);
      v.setUint32(4, n);
    });
  },
};

/** Keyword-only extended communities. */
const EXTENDED_WORDS: Record<string, () => Uint8Array> = {
  // draft-simpson-idr-flowspec-redirect: type 0x08 subtype 0x00, all zero.
  "redirect-to-nexthop": () => bytes8(0x08, 0x00, () => {}),
};

/** An extended community from its ExaBGP text form → 8 octets. A bare "A:N" is a route target. */
export function parseExtendedCommunity(text: string): Uint8Array | undefined {
  if (/^0x[0-9a-f]{16}$/i.test(text)) {
    const out = new Uint8Array(8);
    for (let i = 0; i < 8; i++) out[i] = parseInt(text.slice(2 + i * 2, 4 + i * 2), 16);
    return out;
  }
  const word = EXTENDED_WORDS[text.toLowerCase()];
  if (word) return word();
  const parts = text.split(":");
  if (parts.length < 2) return undefined;
  const handler = EXTENDED[parts[0].toLowerCase()];
  if (handler) return handler(parts.slice(1));
  return parts.length === 2 ? EXTENDED.target(parts) : undefined;
}
