/**
 * tsbgp's side of the interop tests: AS 65001 on 127.0.0.1, the routes it announces (as data, so each test
 * checks the daemon's view against the same values it configured) and the configuration that announces
 * them, either connecting to the daemon or listening for it (BIRD, OpenBGPD, ExaBGP: `tsbgpConfig`); for
 * FRR and GoBGP, more families and JSON events (`tsbgpMultiFamilyConfig`).
 */
import { jsonEventsApi, jsonEventsProcess, type RibLine, routeAttributes } from "./interop.ts";

export const TSBGP_ADDRESS = "127.0.0.1";
export const TSBGP_AS = 65001;
export const TSBGP_ROUTER_ID = "192.0.2.1";

export type Family = "ipv4 unicast" | "ipv6 unicast";

/** A route as configured on one side; `asPath` is what the sender configured (eBGP prepends its AS). */
export interface TestRoute {
  readonly family: Family;
  readonly prefix: string;
  readonly nextHop: string;
  readonly origin?: "igp" | "egp" | "incomplete";
  readonly med?: number;
  readonly asPath?: readonly number[];
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
  /** ADD-PATH path identifier (RFC 7911), as a number. */
  readonly pathId?: number;
}

/**
 * Next hops are TEST-NET addresses, never 127.x (see the peers recipe, gotcha 1): a loopback next hop is
 * refused by some daemons; the value is only an attribute here.
 */
export const TSBGP_ROUTES: readonly TestRoute[] = [
  {
    family: "ipv4 unicast",
    prefix: "10.1.0.0/24",
    nextHop: "192.0.2.1",
    origin: "egp",
    med: 50,
    asPath: [64600, 64601],
    communities: ["65001:100", "65001:200"],
    largeCommunities: ["65001:1:2"],
  },
  {
    family: "ipv6 unicast",
    prefix: "2001:db8:1::/48",
    nextHop: "2001:db8::1",
    asPath: [64602],
    communities: ["65001:300"],
    largeCommunities: ["65001:3:4"],
  },
];

/** Two paths for one prefix, told apart by their path identifiers (ADD-PATH) and next hops. */
export const TSBGP_ADD_PATH_ROUTES: readonly TestRoute[] = [
  { family: "ipv4 unicast", prefix: "10.1.2.0/24", nextHop: "192.0.2.1", pathId: 1 },
  { family: "ipv4 unicast", prefix: "10.1.2.0/24", nextHop: "192.0.2.9", pathId: 2 },
];

/** The AS_PATH a peer receives from `as` over eBGP (RFC 4271 §5.1.2: the sender prepends its AS). */
export function receivedAsPath(route: TestRoute, as: number): number[] {
  return [as, ...(route.asPath ?? [])];
}

/** `route …` in ExaBGP's syntax (tsbgp's `static` block and ExaBGP's `static` block and API alike). */
export function routeStatement(r: TestRoute): string {
  const parts = [`route ${r.prefix}`];
  if (r.pathId !== undefined) parts.push(`path-information ${r.pathId}`);
  parts.push(`next-hop ${r.nextHop}`);
  if (r.origin) parts.push(`origin ${r.origin}`);
  if (r.med !== undefined) parts.push(`med ${r.med}`);
  if (r.asPath) parts.push(`as-path [ ${r.asPath.join(" ")} ]`);
  if (r.communities) parts.push(`community [ ${r.communities.join(" ")} ]`);
  if (r.largeCommunities) parts.push(`large-community [ ${r.largeCommunities.join(" ")} ]`);
  return parts.join(" ");
}

export interface TsbgpNeighbor {
  readonly peer: string;
  readonly peerAs: number;
  /** tsbgp connects to the daemon on this port (ignored when `listen` is given). */
  readonly connect: number;
  /** tsbgp listens on 127.0.0.1:`listen` and never connects (passive): the daemon initiates. */
  readonly listen?: number;
  readonly routes?: readonly TestRoute[];
  /** Hold time (default 30 s, so that a lost session is noticed within the test's bounds). */
  readonly holdTime?: number;
}

