/**
 * ExaBGP's "v4" text API command grammar (exabgp-behaviour.md §4.1–4.5): one line written by a helper
 * process → one typed Command. Parsing only; the speaker applies commands to RIBs and sessions.
 *
 * The line is split with the configuration tokenizer, which already gives what ExaBGP's `formated()`
 * normalisation gives (tabs and runs of spaces are one separator, `[ ] ( ) ,` are words of their own).
 * Dispatch is a table keyed by the command words; route grammar comes from lib/config/route.ts.
 */
import type { Route } from "../bgp/types.ts";
import { AFI, type FamilyKey, IPV4_UNICAST, parseFamily, SAFI } from "../bgp/family.ts";
import { isIP } from "../bgp/ip.ts";
import { LexError, type Token, tokenize } from "../config/tokenizer.ts";
import { parseRouteSpec, RouteError, type RouteOptions, type RouteSpec } from "../config/route.ts";
import { parseFlowRouteTokens } from "../config/flow.ts";
import { parseMvpnTokens, parseVplsTokens } from "../config/l2vpn.ts";
import { parseMupTokens } from "../config/mup.ts";
import { parseSelector, type Selector, SelectorError } from "./selector.ts";
import { readPrefix, RouteLines, withPrefix } from "./route_lines.ts";

export type { Selector } from "./selector.ts";

/** Fields every command has: the neighbor selector it was prefixed with (undefined: every peer). */
interface Base {
  readonly selector?: Selector;
}

export type RouteAction = "announce" | "withdraw";
export type ShowNeighborMode = "summary" | "extensive" | "configuration";
/** `show adj-rib` family filters: inet (IPv4/IPv6 unicast…), flow, l2vpn (vpls, evpn). */
export type RibFilter = "inet" | "flow" | "l2vpn";
export type OperationalName = "asm" | "adm" | "rpcq" | "rpcp" | "apcq" | "apcp" | "lpcq" | "lpcp";

export type Command =
  | Base & { readonly kind: "announce-route"; readonly routes: Route[] }
  | Base & { readonly kind: "withdraw-route"; readonly routes: Route[] }
  /** A family the codecs cannot encode yet (flow, vpls, mpls-vpn, nlri-mpls, mcast-vpn, mup…). */
  | Base & {
    readonly kind: "announce-unsupported";
    readonly action: RouteAction;
    /** ExaBGP's family name, e.g. "ipv4 flow", "l2vpn vpls", "ipv4 mpls-vpn". */
    readonly family: string;
    /** The command after the selector, normalised. */
    readonly text: string;
  }
  | Base & { readonly kind: "watchdog"; readonly action: RouteAction; readonly name: string }
  | Base & { readonly kind: "eor"; readonly family: FamilyKey }
  | Base & { readonly kind: "route-refresh"; readonly family: FamilyKey }
  | Base & { readonly kind: "operational"; readonly name: OperationalName; readonly text: string }
  | Base & { readonly kind: "flush-adj-rib-out" }
  | Base & { readonly kind: "clear-adj-rib"; readonly direction: "in" | "out" }
  | Base & { readonly kind: "teardown"; readonly subcode: number; readonly text?: string }
  | Base & {
    readonly kind: "show-neighbor";
    /** Undefined: ExaBGP answers "please specify summary, extensive or configuration". */
    readonly mode?: ShowNeighborMode;
    readonly address?: string;
    readonly json: boolean;
  }
  | Base & {
    readonly kind: "show-adj-rib";
    readonly direction: "in" | "out";
    readonly extensive: boolean;
    readonly filter?: RibFilter;
    readonly address?: string;
    readonly json: boolean;
  }
  | Base & {
    readonly kind:
      | "shutdown"
      | "reload"
      | "restart"
      | "version"
      | "help"
      | "reset"
      | "enable-ack"
      | "disable-ack"
      | "silence-ack";
  }
  | Base & { readonly kind: "comment"; readonly text: string }
  | Base & { readonly kind: "debug"; readonly text: string };

export type CommandKind = Command["kind"];

/** A line that is not a valid command; the message names the command and what was expected. */
export class CommandError extends Error {
  constructor(readonly command: string, message: string) {
    super(command ? `${command}: ${message}` : message);
    this.name = "CommandError";
  }
}

