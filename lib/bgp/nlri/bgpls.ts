/**
 * BGP-LS NLRI (AFI 16388, SAFI 71 bgp-ls and 72 bgp-ls-vpn), RFC 9552 §5.2: a list of
 * `type (2) | length (2) | [RD (8), SAFI 72 only] | value` entries. Each NLRI is kept as its exact wire
 * bytes (header included), so that re-encoding is a copy and the RIB key is the wire form; its fields
 * (protocol, identifier, descriptor TLVs) are read on demand by bgpls_tlv.ts for display.
 */
import { BgpError } from "../error.ts";
import { type FamilyKey, familyKey, familySafi } from "../family.ts";
import type { BgpLsNlri, CodecContext, Nlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { readPathId, wholeBytesWriter } from "./wire.ts";

export const BGPLS_FAMILY: FamilyKey = familyKey(16388, 71);
export const BGPLS_VPN_FAMILY: FamilyKey = familyKey(16388, 72);
export const BGPLS_FAMILIES: readonly FamilyKey[] = [BGPLS_FAMILY, BGPLS_VPN_FAMILY];
/** SAFI 72 (RFC 9552 §5.2): an 8-octet Route Distinguisher precedes the NLRI value, counted in its length. */
const VPN_SAFI = 72;
const RD_LENGTH = 8;

/** NLRI types (RFC 9552 §5.2, RFC 9514 §6 for SRv6 SID), as ExaBGP names them in `ls-nlri-type`. */
export const BGPLS_NLRI_NAMES: Readonly<Record<number, string>> = {
  1: "bgpls-node",
  2: "bgpls-link",
  3: "bgpls-prefix-v4",
  4: "bgpls-prefix-v6",
  6: "bgpls-srv6sid",
};

function malformed(reason: string): BgpError {
  // RFC 4760 §7 / RFC 7606 §5.3: an NLRI overrunning its field: Optional Attribute Error.
  return new BgpError(3, 9, new Uint8Array(0), `BGP-LS NLRI: ${reason}`);
}

export function isVpn(family: FamilyKey): boolean {
  return familySafi(family) === VPN_SAFI;
}

/** Every NLRI of an MP_REACH/MP_UNREACH field (or one NLRI from the RIB's key). */
export function decodeBgpLs(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): Nlri[] {
  const addPath = ctx.addPath.has(family);
  const minimum = isVpn(family) ? RD_LENGTH : 0;
  const out: Nlri[] = [];
  let i = 0;
  while (i < bytes.length) {
    let pathId: number | undefined;
    if (addPath) {
      if (i + 4 > bytes.length) throw malformed("truncated path identifier");
      pathId = readPathId(bytes, i);
      i += 4;
    }
    if (i + 4 > bytes.length) throw malformed("truncated NLRI header");
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (length < minimum) throw malformed(`length ${length} leaves no room for the route distinguisher`);
    const end = i + 4 + length;
    if (end > bytes.length) throw malformed(`length ${length} overruns the NLRI field`);
    const n: BgpLsNlri = pathId === undefined
      ? { kind: "bgp-ls", family, bytes: bytes.slice(i, end) }
      : { kind: "bgp-ls", family, bytes: bytes.slice(i, end), pathId };
    out.push(n);
    i = end;
  }
  return out;
}

export const bgpLsCodec: NlriCodec = { decode: decodeBgpLs, ...wholeBytesWriter };

// ---------------------------------------------------------------------------------------------------------
// Reading the fields of one NLRI (offsets into `bytes`, which starts with the type/length header)

/** NLRI type (1 node, 2 link, 3/4 prefix, 6 SRv6 SID). */
export function bgpLsType(n: BgpLsNlri): number {
  return (n.bytes[0] << 8) | n.bytes[1];
}

/** The 8 RD octets of a bgp-ls-vpn NLRI; undefined for SAFI 71. */
export function bgpLsRd(n: BgpLsNlri): Uint8Array | undefined {
  return isVpn(n.family) ? n.bytes.subarray(4, 4 + RD_LENGTH) : undefined;
}

/** The NLRI value after header and RD: Protocol-ID (1), Identifier (8), then TLVs (RFC 9552 §5.2). */
export function bgpLsValue(n: BgpLsNlri): Uint8Array {
  return n.bytes.subarray(isVpn(n.family) ? 4 + RD_LENGTH : 4);
}