/**
 * One neighbor block: IPv4 and IPv6 unicast, route refresh (+ enhanced, RFC 2918/7313) and ADD-PATH
 * send/receive (RFC 7911) advertised, Adj-RIB-In kept so `tsbgp cli show adj-rib in` shows what arrived.
 * Which side opens the TCP connection is decided here alone: either tsbgp connects and does not listen,
 * or it listens and does not connect; the daemons always do both.
 */
export function tsbgpConfig(n: TsbgpNeighbor): string {
  const routes = n.routes ?? [...TSBGP_ROUTES, ...TSBGP_ADD_PATH_ROUTES];
  const transport = n.listen !== undefined ? [`listen ${n.listen};`, "passive;"] : [`connect ${n.connect};`];
  return [
    `neighbor ${n.peer} {`,
    `  router-id ${TSBGP_ROUTER_ID};`,
    `  local-address ${TSBGP_ADDRESS};`,
    `  local-as ${TSBGP_AS};`,
    `  peer-as ${n.peerAs};`,
    `  hold-time ${n.holdTime ?? 30};`,
    ...transport.map((t) => `  ${t}`),
    "  adj-rib-in true;",
    "  family { ipv4 unicast; ipv6 unicast; }",
    "  capability { route-refresh; add-path send/receive; }",
    "  static {",
    ...routes.map((r) => `    ${routeStatement(r)};`),
    "  }",
    "}",
    "",
  ].join("\n");
}

/** A route in words, for failure messages. */
export function describeRoute(r: TestRoute, as?: number): string {
  const path = as !== undefined ? receivedAsPath(r, as) : r.asPath;
  return [
    `${r.family} ${r.prefix}`,
    r.pathId !== undefined ? `path-id ${r.pathId}` : "",
    `next-hop ${r.nextHop}`,
    path ? `as-path [ ${path.join(" ")} ]` : "",
    r.communities ? `community [ ${r.communities.join(" ")} ]` : "",
    r.largeCommunities ? `large-community [ ${r.largeCommunities.join(" ")} ]` : "",
  ].filter((p) => p !== "").join(" ");
}

/**
 * True when a line of tsbgp's `show adj-rib in extensive` is `route` as sent by the eBGP peer `peer` of AS
 * `peerAs`: family, prefix, next hop, ORIGIN, MED, AS_PATH with the peer's AS first, communities, large
 * communities and, when the route has one, the path identifier (a received route carries a
 * path-information whenever ADD-PATH receive was negotiated).
 */
export function isReceived(line: RibLine, route: TestRoute, peer: string, peerAs: number): boolean {
  const [prefix, ...rest] = line.nlri.split(" ");
  const pathInfo = rest[0] === "path-information" ? rest[1] : undefined;
  const attributes = routeAttributes(line.attributes);
  const list = (name: string) => (attributes.get(name) ?? "").split(" ").filter((w) => w !== "").join(" ");
  return line.peer === peer && line.family === route.family && prefix === route.prefix &&
    line.nextHop === route.nextHop && attributes.get("origin") === (route.origin ?? "igp") &&
    (attributes.get("med") ?? "") === (route.med === undefined ? "" : String(route.med)) &&
    (route.pathId === undefined || pathInfo === ipv4Form(route.pathId)) &&
    list("as-path") === receivedAsPath(route, peerAs).join(" ") &&
    list("community") === (route.communities ?? []).join(" ") &&
    list("large-community") === (route.largeCommunities ?? []).join(" ");
}

/** The routes of `routes` that tsbgp's Adj-RIB-In lacks (in words), for `eventually` and its message. */
export function missingFromRib(
  rib: readonly RibLine[],
  routes: readonly TestRoute[],
  peer: string,
  peerAs: number,
): string[] {
  return routes.filter((r) => !rib.some((l) => isReceived(l, r, peer, peerAs))).map((r) =>
    describeRoute(r, peerAs)
  );
}

/** A 32-bit path identifier written as ExaBGP prints it (dotted quad). */
export function ipv4Form(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join(".");
}

/** The `UPDATEs received` counter of `tsbgp cli show neighbor PEER extensive`. */
export function updatesReceived(extensive: string): number | undefined {
  const m = /UPDATEs received\s+(\d+)/.exec(extensive);
  return m ? Number(m[1]) : undefined;
}

// -------------------------------------------------------------------------------------------------------
// FRR and GoBGP: more families, JSON events, both listening and connecting

