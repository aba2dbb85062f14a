/** The RIB's compact NLRI form: keys equal to codec.ts `nlriKey`, rebuilt NLRI, and wire bytes from keys. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { encodeNlri, nlriKey } from "../../lib/bgp/nlri/codec.ts";
import { prefixNlri } from "../../lib/bgp/nlri/prefix.ts";
import type { Nlri } from "../../lib/bgp/types.ts";
import { nlriFromKey, routeKey } from "../../lib/rib/nlri_key.ts";
import { keyWireLength, writeKeyNlri } from "../../lib/rib/update_packer.ts";

const samples: Nlri[] = [
  prefixNlri("0.0.0.0/0"),
  prefixNlri("10.0.0.0/8"),
  prefixNlri("192.168.0.1/32"),
  prefixNlri("1.1.0.0/25"),
  prefixNlri("10.0.0.0/8", IPV4_UNICAST, 7),
  prefixNlri("10.0.0.0/8", IPV4_UNICAST, 0xfffffffe),
  prefixNlri("2001:db8::/32"),
  prefixNlri("2a02:b80:0:1::1/128"),
  prefixNlri("2001:db8::/48", IPV6_UNICAST, 3),
  prefixNlri("224.0.0.0/4", familyKey(1, 2)),
  // A family without a codec (SAFI 200 is unassigned): kept raw.
  { kind: "raw", family: familyKey(1, 200), bytes: new Uint8Array([5, 0x01, 0x18, 10, 0, 0]) },
];

describe("NLRI keys", () => {
  it("routeKey is nlriKey (one format for the whole code base)", () => {
    for (const n of samples) assert.equal(routeKey(n), nlriKey(n));
  });

  it("nlriFromKey rebuilds the NLRI", () => {
    for (const n of samples) {
      const back = nlriFromKey(routeKey(n));
      assert.equal(back.family, n.family);
      assert.equal(back.pathId, n.pathId);
      assert.deepEqual([...back.bytes], [...n.bytes]);
      if (n.kind === "prefix") assert.equal(back.kind === "prefix" && back.length, n.length);
    }
  });

  it("the packer writes a key's NLRI exactly as the NLRI codec does, with and without ADD-PATH", () => {
    for (const n of samples) {
      for (const addPath of [false, true]) {
        const ctx = { asn4: true, addPath: new Set(addPath ? [n.family] : []), maxMessageSize: 4096 };
        const key = routeKey(n);
        const out = new Uint8Array(keyWireLength(key, addPath));
        assert.equal(writeKeyNlri(key, addPath, out, 0), out.length);
        // The codec writes no path id for a raw NLRI without one; RFC 7911 wants 4 octets: compare the tail.
        const expected = encodeNlri(n, ctx);
        assert.deepEqual([...out.subarray(out.length - expected.length)], [...expected]);
      }
    }
  });
});