/** Words of a command after its selector, and a cursor over them. */
class Words {
  i = 0;
  constructor(readonly tokens: readonly Token[], readonly selector: Selector | undefined) {}
  /** The next word as a keyword (quoted words are never keywords). */
  peekKeyword(): string | undefined {
    const t = this.tokens[this.i];
    return t === undefined || t.quoted ? undefined : t.text;
  }
  rest(): readonly Token[] {
    return this.i === 0 ? this.tokens : this.tokens.slice(this.i);
  }
  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }
  /** The command words read so far, for error messages ("announce eor"). */
  head(): string {
    return this.tokens.slice(0, this.i).map((t) => t.text).join(" ");
  }
}

/** Tokens back as one line with single spaces (quoted words re-quoted): ExaBGP's `formated()` text. */
export function joinTokens(tokens: readonly Token[]): string {
  let out = "";
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (k) out += " ";
    out += t.quoted ? JSON.stringify(t.text) : t.text;
  }
  return out;
}

/** ExaBGP's `formated()`: tabs and repeated spaces collapsed, `[ ] ( ) ,` padded. */
export function normaliseLine(line: string): string {
  return joinTokens(tokenize(line));
}

type Handler = (w: Words) => Command;

/**
 * A command word of a table: how what follows it is parsed, and what may follow it for `help`. `help` is
 * built from these tables (commandHelp), so it lists exactly what the parser accepts.
 */
interface Entry {
  readonly parse: Handler;
  /** The arguments as `help` shows them; "" for none. */
  readonly usage: string;
  /** Set when the word is followed by a word of this table (announce, withdraw, show). */
  readonly table?: Table;
}
type Table = ReadonlyMap<string, Entry>;

const entry = (usage: string, parse: Handler): Entry => ({ usage, parse });

/** `a|b|c`, for `help`. */
const choices = (words: Iterable<string>) => [...words].join("|");

function fail(w: Words, expected: string): never {
  const t = w.tokens[w.i];
  throw new CommandError(
    w.head(),
    `expected ${expected}, got ${t === undefined ? "the end of the line" : `'${t.text}'`}`,
  );
}

/** Commands that take no argument: anything after them is an error. */
function noArgs(w: Words): void {
  if (!w.atEnd()) fail(w, "nothing more");
}

/** The selector prefix only makes sense for commands acting on peers. */
function noSelector(w: Words): void {
  if (w.selector) throw new CommandError(w.head(), "this command does not take a neighbor selector");
}

function simple(
  kind:
    | "shutdown"
    | "reload"
    | "restart"
    | "version"
    | "help"
    | "reset"
    | "enable-ack"
    | "disable-ack"
    | "silence-ack",
): Entry {
  return entry("", (w) => {
    noSelector(w);
    noArgs(w);
    return { kind };
  });
}

/** Runs the route grammar; its errors become CommandErrors naming the command. */
function routeSpec(
  w: Words,
  action: RouteAction,
  tokens: readonly Token[],
  options: RouteOptions = {},
): RouteSpec {
  try {
    return parseRouteSpec(tokens, action === "withdraw" ? { ...options, withdraw: true } : options);
  } catch (e) {
    if (e instanceof RouteError) throw new CommandError(w.head(), e.message);
    throw e;
  }
}

function unsupported(w: Words, action: RouteAction, family: string): Command {
  return { kind: "announce-unsupported", action, family, text: joinTokens(w.tokens), selector: w.selector };
}

/**
 * Announces need a next hop for IPv4/IPv6 unicast/multicast (ExaBGP's `ParseStaticRoute.check`);
 * withdraws only index the NLRI, so theirs may be missing.
 */
function checkNextHop(w: Words, action: RouteAction, routes: readonly Route[]): void {
  if (action === "announce" && routes.length && routes[0].nextHop.kind === "none") {
    throw new CommandError(w.head(), "an announced route needs a next-hop (next-hop <ip> or next-hop self)");
  }
}

function routesCommand(w: Words, action: RouteAction, spec: RouteSpec): Command {
  if (spec.kind === "unsupported") return unsupported(w, action, spec.family);
  checkNextHop(w, action, spec.routes);
  return {
    kind: action === "announce" ? "announce-route" : "withdraw-route",
    routes: spec.routes,
    selector: w.selector,
  };
}

/** `announce route <prefix> <attributes…>`. */
function routeHandler(action: RouteAction): Handler {
  return (w) => routesCommand(w, action, routeSpec(w, action, w.rest()));
}

