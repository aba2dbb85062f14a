/**
 * NLRI codecs by family (RFC 4760 AFI/SAFI). Callers (UPDATE codec, MP_REACH/MP_UNREACH, RIB) go through
 * this table only, so another family joins by calling `registerNlriCodec` without touching them.
 * A family without a codec decodes to one RawNlri holding all its bytes.
 */
import type { FamilyKey } from "../family.ts";
import { familyKey } from "../family.ts";
import type { CodecContext, Nlri, PrefixNlri } from "../types.ts";
import { decodePrefixes, prefixWireLength, writePrefix } from "./prefix.ts";
import { LABELED_FAMILIES, labeledCodec } from "./labeled.ts";
import { FLOW_FAMILIES, flowCodec } from "./flow.ts";
import { evpnCodec, L2VPN_EVPN } from "./evpn.ts";
import { L2VPN_VPLS, vplsCodec } from "./vpls.ts";
import { MVPN_FAMILIES, mvpnCodec } from "./mvpn.ts";
import { BGPLS_FAMILIES, bgpLsCodec } from "./bgpls.ts";
import { RTC_FAMILIES, rtcCodec } from "./rtc.ts";
import { SR_POLICY_FAMILIES, srPolicyCodec } from "./sr_policy.ts";
import { MUP_FAMILIES, mupCodec } from "./mup.ts";
import { wholeBytesWriter } from "./wire.ts";

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
  ...wholeBytesWriter,
};

const codecs = new Map<FamilyKey, NlriCodec>([
  [familyKey(1, 1), prefixCodec], // ipv4 unicast
  [familyKey(1, 2), prefixCodec], // ipv4 multicast
  [familyKey(2, 1), prefixCodec], // ipv6 unicast
  [familyKey(2, 2), prefixCodec], // ipv6 multicast
]);
// ipv4/ipv6 nlri-mpls and mpls-vpn (RFC 8277, RFC 4364/4659)
for (const family of LABELED_FAMILIES) codecs.set(family, labeledCodec);
// ipv4/ipv6 flow and flow-vpn (RFC 8955, RFC 8956)
for (const family of FLOW_FAMILIES) codecs.set(family, flowCodec);
// l2vpn vpls (RFC 4761), l2vpn evpn (RFC 7432), ipv4/ipv6 mcast-vpn (RFC 6514)
codecs.set(L2VPN_VPLS, vplsCodec);
codecs.set(L2VPN_EVPN, evpnCodec);
for (const family of MVPN_FAMILIES) codecs.set(family, mvpnCodec);
// bgp-ls / bgp-ls-vpn (RFC 9552), rtc (RFC 4684), sr-policy (RFC 9830): receive and display only
for (const family of BGPLS_FAMILIES) codecs.set(family, bgpLsCodec);
for (const family of RTC_FAMILIES) codecs.set(family, rtcCodec);
for (const family of SR_POLICY_FAMILIES) codecs.set(family, srPolicyCodec);
// ipv4/ipv6 mup (draft-mpmz-bess-mup-safi)
for (const family of MUP_FAMILIES) codecs.set(family, mupCodec);

export function registerNlriCodec(family: FamilyKey, codec: NlriCodec): void {
  codecs.set(family, codec);
}

export function nlriCodec(family: FamilyKey): NlriCodec {
  return codecs.get(family) ?? rawCodec;
}

/** A RawNlri is re-sent verbatim whatever its family (kept bytes of a family that has a codec now). */
function codecOf(n: Nlri): NlriCodec {
  return n.kind === "raw" ? rawCodec : nlriCodec(n.family);
}

export function decodeNlri(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): Nlri[] {
  return nlriCodec(family).decode(family, bytes, ctx);
}

/** Wire size of `n` for this session (path id counted when ADD-PATH sends for its family). */
export function nlriWireLength(n: Nlri, ctx: CodecContext): number {
  return codecOf(n).wireLength(n, ctx.addPath.has(n.family));
}

export function writeNlri(n: Nlri, ctx: CodecContext, out: Uint8Array, offset: number): number {
  return codecOf(n).write(n, ctx.addPath.has(n.family), out, offset);
}

export function encodeNlri(n: Nlri, ctx: CodecContext): Uint8Array {
  const codec = codecOf(n);
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
    const codec = codecOf(n);
    b = new Uint8Array(codec.wireLength(n, false));
    codec.write(n, false, b, 0);
  }
  for (let i = 0; i < b.length; i++) key += String.fromCharCode(b[i]);
  return key;
}
