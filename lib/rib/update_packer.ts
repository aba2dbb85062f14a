/**
 * Builds complete UPDATE messages straight from the RIB's compact form: pre-encoded path attributes and NLRI
 * keys (`nlriKey` of lib/bgp/nlri/codec.ts: AFI, SAFI, "-" or "+" and a 32-bit path id in two UTF-16 units,
 * then the NLRI's wire bytes as latin1), so that no NLRI object is rebuilt on the way to the wire.
 *
 * Layout (RFC 4271 §4.3): withdrawn length, withdrawn routes, attributes length, attributes, NLRI; for other
 * families MP_UNREACH_NLRI first and MP_REACH_NLRI last (RFC 4760 §3–4; ExaBGP's order).
 */
import { familyAfi, type FamilyKey, familySafi } from "../bgp/family.ts";
import { HEADER_SIZE, MARKER } from "../bgp/message/header.ts";

const UPDATE = 2;
const ROUTE_REFRESH = 5;
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

function header(out: Uint8Array, type: number): void {
  out.set(MARKER, 0);
  out[16] = out.length >>> 8;
  out[17] = out.length & 0xff;
  out[18] = type;
}

/** How many keys from `start` fit in `room` bytes, at most `limit`; and their total size. */
function fit(keys: readonly string[], start: number, addPath: boolean, room: number, limit: number): [number, number] {
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

function writeKeys(keys: readonly string[], start: number, n: number, addPath: boolean, out: Uint8Array, off: number) {
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
    header(msg, UPDATE);
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
    header(msg, UPDATE);
    msg[19] = size >>> 8;
    msg[20] = size & 0xff;
    writeKeys(keys, i, n, lim.addPath, msg, HEADER_SIZE + 2);
    out.push(msg);
    i += n;
  }
  return i;
};

/** Writes an MP attribute header (flags, code, length; extended length only above 255, RFC 4271 §4.3). */
function mpHeader(msg: Uint8Array, off: number, code: number, valueLength: number): number {
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
 * MP_REACH_NLRI announces (RFC 4760 §3), the path attributes first, MP_REACH last; `nextHop` may be empty
 * (FlowSpec).
 */
export const packMpAnnounce: Packer<[family: FamilyKey, attrs: Uint8Array, nextHop: Uint8Array]> = (
  keys,
  from,
  count,
  lim,
  out,
  family,
  attrs,
  nextHop,
) => {
  const mpFixed = 5 + nextHop.length; // afi, safi, next-hop length, next hop, reserved
  const fixed = HEADER_SIZE + 4 + attrs.length + 4 + mpFixed; // room computed with an extended header
  let i = from;
  for (; i < keys.length && count-- > 0;) {
    const [n, size] = fit(keys, i, lim.addPath, lim.maxSize - fixed, lim.perMessage);
    const value = mpFixed + size;
    const attrLength = attrs.length + (value > 255 ? 4 : 3) + value;
    const msg = new Uint8Array(HEADER_SIZE + 4 + attrLength);
    header(msg, UPDATE);
    msg[21] = attrLength >>> 8;
    msg[22] = attrLength & 0xff;
    msg.set(attrs, 23);
    let off = mpHeader(msg, 23 + attrs.length, 14, value);
    msg[off++] = familyAfi(family) >>> 8;
    msg[off++] = familyAfi(family) & 0xff;
    msg[off++] = familySafi(family);
    msg[off++] = nextHop.length;
    msg.set(nextHop, off);
    off += nextHop.length + 1; // reserved octet (RFC 4760 §3) stays 0
    writeKeys(keys, i, n, lim.addPath, msg, off);
    out.push(msg);
    i += n;
  }
  return i;
};

/** MP_UNREACH_NLRI withdraws (RFC 4760 §4): no other attribute. */
export const packMpWithdraw: Packer<[family: FamilyKey]> = (keys, from, count, lim, out, family) => {
  const fixed = HEADER_SIZE + 4 + 4 + 3;
  let i = from;
  for (; i < keys.length && count-- > 0;) {
    const [n, size] = fit(keys, i, lim.addPath, lim.maxSize - fixed, lim.perMessage);
    const value = 3 + size;
    const attrLength = (value > 255 ? 4 : 3) + value;
    const msg = new Uint8Array(HEADER_SIZE + 4 + attrLength);
    header(msg, UPDATE);
    msg[21] = attrLength >>> 8;
    msg[22] = attrLength & 0xff;
    let off = mpHeader(msg, 23, 15, value);
    msg[off++] = familyAfi(family) >>> 8;
    msg[off++] = familyAfi(family) & 0xff;
    msg[off++] = familySafi(family);
    writeKeys(keys, i, n, lim.addPath, msg, off);
    out.push(msg);
    i += n;
  }
  return i;
};

/**
 * End-of-RIB (RFC 4724 §2): the empty UPDATE for IPv4 unicast, else an empty MP_UNREACH_NLRI, which ExaBGP
 * always writes with the extended-length flag (`90 0F 0003 <afi> <safi>`).
 */
export function endOfRib(family: FamilyKey): Uint8Array {
  if (family === 0x0101) {
    const msg = new Uint8Array(HEADER_SIZE + 4);
    header(msg, UPDATE);
    return msg;
  }
  const msg = new Uint8Array(HEADER_SIZE + 4 + 7);
  header(msg, UPDATE);
  msg.set([0, 7, 0x90, 15, 0, 3, familyAfi(family) >>> 8, familyAfi(family) & 0xff, familySafi(family)], 21);
  return msg;
}

/** ROUTE-REFRESH (RFC 2918 §3) with the RFC 7313 §3.2 subtype: 0 request, 1 BoRR, 2 EoRR. */
export function routeRefresh(family: FamilyKey, subtype: number): Uint8Array {
  const msg = new Uint8Array(HEADER_SIZE + 4);
  header(msg, ROUTE_REFRESH);
  msg.set([familyAfi(family) >>> 8, familyAfi(family) & 0xff, subtype, familySafi(family)], HEADER_SIZE);
  return msg;
}
