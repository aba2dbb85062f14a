/**
 * The contents of one BGP-LS NLRI (RFC 9552 §5.2): Protocol-ID, Identifier, and the descriptor TLVs —
 * node descriptors (§5.2.1.4), link descriptors (§5.2.2), prefix descriptors (§5.2.3) and the SRv6 SID
 * descriptors (RFC 9514 §6). Read on demand from the wire bytes kept in the NLRI, for display only.
 */
import { readU32 } from "../attribute/value.ts";
import { bytesToIp } from "../ip.ts";
import type { BgpLsNlri } from "../types.ts";
import { bgpLsType, bgpLsValue } from "./bgpls.ts";

export interface Tlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** `type (2) | length (2) | value` entries; a TLV overrunning the buffer is cut at its end. */
export function readTlvs(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i + 4 <= bytes.length) {
    const type = (bytes[i] << 8) | bytes[i + 1];
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    const end = Math.min(i + 4 + length, bytes.length);
    out.push({ type, value: bytes.subarray(i + 4, end) });
    i = i + 4 + length;
  }
  return out;
}

/** Node descriptor sub-TLVs (RFC 9552 §5.2.1.4). */
export type NodeDescriptor =
  | { readonly kind: "autonomous-system"; readonly asn: number }
  | { readonly kind: "bgp-ls-identifier"; readonly id: number }
  | { readonly kind: "ospf-area-id"; readonly area: string }
  /** IS-IS: the system id as hex (+ pseudonode octet); OSPF: the router id (+ designated router). */
  | { readonly kind: "router-id"; readonly id: string; readonly dr?: string; readonly psn?: number }
  | { readonly kind: "unknown"; readonly type: number; readonly value: Uint8Array };

/** Protocol-IDs (RFC 9552 §5.2 table 2) whose IGP Router-ID is an IS-IS system id. */
const ISIS_PROTOCOLS = new Set([1, 2]);

export function lowerHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/** RFC 9552 §5.2.1.4: the IGP Router-ID's form follows the protocol and the length. */
function routerId(v: Uint8Array, protocol: number): NodeDescriptor {
  if (ISIS_PROTOCOLS.has(protocol) || (v.length !== 4 && v.length !== 8 && v.length !== 16)) {
    // 6 octets: system id; 7: system id + pseudonode id (ExaBGP prints the 7 octets and the psn).
    return v.length === 7 && v[6] !== 0
      ? { kind: "router-id", id: lowerHex(v), psn: v[6] }
      : { kind: "router-id", id: lowerHex(v) };
  }
  if (v.length === 8) return { kind: "router-id", id: bytesToIp(v, 0, 4), dr: bytesToIp(v, 4, 4) };
  return { kind: "router-id", id: bytesToIp(v, 0, v.length) };
}

const NODE_DESCRIPTORS: Readonly<
  Partial<Record<number, (v: Uint8Array, protocol: number) => NodeDescriptor>>
> = {
  512: (v) => ({ kind: "autonomous-system", asn: readU32(v, 0) }),
  513: (v) => ({ kind: "bgp-ls-identifier", id: readU32(v, 0) }),
  514: (v) => ({ kind: "ospf-area-id", area: bytesToIp(v, 0, v.length) }),
  515: routerId,
};
/** RFC 9552 §5.2.1.4 lengths: AS and BGP-LS Identifier 4 octets, OSPF Area-ID 4 (or 16, as ExaBGP allows). */
function validLength(type: number, length: number): boolean {
  if (type === 512 || type === 513) return length === 4;
  return type !== 514 || length === 4 || length === 16;
}

export function parseNodeDescriptors(value: Uint8Array, protocol: number): NodeDescriptor[] {
  return readTlvs(value).map(({ type, value: v }) => {
    const parse = NODE_DESCRIPTORS[type];
    return parse && validLength(type, v.length) ? parse(v, protocol) : { kind: "unknown", type, value: v };
  });
}

/** A link's local/remote identifiers (RFC 9552 §5.2.2, TLV 258). */
export interface LinkIdentifier {
  readonly local: number;
  readonly remote: number;
}

export interface BgpLsCommon {
  readonly protocol: number;
  /** RFC 9552 §5.2: the 64-bit Identifier (ExaBGP's l3-routing-topology). */
  readonly identifier: bigint;
  readonly local: readonly NodeDescriptor[];
}

