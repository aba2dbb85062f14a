/**
 * ExaBGP 5.0 JSON events (`encoder json;`): one line per event, API version string "5.0.0", with the exact
 * spacing of ExaBGP 5.0.13's stream (`"host" : `, `"router-id": "…" , `), so that scripts which grep the
 * lines rather than parse them keep working. Every peer-supplied string goes through `jsonString`.
 *
 * Also home of the event model both encoders share (neighbor context, negotiated summary, the update
 * view): text.ts imports it from here.
 */
import { hostname } from "node:os";
import process from "node:process";
import {
  afiName,
  familyAfi,
  type FamilyKey,
  familyName,
  familySafi,
  IPV4_UNICAST,
  safiName,
} from "../bgp/family.ts";
import { bytesToIp, prefixToString } from "../bgp/ip.ts";
import { mergeAs4Path } from "../bgp/attribute/as_path.ts";
import { isEor } from "../bgp/message/eor.ts";
import { pathIdToString } from "../bgp/nlri/prefix.ts";
import type {
  AsPathSegment,
  Attribute,
  Capability,
  Nlri,
  NotificationMessage,
  OpenMessage,
  PrefixNlri,
  RouteRefreshMessage,
  UpdateMessage,
} from "../bgp/types.ts";
import { hex, jsonString, jsonStringOrNull } from "./escape.ts";
import { labeledJson } from "../bgp/nlri/labeled.ts";
import { vplsJson } from "../bgp/nlri/vpls.ts";
import { evpnJson } from "../bgp/nlri/evpn.ts";
import { mvpnJson } from "../bgp/nlri/mvpn.ts";
import { mupJson } from "../bgp/nlri/mup.ts";
import { PMSI_TUNNEL, pmsiJson } from "../bgp/attribute/pmsi.ts";
import { PREFIX_SID, prefixSidJson } from "../bgp/attribute/prefix_sid.ts";
import { flowJson } from "../bgp/nlri/flow_text.ts";
import { bgpLsAttributeJson, lsFamilyNlriJson } from "./bgpls_json.ts";

// ---------------------------------------------------------------------------------------------------------
// The event model (inputs of both encoders)

/** `send`/`receive` on a live session; `in` is what `decode` prints (ExaBGP's Direction.IN). */
export type Direction = "send" | "receive" | "in" | "out";

/** Who an event is about. `counter` is ExaBGP's per-neighbor event sequence: the JSON encoder bumps it. */
export interface NeighborContext {
  readonly localAddress: string;
  readonly peerAddress: string;
  readonly localAs: number;
  readonly peerAs: number;
  readonly routerId: string;
  counter: number;
}

/** What a session negotiated, as the `negotiated` event and every update event report it. */
export interface NegotiatedSummary {
  readonly messageSize: number;
  readonly holdTime: number;
  readonly asn4: boolean;
  readonly multisession: boolean;
  readonly operational: boolean;
  readonly refresh: "absent" | "normal" | "enhanced";
  readonly families: readonly FamilyKey[];
  /** RFC 8950 extended next hop: [family, next-hop AFI]. */
  readonly nexthop: readonly (readonly [FamilyKey, number])[];
  readonly addPath: { readonly send: readonly FamilyKey[]; readonly receive: readonly FamilyKey[] };
}

/** The raw message, for `consolidate` (header/body in the event) and `packets` events. */
export interface RawMessage {
  readonly header: Uint8Array;
  readonly body: Uint8Array;
}

/** An OPERATIONAL message (draft-ietf-idr-operational-message): advisory, query or counter form. */
export interface OperationalEvent {
  /** ADM, ASM, RPCQ, RPCP, APCQ, APCP, LPCQ, LPCP. */
  readonly name: string;
  readonly afi: number;
  readonly safi: number;
  readonly advisory?: string;
  readonly routerId?: string;
  readonly sequence?: number;
  readonly counter?: number;
}

export type FsmState = "IDLE" | "ACTIVE" | "CONNECT" | "OPENSENT" | "OPENCONFIRM" | "ESTABLISHED";

/**
 * One encoder per process `encoder` setting. Each method returns the string ExaBGP hands to its write()
 * (which appends "\n"), or undefined when the format has no such event (text has no fsm/negotiated/signal).
 */
