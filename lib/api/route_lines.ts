/**
 * Route commands repeat everything but their prefix: a helper announcing a table writes `announce route P
 * next-hop N community [ C ]` once per prefix P. A line `[selector] announce|withdraw route P …` that the
 * parser accepted is remembered by its text without P; a later line that differs only by its prefix gets
 * the same command with its own prefix, without tokenizing it or running the route grammar again, and
 * shares the first route's attribute array (the attribute store then finds the set by identity).
 *
 * Why that is the parse: P is the word after `route`, which the route grammar reads as the prefix (checked
 * against the parsed route when a line is remembered); it is a plain word (digits, hex, `.` `:` `/`), so the
 * tokens of two such lines differ in that word only, the text before it holds no quote, comment or
 * backslash, and no route attribute depends on the prefix. `split` (one route per sub-prefix) is never
 * remembered; the key holds P's address family, which decides the route's family.
 */
import { familyAfi, familyKey } from "../bgp/family.ts";
import { type ParsedPrefix, parsePrefix } from "../bgp/ip.ts";
import { labeledNlri } from "../bgp/nlri/labeled.ts";
import type { Nlri, Route } from "../bgp/types.ts";
import { fastIPv4Prefix } from "../config/route.ts";
import type { Command } from "./command.ts";

type RouteCommand = Extract<Command, { kind: "announce-route" | "withdraw-route" }>;

/** Distinct line shapes kept; past that the memory starts over (cycling through more gains little). */
const MAX_SHAPES = 256;
/** "announce route ".length, "withdraw route ".length. */
const VERB_LENGTH = 15;

/** A prefix as text, IPv4 without regular expressions (the common case); undefined when it is not one. */
export function readPrefix(text: string): ParsedPrefix | undefined {
  const fast = fastIPv4Prefix(text);
  if (fast !== undefined) return fast;
  try {
    return parsePrefix(text);
  } catch {
    return undefined;
  }
}

/** `template` for another prefix of SAFI `safi`: same attributes, next hop, labels, RD and path id. */
export function withPrefix(template: Route, p: ParsedPrefix, safi: number): Route {
  const base = template.nlri;
  const family = familyKey(p.afi, safi);
  let nlri: Nlri;
  if (base.kind === "labeled") {
    nlri = labeledNlri(family, p.length, p.bytes, base.labels, base.rd, base.pathId);
  } else if (base.kind === "prefix" && base.pathId !== undefined) {
    nlri = { kind: "prefix", family, length: p.length, bytes: p.bytes, pathId: base.pathId };
  } else nlri = { kind: "prefix", family, length: p.length, bytes: p.bytes };
  return { ...template, nlri };
}

/** Digits, hex letters, `.`, `/`, `:`: the characters of a prefix word. */
function prefixChar(c: number): boolean {
  return (c >= 48 && c <= 58) || c === 46 || c === 47 || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** `"`, `'`, `#`, `\`: characters that would make the text before the prefix tokenize differently. */
function lexChar(c: number): boolean {
  return c === 34 || c === 39 || c === 35 || c === 92;
}

interface Shape {
  /** The text before the prefix word (the selector and `announce route `), and after it. */
  readonly head: string;
  readonly rest: string;
  /** The word holds a `:`: an IPv6 prefix, whose routes are of another family. */
  readonly v6: boolean;
}

interface Known extends Shape {
  readonly cmd: RouteCommand;
}

/** `head`, `rest` and the address family as one Map key. */
const keyOf = (s: Shape) => `${s.head}${s.v6 ? 6 : 4}\u0000${s.rest}`;

/** Where the prefix word of `[selector] announce|withdraw route P …` is; undefined for any other line. */
function shape(text: string): (Shape & { readonly word: string }) | undefined {
  let at = text.startsWith("announce route ") || text.startsWith("withdraw route ") ? 0 : -1;
  if (at < 0) {
    const a = text.indexOf(" announce route "), w = text.indexOf(" withdraw route ");
    at = (a < 0 ? w : w < 0 ? a : Math.min(a, w)) + 1;
    if (at === 0) return undefined;
  }
  const start = at + VERB_LENGTH;
  let end = start;
  while (end < text.length && prefixChar(text.charCodeAt(end))) end++;
  if (end === start || (end < text.length && text.charCodeAt(end) !== 32)) return undefined;
  for (let i = 0; i < start; i++) if (lexChar(text.charCodeAt(i))) return undefined;
  const word = text.slice(start, end);
  return { head: text.slice(0, start), rest: text.slice(end), v6: word.includes(":"), word };
}

/** The prefix word of `text` when it is `s.head` + a word + `s.rest` (as shape() would find it). */
function wordOf(text: string, s: Shape): string | undefined {
  const end = text.length - s.rest.length;
  if (end <= s.head.length || !text.startsWith(s.head) || !text.endsWith(s.rest)) return undefined;
  for (let i = s.head.length; i < end; i++) if (!prefixChar(text.charCodeAt(i))) return undefined;
  const word = text.slice(s.head.length, end);
  return word.includes(":") === s.v6 ? word : undefined;
}

/** Parsed one-route commands, by line shape. */
export class RouteLines {
  readonly #shapes = new Map<string, Known>();
  /** The shape recalled last: a helper writes the same one line after line (compared without a key). */
  #last: Known | undefined;

  /** The command of `text` (trimmed) when a line of the same shape was parsed before. */
  recall(text: string): Command | undefined {
    if (this.#shapes.size === 0) return undefined;
    let known = this.#last;
    let word = known === undefined ? undefined : wordOf(text, known);
    if (word === undefined) {
      const s = shape(text);
      known = s === undefined ? undefined : this.#shapes.get(keyOf(s));
      if (known === undefined) return undefined;
      this.#last = known;
      word = s!.word;
    }
    const p = readPrefix(word);
    if (p === undefined) return undefined;
    const { kind, routes: [route], selector } = known!.cmd;
    return { kind, routes: [withPrefix(route, p, route.nlri.family & 0xff)], selector };
  }

  /** Remembers `cmd`, the parse of `text`, when it is one route whose prefix is the word after `route`. */
  learn(text: string, cmd: Command): void {
    if ((cmd.kind !== "announce-route" && cmd.kind !== "withdraw-route") || cmd.routes.length !== 1) return;
    const s = shape(text);
    if (s === undefined || s.rest.toLowerCase().includes("split")) return;
    const nlri = cmd.routes[0].nlri;
    const p = readPrefix(s.word);
    if (p === undefined || (nlri.kind !== "prefix" && nlri.kind !== "labeled")) return;
    if (familyAfi(nlri.family) !== p.afi || nlri.length !== p.length || !sameBytes(nlri.bytes, p.bytes)) {
      return;
    }
    if (this.#shapes.size >= MAX_SHAPES) {
      this.#shapes.clear();
      this.#last = undefined;
    }
    this.#shapes.set(keyOf(s), { head: s.head, rest: s.rest, v6: s.v6, cmd });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
