/** RFC 6793 §4.2.3: rebuilding the path from AS_PATH (2-octet, with AS_TRANS) and AS4_PATH. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { as4PathFor, mergeAs4Path, needsAs4Path } from "../../../lib/bgp/attribute/as_path.ts";
import { decodeAttributes } from "../../../lib/bgp/attribute/codec.ts";
import type { AsPathSegment } from "../../../lib/bgp/types.ts";
import { DEFAULT_CONTEXT } from "../../../lib/bgp/types.ts";
import { fromHex } from "../update/wire.ts";

const seq = (...asns: number[]): AsPathSegment => ({ type: 2, asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 1, asns });
const confed = (...asns: number[]): AsPathSegment => ({ type: 3, asns });
const T = 23456; // AS_TRANS

describe("mergeAs4Path", () => {
  const cases: readonly [string, AsPathSegment[], AsPathSegment[], AsPathSegment[]][] = [
    ["same length: AS4_PATH replaces it", [seq(T, 200)], [seq(70000, 200)], [seq(70000, 200)]],
    [
      "OLD speakers prepended ASNs: they stay in front",
      [seq(100, 300, T, 200)],
      [seq(70000, 200)],
      [seq(100, 300), seq(70000, 200)],
    ],
    ["an AS_SET counts as one", [seq(100), set(T, 5)], [set(70000, 5)], [seq(100), set(70000, 5)]],
    ["confederation segments count zero and stay", [confed(65001), seq(100, T)], [seq(70000)], [
      confed(65001),
      seq(100),
      seq(70000),
    ]],
    ["AS4_PATH longer than AS_PATH: ignored", [seq(T)], [seq(70000, 80000)], [seq(T)]],
    ["confederation segments of AS4_PATH are dropped", [seq(T)], [confed(1), seq(70000)], [seq(70000)]],
  ];
  for (const [name, asPath, as4Path, expected] of cases) {
    it(name, () => assert.deepEqual(mergeAs4Path(asPath, as4Path), expected));
  }
});

describe("AS4 helpers", () => {
  it("needsAs4Path only for ASNs above 65535", () => {
    assert.equal(needsAs4Path([seq(65535, 1)]), false);
    assert.equal(needsAs4Path([seq(1), set(65536)]), true);
  });

  it("as4PathFor leaves confederation segments out (RFC 6793 §4.2.2)", () => {
    assert.deepEqual(as4PathFor([confed(65001), seq(70000)]).segments, [seq(70000)]);
  });
});

describe("decodeAttributes on a 2-octet session", () => {
  const old = { ...DEFAULT_CONTEXT, asn4: false };

  it("merges AS4_PATH and AS4_AGGREGATOR and drops them", () => {
    // AS_PATH [100 AS_TRANS], AGGREGATOR AS_TRANS 10.0.0.1, AS4_PATH [70000], AS4_AGGREGATOR 70000 10.0.0.1.
    const hex = "400206 0202 0064 5BA0" + "C00706 5BA0 0A000001" + "C01106 0201 00011170" +
      "C01208 00011170 0A000001";
    const { attributes } = decodeAttributes(fromHex(hex), old);
    assert.deepEqual(attributes, [
      { code: 2, kind: "as-path", segments: [seq(100), seq(70000)] },
      { code: 7, kind: "aggregator", asn: 70000, address: "10.0.0.1" },
    ]);
  });

  it("ignores the AS4 attributes when AGGREGATOR holds a real AS (§4.2.3)", () => {
    const hex = "400204 0201 5BA0" + "C00706 0064 0A000001" + "C01106 0201 00011170" +
      "C01208 00011170 0A000001";
    const { attributes } = decodeAttributes(fromHex(hex), old);
    assert.deepEqual(attributes, [
      { code: 2, kind: "as-path", segments: [seq(T)] },
      { code: 7, kind: "aggregator", asn: 100, address: "10.0.0.1" },
    ]);
  });

  it("keeps AS4_PATH as received on a 4-octet session", () => {
    const { attributes } = decodeAttributes(
      fromHex("400206 0201 00011170" + "C01106 0201 00011170"),
      DEFAULT_CONTEXT,
    );
    assert.deepEqual(attributes.map((a) => a.kind), ["as-path", "as4-path"]);
  });
});
