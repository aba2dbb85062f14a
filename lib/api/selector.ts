/**
 * The neighbor selector of ExaBGP's "v4" text API (exabgp-behaviour.md §4.2, ExaBGP `command/limit.py`):
 *
 *   neighbor <ip> [local-ip <ip>] [local-as <asn>] [peer-as <asn>] [router-id <ip>] [family-allowed <fam>]
 *     [, neighbor <ip> …] <command>
 *
 * A selector is a list of descriptions; a description is a list of "key value" strings. A peer matches a
 * description when every "key value" occurs as whole words in the peer's name string (AND); it matches the
 * selector when it matches any description (OR). `neighbor *` matches every peer.
 */
import { afiName, familyAfi, type FamilyKey, familySafi, safiName } from "../bgp/family.ts";
import type { Token } from "../config/tokenizer.ts";

export interface Selector {
  /** Each description: ["neighbor 127.0.0.1", "router-id 1.2.3.4", …]. */
  readonly descriptions: readonly (readonly string[])[];
}

/** The keys a description may carry after `neighbor <ip>` (ExaBGP's `extract_neighbors`). */
const KEYS = new Set(["neighbor", "local-ip", "local-as", "peer-as", "router-id", "family-allowed"]);

const WILDCARD = "neighbor *";

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SelectorError";
  }
}

/**
 * Reads the selector prefix of a command line. `selector` is undefined when the line does not start with
 * `neighbor` (the command then applies to every peer of the helper); `rest` is the command after it.
 */
export function parseSelector(tokens: readonly Token[]): { selector?: Selector; rest: readonly Token[] } {
  const first = tokens[0];
  if (first === undefined || first.quoted || first.text !== "neighbor") return { rest: tokens };
  const descriptions: string[][] = [];
  let current: string[] = [];
  let i = 0;
  for (;;) {
    const key = tokens[i];
    if (key === undefined) break;
    if (!key.quoted && key.text === ",") {
      if (current.length === 0) {
        throw new SelectorError("neighbor selector: ',' must follow a neighbor description");
      }
      descriptions.push(current);
      current = [];
      i++;
      // After a comma a new description must start with `neighbor <ip>`.
      const next = tokens[i];
      if (next === undefined || next.text !== "neighbor") {
        throw new SelectorError(
          `neighbor selector: expected 'neighbor <ip>' after ',', got '${
            next?.text ?? "the end of the line"
          }'`,
        );
      }
      continue;
    }
    if (key.quoted || !KEYS.has(key.text)) break;
    // `neighbor` is only a key at the start of a description; elsewhere it ends the selector.
    if (key.text === "neighbor" && current.length > 0) break;
    if (key.text !== "neighbor" && current.length === 0) break;
    const value = tokens[i + 1];
    if (value === undefined || value.text === ",") {
      throw new SelectorError(
        `neighbor selector: '${key.text}' expects a value, got ${value ? "','" : "the end of the line"}`,
      );
    }
    current.push(`${key.text} ${value.text}`);
    i += 2;
  }
  if (current.length) descriptions.push(current);
  return { selector: { descriptions }, rest: tokens.slice(i) };
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11;
}

/** `pair` occurs in `name` preceded by start/space and followed by end/space/comma (ExaBGP's regexp). */
function occurs(name: string, pair: string): boolean {
  for (let at = name.indexOf(pair); at >= 0; at = name.indexOf(pair, at + 1)) {
    const end = at + pair.length;
    if (at > 0 && !isSpace(name.charCodeAt(at - 1))) continue;
    if (end === name.length || isSpace(name.charCodeAt(end)) || name.charCodeAt(end) === 44) return true;
  }
  return false;
}

/** A description matches when all its pairs occur in the name; `neighbor *` matches every name. */
export function matchDescription(description: readonly string[], neighborName: string): boolean {
  for (const pair of description) {
    if (pair === WILDCARD) return true;
    if (!occurs(neighborName, pair)) return false;
  }
  return true;
}

/** True when the peer named `neighborName` (see neighborName()) is selected; no selector selects all. */
export function matchSelector(selector: Selector | undefined, neighborName: string): boolean {
  if (selector === undefined || selector.descriptions.length === 0) return true;
  return selector.descriptions.some((d) => matchDescription(d, neighborName));
}

export interface NeighborIdentity {
  readonly peerAddress: string;
  /** "auto" or undefined when the local address is discovered from the connection. */
  readonly localAddress?: string;
  /** 0 or undefined: not configured. */
  readonly localAs?: number;
  readonly peerAs?: number | "auto";
  readonly routerId?: string;
  readonly families?: readonly FamilyKey[];
  readonly multiSession?: boolean;
}

function orAuto(v: string | number | undefined): string {
  return v === undefined || v === 0 || v === "" ? "auto" : String(v);
}

/**
 * ExaBGP's neighbor name string (`Neighbor.name()` in 5.0), which selectors are matched against:
 * `neighbor <peer-ip> local-ip <ip|auto> local-as <asn|auto> peer-as <asn|auto> router-id <id>
 * family-allowed <in-open | ipv4-unicast/ipv6-unicast…>`; the family list only with multi-session.
 */
export function neighborName(n: NeighborIdentity): string {
  const session = n.multiSession && n.families?.length
    ? n.families.map((f) => `${afiName(familyAfi(f))}-${safiName(familySafi(f))}`).join("/")
    : "in-open";
  return `neighbor ${n.peerAddress} local-ip ${orAuto(n.localAddress)} local-as ${orAuto(n.localAs)} ` +
    `peer-as ${orAuto(n.peerAs)} router-id ${orAuto(n.routerId)} family-allowed ${session}`;
}

/** The selector back as text ("neighbor 1.2.3.4 local-as 1, neighbor 5.6.7.8"), for logs and errors. */
export function selectorToString(selector: Selector): string {
  return selector.descriptions.map((d) => d.join(" ")).join(", ");
}