export interface EventEncoder {
  connected(n: NeighborContext): string | undefined;
  up(n: NeighborContext): string | undefined;
  down(n: NeighborContext, reason: string): string | undefined;
  fsm(n: NeighborContext, state: FsmState): string | undefined;
  negotiated(n: NeighborContext, neg: NegotiatedSummary): string | undefined;
  signal(n: NeighborContext, code: number, name: string): string | undefined;
  open(n: NeighborContext, dir: Direction, msg: OpenMessage, raw?: RawMessage): string | undefined;
  keepalive(n: NeighborContext, dir: Direction, raw?: RawMessage): string | undefined;
  notification(
    n: NeighborContext,
    dir: Direction,
    msg: NotificationMessage,
    raw?: RawMessage,
  ): string | undefined;
  update(
    n: NeighborContext,
    dir: Direction,
    msg: UpdateMessage,
    neg?: NegotiatedSummary,
    raw?: RawMessage,
  ): string | undefined;
  refresh(n: NeighborContext, dir: Direction, msg: RouteRefreshMessage, raw?: RawMessage): string | undefined;
  operational(n: NeighborContext, dir: Direction, op: OperationalEvent, raw?: RawMessage): string | undefined;
  packets(
    n: NeighborContext,
    dir: Direction,
    category: number,
    raw: RawMessage,
    neg?: NegotiatedSummary,
  ): string | undefined;
  shutdown(): string;
}

// ---------------------------------------------------------------------------------------------------------
// Shared presentation helpers (JSON and text)

/** Message type names as ExaBGP prints them (`"type"` of packets events). */
export const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  1: "open",
  2: "update",
  3: "notification",
  4: "keepalive",
  5: "route-refresh",
  6: "operational",
};

export const ORIGIN_NAMES = ["igp", "egp", "incomplete"] as const;

/** RFC 7313 §3 subtypes as ExaBGP names them. */
export const REFRESH_SUBTYPES: readonly string[] = ["query", "begin", "end"];

/** "ipv4/unicast": how ExaBGP writes a family inside capabilities. */
export function familySlash(afi: number, safi: number): string {
  return `${afiName(afi)}/${safiName(safi)}`;
}

/** Reads 4 bytes big-endian as an unsigned number. */
function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

/**
 * ExaBGP's name for one extended community (RFC 4360 and the FlowSpec actions of RFC 8955 §7), or
 * `0x<16 hex>` when it has none. Keyed like ExaBGP: (low nibble of the type, subtype).
 */
export function extendedCommunityString(v: Uint8Array): string {
  const key = ((v[0] & 0x0f) << 8) | v[1];
  const named = EXTENDED_NAMES[key];
  return named ? named(v) : `0x${hex(v)}`;
}

const ip4 = (v: Uint8Array, i: number) => bytesToIp(v, i, 4);

const EXTENDED_NAMES: Readonly<Record<number, (v: Uint8Array) => string>> = {
  // Route target / route origin: 2-octet AS, IPv4, 4-octet AS (RFC 4360 §4, RFC 5668).
  0x0002: (v) => `target:${u16(v, 2)}:${u32(v, 4)}`,
  0x0102: (v) => `target:${ip4(v, 2)}:${u16(v, 6)}`,
  0x0202: (v) => `target:${u32(v, 2)}L:${u16(v, 6)}`,
  0x0003: (v) => `origin:${u16(v, 2)}:${u32(v, 4)}`,
  0x0103: (v) => `origin:${ip4(v, 2)}:${u16(v, 6)}`,
  0x0203: (v) => `origin:${u32(v, 2)}L:${u16(v, 6)}`,
  // RFC 8955 §7: traffic-rate is an IEEE float of bytes/s (ExaBGP prints it with %d).
  0x0006: (v) => `rate-limit:${Math.trunc(new DataView(v.buffer, v.byteOffset + 4, 4).getFloat32(0))}`,
  0x0007: (v) =>
    `action ${[v[7] & 2 ? "sample" : "", v[7] & 1 ? "terminal" : ""].filter((s) => s).join("-")}`,
  0x0008: (v) => `redirect:${u16(v, 2)}:${u32(v, 4)}`,
  0x0208: (v) => `redirect:${u32(v, 2)}:${u16(v, 6)}`,
  0x0009: (v) => `mark ${v[7]}`,
  0x010c: (
    v,
  ) => (v[7] & 1 ? `copy-to-nexthop-ietf ${ip4(v, 2)} (with copy)` : `redirect-to-nexthop-ietf ${ip4(v, 2)}`),
  0x0800: (v) => (v[7] & 1 ? "copy-to-nexthop" : "redirect-to-nexthop"),
  // RFC 4761 §3.2.4 Layer2 Info (type 0x80 0x0a): encapsulation, control flags, MTU, site preference.
  0x000a: (v) => `l2info:${v[2]}:${v[3]}:${u16(v, 4)}:${u16(v, 6)}`,
  // RFC 8955 §7.4 traffic-rate-packets (ExaBGP 5.0 has no name for it).
  0x000c: (v) => `rate-limit-packets:${Math.trunc(new DataView(v.buffer, v.byteOffset + 4, 4).getFloat32(0))}`,
  // draft-ietf-idr-flowspec-interfaceset: direction in the 2 high bits of the group (ExaBGP's InterfaceSet).
  // draft-mpmz-bess-mup-safi §3.2 MUP extended community (type 0x0c, subtype 0): 2-octet AS, 4 octets.
  0x0c00: (v) => `mup:${u16(v, 2)}:${u32(v, 4)}`,
  0x0702: (v) =>
    `interface-set:${["0", "input", "output", "input-output"][v[6] >> 6]}:${u32(v, 2)}:${u16(v, 6) & 0x1fff}`,
};

