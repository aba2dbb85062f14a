/**
 * The configuration model the speaker consumes. Both the ExaBGP-syntax parser (exabgp.ts) and the native
 * YAML loader (yaml.ts) produce it; nothing downstream knows which syntax a neighbor came from.
 */
import type { Route } from "../bgp/types.ts";
import { type FamilyKey, IPV4_UNICAST, IPV6_UNICAST, parseFamily } from "../bgp/family.ts";
import { isIPv6 } from "../bgp/ip.ts";
import type { PrefixLimit } from "./maximum_prefix.ts";

/** Where a block or statement was written, for messages that name FILE:LINE. */
export interface SourceRef {
  file: string;
  line: number;
}

export interface ProcessConfig {
  name: string;
  /** argv, tokenised like a shell (quotes respected, no shell). A relative program path containing a
   * '/' is resolved against the configuration file's directory, as ExaBGP does. */
  run: string[];
  encoder: "json" | "text";
  respawn: boolean;
  source: SourceRef;
}

/** The keywords of an api block's `receive { … }` and `send { … }` (exabgp-behaviour §4.8), in ExaBGP's order. */
export const SUBSCRIPTION_NAMES = [
  "parsed",
  "packets",
  "consolidate",
  "open",
  "update",
  "keepalive",
  "notification",
  "refresh",
  "operational",
] as const;

/** Which BGP messages an API block forwards to its processes, per direction. */
export type MessageSubscription = Record<(typeof SUBSCRIPTION_NAMES)[number], boolean>;

/** What an api block asks its processes to be sent: the events the speaker routes (lib/api/events.ts). */
export interface ApiSubscription {
  neighborChanges: boolean;
  negotiated: boolean;
  fsm: boolean;
  signal: boolean;
  receive: MessageSubscription;
  send: MessageSubscription;
}

export interface ApiConfig extends ApiSubscription {
  /** The optional label of `api <name> { … }`; "" when absent. */
  name: string;
  processes: string[];
  /** Regular expressions (JavaScript syntax) matched against process names. */
  processesMatch: string[];
  source: SourceRef;
}

export interface CapabilityConfig {
  /** Default true. */
  asn4: boolean;
  routeRefresh: boolean;
  /** Restart time in seconds, or false when not announced. `graceful-restart;` alone = hold-time. */
  gracefulRestart: number | false;
  /** 0 off, 1 receive, 2 send, 3 send/receive (RFC 7911 §4 encoding). */
  addPath: 0 | 1 | 2 | 3;
  multiSession: boolean;
  operational: boolean;
  /** Default true. */
  extendedMessage: boolean;
  aigp: boolean;
  nexthop: boolean;
  softwareVersion: boolean;
}

/** A route of a family this build cannot encode yet: kept and reported, not rejected. */
export interface UnsupportedRoute {
  /** ExaBGP family name, e.g. "ipv4 mpls-vpn", "ipv4 flow", "l2vpn vpls". */
  family: string;
  /** The route as written (tokens joined by one space). */
  text: string;
  source: SourceRef;
}

export interface NeighborConfig {
  /** The block label, e.g. "127.0.0.1" (may be a prefix for passive ranges). */
  name: string;
  description: string;
  peerAddress: string;
  /** Set when the block label is a prefix ("10.0.0.0/24"): accept any peer in that range. */
  peerPrefixLength?: number;
  localAddress: string | "auto";
  /** 0 when not configured (validateConfig reports it). */
  localAs: number;
  /** 0 when not configured (validateConfig reports it). */
  peerAs: number | "auto";
  routerId?: string;
  holdTime: number;
  passive: boolean;
  listen: number;
  /** 0 = the default port (exabgp.tcp.port or 179). */
  connect: number;
  groupUpdates: boolean;
  adjRibOut: boolean;
  adjRibIn: boolean;
  manualEor: boolean;
  autoFlush: boolean;
  /** Messages per second, 0 = no limit. */
  rateLimit: number;
  hostName?: string;
  domainName?: string;
  md5Password?: string;
  md5Base64: boolean | "auto";
  md5Ip?: string;
  outgoingTtl?: number;
  incomingTtl?: number;
  /** `maximum-prefix`: limits on the routes the peer may announce (maximum_prefix.ts). */
  maximumPrefix: PrefixLimit[];
  sourceInterface?: string;
  /** Families offered in the OPEN (defaultFamilies below when none are configured). */
  families: FamilyKey[];
  addPathFamilies: FamilyKey[];
  nexthopFamilies: { family: FamilyKey; nextHopAfi: number }[];
  capability: CapabilityConfig;
  api: ApiConfig[];
  routes: Route[];
  unsupported: UnsupportedRoute[];
  /** Raw `operational …;` statements (ExaBGP operational messages to send), kept as text. */
  operational: string[];
  source: SourceRef;
}

