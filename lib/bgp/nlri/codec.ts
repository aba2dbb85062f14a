/**
 * NLRI codecs by family (RFC 4760 AFI/SAFI). Callers (UPDATE codec, MP_REACH/MP_UNREACH, RIB) go through
 * this table only, so another family joins by calling `registerNlriCodec` without touching them.
 * A family without a codec decodes to one RawNlri holding all its bytes.
 */
import type { FamilyKey } from "../family.ts";
import { familyKey } from "../family.ts";
import type { CodecContext, Nlri, PrefixNlri } from "../types.ts";
import { decodePrefixes, prefixWireLength, writePrefix } from "./prefix.ts";

export interface NlriCodec {
  /** All NLRI of `bytes` (exactly filled); throws BgpError on malformed input. */
  decode(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): Nlri[];
  /** Wire size of one NLRI, the path id included when `addPath`. */
  wireLength(n: Nlri, addPath: boolean): number;
  /** Writes one NLRI at `offset`; returns the offset after it. */
  write(n: Nlri, addPath: boolean, out: Uint8Array, offset: number): number;
}

const prefixCodec: NlriCodec = {
  decode: decodePrefixes,
  wireLength: (n, addPath) => prefixWireLength(n as PrefixNlri, addPath),
  write: (n, addPath, out, offset) => writePrefix(n as PrefixNlri, addPath, out, offset),
};

/** Unknown families: the bytes are kept whole, as one NLRI, and re-sent verbatim. */
const rawCodec: NlriCodec = {
  decode: (family, bytes) => (bytes.length === 0 ? [] : [{ kind: "raw", family, bytes: bytes.slice() }]),
  wireLength: (n, addPath) => n.bytes.length + (addPath && n.pathId !== undefined ? 4 : 0),
  write(n, addPath, out, offset) {
    if (addPath && n.pathId !== undefined) {
      out[offset++] = n.pathId >>> 24;
      out[offset++] = (n.pathId >>> 16) & 0xff;
      out[offset++] = (n.pathId >>> 8) & 0xff;
      out[offset++] = n.pathId & 0xff;
    }
    out.set(n.bytes, offset);
    return offset + n.bytes.length;
  },
};

const codecs = new Map<FamilyKey, NlriCodec>([
  [familyKey(1, 1), prefixCodec], // ipv4 unicast
  [familyKey(1, 2), prefixCodec], // ipv4 multicast
  [familyKey(2, 1), prefixCodec], // ipv6 unicast
  [familyKey(2, 2), prefixCodec], // ipv6 multicast
]);

export function registerNlriCodec(family: FamilyKey, codec: NlriCodec): void {
  codecs.set(family, codec);
}

export function nlriCodec(family: FamilyKey): NlriCodec {
  return codecs.get(family) ?? rawCodec;
}

export function decodeNlri(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): Nlri[] {
  return nlriCodec(family).decode(family, bytes, ctx);
}

/** Wire size of `n` for this session (path id counted when ADD-PATH sends for its family). */
export function nlriWireLength(n: Nlri, ctx: CodecContext): number {
  return nlriCodec(n.family).wireLength(n, ctx.addPath.has(n.family));
}

export function writeNlri(n: Nlri, ctx: CodecContext, out: Uint8Array, offset: number): number {
  return nlriCodec(n.family).write(n, ctx.addPath.has(n.family), out, offset);
}

export function encodeNlri(n: Nlri, ctx: CodecContext): Uint8Array {
  const codec = nlriCodec(n.family);
  const addPath = ctx.addPath.has(n.family);
  const out = new Uint8Array(codec.wireLength(n, addPath));
  codec.write(n, addPath, out, 0);
  return out;
}

/**
 * A compact unique key for a Map: family (two UTF-16 units: AFI, SAFI), path id ("+" and two 16-bit units,
 * or "-" when none), then the NLRI's wire bytes without path id as latin1 characters.
 */
export function nlriKey(n: Nlri): string {
  const family = n.family;
  let key = String.fromCharCode(family >>> 8, family & 0xff);
  key += n.pathId === undefined ? "-" : "+" + String.fromCharCode(n.pathId >>> 16, n.pathId & 0xffff);
  // Prefixes (the hot case) are keyed without an allocation; other kinds by their wire form.
  let b: Uint8Array;
  if (n.kind === "prefix") {
    key += String.fromCharCode(n.length);
    b = n.bytes;
  } else {
    const codec = nlriCodec(family);
    b = new Uint8Array(codec.wireLength(n, false));
    codec.write(n, false, b, 0);
  }
  for (let i = 0; i < b.length; i++) key += String.fromCharCode(b[i]);
  return key;
}
