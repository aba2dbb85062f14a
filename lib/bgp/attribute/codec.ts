/**
 * Path attributes on the wire (RFC 4271 §4.3): flags, type code, 1- or 2-octet length, value; a table of
 * value codecs by type code, with the flags ExaBGP sends for each and the RFC 7606 action a malformed
 * value calls for. Unknown optional codes are kept as generic attributes and re-sent verbatim.
 */
import { BgpError } from "../error.ts";
import type { Attribute, CodecContext, MalformedAttribute } from "../types.ts";
import { AttrFlag } from "../types.ts";
import {
  AS_TRANS,
  decodeAs4Path,
  decodeAsPath,
  encodeAs4Path,
  encodeAsPath,
  mergeAs4Path,
} from "./as_path.ts";
import {
  decodeAggregator,
  decodeAs4Aggregator,
  encodeAggregator,
  encodeAs4Aggregator,
} from "./aggregator.ts";
import { decodeAigp, encodeAigp } from "./aigp.ts";
import { decodeBgpLsAttribute, encodeBgpLsAttribute } from "./bgpls.ts";
import { decodeClusterList, encodeClusterList } from "./cluster_list.ts";
import { decodeCommunity, encodeCommunity } from "./community.ts";
import { decodeExtendedCommunity, encodeExtendedCommunity } from "./extended_community.ts";
import { decodeGeneric } from "./generic.ts";
import { decodeLargeCommunity, encodeLargeCommunity } from "./large_community.ts";
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from "./mp.ts";
import { decodeOrigin, encodeOrigin } from "./origin.ts";
import {
  decodeAtomicAggregate,
  decodeLocalPref,
  decodeMed,
  decodeNextHop,
  decodeOriginatorId,
  encodeAtomicAggregate,
  encodeLocalPref,
  encodeMed,
  encodeNextHop,
  encodeOriginatorId,
} from "./simple.ts";
import { MalformedValue, readU16 } from "./value.ts";

/** Optional/transitive bits (RFC 4271 §4.3): the two that must match the type (RFC 7606 §3.c). */
const WELL_KNOWN = AttrFlag.TRANSITIVE; // 0x40
const OPTIONAL = AttrFlag.OPTIONAL; // 0x80
const OPTIONAL_TRANSITIVE = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE; // 0xC0
const CATEGORY_BITS = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;

/** RFC 7606 §2 approaches; "session-reset" is thrown (BgpError), the other two are recorded. */
type Action = MalformedAttribute["action"] | "session-reset";

export interface AttributeCodec {
  /** Optional/transitive flags, as sent and as expected on receipt. */
  readonly flags: number;
  /**
   * RFC 7606 action for a malformed attribute: a bad value, and also wrong Optional/Transitive flags,
   * which §3.c makes "malformed" and handles as treat-as-withdraw unless the attribute's own specification
   * says otherwise (§3.f, RFC 6793 §6, RFC 7311 §3.2, RFC 7606 §5.3: each table entry carries it).
   */
  readonly onError: Action;
  /**
   * Set for the attributes that RFC 7606 §7.5, §7.9 and §7.10 discard whatever their value when they come
   * from an external peer (LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST).
   */
  readonly internalOnly?: boolean;
  decode(v: Uint8Array, ctx: CodecContext): Attribute;
  encode(a: Attribute, ctx: CodecContext): Uint8Array;
}

function codec<A extends Attribute>(
  flags: number,
  onError: Action,
  decode: (v: Uint8Array, ctx: CodecContext) => A,
  encode: (a: A, ctx: CodecContext) => Uint8Array,
  internalOnly = false,
): AttributeCodec {
  const encodeAny = encode as (a: Attribute, ctx: CodecContext) => Uint8Array;
  return { flags, onError, internalOnly, decode, encode: encodeAny };
}

const TAW = "treat-as-withdraw";
const DISCARD = "attribute-discard";
const RESET = "session-reset";
const INTERNAL_ONLY = true;

