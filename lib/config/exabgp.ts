/**
 * The ExaBGP 5.0 configuration syntax (exabgp-behaviour.md §5) into the model of model.ts.
 *
 * tokenizer.ts → statements.ts (the `{ … }` tree) → a table of handlers per section keyword here. A
 * neighbor is built by applying, in order, the blocks of its `inherit`ed templates and then its own block
 * to one NeighborConfig: scalar statements written later override, lists (routes, api blocks, families)
 * concatenate — etc/conf-template.conf expects the template's route and the neighbor's three.
 */
import { AFI, type FamilyKey, parseFamily, SAFI } from "../bgp/family.ts";
import { isIP, isIPv4 } from "../bgp/ip.ts";
import { ConfigError } from "./error.ts";
import {
  ADD_PATH_MODES,
  type ApiConfig,
  type CapabilityConfig,
  type Config,
  defaultApi,
  defaultFamilies,
  defaultNeighbor,
  type MessageSubscription,
  type NeighborConfig,
  type ProcessConfig,
  type SourceRef,
  SUBSCRIPTION_NAMES,
} from "./model.ts";
import { parseRouteSpec, RouteError, type RouteOptions } from "./route.ts";
import { parseFlowBlock, parseFlowRouteTokens } from "./flow.ts";
import { parseMvpnTokens, parseVplsTokens } from "./l2vpn.ts";
import { parseMupTokens } from "./mup.ts";
import type { Route } from "../bgp/types.ts";
import { readStatements, type Statement } from "./statements.ts";
import { shellWords, ShellWordsError } from "./shell_words.ts";
import { addPrefixLimit, parseMaximumPrefix } from "./maximum_prefix.ts";
import { LexError, type Token, tokenize } from "./tokenizer.ts";
import { optionValue, parseBoolean } from "./environment.ts";

export { ConfigError } from "./error.ts";

// ---------------------------------------------------------------------------------------------------------
// Parse context and small value readers

interface Context {
  readonly file: string;
  readonly text: string;
  readonly templates: Map<string, Statement>;
  readonly processes: ProcessConfig[];
  readonly neighbors: NeighborConfig[];
  readonly warnings: string[];
}

/** A neighbor while its statements are applied. */
interface NeighborState {
  readonly nb: NeighborConfig;
  /** `graceful-restart;` without a time means the hold-time, known only once every statement is read. */
  grFromHoldTime: boolean;
  familyBlock: boolean;
  /** Template names being applied, to report an inheritance loop. */
  readonly inheriting: Set<string>;
}

function err(ctx: Context, line: number, detail: string): never {
  throw new ConfigError(ctx.file, line, detail);
}

function src(ctx: Context, line: number): SourceRef {
  return { file: ctx.file, line };
}

function text(words: readonly Token[]): string {
  return words.map((w) => w.text).join(" ");
}

function keyword(s: Statement): string {
  return s.words.length && !s.words[0].quoted ? s.words[0].text.toLowerCase() : "";
}

/** The arguments of a statement that takes exactly one. */
function one(ctx: Context, s: Statement, expected: string): Token {
  const [kw, arg, extra] = s.words;
  if (arg === undefined) err(ctx, s.line, `'${kw.text}' expects ${expected}, got nothing`);
  if (extra !== undefined) {
    err(ctx, s.line, `'${kw.text}' expects ${expected}, got '${text(s.words.slice(1))}' (missing ';'?)`);
  }
  return arg;
}

/** Every argument joined by one space: free text with optional quotes. */
function rest(ctx: Context, s: Statement, expected: string): string {
  if (s.words.length < 2) err(ctx, s.line, `'${s.words[0].text}' expects ${expected}, got nothing`);
  return text(s.words.slice(1));
}

function noArgs(ctx: Context, s: Statement): void {
  if (s.words.length > 1) {
    err(ctx, s.line, `'${s.words[0].text}' takes no value, got '${text(s.words.slice(1))}' (missing ';'?)`);
  }
}

const TRUE_WORDS = new Set(["true", "enable", "enabled", "yes"]);
const FALSE_WORDS = new Set(["false", "disable", "disabled", "no"]);

/** `passive;` = true; `passive true|false|enable|disable;`. */
function bool(ctx: Context, s: Statement): boolean {
  if (s.words.length === 1) return true;
  const t = one(ctx, s, "true or false");
  const v = t.text.toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  return err(ctx, t.line, `'${s.words[0].text}' expects true or false (enable or disable), got '${t.text}'`);
}