export type BgpLsContent =
  | (BgpLsCommon & { readonly type: 1 })
  | (BgpLsCommon & {
    readonly type: 2;
    readonly remote: readonly NodeDescriptor[];
    readonly interfaces: readonly string[];
    readonly neighbors: readonly string[];
    readonly topologies: readonly number[];
    readonly linkIds: readonly LinkIdentifier[];
  })
  | (BgpLsCommon & {
    readonly type: 3 | 4;
    readonly ospfRouteType?: number;
    readonly reach?: { readonly prefix: string; readonly length: number };
  })
  | (BgpLsCommon & {
    readonly type: 6;
    readonly topologies: readonly number[];
    readonly sids: readonly string[];
    readonly others: readonly Tlv[];
  })
  | { readonly type: number; readonly unknown: true };

/** Multi-Topology ID entries (RFC 9552 §5.2.2.1): 2 octets each, 12 significant bits. */
function topologyIds(v: Uint8Array, into: number[]): void {
  for (let i = 0; i + 2 <= v.length; i += 2) into.push(((v[i] << 8) | v[i + 1]) & 0x0fff);
}

/**
 * IP Reachability Information (RFC 9552 §5.2.3.2): prefix length, then the prefix octets. Like ExaBGP, every
 * octet given is used (some implementations send fewer than the length calls for) and padded to an address.
 */
function ipReach(v: Uint8Array, v6: boolean): { prefix: string; length: number } {
  const size = v6 ? 16 : 4;
  const addr = new Uint8Array(size);
  addr.set(v.subarray(1, 1 + size));
  return { prefix: bytesToIp(addr, 0, size), length: v[0] ?? 0 };
}

function addressOf(v: Uint8Array): string {
  return v.length === 4 || v.length === 16 ? bytesToIp(v, 0, v.length) : lowerHex(v);
}

function linkContent(common: BgpLsCommon, tlvs: Tlv[]): BgpLsContent {
  let remote: NodeDescriptor[] = [];
  const interfaces: string[] = [], neighbors: string[] = [], topologies: number[] = [];
  const linkIds: LinkIdentifier[] = [];
  for (const { type, value } of tlvs) {
    switch (type) {
      case 257:
        remote = parseNodeDescriptors(value, common.protocol);
        break;
      case 258:
        if (value.length >= 8) linkIds.push({ local: readU32(value, 0), remote: readU32(value, 4) });
        break;
      case 259: // IPv4 interface address
      case 261: // IPv6 interface address
        interfaces.push(addressOf(value));
        break;
      case 260: // IPv4 neighbor address
      case 262: // IPv6 neighbor address
        neighbors.push(addressOf(value));
        break;
      case 263:
        topologyIds(value, topologies);
        break;
    }
  }
  return { ...common, type: 2, remote, interfaces, neighbors, topologies, linkIds };
}

function prefixContent(common: BgpLsCommon, type: 3 | 4, tlvs: Tlv[]): BgpLsContent {
  let ospfRouteType: number | undefined;
  let reach: { prefix: string; length: number } | undefined;
  for (const { type: t, value } of tlvs) {
    if (t === 264 && value.length >= 1) ospfRouteType = value[0];
    else if (t === 265 && value.length >= 1) reach = ipReach(value, type === 4);
  }
  return { ...common, type, ospfRouteType, reach };
}

function srv6SidContent(common: BgpLsCommon, tlvs: Tlv[]): BgpLsContent {
  const topologies: number[] = [], sids: string[] = [], others: Tlv[] = [];
  for (const tlv of tlvs) {
    if (tlv.type === 263) topologyIds(tlv.value, topologies);
    // RFC 9514 §6.1: SRv6 SID Information TLV 518, one 16-octet SID.
    else if (tlv.type === 518 && tlv.value.length === 16) sids.push(bytesToIp(tlv.value, 0, 16));
    else others.push(tlv);
  }
  return { ...common, type: 6, topologies, sids, others };
}

/** The decoded fields of one BGP-LS NLRI; `unknown` for types this build does not know. */
export function bgpLsContent(n: BgpLsNlri): BgpLsContent {
  const type = bgpLsType(n);
  const v = bgpLsValue(n);
  if (![1, 2, 3, 4, 6].includes(type) || v.length < 9) return { type, unknown: true };
  const protocol = v[0];
  const identifier = (BigInt(readU32(v, 1)) << 32n) | BigInt(readU32(v, 5));
  const tlvs = readTlvs(v.subarray(9));
  // RFC 9552 §5.2: the Local Node Descriptors TLV (256) comes first in every NLRI type.
  const localTlv = tlvs.find((t) => t.type === 256);
  const common: BgpLsCommon = {
    protocol,
    identifier,
    local: localTlv ? parseNodeDescriptors(localTlv.value, protocol) : [],
  };
  const rest = tlvs.filter((t) => t !== localTlv);
  switch (type) {
    case 1:
      return { ...common, type: 1 };
    case 2:
      return linkContent(common, rest);
    case 3:
    case 4:
      return prefixContent(common, type, rest);
    default:
      return srv6SidContent(common, rest);
  }
}