/**
 * RFC 7606 §7.x per attribute (§3.f: attribute discard for ATOMIC_AGGREGATE and AGGREGATOR; §5.3 and §7.11:
 * a malformed MP attribute resets the session); RFC 6793 §6 for AS4_PATH/AS4_AGGREGATOR; RFC 8092 §6;
 * RFC 7311 §3.2.
 */
const codecs = new Map<number, AttributeCodec>([
  [1, codec(WELL_KNOWN, TAW, decodeOrigin, encodeOrigin)],
  [2, codec(WELL_KNOWN, TAW, decodeAsPath, encodeAsPath)],
  [3, codec(WELL_KNOWN, TAW, decodeNextHop, encodeNextHop)],
  [4, codec(OPTIONAL, TAW, decodeMed, encodeMed)],
  [5, codec(WELL_KNOWN, TAW, decodeLocalPref, encodeLocalPref, INTERNAL_ONLY)],
  [6, codec(WELL_KNOWN, DISCARD, decodeAtomicAggregate, encodeAtomicAggregate)],
  [7, codec(OPTIONAL_TRANSITIVE, DISCARD, decodeAggregator, encodeAggregator)],
  [8, codec(OPTIONAL_TRANSITIVE, TAW, decodeCommunity, encodeCommunity)],
  [9, codec(OPTIONAL, TAW, decodeOriginatorId, encodeOriginatorId, INTERNAL_ONLY)],
  [10, codec(OPTIONAL, TAW, decodeClusterList, encodeClusterList, INTERNAL_ONLY)],
  [14, codec(OPTIONAL, RESET, decodeMpReach, encodeMpReach)],
  [15, codec(OPTIONAL, RESET, decodeMpUnreach, encodeMpUnreach)],
  [16, codec(OPTIONAL_TRANSITIVE, TAW, decodeExtendedCommunity, encodeExtendedCommunity)],
  [17, codec(OPTIONAL_TRANSITIVE, DISCARD, decodeAs4Path, encodeAs4Path)],
  [18, codec(OPTIONAL_TRANSITIVE, DISCARD, decodeAs4Aggregator, encodeAs4Aggregator)],
  [26, codec(OPTIONAL, DISCARD, decodeAigp, encodeAigp)],
  // RFC 9552 §8.2.2: a malformed BGP-LS attribute is discarded, the NLRI kept.
  [29, codec(OPTIONAL, DISCARD, decodeBgpLsAttribute, encodeBgpLsAttribute)],
  [32, codec(OPTIONAL_TRANSITIVE, TAW, decodeLargeCommunity, encodeLargeCommunity)],
]);

/** Lets a later module (PMSI, tunnel encapsulation, BGP-LS, prefix SID, …) add a type code. */
export function registerAttributeCodec(code: number, c: AttributeCodec): void {
  codecs.set(code, c);
}

const MP_REACH = 14, MP_UNREACH = 15;
const isMp = (code: number) => code === MP_REACH || code === MP_UNREACH;

function malformedList(reason: string): BgpError {
  return new BgpError(3, 1, new Uint8Array(0), `malformed attribute list: ${reason}`);
}

/**
 * RFC 7606 §4: an attribute that overruns the block, or a block that ends inside an attribute header, is
 * treat-as-withdraw (the Total Path Attribute Length still locates the NLRI) — unless the attribute cut
 * short is MP_REACH/MP_UNREACH, whose NLRI can then not be found: session reset (§3.j).
 */
function truncated(code: number | undefined, reason: string): MalformedAttribute {
  if (code !== undefined && isMp(code)) throw malformedList(reason);
  return { action: TAW, code: code ?? 0, reason };
}

