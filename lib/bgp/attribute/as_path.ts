/**
 * AS_PATH (2, RFC 4271 §4.3/§5.1.2) and AS4_PATH (17, RFC 6793 §3): segments of (type, count, ASNs).
 * ASNs have 4 octets in AS4_PATH and in AS_PATH between "NEW" speakers (asn4), 2 octets otherwise.
 * RFC 6793 §4.2.2: towards an OLD speaker, 4-octet ASNs become AS_TRANS in AS_PATH and the true path goes
 * in AS4_PATH; §4.2.3: from an OLD speaker, AS4_PATH is merged back into AS_PATH.
 */
import type { AsPathSegment, Attribute, CodecContext } from "../types.ts";
import { SegmentType } from "../types.ts";
import { MalformedValue, readU16, readU32, writeU16, writeU32 } from "./value.ts";

export const AS_TRANS = 23456;
/** The count field of a segment is one octet (RFC 4271 §4.3). */
const MAX_SEGMENT = 255;

export type AsPathAttribute = Extract<Attribute, { kind: "as-path" }>;
export type As4PathAttribute = Extract<Attribute, { kind: "as4-path" }>;

function isConfed(type: number): boolean {
  return type === SegmentType.CONFED_SEQUENCE || type === SegmentType.CONFED_SET;
}

/** RFC 7606 §7.2: unknown segment type, overrun, a lone trailing octet or an empty segment is malformed. */
export function decodeSegments(v: Uint8Array, asnSize: 2 | 4, name: string): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  let i = 0;
  while (i < v.length) {
    if (i + 2 > v.length) throw new MalformedValue(`${name}: truncated segment header`);
    const type = v[i], count = v[i + 1];
    if (type < SegmentType.AS_SET || type > SegmentType.CONFED_SET) {
      throw new MalformedValue(`${name}: unknown segment type ${type}`);
    }
    if (count === 0) throw new MalformedValue(`${name}: empty segment`);
    i += 2;
    if (i + count * asnSize > v.length) throw new MalformedValue(`${name}: segment overruns the attribute`);
    const asns = new Array<number>(count);
    for (let k = 0; k < count; k++, i += asnSize) asns[k] = asnSize === 4 ? readU32(v, i) : readU16(v, i);
    segments.push({ type, asns });
  }
  return segments;
}

/** Segments longer than 255 ASNs are split into several segments of the same type. */
export function encodeSegments(segments: readonly AsPathSegment[], asnSize: 2 | 4): Uint8Array {
  let size = 0;
  for (const s of segments) size += Math.ceil(s.asns.length / MAX_SEGMENT) * 2 + s.asns.length * asnSize;
  const out = new Uint8Array(size);
  let i = 0;
  for (const s of segments) {
    for (let start = 0; start < s.asns.length; start += MAX_SEGMENT) {
      const end = Math.min(start + MAX_SEGMENT, s.asns.length);
      out[i++] = s.type;
      out[i++] = end - start;
      for (let k = start; k < end; k++, i += asnSize) {
        const asn = s.asns[k];
        if (asnSize === 4) writeU32(out, i, asn);
        else writeU16(out, i, asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
  return out;
}

export function decodeAsPath(v: Uint8Array, ctx: CodecContext): AsPathAttribute {
  return { code: 2, kind: "as-path", segments: decodeSegments(v, ctx.asn4 ? 4 : 2, "AS_PATH") };
}

export function encodeAsPath(a: AsPathAttribute, ctx: CodecContext): Uint8Array {
  return encodeSegments(a.segments, ctx.asn4 ? 4 : 2);
}

export function decodeAs4Path(v: Uint8Array): As4PathAttribute {
  return { code: 17, kind: "as4-path", segments: decodeSegments(v, 4, "AS4_PATH") };
}

export function encodeAs4Path(a: As4PathAttribute): Uint8Array {
  return encodeSegments(a.segments, 4);
}

/** True when an OLD (2-octet) peer cannot be given this path without AS_TRANS. */
export function needsAs4Path(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((asn) => asn > 0xffff));
}

/** The AS4_PATH to send beside a 2-octet AS_PATH: the same path without confederation segments (§4.2.2). */
export function as4PathFor(segments: readonly AsPathSegment[]): As4PathAttribute {
  return { code: 17, kind: "as4-path", segments: segments.filter((s) => !isConfed(s.type)) };
}

/** Path length for RFC 6793 §4.2.3: an AS_SET counts 1, confederation segments 0. */
function pathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === SegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === SegmentType.AS_SET) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: the leading ASNs of AS_PATH that AS4_PATH does not cover (added by OLD speakers),
 * followed by AS4_PATH. When AS4_PATH is longer than AS_PATH it is ignored.
 */
export function mergeAs4Path(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[],
): AsPathSegment[] {
  const as4 = as4Path.filter((s) => !isConfed(s.type));
  const total = pathLength(asPath), extra = total - pathLength(as4);
  if (extra < 0) return [...asPath];
  const out: AsPathSegment[] = [];
  let remaining = extra;
  for (const s of asPath) {
    if (remaining === 0) break;
    if (isConfed(s.type)) out.push(s);
    else if (s.type === SegmentType.AS_SET) {
      out.push(s);
      remaining -= 1;
    } else {
      const take = Math.min(remaining, s.asns.length);
      out.push(take === s.asns.length ? s : { type: s.type, asns: s.asns.slice(0, take) });
      remaining -= take;
    }
  }
  return out.concat(as4);
}