/** SAFIs written after `announce ipv4|ipv6` whose codec exists (the rest is reported unsupported). */
const ROUTE_SAFIS: ReadonlyMap<string, number> = new Map([
  ["unicast", SAFI.unicast],
  ["multicast", SAFI.multicast],
  ["nlri-mpls", SAFI["nlri-mpls"]],
  ["labeled-unicast", SAFI["nlri-mpls"]],
  ["mpls-vpn", SAFI["mpls-vpn"]],
]);
/** SAFIs ExaBGP accepts after `announce ipv4|ipv6` (exabgp-behaviour.md §4.3; labeled-unicast is main's alias). */
const OTHER_SAFIS = new Set([
  "mcast-vpn",
  "flow",
  "flow-vpn",
  "mup",
  "sr-policy",
]);
const FAMILY_SAFIS = choices([...ROUTE_SAFIS.keys(), ...OTHER_SAFIS]);

/** `announce ipv4|ipv6 <safi> <nlri> <attributes…>`. */
function familyRouteHandler(action: RouteAction, afiWord: "ipv4" | "ipv6"): Handler {
  const afi = AFI[afiWord];
  return (w) => {
    const safiWord = w.peekKeyword()?.toLowerCase();
    const safi = safiWord === undefined ? undefined : ROUTE_SAFIS.get(safiWord);
    if (safi === undefined) {
      if (safiWord === "mcast-vpn") {
        w.i++;
        return l2Command(w, action, () => parseMvpnTokens(w.rest(), afi));
      }
      if (safiWord === "mup") {
        w.i++;
        return l2Command(w, action, () => parseMupTokens(w.rest(), afi));
      }
      if (safiWord === "flow" || safiWord === "flow-vpn") {
        w.i++;
        return flowCommand(w, action, w.rest(), afi);
      }
      if (safiWord !== undefined && OTHER_SAFIS.has(safiWord)) {
        return unsupported(
          w,
          action,
          `${afiWord} ${safiWord === "labeled-unicast" ? "nlri-mpls" : safiWord}`,
        );
      }
      fail(w, `a SAFI (${[...ROUTE_SAFIS.keys(), ...OTHER_SAFIS].join(", ")})`);
    }
    w.i++;
    return routesCommand(w, action, routeSpec(w, action, w.rest(), { afi, safi }));
  };
}

/** The NLRI after `nlri`, parsed alone; the attributes were parsed once with the first prefix. */
function sharedRoute(w: Words, template: Route, text: string, safi: number): Route {
  const p = readPrefix(text);
  if (p === undefined) {
    throw new CommandError(w.head(), `'nlri' expects prefixes (a.b.c.d/len or ipv6/len), got '${text}'`);
  }
  return withPrefix(template, p, safi);
}

/**
 * `announce attributes <attributes…> nlri <prefix> <prefix>…`: one attribute set for many NLRI. The
 * attributes are parsed once (with the first prefix) and every route shares the same attribute array.
 */
function attributesHandler(action: RouteAction): Handler {
  return (w) => {
    const rest = w.rest();
    const at = rest.findIndex((t) => !t.quoted && t.text === "nlri");
    if (at < 0) throw new CommandError(w.head(), "expected 'nlri <prefix> …' after the attributes");
    const attrs = rest.slice(0, at);
    const prefixes = rest.slice(at + 1);
    if (prefixes.length === 0) throw new CommandError(w.head(), "expected at least one prefix after 'nlri'");
    const spec = routeSpec(w, action, [prefixes[0], ...attrs]);
    if (spec.kind === "unsupported") return unsupported(w, action, spec.family);
    checkNextHop(w, action, spec.routes);
    // `split` expands each prefix: parse each one with the attributes (rare; correctness over speed).
    if (attrs.some((t) => !t.quoted && t.text === "split")) {
      const routes = spec.routes.slice();
      for (let k = 1; k < prefixes.length; k++) {
        const s = routeSpec(w, action, [prefixes[k], ...attrs]);
        if (s.kind === "routes") { for (const r of s.routes) routes.push(r); }
      }
      return routesCommand(w, action, { kind: "routes", family: spec.family, routes });
    }
    const template = spec.routes[0];
    const safi = spec.family & 0xff;
    const routes: Route[] = new Array(prefixes.length);
    routes[0] = template;
    for (let k = 1; k < prefixes.length; k++) routes[k] = sharedRoute(w, template, prefixes[k].text, safi);
    return {
      kind: action === "announce" ? "announce-route" : "withdraw-route",
      routes,
      selector: w.selector,
    };
  };
}

/**
 * A FlowSpec route from its tokens (lib/config/flow.ts); grammar errors name the command. `afi`: the one
 * `announce ipv4|ipv6 flow …` asks for.
 */
