/** The NLRI table by family: registered IP families, raw NLRI for the others, and the RIB key. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../../lib/bgp/family.ts";
import { decodeNlri, encodeNlri, nlriKey, registerNlriCodec } from "../../../lib/bgp/nlri/codec.ts";
import { prefixNlri } from "../../../lib/bgp/nlri/prefix.ts";
import { DEFAULT_CONTEXT, type Nlri } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "../update/wire.ts";

/** An unassigned SAFI: no codec (FlowSpec, used here before, has its own now). */
const UNKNOWN = familyKey(1, 200);

describe("decodeNlri / encodeNlri", () => {
  it("round-trips the four IP families", () => {
    for (
      const [family, hex] of [
        [IPV4_UNICAST, "180A0001200A00000A"],
        [familyKey(1, 2), "18E00001"],
        [IPV6_UNICAST, "802A046D80000000000000000000000001"],
        [familyKey(2, 2), "10FF02"],
      ] as const
    ) {
      const list = decodeNlri(family, fromHex(hex), DEFAULT_CONTEXT);
      assert.ok(list.every((n) => n.kind === "prefix" && n.family === family));
      assert.equal(list.map((n) => toHex(encodeNlri(n, DEFAULT_CONTEXT))).join(""), hex);
    }
  });

  it("keeps an unknown family's bytes as one raw NLRI, re-sent verbatim (api-flow bytes)", () => {
    const bytes = fromHex("0120AAAAAAAA0220AAAAAAAA");
    const list = decodeNlri(UNKNOWN, bytes, DEFAULT_CONTEXT);
    assert.deepEqual(list, [{ kind: "raw", family: UNKNOWN, bytes }]);
    assert.equal(toHex(encodeNlri(list[0], DEFAULT_CONTEXT)), toHex(bytes));
    assert.deepEqual(decodeNlri(UNKNOWN, new Uint8Array(0), DEFAULT_CONTEXT), []);
  });

  it("adds the path id when the session sends ADD-PATH for the family", () => {
    const ctx = { ...DEFAULT_CONTEXT, addPath: new Set([IPV6_UNICAST]) };
    assert.equal(toHex(encodeNlri(prefixNlri("2001:db8::/32", IPV6_UNICAST, 7), ctx)), "000000072020010DB8");
    assert.equal(toHex(encodeNlri(prefixNlri("10.0.0.0/8", IPV4_UNICAST, 7), ctx)), "080A");
  });

  it("lets a later family register its codec", () => {
    const family = familyKey(1, 250);
    registerNlriCodec(family, {
      decode: (fam, bytes) =>
        Array.from(bytes, (b): Nlri => ({ kind: "raw", family: fam, bytes: new Uint8Array([b]) })),
      wireLength: () => 1,
      write: (n, _addPath, out, offset) => {
        out[offset] = (n as { bytes: Uint8Array }).bytes[0];
        return offset + 1;
      },
    });
    assert.equal(decodeNlri(family, fromHex("010203"), DEFAULT_CONTEXT).length, 3);
  });
});

describe("nlriKey", () => {
  const keys = [
    prefixNlri("10.0.0.0/8"),
    prefixNlri("10.0.0.0/16"), // same first octet, other length
    prefixNlri("10.0.0.0/8", familyKey(1, 2)), // other family
    prefixNlri("10.0.0.0/8", IPV4_UNICAST, 1), // path id
    prefixNlri("10.0.0.0/8", IPV4_UNICAST, 0x10000), // path id beyond 16 bits
    prefixNlri("0.0.0.0/0"),
    prefixNlri("::/0"),
    { kind: "raw", family: UNKNOWN, bytes: fromHex("0120AAAAAAAA") } as Nlri,
  ].map(nlriKey);

  it("differs whenever family, path id, length or bytes differ", () => {
    assert.equal(new Set(keys).size, keys.length);
  });

  it("is equal for equal NLRI decoded separately", () => {
    const [a] = decodeNlri(IPV4_UNICAST, fromHex("080A"), DEFAULT_CONTEXT);
    assert.equal(nlriKey(a), keys[0]);
  });
});