/** The 64-bit value of an extended community, exact (beyond 2^53), as decimal text. */
function extendedCommunityValue(v: Uint8Array): string {
  return ((BigInt(u32(v, 0)) << 32n) | BigInt(u32(v, 4))).toString();
}

/** RFC 1997 well-known communities, as ExaBGP names them in text. */
export const COMMUNITY_NAMES: ReadonlyMap<number, string> = new Map([
  [0xffffff01, "no-export"],
  [0xffffff02, "no-advertise"],
  [0xffffff03, "no-export-subconfed"],
  [0xffffff04, "nopeer"],
  [0xffff029a, "blackhole"],
]);

/**
 * The attributes an event shows, in type-code order (ExaBGP sorts them): NEXT_HOP and MP_REACH/UNREACH
 * are shown with the NLRI instead, an empty AS_PATH is not shown, and AS4_PATH/AS4_AGGREGATOR are folded
 * into AS_PATH/AGGREGATOR (RFC 6793 §4.2.3) as ExaBGP does on receipt.
 */
export function presentedAttributes(attributes: readonly Attribute[]): Attribute[] {
  let as4Path: readonly AsPathSegment[] | undefined;
  let as4Aggregator: Extract<Attribute, { kind: "as4-aggregator" }> | undefined;
  for (const a of attributes) {
    if (a.kind === "as4-path") as4Path = a.segments;
    else if (a.kind === "as4-aggregator") as4Aggregator = a;
  }
  const out: Attribute[] = [];
  for (const a of attributes) {
    switch (a.kind) {
      case "next-hop":
      case "mp-reach":
      case "mp-unreach":
      case "as4-path":
      case "as4-aggregator":
        continue;
      case "as-path": {
        const segments = as4Path ? mergeAs4Path(a.segments, as4Path) : a.segments;
        if (segments.length !== 0) out.push(segments === a.segments ? a : { ...a, segments });
        continue;
      }
      case "aggregator":
        // RFC 6793 §4.2.3: AS4_AGGREGATOR replaces an AGGREGATOR carrying AS_TRANS.
        out.push(
          as4Aggregator && a.asn === 23456
            ? { ...a, asn: as4Aggregator.asn, address: as4Aggregator.address }
            : a,
        );
        continue;
      default:
        out.push(a);
    }
  }
  return out.sort((x, y) => x.code - y.code);
}

/** An UPDATE regrouped the way events show it. */
export interface UpdateView {
  readonly attributes: readonly Attribute[];
  /** family → next hop text → NLRI, in order of appearance (IPv4 NLRI field first, then MP_REACH). */
  readonly announce: ReadonlyMap<FamilyKey, ReadonlyMap<string, readonly Nlri[]>>;
  /** family → NLRI (IPv4 Withdrawn Routes first, then MP_UNREACH). */
  readonly withdraw: ReadonlyMap<FamilyKey, readonly Nlri[]>;
  /** Set when the UPDATE is an End-of-RIB marker (RFC 4724 §2). */
  readonly eor?: FamilyKey;
}

/** The next hop key of NLRI without one (FlowSpec): ExaBGP's "no-nexthop". */
export const NO_NEXTHOP = "no-nexthop";

export function viewUpdate(msg: UpdateMessage): UpdateView {
  const eor = isEor(msg);
  const announce = new Map<FamilyKey, Map<string, Nlri[]>>();
  const withdraw = new Map<FamilyKey, Nlri[]>();
  if (eor !== undefined) return { attributes: [], announce, withdraw, eor };
  // RFC 7606 §2 treat-as-withdraw: every NLRI of the message is handled, and shown, as withdrawn.
  const asWithdraw = msg.malformed?.some((m) => m.action === "treat-as-withdraw") ?? false;
  const addWithdrawn = (nlri: readonly Nlri[], family: FamilyKey) => {
    if (nlri.length === 0) return;
    let list = withdraw.get(family);
    if (!list) withdraw.set(family, list = []);
    for (const n of nlri) list.push(n);
  };
  const addAnnounced = (nlri: readonly Nlri[], family: FamilyKey, nextHop: string) => {
    if (nlri.length === 0) return;
    if (asWithdraw) return addWithdrawn(nlri, family);
    let byHop = announce.get(family);
    if (!byHop) announce.set(family, byHop = new Map());
    let list = byHop.get(nextHop);
    if (!list) byHop.set(nextHop, list = []);
    for (const n of nlri) list.push(n);
  };
  let nextHop = NO_NEXTHOP;
  let reach: Extract<Attribute, { kind: "mp-reach" }> | undefined;
  let unreach: Extract<Attribute, { kind: "mp-unreach" }> | undefined;
  for (const a of msg.attributes) {
    if (a.kind === "next-hop") nextHop = a.address;
    else if (a.kind === "mp-reach") reach = a;
    else if (a.kind === "mp-unreach") unreach = a;
  }
  addWithdrawn(msg.withdrawn, IPV4_UNICAST);
  addAnnounced(msg.announced, IPV4_UNICAST, nextHop);
  if (unreach) addWithdrawn(unreach.nlri, unreach.family);
  // RFC 2545 §3: a link-local second next hop is not shown; the global one keys the routes.
  if (reach) addAnnounced(reach.nlri, reach.family, reach.nextHops[0] ?? NO_NEXTHOP);
  return { attributes: presentedAttributes(msg.attributes), announce, withdraw };
}

