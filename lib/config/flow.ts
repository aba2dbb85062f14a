/**
 * FlowSpec routes from ExaBGP's grammar (exabgp-behaviour.md §4.4, §5.1):
 *
 *   flow { route [NAME] { rd X; next-hop X; match { … } then { … } scope { … } } }      (configuration)
 *   announce flow route [NAME] { match { … } then { … } scope { … } }                   (API, block form)
 *   announce flow route destination 1.2.3.4/32 source-port >1024 discard                 (API, one line)
 *
 * match → NLRI components (RFC 8955 §4.2, RFC 8956 §3); then/scope → communities and the FlowSpec
 * actions as extended communities (RFC 8955 §7: traffic-rate, traffic-action, redirect, traffic-marking;
 * draft-simpson-idr-flowspec-redirect and draft-ietf-idr-flowspec-redirect-ip for redirect to an address;
 * draft-ietf-idr-flowspec-interfaceset for interface-set). One table of keyword handlers serves all forms.
 */
import type { Attribute, FlowNlri, NextHop, Route } from "../bgp/types.ts";
import { familyKey, SAFI } from "../bgp/family.ts";
import { ipToBytes, isIP, isIPv4, isIPv6, parsePrefix } from "../bgp/ip.ts";
import {
  type FlowComponent,
  FlowOp,
  type FlowPrefix,
  type FlowTerm,
  FlowType,
  FRAGMENTS,
  ICMP_CODES,
  ICMP_TYPES,
  isBitmaskType,
  lengthBits,
  maxValueWidth,
  PROTOCOLS,
  TCP_FLAGS,
} from "../bgp/nlri/flow_components.ts";
import { parseRd } from "../bgp/qualifier/rd.ts";
import { isPunct, type Token, tokenize } from "./tokenizer.ts";
import { readStatements, type Statement } from "./statements.ts";
import { RouteError } from "./route.ts";
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity, parseUint } from "./community.ts";

/** What the handlers fill in while reading one flow route. */
interface FlowState {
  rd?: Uint8Array;
  nextHop: NextHop;
  /** 1 or 2 once a prefix or an IPv6-only component fixed it. */
  afi?: number;
  prefixes: FlowPrefix[];
  /** Terms by component type, in the order written. */
  terms: Map<number, FlowTerm[]>;
  /** By type code: a repeated attribute replaces the earlier one, as in route.ts. */
  attributes: Map<number, Attribute>;
  extended: Uint8Array[];
  /** IPv6 address specific extended communities (RFC 5701, attribute 25). */
  extended6: Uint8Array[];
}

function fail(keyword: string, expected: string, t: Token): never {
  throw new RouteError(`'${keyword}' expects ${expected}, got '${t.text}'`, t);
}

function setAfi(st: FlowState, afi: number, t: Token): void {
  if (st.afi !== undefined && st.afi !== afi) {
    throw new RouteError(`'${t.text}' mixes IPv4 and IPv6 in one flow route`, t);
  }
  st.afi = afi;
}

// ---------------------------------------------------------------------------------------------------------
// match: components

/** `10.0.0.0/24`, or IPv6 `2001:db8::/32/8` with an offset (RFC 8956 §3.1; default 0). */
function prefixComponent(type: 1 | 2, afi: number | undefined) {
  return (st: FlowState, args: Token[], keyword: string): void => {
    for (const t of args) {
      const parts = t.text.split("/");
      let offset = 0;
      let text = t.text;
      if (parts.length === 3) {
        offset = parseUint(parts[2], 255) ?? fail(keyword, "a prefix[/offset]", t);
        text = `${parts[0]}/${parts[1]}`;
      }
      let p;
      try {
        p = parsePrefix(text);
      } catch {
        fail(keyword, "a prefix", t);
      }
      if ((afi !== undefined && p.afi !== afi) || (p.afi === 1 && parts.length === 3) || offset > p.length) {
        fail(keyword, afi === 1 ? "an IPv4 prefix" : "an IPv6 prefix[/offset]", t);
      }
      setAfi(st, p.afi, t);
      st.prefixes.push({ type, kind: "prefix", length: p.length, offset, bytes: p.bytes });
    }
  };
}

