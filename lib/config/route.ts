/**
 * The route grammar shared by the configuration (`route …;`, `unicast …;`) and the text API
 * (`announce route …`), exabgp-behaviour.md §4.4:
 *
 *   <prefix> [next-hop <ip>|self] [origin …] [as-path …] [med n] [local-preference n] [atomic-aggregate]
 *   [aggregator (asn:ip)] [community […]] [large-community […]] [extended-community […]]
 *   [originator-id ip] [cluster-list […]] [aigp n] [attribute [0xT 0xF 0xV]] [path-information id]
 *   [name x] [split /n] [watchdog x] [withdraw] [label …] [rd …] [bgp-prefix-sid …]
 *
 * One table of keyword handlers; each consumes its arguments from a cursor. `label` makes the route
 * nlri-mpls (RFC 8277), `rd` mpls-vpn (RFC 4364).
 */
import type { AsPathSegment, Attribute, NextHop, Nlri, Origin, Route } from "../bgp/types.ts";
import { SegmentType } from "../bgp/types.ts";
import { AFI, type FamilyKey, familyKey, SAFI } from "../bgp/family.ts";
import { ipToBytes, isIP, isIPv4, type ParsedPrefix, parsePrefix } from "../bgp/ip.ts";
import { isPunct, type Token, tokenize } from "./tokenizer.ts";
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity, parseUint } from "./community.ts";
import { labeledNlri } from "../bgp/nlri/labeled.ts";
import { encodeLabels, MAX_LABEL } from "../bgp/qualifier/labels.ts";
import { parseRd } from "../bgp/qualifier/rd.ts";
import { parsePrefixSid, parsePrefixSidSrv6 } from "./mup.ts";

/** A syntax error in a route; `token` locates it (its line, in a configuration). */
export class RouteError extends Error {
  constructor(message: string, readonly token?: Token) {
    super(message);
    this.name = "RouteError";
  }
}

export interface RouteOptions {
  /** The SAFI the context asks for (`announce { ipv4 { multicast … } }`); default unicast. */
  safi?: number;
  /** The AFI the context asks for (`announce { ipv6 { … } }`); the prefix must match it. */
  afi?: number;
  /** `withdraw route …`: a labeled route may then omit its label (it is sent with 0x800000, RFC 8277 §2.4). */
  withdraw?: boolean;
}

export type RouteSpec =
  | { readonly kind: "routes"; readonly family: FamilyKey; readonly routes: Route[] }
  /** A SAFI the grammar does not build (`RouteOptions.safi` outside ROUTE_SAFIS); family: ExaBGP's name. */
  | { readonly kind: "unsupported"; readonly family: string };

/** Largest `split` expansion accepted (2^16 sub-prefixes), so a typo cannot allocate millions of routes. */
const MAX_SPLIT_BITS = 16;

const ORIGINS: Record<string, Origin> = { igp: 0, egp: 1, incomplete: 2 };

/** SAFIs this grammar builds routes for: IP prefixes, and labeled / VPN prefixes (RFC 8277, RFC 4364). */
const ROUTE_SAFIS: ReadonlySet<number> = new Set([
  SAFI.unicast,
  SAFI.multicast,
  SAFI["nlri-mpls"],
  SAFI["mpls-vpn"],
]);

/** Byte-wise order (for extended communities, which ExaBGP sorts). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** What the keyword handlers fill in while reading one route. */
interface RouteState {
  nextHop: NextHop;
  /** By type code: a repeated attribute replaces the earlier one, as in ExaBGP. */
  attributes: Map<number, Attribute>;
  pathId?: number;
  name?: string;
  watchdog?: string;
  withdrawn?: boolean;
  split?: number;
  /** Set by rd/label: the SAFI this route really belongs to. */
  safi?: number;
  /** `label [ … ]` values (RFC 8277) and `rd` octets (RFC 4364 §4.2). */
  labels?: number[];
  rd?: Uint8Array;
}

