/**
 * What a route's attributes become on the wire for one peer (RFC 4271 §5.1, §9.1.3; ExaBGP 5.0 defaults):
 * - iBGP: ORIGIN igp, an empty AS_PATH and LOCAL_PREF 100 are added when absent;
 * - eBGP: ORIGIN igp when absent, the local AS prepended to AS_PATH (created when absent), LOCAL_PREF dropped
 *   (RFC 4271 §5.1.5: LOCAL_PREF is not sent to external peers);
 * - `next-hop self` is the session's local address;
 * - an IPv4 next hop is also sent as the NEXT_HOP attribute, for every family but FlowSpec (ExaBGP does so:
 *   conf-vpn, extended-nexthop; conf-flow has none); IPv4 unicast NLRI go in the NLRI field unless the next hop is IPv6 (RFC 8950, only
 *   when negotiated), every other family in MP_REACH_NLRI with the next hop there (RFC 4760 §3).
 */
import { familyAfi, type FamilyKey, IPV4_UNICAST } from "../bgp/family.ts";
import { mpReachHeader } from "../bgp/attribute/mp.ts";
import { isFlowFamily } from "../bgp/nlri/flow.ts";
import { L2VPN_VPLS } from "../bgp/nlri/vpls.ts";
import { IPV6_MUP, mupNextHop } from "../bgp/nlri/mup.ts";
import { isIPv4 } from "../bgp/ip.ts";
import type { AsPathSegment, Attribute, CodecContext, NextHop } from "../bgp/types.ts";
import { SegmentType } from "../bgp/types.ts";
import { encodePathAttributes } from "../bgp/message/update_builder.ts";

/** The facts of one session that change what is sent. */
export interface PeerView {
  readonly localAs: number;
  readonly peerAs: number;
  /** The session's local address, for `next-hop self`. */
  readonly localAddress?: string;
  /** Families whose NLRI may carry a next hop of the other address family (RFC 8950 negotiated). */
  readonly extendedNextHop?: ReadonlySet<FamilyKey>;
}

/** One attribute set ready for one family of one peer. */
export interface OutgoingSet {
  /** Encoded path attributes (NEXT_HOP included when the next hop is IPv4), MP attributes excluded. */
  readonly attributes: Uint8Array;
  /**
   * What precedes the NLRI in MP_REACH_NLRI (AFI, SAFI, next hop, reserved octet; mpReachHeader);
   * undefined when the NLRI go in the IPv4 NLRI field.
   */
  readonly mpReach: Uint8Array | undefined;
}

const ORIGIN_IGP: Attribute = { code: 1, kind: "origin", value: 0 };
const EMPTY_AS_PATH: Attribute = { code: 2, kind: "as-path", segments: [] };
const LOCAL_PREF_100: Attribute = { code: 5, kind: "local-preference", value: 100 };
const MAX_SEGMENT = 255;

/** RFC 4271 §5.1.2: prepend our AS to the leading AS_SEQUENCE, or start a new one when full or absent. */
export function prependAs(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segments[0];
  if (first !== undefined && first.type === SegmentType.AS_SEQUENCE && first.asns.length < MAX_SEGMENT) {
    return [{ type: first.type, asns: [asn, ...first.asns] }, ...segments.slice(1)];
  }
  return [{ type: SegmentType.AS_SEQUENCE, asns: [asn] }, ...segments];
}

/** The path attributes (next hop aside) sent to this peer. */
export function outgoingPathAttributes(attrs: readonly Attribute[], peer: PeerView): Attribute[] {
  const ibgp = peer.localAs === peer.peerAs;
  const out: Attribute[] = [];
  let origin = false, asPath = false, localPref = false;
  for (const a of attrs) {
    switch (a.kind) {
      case "origin":
        origin = true;
        out.push(a);
        break;
      case "as-path":
        asPath = true;
        out.push(ibgp ? a : { code: 2, kind: "as-path", segments: prependAs(a.segments, peer.localAs) });
        break;
      case "local-preference":
        localPref = true;
        if (ibgp) out.push(a);
        break;
      case "next-hop":
      case "mp-reach":
      case "mp-unreach":
        break;
      default:
        out.push(a);
    }
  }
  if (!origin) out.push(ORIGIN_IGP);
  if (!asPath) {
    out.push(ibgp ? EMPTY_AS_PATH : { code: 2, kind: "as-path", segments: prependAs([], peer.localAs) });
  }
  if (ibgp && !localPref) out.push(LOCAL_PREF_100);
  return out;
}

/** The next-hop address sent for a route of `family` (undefined: none, e.g. FlowSpec). */
export function resolveNextHop(nextHop: NextHop, peer: PeerView): string | undefined {
  switch (nextHop.kind) {
    case "ip":
      return nextHop.address;
    case "self":
      if (peer.localAddress === undefined) throw new Error("next-hop self: the local address is not known");
      return peer.localAddress;
    case "none":
      return undefined;
  }
}

/**
 * Attributes and next hop of one set for one family of one peer, encoded; undefined when the route cannot be
 * sent to this peer (an IPv4 unicast route with an IPv6 next hop while RFC 8950 was not negotiated, or
 * `next-hop self` while the local address is unknown).
 */
export function outgoingSet(
  attrs: readonly Attribute[],
  nextHop: NextHop,
  family: FamilyKey,
  peer: PeerView,
  ctx: CodecContext,
): OutgoingSet | undefined {
  if (nextHop.kind === "self" && peer.localAddress === undefined) return undefined;
  const path = outgoingPathAttributes(attrs, peer);
  const address = resolveNextHop(nextHop, peer);
  const v4 = address !== undefined && isIPv4(address);
  // FlowSpec carries its redirect next hop in MP_REACH_NLRI only (ExaBGP: conf-flow, RFC 8955 §4).
  // VPLS too (ExaBGP: encoding/conf-l2vpn.msg has no NEXT_HOP attribute).
  // IPv6 MUP too: its IPv4 next hop goes IPv4-mapped in MP_REACH_NLRI only (encoding/conf-srv6-mup.msg).
  if (v4 && !isFlowFamily(family) && family !== L2VPN_VPLS && family !== IPV6_MUP) {
    path.push({ code: 3, kind: "next-hop", address });
  }
  const attributes = encodePathAttributes(path, ctx);
  if (family === IPV4_UNICAST && (address === undefined || v4)) return { attributes, mpReach: undefined };
  const crossFamily = address !== undefined && (familyAfi(family) === 1) !== v4;
  if (crossFamily && family === IPV4_UNICAST && !peer.extendedNextHop?.has(family)) return undefined;
  const hops = address === undefined ? [] : [mupNextHop(family, address)];
  return { attributes, mpReach: mpReachHeader(family, hops) };
}
