/**
 * ExaBGP 5.0's JSON for BGP-LS: the NLRI objects (RFC 9552 §5.2, RFC 9514 §6) and the members of the
 * `"bgp-ls": { … }` attribute (RFC 9552 §5.3, RFC 9085 SR extensions, RFC 9514 SRv6). Python json.dumps
 * spacing is kept. TLVs ExaBGP does not decode are shown as it shows them: `"generic-lsid-<code>": ["0x…"]`.
 */
import { bytesToIp } from "../bgp/ip.ts";
import { BGPLS_NLRI_NAMES, bgpLsRd } from "../bgp/nlri/bgpls.ts";
import {
  type BgpLsContent,
  bgpLsContent,
  lowerHex,
  type NodeDescriptor,
  readTlvs,
} from "../bgp/nlri/bgpls_tlv.ts";
import { rtcLength, rtcOrigin, rtcTarget } from "../bgp/nlri/rtc.ts";
import { srPolicyFields } from "../bgp/nlri/sr_policy.ts";
import { rdToString } from "../bgp/qualifier/rd.ts";
import type { BgpLsNlri } from "../bgp/types.ts";
import { jsonString } from "./escape.ts";
import { extendedCommunityString } from "./json.ts";

/** ExaBGP's hexstring(): "0x" and upper-case hex. */
function hexstring(b: Uint8Array): string {
  let s = "0x";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).toUpperCase().padStart(2, "0");
  return s;
}

/** Python's repr of a float (json.dumps writes floats that way): always a decimal point. */
function pyFloat(n: number): string {
  // RFC 8259 §6 has no NaN/Infinity (Python prints them): a peer's float bytes must not make the event
  // unparseable by a strict JSON reader, so they become null.
  if (!Number.isFinite(n)) return "null";
  const s = String(n);
  return Number.isInteger(n) && !s.includes("e") ? `${s}.0` : s;
}

const pyList = (items: readonly (string | number)[]) => `[${items.join(", ")}]`;
const pyObject = (members: readonly string[]) => `{${members.join(", ")}}`;

// ---------------------------------------------------------------------------------------------------------
// NLRI

function descriptorJson(d: NodeDescriptor): string {
  switch (d.kind) {
    case "autonomous-system":
      return `{ "autonomous-system": ${d.asn} }`;
    case "bgp-ls-identifier":
      return `{ "bgp-ls-identifier": "${d.id}" }`;
    case "ospf-area-id":
      return `{ "ospf-area-id": "${d.area}" }`;
    case "router-id": {
      const parts = [`"router-id": "${d.id}"`];
      if (d.dr !== undefined) parts.push(`"designated-router-id": "${d.dr}"`);
      if (d.psn !== undefined) parts.push(`"psn": "${d.psn}"`);
      return `{ ${parts.join(", ")} }`;
    }
    case "unknown":
      return `{ "generic-tlv-${d.type}": "${hexstring(d.value)}" }`;
  }
}

const descriptors = (list: readonly NodeDescriptor[]) => `[ ${list.map(descriptorJson).join(", ")} ]`;

function head(c: Exclude<BgpLsContent, { unknown: true }>): string {
  return `"ls-nlri-type": "${
    BGPLS_NLRI_NAMES[c.type]
  }", "l3-routing-topology": ${c.identifier}, "protocol-id": ${c.protocol}`;
}

