/**
 * UPDATE messages as ExaBGP lays them out, for the RIB: the route's path attributes sorted by type code,
 * then MP_UNREACH_NLRI, then MP_REACH_NLRI last (ExaBGP's `attr + mp_unreach + mp_reach`); IPv4 unicast in
 * the UPDATE's own Withdrawn Routes / NLRI fields (RFC 4271 §4.3), other families in the MP attributes
 * (RFC 4760). As many NLRI per message as fit the negotiated size (RFC 4271 §4: 4096; RFC 8654: 65535).
 * Which routes share a message is the RIB's decision; this module only packs what it is given.
 */
import { as4PathFor, needsAs4Path } from "../attribute/as_path.ts";
import { encodeAttribute } from "../attribute/codec.ts";
import { concatBytes } from "../bytes.ts";
import { mpReachHeader, mpUnreachHeader } from "../attribute/mp.ts";
import { type FamilyKey, familySafi, IPV4_UNICAST } from "../family.ts";
import { isIPv6 } from "../ip.ts";
import { type NlriCodec, nlriCodec } from "../nlri/codec.ts";
import type { Attribute, CodecContext, Nlri } from "../types.ts";
import { AttrCode, AttrFlag, MessageType } from "../types.ts";
import { HEADER_SIZE, MARKER } from "./header.ts";

/**
 * RFC 6793 §4.2.2: towards a 2-octet peer, a path or aggregator with 4-octet ASNs also travels as
 * AS4_PATH / AS4_AGGREGATOR (the AS_PATH/AGGREGATOR codecs write AS_TRANS in their place).
 */
function withAs4Attributes(attrs: Attribute[]): Attribute[] {
  const has = (kind: Attribute["kind"]) => attrs.some((a) => a.kind === kind);
  const out = attrs.slice();
  for (const a of attrs) {
    if (a.kind === "as-path" && needsAs4Path(a.segments) && !has("as4-path")) {
      out.push(as4PathFor(a.segments));
    }
    if (a.kind === "aggregator" && a.asn > 0xffff && !has("as4-aggregator")) {
      out.push({ code: 18, kind: "as4-aggregator", asn: a.asn, address: a.address });
    }
  }
  return out;
}

/** The path attributes of a route, sorted by type code, MP_REACH/MP_UNREACH left out (packUpdates adds them). */
export function encodePathAttributes(attrs: readonly Attribute[], ctx: CodecContext): Uint8Array {
  let list: Attribute[] = attrs.filter((a) => a.kind !== "mp-reach" && a.kind !== "mp-unreach");
  if (!ctx.asn4) list = withAs4Attributes(list);
  list.sort((a, b) => a.code - b.code); // stable: equal codes keep their order
  return concatBytes(list.map((a) => encodeAttribute(a, ctx)));
}

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

/** The 2 octets of the Withdrawn Routes Length and of the Total Path Attribute Length. */
const UPDATE_FIXED = HEADER_SIZE + 4;

function attrHeaderSize(valueLength: number): number {
  return valueLength > 255 ? 4 : 3;
}

/** The NLRI codec of the request's family, resolved once per request (not per NLRI). */
interface Writer {
  readonly codec: NlriCodec;
  readonly addPath: boolean;
}

function writerFor(p: PackRequest): Writer {
  return { codec: nlriCodec(p.family), addPath: p.ctx.addPath.has(p.family) };
}

interface Run {
  readonly start: number;
  readonly end: number;
  readonly bytes: number;
}

/**
 * Splits `nlri` greedily into runs (index ranges) whose message size, `size(bytes of the run's NLRI)`,
 * stays within `max`. Throws when one NLRI alone does not fit.
 */
function runs(nlri: readonly Nlri[], w: Writer, max: number, size: (bytes: number) => number): Run[] {
  const out: Run[] = [];
  let start = 0, bytes = 0;
  for (let k = 0; k < nlri.length; k++) {
    const len = w.codec.wireLength(nlri[k], w.addPath);
    if (size(bytes + len) > max) {
      if (k === start || size(len) > max) {
        throw new RangeError(`an NLRI of ${len} bytes does not fit a ${max}-byte UPDATE`);
      }
      out.push({ start, end: k, bytes });
      start = k;
      bytes = 0;
    }
    bytes += len;
  }
  if (nlri.length > start) out.push({ start, end: nlri.length, bytes });
  return out;
}

/** A message buffer with marker, length and type written; the body starts at HEADER_SIZE. */
function newMessage(length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(MARKER);
  out[16] = length >>> 8;
  out[17] = length & 0xff;
  out[18] = MessageType.UPDATE;
  return out;
}

function writeU16(out: Uint8Array, i: number, v: number): number {
  out[i] = v >>> 8;
  out[i + 1] = v & 0xff;
  return i + 2;
}