function int(
  ctx: Context,
  s: Statement,
  min: number,
  max: number,
  expected = `a number ${min}..${max}`,
): number {
  const t = one(ctx, s, expected);
  if (!/^\d+$/.test(t.text) || Number(t.text) < min || Number(t.text) > max) {
    err(ctx, t.line, `'${s.words[0].text}' expects ${expected}, got '${t.text}'`);
  }
  return Number(t.text);
}

function ip(ctx: Context, s: Statement, v4only = false): string {
  const expected = v4only ? "an IPv4 address" : "an IP address";
  const t = one(ctx, s, expected);
  if (v4only ? !isIPv4(t.text) : !isIP(t.text)) {
    err(ctx, t.line, `'${s.words[0].text}' expects ${expected}, got '${t.text}'`);
  }
  return t.text;
}

/** An AS number 0..2^32-1, plain or asdot (RFC 5396). */
function asNumber(ctx: Context, s: Statement, allowAuto: boolean): number | "auto" {
  const expected = `an AS number 0..4294967295${allowAuto ? " or 'auto'" : ""}`;
  const t = one(ctx, s, expected);
  if (allowAuto && t.text.toLowerCase() === "auto") return "auto";
  const dot = /^(\d+)\.(\d+)$/.exec(t.text);
  if (dot && Number(dot[1]) <= 0xffff && Number(dot[2]) <= 0xffff) {
    return Number(dot[1]) * 65536 + Number(dot[2]);
  }
  if (!/^\d+$/.test(t.text) || Number(t.text) > 0xffffffff) {
    err(ctx, t.line, `'${s.words[0].text}' expects ${expected}, got '${t.text}'`);
  }
  return Number(t.text);
}

/** A `[ a b ]` list or a single word: the words. */
function list(ctx: Context, s: Statement, expected: string): Token[] {
  const args = s.words.slice(1);
  if (args.length === 0) err(ctx, s.line, `'${s.words[0].text}' expects ${expected}, got nothing`);
  if (args[0].text !== "[" || args[0].quoted) {
    if (args.length > 1) {
      err(ctx, s.line, `'${s.words[0].text}' expects ${expected}, got '${text(args)}' (missing ';'?)`);
    }
    return args;
  }
  const close = args.findIndex((t) => t.text === "]" && !t.quoted);
  if (close < 0) err(ctx, args[0].line, `'${s.words[0].text}' expects ']' to close the list`);
  if (close !== args.length - 1) {
    err(
      ctx,
      s.line,
      `'${s.words[0].text}' expects ';' after the list, got '${args[close + 1].text}' (missing ';'?)`,
    );
  }
  return args.slice(1, close);
}

// ---------------------------------------------------------------------------------------------------------
// Section dispatch: one table per section, each keyword a statement handler and/or a block handler.

interface Entry<S> {
  statement?: (ctx: Context, s: Statement, state: S) => void;
  block?: (ctx: Context, s: Statement, state: S) => void;
}
type Table<S> = Record<string, Entry<S>>;

