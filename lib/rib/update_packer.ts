/**
 * Builds complete UPDATE messages straight from the RIB's compact form: pre-encoded path attributes and NLRI
 * keys in their wire form (lib/rib/nlri_key.ts `wireKey`: AFI, SAFI, "-" or "+" and a 32-bit path id in two
 * UTF-16 units, then the NLRI's wire bytes as latin1), so that no NLRI object is rebuilt on the way to the wire.
 *
 * Layout (RFC 4271 §4.3): withdrawn length, withdrawn routes, attributes length, attributes, NLRI; for other
 * families the path attributes then the MP attribute last (RFC 4760 §3–4; ExaBGP's order). A message here
 * is either withdraws or announces, never both. `packUpdates` does the same from NLRI objects (through their
 * keys), so that there is one layout; the RIB packs keys so that a flush of a million routes builds no object.
 */
import { mpReachHeader, mpUnreachHeader } from "../bgp/attribute/mp.ts";
import { familyAfi, type FamilyKey, familySafi, IPV4_UNICAST } from "../bgp/family.ts";
import { frame, HEADER_SIZE, MARKER } from "../bgp/message/header.ts";
import { encodeRouteRefresh, routeRefresh } from "../bgp/message/route_refresh.ts";
import { isIPv6 } from "../bgp/ip.ts";
import { AttrCode, type CodecContext, MessageType, type Nlri } from "../bgp/types.ts";
import { routeKey, routeLabels, wireKey } from "./nlri_key.ts";

const UPDATE = MessageType.UPDATE;
const PLUS = 43; // "+": the key carries a path id

/** Wire size of the NLRI of `key`, the path id counted when ADD-PATH sends for its family. */
export function keyWireLength(key: string, addPath: boolean): number {
  return key.length - (key.charCodeAt(2) === PLUS ? 5 : 3) + (addPath ? 4 : 0);
}

/** Writes the NLRI of `key` at `off`; returns the offset after it. RFC 7911 §3: no path id is sent as 0. */
export function writeKeyNlri(key: string, addPath: boolean, out: Uint8Array, off: number): number {
  let i = 3;
  const hasPath = key.charCodeAt(2) === PLUS;
  if (hasPath) i = 5;
  if (addPath) {
    const hi = hasPath ? key.charCodeAt(3) : 0, lo = hasPath ? key.charCodeAt(4) : 0;
    out[off++] = hi >>> 8;
    out[off++] = hi & 0xff;
    out[off++] = lo >>> 8;
    out[off++] = lo & 0xff;
  }
  for (; i < key.length; i++) out[off++] = key.charCodeAt(i);
  return off;
}

function writeHeader(out: Uint8Array, type: number): void {
  out.set(MARKER, 0);
  out[16] = out.length >>> 8;
  out[17] = out.length & 0xff;
  out[18] = type;
}

/** How many keys from `start` fit in `room` bytes, at most `limit`; and their total size. */
function fit(
  keys: readonly string[],
  start: number,
  addPath: boolean,
  room: number,
  limit: number,
): [number, number] {
  let n = 0, size = 0;
  while (start + n < keys.length && n < limit) {
    const s = keyWireLength(keys[start + n], addPath);
    if (size + s > room) break;
    size += s;
    n++;
  }
  if (n === 0 && start < keys.length) throw new RangeError("one NLRI does not fit in a BGP message");
  return [n, size];
}

function writeKeys(
  keys: readonly string[],
  start: number,
  n: number,
  addPath: boolean,
  out: Uint8Array,
  off: number,
) {
  for (let i = start; i < start + n; i++) off = writeKeyNlri(keys[i], addPath, out, off);
  return off;
}

/** Options shared by the packers: message limit and how many NLRI one UPDATE may carry (1 = ExaBGP's MP mode). */
export interface PackLimits {
  readonly maxSize: number;
  readonly perMessage: number;
  readonly addPath: boolean;
}

/**
 * Every packer writes the messages for `keys` from index `from`, at most `count` messages, appends them to `out`
 * and returns the index of the first key left (keys.length when done): the caller can interleave other work.
 */
export type Packer<A extends unknown[]> = (
  keys: readonly string[],
  from: number,
  count: number,
  lim: PackLimits,
  out: Uint8Array[],
  ...rest: A
) => number;

/** IPv4 unicast announces in the NLRI field, all with the same encoded attributes. */
export const packIpv4Announce: Packer<[attrs: Uint8Array]> = (keys, from, count, lim, out, attrs) => {
  const fixed = HEADER_SIZE + 4 + attrs.length;
  let i = from;
  for (; i < keys.length && count-- > 0;) {
    const [n, size] = fit(keys, i, lim.addPath, lim.maxSize - fixed, lim.perMessage);
    const msg = new Uint8Array(fixed + size);
    writeHeader(msg, UPDATE);
    // withdrawn length 0 (bytes 19–20 already zero)
    msg[21] = attrs.length >>> 8;
    msg[22] = attrs.length & 0xff;
    msg.set(attrs, 23);
    writeKeys(keys, i, n, lim.addPath, msg, fixed);
    out.push(msg);
    i += n;
  }
  return i;
};

