import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  matchSelector,
  neighborName,
  parseSelector,
  type Selector,
  SelectorError,
} from "../../../lib/api/selector.ts";
import { tokenize } from "../../../lib/config/tokenizer.ts";
import { familyKey } from "../../../lib/bgp/family.ts";

const words = (line: string) => tokenize(line).map((t) => t.text);

/** The peer of etc/api-multisession.conf and etc/api-multi-neighbor.conf (router-id 1.2.3.4, AS 1 ↔ 1). */
const PEER = {
  peerAddress: "127.0.0.1",
  localAddress: "127.0.0.1",
  localAs: 1,
  peerAs: 1,
  routerId: "1.2.3.4",
};
const SINGLE = neighborName(PEER);
const MULTI = neighborName({ ...PEER, multiSession: true, families: [familyKey(1, 1)] });

function sel(line: string): Selector {
  const { selector } = parseSelector(tokenize(line));
  assert.ok(selector, `no selector in '${line}'`);
  return selector;
}

describe("neighborName (ExaBGP Neighbor.name())", () => {
  it("writes every key, in-open without multi-session", () => {
    assert.equal(
      SINGLE,
      "neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 1 peer-as 1 router-id 1.2.3.4 family-allowed in-open",
    );
  });
  it("lists the families joined by '/' with multi-session", () => {
    assert.equal(
      neighborName({
        ...PEER,
        multiSession: true,
        families: [familyKey(1, 1), familyKey(2, 1), familyKey(1, 133)],
      }),
      "neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 1 peer-as 1 router-id 1.2.3.4 family-allowed " +
        "ipv4-unicast/ipv6-unicast/ipv4-flow",
    );
  });
  it("writes auto for an unset local address and AS numbers", () => {
    assert.equal(
      neighborName({ peerAddress: "::1", localAddress: "auto", routerId: "10.0.0.1" }),
      "neighbor ::1 local-ip auto local-as auto peer-as auto router-id 10.0.0.1 family-allowed in-open",
    );
    assert.equal(
      neighborName({ peerAddress: "127.0.0.2", peerAs: "auto", localAs: 65000, routerId: "1.1.1.1" }),
      "neighbor 127.0.0.2 local-ip auto local-as 65000 peer-as auto router-id 1.1.1.1 family-allowed in-open",
    );
  });
});

describe("parseSelector", () => {
  it("returns the tokens unchanged when the line has no selector", () => {
    const tokens = tokenize("announce route 1.0.0.0/24 next-hop 1.1.1.1");
    const r = parseSelector(tokens);
    assert.equal(r.selector, undefined);
    assert.equal(r.rest, tokens);
  });
  it("reads key value pairs up to the command", () => {
    const r = parseSelector(
      tokenize(
        "neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.3.0.0/24",
      ),
    );
    assert.deepEqual(r.selector, {
      descriptions: [[
        "neighbor 127.0.0.1",
        "local-as 1",
        "peer-as 1",
        "local-ip 127.0.0.1",
        "router-id 1.2.3.4",
      ]],
    });
    assert.deepEqual(r.rest.map((t) => t.text), ["announce", "route", "1.3.0.0/24"]);
  });
  it("splits comma-separated descriptions, the comma attached to a word or not", () => {
    const expected = [["neighbor 127.0.0.1", "router-id 1.2.3.4"], ["neighbor 127.0.0.2"]];
    for (
      const line of [
        "neighbor 127.0.0.1 router-id 1.2.3.4, neighbor 127.0.0.2 teardown 4",
        "neighbor 127.0.0.1 router-id 1.2.3.4 , neighbor 127.0.0.2 teardown 4",
      ]
    ) {
      const r = parseSelector(tokenize(line));
      assert.deepEqual(r.selector?.descriptions, expected);
      assert.deepEqual(r.rest.map((t) => t.text), ["teardown", "4"]);
    }
  });
  it("keeps family-allowed and the * wildcard", () => {
    assert.deepEqual(sel("neighbor 127.0.0.1 local-as 1 family-allowed ipv4-unicast announce").descriptions, [
      ["neighbor 127.0.0.1", "local-as 1", "family-allowed ipv4-unicast"],
    ]);
    assert.deepEqual(sel("neighbor * announce route").descriptions, [["neighbor *"]]);
  });
  it("rejects a comma not followed by a neighbor and a key without value", () => {
    assert.throws(() => parseSelector(tokenize("neighbor 1.1.1.1 , local-as 1 teardown 4")), SelectorError);
    assert.throws(() => parseSelector(tokenize("neighbor")), /'neighbor' expects a value/);
    assert.throws(() => parseSelector(tokenize("neighbor 1.1.1.1 local-as")), /'local-as' expects a value/);
  });
});

