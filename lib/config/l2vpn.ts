/**
 * The grammar of the layer-2 and multicast VPN routes (exabgp-behaviour.md §4.4, §5.1), shared by the
 * configuration and the text API:
 *
 *   vpls [NAME] endpoint N base N offset N size N rd RD next-hop IP <attributes>      (RFC 4761 §3.2.2)
 *   mcast-vpn source-ad   source IP group IP rd RD                 next-hop IP <attributes>  (RFC 6514 §4.5)
 *   mcast-vpn shared-join rp IP     group IP rd RD source-as ASN   next-hop IP <attributes>  (RFC 6514 §4.6)
 *   mcast-vpn source-join source IP group IP rd RD source-as ASN   next-hop IP <attributes>
 *
 * The NLRI keywords are read here; every other word is a path attribute of the route grammar
 * (lib/config/route.ts), which reads them after a placeholder prefix so that both grammars stay one.
 */
import type { Route } from "../bgp/types.ts";
import { AFI } from "../bgp/family.ts";
import { isIPv4, isIPv6 } from "../bgp/ip.ts";
import { parseRd } from "../bgp/qualifier/rd.ts";
import { vplsNlri } from "../bgp/nlri/vpls.ts";
import { mvpnNlri, MvpnType } from "../bgp/nlri/mvpn.ts";
import { isPunct, type Token } from "./tokenizer.ts";
import { parseUint } from "./community.ts";
import { parseRouteSpec, RouteError } from "./route.ts";

/** Splits the NLRI keywords (and their one argument) out of a route's words; the rest are attributes. */
function splitKeywords(
  tokens: readonly Token[],
  keywords: ReadonlySet<string>,
): { values: Map<string, Token>; rest: Token[] } {
  const values = new Map<string, Token>();
  const rest: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const word = t.quoted ? "" : t.text.toLowerCase();
    if (!keywords.has(word)) {
      rest.push(t);
      continue;
    }
    const arg = tokens[i + 1];
    if (arg === undefined || isPunct(arg, "[") || isPunct(arg, ";")) {
      const got = arg === undefined
        ? "the end of the route"
        : isPunct(arg, ";")
        ? "nothing"
        : `'${arg.text}'`;
      throw new RouteError(`'${t.text}' expects a value, got ${got}`, t);
    }
    values.set(word === "route-distinguisher" ? "rd" : word, arg);
    i++;
  }
  return { values, rest };
}

function required(values: Map<string, Token>, key: string, what: string, at: Token | undefined): Token {
  const t = values.get(key);
  if (t === undefined) throw new RouteError(`${what} expects '${key}', got none`, at);
  return t;
}

function number(t: Token, key: string, max: number): number {
  const v = parseUint(t.text, max);
  if (v === undefined) throw new RouteError(`'${key}' expects a number 0..${max}, got '${t.text}'`, t);
  return v;
}

function rd(t: Token): Uint8Array {
  const bytes = parseRd(t.text);
  if (bytes === undefined) throw new RouteError(`'rd' expects asn:n or ip:n, got '${t.text}'`, t);
  return bytes;
}

/**
 * The path attributes, next hop and pseudo-attributes of `rest`, read by the route grammar. `keywords`
 * (the route's own, e.g. "endpoint, base, offset, size, rd") are named when a word is neither.
 */
function routeAround(rest: readonly Token[], at: Token | undefined, what: string, keywords: string): Route {
  const placeholder: Token = { text: "0.0.0.0/0", line: at?.line ?? 1, quoted: false, start: 0, end: 0 };
  let spec;
  try {
    spec = parseRouteSpec([placeholder, ...rest]);
  } catch (e) {
    if (!(e instanceof RouteError) || !e.message.startsWith("unknown")) throw e;
    throw new RouteError(`${e.message}: ${what} expects ${keywords}, then path attributes`, e.token);
  }
  if (spec.kind !== "routes" || spec.routes.length !== 1) {
    throw new RouteError("this route takes path attributes only (no label, split or prefix-SID)", at);
  }
  return spec.routes[0];
}