function flowCommand(w: Words, action: RouteAction, tokens: readonly Token[], afi?: number): Command {
  let route: Route;
  try {
    route = parseFlowRouteTokens(tokens, afi);
  } catch (e) {
    if (e instanceof RouteError) throw new CommandError(w.head(), e.message);
    throw e;
  }
  return { kind: action === "announce" ? "announce-route" : "withdraw-route", routes: [route], selector: w.selector };
}

/** A route of lib/config/l2vpn.ts (VPLS, MCAST-VPN); grammar errors name the command. */
function l2Command(w: Words, action: RouteAction, parse: () => Route): Command {
  let route: Route;
  try {
    route = parse();
  } catch (e) {
    if (e instanceof RouteError) throw new CommandError(w.head(), e.message);
    throw e;
  }
  checkNextHop(w, action, [route]);
  return { kind: action === "announce" ? "announce-route" : "withdraw-route", routes: [route], selector: w.selector };
}

/** `announce flow route [NAME] { match { … } then { … } scope { … } }` or the one-line form (RFC 8955). */
function flowHandler(action: RouteAction): Handler {
  return (w) => {
    if (w.peekKeyword()?.toLowerCase() !== "route") fail(w, "'route' and a flow specification");
    w.i++;
    return flowCommand(w, action, w.rest());
  };
}

function watchdogHandler(action: RouteAction): Handler {
  return (w) => {
    const t = w.tokens[w.i];
    if (t === undefined) fail(w, "a watchdog name");
    w.i++;
    noArgs(w);
    return { kind: "watchdog", action, name: t.text, selector: w.selector };
  };
}

/** `<afi> <safi>` as names (or numbers); undefined at the end of the line. */
function family(w: Words, optional: boolean): FamilyKey | undefined {
  if (w.atEnd() && optional) return undefined;
  const afi = w.tokens[w.i], safi = w.tokens[w.i + 1];
  const key = afi && safi ? parseFamily(afi.text, safi.text) : undefined;
  if (key === undefined) fail(w, "a family '<afi> <safi>' such as 'ipv4 unicast'");
  w.i += 2;
  noArgs(w);
  return key;
}

const eorHandler: Handler = (w) => ({
  kind: "eor",
  family: family(w, true) ?? IPV4_UNICAST,
  selector: w.selector,
});
const refreshHandler: Handler = (w) => ({
  kind: "route-refresh",
  family: family(w, false)!,
  selector: w.selector,
});

const OPERATIONAL = new Set<string>(["asm", "adm", "rpcq", "rpcp", "apcq", "apcp", "lpcq", "lpcp"]);

/** `announce operational <name> afi <afi> safi <safi> …`: kept as text for the operational codec. */
const operationalHandler: Handler = (w) => {
  const name = w.peekKeyword()?.toLowerCase();
  if (name === undefined || !OPERATIONAL.has(name)) {
    fail(w, `an operational message (${[...OPERATIONAL].join(", ")})`);
  }
  return {
    kind: "operational",
    name: name as OperationalName,
    text: joinTokens(w.rest()),
    selector: w.selector,
  };
};

/** Runs the handler for the next word of `table`, advancing past it. */
function dispatch(table: Table, w: Words, expected: () => string): Command {
  const word = w.peekKeyword();
  const found = word === undefined ? undefined : table.get(word) ?? table.get(word.toLowerCase());
  if (found === undefined) fail(w, expected());
  w.i++;
  return found.parse(w);
}

/** A word followed by a word of `table`. */
function subTable(table: Table, expected: () => string): Entry {
  return { usage: "", parse: (w) => dispatch(table, w, expected), table };
}

const ROUTE_USAGE = "<prefix> [next-hop <ip>|self] [label <n>…] [rd <rd>] [<attribute> <value>]…";
const VPLS_USAGE = "endpoint <n> base <n> offset <n> size <n> rd <rd> next-hop <ip> [<attribute> <value>]…";

