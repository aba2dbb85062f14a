/**
 * iBGP/eBGP attribute defaults, checked against the conformance bytes: the routes of conf-ebgp, conf-template
 * and conf-group-limit built by hand, through an Adj-RIB-Out, compared with the .msg `raw:` lines.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AdjRibOut } from "../../lib/rib/adj_rib_out.ts";
import { outgoingPathAttributes, prependAs, resolveNextHop } from "../../lib/rib/outgoing_attributes.ts";
import { drain, negotiated, raw, route, sorted } from "./helpers.ts";

describe("outgoing attributes", () => {
  it("conf-ebgp: eBGP prepends the local AS, drops LOCAL_PREF, adds ORIGIN igp", () => {
    // local-as 65533, peer-as 65000; `unicast 10.0.0.0/24 next-hop 10.0.1.254 local-preference 200;`
    const rib = new AdjRibOut({ localAs: 65533, peerAs: 65000, localAddress: "127.0.0.1" });
    rib.announce(route("10.0.0.0/24", "10.0.1.254", [{ code: 5, kind: "local-preference", value: 200 }]));
    rib.start(negotiated());
    assert.deepEqual(
      drain(rib),
      [
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002F:02:000000144001010040020602010000FFFD4003040A0001FE180A0000",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
      ].map(raw),
    );
  });

  it("the session's real ASNs (Negotiated) decide iBGP or eBGP over the configured ones", () => {
    const rib = new AdjRibOut({ localAs: 65533, peerAs: 65533, localAddress: "127.0.0.1" });
    rib.announce(route("10.0.0.0/24", "10.0.1.254", [{ code: 5, kind: "local-preference", value: 200 }]));
    rib.start(negotiated(undefined, { localAs: 65533, peerAs: 65000 }));
    assert.equal(
      drain(rib)[0],
      raw(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002F:02:000000144001010040020602010000FFFD4003040A0001FE180A0000",
      ),
    );
  });

  it("conf-template: iBGP adds ORIGIN igp, empty AS_PATH, LOCAL_PREF 100; group-updates false", () => {
    const rib = new AdjRibOut({
      localAs: 65533,
      peerAs: 65533,
      localAddress: "127.0.0.1",
      groupUpdates: false,
    });
    rib.announce(route("1.0.0.0/8", "1.1.1.1"));
    rib.announce(route("2.0.0.0/8", "1.1.1.1"));
    rib.announce(route("3.0.0.0/8", "1.2.3.4"));
    rib.announce(route("4.0.0.0/8", "2.2.2.2"));
    rib.start(negotiated());
    assert.deepEqual(
      sorted(drain(rib)),
      sorted([
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030401010101400504000000640801",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030401010101400504000000640802",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030401020304400504000000640803",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030402020202400504000000640804",
      ].map(raw)),
    );
  });

  it("eBGP without 4-octet AS (RFC 6793 §4.2.2): the local AS on two octets", () => {
    const rib = new AdjRibOut({ localAs: 65533, peerAs: 65000 });
    rib.announce(route("10.0.0.0/24", "10.0.1.254"));
    rib.start(negotiated(undefined, { asn4: false }));
    const [update] = drain(rib);
    assert.ok(update.includes("40020402" + "01FFFD"), update); // AS_PATH: AS_SEQUENCE, 1 ASN, 0xFFFD
  });

  it("prependAs joins the leading AS_SEQUENCE, or starts one before an AS_SET", () => {
    assert.deepEqual(prependAs([{ type: 2, asns: [2, 3] }], 1), [{ type: 2, asns: [1, 2, 3] }]);
    assert.deepEqual(prependAs([{ type: 1, asns: [2, 3] }], 1), [{ type: 2, asns: [1] }, {
      type: 1,
      asns: [2, 3],
    }]);
    assert.deepEqual(prependAs([], 7), [{ type: 2, asns: [7] }]);
    const full = { type: 2, asns: Array.from({ length: 255 }, (_, i) => i + 1) };
    assert.equal(prependAs([full], 9).length, 2, "a full segment (255 ASNs) is not extended");
  });

  it("iBGP keeps what is given: a configured ORIGIN and LOCAL_PREF are not replaced", () => {
    const out = outgoingPathAttributes([
      { code: 1, kind: "origin", value: 2 },
      { code: 5, kind: "local-preference", value: 50 },
    ], { localAs: 1, peerAs: 1 });
    assert.deepEqual(out.map((a) => a.kind).sort(), ["as-path", "local-preference", "origin"]);
    assert.deepEqual(out.find((a) => a.kind === "origin"), { code: 1, kind: "origin", value: 2 });
    assert.deepEqual(out.find((a) => a.kind === "local-preference"), {
      code: 5,
      kind: "local-preference",
      value: 50,
    });
  });

  it("next-hop self is the session's local address; without one it is an error", () => {
    assert.equal(
      resolveNextHop({ kind: "self" }, { localAs: 1, peerAs: 1, localAddress: "127.0.0.1" }),
      "127.0.0.1",
    );
    assert.throws(() => resolveNextHop({ kind: "self" }, { localAs: 1, peerAs: 1 }));
    assert.equal(resolveNextHop({ kind: "none" }, { localAs: 1, peerAs: 1 }), undefined);
  });
});