const NUMERIC_OPS: readonly [string, number][] = [
  ["<=", FlowOp.LT | FlowOp.EQ],
  [">=", FlowOp.GT | FlowOp.EQ],
  ["!=", FlowOp.LT | FlowOp.GT],
  ["=", FlowOp.EQ],
  ["<", FlowOp.LT],
  [">", FlowOp.GT],
];
const BITMASK_OPS: readonly [string, number][] = [
  ["!=", FlowOp.NOT | FlowOp.MATCH],
  ["!", FlowOp.NOT],
  ["=", FlowOp.MATCH],
];

type ValueParser = (text: string) => number | undefined;

function named(names: ReadonlyMap<string, number>, max: number): ValueParser {
  return (text) => names.get(text.toLowerCase()) ?? parseUint(text, max);
}

/** `fin+push` or one name or a number: the bits ORed. */
function bits(names: ReadonlyMap<string, number>, max: number): ValueParser {
  return (text) => {
    let v = 0;
    for (const part of text.split("+")) {
      const b = names.get(part.toLowerCase()) ?? parseUint(part, max);
      if (b === undefined) return undefined;
      v |= b;
    }
    return v;
  };
}

/**
 * Terms such as `=80`, `>8080&<8088`, `!=tcp`, `SYN`, `&!=push`: each `&` ANDs the next term with the one
 * before it (RFC 8955 §4.2.1). A numeric term without operator is `=`, a bitmask term without one matches
 * any of its bits (operator 0), as ExaBGP writes them.
 */
function operatorComponent(type: number, parse: ValueParser, v6Only = false) {
  const ops = isBitmaskType(type) ? BITMASK_OPS : NUMERIC_OPS;
  const defaultOp = isBitmaskType(type) ? 0 : FlowOp.EQ;
  const width = maxValueWidth(type);
  return (st: FlowState, args: Token[], keyword: string): void => {
    if (v6Only) setAfi(st, 2, args[0]);
    let list = st.terms.get(type);
    if (!list) st.terms.set(type, list = []);
    for (const t of args) {
      let and = false;
      for (const part of t.text.split("&")) {
        if (part === "") {
          and = true;
          continue;
        }
        const found = ops.find(([p]) => part.startsWith(p));
        let op = found ? found[1] : defaultOp;
        const value = parse(found ? part.slice(found[0].length) : part) ??
          fail(keyword, "operators and values such as =80, >1024&<2048 or a known name", t);
        op |= lengthBits(value, width);
        if (and) op |= FlowOp.AND;
        list.push({ op, value });
        and = true;
      }
    }
  };
}

type ArgHandler = (st: FlowState, args: Token[], keyword: string) => void;

const PORT = (text: string) => parseUint(text, 0xffff);

/** match keywords. */
const MATCH: ReadonlyMap<string, ArgHandler> = new Map([
  ["destination", prefixComponent(1, undefined)],
  ["source", prefixComponent(2, undefined)],
  ["destination-ipv4", prefixComponent(1, 1)],
  ["source-ipv4", prefixComponent(2, 1)],
  ["destination-ipv6", prefixComponent(1, 2)],
  ["source-ipv6", prefixComponent(2, 2)],
  ["protocol", operatorComponent(FlowType.PROTOCOL, named(PROTOCOLS, 0xff))],
  ["next-header", operatorComponent(FlowType.PROTOCOL, named(PROTOCOLS, 0xff), true)],
  ["port", operatorComponent(FlowType.PORT, PORT)],
  ["destination-port", operatorComponent(FlowType.DESTINATION_PORT, PORT)],
  ["source-port", operatorComponent(FlowType.SOURCE_PORT, PORT)],
  ["icmp-type", operatorComponent(FlowType.ICMP_TYPE, named(ICMP_TYPES, 0xff))],
  ["icmp-code", operatorComponent(FlowType.ICMP_CODE, named(ICMP_CODES, 0xff))],
  ["tcp-flags", operatorComponent(FlowType.TCP_FLAGS, bits(TCP_FLAGS, 0xffff))],
  ["packet-length", operatorComponent(FlowType.PACKET_LENGTH, (t) => parseUint(t, 0xffff))],
  // RFC 2474 DSCP is 6 bits; RFC 8956 §3.6 traffic class 8 bits.
  ["dscp", operatorComponent(FlowType.DSCP, (t) => parseUint(t, 0x3f))],
  ["traffic-class", operatorComponent(FlowType.DSCP, (t) => parseUint(t, 0xff), true)],
  ["fragment", operatorComponent(FlowType.FRAGMENT, bits(FRAGMENTS, 0xff))],
  // RFC 8956 §3.7: 20-bit flow label.
  ["flow-label", operatorComponent(FlowType.FLOW_LABEL, (t) => parseUint(t, 0xfffff), true)],
]);