/** The body (without braces) of each NLRI type, ExaBGP's member order. */
function contentJson(c: Exclude<BgpLsContent, { unknown: true }>, nextHop: string | undefined): string[] {
  const hop = nextHop === undefined ? [] : [`"nexthop": ${jsonString(nextHop)}`];
  switch (c.type) {
    case 1:
      return [`"node-descriptors": ${descriptors(c.local)}`, ...hop];
    case 2:
      return [
        `"local-node-descriptors": ${descriptors(c.local)}`,
        `"remote-node-descriptors": ${descriptors(c.remote)}`,
        `"interface-addresses": [ ${c.interfaces.map((a) => `"${a}"`).join(", ")} ]`,
        `"neighbor-addresses": [ ${c.neighbors.map((a) => `"${a}"`).join(", ")} ]`,
        `"multi-topology-ids": [ ${c.topologies.join(", ")} ]`,
        `"link-identifiers": [ ${
          c.linkIds.map((l) => `{ "link-local-id": ${l.local}, "link-remote-id": ${l.remote} }`).join(", ")
        } ]`,
      ];
    case 3:
    case 4: {
      const out = [`"node-descriptors": ${descriptors(c.local)}`];
      if (c.reach) {
        out.push(`"ip-reachability-tlv": "${c.reach.prefix}"`);
        out.push(`"ip-reach-prefix": "${c.reach.prefix}/${c.reach.length}"`);
      }
      out.push(...hop);
      if (c.ospfRouteType !== undefined) out.push(`"ospf-route-type": ${c.ospfRouteType}`);
      return out;
    }
    case 6: {
      const sid = [`"multi-topology-ids": ${pyList(c.topologies.map((t) => String(t)))}`];
      if (c.sids.length) sid.push(`"srv6-sid": "${c.sids[c.sids.length - 1]}"`);
      const generic = new Map<number, string[]>();
      for (const t of c.others) {
        let list = generic.get(t.type);
        if (!list) generic.set(t.type, list = []);
        list.push(`"${hexstring(t.value)}"`);
      }
      for (const [type, list] of generic) sid.push(`"generic-tlv-${type}": ${pyList(list)}`);
      return [`"node-descriptors": ${descriptors(c.local)}`, `"srv6-sid-descriptors": ${pyObject(sid)}`];
    }
  }
}

/**
 * One BGP-LS NLRI as ExaBGP prints it. Node and prefix NLRI carry the MP_REACH next hop (`nextHop`, absent
 * for withdrawals); bgp-ls-vpn NLRI end with their RD; an NLRI type ExaBGP does not know is shown raw.
 */
export function bgpLsNlriJson(n: BgpLsNlri, nextHop?: string): string {
  const c = bgpLsContent(n);
  if ("unknown" in c) {
    return `{ "code": ${c.type}, "parsed": false, "raw": "${hexstring(n.bytes).slice(2)}" }`;
  }
  const parts = [head(c), ...contentJson(c, nextHop)];
  const rd = bgpLsRd(n);
  if (rd) parts.push(`"rd": "${rdToString(rd)}"`);
  return `{ ${parts.join(", ")} }`;
}

// ---------------------------------------------------------------------------------------------------------
// The BGP-LS attribute

const u16 = (v: Uint8Array, i: number) => (v[i] << 8) | v[i + 1];
const u24 = (v: Uint8Array, i: number) => (v[i] << 16) | (v[i + 1] << 8) | v[i + 2];
const u32 = (v: Uint8Array, i: number) =>
  ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
const f32 = (v: Uint8Array, i: number) => new DataView(v.buffer, v.byteOffset + i, 4).getFloat32(0);

/**
 * ExaBGP's FlagLS: the first octet's bits, most significant first, named by `names`; the reserved ones all
 * share the key "RSV", which (a Python dict) keeps the value of the last of them.
 */
function flagsJson(octet: number, names: readonly string[]): string {
  const values = new Map<string, number>();
  names.forEach((name, i) => values.set(name, (octet >> (7 - i)) & 1));
  return pyObject([...values].map(([k, v]) => `"${k}": ${v}`));
}

const RSV = "RSV";
const NODE_FLAGS = ["O", "T", "E", "B", "R", "V", RSV, RSV]; // RFC 9552 §5.3.1.1
const ADJ_FLAGS = ["F", "B", "V", "L", "S", "P", RSV, RSV]; // RFC 8667 §2.2.1 (IS-IS Adj-SID)
const PREFIX_SID_FLAGS = ["R", "N", "P", "E", "V", "L", RSV, RSV]; // RFC 8667 §2.1.1
const SRV6_FLAGS = ["B", "S", "P", RSV, RSV, RSV, RSV, RSV]; // RFC 9514 §4.1
const SR_CAP_FLAGS = ["I", "V", RSV, RSV, RSV, RSV, RSV, RSV]; // RFC 8667 §3.1
const PREFIX_ATTR_FLAGS = ["X", "R", "N", RSV, RSV, RSV, RSV, RSV]; // RFC 7794 §2.1
const IGP_FLAGS = ["D", "N", "L", "P", RSV, RSV, RSV, RSV]; // RFC 9552 §5.3.3.1
const SRV6_LOCATOR_FLAGS = ["D", RSV, RSV, RSV, RSV, RSV, RSV, RSV]; // RFC 9514 §5.1
const MPLS_MASK = ["LDP", "RSVP-TE", RSV, RSV, RSV, RSV, RSV, RSV]; // RFC 9552 §5.3.2.2
const PROTECTION = [
  "ExtraTrafic",
  "Unprotected",
  "Shared",
  "Dedicated1:1",
  "Dedicated1+1",
  "Enhanced",
  RSV,
  RSV,
];