/** A capability as ExaBGP holds it: the MP capabilities (one per family on the wire) become one. */
export type MergedCapability =
  | Exclude<Capability, { readonly name: "multiprotocol" }>
  | {
    readonly code: 1;
    readonly name: "multiprotocol";
    readonly families: readonly (readonly [number, number])[];
  };

/** One entry per code in order of first appearance (a later duplicate replaces the value), MP and ADD-PATH merged. */
export function mergeCapabilities(caps: readonly Capability[]): MergedCapability[] {
  const byCode = new Map<number, MergedCapability>();
  for (const c of caps) {
    const seen = byCode.get(c.code);
    if (c.name === "multiprotocol") {
      const families = seen?.name === "multiprotocol" ? seen.families : [];
      byCode.set(c.code, { code: 1, name: "multiprotocol", families: [...families, [c.afi, c.safi]] });
    } else if (c.name === "add-path" && seen?.name === "add-path") {
      byCode.set(c.code, { ...seen, entries: [...seen.entries, ...c.entries] });
    } else {
      byCode.set(c.code, c); // Map.set keeps the first position, as a Python dict does
    }
  }
  return [...byCode.values()];
}

// ---------------------------------------------------------------------------------------------------------
// JSON fragments

const SEGMENT_NAMES: Readonly<Record<number, string>> = {
  1: "as-set",
  2: "as-sequence",
  3: "confed-sequence",
  4: "confed-set",
};

/** 5.0 format: `{"0": {"element": "as-sequence", "value": [1, 2]}}` (Python json.dumps spacing). */
function asPathJson(segments: readonly AsPathSegment[]): string {
  let out = "";
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    let asns = "";
    for (let k = 0; k < s.asns.length; k++) asns += k === 0 ? `${s.asns[k]}` : `, ${s.asns[k]}`;
    const element = SEGMENT_NAMES[s.type] ?? String(s.type);
    out += `${i === 0 ? "" : ", "}"${i}": {"element": "${element}", "value": [${asns}]}`;
  }
  return `{${out}}`;
}

/** RFC 1997 communities as `[ asn, value ]` pairs. */
function communitiesJson(values: readonly number[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    const c = values[i];
    out += `${i === 0 ? "" : ", "}[ ${c >>> 16}, ${c & 0xffff} ]`;
  }
  return out;
}

type AttributePresenter = { [K in Attribute["kind"]]?: (a: Extract<Attribute, { kind: K }>) => string };

/** `"name": value` of each attribute kind ExaBGP names (RFC 4271 §5, RFC 1997, 4360, 4456, 7311, 8092). */
const ATTRIBUTE_JSON: AttributePresenter = {
  origin: (a) => `"origin": "${ORIGIN_NAMES[a.value] ?? a.value}"`,
  "as-path": (a) => `"as-path": ${asPathJson(a.segments)}`,
  med: (a) => `"med": ${a.value}`,
  "local-preference": (a) => `"local-preference": ${a.value}`,
  "atomic-aggregate": () => `"atomic-aggregate": true`,
  aggregator: (a) => `"aggregator": "${a.asn}:${a.address}"`,
  community: (a) => `"community": [ ${communitiesJson(a.values)} ]`,
  "originator-id": (a) => `"originator-id": "${a.address}"`,
  "cluster-list": (a) => `"cluster-list": [ ${a.addresses.map((x) => `"${x}"`).join(", ")} ]`,
  "extended-community": (a) =>
    `"extended-community": [ ${
      a.values.map((v) =>
        `{ "value": ${extendedCommunityValue(v)}, "string": ${jsonString(extendedCommunityString(v))} }`
      )
        .join(", ")
    } ]`,
  aigp: (a) => `"aigp": ${a.value}`,
  "large-community": (a) =>
    `"large-community": [ ${a.values.map((c) => `[ ${c[0]}, ${c[1]}, ${c[2]} ]`).join(", ")} ]`,
  "bgp-ls": (a) => bgpLsAttributeJson(a.value),
  // PMSI_TUNNEL (RFC 6514 §5) travels as a generic attribute; ExaBGP names it.
  generic: (a) =>
    (a.code === PMSI_TUNNEL ? pmsiJson(a.value) : undefined) ??
      (a.code === PREFIX_SID ? prefixSidJson(a.value) : undefined) ??
      `"attribute-0x${hex2(a.code)}-0x${hex2(a.flags)}": "0x${hex(a.value)}"`,
};

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

