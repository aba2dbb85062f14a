/**
 * The grammar of BGP-MUP routes and of the Prefix-SID attributes (exabgp-behaviour.md §4.4), shared by the
 * configuration (`announce { ipv4 { mup …; } }`) and the text API (`announce ipv4 mup …`):
 *
 *   mup-isd  <prefix> rd RD                                             (draft-mpmz-bess-mup-safi §3.1.1)
 *   mup-dsd  <ip>     rd RD                                             (§3.1.2)
 *   mup-t1st <prefix> rd RD teid N qfi N endpoint <ip> [source <ip>]   (§3.1.3)
 *   mup-t2st <ip>     rd RD teid N/BITS                                 (§3.1.4)
 *   … followed by next-hop and path attributes of the route grammar (lib/config/route.ts).
 *
 *   bgp-prefix-sid [ <label-index> ] | [ <label-index>, [ ( <base>,<range> ) … ] ]         (RFC 8669)
 *   bgp-prefix-sid-srv6 ( l3-service|l2-service <sid> [<behavior> [LBL,LNL,FL,AL,TL,TO]] ) (RFC 9252)
 */
import type { Attribute, Route } from "../bgp/types.ts";
import { AFI } from "../bgp/family.ts";
import { isIPv4, isIPv6, parsePrefix } from "../bgp/ip.ts";
import { parseRd } from "../bgp/qualifier/rd.ts";
import { IPV4_MUP, IPV6_MUP, type MupFields, mupNlri, MupRouteType } from "../bgp/nlri/mup.ts";
import {
  OPAQUE_BEHAVIOR,
  prefixSidAttribute,
  type SidStructure,
  type Srv6Service,
} from "../bgp/attribute/prefix_sid.ts";
import { isPunct, type Token } from "./tokenizer.ts";
import { parseUint, parseUintOrHex } from "./community.ts";
import { parseRouteSpec, RouteError } from "./route.ts";

// ---------------------------------------------------------------------------------------------------------
// Prefix-SID

function words(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => !isPunct(t, ","));
}

function expect(t: Token | undefined, p: string, keyword: string, at: Token | undefined): void {
  if (!isPunct(t, p)) {
    throw new RouteError(
      `'${keyword}' expects '${p}', got ${t ? `'${t.text}'` : "the end of the route"}`,
      t ?? at,
    );
  }
}

function numberOf(t: Token | undefined, keyword: string, max: number, at: Token | undefined): number {
  const v = t === undefined || t.quoted ? undefined : parseUintOrHex(t.text, max);
  if (v === undefined) {
    throw new RouteError(
      `'${keyword}' expects a number 0..${max}, got ${t ? `'${t.text}'` : "the end of the route"}`,
      t ?? at,
    );
  }
  return v;
}

/**
 * `bgp-prefix-sid` arguments (the tokens after the keyword, `[ … ]` or one number): a Label-Index TLV
 * (RFC 8669 §3.1) and, when ranges follow, an Originator SRGB TLV (§3.2) with base and range of 24 bits.
 */
export function parsePrefixSid(tokens: readonly Token[]): Attribute {
  const kw = "bgp-prefix-sid";
  const w = words(tokens);
  const at = w[0];
  const bracket = isPunct(w[0], "[");
  let i = bracket ? 1 : 0;
  const labelIndex = numberOf(w[i++], kw, 0xffffffff, at);
  const srgbs: [number, number][] = [];
  if (bracket && isPunct(w[i], "[")) {
    for (i++; !isPunct(w[i], "]"); i++) {
      expect(w[i], "(", kw, at);
      const base = numberOf(w[i + 1], kw, 0xffffff, at), range = numberOf(w[i + 2], kw, 0xffffff, at);
      expect(w[i + 3], ")", kw, at);
      srgbs.push([base, range]);
      i += 3;
    }
    i++;
  }
  if (bracket) expect(w[i++], "]", kw, at);
  if (i !== w.length) throw new RouteError(`'${kw}' expects ']', got '${w[i].text}'`, w[i]);
  const tlvs = [{ type: 1 as const, flags: 0, labelIndex }];
  return prefixSidAttribute(srgbs.length ? [...tlvs, { type: 3 as const, flags: 0, srgbs }] : tlvs);
}