export interface Config {
  files: string[];
  processes: ProcessConfig[];
  neighbors: NeighborConfig[];
  /** Things accepted for ExaBGP compatibility but worth telling the user (e.g. an unclosed block at EOF). */
  warnings: string[];
}

/** "FILE:LINE" prefix used by every configuration message. */
export function at(source: SourceRef): string {
  return `${source.file}:${source.line}`;
}

export function defaultSubscription(): MessageSubscription {
  return Object.fromEntries(SUBSCRIPTION_NAMES.map((k) => [k, false])) as MessageSubscription;
}

/** Nothing asked for: an api block without statements. */
export function defaultApiSubscription(): ApiSubscription {
  return {
    neighborChanges: false,
    negotiated: false,
    fsm: false,
    signal: false,
    receive: defaultSubscription(),
    send: defaultSubscription(),
  };
}

export function defaultApi(source: SourceRef, name = ""): ApiConfig {
  return { name, processes: [], processesMatch: [], ...defaultApiSubscription(), source };
}

/** ExaBGP's Neighbor.Capability.defaults (§5.2): asn4 and extended-message on, the rest off. */
export function defaultCapability(): CapabilityConfig {
  return {
    asn4: true,
    routeRefresh: false,
    gracefulRestart: false,
    addPath: 0,
    multiSession: false,
    operational: false,
    extendedMessage: true,
    aigp: false,
    nexthop: false,
    softwareVersion: false,
  };
}

/** A neighbor with ExaBGP 5.0's defaults (§5.2); the parsers fill in what the configuration says. */
export function defaultNeighbor(name: string, source: SourceRef): NeighborConfig {
  return {
    name,
    description: "",
    peerAddress: name,
    localAddress: "auto",
    localAs: 0,
    peerAs: 0,
    holdTime: 180,
    passive: false,
    listen: 0,
    connect: 0,
    groupUpdates: true,
    adjRibOut: true,
    adjRibIn: true,
    manualEor: false,
    autoFlush: true,
    rateLimit: 0,
    md5Base64: false,
    maximumPrefix: [],
    families: [],
    addPathFamilies: [],
    nexthopFamilies: [],
    capability: defaultCapability(),
    api: [],
    routes: [],
    unsupported: [],
    operational: [],
    source,
  };
}

export const ADD_PATH_MODES: Record<string, 0 | 1 | 2 | 3> = {
  disable: 0,
  disabled: 0,
  receive: 1,
  send: 2,
  "send/receive": 3,
  "receive/send": 3,
};

/**
 * Families offered when the neighbor has no `family` block. ExaBGP 5.0 then offers its known set; tsbgp
 * offers ipv4 unicast, ipv6 unicast when the session or a route is IPv6, and the family of every route
 * configured (unsupported ones included), which covers what the neighbor can announce.
 */
export function defaultFamilies(nb: NeighborConfig): FamilyKey[] {
  const out: FamilyKey[] = [IPV4_UNICAST];
  if (isIPv6(nb.peerAddress) || nb.routes.some((r) => r.nlri.family === IPV6_UNICAST)) out.push(IPV6_UNICAST);
  for (const r of nb.routes) pushUnique(out, r.nlri.family);
  for (const u of nb.unsupported) {
    const [afi, safi] = u.family.split(" ");
    const f = parseFamily(afi, safi);
    if (f !== undefined) pushUnique(out, f);
  }
  return out;
}

function pushUnique<T>(list: T[], v: T): void {
  if (!list.includes(v)) list.push(v);
}