// ---------------------------------------------------------------------------------------------------------
// then / scope: communities and actions

/** 8 octets: type, subtype, then `fill` writes the 6 value octets. */
function ext(type: number, subtype: number, fill: (v: DataView) => void = () => {}): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = type;
  out[1] = subtype;
  fill(new DataView(out.buffer));
  return out;
}

/** RFC 8955 §7.3 traffic-rate-bytes (0x8006), §7.4 traffic-rate-packets (0x800c): AS 0, IEEE float. */
function trafficRate(subtype: number, rate: number): Uint8Array {
  return ext(0x80, subtype, (v) => v.setFloat32(4, rate));
}

function one(args: Token[], keyword: string, expected: string): Token {
  if (args.length !== 1) {
    throw new RouteError(
      `'${keyword}' expects ${expected}, got '${args.map((t) => t.text).join(" ")}'`,
      args[0],
    );
  }
  return args[0];
}

function rate(subtype: number): ArgHandler {
  return (st, args, kw) => {
    const t = one(args, kw, "a rate");
    const n = Number(t.text);
    if (!/^\d+(\.\d+)?$/.test(t.text) || !(n <= 3.4e38)) fail(kw, "a rate (a non-negative number)", t);
    st.extended.push(trafficRate(subtype, n));
  };
}

/** draft-simpson-idr-flowspec-redirect: 0x0800, the low bit of the last octet = copy. */
function redirectToNextHop(copy: boolean): Uint8Array {
  return ext(0x08, 0x00, (v) => v.setUint8(7, copy ? 1 : 0));
}

function setNextHop(st: FlowState, t: Token, kw: string): void {
  if (!isIP(t.text)) fail(kw, "an IP address", t);
  st.nextHop = { kind: "ip", address: t.text };
}

/** The ExaBGP names of RFC 8955 §7.5 traffic-action bits: terminal 0x01, sample 0x02. */
const ACTIONS: ReadonlyMap<string, number> = new Map([["sample", 2], ["terminal", 1], [
  "sample-terminal",
  3,
]]);

/** draft-ietf-idr-flowspec-interfaceset directions: the two high bits of the group field. */
const DIRECTIONS: ReadonlyMap<string, number> = new Map([["input", 1], ["output", 2], ["input-output", 3]]);

/** `transitive:input:ASN:GROUP` → type 0x07 (0x47 non-transitive), subtype 0x02, ASN, direction|group. */
function interfaceSet(t: Token): Uint8Array {
  const kw = "interface-set";
  const [transitive, direction, asn, group, extra] = t.text.toLowerCase().split(":");
  const dir = DIRECTIONS.get(direction);
  const as = parseUint(asn ?? "");
  const g = parseUint(group ?? "", 0x3fff);
  if (
    extra !== undefined || (transitive !== "transitive" && transitive !== "non-transitive") ||
    dir === undefined || as === undefined || g === undefined
  ) {
    fail(kw, "transitive|non-transitive:input|output|input-output:ASN:GROUP", t);
  }
  return ext(transitive === "transitive" ? 0x07 : 0x47, 0x02, (v) => {
    v.setUint32(2, as);
    v.setUint16(6, (dir << 14) | g);
  });
}

function listOf<T>(args: Token[], kw: string, expected: string, parse: (text: string) => T | undefined): T[] {
  return args.map((t) => parse(t.text) ?? fail(kw, expected, t));
}

