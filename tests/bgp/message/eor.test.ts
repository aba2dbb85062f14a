import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { familyKey, IPV4_UNICAST } from "../../../lib/bgp/family.ts";
import { encodeEor, eorFamilyOfBody, isEor } from "../../../lib/bgp/message/eor.ts";
import type { UpdateMessage } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "./hex.ts";

const M = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

describe("End-of-RIB (RFC 4724 §2)", () => {
  it("IPv4 unicast is the 23-byte empty UPDATE", () => {
    assert.equal(toHex(encodeEor(IPV4_UNICAST)), M + "0017" + "02" + "00000000");
  });

  // Every MP End-of-RIB the conformance suite expects, as `<afi><safi>`.
  const MP = [
    "000104",
    "000105",
    "000155",
    "000180",
    "000185",
    "000201",
    "000205",
    "000255",
    "000280",
    "001941",
  ];
  for (const tail of MP) {
    it(`MP form for ${tail} has the extended-length flag`, () => {
      const family = familyKey(parseInt(tail.slice(0, 4), 16), parseInt(tail.slice(4), 16));
      const bytes = encodeEor(family);
      assert.equal(toHex(bytes), M + "001E" + "02" + "00000007900F0003" + tail);
      assert.equal(eorFamilyOfBody(bytes.subarray(19)), family);
    });
  }

  it("recognises decoded End-of-RIB UPDATEs", () => {
    const empty: UpdateMessage = { type: "update", withdrawn: [], attributes: [], announced: [] };
    assert.equal(isEor(empty), IPV4_UNICAST);
    const mp: UpdateMessage = {
      ...empty,
      attributes: [{ code: 15, kind: "mp-unreach", family: familyKey(2, 1), nlri: [] }],
    };
    assert.equal(isEor(mp), familyKey(2, 1));
  });

  it("does not take an UPDATE with routes or other attributes for an End-of-RIB", () => {
    const prefix = {
      kind: "prefix" as const,
      family: familyKey(2, 1),
      length: 32,
      bytes: fromHex("20010DB8"),
    };
    const withdraw: UpdateMessage = {
      type: "update",
      withdrawn: [],
      attributes: [{ code: 15, kind: "mp-unreach", family: familyKey(2, 1), nlri: [prefix] }],
      announced: [],
    };
    assert.equal(isEor(withdraw), undefined);
    const withOrigin: UpdateMessage = {
      type: "update",
      withdrawn: [],
      attributes: [{ code: 1, kind: "origin", value: 0 }],
      announced: [],
    };
    assert.equal(isEor(withOrigin), undefined);
    const v4 = { kind: "prefix" as const, family: IPV4_UNICAST, length: 8, bytes: fromHex("0A") };
    assert.equal(isEor({ type: "update", withdrawn: [v4], attributes: [], announced: [] }), undefined);
  });

  it("reads the family from body bytes, with or without the extended-length flag", () => {
    assert.equal(eorFamilyOfBody(fromHex("00000000")), IPV4_UNICAST);
    assert.equal(eorFamilyOfBody(fromHex("00000006800F03000201")), familyKey(2, 1));
    assert.equal(eorFamilyOfBody(fromHex("00000008800F050002011020")), undefined); // a withdrawn route
    assert.equal(eorFamilyOfBody(fromHex("0000000740010100")), undefined);
  });
});