/** SID/label list of the SR TLVs (RFC 9085 §2.2.1): 3-octet labels when V and L are set, 4-octet indexes when neither. */
function sidList(
  flags: number,
  v: Uint8Array,
  start: number,
  vBit: number,
  lBit: number,
): [string[], string[]] {
  const sids: string[] = [], undecoded: string[] = [];
  const vl = (flags & vBit ? 1 : 0) + (flags & lBit ? 1 : 0);
  for (let i = start; i < v.length;) {
    if (vl === 2 && i + 3 <= v.length) {
      sids.push(String(u24(v, i)));
      i += 3;
    } else if (vl === 0 && i + 4 <= v.length) {
      sids.push(String(u32(v, i)));
      i += 4;
    } else {
      undecoded.push(`"${hexstring(v.subarray(i))}"`);
      break;
    }
  }
  return [sids, undecoded];
}

/** RFC 9552 §5.3.2.4: 1 octet (IS-IS narrow, 6 bits), 2 (OSPF) or 3 (IS-IS wide). */
function igpMetric(v: Uint8Array): number {
  if (v.length === 1) return v[0] & 0x3f;
  if (v.length === 2) return u16(v, 0);
  return v.length >= 3 ? u24(v, 0) : 0;
}

/** RFC 9514 §8 SRv6 SID Structure: locator block, locator node, function and argument lengths in bits. */
function sidStructure(v: Uint8Array): string {
  return `"srv6-sid-structure": {"loc_block_len": ${v[0]}, "loc_node_len": ${v[1]}, "func_len": ${
    v[2]
  }, "arg_len": ${v[3]}}`;
}

/** SRv6 sub-TLVs of End.X / LAN End.X (RFC 9514 §8: SID Structure 1252). */
function srv6SubTlvs(v: Uint8Array, unknownKey: (code: number) => string): string[] {
  return readTlvs(v).map(({ type, value }) =>
    type === 1252 && value.length >= 4 ? sidStructure(value) : `"${unknownKey(type)}": "${hexstring(value)}"`
  );
}

/** RFC 9514 §4.1 SRv6 End.X SID. */
function srv6EndX(v: Uint8Array): string {
  return pyObject([
    `"flags": ${flagsJson(v[2], SRV6_FLAGS)}`,
    `"behavior": ${u16(v, 0)}`,
    `"algorithm": ${v[3]}`,
    `"weight": ${v[4]}`,
    `"sid": "${bytesToIp(v, 6, 16)}"`,
    ...srv6SubTlvs(v.subarray(22), (code) => `unknown-subtlv-${code}`),
  ]);
}

/** RFC 9514 §4.2 SRv6 LAN End.X SID: the neighbor is an IS-IS system id (6 octets) or an OSPFv3 router id (4). */
function srv6LanEndX(v: Uint8Array, neighborLength: 6 | 4): string {
  const neighbor = neighborLength === 6 ? lowerHex(v.subarray(6, 12)) : bytesToIp(v, 6, 4);
  const sidAt = 6 + neighborLength;
  return pyObject([
    `"flags": ${flagsJson(v[2], SRV6_FLAGS)}`,
    `"neighbor-id": "${neighbor}"`,
    `"behavior": ${u16(v, 0)}`,
    `"algorithm": ${v[3]}`,
    `"weight": ${v[4]}`,
    `"sid": "${bytesToIp(v, sidAt, 16)}"`,
    ...srv6SubTlvs(v.subarray(sidAt + 16), (code) => `${code}-undecoded`),
  ]);
}

