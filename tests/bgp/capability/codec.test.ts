import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeCapabilities, decodeCapability, encodeCapability } from "../../../lib/bgp/capability/codec.ts";
import type { Capability } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "../message/hex.ts";

/** Capability TLVs written from the RFC layouts (and the conformance OPENs), with their decoded form. */
const CASES: [string, string, Capability][] = [
  // conformance conf-hostname OPEN
  ["multiprotocol ipv4 unicast (RFC 4760 §8)", "0104 0001 00 01", {
    code: 1,
    name: "multiprotocol",
    afi: 1,
    safi: 1,
  }],
  ["multiprotocol ipv6 flow", "0104 0002 00 85", { code: 1, name: "multiprotocol", afi: 2, safi: 133 }],
  ["route refresh (RFC 2918 §2)", "0200", { code: 2, name: "route-refresh" }],
  ["Cisco route refresh", "8000", { code: 128, name: "route-refresh-cisco" }],
  ["enhanced route refresh (RFC 7313 §3.1)", "4600", { code: 70, name: "enhanced-route-refresh" }],
  ["extended message (RFC 8654 §3)", "0600", { code: 6, name: "extended-message" }],
  ["operational", "B900", { code: 185, name: "operational" }],
  ["asn4 65533 (conformance OPEN)", "4104 0000FFFD", { code: 65, name: "asn4", asn: 65533 }],
  ["asn4 4294967295 (RFC 6793 §3)", "4104 FFFFFFFF", { code: 65, name: "asn4", asn: 4294967295 }],
  [
    "add-path ipv4 unicast both, ipv6 unicast receive (RFC 7911 §4)",
    "4508 0001 01 03 0002 01 01",
    {
      code: 69,
      name: "add-path",
      entries: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 1 }],
    },
  ],
  [
    "graceful restart R bit, 120 s, ipv4 unicast F bit (RFC 4724 §3)",
    "4006 8078 0001 01 80",
    {
      code: 64,
      name: "graceful-restart",
      restartFlags: 8,
      restartTime: 120,
      families: [{ afi: 1, safi: 1, flags: 0x80 }],
    },
  ],
  [
    "graceful restart without families, maximum time",
    "4002 0FFF",
    { code: 64, name: "graceful-restart", restartFlags: 0, restartTime: 4095, families: [] },
  ],
  [
    "extended next hop ipv4 unicast over ipv6 (RFC 8950 §3)",
    "0506 0001 0001 0002",
    { code: 5, name: "extended-next-hop", entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
  ],
  [
    "hostname (conformance conf-hostname)",
    "4920 0C 6D792D686F73742D6E616D65 12 6D792D646F6D61696E2D6E616D652E636F6D",
    { code: 73, name: "hostname", hostname: "my-host-name", domain: "my-domain-name.com" },
  ],
  ["hostname with empty domain", "4903 01 68 00", { code: 73, name: "hostname", hostname: "h", domain: "" }],
  [
    "software version (conformance conf-cap-software-version)",
    "4B14 13 4578614247502F352E302E302D302B74657374",
    { code: 75, name: "software-version", version: "ExaBGP/5.0.0-0+test" },
  ],
  ["multi-session", "4401 01", { code: 68, name: "multi-session", value: new Uint8Array([1]) }],
  ["Cisco multi-session", "8300", { code: 131, name: "multi-session", value: new Uint8Array(0) }],
  ["unknown code 66", "4203 010203", { code: 66, name: "unknown", value: new Uint8Array([1, 2, 3]) }],
];

describe("capability codecs (RFC 5492 §4)", () => {
  for (const [what, hex, cap] of CASES) {
    it(`${what}: decodes and encodes`, () => {
      const tlv = fromHex(hex);
      assert.deepEqual(decodeCapability(tlv[0], tlv.subarray(2)), cap);
      assert.equal(toHex(encodeCapability(cap)), toHex(tlv));
    });
  }

  const MALFORMED: [string, string][] = [
    ["multiprotocol of 3 bytes", "0103 000101"],
    ["asn4 of 2 bytes", "4102 FFFD"],
    ["route refresh with a value", "0201 00"],
    ["add-path of 5 bytes", "4505 0001010300"],
    ["graceful restart of 1 byte", "4001 80"],
    ["graceful restart with a partial family", "4004 0078 0001"],
    ["extended next hop of 4 bytes", "0504 00010001"],
    ["hostname overrunning its value", "4904 05 6868 00"],
    ["hostname without a domain length", "4902 01 68"],
    ["software version with trailing bytes", "4B03 01 41 42"],
  ];
  for (const [what, hex] of MALFORMED) {
    it(`keeps a malformed ${what} as unknown bytes`, () => {
      const tlv = fromHex(hex);
      const cap = decodeCapability(tlv[0], tlv.subarray(2));
      assert.deepEqual(cap, { code: tlv[0], name: "unknown", value: tlv.slice(2) });
      // and re-encodes it verbatim
      assert.equal(toHex(encodeCapability(cap)), toHex(tlv));
    });
  }

  it("decodes a run of capabilities and refuses one that overruns", () => {
    assert.deepEqual(decodeCapabilities(fromHex("0200 4104 0000FFFD 0600")), [
      { code: 2, name: "route-refresh" },
      { code: 65, name: "asn4", asn: 65533 },
      { code: 6, name: "extended-message" },
    ]);
    assert.equal(decodeCapabilities(fromHex("0200 4104 0000FF")), undefined);
    assert.equal(decodeCapabilities(fromHex("0200 41")), undefined);
    assert.deepEqual(decodeCapabilities(new Uint8Array(0)), []);
  });

  it("decoded values do not alias the input buffer", () => {
    const tlv = fromHex("4203 010203");
    const cap = decodeCapability(66, tlv.subarray(2));
    tlv[2] = 9;
    assert.deepEqual(cap, { code: 66, name: "unknown", value: new Uint8Array([1, 2, 3]) });
  });

  it("refuses to encode a value longer than 255 bytes", () => {
    assert.throws(
      () => encodeCapability({ code: 200, name: "unknown", value: new Uint8Array(256) }),
      RangeError,
    );
  });

  it("cuts long texts so that the capability still fits its 1-byte length", () => {
    const sw = encodeCapability({ code: 75, name: "software-version", version: "v".repeat(300) });
    assert.deepEqual([sw.length, sw[1], sw[2]], [2 + 255, 255, 254]);
    const host = encodeCapability({
      code: 73,
      name: "hostname",
      hostname: "h".repeat(200),
      domain: "d".repeat(200),
    });
    assert.equal(host.length, 2 + host[1]);
    assert.ok(host[1] <= 255);
    const back = decodeCapability(73, host.subarray(2));
    assert.equal(back.name, "hostname");
  });
});