/** then (and scope) keywords; `args` are the words after the keyword, a `[ … ]` list flattened. */
const THEN: ReadonlyMap<string, ArgHandler> = new Map<string, ArgHandler>([
  ["accept", () => {}],
  ["discard", (st) => void st.extended.push(trafficRate(0x06, 0))],
  ["rate-limit", rate(0x06)],
  ["rate-limit-packets", rate(0x0c)],
  ["redirect", (st, args, kw) => {
    const t = one(args, kw, "asn:n, ip:n or an IP address");
    // An address alone redirects to that next hop (draft-simpson); else RFC 8955 §7.6 / RFC 7674 redirect.
    if (isIP(t.text)) {
      setNextHop(st, t, kw);
      st.extended.push(redirectToNextHop(false));
      return;
    }
    st.extended.push(
      parseExtendedCommunity(`redirect:${t.text}`) ?? fail(kw, "asn:n, ip:n or an IP address", t),
    );
  }],
  ["redirect-to-nexthop", (st) => void st.extended.push(redirectToNextHop(false))],
  ["copy", (st, args, kw) => {
    setNextHop(st, one(args, kw, "an IP address"), kw);
    st.extended.push(redirectToNextHop(true));
  }],
  // draft-ietf-idr-flowspec-redirect-ip: IPv4 in extended community 0x010c, IPv6 in attribute 25 (0x000c).
  ["redirect-to-nexthop-ietf", (st, args, kw) => {
    const t = one(args, kw, "an IP address");
    if (isIPv4(t.text)) {
      st.extended.push(ext(0x01, 0x0c, (v) => ipToBytes(t.text).forEach((b, i) => v.setUint8(2 + i, b))));
    } else if (isIPv6(t.text)) {
      const v6 = new Uint8Array(20);
      v6[1] = 0x0c;
      v6.set(ipToBytes(t.text), 2);
      st.extended6.push(v6);
    } else fail(kw, "an IP address", t);
  }],
  // RFC 8955 §7.7 traffic-marking: the DSCP in the low 6 bits of the last octet.
  ["mark", (st, args, kw) => {
    const t = one(args, kw, "a DSCP value 0..63");
    const dscp = parseUint(t.text, 0x3f) ?? fail(kw, "a DSCP value 0..63", t);
    st.extended.push(ext(0x80, 0x09, (v) => v.setUint8(7, dscp)));
  }],
  ["action", (st, args, kw) => {
    const t = one(args, kw, "sample, terminal or sample-terminal");
    const bits = ACTIONS.get(t.text.toLowerCase()) ?? fail(kw, "sample, terminal or sample-terminal", t);
    st.extended.push(ext(0x80, 0x07, (v) => v.setUint8(7, bits)));
  }],
  ["community", (st, args, kw) => {
    const values = listOf(args, kw, "a:b, a number or a well-known name", parseCommunity);
    const prev = st.attributes.get(8);
    const all = [...(prev?.kind === "community" ? prev.values : []), ...values];
    st.attributes.set(8, { code: 8, kind: "community", values: [...new Set(all)].sort((a, b) => a - b) });
  }],
  ["large-community", (st, args, kw) => {
    const values = listOf(args, kw, "a:b:c", parseLargeCommunity);
    const seen = new Set<string>();
    const unique = values.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
      .filter((v) => !seen.has(v.join(":")) && seen.add(v.join(":")));
    st.attributes.set(32, { code: 32, kind: "large-community", values: unique });
  }],
  ["extended-community", (st, args, kw) => {
    st.extended.push(
      ...listOf(
        args,
        kw,
        "target:A:N, origin:A:N, redirect:A:N, 0x… or another known form",
        parseExtendedCommunity,
      ),
    );
  }],
  ["interface-set", (st, args) => void st.extended.push(...args.map(interfaceSet))],
]);

