/**
 * The BGP wire model: every message, capability, path attribute and NLRI as a discriminated union.
 * Codecs in lib/bgp/{message,capability,attribute,nlri}/ turn these into bytes and back; nothing here does I/O.
 *
 * Addresses are kept as text ("192.0.2.1", "2001:db8::1") where a human or the API sees them, and NLRI
 * prefixes as their wire bytes so that the RIB can key routes without re-encoding.
 */
import type { FamilyKey } from "./family.ts";
import type { FlowComponent } from "./nlri/flow_components.ts";

// ---------------------------------------------------------------------------------------------------------
// Messages (RFC 4271 §4.1: type codes)

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
  OPERATIONAL: 6,
} as const;

export interface OpenMessage {
  readonly type: "open";
  readonly version: number;
  /** The 2-byte "My Autonomous System" field (AS_TRANS 23456 when the real ASN needs 4 bytes). */
  readonly asn: number;
  readonly holdTime: number;
  readonly routerId: string;
  /** In wire order; RFC 5492: each capability in its own optional parameter when we encode. */
  readonly capabilities: readonly Capability[];
}

export interface KeepaliveMessage {
  readonly type: "keepalive";
}

export interface NotificationMessage {
  readonly type: "notification";
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/** RFC 2918 / RFC 7313: subtype 0 = request, 1 = BoRR, 2 = EoRR. */
export interface RouteRefreshMessage {
  readonly type: "route-refresh";
  readonly afi: number;
  readonly safi: number;
  readonly subtype: number;
}

export interface UpdateMessage {
  readonly type: "update";
  /** IPv4 unicast prefixes from the Withdrawn Routes field. */
  readonly withdrawn: readonly Nlri[];
  /** Path attributes in wire order, MP_REACH/MP_UNREACH included. */
  readonly attributes: readonly Attribute[];
  /** IPv4 unicast prefixes from the NLRI field. */
  readonly announced: readonly Nlri[];
  /**
   * RFC 7606 outcomes the decoder applied instead of a session reset: with "treat-as-withdraw" every NLRI
   * of the message (announced included) must be handled as withdrawn; "attribute-discard" means the named
   * attribute was dropped from `attributes`. Absent when the message was well formed.
   */
  readonly malformed?: readonly MalformedAttribute[];
  /**
   * Type codes of the attributes received with a two-octet Attribute Length though their value fits one
   * (RFC 4271 §4.3 lets the sender choose; some routers do it for MP_REACH_NLRI): the encoder does the same,
   * so that a received UPDATE re-encodes byte for byte. Absent when none did.
   */
  readonly wideLengths?: readonly number[];
}

export interface MalformedAttribute {
  readonly action: "treat-as-withdraw" | "attribute-discard";
  /** Attribute type code concerned (0 when the problem is not one attribute's). */
  readonly code: number;
  readonly reason: string;
}

/** A message type the codec does not know; kept so that the session can answer it (RFC 4271 §6.1). */
export interface UnknownMessage {
  readonly type: "unknown";
  readonly code: number;
  readonly body: Uint8Array;
}

export type Message =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage
  | UnknownMessage;

// ---------------------------------------------------------------------------------------------------------
// Capabilities (RFC 5492; codes from IANA's "Capability Codes" registry)

export interface AddPathEntry {
  readonly afi: number;
  readonly safi: number;
  /** RFC 7911: 1 receive, 2 send, 3 both. */
  readonly mode: number;
}
export interface GracefulRestartFamily {
  readonly afi: number;
  readonly safi: number;
  /** Bit 0x80 = forwarding state preserved. */
  readonly flags: number;
}
export interface ExtendedNextHopEntry {
  readonly afi: number;
  readonly safi: number;
  readonly nextHopAfi: number;
}

export type Capability =
  | { readonly code: 1; readonly name: "multiprotocol"; readonly afi: number; readonly safi: number }
  | { readonly code: 2; readonly name: "route-refresh" }
  | { readonly code: 128; readonly name: "route-refresh-cisco" }
  | { readonly code: 70; readonly name: "enhanced-route-refresh" }
  | { readonly code: 65; readonly name: "asn4"; readonly asn: number }
  | { readonly code: 69; readonly name: "add-path"; readonly entries: readonly AddPathEntry[] }
  | {
    readonly code: 64;
    readonly name: "graceful-restart";
    /** The 4 high bits of the first octet (0x8 = restart state, 0x4 = notification, RFC 8538). */
    readonly restartFlags: number;
    readonly restartTime: number;
    readonly families: readonly GracefulRestartFamily[];
  }
  | { readonly code: 6; readonly name: "extended-message" }
  | { readonly code: 5; readonly name: "extended-next-hop"; readonly entries: readonly ExtendedNextHopEntry[] }
  | { readonly code: 73; readonly name: "hostname"; readonly hostname: string; readonly domain: string }
  | { readonly code: 75; readonly name: "software-version"; readonly version: string }
  | { readonly code: 68 | 131; readonly name: "multi-session"; readonly value: Uint8Array }
  | { readonly code: 185; readonly name: "operational" }
  | { readonly code: number; readonly name: "unknown"; readonly value: Uint8Array };

// ---------------------------------------------------------------------------------------------------------
// NLRI

/**
 * A prefix of an IP family (unicast or multicast), RFC 4271 §4.3 / RFC 4760 §5, with the RFC 7911 path id.
 * `bytes` holds only the significant octets (ceil(length/8)), as on the wire.
 */
export interface PrefixNlri {
  readonly kind: "prefix";
  readonly family: FamilyKey;
  readonly length: number;
  readonly bytes: Uint8Array;
  /** RFC 7911 path identifier; undefined when ADD-PATH is not in use for the family. */
  readonly pathId?: number;
}

/**
 * NLRI of a family this build has no codec for: kept as the raw bytes of one NLRI so it can be shown and
 * re-sent. Later families (labeled, VPN, FlowSpec, EVPN, …) join the union with their own kinds.
 */
export interface RawNlri {
  readonly kind: "raw";
  readonly family: FamilyKey;
  readonly bytes: Uint8Array;
  readonly pathId?: number;
}

/**
 * Labeled unicast (SAFI 4, RFC 8277) and MPLS VPN (SAFI 128, RFC 4364 §4.3.4 / RFC 4659 §3.2): a label stack,
 * an RD for VPN families, then the prefix. `length` and `bytes` are the prefix alone (as in PrefixNlri);
 * `labels` is the raw stack (3 octets per label, bottom-of-stack bit included) and `rd` the 8 raw octets.
 */
export interface LabeledNlri {
  readonly kind: "labeled";
  readonly family: FamilyKey;
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly labels: Uint8Array;
  readonly rd?: Uint8Array;
  readonly pathId?: number;
}

/**
 * FlowSpec (RFC 8955, RFC 8956), SAFI 133 and flow-vpn 134: the components in ascending type order
 * (lib/bgp/nlri/flow_components.ts), and for flow-vpn the 8-octet route distinguisher (RFC 8955 §8).
 */
export interface FlowNlri {
  readonly kind: "flow";
  readonly family: FamilyKey;
  readonly rd?: Uint8Array;
  readonly components: readonly FlowComponent[];
  readonly pathId?: number;
}

/**
 * BGP-LS (AFI 16388, SAFI 71/72; RFC 9552 §5.2) and the receive-only route-target constraint (SAFI 132,
 * RFC 4684 §4) and SR Policy (SAFI 73, RFC 9830 §2.1) NLRI: `bytes` is one NLRI exactly as on the wire
 * (BGP-LS: type, length, [RD,] value; RTC / SR Policy: the length octet and the prefix octets), decoded
 * for display by lib/bgp/nlri/{bgpls,rtc,sr_policy}.ts only when shown.
 */
export interface BgpLsNlri {
  readonly kind: "bgp-ls" | "rtc" | "sr-policy";
  readonly family: FamilyKey;
  readonly bytes: Uint8Array;
  readonly pathId?: number;
}

/**
 * VPLS (AFI 25 SAFI 65, RFC 4761 §3.2.2), EVPN (AFI 25 SAFI 70, RFC 7432 §7) and MCAST-VPN (SAFI 5,
 * RFC 6514 §4): `bytes` is one NLRI exactly as on the wire (VPLS: 2-octet length and value; EVPN / MCAST-VPN:
 * route type, length, value), decoded for display by lib/bgp/nlri/{vpls,evpn,mvpn}.ts only when shown.
 */
export interface L2Nlri {
  readonly kind: "vpls" | "evpn" | "mvpn";
  readonly family: FamilyKey;
  readonly bytes: Uint8Array;
  readonly pathId?: number;
}

/**
 * BGP-MUP (SAFI 85, draft-mpmz-bess-mup-safi §3.1): `bytes` is one NLRI exactly as on the wire (architecture,
 * route type, length, value), decoded for display and checks by lib/bgp/nlri/mup.ts.
 */
export interface MupNlri {
  readonly kind: "mup";
  readonly family: FamilyKey;
  readonly bytes: Uint8Array;
  readonly pathId?: number;
}

export type Nlri = PrefixNlri | RawNlri | LabeledNlri | FlowNlri | BgpLsNlri | L2Nlri | MupNlri;

// ---------------------------------------------------------------------------------------------------------
// Path attributes (RFC 4271 §4.3 and later RFCs; type codes from IANA)

export const AttrCode = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MED: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITY: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITY: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  AIGP: 26,
  LARGE_COMMUNITY: 32,
} as const;