/** SR Capabilities (RFC 9085 §2.1.2): flags, reserved, then (range size, SID/Label sub-TLV 1161) entries. */
function srCapabilities(v: Uint8Array): string {
  const ranges: string[] = [];
  for (let i = 2; i + 7 <= v.length;) {
    const range = u24(v, i);
    const length = u16(v, i + 5);
    const value = v.subarray(i + 7, i + 7 + length);
    if (length === 3) ranges.push(`[${range}, ${u24(value, 0) & 0xfffff}]`);
    else if (length === 4) ranges.push(`[${range}, ${u32(value, 0)}]`);
    i += 7 + length;
  }
  return `"sr-capability-flags": ${flagsJson(v[0], SR_CAP_FLAGS)}, "sids": ${pyList(ranges)}`;
}

/** A TLV shown as one or more `"key": value` members. */
type Member = (v: Uint8Array) => string;

/** Opaque TLVs: ExaBGP prints the bytes as UTF-8 text. */
const utf8 = (v: Uint8Array) => jsonString(new TextDecoder().decode(v));
const ip = (v: Uint8Array) =>
  `"${v.length === 4 || v.length === 16 ? bytesToIp(v, 0, v.length) : lowerHex(v)}"`;
const member = (key: string, value: (v: Uint8Array) => string | number): Member => (v) =>
  `"${key}": ${value(v)}`;

/** TLVs shown one member each, in wire order (repeats give repeated keys, as ExaBGP prints them). */
const SINGLE: Readonly<Partial<Record<number, Member>>> = {
  // Node attribute TLVs (RFC 9552 §5.3.1)
  1024: member("node-flags", (v) => flagsJson(v[0] ?? 0, NODE_FLAGS)),
  1026: member("node-name", utf8),
  1027: member("area-id", (v) => `"${v.length ? BigInt(`0x${lowerHex(v)}`) : 0n}"`),
  1025: member("opaque", utf8),
  1030: member("remote-te-router-id", ip), // RFC 9552 §5.3.2: remote IPv4 / IPv6 TE router id
  1031: member("remote-te-router-id", ip),
  1034: srCapabilities,
  // RFC 9514 §3.1 SRv6 Capabilities: ExaBGP reports its "O" as the 16-bit flags ANDed with 0x40 (0 or 64).
  1038: member("srv6-capabilities", (v) => `{"flags": {"O": ${u16(v, 0) & 0x40}}}`),
  1035: member("sr-algorithms", (v) => pyList([...v])),
  // Link attribute TLVs (RFC 9552 §5.3.2; bandwidths are IEEE floats in bytes per second)
  1088: member("admin-group-mask", (v) => u32(v, 0)),
  1089: member("maximum-link-bandwidth", (v) => pyFloat(f32(v, 0))),
  1090: member("maximum-reservable-link-bandwidth", (v) => pyFloat(f32(v, 0))),
  1091: member("unreserved-bandwidth", (v) => {
    const values: string[] = [];
    for (let i = 0; i + 4 <= v.length; i += 4) values.push(pyFloat(f32(v, i)));
    return pyList(values);
  }),
  1092: member("te-metric", (v) => (v.length >= 4 ? u32(v, 0) : v.length === 3 ? u24(v, 0) : 0)),
  1093: member("link-protection-type", (v) => flagsJson(v[0] ?? 0, PROTECTION)),
  1094: member("mpls-mask", (v) => flagsJson(v[0] ?? 0, MPLS_MASK)),
  1095: member("igp-metric", igpMetric),
  1097: member("opaque-link", utf8),
  1098: member("link-name", utf8),
  // RFC 9085 §2.2.1 Adjacency SID: flags, weight, reserved (2), SID/label.
  1099: (v) => {
    const [sids, undecoded] = sidList(v[0], v, 4, 0x20, 0x10);
    return `"sr-adj": ${
      pyObject([
        `"flags": ${flagsJson(v[0], ADJ_FLAGS)}`,
        `"sids": ${pyList(sids)}`,
        `"weight": ${v[1]}`,
        `"undecoded-sids": ${pyList(undecoded)}`,
      ])
    }`;
  },
  // Prefix attribute TLVs (RFC 9552 §5.3.3)
  1152: member("igp-flags", (v) => flagsJson(v[0] ?? 0, IGP_FLAGS)),
  1153: member("igp-route-tags", (v) => {
    const tags: number[] = [];
    for (let i = 0; i + 4 <= v.length; i += 4) tags.push(u32(v, i));
    return pyList(tags);
  }),
  1154: member("igp-extended-route-tags", (v) => {
    const tags: string[] = [];
    for (let i = 0; i + 8 <= v.length; i += 8) {
      tags.push(String((BigInt(u32(v, i)) << 32n) | BigInt(u32(v, i + 4))));
    }
    return pyList(tags);
  }),
  1155: member("prefix-metric", (v) => u32(v, 0)),
  1156: member("ospf-forwarding-address", ip),
  // RFC 9085 §2.3.1 Prefix SID: flags, algorithm, reserved (2), SID/index/label.
  1158: (v) => {
    const [sids, undecoded] = sidList(v[0], v, 4, 0x08, 0x04);
    return `"sr-prefix-flags": ${flagsJson(v[0], PREFIX_SID_FLAGS)}, "sids": ${
      pyList(sids)
    }, "undecoded-sids": ${pyList(undecoded)}, "sr-algorithm": ${v[1]}`;
  },
  // RFC 9514 §5.1 SRv6 Locator: flags, algorithm, reserved (2), metric.
  1162: member(
    "srv6-locator",
    (v) => `{"flags": ${flagsJson(v[0], SRV6_LOCATOR_FLAGS)}, "algorithm": ${v[1]}, "metric": ${u32(v, 4)}}`,
  ),
  1170: member("sr-prefix-attribute-flags", (v) => flagsJson(v[0] ?? 0, PREFIX_ATTR_FLAGS)),
  1171: member("sr-source-router-id", ip),
  // RFC 9514 §7.1 SRv6 Endpoint Behavior (behavior, flags, algorithm) and §8 SID Structure.
  1250: member(
    "srv6-endpoint-behavior",
    (v) => `{"endpoint-behavior": ${u16(v, 0)}, "flags": [], "algorithm": ${v[3]}}`,
  ),
  1252: sidStructure,
};

