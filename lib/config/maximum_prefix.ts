/**
 * `maximum-prefix [<afi> <safi>] <limit> [warning-only|teardown] [restart <seconds>]` — a limit on the
 * routes a neighbor may have in our Adj-RIB-In, all families together or one family. ExaBGP has no such
 * option; the words follow GoBGP / Cisco (`max-prefixes`, `warning-only`) and BIRD (`restart`). Over the
 * limit, `warning-only` logs; `teardown` (the default) closes the session with Cease 1 "Maximum Number of
 * Prefixes Reached" (RFC 4486 §4) and, with `restart`, opens it again that many seconds later (else it
 * stays down until a `restart` or reload).
 */
import { type FamilyKey, parseFamily } from "../bgp/family.ts";

export interface PrefixLimit {
  /** One family, or all of them together when absent. */
  readonly family?: FamilyKey;
  readonly limit: number;
  readonly action: "warning-only" | "teardown";
  /** Seconds before reconnecting after a teardown; absent: stay down. */
  readonly restart?: number;
}

const MAX_LIMIT = 2 ** 32 - 1;
const USAGE = "[<afi> <safi>] <limit> [warning-only|teardown] [restart <seconds>]";

/** Parses the words after `maximum-prefix`; throws Error with a message naming what was expected. */
export function parseMaximumPrefix(words: readonly string[]): PrefixLimit {
  let i = 0;
  let family: FamilyKey | undefined;
  const fail = (what: string): never => {
    throw new Error(`'maximum-prefix' expects ${USAGE}: ${what}`);
  };
  if (words.length > 0 && !/^\d+$/.test(words[0])) {
    if (words.length < 2) fail(`'${words[0]}' is not a limit`);
    family = parseFamily(words[0], words[1]);
    if (family === undefined) fail(`unknown family '${words[0]} ${words[1]}'`);
    i = 2;
  }
  const limitText = words[i++];
  if (limitText === undefined) fail("no limit");
  if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
    fail(`the limit is a number 1..${MAX_LIMIT}, got '${limitText}'`);
  }
  let action: PrefixLimit["action"] = "teardown";
  let restart: number | undefined;
  while (i < words.length) {
    const w = words[i++].toLowerCase();
    if (w === "warning-only" || w === "teardown") action = w;
    else if (w === "restart") {
      const s = words[i++];
      if (s === undefined || !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 65535) {
        fail(`'restart' takes seconds 1..65535, got '${s ?? ""}'`);
      }
      restart = Number(s);
    } else fail(`unexpected '${words[i - 1]}'`);
  }
  if (restart !== undefined && action !== "teardown") fail("'restart' goes with teardown only");
  return { family, limit: Number(limitText), action, restart };
}

/** Adds `limit`, replacing an earlier one of the same scope (a neighbor's own statement overrides a template's). */
export function addPrefixLimit(limits: PrefixLimit[], limit: PrefixLimit): void {
  const i = limits.findIndex((l) => l.family === limit.family);
  if (i >= 0) limits[i] = limit;
  else limits.push(limit);
}