function dispatch<S>(
  ctx: Context,
  section: string,
  children: readonly Statement[],
  table: Table<S>,
  state: S,
): void {
  for (const s of children) {
    if (s.words.length === 0) err(ctx, s.line, `a block needs a keyword before '{' in '${section}'`);
    const kw = keyword(s);
    const entry = Object.hasOwn(table, kw) ? table[kw] : undefined;
    if (!entry) {
      err(
        ctx,
        s.line,
        `'${s.words[0].text}' is not a valid keyword in '${section}', expected one of: ${
          Object.keys(table).join(", ")
        }`,
      );
    }
    if (s.block) {
      if (!entry.block) err(ctx, s.line, `'${s.words[0].text}' is a statement, expected ';' not a '{' block`);
      entry.block(ctx, s, state);
    } else {
      if (!entry.statement) err(ctx, s.line, `'${s.words[0].text}' expects a '{ … }' block`);
      entry.statement(ctx, s, state);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Families

/** The sub-families ExaBGP 5.0 accepts after ipv4 and after ipv6 alike. */
const IP_SAFI_NAMES: readonly string[] = [
  "unicast",
  "multicast",
  "nlri-mpls",
  "labeled-unicast",
  "mpls-vpn",
  "mcast-vpn",
  "flow",
  "flow-vpn",
  "mup",
];

/** The families ExaBGP 5.0 lets a `family` block name (§5.1), by AFI. */
const FAMILY_NAMES: Record<string, readonly string[]> = {
  ipv4: IP_SAFI_NAMES,
  ipv6: IP_SAFI_NAMES,
  l2vpn: ["vpls", "evpn"],
  "bgp-ls": ["bgp-ls", "bgp-ls-vpn"],
};

/** `family { all; }`: every family ExaBGP can negotiate. */
const ALL_FAMILIES: readonly FamilyKey[] = [
  ...["unicast", "multicast", "nlri-mpls", "mpls-vpn", "flow", "flow-vpn"].flatMap((s) => [
    parseFamily("ipv4", s)!,
    parseFamily("ipv6", s)!,
  ]),
  parseFamily("l2vpn", "vpls")!,
  parseFamily("l2vpn", "evpn")!,
];

function familyOf(ctx: Context, afi: Token, safi: Token | undefined): FamilyKey {
  const safis = FAMILY_NAMES[afi.text.toLowerCase()];
  if (!safis) {
    err(
      ctx,
      afi.line,
      `'${afi.text}' is not an address family, expected one of: ${Object.keys(FAMILY_NAMES).join(", ")}`,
    );
  }
  if (!safi) err(ctx, afi.line, `'${afi.text}' expects a sub-family (${safis.join(", ")}), got nothing`);
  const name = safi.text.toLowerCase();
  if (!safis.includes(name)) {
    err(
      ctx,
      safi.line,
      `'${afi.text} ${safi.text}' is not a known family, expected ${afi.text} ${safis.join("|")}`,
    );
  }
  return parseFamily(afi.text, name === "labeled-unicast" ? "nlri-mpls" : name)!;
}

function addUnique<T>(list: T[], v: T): void {
  if (!list.includes(v)) list.push(v);
}

/** A section whose statements each start with an AFI (`ipv4 unicast …;`), all handled by `statement`. */
function afiTable(statement: NonNullable<Entry<NeighborState>["statement"]>): Table<NeighborState> {
  return Object.fromEntries(Object.keys(FAMILY_NAMES).map((afi) => [afi, { statement }]));
}

/** `family { ipv4 unicast; ipv6 flow; }` or `family { all; }`. */
const familySection: Table<NeighborState> = {
  ...afiTable((ctx, s, st) => {
    for (let i = 0; i < s.words.length; i += 2) {
      addUnique(st.nb.families, familyOf(ctx, s.words[i], s.words[i + 1]));
    }
  }),
  all: {
    statement: (ctx, s, st) => {
      noArgs(ctx, s);
      for (const f of ALL_FAMILIES) addUnique(st.nb.families, f);
    },
  },
};

/** `add-path { ipv4 unicast; }`: the families ADD-PATH is offered for. */
const addPathSection = afiTable((ctx, s, st) =>
  addUnique(st.nb.addPathFamilies, familyOf(ctx, s.words[0], s.words[1]))
);

/** `nexthop { ipv4 unicast ipv6; }`: RFC 8950 extended next hop, family then next-hop AFI. */
const nexthopSection = afiTable((ctx, s, st) => {
  const family = familyOf(ctx, s.words[0], s.words[1]);
  const nh = s.words[2];
  const nhAfi = nh && (AFI as Record<string, number>)[nh.text.toLowerCase()];
  if (!nh || (nhAfi !== AFI.ipv4 && nhAfi !== AFI.ipv6)) {
    err(
      ctx,
      s.line,
      `'${text(s.words.slice(0, 2))}' expects a next-hop family ipv4 or ipv6, got '${nh?.text ?? "nothing"}'`,
    );
  }
  if (s.words.length > 3) {
    err(ctx, s.line, `'${text(s.words.slice(0, 3))}' expects ';', got '${s.words[3].text}'`);
  }
  st.nb.nexthopFamilies.push({ family, nextHopAfi: nhAfi });
});

// ---------------------------------------------------------------------------------------------------------
// capability { … }

type CapSetter = (ctx: Context, s: Statement, cap: CapabilityConfig, st: NeighborState) => void;
const boolCap = (
  key:
    | "asn4"
    | "routeRefresh"
    | "multiSession"
    | "operational"
    | "extendedMessage"
    | "aigp"
    | "nexthop"
    | "softwareVersion",
): CapSetter =>
(ctx, s, cap) => {
  cap[key] = bool(ctx, s);
};

const CAPABILITIES: Record<string, CapSetter> = {
  asn4: boolCap("asn4"),
  "route-refresh": boolCap("routeRefresh"),
  "multi-session": boolCap("multiSession"),
  operational: boolCap("operational"),
  "extended-message": boolCap("extendedMessage"),
  aigp: boolCap("aigp"),
  nexthop: boolCap("nexthop"),
  "software-version": boolCap("softwareVersion"),
  // RFC 4724: `graceful-restart;` = the hold-time, `graceful-restart <s>;`, `graceful-restart disable;`.
  "graceful-restart": (ctx, s, cap, st) => {
    const v = s.words[1]?.text.toLowerCase();
    st.grFromHoldTime = v === undefined || TRUE_WORDS.has(v);
    if (v === undefined) return;
    if (TRUE_WORDS.has(v) || FALSE_WORDS.has(v)) {
      one(ctx, s, "a restart time or disable");
      cap.gracefulRestart = false;
      return;
    }
    cap.gracefulRestart = int(ctx, s, 0, 4095, "a restart time 0..4095 or disable");
  },
  "add-path": (ctx, s, cap) => {
    const t = one(ctx, s, "disable, send, receive or send/receive");
    const mode = ADD_PATH_MODES[t.text.toLowerCase()];
    if (mode === undefined) {
      err(ctx, t.line, `'add-path' expects disable, send, receive or send/receive, got '${t.text}'`);
    }
    cap.addPath = mode;
  },
};
const capabilitySection: Table<NeighborState> = Object.fromEntries(
  Object.entries(CAPABILITIES).map((
    [k, f],
  ) => [k, { statement: (ctx, s, st) => f(ctx, s, st.nb.capability, st) }]),
);

// ---------------------------------------------------------------------------------------------------------
// api [name] { … }

function subscriptionSection(): Table<MessageSubscription> {
  const table: Table<MessageSubscription> = {};
  for (const k of SUBSCRIPTION_NAMES) table[k] = { statement: (ctx, s, sub) => void (sub[k] = bool(ctx, s)) };
  return table;
}
const receiveSection = subscriptionSection();
const sendSection = { ...receiveSection };

const apiFlag = (key: "neighborChanges" | "negotiated" | "fsm" | "signal"): Entry<ApiConfig> => ({
  statement: (ctx, s, api) => void (api[key] = bool(ctx, s)),
});

const apiSection: Table<ApiConfig> = {
  processes: {
    statement: (ctx, s, api) => api.processes.push(...list(ctx, s, "[ process names ]").map((t) => t.text)),
  },
  "processes-match": {
    statement: (ctx, s, api) => {
      for (const t of list(ctx, s, '[ "regex" ]')) {
        try {
          new RegExp(t.text);
        } catch {
          err(ctx, t.line, `'processes-match' expects regular expressions, got '${t.text}'`);
        }
        api.processesMatch.push(t.text);
      }
    },
  },
  "neighbor-changes": apiFlag("neighborChanges"),
  negotiated: apiFlag("negotiated"),
  fsm: apiFlag("fsm"),
  signal: apiFlag("signal"),
  receive: { block: (ctx, s, api) => dispatch(ctx, "receive", s.block!, receiveSection, api.receive) },
  send: { block: (ctx, s, api) => dispatch(ctx, "send", s.block!, sendSection, api.send) },
};

// ---------------------------------------------------------------------------------------------------------
// Routes: static, announce, flow, l2vpn

/** Adds the routes of one route text (tokens from the prefix on) to the neighbor. */
function addRoute(
  ctx: Context,
  st: NeighborState,
  tokens: readonly Token[],
  line: number,
  options: RouteOptions = {},
): void {
  let spec;
  try {
    spec = parseRouteSpec(tokens, options);
  } catch (e) {
    if (!(e instanceof RouteError)) throw e;
    // A keyword on a later line than the word before it most likely follows a forgotten ';'.
    const i = e.token ? tokens.indexOf(e.token) : -1;
    if (i > 0 && e.message.startsWith("unknown") && tokens[i - 1].line < e.token!.line) {
      err(ctx, tokens[i - 1].line, `${e.message} on the next line (missing ';'?)`);
    }
    err(ctx, e.token?.line ?? line, e.message);
  }
  if (spec.kind === "unsupported") {
    st.nb.unsupported.push({ family: spec.family, text: text(tokens), source: src(ctx, line) });
    return;
  }
  for (const r of spec.routes) {
    if (r.nextHop.kind === "none") err(ctx, line, `route '${tokens[0].text}' expects a 'next-hop', got none`);
  }
  st.nb.routes.push(...spec.routes);
}

/** `route X { a; b; }`: the statements of the block appended to the prefix, as one route text. */
function blockTokens(s: Statement, skip: number, ends = false): Token[] {
  const out = s.words.slice(skip);
  for (const child of s.block ?? []) {
    if (child.block) out.push(...blockTokens(child, 0, ends));
    else out.push(...child.words, ...(ends ? [statementEnd(child)] : []));
  }
  return out;
}

/** A `;` token after a statement's last word, for grammars that must not read past a statement. */
function statementEnd(s: Statement): Token {
  const last = s.words[s.words.length - 1];
  return { text: ";", line: last?.line ?? s.line, quoted: false, start: last?.end ?? 0, end: last?.end ?? 0 };
}

const staticSection: Table<NeighborState> = {
  route: {
    statement: (ctx, s, st) => {
      if (s.words.length < 2) err(ctx, s.line, "'route' expects a prefix, got nothing");
      addRoute(ctx, st, s.words.slice(1), s.line);
    },
    block: (ctx, s, st) => {
      if (s.words.length !== 2) {
        err(ctx, s.line, `'route' expects a prefix before '{', got '${text(s.words.slice(1))}'`);
      }
      for (const child of s.block!) {
        if (child.block) {
          err(ctx, child.line, `'${text(child.words)}' expects ';', route attributes have no blocks`);
        }
      }
      addRoute(ctx, st, blockTokens(s, 1), s.line);
    },
  },
};

/** Reconstructs a statement (and its block) as text, for unsupported routes. */
function statementText(s: Statement): string {
  const head = text(s.words);
  if (!s.block) return head;
  return `${head} { ${s.block.map((c) => statementText(c) + (c.block ? "" : ";")).join(" ")} }`;
}

function unsupported(ctx: Context, st: NeighborState, family: string, s: Statement, skip = 0): void {
  const t = skip ? statementText({ ...s, words: s.words.slice(skip) }) : statementText(s);
  st.nb.unsupported.push({ family, text: t, source: src(ctx, s.line) });
}

/** The sub-families of `announce { ipv4 { … } }` whose statements are routes of the route grammar. */
const ROUTE_SAFI_NAMES: Readonly<Record<string, number>> = {
  unicast: SAFI.unicast,
  multicast: SAFI.multicast,
  "nlri-mpls": SAFI["nlri-mpls"],
  "labeled-unicast": SAFI["nlri-mpls"],
  "mpls-vpn": SAFI["mpls-vpn"],
};

/** `announce { ipv4 { unicast …; multicast …; mpls-vpn …; } }`: the "new" family-explicit format. */
function announceFamily(afi: "ipv4" | "ipv6"): Entry<NeighborState> {
  const table: Table<NeighborState> = {};
  for (const safi of FAMILY_NAMES[afi]) {
    // IP prefixes, labeled (RFC 8277) and VPN (RFC 4364) prefixes share the route grammar.
    const routeSafi = ROUTE_SAFI_NAMES[safi];
    table[safi] = {
      statement: (ctx, s, st) => {
        if (s.words.length < 2) err(ctx, s.line, `'${safi}' expects a route, got nothing`);
        if (routeSafi !== undefined) {
          addRoute(ctx, st, s.words.slice(1), s.line, { afi: AFI[afi], safi: routeSafi });
        } else if (safi === "mcast-vpn") {
          addParsedRoute(ctx, st, s.line, () => parseMvpnTokens(s.words.slice(1), AFI[afi]));
        } else if (safi === "mup") {
          addParsedRoute(ctx, st, s.line, () => parseMupTokens(s.words.slice(1), AFI[afi]));
        } else if (safi === "flow" || safi === "flow-vpn") {
          addParsedRoute(ctx, st, s.line, () => parseFlowRouteTokens(s.words.slice(1), AFI[afi]));
        } else unsupported(ctx, st, `${afi} ${safi === "labeled-unicast" ? "nlri-mpls" : safi}`, s, 1);
      },
    };
  }
  return { block: (ctx, s, st) => dispatch(ctx, `announce ${afi}`, s.block!, table, st) };
}

/** Adds the route `parse` builds (VPLS, MCAST-VPN: lib/config/l2vpn.ts), its grammar errors located. */
function addParsedRoute(ctx: Context, st: NeighborState, line: number, parse: () => Route): void {
  try {
    // Statements repeating a VPLS NLRI are all sent at the first session, as ExaBGP (lib/rib/adj_rib_out.ts).
    st.nb.routes.push(parse());
  } catch (e) {
    if (!(e instanceof RouteError)) throw e;
    err(ctx, e.token?.line ?? line, e.message);
  }
}

/** `vpls … ;` and `vpls NAME { endpoint N; … }` (RFC 4761). */
const vplsEntry: Entry<NeighborState> = {
  statement: (ctx, s, st) => addParsedRoute(ctx, st, s.line, () => parseVplsTokens(s.words.slice(1))),
  block: (ctx, s, st) =>
    addParsedRoute(ctx, st, s.line, () => parseVplsTokens(blockTokens(s, 2, true), s.words[1]?.text)),
};
const l2vpnSection: Table<NeighborState> = { vpls: vplsEntry };

const announceSection: Table<NeighborState> = {
  ipv4: announceFamily("ipv4"),
  ipv6: announceFamily("ipv6"),
  l2vpn: { block: (ctx, s, st) => dispatch(ctx, "announce l2vpn", s.block!, l2vpnSection, st) },
};

/** `flow { route [NAME] { … } }`: FlowSpec routes (RFC 8955/8956), grammar in flow.ts. */
const flowSection: Table<NeighborState> = {
  route: {
    block: (ctx, s, st) => {
      try {
        st.nb.routes.push(parseFlowBlock(s.block!, s.words[0]));
      } catch (e) {
        if (!(e instanceof RouteError)) throw e;
        err(ctx, e.token?.line ?? s.line, e.message);
      }
    },
  },
};

// ---------------------------------------------------------------------------------------------------------
// neighbor { … }

type NbSetter = (ctx: Context, s: Statement, nb: NeighborConfig) => void;
const NEIGHBOR_STATEMENTS: Record<string, NbSetter> = {
  // Quotes are optional for free text (etc/parse-md5.conf: "oh ! quotes are optional"): words are joined.
  description: (ctx, s, nb) => void (nb.description = rest(ctx, s, "a text")),
  "router-id": (ctx, s, nb) => void (nb.routerId = ip(ctx, s, true)),
  "local-address": (ctx, s, nb) => {
    const t = one(ctx, s, "an IP address or 'auto'");
    nb.localAddress = t.text.toLowerCase() === "auto" ? "auto" : ip(ctx, s);
  },
  "peer-address": (ctx, s, nb) => void (nb.peerAddress = ip(ctx, s)),
  "local-as": (ctx, s, nb) => void (nb.localAs = asNumber(ctx, s, false) as number),
  "peer-as": (ctx, s, nb) => void (nb.peerAs = asNumber(ctx, s, true)),
  // RFC 4271 §4.2: a hold time is 0 or at least 3 seconds.
  "hold-time": (ctx, s, nb) => {
    const v = int(ctx, s, 0, 65535, "a number 0 or 3..65535");
    if (v === 1 || v === 2) err(ctx, s.line, `'hold-time' expects a number 0 or 3..65535, got '${v}'`);
    nb.holdTime = v;
  },
  passive: (ctx, s, nb) => void (nb.passive = bool(ctx, s)),
  listen: (ctx, s, nb) => void (nb.listen = int(ctx, s, 0, 65535, "a port 0..65535")),
  connect: (ctx, s, nb) => void (nb.connect = int(ctx, s, 0, 65535, "a port 0..65535")),
  "source-interface": (ctx, s, nb) => void (nb.sourceInterface = one(ctx, s, "an interface name").text),
  "outgoing-ttl": (ctx, s, nb) => void (nb.outgoingTtl = int(ctx, s, 1, 255, "a TTL 1..255")),
  "incoming-ttl": (ctx, s, nb) => void (nb.incomingTtl = int(ctx, s, 1, 255, "a TTL 1..255")),
  "md5-password": (ctx, s, nb) => void (nb.md5Password = rest(ctx, s, "a password")),
  "md5-base64": (ctx, s, nb) => {
    if (s.words[1]?.text.toLowerCase() === "auto") nb.md5Base64 = "auto";
    else nb.md5Base64 = bool(ctx, s);
  },
  "md5-ip": (ctx, s, nb) => void (nb.md5Ip = ip(ctx, s)),
  "maximum-prefix": (ctx, s, nb) => {
    try {
      addPrefixLimit(nb.maximumPrefix, parseMaximumPrefix(s.words.slice(1).map((w) => w.text)));
    } catch (e) {
      err(ctx, s.line, (e as Error).message);
    }
  },
  "group-updates": (ctx, s, nb) => void (nb.groupUpdates = bool(ctx, s)),
  "auto-flush": (ctx, s, nb) => void (nb.autoFlush = bool(ctx, s)),
  "adj-rib-out": (ctx, s, nb) => void (nb.adjRibOut = bool(ctx, s)),
  "adj-rib-in": (ctx, s, nb) => void (nb.adjRibIn = bool(ctx, s)),
  "manual-eor": (ctx, s, nb) => void (nb.manualEor = bool(ctx, s)),
  "rate-limit": (ctx, s, nb) => {
    const v = s.words[1]?.text.toLowerCase();
    nb.rateLimit = v === "disable" || v === "disabled"
      ? 0
      : int(ctx, s, 0, 2 ** 31, "messages per second or disable");
  },
  "host-name": (ctx, s, nb) => void (nb.hostName = one(ctx, s, "a host name").text),
  "domain-name": (ctx, s, nb) => void (nb.domainName = one(ctx, s, "a domain name").text),
};

const neighborSection: Table<NeighborState> = {
  ...Object.fromEntries(
    Object.entries(NEIGHBOR_STATEMENTS).map((
      [k, f],
    ) => [k, { statement: (ctx, s, st) => f(ctx, s, st.nb) } as Entry<NeighborState>]),
  ),
  // Applied before the other statements by applyNeighborBlock; nothing to do in order.
  inherit: { statement: () => {} },
  family: {
    block: (ctx, s, st) => {
      st.familyBlock = true;
      dispatch(ctx, "family", s.block!, familySection, st);
    },
  },
  capability: { block: (ctx, s, st) => dispatch(ctx, "capability", s.block!, capabilitySection, st) },
  "add-path": { block: (ctx, s, st) => dispatch(ctx, "add-path", s.block!, addPathSection, st) },
  nexthop: { block: (ctx, s, st) => dispatch(ctx, "nexthop", s.block!, nexthopSection, st) },
  api: {
    block: (ctx, s, st) => {
      if (s.words.length > 2) {
        err(
          ctx,
          s.words[2].line,
          `'api' expects an optional name before '{', got '${text(s.words.slice(1))}'`,
        );
      }
      const api = defaultApi(src(ctx, s.line), s.words[1]?.text ?? "");
      dispatch(ctx, "api", s.block!, apiSection, api);
      st.nb.api.push(api);
    },
  },
  static: { block: (ctx, s, st) => dispatch(ctx, "static", s.block!, staticSection, st) },
  announce: { block: (ctx, s, st) => dispatch(ctx, "announce", s.block!, announceSection, st) },
  flow: { block: (ctx, s, st) => dispatch(ctx, "flow", s.block!, flowSection, st) },
  l2vpn: { block: (ctx, s, st) => dispatch(ctx, "l2vpn", s.block!, l2vpnSection, st) },
  operational: {
    block: (_ctx, s, st) => {
      for (const c of s.block!) st.nb.operational.push(statementText(c));
    },
  },
};

/** Applies the templates named by `inherit` (in order, recursively), then the block's own statements. */
function applyNeighborBlock(ctx: Context, block: readonly Statement[], st: NeighborState): void {
  for (const s of block) {
    if (keyword(s) !== "inherit" || s.block) continue;
    if (s.words.length < 2) err(ctx, s.line, "'inherit' expects a template name, got nothing");
    const names = s.words[1].text === "[" ? s.words.slice(2, -1) : s.words.slice(1);
    for (const name of names) {
      const template = ctx.templates.get(name.text);
      if (!template) {
        const known = [...ctx.templates.keys()];
        err(
          ctx,
          name.line,
          `'inherit' names an undefined template '${name.text}'${
            known.length ? `, expected one of: ${known.join(", ")}` : ""
          }`,
        );
      }
      if (st.inheriting.has(name.text)) err(ctx, name.line, `template '${name.text}' inherits itself`);
      st.inheriting.add(name.text);
      applyNeighborBlock(ctx, template.block!, st);
      st.inheriting.delete(name.text);
    }
  }
  dispatch(ctx, "neighbor", block, neighborSection, st);
}

function neighborBlock(ctx: Context, s: Statement, passive: boolean): void {
  const label = s.words[1];
  if (!label || s.words.length > 2) {
    err(
      ctx,
      s.line,
      `'neighbor' expects one IP address (or prefix) before '{', got '${text(s.words.slice(1))}'`,
    );
  }
  const [addr, len] = label.text.split("/");
  const max = isIPv4(addr) ? 32 : 128;
  if (!isIP(addr) || (len !== undefined && (!/^\d+$/.test(len) || Number(len) > max))) {
    err(ctx, label.line, `'neighbor' expects an IP address or prefix, got '${label.text}'`);
  }
  const nb = defaultNeighbor(label.text, src(ctx, s.line));
  nb.peerAddress = addr;
  if (len !== undefined) nb.peerPrefixLength = Number(len);
  const st: NeighborState = { nb, grFromHoldTime: false, familyBlock: false, inheriting: new Set() };
  applyNeighborBlock(ctx, s.block!, st);
  if (st.grFromHoldTime) nb.capability.gracefulRestart = nb.holdTime;
  if (!st.familyBlock) nb.families = defaultFamilies(nb);
  if (passive) nb.passive = true;
  ctx.neighbors.push(nb);
}

// ---------------------------------------------------------------------------------------------------------
// process { … }

interface ProcessState {
  run?: string[];
  encoder?: "json" | "text";
  respawn: boolean;
}

/** ExaBGP resolves a relative program path against the configuration's directory; bare names use PATH. */
function resolveProgram(file: string, program: string): string {
  if (program.startsWith("/") || !program.includes("/")) return program;
  const slash = file.lastIndexOf("/");
  const dir = slash < 0 ? "" : file.slice(0, slash + 1);
  return dir + program.replace(/^(\.\/)+/, "");
}

const processSection: Table<ProcessState> = {
  run: {
    statement: (ctx, s, p) => {
      if (s.words.length < 2) err(ctx, s.line, "'run' expects a command, got nothing");
      // The raw text keeps the shell quoting and escapes the configuration tokenizer would have removed.
      const raw = ctx.text.slice(s.words[1].start, s.words[s.words.length - 1].end);
      try {
        p.run = shellWords(raw);
      } catch (e) {
        if (e instanceof ShellWordsError) err(ctx, s.line, `'run' expects a command line, ${e.message}`);
        throw e;
      }
      p.run[0] = resolveProgram(ctx.file, p.run[0]);
    },
  },
  encoder: {
    statement: (ctx, s, p) => {
      const t = one(ctx, s, "json or text");
      const v = t.text.toLowerCase();
      if (v !== "json" && v !== "text") err(ctx, t.line, `'encoder' expects json or text, got '${t.text}'`);
      p.encoder = v;
    },
  },
  respawn: { statement: (ctx, s, p) => void (p.respawn = bool(ctx, s)) },
};

function processBlock(ctx: Context, s: Statement): void {
  const name = s.words[1];
  if (!name || s.words.length > 2) {
    err(ctx, s.line, `'process' expects one name before '{', got '${text(s.words.slice(1))}'`);
  }
  if (ctx.processes.some((p) => p.name === name.text)) {
    err(ctx, name.line, `process '${name.text}' is defined twice`);
  }
  const p: ProcessState = { respawn: true };
  dispatch(ctx, `process ${name.text}`, s.block!, processSection, p);
  // ExaBGP 5.0 requires both (issue #965: "unset process sections: encoder").
  const missing = [p.run ? "" : "run", p.encoder ? "" : "encoder"].filter(Boolean);
  if (missing.length) {
    err(
      ctx,
      s.line,
      `process '${name.text}' expects ${missing.map((m) => `'${m}'`).join(" and ")}, got none`,
    );
  }
  ctx.processes.push({
    name: name.text,
    run: p.run!,
    encoder: p.encoder!,
    respawn: p.respawn,
    source: src(ctx, s.line),
  });
}

// ---------------------------------------------------------------------------------------------------------
// template { neighbor NAME { … } } and the root

const templateSection: Table<null> = {
  neighbor: {
    block: (ctx, s) => {
      const name = s.words[1];
      if (!name || s.words.length > 2) {
        err(ctx, s.line, `template 'neighbor' expects one name before '{', got '${text(s.words.slice(1))}'`);
      }
      if (ctx.templates.has(name.text)) err(ctx, name.line, `template '${name.text}' is defined twice`);
      ctx.templates.set(name.text, s);
    },
  },
};

/** Root keywords. Templates are collected in a first pass so that a neighbor may inherit one defined later. */
const rootSection: Table<{ passive: boolean }> = {
  process: { block: (ctx, s) => processBlock(ctx, s) },
  template: { block: () => {} },
  neighbor: { block: (ctx, s, st) => neighborBlock(ctx, s, st.passive) },
};

function envPassive(env: Readonly<Record<string, string>>): boolean {
  const value = optionValue(env, "bgp.passive");
  return value !== undefined && parseBoolean(value) === true;
}

/**
 * Parses one ExaBGP configuration file. `env` (the process environment) is consulted for
 * `exabgp.bgp.passive`, which makes every neighbor passive. Throws ConfigError ("FILE:LINE: …").
 */
export function parseExabgpConfig(
  text: string,
  file: string,
  env: Readonly<Record<string, string>> = {},
): Config {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (e) {
    if (e instanceof LexError) throw new ConfigError(file, e.line, e.message);
    throw e;
  }
  const tree = readStatements(tokens, file);
  const ctx: Context = {
    file,
    text,
    templates: new Map(),
    processes: [],
    neighbors: [],
    warnings: [...tree.warnings],
  };
  for (const s of tree.statements) {
    if (keyword(s) === "template" && s.block) {
      if (s.words.length > 1) err(ctx, s.words[1].line, `'template' expects '{', got '${s.words[1].text}'`);
      dispatch(ctx, "template", s.block, templateSection, null);
    }
  }
  // A template no neighbor inherits is still checked, so that its errors do not wait for first use.
  for (const [name, t] of ctx.templates) {
    const scratch = defaultNeighbor(name, src(ctx, t.line));
    applyNeighborBlock(ctx, t.block!, {
      nb: scratch,
      grFromHoldTime: false,
      familyBlock: false,
      inheriting: new Set([name]),
    });
  }
  dispatch(ctx, "configuration", tree.statements, rootSection, { passive: envPassive(env) });
  return { files: [file], processes: ctx.processes, neighbors: ctx.neighbors, warnings: ctx.warnings };
}