/**
 * Decodes a path attribute block. Session-level faults throw BgpError: a repeated MP_REACH/MP_UNREACH
 * (3/1, RFC 7606 §3.g), a malformed one (3/9 Optional Attribute Error, RFC 4760 §7 and RFC 7606 §5.3), an
 * unrecognised well-known attribute (3/2, RFC 4271 §6.3). Everything RFC 7606 lets us survive is recorded
 * in `malformed` and the offending attribute left out. On a 2-octet session AS4_PATH/AS4_AGGREGATOR are
 * merged into AS_PATH/AGGREGATOR (RFC 6793 §4.2.3).
 */
export function decodeAttributes(
  bytes: Uint8Array,
  ctx: CodecContext,
): { attributes: Attribute[]; malformed: MalformedAttribute[]; wide: number[] } {
  const attributes: Attribute[] = [];
  const malformed: MalformedAttribute[] = [];
  const wide: number[] = [];
  const seen = new Set<number>();
  let i = 0;
  while (i < bytes.length) {
    const flags = bytes[i], code = i + 1 < bytes.length ? bytes[i + 1] : undefined;
    const extended = (flags & AttrFlag.EXTENDED) !== 0;
    const start = i + (extended ? 4 : 3);
    if (start > bytes.length) {
      malformed.push(truncated(code, "truncated attribute header"));
      break;
    }
    const length = extended ? readU16(bytes, i + 2) : bytes[i + 2];
    if (start + length > bytes.length) {
      malformed.push(truncated(code, `attribute ${code} overruns the attribute block`));
      break;
    }
    // Generic attributes keep their own flags, and the MP End-of-RIB (`90 0F 0003`) is always sent wide.
    if (extended && length <= 0xff && codecs.has(code!) && !(code === 15 && length === 3)) wide.push(code!);
    const whole = bytes.subarray(i, start + length);
    const value = bytes.subarray(start, start + length);
    i = start + length;
    const action = decodeOne(flags, code!, whole, value, seen, ctx, attributes);
    if (action !== undefined) malformed.push(action);
  }
  return { attributes: ctx.asn4 ? attributes : mergeAs4(attributes), malformed, wide };
}

/** One attribute into `out`; returns the RFC 7606 record when it was left out, throws on a session reset. */
function decodeOne(
  flags: number,
  code: number,
  whole: Uint8Array,
  value: Uint8Array,
  seen: Set<number>,
  ctx: CodecContext,
  out: Attribute[],
): MalformedAttribute | undefined {
  if (seen.has(code)) {
    // RFC 7606 §3.g: repeated MP attributes reset the session; other repeats: keep the first.
    if (isMp(code)) throw malformedList(`attribute ${code} repeated`);
    return { action: DISCARD, code, reason: `attribute ${code} repeated` };
  }
  seen.add(code);
  const c = codecs.get(code);
  if (c === undefined) {
    // RFC 4271 §6.3: a well-known attribute we do not know cannot be ignored; data = the attribute.
    if ((flags & OPTIONAL) === 0 && ctx.inspect !== true) {
      throw new BgpError(3, 2, whole.slice(), `unrecognized well-known attribute ${code}`);
    }
    out.push(decodeGeneric(code, flags, value));
    return undefined;
  }
  if (ctx.external && c.internalOnly) {
    return { action: DISCARD, code, reason: `attribute ${code} from an external peer` };
  }
  let reason: string;
  if ((flags & CATEGORY_BITS) !== c.flags) reason = `attribute ${code}: flags 0x${flags.toString(16)}`;
  else {
    try {
      out.push(c.decode(value, ctx));
      return undefined;
    } catch (e) {
      if (!(e instanceof MalformedValue)) throw e;
      reason = e.reason;
    }
  }
  const action = c.onError;
  if (action === RESET) throw new BgpError(3, 9, whole.slice(), `optional attribute error: ${reason}`);
  return { action, code, reason };
}

/**
 * RFC 6793 §4.2.3 (a 2-octet session): AS4_AGGREGATOR replaces an AGGREGATOR of AS_TRANS; an AGGREGATOR
 * with a real AS means the AS4 attributes are stale and ignored; AS4_PATH is merged into AS_PATH.
 * The AS4 attributes are dropped either way.
 */
