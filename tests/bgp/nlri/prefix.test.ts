/** IP prefixes on the wire: RFC 4271 §4.3 (length + significant octets), RFC 7911 §3 (path id in front). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BgpError } from "../../../lib/bgp/error.ts";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../../lib/bgp/family.ts";
import {
  decodePrefixes,
  encodePrefix,
  nlriToString,
  prefixNlri,
  prefixWireLength,
} from "../../../lib/bgp/nlri/prefix.ts";
import { DEFAULT_CONTEXT } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "../update/wire.ts";

const IPV4_MULTICAST = familyKey(1, 2);
const addPath = { ...DEFAULT_CONTEXT, addPath: new Set([IPV4_UNICAST]) };

describe("decodePrefixes", () => {
  // The NLRI field of the conformance decoding vector ipv4-unicast-1: four 0.0.0.0/0 then 1.1.1.1/32.
  it("decodes a run of IPv4 prefixes (decoding/ipv4-unicast-1)", () => {
    const list = decodePrefixes(IPV4_UNICAST, fromHex("00 00 00 00 20 01010101"), DEFAULT_CONTEXT);
    assert.deepEqual(list.map(nlriToString), [
      "0.0.0.0/0",
      "0.0.0.0/0",
      "0.0.0.0/0",
      "0.0.0.0/0",
      "1.1.1.1/32",
    ]);
    assert.deepEqual(list[4], {
      kind: "prefix",
      family: IPV4_UNICAST,
      length: 32,
      bytes: fromHex("01010101"),
    });
  });

  it("keeps only the significant octets (a /18 has 3)", () => {
    const [n] = decodePrefixes(IPV4_UNICAST, fromHex("12 010040"), DEFAULT_CONTEXT);
    assert.equal(nlriToString(n), "1.0.64.0/18");
    assert.equal(n.bytes.length, 3);
  });

  it("decodes IPv6 and multicast families", () => {
    const [v6] = decodePrefixes(IPV6_UNICAST, fromHex("40 FC00000100000000"), DEFAULT_CONTEXT);
    assert.equal(nlriToString(v6), "fc00:1::/64");
    const [mc] = decodePrefixes(IPV4_MULTICAST, fromHex("18 E00001"), DEFAULT_CONTEXT);
    assert.equal(mc.family, IPV4_MULTICAST);
    assert.equal(nlriToString(mc), "224.0.1.0/24");
  });

  it("reads the RFC 7911 path id when ADD-PATH is on for the family (conf-path-information)", () => {
    const list = decodePrefixes(IPV4_UNICAST, fromHex("00000001 20 0A00000A 00000003 20 0A01000A"), addPath);
    assert.deepEqual(list.map((n) => n.pathId), [1, 3]);
    assert.deepEqual(list.map(nlriToString), [
      "10.0.0.10/32 path-information 0.0.0.1",
      "10.1.0.10/32 path-information 0.0.0.3",
    ]);
    // Not for another family of the same session.
    assert.equal(decodePrefixes(IPV4_MULTICAST, fromHex("20 0A00000A"), addPath)[0].pathId, undefined);
  });

  const bad: readonly [string, number, string, typeof DEFAULT_CONTEXT][] = [
    ["IPv4 length above 32", IPV4_UNICAST, "21 0A000000 00", DEFAULT_CONTEXT],
    ["IPv6 length above 128", IPV6_UNICAST, "81" + "00".repeat(17), DEFAULT_CONTEXT],
    ["octets missing", IPV4_UNICAST, "18 0A00", DEFAULT_CONTEXT],
    ["truncated path id", IPV4_UNICAST, "000000", addPath],
    ["path id without a prefix", IPV4_UNICAST, "00000001", addPath],
  ];
  for (const [name, family, hex, ctx] of bad) {
    it(`throws Invalid Network Field (3/10): ${name}`, () => {
      assert.throws(() => decodePrefixes(family, fromHex(hex), ctx), (e: unknown) => {
        assert.ok(e instanceof BgpError);
        assert.equal(e.code, 3);
        assert.equal(e.subcode, 10);
        return true;
      });
    });
  }
});

describe("encodePrefix and prefixNlri", () => {
  it("encodes length then significant octets, with the path id when asked", () => {
    assert.equal(toHex(encodePrefix(prefixNlri("10.0.1.0/24"), false)), "180A0001");
    assert.equal(toHex(encodePrefix(prefixNlri("10.0.0.10", IPV4_UNICAST, 2), true)), "00000002200A00000A");
    // RFC 7911: a route without an id goes out with id 0 on an ADD-PATH session.
    assert.equal(toHex(encodePrefix(prefixNlri("0.0.0.0/0"), true)), "0000000000");
    assert.equal(prefixWireLength(prefixNlri("2a04:6d80::1/128"), false), 17);
  });

  it("clears host bits and infers the unicast family from the address", () => {
    const n = prefixNlri("10.1.2.3/16");
    assert.deepEqual(n, { kind: "prefix", family: IPV4_UNICAST, length: 16, bytes: fromHex("0A01") });
    assert.equal(prefixNlri("2001:db8::/32").family, IPV6_UNICAST);
    assert.equal(prefixNlri("224.0.0.0/4", IPV4_MULTICAST).family, IPV4_MULTICAST);
  });

  it("rejects a family of the other AFI and bad text", () => {
    assert.throws(() => prefixNlri("10.0.0.0/8", IPV6_UNICAST));
    assert.throws(() => prefixNlri("10.0.0.0/33"));
    assert.throws(() => prefixNlri("not-an-ip/8"));
  });
});