const VPLS_KEYWORDS = new Set(["endpoint", "base", "offset", "size", "rd", "route-distinguisher"]);

/**
 * One VPLS route from the words after `vpls` (RFC 4761 §3.2.2): endpoint is the VE ID, base the label base
 * (20 bits), offset and size the VE block. `name` is the block's name (`vpls site5 { … }`), if any.
 */
export function parseVplsTokens(tokens: readonly Token[], name?: string): Route {
  const words = tokens.filter((t) => !isPunct(t, ","));
  const { values, rest } = splitKeywords(words, VPLS_KEYWORDS);
  const at = words[0];
  const what = "a vpls route";
  // The attributes first: a misspelt NLRI keyword is reported as the unknown word it is, on its line.
  // The ';' of a block's statements (`vpls NAME { … }`) only keep a value from being read across them.
  const attributes = rest.filter((t) => !isPunct(t, ";"));
  const route = routeAround(attributes, at, what, "endpoint, base, offset, size, rd");
  const nlri = vplsNlri({
    rd: rd(required(values, "rd", what, at)),
    endpoint: number(required(values, "endpoint", what, at), "endpoint", 0xffff),
    base: number(required(values, "base", what, at), "base", 0xfffff),
    offset: number(required(values, "offset", what, at), "offset", 0xffff),
    size: number(required(values, "size", what, at), "size", 0xffff),
  });
  const out: { -readonly [K in keyof Route]: Route[K] } = { ...route, nlri };
  if (name !== undefined && out.name === undefined) out.name = name;
  return out;
}

/** Route types by keyword, and the word that names the source in each (RFC 6514 §4.5, §4.6). */
const MVPN_TYPES: ReadonlyMap<
  string,
  { readonly type: 5 | 6 | 7; readonly source: string; readonly as: boolean }
> = new Map([
  ["source-ad", { type: MvpnType.SOURCE_AD, source: "source", as: false }],
  ["shared-join", { type: MvpnType.SHARED_JOIN, source: "rp", as: true }],
  ["source-join", { type: MvpnType.SOURCE_JOIN, source: "source", as: true }],
]);

/**
 * One MCAST-VPN route from the words after `mcast-vpn`: the route type, then its fields and attributes.
 * `afi` is the context's (`announce { ipv4 { mcast-vpn … } }`, `announce ipv6 mcast-vpn …`): the
 * addresses must be of that family.
 */
export function parseMvpnTokens(tokens: readonly Token[], afi: number): Route {
  const words = tokens.filter((t) => !isPunct(t, ","));
  const head = words[0];
  const kind = head === undefined || head.quoted ? undefined : MVPN_TYPES.get(head.text.toLowerCase());
  if (kind === undefined) {
    throw new RouteError(
      `'mcast-vpn' expects source-ad, shared-join or source-join, got ${head ? `'${head.text}'` : "nothing"}`,
      head,
    );
  }
  const keywords = new Set(["group", "rd", "route-distinguisher", kind.source]);
  if (kind.as) keywords.add("source-as");
  const { values, rest } = splitKeywords(words.slice(1), keywords);
  const what = `a ${head.text} route`;
  const address = (key: string): string => {
    const t = required(values, key, what, head);
    const ok = afi === AFI.ipv4 ? isIPv4(t.text) : isIPv6(t.text);
    if (!ok) {
      throw new RouteError(
        `'${key}' expects an ${afi === AFI.ipv4 ? "IPv4" : "IPv6"} address, got '${t.text}'`,
        t,
      );
    }
    return t.text;
  };
  const nlri = mvpnNlri({
    type: kind.type,
    rd: rd(required(values, "rd", what, head)),
    sourceAs: kind.as
      ? number(required(values, "source-as", what, head), "source-as", 0xffffffff)
      : undefined,
    source: address(kind.source),
    group: address("group"),
  });
  const fields = [kind.source, "group", "rd", ...(kind.as ? ["source-as"] : [])].join(", ");
  return { ...routeAround(rest, head, what, fields), nlri };
}