function routeTable(action: RouteAction): Table {
  const attributes = entry("<attribute> <value>… nlri <prefix>…", attributesHandler(action));
  const vpls = (w: Words) => l2Command(w, action, () => parseVplsTokens(w.rest()));
  const t = new Map<string, Entry>([
    ["route", entry(ROUTE_USAGE, routeHandler(action))],
    ["ipv4", entry(`${FAMILY_SAFIS} <route>`, familyRouteHandler(action, "ipv4"))],
    ["ipv6", entry(`${FAMILY_SAFIS} <route>`, familyRouteHandler(action, "ipv6"))],
    ["attribute", attributes],
    ["attributes", attributes],
    [
      "flow",
      entry(
        "route [<name>] { match { … } then { … } } | route <match and then keywords>…",
        flowHandler(action),
      ),
    ],
    ["vpls", entry(VPLS_USAGE, vpls)],
    [
      "l2vpn",
      entry(`vpls ${VPLS_USAGE}`, (w) => {
        if (w.peekKeyword()?.toLowerCase() !== "vpls") fail(w, "'vpls' and a route");
        w.i++;
        return vpls(w);
      }),
    ],
    ["watchdog", entry("<name>", watchdogHandler(action))],
  ]);
  if (action === "announce") {
    t.set("eor", entry("[<afi> <safi>]", eorHandler));
    t.set("route-refresh", entry("<afi> <safi>", refreshHandler));
    t.set("operational", entry(`${choices(OPERATIONAL)} <fields>…`, operationalHandler));
  }
  return t;
}

const ANNOUNCE = routeTable("announce");
const WITHDRAW = routeTable("withdraw");

function expectedWords(table: Table): string {
  return [...table.keys()].join(", ");
}

/** `… adj-rib in|out`: the direction word. */
function ribDirection(w: Words): "in" | "out" {
  if (w.peekKeyword() !== "adj-rib") fail(w, "'adj-rib'");
  w.i++;
  const d = w.peekKeyword();
  if (d !== "in" && d !== "out") fail(w, "'in' or 'out'");
  w.i++;
  return d;
}

const flushHandler: Handler = (w) => {
  if (ribDirection(w) !== "out") {
    w.i--;
    fail(w, "'out' (only the adj-rib-out can be flushed)");
  }
  noArgs(w);
  return { kind: "flush-adj-rib-out", selector: w.selector };
};

const clearHandler: Handler = (w) => {
  const direction = ribDirection(w);
  noArgs(w);
  return { kind: "clear-adj-rib", direction, selector: w.selector };
};

/**
 * Words as the line spaced them, runs of blanks as one: the RFC 9003 text `back soon, sorry` must not
 * become `back soon , sorry` (the tokenizer makes `,` a word of its own).
 */
function spacedText(tokens: readonly Token[]): string {
  return tokens.map((t, k) => (k > 0 && t.start > tokens[k - 1].end ? " " : "") + t.text).join("");
}

/** `teardown <subcode> [text]`: NOTIFICATION 6 (Cease) with that subcode (RFC 4486). */
const teardownHandler: Handler = (w) => {
  const t = w.tokens[w.i];
  if (t === undefined || !/^\d{1,3}$/.test(t.text) || Number(t.text) > 255) fail(w, "a Cease subcode 0..255");
  w.i++;
  const text = w.atEnd() ? undefined : spacedText(w.tokens.slice(w.i));
  return text === undefined
    ? { kind: "teardown", subcode: Number(t.text), selector: w.selector }
    : { kind: "teardown", subcode: Number(t.text), text, selector: w.selector };
};

const SHOW_NEIGHBOR_MODES = new Set(["summary", "extensive", "configuration"]);

/** `show neighbor [<ip>] [summary|extensive|configuration] [json]`, words in any order as in ExaBGP. */
const showNeighborHandler: Handler = (w) => {
  let mode: ShowNeighborMode | undefined;
  let address: string | undefined;
  let json = false;
  for (; !w.atEnd(); w.i++) {
    const word = w.tokens[w.i].text;
    if (SHOW_NEIGHBOR_MODES.has(word) && mode === undefined) mode = word as ShowNeighborMode;
    else if (word === "json") json = true;
    else if (isIP(word) && address === undefined) address = word;
    else fail(w, "summary, extensive, configuration, json or a neighbor address");
  }
  return { kind: "show-neighbor", json, ...(mode && { mode }), ...(address && { address }) };
};

const RIB_FILTERS = new Set(["inet", "flow", "l2vpn"]);

/** `show adj-rib in|out [extensive] [inet|flow|l2vpn] [<ip>] [json]`. */
const showAdjRibHandler: Handler = (w) => {
  const d = w.peekKeyword();
  if (d !== "in" && d !== "out") fail(w, "'in' or 'out'");
  w.i++;
  let extensive = false, json = false;
  let filter: RibFilter | undefined;
  let address: string | undefined;
  for (; !w.atEnd(); w.i++) {
    const word = w.tokens[w.i].text;
    if (word === "extensive") extensive = true;
    else if (word === "json") json = true;
    else if (RIB_FILTERS.has(word) && filter === undefined) filter = word as RibFilter;
    else if (isIP(word) && address === undefined) address = word;
    else fail(w, "extensive, inet, flow, l2vpn, json or a neighbor address");
  }
  return {
    kind: "show-adj-rib",
    direction: d,
    extensive,
    json,
    ...(filter && { filter }),
    ...(address && { address }),
  };
};