/** Attribute flags (RFC 4271 §4.3). */
export const AttrFlag = { OPTIONAL: 0x80, TRANSITIVE: 0x40, PARTIAL: 0x20, EXTENDED: 0x10 } as const;

/** RFC 4271 §4.3 segment types, RFC 5065 confederation types. */
export const SegmentType = { AS_SET: 1, AS_SEQUENCE: 2, CONFED_SEQUENCE: 3, CONFED_SET: 4 } as const;
export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export type Origin = 0 | 1 | 2; // igp, egp, incomplete

export interface MpReach {
  readonly code: 14;
  readonly kind: "mp-reach";
  readonly family: FamilyKey;
  /** Next hop(s) as text: one global address, or global + link-local for IPv6 (RFC 2545). */
  readonly nextHops: readonly string[];
  readonly nlri: readonly Nlri[];
}
export interface MpUnreach {
  readonly code: 15;
  readonly kind: "mp-unreach";
  readonly family: FamilyKey;
  readonly nlri: readonly Nlri[];
}

export type Attribute =
  | { readonly code: 1; readonly kind: "origin"; readonly value: Origin }
  | { readonly code: 2; readonly kind: "as-path"; readonly segments: readonly AsPathSegment[] }
  | { readonly code: 3; readonly kind: "next-hop"; readonly address: string }
  | { readonly code: 4; readonly kind: "med"; readonly value: number }
  | { readonly code: 5; readonly kind: "local-preference"; readonly value: number }
  | { readonly code: 6; readonly kind: "atomic-aggregate" }
  | { readonly code: 7; readonly kind: "aggregator"; readonly asn: number; readonly address: string }
  | { readonly code: 8; readonly kind: "community"; readonly values: readonly number[] }
  | { readonly code: 9; readonly kind: "originator-id"; readonly address: string }
  | { readonly code: 10; readonly kind: "cluster-list"; readonly addresses: readonly string[] }
  | MpReach
  | MpUnreach
  /** Each value is the 8 raw octets of one extended community (RFC 4360). */
  | { readonly code: 16; readonly kind: "extended-community"; readonly values: readonly Uint8Array[] }
  | { readonly code: 17; readonly kind: "as4-path"; readonly segments: readonly AsPathSegment[] }
  | { readonly code: 18; readonly kind: "as4-aggregator"; readonly asn: number; readonly address: string }
  | { readonly code: 26; readonly kind: "aigp"; readonly value: bigint }
  | {
    readonly code: 32;
    readonly kind: "large-community";
    readonly values: readonly (readonly [number, number, number])[];
  }
  /** BGP-LS attribute (RFC 9552 §5.3): its TLVs as on the wire, decoded for display (lib/api/bgpls_json.ts). */
  | { readonly code: 29; readonly kind: "bgp-ls"; readonly value: Uint8Array }
  /** Any other type code: kept with its flags and bytes, re-sent verbatim (ExaBGP's GenericAttribute). */
  | { readonly code: number; readonly kind: "generic"; readonly flags: number; readonly value: Uint8Array };

