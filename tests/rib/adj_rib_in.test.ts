/** Adj-RIB-In: announces, withdraws (IPv4 and MP), RFC 7606 treat-as-withdraw, compact storage. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { nlriToString, prefixNlri } from "../../lib/bgp/nlri/prefix.ts";
import type { Attribute, UpdateMessage } from "../../lib/bgp/types.ts";
import { AdjRibIn } from "../../lib/rib/adj_rib_in.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { DEFAULT_CONTEXT } from "../../lib/bgp/types.ts";
import { fromHex } from "./helpers.ts";

const origin: Attribute = { code: 1, kind: "origin", value: 0 };
const asPath: Attribute = { code: 2, kind: "as-path", segments: [{ type: 2, asns: [65000] }] };
const nextHop = (address: string): Attribute => ({ code: 3, kind: "next-hop", address });

function update(parts: Partial<UpdateMessage>): UpdateMessage {
  return { type: "update", withdrawn: [], attributes: [], announced: [], ...parts };
}

const text = (rib: AdjRibIn) =>
  [...rib.routes()].map((r) =>
    `${r.nlri.family}:${nlriToString(r.nlri)} ${r.nextHop.kind === "ip" ? r.nextHop.address : r.nextHop.kind}`
  ).sort();

describe("AdjRibIn", () => {
  it("stores announced IPv4 routes with one shared attribute set, and withdraws them", () => {
    const rib = new AdjRibIn();
    rib.apply(update({
      attributes: [origin, asPath, nextHop("192.0.2.1")],
      announced: [prefixNlri("10.0.0.0/8"), prefixNlri("10.1.0.0/16"), prefixNlri("10.2.0.0/16")],
    }));
    assert.equal(rib.size, 3);
    assert.equal(rib.store.size, 1);
    const r = [...rib.routes()][0];
    assert.deepEqual(r.nextHop, { kind: "ip", address: "192.0.2.1" });
    assert.deepEqual(r.attributes, [origin, asPath]);
    rib.apply(update({ withdrawn: [prefixNlri("10.1.0.0/16")] }));
    assert.deepEqual(text(rib), [
      `${IPV4_UNICAST}:10.0.0.0/8 192.0.2.1`,
      `${IPV4_UNICAST}:10.2.0.0/16 192.0.2.1`,
    ]);
  });

  it("MP_REACH and MP_UNREACH routes (RFC 4760), the next hop from MP_REACH", () => {
    const rib = new AdjRibIn();
    const v6 = prefixNlri("2001:db8::/32");
    rib.apply(update({
      attributes: [origin, asPath, {
        code: 14,
        kind: "mp-reach",
        family: IPV6_UNICAST,
        nextHops: ["2001:db8::1", "fe80::1"],
        nlri: [v6, prefixNlri("2001:db8:1::/48")],
      }],
    }));
    assert.equal(rib.size, 2);
    assert.deepEqual([...rib.routes()][0].nextHop, { kind: "ip", address: "2001:db8::1" });
    rib.apply(update({ attributes: [{ code: 15, kind: "mp-unreach", family: IPV6_UNICAST, nlri: [v6] }] }));
    assert.equal(rib.size, 1);
  });

  it("a new announce of the same prefix replaces the old one and frees its attribute set", () => {
    const rib = new AdjRibIn();
    rib.apply(update({ attributes: [origin, nextHop("192.0.2.1")], announced: [prefixNlri("10.0.0.0/8")] }));
    rib.apply(update({ attributes: [origin, nextHop("192.0.2.2")], announced: [prefixNlri("10.0.0.0/8")] }));
    assert.equal(rib.size, 1);
    assert.equal(rib.store.size, 1);
    assert.deepEqual(text(rib), [`${IPV4_UNICAST}:10.0.0.0/8 192.0.2.2`]);
  });

  it("RFC 7606 treat-as-withdraw: every NLRI of the message is withdrawn, announced ones included", () => {
    const rib = new AdjRibIn();
    rib.apply(update({
      attributes: [origin, nextHop("192.0.2.1")],
      announced: [prefixNlri("10.0.0.0/8"), prefixNlri("10.1.0.0/16")],
    }));
    rib.apply(update({
      attributes: [origin, nextHop("192.0.2.1")],
      announced: [prefixNlri("10.0.0.0/8"), prefixNlri("10.9.0.0/16")],
      malformed: [{ action: "treat-as-withdraw", code: 2, reason: "AS_PATH malformed" }],
    }));
    assert.deepEqual(text(rib), [`${IPV4_UNICAST}:10.1.0.0/16 192.0.2.1`]);
  });

  it("attribute-discard alone still installs the routes", () => {
    const rib = new AdjRibIn();
    rib.apply(update({
      attributes: [origin, nextHop("192.0.2.1")],
      announced: [prefixNlri("10.0.0.0/8")],
      malformed: [{ action: "attribute-discard", code: 7, reason: "AGGREGATOR malformed" }],
    }));
    assert.equal(rib.size, 1);
  });

  it("ADD-PATH routes with different path ids are distinct", () => {
    const rib = new AdjRibIn();
    rib.apply(update({
      attributes: [origin, nextHop("192.0.2.1")],
      announced: [prefixNlri("10.0.0.0/8", IPV4_UNICAST, 1), prefixNlri("10.0.0.0/8", IPV4_UNICAST, 2)],
    }));
    assert.equal(rib.size, 2);
    assert.deepEqual([...rib.routes()].map((r) => r.nlri.pathId).sort(), [1, 2]);
  });

  it("a labeled route is withdrawn by its prefix and RD whatever label the withdraw carries (RFC 8277 §2.4)", () => {
    const rib = new AdjRibIn();
    // The UPDATE ExaBGP sent in api-vpnv4: 1.4.0.0/16, label 1000, RD 65000:1, next hop 101.1.101.1.
    rib.apply(decodeUpdate(
      fromHex(
        "00000049400101004002004003046501650140050400000064C0080400640001C010080002FDE900000001" +
          "800E1F0001800C0000000000000000650165010068003E810000FDE8000000010104",
      ),
      DEFAULT_CONTEXT,
    ));
    assert.deepEqual(text(rib), [`${(1 << 8) | 128}:1.4.0.0/16 label 1000 rd 65000:1 101.1.101.1`]);
    // MP_UNREACH_NLRI with the RFC 3107 withdraw label 0x800000 in place of 1000.
    rib.apply(
      decodeUpdate(fromHex("00000014800F1100018068800000" + "0000FDE800000001" + "0104"), DEFAULT_CONTEXT),
    );
    assert.equal(rib.size, 0);
    assert.equal(rib.store.size, 0);
  });

  it("clear empties it and frees the attribute sets", () => {
    const rib = new AdjRibIn();
    rib.apply(update({ attributes: [origin, nextHop("192.0.2.1")], announced: [prefixNlri("10.0.0.0/8")] }));
    rib.clear();
    assert.equal(rib.size, 0);
    assert.equal(rib.store.size, 0);
    assert.deepEqual([...rib.routes()], []);
  });
});
