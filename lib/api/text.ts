/**
 * ExaBGP 5.0 text events (`encoder text;`, reference §4.7): `neighbor <ip> <direction> <event> …`.
 * Each event string ends with "\n"; the process writer adds one more, which gives 5.0's blank line after
 * every event. fsm, negotiated and signal have no text form. Peer strings are escaped (escape.ts).
 */
import { afiName, familyAfi, familyName, familySafi, safiName } from "../bgp/family.ts";
import { nlriToString, pathIdToString } from "../bgp/nlri/prefix.ts";
import type {
  AsPathSegment,
  Attribute,
  Nlri,
  NotificationMessage,
  OpenMessage,
  RouteRefreshMessage,
  UpdateMessage,
} from "../bgp/types.ts";
import { hex, textEscape, textQuoted, textWord } from "./escape.ts";
import { lsFamilyNlriText } from "./bgpls_json.ts";
import {
  ADD_PATH_MODES,
  COMMUNITY_NAMES,
  type Direction,
  type EventEncoder,
  extendedCommunityString,
  mergeCapabilities,
  type MergedCapability,
  type NeighborContext,
  NO_NEXTHOP,
  type OperationalEvent,
  ORIGIN_NAMES,
  prefixText,
  type RawMessage,
  REFRESH_SUBTYPES,
  viewUpdate,
} from "./json.ts";
import process from "node:process";

/** ExaBGP prints a one-element list bare and a longer one as `[ a b ]`. */
function list(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `[ ${items.join(" ")} ]`;
}

const SEGMENT_TEXT: Readonly<Record<number, (asns: string) => string>> = {
  1: (s) => `( ${s} )`,
  2: (s) => s,
  3: (s) => `{( ${s} )}`,
  4: (s) => `{[ ${s} ]}`,
};

function asPathText(segments: readonly AsPathSegment[]): string {
  const parts = segments.map((s) => (SEGMENT_TEXT[s.type] ?? SEGMENT_TEXT[2])(s.asns.join(" ")));
  return `[ ${parts.join(" ")} ]`;
}