export function attributeJson(a: Attribute): string | undefined {
  const f = ATTRIBUTE_JSON[a.kind] as ((a: Attribute) => string) | undefined;
  return f?.(a);
}

/**
 * `{ "nlri": "10.0.0.0/8" }` (+ `"path-information"` with ADD-PATH); raw NLRI of other families as hex.
 * `compact` (exabgp.api.compact): a prefix without path id is just `"10.0.0.0/8"`.
 */
export function nlriJson(n: Nlri, compact = false, nextHop?: string): string {
  if (compact && n.kind === "prefix" && n.pathId === undefined) return `"${prefixText(n)}"`;
  const path = n.pathId === undefined ? "" : `, "path-information": "${pathIdToString(n.pathId)}"`;
  if (n.kind === "prefix") return `{ "nlri": "${prefixText(n)}"${path} }`;
  // Withdrawn too: ExaBGP's encoder renders withdrawn NLRI as announced ones (label field as received, RD).
  if (n.kind === "labeled") return labeledJson(n);
  if (n.kind === "flow") return flowJson(n, nextHop);
  if (n.kind === "vpls") return vplsJson(n);
  if (n.kind === "evpn") return evpnJson(n);
  if (n.kind === "mvpn") return mvpnJson(n);
  if (n.kind === "mup") return mupJson(n);
  // BGP-LS node and prefix NLRI show the next hop (ExaBGP 5.0); RTC and SR Policy are receive-only too.
  if (n.kind === "bgp-ls" || n.kind === "rtc" || n.kind === "sr-policy") return lsFamilyNlriJson(n, nextHop);
  return `{ "raw": "${hex(n.bytes)}"${path} }`;
}

/** "10.0.0.0/8": IPv4 straight from the significant octets (the hot path of a full table), else ip.ts. */
export function prefixText(n: PrefixNlri): string {
  const afi = familyAfi(n.family);
  if (afi !== 1) return prefixToString(afi, n.bytes, n.length);
  const b = n.bytes, l = b.length;
  return `${l > 0 ? b[0] : 0}.${l > 1 ? b[1] : 0}.${l > 2 ? b[2] : 0}.${l > 3 ? b[3] : 0}/${n.length}`;
}

/** NLRI objects joined by ", " in one loop (no intermediate array for a table's worth of routes). */
function nlriListJson(nlri: readonly Nlri[], compact: boolean, nextHop?: string): string {
  let s = "";
  for (let i = 0; i < nlri.length; i++) s += (i === 0 ? "" : ", ") + nlriJson(nlri[i], compact, nextHop);
  return s;
}

/** The `"update": {…}` / `"eor": {…}` object that goes under `"message"`. */
export function updateMessageJson(view: UpdateView, compact = false): string {
  if (view.eor !== undefined) {
    return `{ "eor": { "afi" : "${afiName(familyAfi(view.eor))}", "safi" : "${
      safiName(familySafi(view.eor))
    }" } }`;
  }
  // One string grown in place (a table's worth of events: no array per member, no join).
  let out = "";
  let attrs = "";
  for (const a of view.attributes) {
    const s = attributeJson(a);
    if (s !== undefined) attrs += attrs === "" ? s : `, ${s}`;
  }
  if (attrs !== "") out = `"attribute": { ${attrs} }`;
  if (view.announce.size) {
    let families = "";
    for (const [family, byHop] of view.announce) {
      let hops = "";
      for (const [nh, nlri] of byHop) {
        hops += `${hops === "" ? "" : ", "}${jsonString(nh)}: [ ${nlriListJson(nlri, compact, nh)} ]`;
      }
      families += `${families === "" ? "" : ", "}"${familyName(family)}": { ${hops} }`;
    }
    out += `${out === "" ? "" : ", "}"announce": { ${families} }`;
  }
  if (view.withdraw.size) {
    let families = "";
    for (const [family, nlri] of view.withdraw) {
      families += `${families === "" ? "" : ", "}"${familyName(family)}": [ ${nlriListJson(nlri, compact)} ]`;
    }
    out += `${out === "" ? "" : ", "}"withdraw": { ${families} }`;
  }
  return `{ "update": { ${out} } }`;
}