/** TLVs ExaBGP merges into one list, shown where the first of them appears. */
const MERGED: Readonly<
  Partial<Record<number, { readonly key: string; readonly item: (v: Uint8Array) => string }>>
> = {
  1028: { key: "local-te-router-ids", item: ip }, // RFC 9552 §5.3.1: local IPv4 TE router id
  1029: { key: "local-te-router-ids", item: ip }, // and IPv6
  1096: {
    key: "shared-risk-link-groups",
    item: (v) => {
      const groups: number[] = [];
      for (let i = 0; i + 4 <= v.length; i += 4) groups.push(u32(v, i));
      return groups.join(", ");
    },
  },
  1106: { key: "srv6-endx", item: srv6EndX },
  1107: { key: "srv6-lan-endx-isis", item: (v) => srv6LanEndX(v, 6) },
  1108: { key: "srv6-lan-endx-ospf", item: (v) => srv6LanEndX(v, 4) },
};

/** Minimum value length of each decoded TLV; a shorter one is shown as generic rather than misread. */
const MIN_LENGTH: Readonly<Partial<Record<number, number>>> = {
  // Text and opaque TLVs may be empty.
  1025: 0,
  1026: 0,
  1027: 0,
  1097: 0,
  1098: 0,
  1034: 2,
  1038: 2,
  1088: 4,
  1089: 4,
  1090: 4,
  1092: 3,
  1099: 4,
  1106: 22,
  1107: 28,
  1108: 26,
  1155: 4,
  1158: 4,
  1162: 8,
  1250: 4,
  1252: 4,
};