function communityText(c: number): string {
  return COMMUNITY_NAMES.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

type AttributeText = { [K in Attribute["kind"]]?: (a: Extract<Attribute, { kind: K }>) => string };

/** Each attribute in the route syntax of the API (§4.4), with its leading space. */
const ATTRIBUTE_TEXT: AttributeText = {
  origin: (a) => ` origin ${ORIGIN_NAMES[a.value] ?? a.value}`,
  "as-path": (a) => ` as-path ${asPathText(a.segments)}`,
  med: (a) => ` med ${a.value}`,
  "local-preference": (a) => ` local-preference ${a.value}`,
  "atomic-aggregate": () => " atomic-aggregate",
  aggregator: (a) => ` aggregator ( ${a.asn}:${a.address} )`,
  community: (a) => ` community ${list(a.values.map(communityText))}`,
  "originator-id": (a) => ` originator-id ${a.address}`,
  "cluster-list": (a) => ` cluster-list ${list(a.addresses)}`,
  "extended-community": (a) => ` extended-community ${list(a.values.map(extendedCommunityString))}`,
  aigp: (a) => ` aigp ${a.value}`,
  "large-community": (a) => ` large-community ${list(a.values.map((c) => `${c[0]}:${c[1]}:${c[2]}`))}`,
  // BGP-LS (receive-only): shown in the generic form, which the API parses back.
  "bgp-ls": (a) => ` attribute [ 0x1D 0x80 0x${hex(a.value)} ]`,
  generic: (a) =>
    ` attribute [ 0x${a.code.toString(16).toUpperCase().padStart(2, "0")} 0x${
      a.flags.toString(16).toUpperCase().padStart(2, "0")
    } 0x${hex(a.value)} ]`,
};

export function attributesText(attributes: readonly Attribute[]): string {
  let s = "";
  for (const a of attributes) {
    const f = ATTRIBUTE_TEXT[a.kind] as ((a: Attribute) => string) | undefined;
    if (f) s += f(a);
  }
  return s;
}

const families = (list: readonly (readonly [number, number])[]) =>
  list.map(([a, s]) => `${afiName(a)} ${safiName(s)}`).join(",");

type CapabilityText = {
  [K in MergedCapability["name"]]?: (c: Extract<MergedCapability, { name: K }>) => string;
};

/** ExaBGP's str() of each capability, lower-cased as its text encoder prints them. */
const CAPABILITY_TEXT: CapabilityText = {
  multiprotocol: (c) => `multiprotocol(${families(c.families)})`,
  "route-refresh": () => "route refresh",
  "route-refresh-cisco": () => "cisco route refresh",
  "enhanced-route-refresh": () => "enhanced route refresh",
  asn4: (c) => `asn4(${c.asn})`,
  "add-path": (c) =>
    `addpath(${
      c.entries.map((e) => `${ADD_PATH_MODES[e.mode] ?? "disabled"} ${afiName(e.afi)} ${safiName(e.safi)}`)
        .join(",")
    })`,
  "graceful-restart": (c) =>
    `graceful restart flags 0x${c.restartFlags.toString(16)} time ${c.restartTime}` +
    c.families.map((f) => ` ${afiName(f.afi)}/${safiName(f.safi)}=0x${f.flags.toString(16)}`).join(""),
  "extended-message": () => "extended message(65535)",
  "extended-next-hop": (c) =>
    `nexthop(${
      c.entries.map((e) => `${afiName(e.afi)} ${safiName(e.safi)} ${afiName(e.nextHopAfi)}`).join(",")
    })`,
  // Peer strings: lower-cased like ExaBGP, then quoted when they hold anything but a plain word.
  hostname: (c) => `hostname(${peerWord(c.hostname)} ${peerWord(c.domain)})`,
  "software-version": (c) => `software(${peerWord(c.version)})`,
  "multi-session": (c) => (c.code === 68 ? "multisession (rfc)" : "multisession"),
  operational: () => "operational",
  unknown: (c) => `unknown ${c.code}`,
};

function peerWord(s: string): string {
  return s === "" ? "none" : textWord(s.toLowerCase());
}

export function capabilitiesText(caps: readonly MergedCapability[]): string {
  // ExaBGP's text lists capabilities by code, unlike its JSON (wire order).
  const sorted = [...caps].sort((a, b) => a.code - b.code);
  return sorted.map((c) => (CAPABILITY_TEXT[c.name] as (c: MergedCapability) => string)(c)).join(", ");
}

/** ` header <hex> body <hex>`; like ExaBGP, an empty part (a KEEPALIVE's body) is left out. */
/** "10.0.0.0/8[ path-information 0.0.0.1]", the fast IPv4 path for prefixes. */
function nlriText(n: Nlri): string {
  if (n.kind === "bgp-ls" || n.kind === "rtc" || n.kind === "sr-policy") return lsFamilyNlriText(n);
  if (n.kind !== "prefix") return nlriToString(n);
  return n.pathId === undefined
    ? prefixText(n)
    : `${prefixText(n)} path-information ${pathIdToString(n.pathId)}`;
}

function rawText(raw: RawMessage | undefined): string {
  if (!raw) return "";
  return (raw.header.length ? ` header ${hex(raw.header)}` : "") +
    (raw.body.length ? ` body ${hex(raw.body)}` : "");
}

export interface TextEncoderOptions {
  readonly pid?: number;
  readonly ppid?: number;
}

export class TextEventEncoder implements EventEncoder {
  readonly #pid: number;
  readonly #ppid: number;

  constructor(options: TextEncoderOptions = {}) {
    this.#pid = options.pid ?? process.pid;
    this.#ppid = options.ppid ?? process.ppid;
  }

  connected(n: NeighborContext): string {
    return `neighbor ${n.peerAddress} connected\n`;
  }

  up(n: NeighborContext): string {
    return `neighbor ${n.peerAddress} up\n`;
  }

  down(n: NeighborContext, reason: string): string {
    return `neighbor ${n.peerAddress} down - ${textEscape(reason)}\n`;
  }

  fsm(): undefined {
    return undefined;
  }

  negotiated(): undefined {
    return undefined;
  }

  signal(): undefined {
    return undefined;
  }

  open(n: NeighborContext, dir: Direction, msg: OpenMessage, raw?: RawMessage): string {
    return `neighbor ${n.peerAddress} ${dir} open version ${msg.version} asn ${msg.asn} hold_time ${msg.holdTime} router_id ${msg.routerId} capabilities [${
      capabilitiesText(mergeCapabilities(msg.capabilities))
    }]${rawText(raw)}\n`;
  }

  keepalive(n: NeighborContext, dir: Direction, raw?: RawMessage): string {
    return `neighbor ${n.peerAddress} ${dir} keepalive${rawText(raw)}\n`;
  }

  notification(n: NeighborContext, dir: Direction, msg: NotificationMessage, raw?: RawMessage): string {
    return `neighbor ${n.peerAddress} ${dir} notification code ${msg.code} subcode ${msg.subcode} data ${
      hex(msg.data)
    }${rawText(raw)}\n`;
  }

  update(n: NeighborContext, dir: Direction, msg: UpdateMessage, _neg?: unknown, raw?: RawMessage): string {
    const prefix = `neighbor ${n.peerAddress} ${dir} update`;
    const view = viewUpdate(msg);
    let s = `${prefix} start\n`;
    if (view.eor !== undefined) {
      const f = view.eor;
      s += `${prefix} route eor ${familyAfi(f)}/${familySafi(f)} (${familyName(f)})\n`;
    } else {
      const attrs = attributesText(view.attributes);
      for (const byHop of view.announce.values()) {
        for (const [nh, nlri] of byHop) {
          const hop = nh === NO_NEXTHOP ? "" : ` next-hop ${nh}`;
          for (const x of nlri) s += `${prefix} announced ${nlriText(x)}${hop}${attrs}\n`;
        }
      }
      for (const nlri of view.withdraw.values()) {
        for (const x of nlri) s += `${prefix} withdrawn ${nlriText(x)}\n`;
      }
    }
    if (raw) s += `${prefix}${rawText(raw)}\n`;
    return `${s}${prefix} end\n`;
  }

  refresh(n: NeighborContext, dir: Direction, msg: RouteRefreshMessage, raw?: RawMessage): string {
    return `neighbor ${n.peerAddress} ${dir} route-refresh afi ${afiName(msg.afi)} safi ${
      safiName(msg.safi)
    } ${REFRESH_SUBTYPES[msg.subtype] ?? "invalid"}${rawText(raw)}\n`;
  }

  operational(n: NeighborContext, dir: Direction, op: OperationalEvent, raw?: RawMessage): string {
    let s = `neighbor ${n.peerAddress} ${dir} operational ${textWord(op.name)} afi ${afiName(op.afi)} safi ${
      safiName(op.safi)
    }`;
    if (op.advisory !== undefined) s += ` advisory ${textQuoted(op.advisory)}`;
    if (op.routerId !== undefined) {
      s += ` router-id ${textWord(op.routerId)} sequence ${op.sequence ?? 0} counter ${op.counter ?? 0}`;
    }
    return `${s}${rawText(raw)}\n`;
  }

  packets(n: NeighborContext, dir: Direction, category: number, raw: RawMessage): string {
    return `neighbor ${n.peerAddress} ${dir} ${category}${rawText(raw)}\n`;
  }

  shutdown(): string {
    return `shutdown ${this.#pid} ${this.#ppid}\n`;
  }
}