/** IPv4 unicast withdraws in the Withdrawn Routes field. */
export const packIpv4Withdraw: Packer<[]> = (keys, from, count, lim, out) => {
  const fixed = HEADER_SIZE + 4;
  let i = from;
  for (; i < keys.length && count-- > 0;) {
    const [n, size] = fit(keys, i, lim.addPath, lim.maxSize - fixed, lim.perMessage);
    const msg = new Uint8Array(fixed + size);
    writeHeader(msg, UPDATE);
    msg[19] = size >>> 8;
    msg[20] = size & 0xff;
    writeKeys(keys, i, n, lim.addPath, msg, HEADER_SIZE + 2);
    out.push(msg);
    i += n;
  }
  return i;
};

/** Writes an MP attribute's flags, code and length (extended length only above 255, RFC 4271 §4.3). */
function mpAttributeHeader(msg: Uint8Array, off: number, code: number, valueLength: number): number {
  if (valueLength > 255) {
    msg[off] = 0x90;
    msg[off + 1] = code;
    msg[off + 2] = valueLength >>> 8;
    msg[off + 3] = valueLength & 0xff;
    return off + 4;
  }
  msg[off] = 0x80;
  msg[off + 1] = code;
  msg[off + 2] = valueLength;
  return off + 3;
}

/**
 * MP_REACH_NLRI (code 14, RFC 4760 §3) or MP_UNREACH_NLRI (code 15, §4) messages: the path attributes, then the
 * MP attribute whose value is `header` (mpReachHeader / mpUnreachHeader) followed by the NLRI.
 */
export const packMp: Packer<[code: number, attrs: Uint8Array, header: Uint8Array]> = (
  keys,
  from,
  count,
  lim,
  out,
  code,
  attrs,
  header,
) => {
  const fixed = HEADER_SIZE + 4 + attrs.length + 4 + header.length; // room computed with an extended header
  let i = from;
  for (; i < keys.length && count-- > 0;) {
    const [n, size] = fit(keys, i, lim.addPath, lim.maxSize - fixed, lim.perMessage);
    const value = header.length + size;
    const attrLength = attrs.length + (value > 255 ? 4 : 3) + value;
    const msg = new Uint8Array(HEADER_SIZE + 4 + attrLength);
    writeHeader(msg, UPDATE);
    msg[21] = attrLength >>> 8;
    msg[22] = attrLength & 0xff;
    msg.set(attrs, 23);
    const off = mpAttributeHeader(msg, 23 + attrs.length, code, value);
    msg.set(header, off);
    writeKeys(keys, i, n, lim.addPath, msg, off + header.length);
    out.push(msg);
    i += n;
  }
  return i;
};

export interface PackRequest {
  readonly family: FamilyKey;
  /** From encodePathAttributes: carried by announces, and by withdraws of non-unicast/multicast MP families. */
  readonly attributes: Uint8Array;
  /** Next hop(s) for MP_REACH_NLRI (ignored for IPv4 unicast with an IPv4 next hop: NEXT_HOP is an attribute). */
  readonly nextHops: readonly string[];
  readonly announce: readonly Nlri[];
  readonly withdraw: readonly Nlri[];
  readonly ctx: CodecContext;
}

/** The wire keys of NLRI objects: labeled ones with their own label stack. */
function keysOf(nlri: readonly Nlri[]): string[] {
  return nlri.map((n) => wireKey(routeKey(n), routeLabels(n) ?? ""));
}

/**
 * Complete UPDATE messages (header included) for one family and one attribute set (every NLRI of `announce`
 * and `withdraw` must be of `family`): withdraws first, then announces, as many NLRI per message as fit
 * `ctx.maxMessageSize`. IPv4 unicast with an IPv6 next hop (RFC 8950) goes in MP_REACH_NLRI like the other
 * families; unicast and multicast MP withdraws go bare (RFC 4760 §4), ExaBGP keeps the attributes for others.
 */
export function packUpdates(p: PackRequest): Uint8Array[] {
  const out: Uint8Array[] = [];
  const lim: PackLimits = {
    maxSize: p.ctx.maxMessageSize,
    perMessage: Infinity,
    addPath: p.ctx.addPath.has(p.family),
  };
  const all = (keys: string[], pack: (keys: string[], from: number) => number) => {
    for (let i = 0; i < keys.length;) i = pack(keys, i);
  };
  const ipv4 = p.family === IPV4_UNICAST;
  const withdraw = keysOf(p.withdraw);
  if (ipv4) all(withdraw, (k, i) => packIpv4Withdraw(k, i, Infinity, lim, out));
  else {
    const safi = familySafi(p.family);
    const attrs = safi === 1 || safi === 2 ? new Uint8Array(0) : p.attributes;
    const header = mpUnreachHeader(p.family);
    all(withdraw, (k, i) => packMp(k, i, Infinity, lim, out, AttrCode.MP_UNREACH_NLRI, attrs, header));
  }
  const announce = keysOf(p.announce);
  if (ipv4 && !(p.nextHops.length > 0 && isIPv6(p.nextHops[0]))) {
    all(announce, (k, i) => packIpv4Announce(k, i, Infinity, lim, out, p.attributes));
  } else if (announce.length > 0) {
    const header = mpReachHeader(p.family, p.nextHops);
    all(announce, (k, i) => packMp(k, i, Infinity, lim, out, AttrCode.MP_REACH_NLRI, p.attributes, header));
  }
  return out;
}

/** ROUTE-REFRESH (RFC 2918 §3) with the RFC 7313 §3.2 subtype: 0 request, 1 BoRR, 2 EoRR. */
export function refreshMessage(family: FamilyKey, subtype: number): Uint8Array {
  const body = encodeRouteRefresh(routeRefresh(familyAfi(family), familySafi(family), subtype));
  return frame(MessageType.ROUTE_REFRESH, body);
}