/** The members of the `"bgp-ls"` attribute object, in wire order. */
export function bgpLsAttributeMembers(value: Uint8Array): string[] {
  const parts: string[] = [];
  const merged = new Map<string, { index: number; items: string[] }>();
  for (const { type, value: v } of readTlvs(value)) {
    if (v.length < (MIN_LENGTH[type] ?? 1) && (SINGLE[type] || MERGED[type])) {
      parts.push(`"generic-lsid-${type}": ["${hexstring(v)}"]`);
      continue;
    }
    const m = MERGED[type];
    if (m) {
      const group = merged.get(m.key);
      if (group) group.items.push(m.item(v));
      else {
        merged.set(m.key, { index: parts.length, items: [m.item(v)] });
        parts.push("");
      }
      continue;
    }
    const single = SINGLE[type];
    parts.push(single ? single(v) : `"generic-lsid-${type}": ["${hexstring(v)}"]`);
  }
  for (const [key, { index, items }] of merged) {
    parts[index] = key.startsWith("srv6-lan")
      ? `"${key}": [ ${items.join(", ")} ]`
      : `"${key}": ${pyList(items)}`;
  }
  return parts;
}

/** `"bgp-ls": { … }`: the attribute as ExaBGP's update events show it. */
export function bgpLsAttributeJson(value: Uint8Array): string {
  return `"bgp-ls": { ${bgpLsAttributeMembers(value).join(", ")} }`;
}

// ---------------------------------------------------------------------------------------------------------
// RTC and SR Policy NLRI (receive-only families shown with the BGP-LS ones)

/**
 * RFC 4684 §4, as ExaBGP shows it: a full /96 as origin and route target (flag bits of the type octet
 * cleared), a shorter prefix with its length and target octets, the default as origin 0 and null.
 */
export function rtcJson(n: BgpLsNlri): string {
  const bits = rtcLength(n);
  if (bits === 0) return `{ "origin": 0, "route-target": null }`;
  const rt = rtcRouteTarget(n);
  if (rt !== undefined) return `{ "origin": ${rtcOrigin(n)}, "route-target": ${jsonString(rt)} }`;
  return `{ "origin": ${
    rtcOrigin(n)
  }, "route-target": null, "prefix-length": ${bits}, "route-target-prefix": "${hexstring(rtcTarget(n))}" }`;
}

/** The route target of a /96 as an extended community name; undefined for a shorter prefix. */
function rtcRouteTarget(n: BgpLsNlri): string | undefined {
  if (rtcLength(n) !== 96) return undefined;
  const rt = rtcTarget(n).slice();
  rt[0] &= ~0xc0; // RFC 4684 §4: the transitive/IANA bits of the type do not take part
  return extendedCommunityString(rt);
}

/** RFC 9830 §2.1 fields, as ExaBGP's sr_policy.py prints them. */
export function srPolicyJson(n: BgpLsNlri): string {
  const p = srPolicyFields(n);
  return `{"distinguisher": ${p.distinguisher}, "color": ${p.color}, "endpoint": "${p.endpoint}"}`;
}

/** Any NLRI of these receive-only families; `nextHop` is the MP_REACH next hop of an announcement. */
export function lsFamilyNlriJson(n: BgpLsNlri, nextHop?: string): string {
  if (n.kind === "rtc") return rtcJson(n);
  if (n.kind === "sr-policy") return srPolicyJson(n);
  return bgpLsNlriJson(n, nextHop);
}

/**
 * The text encoder's form (ExaBGP's str()): BGP-LS NLRI print as their JSON object, RTC as
 * `rtc <origin>:<route-target>` (`rtc wildcard` for the default), SR Policy with its three fields.
 */
export function lsFamilyNlriText(n: BgpLsNlri): string {
  if (n.kind === "sr-policy") {
    const p = srPolicyFields(n);
    return `sr-policy distinguisher ${p.distinguisher} color ${p.color} endpoint ${p.endpoint}`;
  }
  if (n.kind === "rtc") {
    const bits = rtcLength(n);
    if (bits === 0) return "rtc wildcard";
    return `rtc ${rtcOrigin(n)}:${rtcRouteTarget(n) ?? `${hexstring(rtcTarget(n))}/${bits}`}`;
  }
  return bgpLsNlriJson(n);
}
