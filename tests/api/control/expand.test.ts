/** ExaBGP's CLI abbreviations (reference §7 `exabgp cli`), expanded before the command is sent. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { expandCommand } from "../../../lib/tools/cli_client.ts";

const words = (s: string) => s.split(" ");

describe("expandCommand", () => {
  // The examples named in ExaBGP's documentation of `exabgp cli`.
  const table: [string, string][] = [
    ["s n s", "show neighbor summary"],
    ["s a o e", "show adj-rib out extensive"],
    ["s a i", "show adj-rib in"],
    ["a r 10.0.0.0/24 next-hop 192.0.2.1", "announce route 10.0.0.0/24 next-hop 192.0.2.1"],
    ["w r 10.0.0.0/24", "withdraw route 10.0.0.0/24"],
    ["f a o", "flush adj-rib out"],
    ["t 2", "teardown 2"],
    ["a e", "announce eor"],
    ["a rr ipv4 unicast", "announce route-refresh ipv4 unicast"],
    ["a w dns", "announce watchdog dns"],
    ["w w dns", "withdraw watchdog dns"],
    ["a a next-hop 192.0.2.1 nlri 10.0.0.0/24", "announce attributes next-hop 192.0.2.1 nlri 10.0.0.0/24"],
    ["a f r destination 10.0.0.1/32 discard", "announce flow route destination 10.0.0.1/32 discard"],
    ["s n c", "show neighbor configuration"],
    ["s n e", "show neighbor extensive"],
    ["h", "help"],
    ["sh nei sum", "show neighbor summary"],
    ["show neighbour summary", "show neighbor summary"],
    ["show neigbor 127.0.0.1 summary", "show neighbor 127.0.0.1 summary"],
  ];
  for (const [short, long] of table) {
    it(`${short} → ${long}`, () => assert.equal(expandCommand(words(short)), long));
  }

  it("leaves full commands alone", () => {
    for (
      const full of [
        "show neighbor summary",
        "show adj-rib out extensive",
        "announce route 1.0.0.0/24 next-hop 127.0.0.1 community [ 65000:1 ] as-path [ 1 2 ]",
        "clear adj-rib out",
        "version",
        "shutdown",
      ]
    ) assert.equal(expandCommand(words(full)), full);
  });

  it("expands the command after a neighbor selector, not the selector itself", () => {
    assert.equal(
      expandCommand(words("neighbour 127.0.0.1 peer-as 65001 a r 10.0.0.0/24 next-hop self")),
      "neighbor 127.0.0.1 peer-as 65001 announce route 10.0.0.0/24 next-hop self",
    );
    assert.equal(
      expandCommand(words("n 127.0.0.1 , n 127.0.0.2 t 6")),
      "neighbor 127.0.0.1 , neighbor 127.0.0.2 teardown 6",
    );
    assert.equal(expandCommand(words("n 127.0.0.1 f a o")), "neighbor 127.0.0.1 flush adj-rib out");
  });

  it("passes route attributes and names through untouched", () => {
    // `s` and `c` would otherwise become summary / configuration.
    assert.equal(expandCommand(words("a w s")), "announce watchdog s");
    assert.equal(
      expandCommand(words("a r 10.0.0.0/24 next-hop 127.0.0.1 s c")),
      "announce route 10.0.0.0/24 next-hop 127.0.0.1 s c",
    );
  });

  it("accepts the command as one quoted word", () => {
    assert.equal(expandCommand(["s n s"]), "show neighbor summary");
    assert.equal(expandCommand([]), "");
  });
});