function mergeAs4(attributes: Attribute[]): Attribute[] {
  const as4Path = attributes.find((a) => a.kind === "as4-path");
  const as4Aggregator = attributes.find((a) => a.kind === "as4-aggregator");
  if (!as4Path && !as4Aggregator) return attributes;
  const aggregator = attributes.find((a) => a.kind === "aggregator");
  const stale = aggregator !== undefined && aggregator.asn !== AS_TRANS;
  const out: Attribute[] = [];
  for (const a of attributes) {
    if (a.kind === "as4-path" || a.kind === "as4-aggregator") continue;
    if (!stale && a.kind === "as-path" && as4Path) {
      out.push({ code: 2, kind: "as-path", segments: mergeAs4Path(a.segments, as4Path.segments) });
    } else if (!stale && a.kind === "aggregator" && as4Aggregator) {
      out.push({ code: 7, kind: "aggregator", asn: as4Aggregator.asn, address: as4Aggregator.address });
    } else out.push(a);
  }
  return out;
}

/** Flags, type code, length and value; extended length (2 octets) only when needed or asked for. */
export function frameAttribute(flags: number, code: number, value: Uint8Array): Uint8Array {
  const extended = (flags & AttrFlag.EXTENDED) !== 0 || value.length > 255;
  const header = extended ? 4 : 3;
  const out = new Uint8Array(header + value.length);
  out[0] = extended ? flags | AttrFlag.EXTENDED : flags;
  out[1] = code;
  if (extended) {
    out[2] = value.length >>> 8;
    out[3] = value.length & 0xff;
  } else out[2] = value.length;
  out.set(value, header);
  return out;
}

export function attributeCodec(code: number): AttributeCodec | undefined {
  return codecs.get(code);
}

/**
 * One attribute with its header, flags as ExaBGP sends them (generic ones: their own flags). `wide`: a
 * two-octet Attribute Length even when the value fits one (RFC 4271 §4.3 leaves it to the sender).
 */
export function encodeAttribute(a: Attribute, ctx: CodecContext, wide = false): Uint8Array {
  if (a.kind === "generic") return frameAttribute(wide ? a.flags | AttrFlag.EXTENDED : a.flags, a.code, a.value);
  const c = codecs.get(a.code);
  if (c === undefined) throw new Error(`no codec for attribute ${a.code} (${a.kind})`);
  // The MP End-of-RIB is always sent with the extended-length flag (ExaBGP: `90 0F 0003 <afi> <safi>`).
  const eor = a.kind === "mp-unreach" && a.nlri.length === 0;
  const flags = eor || wide ? c.flags | AttrFlag.EXTENDED : c.flags;
  return frameAttribute(flags, a.code, c.encode(a, ctx));
}

/**
 * RFC 7606 §3.d: the well-known mandatory attributes an UPDATE that announces must carry — ORIGIN and
 * AS_PATH, plus NEXT_HOP when the NLRI field (IPv4 unicast) is not empty (RFC 4760 §3: MP_REACH carries
 * its own next hop). Returns one treat-as-withdraw record per missing attribute.
 */
export function missingMandatory(
  attributes: readonly Attribute[],
  hasNlriField: boolean,
  hasMpReach: boolean,
): MalformedAttribute[] {
  if (!hasNlriField && !hasMpReach) return [];
  // The common case, every one present, without building a set per UPDATE.
  let found = 0;
  for (const a of attributes) if (a.code <= 3) found |= 1 << a.code;
  if ((found & 0b110) === 0b110 && (!hasNlriField || (found & 0b1000) !== 0)) return [];
  const present = new Set(attributes.map((a) => a.code));
  const required = hasNlriField ? [1, 2, 3] : [1, 2];
  return required.filter((code) => !present.has(code)).map((code) => ({
    action: TAW,
    code,
    reason: `missing well-known attribute ${code}`,
  }));
}