describe("matchSelector (ExaBGP limit.py semantics)", () => {
  it("no selector matches every peer", () => {
    assert.equal(matchSelector(undefined, SINGLE), true);
  });
  it("AND inside a description (transcript api-multisession)", () => {
    // The multi-session peer: "family-allowed ipv4-unicast" matches, "family-allowed in-open" does not.
    assert.equal(
      matchSelector(sel("neighbor 127.0.0.1 local-as 1 family-allowed ipv4-unicast x"), MULTI),
      true,
    );
    assert.equal(matchSelector(sel("neighbor 127.0.0.1 local-as 1 family-allowed in-open x"), MULTI), false);
    assert.equal(
      matchSelector(
        sel("neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 x"),
        MULTI,
      ),
      true,
    );
    assert.equal(matchSelector(sel("neighbor 127.0.0.1 local-as 2 peer-as 3 x"), SINGLE), false);
    assert.equal(matchSelector(sel("neighbor absentone local-as 1 x"), SINGLE), false);
  });
  it("pairs must be whole words", () => {
    assert.equal(
      matchSelector(sel("neighbor 127.0.0.1 x"), neighborName({ ...PEER, peerAddress: "127.0.0.10" })),
      false,
    );
    assert.equal(
      matchSelector(sel("neighbor 127.0.0.1 peer-as 1 x"), neighborName({ ...PEER, peerAs: 10 })),
      false,
    );
    assert.equal(
      matchSelector(sel("neighbor 127.0.0.1 peer-as 10 x"), neighborName({ ...PEER, peerAs: 10 })),
      true,
    );
    assert.equal(matchSelector(sel("neighbor 27.0.0.1 x"), SINGLE), false);
  });
  it("OR across commas", () => {
    const s = sel("neighbor 127.0.0.9, neighbor 127.0.0.1 router-id 1.2.3.4 x");
    assert.equal(matchSelector(s, SINGLE), true);
    assert.equal(matchSelector(s, neighborName({ ...PEER, peerAddress: "127.0.0.9" })), true);
    assert.equal(matchSelector(s, neighborName({ ...PEER, peerAddress: "127.0.0.8" })), false);
    assert.equal(
      matchSelector(sel("neighbor 127.0.0.1 router-id 9.9.9.9, neighbor 127.0.0.2 x"), SINGLE),
      false,
    );
  });
  it("* matches every peer", () => {
    assert.equal(matchSelector(sel("neighbor * x"), SINGLE), true);
    assert.equal(
      matchSelector(sel("neighbor * x"), neighborName({ peerAddress: "::1", routerId: "1.1.1.1" })),
      true,
    );
  });
  it("local-ip auto selects peers without a configured local address", () => {
    const auto = neighborName({ ...PEER, localAddress: "auto" });
    assert.equal(matchSelector(sel("neighbor 127.0.0.1 local-ip auto x"), auto), true);
    assert.equal(matchSelector(sel("neighbor 127.0.0.1 local-ip auto x"), SINGLE), false);
    assert.equal(matchSelector(sel("neighbor 127.0.0.1 local-ip 127.0.0.1 x"), auto), false);
  });
  it("the selector words survive the API tokenizer unchanged", () => {
    assert.deepEqual(words("neighbor ::1 local-ip ::2 x"), ["neighbor", "::1", "local-ip", "::2", "x"]);
    assert.equal(
      matchSelector(
        sel("neighbor ::1 local-ip ::2 x"),
        neighborName({ peerAddress: "::1", localAddress: "::2" }),
      ),
      true,
    );
  });
});
