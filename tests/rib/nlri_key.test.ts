/**
 * The RIB's compact NLRI form: keys equal to codec.ts `nlriKey` (but for the labels of labeled NLRI), rebuilt
 * NLRI, and wire bytes from keys.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { encodeNlri, nlriKey } from "../../lib/bgp/nlri/codec.ts";
import { prefixNlri } from "../../lib/bgp/nlri/prefix.ts";
import type { Nlri } from "../../lib/bgp/types.ts";
import { nlriFromKey, routeKey, routeLabels, wireKey } from "../../lib/rib/nlri_key.ts";
import { labeledNlri } from "../../lib/bgp/nlri/labeled.ts";
import { encodeLabels } from "../../lib/bgp/qualifier/labels.ts";
import { parseRd } from "../../lib/bgp/qualifier/rd.ts";
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

  it("a labeled NLRI's key leaves the labels out; wireKey puts them back as the codec writes them", () => {
    const rd = parseRd("65000:1")!;
    const labeled = [
      labeledNlri(familyKey(1, 128), 16, Uint8Array.of(1, 4), encodeLabels([1000]), rd),
      labeledNlri(
        familyKey(2, 4),
        32,
        Uint8Array.of(0x20, 1, 0xd, 0xb8),
        encodeLabels([16, 17]),
        undefined,
        9,
      ),
    ];
    for (const n of labeled) {
      const key = routeKey(n);
      assert.equal(key, routeKey({ ...n, labels: encodeLabels([]) }));
      assert.deepEqual(nlriFromKey(key, routeLabels(n)), n);
      const wire = wireKey(key, routeLabels(n)!);
      assert.equal(wire, nlriKey(n));
      for (const addPath of [false, true]) {
        const ctx = { asn4: true, addPath: new Set(addPath ? [n.family] : []), maxMessageSize: 4096 };
        const out = new Uint8Array(keyWireLength(wire, addPath));
        writeKeyNlri(wire, addPath, out, 0);
        assert.deepEqual([...out], [...encodeNlri(n, ctx)]);
      }
    }
    assert.equal(routeLabels(samples[0]), undefined);
  });

  it("nlriFromKey rebuilds the NLRI", () => {
    for (const n of samples) {
      assert.deepEqual(nlriFromKey(routeKey(n)), n);
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