const CAPABILITY_KEY_NAMES: Readonly<Record<number, string>> = {
  1: "multiprotocol",
  2: "route-refresh",
  5: "nexthop",
  6: "extended-message",
  64: "graceful-restart",
  65: "asn4",
  68: "multi-session",
  69: "add-path",
  70: "enhanced-route-refresh",
  73: "hostname",
  75: "software-version",
  128: "cisco-route-refresh",
  131: "cisco-multi-sesion", // sic: ExaBGP's spelling, which scripts match
  185: "operational",
};

/** The key of a sent capability: ExaBGP's name for its code. */
function capabilityKeyName(code: number): string {
  return CAPABILITY_KEY_NAMES[code] ?? `unknown capability 0x${code.toString(16)}`;
}

type CapabilityPresenter = {
  [K in MergedCapability["name"]]?: (c: Extract<MergedCapability, { name: K }>) => string;
};

/** Capability objects of the `open` event, as ExaBGP 5.0 writes them. */
const CAPABILITY_JSON: CapabilityPresenter = {
  multiprotocol: (c) =>
    `{ "name": "multiprotocol", "families": [ ${
      c.families.map(([a, s]) => `"${familySlash(a, s)}"`).join(", ")
    } ] }`,
  "route-refresh": () => `{ "name": "route-refresh", "variant": "RFC" }`,
  "route-refresh-cisco": () => `{ "name": "route-refresh", "variant": "Cisco" }`,
  "enhanced-route-refresh": () => `{ "name": "enhanced-route-refresh" }`,
  asn4: (c) => `{ "name": "asn4", "asn4": ${c.asn} }`,
  "add-path": (c) => {
    const families = c.entries.map((e) =>
      `"${familySlash(e.afi, e.safi)}": "${ADD_PATH_MODES[e.mode] ?? "disabled"}"`
    );
    return `{ "name": "addpath"${families.length ? ", " : ""}${families.join(",")} }`;
  },
  "graceful-restart": (c) => {
    // ExaBGP's own labels: a family's 0x80 bit shows as "restart", the R bit (0x8) as "forwarding".
    const families = c.families.map((f) =>
      `"${familySlash(f.afi, f.safi)}": [${f.flags & 0x80 ? ' "restart"' : ""} ] `
    );
    return `{ "name": "graceful restart", "time": ${c.restartTime}, "address-family-flags": { ${
      families.join(", ")
    }}, "restart-flags": [${c.restartFlags & 0x8 ? ' "forwarding" ' : " "}]  }`;
  },
  "extended-message": () => `{ "name": "extended-message", "size": 65535 }`,
  "extended-next-hop": (c) =>
    `{ "name": "nexthop", "conversion": [${
      c.entries.map((e) => ` "${familySlash(e.afi, e.safi)}/${afiName(e.nextHopAfi)}"`).join(",")
    } ] }`,
  hostname: (c) =>
    `{ "host-name": ${jsonStringOrNull(c.hostname)}, "domain-name": ${jsonStringOrNull(c.domain)} }`,
  "software-version": (c) => `{ "software": ${jsonString(c.version)} }`,
  "multi-session": (c) =>
    `{ "name": "multisession", "variant": "${c.code === 68 ? "RFC" : "Cisco"}", "capabilities": [ ] }`,
  operational: () => `{ "name": "operational" }`,
  unknown: (c) =>
    `{ "name": "unknown", "iana": "${
      c.code === 0 || c.code === 255 ? "reserved" : "unknown"
    }", "value": ${c.code}, "raw": "${hex(c.value)}" }`,
};

export const ADD_PATH_MODES: readonly string[] = ["disabled", "receive", "send", "send/receive"];

function capabilityJson(c: MergedCapability): string {
  const f = CAPABILITY_JSON[c.name] as ((c: MergedCapability) => string) | undefined;
  return f ? f(c) : `{ "name": "unknown", "iana": "unknown", "value": ${c.code}, "raw": "" }`;
}

/** Python's repr of a float: always a decimal point ("1795350380.0"). */
export function pyFloat(n: number): string {
  const s = String(n);
  return Number.isInteger(n) ? `${s}.0` : s;
}

const pyStrings = (items: readonly string[]) => `[${items.map((s) => `"${s}"`).join(", ")}]`;

/** The `"negotiated": {…} ` member, exactly as 5.0 prints it (trailing space included). */
export function negotiatedJson(neg: NegotiatedSummary): string {
  return `"negotiated": { "message_size": ${neg.messageSize}, "hold_time": ${neg.holdTime}, "asn4": ${neg.asn4}, "multisession": ${neg.multisession}, "operational": ${neg.operational}, "refresh": "${neg.refresh}", "families": ${
    pyStrings(neg.families.map(familyName))
  }, "nexthop": ${
    pyStrings(neg.nexthop.map(([f, nh]) => `${familyName(f)} ${afiName(nh)}`))
  }, "add_path": {"send": ${pyStrings(neg.addPath.send.map(familyName))}, "receive": ${
    pyStrings(neg.addPath.receive.map(familyName))
  }} } `;
}