/**
 * tsbgp's unicast routes towards FRR and GoBGP: attributes on 10.1.0.0/24 and 2001:db8:1::/48, NO_EXPORT
 * on 10.1.1.0/24, two ADD-PATH paths of 10.1.5.0/24.
 */
const MULTI_FAMILY_STATICS: readonly string[] = [
  "route 10.1.0.0/24 next-hop 192.0.2.1 origin egp med 50 as-path [ 64600 64601 ] " +
  "community [ 65001:100 65001:200 ] large-community [ 65001:1:2 ]",
  "route 10.1.1.0/24 next-hop 192.0.2.1 community [ no-export ]",
  "route 10.1.5.0/24 path-information 0.0.0.1 next-hop 192.0.2.1",
  "route 10.1.5.0/24 path-information 0.0.0.2 next-hop 192.0.2.11 med 7",
  "route 2001:db8:1::/48 next-hop 2001:db8::1 community [ 65001:6 ] large-community [ 65001:3:4 ]",
];

/**
 * How an eBGP peer must see tsbgp's 10.1.0.0/24 and 2001:db8:1::/48 of `tsbgpMultiFamilyConfig` (65001
 * prepended to the AS_PATH), in the shape of the FRR and GoBGP helpers' path summaries.
 */
export const MULTI_FAMILY_RECEIVED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "10.1.0.0/24": {
    origin: "egp",
    "as-path": "65001 64600 64601",
    "next-hop": "192.0.2.1",
    med: "50",
    community: "65001:100 65001:200",
    "large-community": "65001:1:2",
  },
  "2001:db8:1::/48": {
    origin: "igp",
    "as-path": "65001",
    "next-hop": "2001:db8::1",
    community: "65001:6",
    "large-community": "65001:3:4",
  },
};

export interface MultiFamilyNeighbor {
  readonly peer: string;
  readonly peerAs: number;
  /** tsbgp listens on 127.0.0.1:`listen` and connects to the peer on `connect`: whoever can, wins. */
  readonly listen: number;
  readonly connect: number;
  /** File tsbgp's JSON events are appended to (`readJsonEvents`). */
  readonly events: string;
  /** `family { … }` beyond IPv4 and IPv6 unicast ("ipv4 flow", "l2vpn evpn"…). */
  readonly families: readonly string[];
  /** `capability { … }` beyond ADD-PATH and route refresh, with why ("graceful-restart 120"). */
  readonly capabilities?: readonly string[];
  /** `static` routes beyond the unicast ones (VPN routes…), in tsbgp's syntax. */
  readonly routes?: readonly string[];
}

/**
 * One neighbor block with a JSON events process: ADD-PATH send/receive on IPv4 unicast, route refresh,
 * Adj-RIB-In kept, the unicast routes of MULTI_FAMILY_STATICS and a FlowSpec rule (tcp to 10.9.0.0/24
 * port 80, discard) — the FlowSpec family must be among `families` for the rule to be sent.
 */
export function tsbgpMultiFamilyConfig(n: MultiFamilyNeighbor): string {
  return [
    jsonEventsProcess("events", n.events).trimEnd(),
    `neighbor ${n.peer} {`,
    `  router-id ${TSBGP_ROUTER_ID};`,
    `  local-address ${TSBGP_ADDRESS};`,
    `  local-as ${TSBGP_AS};`,
    `  peer-as ${n.peerAs};`,
    "  hold-time 30;",
    `  listen ${n.listen};`,
    `  connect ${n.connect};`,
    "  adj-rib-in true;",
    `  capability { ${["add-path send/receive", "route-refresh", ...(n.capabilities ?? [])].join("; ")}; }`,
    `  family { ${["ipv4 unicast", "ipv6 unicast", ...n.families].join("; ")}; }`,
    "  add-path { ipv4 unicast; }",
    `  ${jsonEventsApi("events")}`,
    "  static {",
    ...[...MULTI_FAMILY_STATICS, ...(n.routes ?? [])].map((r) => `    ${r};`),
    "  }",
    "  flow {",
    "    route block-web {",
    "      match { destination 10.9.0.0/24; protocol tcp; destination-port =80; }",
    "      then { discard; }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
}
