/** The UPDATE body (RFC 4271 §4.3): field overruns, NLRI faults and missing mandatory attributes (RFC 7606). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BgpError } from "../../../lib/bgp/error.ts";
import { IPV6_UNICAST } from "../../../lib/bgp/family.ts";
import { decodeUpdate, encodeUpdate } from "../../../lib/bgp/message/update.ts";
import { nlriToString } from "../../../lib/bgp/nlri/prefix.ts";
import { DEFAULT_CONTEXT } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "./wire.ts";

const body = (hex: string) => fromHex(hex);
const ORIGIN = "400101 00", EMPTY_PATH = "400200", NEXT_HOP = "400304 0A000001";

describe("decodeUpdate", () => {
  // Conformance decoding vector ipv4-unicast-2: its JSON lists origin igp, as-sequence [43690 ×3], med 0,
  // local-preference 100, atomic-aggregate, aggregator 11141290:10.10.10.10.
  it("decodes decoding/ipv4-unicast-2 as its JSON says", () => {
    const message = fromHex(
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF004F02000000384001010040020E02030000AAAA0000AAAA0000AAAA" +
        "C0070800AA00AA0A0A0A0A4006004003040A0A0A0A8004040000000040050400000064",
    );
    const u = decodeUpdate(message.subarray(19), DEFAULT_CONTEXT);
    assert.deepEqual(u.attributes, [
      { code: 1, kind: "origin", value: 0 },
      { code: 2, kind: "as-path", segments: [{ type: 2, asns: [43690, 43690, 43690] }] },
      { code: 7, kind: "aggregator", asn: 11141290, address: "10.10.10.10" },
      { code: 6, kind: "atomic-aggregate" },
      { code: 3, kind: "next-hop", address: "10.10.10.10" },
      { code: 4, kind: "med", value: 0 },
      { code: 5, kind: "local-preference", value: 100 },
    ]);
    assert.deepEqual([u.withdrawn, u.announced, u.malformed], [[], [], undefined]);
    // encodeUpdate keeps the order given, so the odd order of this peer comes back unchanged.
    assert.equal(toHex(encodeUpdate(u, DEFAULT_CONTEXT)), toHex(message.subarray(19)));
  });

  it("decodes withdrawn routes and NLRI", () => {
    const u = decodeUpdate(
      body("0004 18 0A0001" + "0015" + ORIGIN + EMPTY_PATH + NEXT_HOP + "400504 00000064" + "08 0B"),
      DEFAULT_CONTEXT,
    );
    assert.deepEqual(u.withdrawn.map(nlriToString), ["10.0.1.0/24"]);
    assert.deepEqual(u.announced.map(nlriToString), ["11.0.0.0/8"]);
    assert.equal(u.malformed, undefined);
  });

  const fatal: readonly [string, string, number][] = [
    ["body shorter than the two length fields", "000000", 1],
    ["withdrawn routes length overrun", "0005 180A00 0000", 1],
    ["path attribute length overrun", "0000 0008 400101 00", 1],
    ["bad prefix length in the NLRI field (§5.3 → 3/10)", "0000 0000 21 0A000000 00", 10],
    ["NLRI field overrun", "0000 0000 18 0A00", 10],
    ["bad prefix length in the withdrawn field", "0002 2100 0000", 10],
  ];
  for (const [name, hex, subcode] of fatal) {
    it(`throws 3/${subcode}: ${name}`, () => {
      assert.throws(() => decodeUpdate(body(hex), DEFAULT_CONTEXT), (e: unknown) => {
        assert.ok(e instanceof BgpError);
        assert.deepEqual([e.code, e.subcode], [3, subcode]);
        return true;
      });
    });
  }
});

describe("RFC 7606 §3.d: missing well-known mandatory attributes", () => {
  const attrs = (hex: string) => {
    const b = fromHex(hex);
    return toHex(new Uint8Array([b.length >> 8, b.length & 0xff])) + hex;
  };
  const cases: readonly [string, string, number[]][] = [
    ["IPv4 NLRI without NEXT_HOP", "0000" + attrs(ORIGIN + EMPTY_PATH) + "080A", [3]],
    ["IPv4 NLRI without ORIGIN and AS_PATH", "0000" + attrs(NEXT_HOP) + "080A", [1, 2]],
    [
      "IPv4 NLRI with a malformed ORIGIN (also treat-as-withdraw)",
      "0000" + attrs("400101 07" + EMPTY_PATH + NEXT_HOP) + "080A",
      [1, 1],
    ],
    [
      "MP_REACH_NLRI without ORIGIN (no NEXT_HOP needed)",
      "0000" + attrs(EMPTY_PATH + "800E1A 0002 01 10 20010DB8000000000000000000000001 00 20 20010DB8"),
      [1],
    ],
    ["a withdraw needs nothing", "0002 080A 0000", []],
    ["an MP withdraw needs nothing", "0000" + attrs("800F08 000201 20 20010DB8"), []],
    ["an End-of-RIB needs nothing", "0000 0007 900F0003000201", []],
  ];
  for (const [name, hex, codes] of cases) {
    it(name, () => {
      const u = decodeUpdate(body(hex), DEFAULT_CONTEXT);
      assert.deepEqual(u.malformed?.map((m) => m.code) ?? [], codes);
      assert.ok((u.malformed ?? []).every((m) => m.action === "treat-as-withdraw"));
    });
  }

  it("keeps the NLRI of a treat-as-withdraw UPDATE so that they can be withdrawn", () => {
    const u = decodeUpdate(
      body(
        "0000" +
          attrs(
            ORIGIN + EMPTY_PATH + "800E1A 0002 01 10 20010DB8000000000000000000000001 00 20 20010DB8" +
              "C00803 000000",
          ),
      ),
      DEFAULT_CONTEXT,
    );
    assert.deepEqual(u.malformed?.map((m) => [m.action, m.code]), [["treat-as-withdraw", 8]]);
    const reach = u.attributes.find((a) => a.kind === "mp-reach");
    assert.ok(reach && reach.kind === "mp-reach" && reach.family === IPV6_UNICAST);
    assert.deepEqual(reach.nlri.map(nlriToString), ["2001:db8::/32"]);
  });
});