/** Route-level keywords of the block form (also accepted on one line). */
const rd: ArgHandler = (st, args, kw) => {
  const t = one(args, kw, "asn:n or ip:n");
  st.rd = parseRd(t.text) ?? fail(kw, "asn:n or ip:n", t);
};
const ROUTE: ReadonlyMap<string, ArgHandler> = new Map<string, ArgHandler>([
  ["rd", rd],
  ["route-distinguisher", rd],
  ["next-hop", (st, args, kw) => setNextHop(st, one(args, kw, "an IP address"), kw)],
]);

// ---------------------------------------------------------------------------------------------------------
// Building the route

/** Byte order, then length: how ExaBGP sends a set of extended communities (conf-flow-redirect). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function uniqueSorted(values: Uint8Array[]): Uint8Array[] {
  const sorted = [...values].sort(compareBytes);
  return sorted.filter((v, i) => i === 0 || compareBytes(v, sorted[i - 1]) !== 0);
}

function newState(): FlowState {
  return {
    nextHop: { kind: "none" },
    prefixes: [],
    terms: new Map(),
    attributes: new Map(),
    extended: [],
    extended6: [],
  };
}

function buildRoute(st: FlowState, at?: Token): Route {
  const components: FlowComponent[] = [];
  for (const p of st.prefixes) components.push(p);
  for (const [type, terms] of st.terms) {
    if (terms.length) components.push({ type, kind: isBitmaskType(type) ? "bitmask" : "numeric", terms });
  }
  if (components.length === 0) throw new RouteError("a flow route expects at least one match condition", at);
  // RFC 8955 §4.2: components in ascending type order (stable: two sources stay in their order).
  components.sort((a, b) => a.type - b.type);
  const afi = st.afi ?? 1;
  const family = familyKey(afi, st.rd ? SAFI["flow-vpn"] : SAFI.flow);
  const nlri: FlowNlri = st.rd
    ? { kind: "flow", family, rd: st.rd, components }
    : { kind: "flow", family, components };
  const attributes = [...st.attributes.values()];
  if (st.extended.length) {
    attributes.push({ code: 16, kind: "extended-community", values: uniqueSorted(st.extended) });
  }
  if (st.extended6.length) {
    // RFC 5701 IPv6 Address Specific Extended Community: optional transitive, 20 octets each.
    const values = uniqueSorted(st.extended6);
    const value = new Uint8Array(values.length * 20);
    values.forEach((v, i) => value.set(v, i * 20));
    attributes.push({ code: 25, kind: "generic", flags: 0xc0, value });
  }
  return { nlri, nextHop: st.nextHop, attributes };
}

/** The keywords `handlerOf` knows in `section`, for error messages. */
function keywordsOf(section: string): string[] {
  switch (section) {
    case "match":
      return [...MATCH.keys()];
    case "then":
      return [...THEN.keys()].filter((k) => k !== "interface-set");
    case "scope":
      return ["interface-set"];
    default:
      return [...ROUTE.keys()];
  }
}

/** The handler of `keyword` inside `section` (match, then, scope or the route block itself). */
function handlerOf(section: string, keyword: string): ArgHandler | undefined {
  const k = keyword.toLowerCase();
  switch (section) {
    case "match":
      return MATCH.get(k);
    case "then":
      return k === "interface-set" ? undefined : THEN.get(k);
    case "scope":
      return k === "interface-set" ? THEN.get(k) : undefined;
    default:
      return ROUTE.get(k);
  }
}

/** The words of a statement after its keyword, `[`/`]` dropped (lists and single values read alike). */
function argsOf(words: readonly Token[]): Token[] {
  return words.slice(1).filter((t) => !isPunct(t, "[") && !isPunct(t, "]"));
}

function applyStatement(st: FlowState, section: string, s: Statement): void {
  const head = s.words[0];
  const handler = head && !head.quoted ? handlerOf(section, head.text) : undefined;
  if (!handler) {
    const where = section === "route" ? "a flow route" : `a flow '${section}' block`;
    const expected = keywordsOf(section).join(", ");
    const message = `unknown keyword '${head?.text ?? "{"}' in ${where}, expected one of: ${expected}`;
    throw new RouteError(message, head);
  }
  const args = argsOf(s.words);
  const noArgs = section === "then" &&
    ["accept", "discard", "redirect-to-nexthop"].includes(head.text.toLowerCase());
  if (!noArgs && args.length === 0) throw new RouteError(`'${head.text}' expects a value, got nothing`, head);
  if (noArgs && args.length) {
    throw new RouteError(`'${head.text}' takes no value, got '${args[0].text}'`, args[0]);
  }
  handler(st, args, head.text);
}