export type AttributeKind = Attribute["kind"];

// ---------------------------------------------------------------------------------------------------------
// Routes, as configuration and API produce them

/** The next hop a route asks for: an address, `self` (the session's local address), or none (withdraws). */
export type NextHop =
  | { readonly kind: "ip"; readonly address: string }
  | { readonly kind: "self" }
  | { readonly kind: "none" };

/**
 * One route to announce: an NLRI, its next hop and its path attributes (without NEXT_HOP, MP_REACH and
 * MP_UNREACH, which the UPDATE builder derives). Attributes in any order; the encoder sorts by type code.
 */
export interface Route {
  readonly nlri: Nlri;
  readonly nextHop: NextHop;
  readonly attributes: readonly Attribute[];
  /** ExaBGP's internal pseudo-attributes (never on the wire). */
  readonly watchdog?: string;
  /** `withdraw` in the configuration: the route starts withdrawn (used with watchdog). */
  readonly withdrawn?: boolean;
  readonly name?: string;
}

// ---------------------------------------------------------------------------------------------------------
// What a session negotiated, as the codecs need it (RFC 4271, 6793, 7911, 8654, 8950)

export interface CodecContext {
  /** Both sides sent the 4-octet AS capability (RFC 6793). */
  readonly asn4: boolean;
  /** Families for which we receive (decode) / send (encode) path identifiers (RFC 7911). */
  readonly addPath: ReadonlySet<FamilyKey>;
  /** 4096, or 65535 when extended message is negotiated (RFC 8654). */
  readonly maxMessageSize: number;
  /**
   * Decoding what an external (eBGP) peer sent: RFC 7606 §7.5, §7.9 and §7.10 discard LOCAL_PREF,
   * ORIGINATOR_ID and CLUSTER_LIST from it. Absent: internal rules.
   */
  readonly external?: boolean;
  /**
   * Decoding to show or inspect, not as a speaker (`tsbgp decode`): an unrecognised well-known attribute is
   * kept as a generic one instead of raising 3/2 (RFC 4271 §6.3 binds the speaker, not a decoder).
   */
  readonly inspect?: boolean;
}

export const DEFAULT_CONTEXT: CodecContext = { asn4: true, addPath: new Set(), maxMessageSize: 4096 };
