/**
 * One-route command lines remembered by their shape (lib/api/route_lines.ts): a line that differs from an
 * earlier one by its prefix only must give what the route grammar builds for it (lib/config/route.ts), for
 * every kind of route the grammar makes, and share the earlier route's attribute array.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Command, CommandError, parseCommand } from "../../../lib/api/command.ts";
import { parseSelector } from "../../../lib/api/selector.ts";
import { parseRouteSpec, type RouteOptions } from "../../../lib/config/route.ts";
import { tokenize } from "../../../lib/config/tokenizer.ts";
import type { Route } from "../../../lib/bgp/types.ts";

/** The command the grammar builds for `[selector] <action> route <prefix> <rest>`, without the command parser. */
function expected(
  selectorText: string,
  action: "announce" | "withdraw",
  prefix: string,
  rest: string,
): Command {
  const options: RouteOptions = action === "withdraw" ? { withdraw: true } : {};
  const spec = parseRouteSpec(tokenize(`${prefix} ${rest}`), options);
  assert.equal(spec.kind, "routes");
  const selector = selectorText ? parseSelector(tokenize(selectorText)).selector : undefined;
  const routes = (spec as { routes: Route[] }).routes;
  return { kind: action === "announce" ? "announce-route" : "withdraw-route", routes, selector };
}

/** Attribute texts covering each piece of a route the grammar builds. */
const SHAPES: readonly [string, string, readonly string[]][] = [
  ["", "next-hop 192.0.2.1 community [ 65001:100 ]", ["10.0.0.0/24", "10.0.1.0/24", "10.2.3.4", "0.0.0.0/0"]],
  ["", "next-hop self as-path [ 65001 65002 ] med 10 local-preference 200 origin egp", [
    "10.9.0.0/16",
    "10.10.0.0/16",
  ]],
  ["", "next-hop 192.0.2.1 path-information 7", ["10.0.0.0/24", "10.0.0.128/25"]],
  ["", "next-hop 192.0.2.1 label [ 100 ] rd 65000:1", ["10.0.0.0/24", "10.1.0.0/24"]],
  ["", "next-hop 192.0.2.1 label [ 100 200 ]", ["10.0.0.0/24", "10.1.0.0/24"]],
  ["", "next-hop 2001:db8::1 large-community [ 1:2:3 ]", ["2001:db8::/32", "2001:db8:1::/48"]],
  ["", "next-hop 192.0.2.1 watchdog dog withdraw name n1", ["10.0.0.0/24", "10.0.1.0/24"]],
  ["neighbor 127.0.0.1 local-as 65001", "next-hop 192.0.2.1", ["10.0.0.0/24", "10.0.1.0/24"]],
  ["neighbor 127.0.0.1, neighbor 127.0.0.2", "next-hop 192.0.2.1 med 5", ["10.0.0.0/24", "10.0.1.0/24"]],
];

describe("route lines differing by their prefix only", () => {
  for (const [selector, rest, prefixes] of SHAPES) {
    for (const action of ["announce", "withdraw"] as const) {
      it(`${selector ? `${selector} ` : ""}${action} route P ${rest}`, () => {
        const lines = prefixes.map((p) => `${selector ? `${selector} ` : ""}${action} route ${p} ${rest}`);
        const commands = lines.map(parseCommand);
        for (let i = 0; i < lines.length; i++) {
          assert.deepEqual(commands[i], expected(selector, action, prefixes[i], rest), lines[i]);
        }
        const attributes = commands.map((c) => (c as { routes: Route[] }).routes[0].attributes);
        for (const a of attributes) assert.equal(a, attributes[0], "the attribute array is shared");
      });
    }
  }

  it("gives an IPv6 prefix its own family after IPv4 lines of the same text", () => {
    const rest = "next-hop 192.0.2.1 med 7";
    parseCommand(`announce route 10.7.0.0/16 ${rest}`);
    assert.deepEqual(
      parseCommand(`announce route 2001:db8:7::/48 ${rest}`),
      expected("", "announce", "2001:db8:7::/48", rest),
    );
  });

  it("follows lines of several shapes and both address families, interleaved", () => {
    const lines: [string, string, string][] = [];
    for (let i = 0; i < 4; i++) {
      lines.push([`10.6.${i}.0/24`, "next-hop 192.0.2.1 med 3", ""]);
      lines.push([`2001:db8:6:${i}::/64`, "next-hop 192.0.2.1 med 3", ""]);
      lines.push([`10.6.${i}.0/24`, "next-hop 192.0.2.2 med 3", "neighbor 127.0.0.1"]);
      lines.push([`10.6.${i}.128/25`, "next-hop 192.0.2.1 med 3", "neighbor 127.0.0.1"]);
    }
    for (const [prefix, rest, selector] of lines) {
      const line = `${selector ? `${selector} ` : ""}announce route ${prefix} ${rest}`;
      assert.deepEqual(parseCommand(line), expected(selector, "announce", prefix, rest), line);
    }
  });

  it("expands split for every line, whatever the prefix length", () => {
    // A prefix as long as the split gives one route: the lines after it must still be split.
    const rest = "next-hop 192.0.2.1 split /25";
    for (const [prefix, count] of [["10.8.4.0/25", 1], ["10.8.0.0/24", 2], ["10.8.2.0/23", 4]] as const) {
      const cmd = parseCommand(`announce route ${prefix} ${rest}`) as { routes: Route[] };
      assert.equal(cmd.routes.length, count, prefix);
      assert.deepEqual(cmd, expected("", "announce", prefix, rest));
    }
  });

  it("still refuses a bad prefix with the grammar's message", () => {
    const rest = "next-hop 192.0.2.1 med 8";
    parseCommand(`announce route 10.0.0.0/24 ${rest}`);
    for (const bad of ["10.0.0.300/24", "10.0.0.0/33", "1.2.3/24"]) {
      assert.throws(
        () => parseCommand(`announce route ${bad} ${rest}`),
        (e: unknown) =>
          e instanceof CommandError && e.message.includes(`a route expects a prefix`) &&
          e.message.includes(bad),
        bad,
      );
    }
  });

  it("still refuses an announce without a next hop", () => {
    parseCommand("withdraw route 10.0.0.0/24 med 9");
    assert.throws(() => parseCommand("announce route 10.0.1.0/24 med 9"), /needs a next-hop/);
  });

  it("keeps a quoted selector value apart from the route's words", () => {
    // The text before the prefix word holds a quote: such lines are parsed in full every time.
    const a = parseCommand(
      'neighbor 127.0.0.1 router-id "announce route 10.0.0.1" announce route 10.5.0.0/16 next-hop 192.0.2.1',
    );
    const b = parseCommand(
      'neighbor 127.0.0.1 router-id "announce route 10.0.0.2" announce route 10.5.0.0/16 next-hop 192.0.2.1',
    );
    assert.notDeepEqual(a.selector, b.selector);
    assert.deepEqual(
      (b as { routes: Route[] }).routes,
      (expected("", "announce", "10.5.0.0/16", "next-hop 192.0.2.1") as { routes: Route[] }).routes,
    );
  });
});