const SHOW: Table = new Map<string, Entry>([
  ["neighbor", entry(`[<ip>] [${choices(SHOW_NEIGHBOR_MODES)}] [json]`, showNeighborHandler)],
  ["adj-rib", entry(`in|out [extensive] [${choices(RIB_FILTERS)}] [<ip>] [json]`, showAdjRibHandler)],
]);

const showSub = subTable(SHOW, () => "'neighbor' or 'adj-rib'");

/** Every command; those acting on peers accept a neighbor selector prefix. */
const TOP: Table = new Map<string, Entry>([
  ["announce", subTable(ANNOUNCE, () => expectedWords(ANNOUNCE))],
  ["withdraw", subTable(WITHDRAW, () => expectedWords(WITHDRAW))],
  ["teardown", entry("<subcode> [<shutdown communication text>]", teardownHandler)],
  ["flush", entry("adj-rib out", flushHandler)],
  ["clear", entry("adj-rib in|out", clearHandler)],
  ["show", {
    ...showSub,
    parse: (w) => {
      noSelector(w);
      return showSub.parse(w);
    },
  }],
  ["shutdown", simple("shutdown")],
  ["reload", simple("reload")],
  ["restart", simple("restart")],
  ["version", simple("version")],
  ["help", simple("help")],
  ["reset", simple("reset")],
  ["enable-ack", simple("enable-ack")],
  ["disable-ack", simple("disable-ack")],
  ["silence-ack", simple("silence-ack")],
]);

/** The selector prefix and the lines read before tokenizing (parseCommand), for `help`. */
const HELP_PREAMBLE = [
  "[neighbor <ip> [local-ip <ip>] [local-as <asn>] [peer-as <asn>] [router-id <ip>] [family-allowed <family>]" +
  " [, neighbor …]] <command>, where <command> is one of:",
];
const HELP_FREE_LINES = ["# <comment>", "debug <text>"];

/** `help`: every command word the parser accepts, with its arguments, one per line. */
export function commandHelp(): string[] {
  const lines = [...HELP_PREAMBLE];
  const walk = (table: Table, prefix: string) => {
    for (const [word, e] of table) {
      if (e.table) walk(e.table, `${prefix}${word} `);
      else lines.push(`  ${prefix}${word}${e.usage ? ` ${e.usage}` : ""}`);
    }
  };
  walk(TOP, "");
  for (const l of HELP_FREE_LINES) lines.push(`  ${l}`);
  return lines;
}

/** One-route lines that differ from an earlier one by their prefix only (route_lines.ts). */
const routeLines = new RouteLines();

/**
 * One command line → Command. Throws CommandError for an empty line (ExaBGP 5.0 answers `error`), an
 * unknown command or bad arguments.
 */
export function parseCommand(line: string): Command {
  // Surrounding blanks and the line end ("\n", "\r\n") are not part of the command.
  const text = line.trim();
  if (text === "") throw new CommandError("", "empty command");
  // Comments and debug lines are answered/logged verbatim, never tokenized (`#` would start a comment).
  if (text.charCodeAt(0) === 35) return { kind: "comment", text: text.slice(1).trim() };
  if (text.startsWith("debug ") || text.startsWith("debug\t")) {
    return { kind: "debug", text: text.slice(6).trim() };
  }
  const recalled = routeLines.recall(text);
  if (recalled !== undefined) return recalled;
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (e) {
    if (e instanceof LexError) throw new CommandError("", `${e.message} in '${text}'`);
    throw e;
  }
  let selector: Selector | undefined, rest: readonly Token[];
  try {
    ({ selector, rest } = parseSelector(tokens));
  } catch (e) {
    if (e instanceof SelectorError) throw new CommandError("", e.message);
    throw e;
  }
  const w = new Words(rest, selector);
  if (w.atEnd()) throw new CommandError("", `a command is expected after the selector in '${text}'`);
  const cmd = dispatch(TOP, w, () => `a command (${expectedWords(TOP)})`);
  routeLines.learn(text, cmd);
  return cmd;
}