/** The text ExaBGP 5.0 puts in a notification's "message": the RFC 9003 text of a Cease 2/4, else the data. */
export function notificationText(msg: NotificationMessage): string {
  const data = msg.data;
  if (msg.code === 6 && (msg.subcode === 2 || msg.subcode === 4)) {
    if (data.length === 0 || data[0] === 0) return "empty Shutdown Communication.";
    const length = data[0];
    if (length > 128) {
      return `invalid Shutdown Communication (too large) length : ${length} [${hex(data.subarray(1))}]`;
    }
    if (1 + length > data.length) {
      return `invalid Shutdown Communication (buffer underrun) length : ${length} [${hex(data.subarray(1))}]`;
    }
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(data.subarray(1, 1 + length));
      const rest = data.subarray(1 + length);
      return `Shutdown Communication: "${text.replace(/[\r\n]/g, " ")}"` +
        (rest.length ? ` + trailing data: ${hex(rest)}` : "");
    } catch {
      return `invalid Shutdown Communication (invalid UTF-8) length : ${length} [${hex(data.subarray(1))}]`;
    }
  }
  // Printable ASCII data is shown as text, anything else as hex.
  for (let i = 0; i < data.length; i++) if (data[i] < 0x20 || data[i] > 0x7e) return hex(data);
  return new TextDecoder().decode(data);
}

// ---------------------------------------------------------------------------------------------------------
// The encoder

export interface JsonEncoderOptions {
  /** API version string: "5.0.0" for ExaBGP 5.0. */
  readonly version?: string;
  readonly host?: string;
  readonly pid?: number;
  readonly ppid?: number;
  /** Seconds since the epoch, as a float (Python's time.time()). */
  readonly clock?: () => number;
  /** exabgp.api.compact: unicast NLRI as bare strings. */
  readonly compact?: boolean;
}