/**
 * A flow route from the children of its `route [NAME] { … }` block: `rd`, `next-hop` statements and the
 * `match`, `then`, `scope` blocks. Throws RouteError.
 */
export function parseFlowBlock(block: readonly Statement[], at?: Token): Route {
  const st = newState();
  for (const s of block) {
    if (s.block) {
      const name = s.words.length === 1 && !s.words[0].quoted ? s.words[0].text.toLowerCase() : "";
      if (name !== "match" && name !== "then" && name !== "scope") {
        throw new RouteError(
          `a flow route has match, then and scope blocks, got '${s.words.map((w) => w.text).join(" ")} {'`,
          s.words[0] ?? at,
        );
      }
      for (const child of s.block) {
        if (child.block) {
          throw new RouteError(`'${child.words[0]?.text}' expects ';', not a block`, child.words[0]);
        }
        applyStatement(st, name, child);
      }
    } else applyStatement(st, "route", s);
  }
  return buildRoute(st, at);
}

/** Keywords that take no argument in the one-line form. */
const BARE = new Set(["accept", "discard", "redirect-to-nexthop"]);

/** `destination 1.2.3.4/32 source-port >1024 discard interface-set [ … ]`: any keyword of any section. */
function parseFlowLine(tokens: readonly Token[]): Route {
  const st = newState();
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i++];
    const k = t.text.toLowerCase();
    const handler = t.quoted ? undefined : MATCH.get(k) ?? THEN.get(k) ?? ROUTE.get(k);
    if (!handler) throw new RouteError(`unknown flow keyword '${t.text}'`, t);
    const args: Token[] = [];
    if (!BARE.has(k)) {
      const first = tokens[i++];
      if (first === undefined) {
        throw new RouteError(`'${t.text}' expects a value, got the end of the route`, t);
      }
      if (isPunct(first, "[")) {
        for (; i < tokens.length && !isPunct(tokens[i], "]"); i++) args.push(tokens[i]);
        if (i++ >= tokens.length) throw new RouteError(`'${t.text}' expects ']' to close the list`, first);
      } else args.push(first);
    }
    handler(st, args, t.text);
  }
  return buildRoute(st, tokens[0]);
}

/**
 * The API's flow route, the tokens after `announce flow route`: `[NAME] { … }` (the block form, `;` `{`
 * `}` included) or the one-line form. Commas are ignored. `afi`: the address family the context asks for
 * (`announce { ipv6 { flow …; } }`). Throws RouteError.
 */
export function parseFlowRouteTokens(tokens: readonly Token[], afi?: number): Route {
  const route = parseFlowTokens(tokens);
  if (afi !== undefined && route.nlri.family >> 8 !== afi) {
    throw new RouteError(`the flow route is not an ${afi === 1 ? "IPv4" : "IPv6"} one`, tokens[0]);
  }
  return route;
}

function parseFlowTokens(tokens: readonly Token[]): Route {
  const words = tokens.filter((t) => !isPunct(t, ","));
  const open = words.findIndex((t) => isPunct(t, "{"));
  if (open < 0) {
    if (words.length === 0) throw new RouteError("a flow route expects match conditions, got nothing");
    return parseFlowLine(words);
  }
  if (open > 1) {
    throw new RouteError(`a flow route expects '{' after its name, got '${words[1].text}'`, words[1]);
  }
  const tree = readStatements(words.slice(open), "flow route").statements;
  if (tree.length !== 1 || !tree[0].block) {
    throw new RouteError("a flow route expects one { … } block", words[open]);
  }
  return parseFlowBlock(tree[0].block, words[0]);
}

/** Same as parseFlowRouteTokens, from text. */
export function parseFlowRouteLine(line: string): Route {
  return parseFlowRouteTokens(tokenize(line));
}
