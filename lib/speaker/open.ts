/**
 * The OPEN we send to a neighbor, built from its configuration. Capability order is ExaBGP's (the
 * conformance suite compares OPEN bytes): multiprotocol (one per family), 4-octet AS, extended next hop,
 * ADD-PATH, graceful restart, route refresh (+ enhanced), operational, extended message, hostname,
 * software version, multi-session.
 */
import { familyAfi, familySafi } from "../bgp/family.ts";
import type { Capability, OpenMessage } from "../bgp/types.ts";
import type { NeighborConfig } from "../config/model.ts";

export interface OpenOptions {
  /** Router id to use when the neighbor has none configured (ExaBGP: the local address). */
  readonly fallbackRouterId: string;
  /** `exabgp_version`: the software-version capability text is `ExaBGP/<version>`. */
  readonly softwareVersion: string;
}

export function buildOpen(n: NeighborConfig, o: OpenOptions): OpenMessage {
  const caps: Capability[] = [];
  const c = n.capability;
  for (const f of n.families) caps.push({ code: 1, name: "multiprotocol", afi: familyAfi(f), safi: familySafi(f) });
  if (c.asn4) caps.push({ code: 65, name: "asn4", asn: n.localAs });
  if (c.nexthop && n.nexthopFamilies.length > 0) {
    caps.push({
      code: 5,
      name: "extended-next-hop",
      entries: n.nexthopFamilies.map((e) => ({ afi: familyAfi(e.family), safi: familySafi(e.family), nextHopAfi: e.nextHopAfi })),
    });
  }
  if (c.addPath !== 0) {
    const fams = n.addPathFamilies.length > 0 ? n.addPathFamilies : n.families;
    caps.push({
      code: 69,
      name: "add-path",
      entries: fams.map((f) => ({ afi: familyAfi(f), safi: familySafi(f), mode: c.addPath })),
    });
  }
  if (c.gracefulRestart !== false) {
    caps.push({
      code: 64,
      name: "graceful-restart",
      restartFlags: 0x8,
      restartTime: c.gracefulRestart,
      families: n.families.map((f) => ({ afi: familyAfi(f), safi: familySafi(f), flags: 0x80 })),
    });
  }
  if (c.routeRefresh) {
    caps.push({ code: 2, name: "route-refresh" });
    caps.push({ code: 70, name: "enhanced-route-refresh" });
  }
  if (c.operational) caps.push({ code: 185, name: "operational" });
  if (c.extendedMessage) caps.push({ code: 6, name: "extended-message" });
  if (n.hostName !== undefined) {
    caps.push({ code: 73, name: "hostname", hostname: n.hostName, domain: n.domainName ?? "" });
  }
  if (c.softwareVersion) caps.push({ code: 75, name: "software-version", version: `ExaBGP/${o.softwareVersion}` });
  if (c.multiSession) caps.push({ code: 68, name: "multi-session", value: new Uint8Array(0) });
  return {
    type: "open",
    version: 4,
    // encodeOpen writes AS_TRANS (RFC 6793 §9) in the 2-byte field when the ASN needs 4 bytes.
    asn: n.localAs,
    holdTime: n.holdTime,
    routerId: n.routerId ?? o.fallbackRouterId,
    capabilities: caps,
  };
}