function defaultClock(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

export class JsonEncoder implements EventEncoder {
  readonly #version: string;
  readonly #clock: () => number;
  readonly #compact: boolean;
  /** `"host" : "…", "pid" : …, "ppid" : …, ` never changes: built once. */
  readonly #process: string;
  readonly #negotiatedCache = new WeakMap<NegotiatedSummary, string>();
  /** Per neighbor context: its identity members as last written (the context changes with the session). */
  readonly #identities = new WeakMap<NeighborContext, NeighborContext & { readonly text: string }>();

  constructor(options: JsonEncoderOptions = {}) {
    this.#version = options.version ?? "5.0.0";
    this.#clock = options.clock ?? defaultClock;
    this.#compact = options.compact ?? false;
    this.#process = `"host" : ${jsonString(options.host ?? hostname())}, "pid" : ${
      options.pid ?? process.pid
    }, "ppid" : ${options.ppid ?? process.ppid}, `;
  }

  #envelope(type: string, content: string, n: NeighborContext | undefined, raw?: RawMessage): string {
    const counter = n ? `"counter": ${++n.counter}, ` : "";
    // consolidate: like ExaBGP, an empty part (a KEEPALIVE's body) is left out.
    const packets = raw
      ? (raw.header.length ? `"header": "${hex(raw.header)}", ` : "") +
        (raw.body.length ? `"body": "${hex(raw.body)}", ` : "")
      : "";
    return `{ "exabgp": "${this.#version}", "time": ${
      pyFloat(this.#clock())
    }, ${this.#process}${counter}"type": "${type}", ${packets}${content} }`;
  }

  /** The neighbor object; `content` is the comma-separated members after router-id/direction. */
  #neighbor(n: NeighborContext, dir: Direction | undefined, content: string): string {
    const direction = dir ? `, "direction": "${dir}"` : "";
    return `${this.#identity(n)} ${direction}${content ? ", " : " "}${content} }`;
  }

  /** `"neighbor": { "address": …, "asn": …, "router-id": "…"`, built again when one of them changed. */
  #identity(n: NeighborContext): string {
    const known = this.#identities.get(n);
    if (
      known !== undefined && known.localAddress === n.localAddress && known.peerAddress === n.peerAddress &&
      known.localAs === n.localAs && known.peerAs === n.peerAs && known.routerId === n.routerId
    ) return known.text;
    const text = `"neighbor": { "address": { "local": ${jsonString(n.localAddress)}, "peer": ${
      jsonString(n.peerAddress)
    } }, "asn": { "local": ${n.localAs}, "peer": ${n.peerAs} }, "router-id": ${jsonString(n.routerId)}`;
    this.#identities.set(n, { ...n, text });
    return text;
  }

  #event(
    type: string,
    n: NeighborContext,
    dir: Direction | undefined,
    content: string,
    raw?: RawMessage,
  ): string {
    return this.#envelope(type, this.#neighbor(n, dir, content), n, raw);
  }

  #negotiated(neg: NegotiatedSummary): string {
    let s = this.#negotiatedCache.get(neg);
    if (s === undefined) this.#negotiatedCache.set(neg, s = negotiatedJson(neg));
    return s;
  }

  connected(n: NeighborContext): string {
    return this.#event("state", n, undefined, `"state": "connected"`);
  }

  up(n: NeighborContext): string {
    return this.#event("state", n, undefined, `"state": "up"`);
  }

  down(n: NeighborContext, reason: string): string {
    return this.#event("state", n, undefined, `"state": "down", "reason": ${jsonString(reason)}`);
  }

  fsm(n: NeighborContext, state: FsmState): string {
    return this.#event("fsm", n, undefined, `"state": "${state}"`);
  }

  negotiated(n: NeighborContext, neg: NegotiatedSummary): string {
    return this.#event("negotiated", n, undefined, this.#negotiated(neg));
  }

  signal(n: NeighborContext, code: number, name: string): string {
    return this.#event("signal", n, undefined, `"code": "${code}", "name": ${jsonString(name)}`);
  }

  /**
   * Capabilities are keyed by name in what we send and by numeric code in what we receive: ExaBGP 5.0's
   * quirk (§4.8), kept because scripts index them that way.
   */
  open(n: NeighborContext, dir: Direction, msg: OpenMessage, raw?: RawMessage): string {
    const merged = mergeCapabilities(msg.capabilities);
    const byName = dir === "send" || dir === "out";
    const caps = merged.map((c) =>
      `"${byName ? capabilityKeyName(c.code) : String(c.code)}": ${capabilityJson(c)}`
    );
    const open =
      `{ "version": ${msg.version}, "asn": ${msg.asn}, "hold_time": ${msg.holdTime}, "router_id": ${
        jsonString(msg.routerId)
      }, "capabilities": { ${caps.join(", ")} } }`;
    return this.#event("open", n, dir, `"open": ${open}`, raw);
  }

  keepalive(n: NeighborContext, dir: Direction, raw?: RawMessage): string {
    return this.#event("keepalive", n, dir, "", raw);
  }

  notification(n: NeighborContext, dir: Direction, msg: NotificationMessage, raw?: RawMessage): string {
    const body = `{ "code": ${msg.code}, "subcode": ${msg.subcode}, "data": "${hex(msg.data)}", "message": ${
      jsonString(notificationText(msg))
    } } `;
    return this.#event("notification", n, dir, `"notification": ${body}`, raw);
  }

  update(
    n: NeighborContext,
    dir: Direction,
    msg: UpdateMessage,
    neg?: NegotiatedSummary,
    raw?: RawMessage,
  ): string {
    const message = `"message": ${updateMessageJson(viewUpdate(msg), this.#compact)}`;
    return this.#event("update", n, dir, neg ? `${message}, ${this.#negotiated(neg)}` : message, raw);
  }

  refresh(n: NeighborContext, dir: Direction, msg: RouteRefreshMessage, raw?: RawMessage): string {
    const body = `{ "afi": "${afiName(msg.afi)}", "safi": "${safiName(msg.safi)}", "subtype": "${
      REFRESH_SUBTYPES[msg.subtype] ?? "invalid"
    }" }`;
    return this.#event("refresh", n, dir, `"route-refresh": ${body}`, raw);
  }

  operational(n: NeighborContext, dir: Direction, op: OperationalEvent, raw?: RawMessage): string {
    let body = `"name": ${jsonString(op.name)}, "afi": "${afiName(op.afi)}", "safi": "${safiName(op.safi)}"`;
    if (op.advisory !== undefined) body += `, "advisory": ${jsonString(op.advisory)}`;
    if (op.routerId !== undefined) {
      body += `, "router-id": ${jsonString(op.routerId)}, "sequence": ${op.sequence ?? 0}, "counter": ${
        op.counter ?? 0
      }`;
    }
    return this.#event("operational", n, dir, `"operational": { ${body} }`, raw);
  }

  packets(
    n: NeighborContext,
    dir: Direction,
    category: number,
    raw: RawMessage,
    neg?: NegotiatedSummary,
  ): string {
    const message = `"message": { "category": ${category}, "header": "${hex(raw.header)}", "body": "${
      hex(raw.body)
    }" } `;
    return this.#event(
      MESSAGE_NAMES[category] ?? "unknown",
      n,
      dir,
      neg ? `${message}, ${this.#negotiated(neg)}` : message,
    );
  }

  shutdown(): string {
    return this.#envelope("notification", `"notification": "shutdown"`, undefined);
  }
}