const SERVICES: Readonly<Record<string, 5 | 6>> = { "l3-service": 5, "l2-service": 6 };

/**
 * `bgp-prefix-sid-srv6` arguments: `( l3-service|l2-service <ipv6 SID> [<behavior> [LBL,LNL,FL,AL,TL,TO]] )`,
 * an SRv6 L3/L2 Service TLV (RFC 9252 §2) with one SID Information sub-TLV; the behavior defaults to
 * 0xFFFF (opaque) as in ExaBGP, and the SID Structure sub-sub-TLV is sent only when written.
 */
export function parsePrefixSidSrv6(tokens: readonly Token[]): Attribute {
  const kw = "bgp-prefix-sid-srv6";
  const w = words(tokens);
  const at = w[0];
  expect(w[0], "(", kw, at);
  const kind = w[1] === undefined ? undefined : SERVICES[w[1].text.toLowerCase()];
  if (kind === undefined) {
    throw new RouteError(`'${kw}' expects l3-service or l2-service, got '${w[1]?.text ?? ""}'`, w[1] ?? at);
  }
  const sid = w[2];
  if (sid === undefined || !isIPv6(sid.text)) {
    throw new RouteError(`'${kw}' expects an IPv6 SID, got '${sid?.text ?? ""}'`, sid ?? at);
  }
  let i = 3;
  let behavior = OPAQUE_BEHAVIOR;
  let structure: SidStructure | undefined;
  if (!isPunct(w[i], ")")) {
    behavior = numberOf(w[i++], kw, 0xffff, at);
    if (isPunct(w[i], "[")) {
      const v = [1, 2, 3, 4, 5, 6].map((k) => numberOf(w[i + k], kw, 0xff, at));
      structure = [v[0], v[1], v[2], v[3], v[4], v[5]];
      expect(w[i + 7], "]", kw, at);
      i += 8;
    }
  }
  expect(w[i++], ")", kw, at);
  if (i !== w.length) throw new RouteError(`'${kw}' expects ')', got '${w[i].text}'`, w[i]);
  const service: Srv6Service = structure === undefined
    ? { sid: sid.text, flags: 0, behavior }
    : { sid: sid.text, flags: 0, behavior, structure };
  return prefixSidAttribute([{ type: kind, services: [service] }]);
}

// ---------------------------------------------------------------------------------------------------------
// MUP routes

const MUP_TYPES: ReadonlyMap<string, number> = new Map([
  ["mup-isd", MupRouteType.ISD],
  ["mup-dsd", MupRouteType.DSD],
  ["mup-t1st", MupRouteType.T1ST],
  ["mup-t2st", MupRouteType.T2ST],
]);

/** The keywords (each with one argument) of each route type; every other word is a path attribute. */
const MUP_KEYWORDS: Readonly<Record<number, ReadonlySet<string>>> = {
  1: new Set(["rd"]),
  2: new Set(["rd"]),
  3: new Set(["rd", "teid", "qfi", "endpoint", "source"]),
  4: new Set(["rd", "teid"]),
};

/** The path attributes, next hop and pseudo-attributes of `rest`, read by the route grammar. */
function routeAround(rest: readonly Token[], at: Token): Route {
  const placeholder: Token = { text: "0.0.0.0/0", line: at.line, quoted: false, start: 0, end: 0 };
  const spec = parseRouteSpec([placeholder, ...rest]);
  if (spec.kind !== "routes" || spec.routes.length !== 1) {
    throw new RouteError("a mup route takes path attributes only (no label or split)", at);
  }
  return spec.routes[0];
}

/**
 * One MUP route from the words after `mup`: the route type, its NLRI fields, then next hop and attributes.
 * `afi` is the context's (`announce { ipv6 { mup … } }`, `announce ipv6 mup …`): addresses must match it.
 */
