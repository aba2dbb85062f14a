/**
 * `show neighbor configuration` (exabgp-behaviour §4.3): a neighbor and its Adj-RIB-Out as configuration
 * text in the grammar lib/config/exabgp.ts reads, so that the answer can be saved and loaded again.
 *
 * Each route is one statement on one line, in the block of its family: IP, labeled and VPN prefixes and
 * the AFI-specific families as `announce { ipv4 { <safi> …; } }`, VPLS as `l2vpn { vpls …; }`. One line per
 * route lets the answer be built as it is written (a big RIB is never held twice). A route the grammar
 * cannot express (a family without configuration syntax; none can reach the Adj-RIB-Out today) is printed
 * as a comment, so that the text still loads and the route is still seen.
 */
import { afiName, familyAfi, familySafi, safiName } from "../bgp/family.ts";
import { bytesToIp } from "../bgp/ip.ts";
import { flowToString } from "../bgp/nlri/flow_text.ts";
import { nlriToString } from "../bgp/nlri/prefix.ts";
import type { Attribute, FlowNlri, NextHop, Route } from "../bgp/types.ts";
import { parseExtendedCommunity } from "../config/community.ts";
import type { NeighborConfig } from "../config/model.ts";
import { hex } from "./escape.ts";
import { extendedCommunityString } from "./json.ts";
import { attributesText } from "./text.ts";

/** Marks a route the configuration grammar cannot express. */
class Inexpressible extends Error {}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * One extended community as the community parser reads it: its name when the name parses back to the same
 * eight octets, else `0x` and the octets (display names such as `rate-limit:9600` are not input syntax).
 */
function extendedText(v: Uint8Array): string {
  const named = extendedCommunityString(v);
  return sameBytes(v, parseExtendedCommunity(named)) ? named : `0x${hex(v)}`;
}

function extendedCommunities(values: readonly Uint8Array[]): string {
  const list = values.map(extendedText);
  return ` extended-community ${list.length === 1 ? list[0] : `[ ${list.join(" ")} ]`}`;
}

/**
 * draft-ietf-idr-flowspec-redirect-ip's IPv6 form, attribute 25 (RFC 5701) of type 0x000c: what the flow
 * grammar's `redirect-to-nexthop-ietf <ipv6>` builds, and the only attribute 25 a flow route can hold.
 */
function redirectIpv6(value: Uint8Array): string {
  let out = "";
  for (let i = 0; i + 20 <= value.length; i += 20) {
    if (value[i] !== 0 || value[i + 1] !== 0x0c) throw new Inexpressible();
    out += ` redirect-to-nexthop-ietf ${bytesToIp(value, i + 2, 16)}`;
  }
  return out;
}

/** The attribute text of the route grammar (lib/config/route.ts), extended communities in input syntax. */
function routeAttributes(attributes: readonly Attribute[]): string {
  let s = "";
  for (const a of attributes) {
    s += a.kind === "extended-community" ? extendedCommunities(a.values) : attributesText([a]);
  }
  return s;
}

/** The flow grammar (lib/config/flow.ts) takes communities and the actions, nothing else. */
function flowAttributes(attributes: readonly Attribute[]): string {
  let s = "";
  for (const a of attributes) {
    if (a.kind === "community" || a.kind === "large-community") s += attributesText([a]);
    else if (a.kind === "extended-community") s += extendedCommunities(a.values);
    else if (a.kind === "generic" && a.code === 25) s += redirectIpv6(a.value);
    else throw new Inexpressible();
  }
  return s;
}

function nextHopText(nh: NextHop): string {
  return nh.kind === "ip" ? ` next-hop ${nh.address}` : nh.kind === "self" ? " next-hop self" : "";
}

/** ExaBGP's pseudo-attributes of the route grammar (never on the wire), so that they survive a reload. */
function pseudoText(r: Route): string {
  return (r.name === undefined ? "" : ` name ${r.name}`) +
    (r.watchdog === undefined ? "" : ` watchdog ${r.watchdog}`) + (r.withdrawn ? " withdraw" : "");
}

/** NLRI text, then next hop, attributes and pseudo-attributes in the route grammar. */
const routeGrammar = (nlri: (r: Route) => string) => (r: Route): string =>
  `${nlri(r)}${nextHopText(r.nextHop)}${routeAttributes(r.attributes)}${pseudoText(r)}`;

/** How each kind of NLRI is written: the block around its statement, and the statement after the keyword. */
interface Grammar {
  readonly block: (afi: string, safi: string, statement: string) => string;
  readonly statement: (r: Route) => string;
}

const announce = (afi: string, safi: string, statement: string) =>
  `announce { ${afi} { ${safi} ${statement}; } }`;

const GRAMMARS: { readonly [K in Route["nlri"]["kind"]]?: Grammar } = {
  prefix: { block: announce, statement: routeGrammar((r) => nlriToString(r.nlri)) },
  labeled: { block: announce, statement: routeGrammar((r) => nlriToString(r.nlri)) },
  mvpn: { block: announce, statement: routeGrammar((r) => nlriToString(r.nlri)) },
  mup: { block: announce, statement: routeGrammar((r) => nlriToString(r.nlri)) },
  // `vpls endpoint … rd …`: the keyword is the statement's (l2vpn.ts), attributes in the route grammar.
  vpls: {
    block: (_afi, _safi, statement) => `l2vpn { vpls ${statement}; }`,
    statement: routeGrammar((r) => nlriToString(r.nlri).replace(/^vpls /, "")),
  },
  // The one-line flow grammar after the `flow`/`flow-vpn` keyword: components, rd, next hop, actions.
  flow: {
    block: announce,
    statement: (r) =>
      `${flowToString(r.nlri as FlowNlri).replace(/^flow ?/, "")}${nextHopText(r.nextHop)}${
        flowAttributes(r.attributes)
      }`,
  },
};

/** One route as a line of a neighbor block: `announce { ipv4 { unicast …; } }`, `l2vpn { vpls …; }`. */
export function routeConfigLine(r: Route): string {
  const afi = afiName(familyAfi(r.nlri.family));
  const safi = safiName(familySafi(r.nlri.family));
  const grammar = GRAMMARS[r.nlri.kind];
  try {
    if (grammar) return grammar.block(afi, safi, grammar.statement(r));
  } catch (e) {
    if (!(e instanceof Inexpressible)) throw e;
  }
  return `# ${afi} ${safi} ${nlriToString(r.nlri)}${nextHopText(r.nextHop)}${attributesText(r.attributes)}` +
    " (no configuration syntax for this route)";
}

/** The neighbor block: its identity, timers and every route given (its Adj-RIB-Out), built line by line. */
export function* neighborConfigLines(config: NeighborConfig, routes: Iterable<Route>): Iterable<string> {
  yield `neighbor ${config.peerAddress} {`;
  if (config.routerId !== undefined) yield `  router-id ${config.routerId};`;
  yield `  local-address ${config.localAddress};`;
  yield `  local-as ${config.localAs};`;
  yield `  peer-as ${config.peerAs};`;
  yield `  hold-time ${config.holdTime};`;
  for (const r of routes) yield `  ${routeConfigLine(r)}`;
  yield "}";
}