/** A cursor over a route's tokens. */
class Cursor {
  i = 0;
  constructor(readonly tokens: readonly Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  /** The next token, or a RouteError naming what `keyword` expected. */
  next(keyword: string, expected: string): Token {
    const t = this.tokens[this.i];
    if (t === undefined) {
      throw new RouteError(
        `'${keyword}' expects ${expected}, got the end of the route`,
        this.tokens[this.i - 1],
      );
    }
    this.i++;
    return t;
  }
  /** A `[ … ]` list or a single word: the words. */
  list(keyword: string, expected: string): Token[] {
    const first = this.next(keyword, expected);
    if (!isPunct(first, "[")) return [first];
    const out: Token[] = [];
    for (;;) {
      const t = this.next(keyword, `']' to close the list`);
      if (isPunct(t, "]")) return out;
      out.push(t);
    }
  }
  /** Skips one argument that may be a nested `[ … ]` / `( … )` group (attributes we only recognise). */
  skipGroup(keyword: string): Token[] {
    const out: Token[] = [];
    let depth = 0;
    do {
      const t = this.next(keyword, "an argument");
      out.push(t);
      if (isPunct(t, "[") || isPunct(t, "(")) depth++;
      else if (isPunct(t, "]") || isPunct(t, ")")) depth--;
    } while (depth > 0);
    return out;
  }
}

function fail(keyword: string, expected: string, t: Token): never {
  throw new RouteError(`'${keyword}' expects ${expected}, got '${t.text}'`, t);
}

function uint(c: Cursor, keyword: string, max = 0xffffffff): number {
  const t = c.next(keyword, `a number 0..${max}`);
  return parseUint(t.text, max) ?? fail(keyword, `a number 0..${max}`, t);
}

function ipv4(c: Cursor, keyword: string): string {
  const t = c.next(keyword, "an IPv4 address");
  return isIPv4(t.text) ? t.text : fail(keyword, "an IPv4 address", t);
}

/** An AS number: plain or asdot (RFC 5396). */
function asn(t: Token, keyword: string): number {
  const dot = /^(\d+)\.(\d+)$/.exec(t.text);
  if (dot && Number(dot[1]) <= 0xffff && Number(dot[2]) <= 0xffff) {
    return Number(dot[1]) * 65536 + Number(dot[2]);
  }
  return parseUint(t.text) ?? fail(keyword, "an AS number", t);
}

function set(st: RouteState, a: Attribute): void {
  st.attributes.set(a.code, a);
}

/**
 * `as-path [ 1 2 ( 3 4 ) ]`: a bracket list is an AS_SEQUENCE in which `( … )` opens an AS_SET;
 * `as-path ( 1 2 )` is an AS_SET alone; `as-path 100` a one-AS sequence (RFC 4271 §4.3 segment types).
 */
function asPath(c: Cursor): AsPathSegment[] {
  const kw = "as-path";
  const first = c.next(kw, "an AS number or a [ … ] list");
  if (!isPunct(first, "[") && !isPunct(first, "(")) {
    return [{ type: SegmentType.AS_SEQUENCE, asns: [asn(first, kw)] }];
  }
  const segments: AsPathSegment[] = [];
  let seq: number[] = [];
  const flush = () => {
    if (seq.length) segments.push({ type: SegmentType.AS_SEQUENCE, asns: seq });
    seq = [];
  };
  const readSet = () => {
    const asns: number[] = [];
    for (
      let t = c.next(kw, "')' to close the AS set");
      !isPunct(t, ")");
      t = c.next(kw, "')' to close the AS set")
    ) {
      asns.push(asn(t, kw));
    }
    segments.push({ type: SegmentType.AS_SET, asns });
  };
  if (isPunct(first, "(")) {
    readSet();
    return segments;
  }
  for (
    let t = c.next(kw, "']' to close the AS path");
    !isPunct(t, "]");
    t = c.next(kw, "']' to close the AS path")
  ) {
    if (isPunct(t, "(")) {
      flush();
      readSet();
    } else seq.push(asn(t, kw));
  }
  flush();
  return segments;
}

/** `aggregator ( 18144:219.118.225.189 )` or without the parentheses. */
function aggregator(c: Cursor, st: RouteState): void {
  const kw = "aggregator";
  let t = c.next(kw, "( asn:ip )");
  const paren = isPunct(t, "(");
  if (paren) t = c.next(kw, "asn:ip");
  const colon = t.text.lastIndexOf(":");
  const address = t.text.slice(colon + 1);
  if (colon < 1 || !isIPv4(address)) fail(kw, "asn:ip", t);
  const as = asn({ ...t, text: t.text.slice(0, colon) }, kw);
  if (paren) {
    const close = c.next(kw, "')'");
    if (!isPunct(close, ")")) fail(kw, "')'", close);
  }
  set(st, { code: 7, kind: "aggregator", asn: as, address });
}

function hexBytes(text: string): Uint8Array | undefined {
  const m = /^0x([0-9a-f]*)$/i.exec(text);
  if (!m || m[1].length % 2) return undefined;
  const out = new Uint8Array(m[1].length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(m[1].slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `attribute [ 0xTYPE 0xFLAGS 0xPAYLOAD ]`: sent verbatim (ExaBGP's GenericAttribute). */
function genericAttribute(c: Cursor, st: RouteState): void {
  const kw = "attribute";
  const open = c.next(kw, "[ 0xTYPE 0xFLAGS 0xPAYLOAD ]");
  if (!isPunct(open, "[")) fail(kw, "[ 0xTYPE 0xFLAGS 0xPAYLOAD ]", open);
  c.i--;
  const words = c.list(kw, "[ 0xTYPE 0xFLAGS 0xPAYLOAD ]");
  const [type, flags, value] = words.map((w) => hexBytes(w.text));
  if (words.length !== 3 || !type || type.length !== 1 || !flags || flags.length !== 1 || !value) {
    throw new RouteError(
      `'attribute' expects [ 0xTYPE 0xFLAGS 0xPAYLOAD ], got '${words.map((w) => w.text).join(" ")}'`,
      open,
    );
  }
  // Flags verbatim, extended-length bit (0x10) included: ExaBGP sends `[0x99 0x70 …]` with a 2-octet
  // length although the value is 4 octets (etc/conf-generic-attribute.conf).
  set(st, { code: type[0], kind: "generic", flags: flags[0], value });
}

function uniqueTriples(values: [number, number, number][]): [number, number, number][] {
  const sorted = [...values].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return sorted.filter((v, i) => i === 0 || v.some((x, k) => x !== sorted[i - 1][k]));
}

type Handler = (c: Cursor, st: RouteState) => void;

/** Keyword → handler. Aliases point at the same function. */
const HANDLER_TABLE: Record<string, Handler> = {
  "next-hop": (c, st) => {
    const t = c.next("next-hop", "an IP address or 'self'");
    if (t.text.toLowerCase() === "self") st.nextHop = { kind: "self" };
    else if (isIP(t.text)) st.nextHop = { kind: "ip", address: t.text };
    else fail("next-hop", "an IP address or 'self'", t);
  },
  origin: (c, st) => {
    const t = c.next("origin", "igp, egp or incomplete");
    const v = ORIGINS[t.text.toLowerCase()];
    if (v === undefined) fail("origin", "igp, egp or incomplete", t);
    set(st, { code: 1, kind: "origin", value: v });
  },
  "as-path": (c, st) => set(st, { code: 2, kind: "as-path", segments: asPath(c) }),
  med: (c, st) => set(st, { code: 4, kind: "med", value: uint(c, "med") }),
  "local-preference": (c, st) =>
    set(st, { code: 5, kind: "local-preference", value: uint(c, "local-preference") }),
  "atomic-aggregate": (_c, st) => set(st, { code: 6, kind: "atomic-aggregate" }),
  aggregator,
  community: (c, st) => {
    const values = c.list("community", "a community").map((t) =>
      parseCommunity(t.text) ?? fail("community", "a:b, a number or a well-known name", t)
    );
    // ExaBGP sends communities sorted and without duplicates (encoding/conf-new-v4.msg).
    set(st, { code: 8, kind: "community", values: [...new Set(values)].sort((a, b) => a - b) });
  },
  "large-community": (c, st) => {
    const values = c.list("large-community", "a:b:c").map((t) =>
      parseLargeCommunity(t.text) ?? fail("large-community", "a:b:c", t)
    );
    // Sorted and without duplicates, as ExaBGP sends them (encoding/conf-largecommunity.msg).
    set(st, { code: 32, kind: "large-community", values: uniqueTriples(values) });
  },
  "extended-community": (c, st) => {
    const values = c.list("extended-community", "an extended community").map((t) =>
      parseExtendedCommunity(t.text) ??
        fail("extended-community", "target:A:N, origin:A:N, 0x… or another known form", t)
    );
    // ExaBGP sends them sorted by their octets (encoding/conf-vpn.msg).
    set(st, { code: 16, kind: "extended-community", values: values.sort(compareBytes) });
  },
  "originator-id": (c, st) => set(st, { code: 9, kind: "originator-id", address: ipv4(c, "originator-id") }),
  "cluster-list": (c, st) => {
    const addresses = c.list("cluster-list", "IPv4 addresses").map((t) =>
      isIPv4(t.text) ? t.text : fail("cluster-list", "an IPv4 address", t)
    );
    set(st, { code: 10, kind: "cluster-list", addresses });
  },
  aigp: (c, st) => {
    const t = c.next("aigp", "a number");
    if (!/^\d+$/.test(t.text) || BigInt(t.text) > 0xffffffffffffffffn) fail("aigp", "a number 0..2^64-1", t);
    set(st, { code: 26, kind: "aigp", value: BigInt(t.text) });
  },
  attribute: genericAttribute,
  "path-information": (c, st) => {
    const t = c.next("path-information", "an IPv4 address or a number");
    if (isIPv4(t.text)) st.pathId = new DataView(ipToBytes(t.text).buffer).getUint32(0);
    else st.pathId = parseUint(t.text) ?? fail("path-information", "an IPv4 address or a number", t);
  },
  name: (c, st) => {
    st.name = c.next("name", "a name").text;
  },
  watchdog: (c, st) => {
    st.watchdog = c.next("watchdog", "a name").text;
  },
  withdraw: (_c, st) => {
    st.withdrawn = true;
  },
  split: (c, st) => {
    const t = c.next("split", "/length");
    const m = /^\/(\d+)$/.exec(t.text);
    if (!m) fail("split", "/length", t);
    st.split = Number(m![1]);
  },
  // RFC 8277 labels: nlri-mpls unless an RD also makes it mpls-vpn (RFC 4364).
  label: (c, st) => {
    st.labels = c.list("label", "a label").map((t) =>
      parseUint(t.text, MAX_LABEL) ?? fail("label", "a label 0..1048575", t)
    );
    st.safi ??= SAFI["nlri-mpls"];
  },
  rd: (c, st) => {
    const t = c.next("rd", "asn:n or ip:n");
    st.rd = parseRd(t.text) ?? fail("rd", "asn:n or ip:n", t);
    st.safi = SAFI["mpls-vpn"];
  },
  // RFC 8669 / RFC 9252 Prefix-SID (type 40), grammar in lib/config/mup.ts.
  "bgp-prefix-sid": (c, st) => set(st, parsePrefixSid(c.skipGroup("bgp-prefix-sid"))),
  "bgp-prefix-sid-srv6": (c, st) => set(st, parsePrefixSidSrv6(c.skipGroup("bgp-prefix-sid-srv6"))),
};
HANDLER_TABLE["route-distinguisher"] = HANDLER_TABLE.rd;
/** A Map, so that words such as "constructor" never find an inherited property. */
const HANDLERS = new Map<string, Handler>(Object.entries(HANDLER_TABLE));

/** The ExaBGP family name of an AFI/SAFI pair, for a SAFI the grammar does not build. */
function familyText(afi: number, safi: number): string {
  const a = Object.entries(AFI).find(([, v]) => v === afi)?.[0] ?? String(afi);
  const s = Object.entries(SAFI).find(([, v]) => v === safi)?.[0] ?? String(safi);
  return `${a} ${s}`;
}

/**
 * "a.b.c.d" or "a.b.c.d/len" without regular expressions or intermediate arrays: the API's hot path reads
 * one per route. Undefined for anything else (IPv6 and malformed text go to parsePrefix).
 */
export function fastIPv4Prefix(text: string): ParsedPrefix | undefined {
  const full = [0, 0, 0, 0];
  let octet = 0, value = 0, digits = 0, i = 0;
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + c - 48;
      if (++digits > 3 || value > 255) return undefined;
    } else if (c === 46 && digits > 0 && octet < 3) {
      full[octet++] = value;
      value = digits = 0;
    } else break;
  }
  if (octet !== 3 || digits === 0) return undefined;
  full[3] = value;
  let length = 32;
  if (i < n) {
    if (text.charCodeAt(i) !== 47 || i + 1 === n || n - i > 3) return undefined;
    length = 0;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      length = length * 10 + c - 48;
    }
    if (length > 32) return undefined;
  }
  const size = (length + 7) >> 3;
  const bytes = new Uint8Array(size);
  for (let k = 0; k < size; k++) bytes[k] = full[k];
  if (length & 7) bytes[size - 1] &= 0xff << (8 - (length & 7));
  return { afi: 1, length, bytes };
}

/** The sub-prefixes of `bytes/length` at `to` bits: sub-prefix k has k written in bits length..to-1. */
function splitPrefix(bytes: Uint8Array, length: number, to: number): Uint8Array[] {
  const bits = to - length;
  const count = 2 ** bits;
  const n = (to + 7) >> 3;
  const out: Uint8Array[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const b = new Uint8Array(n);
    b.set(bytes.subarray(0, Math.min(bytes.length, n)));
    for (let j = 0; j < bits; j++) {
      if ((k >>> j) & 1) {
        const pos = to - 1 - j;
        b[pos >> 3] |= 0x80 >> (pos & 7);
      }
    }
    out[k] = b;
  }
  return out;
}

/**
 * Parses one route from its tokens (commas are ignored). Returns the routes (several with `split`), or
 * "unsupported" with the family name when `options.safi` is not one of ROUTE_SAFIS. Throws RouteError.
 */
export function parseRouteSpec(tokens: readonly Token[], options: RouteOptions = {}): RouteSpec {
  const words = tokens.some((t) => isPunct(t, ",")) ? tokens.filter((t) => !isPunct(t, ",")) : tokens;
  if (words.length === 0) throw new RouteError("a route expects a prefix, got nothing");
  const c = new Cursor(words);
  const head = c.next("route", "a prefix");
  let prefix = fastIPv4Prefix(head.text);
  if (prefix === undefined) {
    try {
      prefix = parsePrefix(head.text);
    } catch {
      throw new RouteError(`a route expects a prefix (a.b.c.d/len or ipv6/len), got '${head.text}'`, head);
    }
  }
  if (options.afi !== undefined && options.afi !== prefix.afi) {
    throw new RouteError(`'${head.text}' is not an ${options.afi === 1 ? "IPv4" : "IPv6"} prefix`, head);
  }
  const st: RouteState = { nextHop: { kind: "none" }, attributes: new Map() };
  for (let t = c.peek(); t !== undefined; t = c.peek()) {
    c.i++;
    const handler = t.quoted ? undefined : HANDLERS.get(t.text) ?? HANDLERS.get(t.text.toLowerCase());
    if (!handler) throw new RouteError(`unknown route attribute '${t.text}'`, t);
    handler(c, st);
  }
  // The context's labeled SAFI (`announce { ipv4 { mpls-vpn … } }`) wins over the one `label` implies.
  const labeled = options.safi === SAFI["nlri-mpls"] || options.safi === SAFI["mpls-vpn"];
  const safi = labeled && st.safi !== SAFI["mpls-vpn"]
    ? options.safi!
    : st.safi ?? options.safi ?? SAFI.unicast;
  if (!ROUTE_SAFIS.has(safi)) {
    return { kind: "unsupported", family: familyText(prefix.afi, safi) };
  }
  const family = familyKey(prefix.afi, safi);
  const attributes = [...st.attributes.values()];
  const labels = safi === SAFI.unicast || safi === SAFI.multicast ? undefined : encodeLabels(st.labels ?? []);
  if (safi === SAFI["mpls-vpn"] && st.rd === undefined) {
    throw new RouteError(`an mpls-vpn route expects 'rd', got none`, head);
  }
  // RFC 8277 §2 and RFC 4364 §4.3.4: an announced labeled or VPN route carries a label stack; ExaBGP
  // refuses one without (AnnounceLabel.check). A withdrawal is matched by its prefix (and RD) alone.
  if (labels !== undefined && labels.length === 0 && !options.withdraw) {
    throw new RouteError(
      `an announced ${familyText(prefix.afi, safi)} route expects 'label <n>', got none ` +
        "(only a withdrawal may omit it)",
      head,
    );
  }
  const route = (length: number, bytes: Uint8Array): Route => {
    const nlri: Nlri = labels !== undefined
      ? labeledNlri(family, length, bytes, labels, st.rd, st.pathId)
      : st.pathId === undefined
      ? { kind: "prefix", family, length, bytes }
      : { kind: "prefix", family, length, bytes, pathId: st.pathId };
    // Only the pseudo-attributes that were written, so that routes compare equal to hand-built ones.
    const r: { -readonly [K in keyof Route]: Route[K] } = { nlri, nextHop: st.nextHop, attributes };
    if (st.watchdog !== undefined) r.watchdog = st.watchdog;
    if (st.withdrawn) r.withdrawn = true;
    if (st.name !== undefined) r.name = st.name;
    return r;
  };
  if (st.split === undefined || st.split === prefix.length) {
    return { kind: "routes", family, routes: [route(prefix.length, prefix.bytes)] };
  }
  const max = prefix.afi === AFI.ipv4 ? 32 : 128;
  if (st.split < prefix.length || st.split > max || st.split - prefix.length > MAX_SPLIT_BITS) {
    const t = words.find((w) => /^\/\d+$/.test(w.text));
    throw new RouteError(
      `'split' expects a length between ${prefix.length} and ${
        Math.min(max, prefix.length + MAX_SPLIT_BITS)
      }, got '/${st.split}'`,
      t,
    );
  }
  const routes: Route[] = splitPrefix(prefix.bytes, prefix.length, st.split).map((b) => route(st.split!, b));
  return { kind: "routes", family, routes };
}

/** The routes of one route statement; a route of an unsupported family is an error here. */
export function parseRouteTokens(tokens: readonly Token[], options: RouteOptions = {}): Route[] {
  const spec = parseRouteSpec(tokens, options);
  if (spec.kind === "unsupported") {
    throw new RouteError(`routes of family ${spec.family} are not supported yet`, tokens[0]);
  }
  return spec.routes;
}

/** "10.0.0.0/24 next-hop 1.2.3.4 med 100 community [ 1:2 no-export ] split /25" → routes. */
export function parseRouteLine(line: string, options: RouteOptions = {}): Route[] {
  return parseRouteTokens(tokenize(line), options);
}

/** Same as parseRouteLine, but reports a SAFI outside the grammar instead of throwing. */
export function parseRouteLineSpec(line: string, options: RouteOptions = {}): RouteSpec {
  return parseRouteSpec(tokenize(line), options);
}