export function parseMupTokens(tokens: readonly Token[], afi: number): Route {
  const w = words(tokens);
  const head = w[0];
  const type = head === undefined || head.quoted ? undefined : MUP_TYPES.get(head.text.toLowerCase());
  if (type === undefined) {
    throw new RouteError(
      `'mup' expects mup-isd, mup-dsd, mup-t1st or mup-t2st, got ${head ? `'${head.text}'` : "nothing"}`,
      head,
    );
  }
  const what = `a ${head.text} route`;
  const family = afi === AFI.ipv6 ? IPV6_MUP : IPV4_MUP;
  const v6 = afi === AFI.ipv6;
  const keywords = MUP_KEYWORDS[type];
  // The route's prefix or address comes first: a keyword there means it was left out.
  const first = w[1];
  if (first === undefined || (!first.quoted && keywords.has(first.text.toLowerCase()))) {
    const expected = `an ${v6 ? "IPv6" : "IPv4"} ${type === 1 || type === 3 ? "prefix" : "address"}`;
    const got = first ? `'${first.text}'` : "nothing";
    throw new RouteError(`${what} expects ${expected} first, got ${got}`, first ?? head);
  }
  const values = new Map<string, Token>();
  const rest: Token[] = [];
  for (let i = 2; i < w.length; i++) {
    const word = w[i].quoted ? "" : w[i].text.toLowerCase();
    if (!keywords.has(word)) {
      rest.push(w[i]);
      continue;
    }
    const arg = w[++i];
    if (arg === undefined || isPunct(arg, "[") || isPunct(arg, "(")) {
      throw new RouteError(
        `'${word}' expects a value, got ${arg ? `'${arg.text}'` : "the end of the route"}`,
        w[i - 1],
      );
    }
    values.set(word, arg);
  }
  const get = (key: string): Token => {
    const t = values.get(key);
    if (t === undefined) throw new RouteError(`${what} expects '${key}', got none`, head);
    return t;
  };
  const address = (t: Token | undefined, key: string): string => {
    if (t === undefined) throw new RouteError(`${what} expects ${key}, got none`, head);
    if (!(v6 ? isIPv6(t.text) : isIPv4(t.text))) {
      throw new RouteError(`'${key}' expects an ${v6 ? "IPv6" : "IPv4"} address, got '${t.text}'`, t);
    }
    return t.text;
  };
  const prefix = (t: Token | undefined): { prefix: string; length: number } => {
    let p;
    try {
      p = t === undefined ? undefined : parsePrefix(t.text);
    } catch { /* reported below */ }
    if (p === undefined || p.afi !== afi) {
      throw new RouteError(
        `${what} expects an ${v6 ? "IPv6" : "IPv4"} prefix, got '${t?.text ?? ""}'`,
        t ?? head,
      );
    }
    return { prefix: t!.text.split("/")[0], length: p.length };
  };
  const rdToken = get("rd");
  const rd = parseRd(rdToken.text);
  if (rd === undefined) throw new RouteError(`'rd' expects asn:n or ip:n, got '${rdToken.text}'`, rdToken);
  const uint = (key: string, max: number): number => {
    const t = get(key);
    const v = parseUint(t.text, max);
    if (v === undefined) throw new RouteError(`'${key}' expects a number 0..${max}, got '${t.text}'`, t);
    return v;
  };
  let fields: MupFields;
  switch (type) {
    case MupRouteType.ISD:
      fields = { type: 1, rd, ...prefix(w[1]) };
      break;
    case MupRouteType.DSD:
      fields = { type: 2, rd, address: address(w[1], "an address") };
      break;
    case MupRouteType.T1ST: {
      const source = values.get("source");
      fields = {
        type: 3,
        rd,
        ...prefix(w[1]),
        teid: uint("teid", 0xffffffff),
        qfi: uint("qfi", 0xff),
        endpoint: address(get("endpoint"), "endpoint"),
        ...(source === undefined ? {} : { source: address(source, "source") }),
      };
      break;
    }
    default: {
      // `teid N/BITS`: the TEID's length in bits (0..32) after the endpoint address (§3.1.4).
      const t = get("teid");
      const m = /^(\d+)\/(\d+)$/.exec(t.text);
      const bits = m ? Number(m[2]) : 32;
      const teid = m ? parseUint(m[1]) : parseUint(t.text);
      if (teid === undefined || bits > 32 || (bits < 32 && teid >= 2 ** bits)) {
        throw new RouteError(`'teid' expects N/BITS with N < 2^BITS and BITS 0..32, got '${t.text}'`, t);
      }
      fields = { type: 4, rd, endpoint: address(w[1], "an endpoint address"), teidBits: bits, teid };
    }
  }
  const route = routeAround(rest, head);
  return { ...route, nlri: mupNlri(family, fields, route.nlri.pathId) };
}