function writeRun(nlri: readonly Nlri[], run: Run, w: Writer, out: Uint8Array, i: number): number {
  for (let k = run.start; k < run.end; k++) i = w.codec.write(nlri[k], w.addPath, out, i);
  return i;
}

/** IPv4 unicast withdraws: the Withdrawn Routes field, no attributes. */
function packIpv4Withdraws(p: PackRequest, w: Writer, out: Uint8Array[]): void {
  for (const r of runs(p.withdraw, w, p.ctx.maxMessageSize, (b) => UPDATE_FIXED + b)) {
    const m = newMessage(UPDATE_FIXED + r.bytes);
    const end = writeRun(p.withdraw, r, w, m, writeU16(m, HEADER_SIZE, r.bytes));
    writeU16(m, end, 0);
    out.push(m);
  }
}

/** IPv4 unicast announces: the attributes (NEXT_HOP among them), then the NLRI field. */
function packIpv4Announces(p: PackRequest, w: Writer, out: Uint8Array[]): void {
  const fixed = UPDATE_FIXED + p.attributes.length;
  for (const r of runs(p.announce, w, p.ctx.maxMessageSize, (b) => fixed + b)) {
    const m = newMessage(fixed + r.bytes);
    let i = writeU16(m, HEADER_SIZE, 0);
    i = writeU16(m, i, p.attributes.length);
    m.set(p.attributes, i);
    writeRun(p.announce, r, w, m, i + p.attributes.length);
    out.push(m);
  }
}

/** One message: [attributes] + an MP attribute whose value is `mpHeader` followed by the NLRI run. */
function mpMessage(
  attributes: Uint8Array,
  code: number,
  mpHeader: Uint8Array,
  nlri: readonly Nlri[],
  run: Run,
  w: Writer,
): Uint8Array {
  const valueLength = mpHeader.length + run.bytes;
  const extended = valueLength > 255;
  const attrLength = attributes.length + attrHeaderSize(valueLength) + valueLength;
  const m = newMessage(UPDATE_FIXED + attrLength);
  let i = writeU16(m, HEADER_SIZE, 0);
  i = writeU16(m, i, attrLength);
  m.set(attributes, i);
  i += attributes.length;
  m[i++] = extended ? AttrFlag.OPTIONAL | AttrFlag.EXTENDED : AttrFlag.OPTIONAL;
  m[i++] = code;
  if (extended) i = writeU16(m, i, valueLength);
  else m[i++] = valueLength;
  m.set(mpHeader, i);
  writeRun(nlri, run, w, m, i + mpHeader.length);
  return m;
}

/** Unicast and multicast MP withdraws go bare (RFC 4760 §4); ExaBGP keeps the attributes for the others. */
function withdrawAttributes(p: PackRequest): Uint8Array {
  const safi = familySafi(p.family);
  return safi === 1 || safi === 2 ? new Uint8Array(0) : p.attributes;
}

function mpSize(attributes: Uint8Array, header: Uint8Array): (bytes: number) => number {
  return (b) => UPDATE_FIXED + attributes.length + attrHeaderSize(header.length + b) + header.length + b;
}

function packMpWithdraws(p: PackRequest, w: Writer, out: Uint8Array[]): void {
  const attributes = withdrawAttributes(p), header = mpUnreachHeader(p.family);
  for (const r of runs(p.withdraw, w, p.ctx.maxMessageSize, mpSize(attributes, header))) {
    out.push(mpMessage(attributes, AttrCode.MP_UNREACH_NLRI, header, p.withdraw, r, w));
  }
}

function packMpAnnounces(p: PackRequest, w: Writer, out: Uint8Array[]): void {
  const header = mpReachHeader(p.family, p.nextHops);
  for (const r of runs(p.announce, w, p.ctx.maxMessageSize, mpSize(p.attributes, header))) {
    out.push(mpMessage(p.attributes, AttrCode.MP_REACH_NLRI, header, p.announce, r, w));
  }
}

/**
 * Complete UPDATE messages (header included) for one family and one attribute set (every NLRI of
 * `announce` and `withdraw` must be of `family`): withdraws first, then
 * announces, each message at most `ctx.maxMessageSize` bytes. IPv4 unicast with an IPv6 next hop
 * (RFC 8950) goes in MP_REACH_NLRI like the other families.
 */
export function packUpdates(p: PackRequest): Uint8Array[] {
  const out: Uint8Array[] = [];
  const w = writerFor(p);
  const ipv4 = p.family === IPV4_UNICAST;
  if (ipv4) packIpv4Withdraws(p, w, out);
  else if (p.withdraw.length > 0) packMpWithdraws(p, w, out);
  if (p.announce.length === 0) return out;
  if (ipv4 && !(p.nextHops.length > 0 && isIPv6(p.nextHops[0]))) packIpv4Announces(p, w, out);
  else packMpAnnounces(p, w, out);
  return out;
}
