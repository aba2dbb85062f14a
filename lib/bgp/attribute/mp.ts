/**
 * MP_REACH_NLRI (14) and MP_UNREACH_NLRI (15), RFC 4760 §3–4: AFI, SAFI, next hop (length-prefixed),
 * one reserved octet, then NLRI of the family through the NLRI codec table.
 * Next hops: 4 (IPv4), 16 (IPv6) or 32 (IPv6 global + link-local, RFC 2545 §3) octets; VPN families carry
 * each address after an 8-octet zero Route Distinguisher (RFC 4364 §4.3.2, RFC 4659 §3.2.1).
 * RFC 7606 §7.11 and §5.3: when these attributes are malformed the NLRI cannot be trusted, so the session
 * is reset; the decoders throw MalformedValue and the attribute table (codec.ts) turns it into NOTIFICATION
 * 3/9 Optional Attribute Error (RFC 4760 §7).
 */
import { BgpError } from "../error.ts";
import { familyAfi, type FamilyKey, familyKey, familyName, familySafi } from "../family.ts";
import { bytesToIp, ipToBytes } from "../ip.ts";
import { decodeNlri, nlriWireLength, writeNlri } from "../nlri/codec.ts";
import type { CodecContext, MpReach, MpUnreach, Nlri } from "../types.ts";
import { MalformedValue, readU16, writeU16 } from "./value.ts";

const RD_LENGTH = 8;
/** mpls-vpn (128) and multicast vpn (129): next hops are RD + address. */
const RD_NEXT_HOP_SAFIS = new Set([128, 129]);

function malformed(reason: string): MalformedValue {
  return new MalformedValue(reason);
}

/** The next-hop field as addresses: address lengths 4/16, optionally each behind an 8-octet RD. */
function decodeNextHops(v: Uint8Array, start: number, length: number): string[] {
  if (length === 0) return [];
  for (const rd of [0, RD_LENGTH]) {
    for (const [size, count] of [[4, 1], [16, 1], [16, 2]]) {
      if (length !== (rd + size) * count) continue;
      const out: string[] = [];
      for (let k = 0, i = start; k < count; k++, i += rd + size) out.push(bytesToIp(v, i + rd, size));
      return out;
    }
  }
  throw malformed(`MP_REACH_NLRI: next hop length ${length}`);
}

function nlriOf(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext, name: string): Nlri[] {
  try {
    return decodeNlri(family, bytes, ctx);
  } catch (e) {
    if (e instanceof BgpError) throw malformed(`${name} ${familyName(family)}: ${e.message}`);
    throw e;
  }
}

export function decodeMpReach(v: Uint8Array, ctx: CodecContext): MpReach {
  if (v.length < 5) throw malformed(`MP_REACH_NLRI: length ${v.length}`);
  const family = familyKey(readU16(v, 0), v[2]);
  const nhLength = v[3];
  // Next hop, then the reserved octet (RFC 4760 §3: ignored on receipt).
  if (4 + nhLength + 1 > v.length) throw malformed("MP_REACH_NLRI: next hop overruns the attribute");
  const nextHops = decodeNextHops(v, 4, nhLength);
  const nlri = nlriOf(family, v.subarray(4 + nhLength + 1), ctx, "MP_REACH_NLRI");
  return { code: 14, kind: "mp-reach", family, nextHops, nlri };
}

export function decodeMpUnreach(v: Uint8Array, ctx: CodecContext): MpUnreach {
  if (v.length < 3) throw malformed(`MP_UNREACH_NLRI: length ${v.length}`);
  const family = familyKey(readU16(v, 0), v[2]);
  return {
    code: 15,
    kind: "mp-unreach",
    family,
    nlri: nlriOf(family, v.subarray(3), ctx, "MP_UNREACH_NLRI"),
  };
}

/** AFI, SAFI, next-hop length, next hop(s), reserved octet: what precedes the NLRI of an MP_REACH_NLRI. */
export function mpReachHeader(family: FamilyKey, nextHops: readonly string[]): Uint8Array {
  const rd = RD_NEXT_HOP_SAFIS.has(familySafi(family)) ? RD_LENGTH : 0;
  const addresses = nextHops.map(ipToBytes);
  const nhLength = addresses.reduce((n, a) => n + rd + a.length, 0);
  if (nhLength > 255) throw new Error(`MP_REACH_NLRI: next hop of ${nhLength} octets`);
  const out = new Uint8Array(5 + nhLength);
  writeU16(out, 0, familyAfi(family));
  out[2] = familySafi(family);
  out[3] = nhLength;
  let i = 4;
  for (const a of addresses) {
    i += rd; // the RD stays zero
    out.set(a, i);
    i += a.length;
  }
  return out; // the last octet is the reserved one, zero
}

/** AFI and SAFI: what precedes the NLRI of an MP_UNREACH_NLRI. */
export function mpUnreachHeader(family: FamilyKey): Uint8Array {
  const out = new Uint8Array(3);
  writeU16(out, 0, familyAfi(family));
  out[2] = familySafi(family);
  return out;
}

function withNlri(header: Uint8Array, nlri: readonly Nlri[], ctx: CodecContext): Uint8Array {
  let size = header.length;
  for (const n of nlri) size += nlriWireLength(n, ctx);
  const out = new Uint8Array(size);
  out.set(header);
  let i = header.length;
  for (const n of nlri) i = writeNlri(n, ctx, out, i);
  return out;
}

export function encodeMpReach(a: MpReach, ctx: CodecContext): Uint8Array {
  return withNlri(mpReachHeader(a.family, a.nextHops), a.nlri, ctx);
}

export function encodeMpUnreach(a: MpUnreach, ctx: CodecContext): Uint8Array {
  return withNlri(mpUnreachHeader(a.family), a.nlri, ctx);
}
