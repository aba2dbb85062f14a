/**
 * Path attributes: each type decoded from bytes laid out per its RFC and encoded back with ExaBGP's flags,
 * then RFC 7606 error handling as a table (bad length, bad flags, duplicates, MP faults, overruns).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeAttributes, encodeAttribute } from "../../../lib/bgp/attribute/codec.ts";
import { BgpError } from "../../../lib/bgp/error.ts";
import { familyKey, IPV6_UNICAST } from "../../../lib/bgp/family.ts";
import { prefixNlri } from "../../../lib/bgp/nlri/prefix.ts";
import { labeledNlri } from "../../../lib/bgp/nlri/labeled.ts";
import {
  type Attribute,
  type CodecContext,
  DEFAULT_CONTEXT,
  type MalformedAttribute,
} from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "../update/wire.ts";

const OLD: CodecContext = { ...DEFAULT_CONTEXT, asn4: false };

/** [name, attribute bytes (flags, type, length, value), decoded form, context]. */
const VALID: readonly [string, string, Attribute, CodecContext?][] = [
  ["ORIGIN incomplete", "400101 02", { code: 1, kind: "origin", value: 2 }],
  ["AS_PATH empty (iBGP)", "400200", { code: 2, kind: "as-path", segments: [] }],
  [
    "AS_PATH 4-octet: sequence + set (RFC 4271 §4.3)",
    "400210 0202 0000E1DD 00001B1B 0101 00010000",
    { code: 2, kind: "as-path", segments: [{ type: 2, asns: [57821, 6939] }, { type: 1, asns: [65536] }] },
  ],
  [
    "AS_PATH 2-octet with confederation sequence (RFC 5065)",
    "40020A 0301 FDE8 0202 0064 00C8",
    { code: 2, kind: "as-path", segments: [{ type: 3, asns: [65000] }, { type: 2, asns: [100, 200] }] },
    OLD,
  ],
  ["NEXT_HOP", "400304 C0A801FE", { code: 3, kind: "next-hop", address: "192.168.1.254" }],
  ["MED (optional, 0x80)", "800404 000000C8", { code: 4, kind: "med", value: 200 }],
  ["LOCAL_PREF", "400504 00000064", { code: 5, kind: "local-preference", value: 100 }],
  ["ATOMIC_AGGREGATE", "400600", { code: 6, kind: "atomic-aggregate" }],
  ["AGGREGATOR 4-octet (conf-aggregator)", "C00708 000046E0 DB76E1BD", {
    code: 7,
    kind: "aggregator",
    asn: 18144,
    address: "219.118.225.189",
  }],
  ["AGGREGATOR 2-octet", "C00706 46E0 DB76E1BD", {
    code: 7,
    kind: "aggregator",
    asn: 18144,
    address: "219.118.225.189",
  }, OLD],
  ["COMMUNITY (conf-new-v4)", "C00808 78140000 78147814", {
    code: 8,
    kind: "community",
    values: [0x78140000, 0x78147814],
  }],
  ["ORIGINATOR_ID (RFC 4456)", "800904 0A00630C", { code: 9, kind: "originator-id", address: "10.0.99.12" }],
  ["CLUSTER_LIST (RFC 4456)", "800A08 01020304 05060708", {
    code: 10,
    kind: "cluster-list",
    addresses: ["1.2.3.4", "5.6.7.8"],
  }],
  ["EXTENDED_COMMUNITY kept raw (conf-extended-attributes)", "C01008 0003 0064 000003E8", {
    code: 16,
    kind: "extended-community",
    values: [fromHex("00030064000003E8")],
  }],
  ["AS4_PATH", "C01106 0201 00030D40", {
    code: 17,
    kind: "as4-path",
    segments: [{ type: 2, asns: [200000] }],
  }],
  ["AS4_AGGREGATOR", "C01208 00030D40 0A000001", {
    code: 18,
    kind: "as4-aggregator",
    asn: 200000,
    address: "10.0.0.1",
  }],
  ["AIGP metric TLV (RFC 7311 §3)", "801A0B 01 000B 0000000000000064", {
    code: 26,
    kind: "aigp",
    value: 100n,
  }],
  ["LARGE_COMMUNITY (conf-largecommunity)", "C0200C 00000B62 00000000 0000029A", {
    code: 32,
    kind: "large-community",
    values: [[2914, 0, 666]],
  }],
  [
    "MP_REACH_NLRI IPv6 (conf-ipself6)",
    "800E26 0002 01 10 00000000000000000000000000000001 00 80 2A046D80000000000000000000000001",
    {
      code: 14,
      kind: "mp-reach",
      family: IPV6_UNICAST,
      nextHops: ["::1"],
      nlri: [prefixNlri("2a04:6d80::1/128")],
    },
  ],
  [
    "MP_REACH_NLRI with global + link-local next hop (RFC 2545 §3)",
    "800E2A 0002 01 20 20010DB8000000000000000000000001 FE800000000000000000000000000001 00 20 20010DB8",
    {
      code: 14,
      kind: "mp-reach",
      family: IPV6_UNICAST,
      nextHops: ["2001:db8::1", "fe80::1"],
      nlri: [prefixNlri("2001:db8::/32")],
    },
  ],
  [
    "MP_REACH_NLRI mpls-vpn next hop behind a zero RD (api-attributes-vpn)",
    // RFC 4364 §4.3.4 NLRI: 106 bits = label 110 (0x0006E1, bottom of stack), RD 63333:100, 128.0.64.0/18.
    "800E20 0001 80 0C 0000000000000000 0A00630C 00 6A 0006E1 0000F76500000064 800040",
    {
      code: 14,
      kind: "mp-reach",
      family: familyKey(1, 128),
      nextHops: ["10.0.99.12"],
      nlri: [
        labeledNlri(familyKey(1, 128), 18, fromHex("800040"), fromHex("0006E1"), fromHex("0000F76500000064")),
      ],
    },
  ],
  ["MP_UNREACH_NLRI (api-ipv6)", "800F0C 0002 01 40 FC00000100000000", {
    code: 15,
    kind: "mp-unreach",
    family: IPV6_UNICAST,
    nlri: [prefixNlri("fc00:1::/64")],
  }],
  ["MP End-of-RIB: always extended length", "900F0003 0002 01", {
    code: 15,
    kind: "mp-unreach",
    family: IPV6_UNICAST,
    nlri: [],
  }],
  ["unknown optional type kept with its flags", "E099 04 00000064", {
    code: 0x99,
    kind: "generic",
    flags: 0xe0,
    value: fromHex("00000064"),
  }],
];

describe("attributes: decode and encode per type", () => {
  for (const [name, hex, attribute, ctx = DEFAULT_CONTEXT] of VALID) {
    it(name, () => {
      const { attributes, malformed } = decodeAttributes(fromHex(hex), ctx);
      assert.deepEqual(malformed, []);
      assert.deepEqual(attributes, [attribute]);
      assert.equal(toHex(encodeAttribute(attribute, ctx)), hex.replace(/ /g, ""));
    });
  }

  it("sets the extended-length flag only above 255 octets", () => {
    const values = Array.from({ length: 32 }, (_, k) => new Uint8Array(8).fill(k));
    const big = encodeAttribute({ code: 16, kind: "extended-community", values }, DEFAULT_CONTEXT);
    assert.equal(toHex(big.subarray(0, 4)), "D0100100"); // 0xC0 | 0x10, type 16, length 256
    // 63 communities = 252 octets: one length octet.
    const values63 = Array.from({ length: 63 }, (_, k) => k);
    const community = encodeAttribute({ code: 8, kind: "community", values: values63 }, DEFAULT_CONTEXT);
    assert.equal(toHex(community.subarray(0, 3)), "C008FC");
    // A generic attribute asking for the extended length keeps it even when short (conf-generic-attribute).
    const generic = encodeAttribute(
      { code: 0x99, kind: "generic", flags: 0x70, value: fromHex("00000064") },
      DEFAULT_CONTEXT,
    );
    assert.equal(toHex(generic), "7099000400000064");
  });

  it("splits an AS_PATH segment of more than 255 ASNs", () => {
    const asns = Array.from({ length: 300 }, (_, k) => k + 1);
    const bytes = encodeAttribute({ code: 2, kind: "as-path", segments: [{ type: 2, asns }] }, OLD);
    // 2 + 255*2 + 2 + 45*2 = 604 octets: extended length.
    assert.equal(toHex(bytes.subarray(0, 6)), "5002025C02FF");
    assert.equal(toHex(bytes.subarray(4 + 2 + 510, 4 + 2 + 510 + 2)), "022D");
    const { attributes } = decodeAttributes(bytes, OLD);
    assert.deepEqual(attributes, [{
      code: 2,
      kind: "as-path",
      segments: [{ type: 2, asns: asns.slice(0, 255) }, {
        type: 2,
        asns: asns.slice(255),
      }],
    }]);
  });
});

type Expect = { malformed: readonly Pick<MalformedAttribute, "action" | "code">[]; kinds: readonly string[] };

const TAW = "treat-as-withdraw" as const;
const DISCARD = "attribute-discard" as const;
const ORIGIN = "400101 00";

/** RFC 7606 outcomes that keep the session: [name, attribute block, expected, context]. */
const RECOVERABLE: readonly [string, string, Expect, CodecContext?][] = [
  ["ORIGIN undefined value (§7.1)", "400101 03", { malformed: [{ action: TAW, code: 1 }], kinds: [] }],
  ["ORIGIN length 2 (§7.1)", "400102 0000", { malformed: [{ action: TAW, code: 1 }], kinds: [] }],
  ["AS_PATH segment overrun (§7.2)", ORIGIN + "400206 0202 00000001", {
    malformed: [{ action: TAW, code: 2 }],
    kinds: ["origin"],
  }],
  ["AS_PATH empty segment (§7.2)", "400202 0200", { malformed: [{ action: TAW, code: 2 }], kinds: [] }],
  ["AS_PATH lone trailing octet (§7.2)", "400207 0201 00000001 02", {
    malformed: [{ action: TAW, code: 2 }],
    kinds: [],
  }],
  ["AS_PATH unknown segment type (§7.2)", "400206 0501 00000001", {
    malformed: [{ action: TAW, code: 2 }],
    kinds: [],
  }],
  ["NEXT_HOP length 5 (§7.3)", "400305 0A00000100", { malformed: [{ action: TAW, code: 3 }], kinds: [] }],
  ["MED length 3 (§7.4)", "800403 000001", { malformed: [{ action: TAW, code: 4 }], kinds: [] }],
  ["LOCAL_PREF length 0 (§7.5)", "400500", { malformed: [{ action: TAW, code: 5 }], kinds: [] }],
  ["ATOMIC_AGGREGATE length 1 (§7.6)", ORIGIN + "400601 00", {
    malformed: [{ action: DISCARD, code: 6 }],
    kinds: ["origin"],
  }],
  ["AGGREGATOR length 7 on a 4-octet session (§7.7)", "C00707 0000000A0A0A0A", {
    malformed: [{ action: DISCARD, code: 7 }],
    kinds: [],
  }],
  ["AGGREGATOR length 8 on a 2-octet session (§7.7)", "C00708 0000000A0A0A0A0A", {
    malformed: [{ action: DISCARD, code: 7 }],
    kinds: [],
  }, OLD],
  ["COMMUNITY length 5 (§7.8)", "C00805 0000000100", { malformed: [{ action: TAW, code: 8 }], kinds: [] }],
  ["COMMUNITY length 0 (§7.8)", "C00800", { malformed: [{ action: TAW, code: 8 }], kinds: [] }],
  ["ORIGINATOR_ID length 3 (§7.9)", "800903 0A0000", { malformed: [{ action: TAW, code: 9 }], kinds: [] }],
  ["CLUSTER_LIST length 6 (§7.10)", "800A06 0A0000010A00", {
    malformed: [{ action: TAW, code: 10 }],
    kinds: [],
  }],
  ["EXTENDED_COMMUNITY length 12 (§7.14)", "C0100C" + "00".repeat(12), {
    malformed: [{ action: TAW, code: 16 }],
    kinds: [],
  }],
  ["AS4_PATH overrun (RFC 6793 §6)", "C01106 0202 00000001", {
    malformed: [{ action: DISCARD, code: 17 }],
    kinds: [],
  }],
  ["AS4_AGGREGATOR length 6 (RFC 6793 §6)", "C01206 000A0A0A0A0A", {
    malformed: [{ action: DISCARD, code: 18 }],
    kinds: [],
  }],
  ["AIGP TLV overrun (RFC 7311 §3.2)", "801A05 01 000B 0000", {
    malformed: [{ action: DISCARD, code: 26 }],
    kinds: [],
  }],
  ["LARGE_COMMUNITY length 13 (RFC 8092 §6)", "C0200D" + "00".repeat(13), {
    malformed: [{ action: TAW, code: 32 }],
    kinds: [],
  }],
  ["ORIGIN sent as optional (flags §3.c)", "C00101 00", { malformed: [{ action: TAW, code: 1 }], kinds: [] }],
  ["MED sent as well-known (flags §3.c)", "400404 00000001", {
    malformed: [{ action: TAW, code: 4 }],
    kinds: [],
  }],
  ["COMMUNITY sent non-transitive (flags §3.c)", "800804 00000001", {
    malformed: [{ action: TAW, code: 8 }],
    kinds: [],
  }],
  // RFC 7606 §4: the Total Path Attribute Length still locates the NLRI, so these are treat-as-withdraw.
  ["an attribute overrunning the block", ORIGIN + "400304 0A00", {
    malformed: [{ action: TAW, code: 3 }],
    kinds: ["origin"],
  }],
  ["an extended-length attribute overrunning the block", "5002 0010 0201", {
    malformed: [{ action: TAW, code: 2 }],
    kinds: [],
  }],
  ["a truncated attribute header", ORIGIN + "4003", {
    malformed: [{ action: TAW, code: 3 }],
    kinds: ["origin"],
  }],
  ["COMMUNITY with the partial bit: accepted", "E00804 00000001", { malformed: [], kinds: ["community"] }],
  ["duplicate ORIGIN: the first is kept (§3.g)", "400101 01" + "400101 02", {
    malformed: [{ action: DISCARD, code: 1 }],
    kinds: ["origin"],
  }],
];

describe("RFC 7606: recoverable faults recorded in `malformed`", () => {
  for (const [name, hex, expected, ctx = DEFAULT_CONTEXT] of RECOVERABLE) {
    it(name, () => {
      const { attributes, malformed } = decodeAttributes(fromHex(hex), ctx);
      assert.deepEqual(malformed.map(({ action, code }) => ({ action, code })), expected.malformed);
      assert.deepEqual(attributes.map((a) => a.kind), expected.kinds);
    });
  }

  it("keeps the value of the first of duplicate attributes", () => {
    const { attributes } = decodeAttributes(fromHex("400101 01 400101 02"), DEFAULT_CONTEXT);
    assert.deepEqual(attributes, [{ code: 1, kind: "origin", value: 1 }]);
  });
});

const MP_REACH = "800E09 0001 01 04 0A000001 00";

/**
 * Faults that reset the session: 3/1 Malformed Attribute List (§3.g), 3/9 Optional Attribute Error for a
 * malformed MP attribute (RFC 4760 §7, RFC 7606 §5.3): [name, attribute block, subcode, reason].
 */
const FATAL: readonly [string, string, number, RegExp][] = [
  ["MP_REACH_NLRI twice (§3.g)", MP_REACH + MP_REACH, 1, /repeated/],
  ["MP_UNREACH_NLRI twice (§3.g)", "800F03 000101 800F03 000101", 1, /repeated/],
  ["MP_REACH_NLRI next hop of 5 octets (§7.11)", "800E0A 0001 01 05 0A0000010A 00", 9, /next hop length/],
  ["MP_REACH_NLRI next hop overrunning it", "800E06 0001 01 10 0A00", 9, /next hop overruns/],
  ["MP_REACH_NLRI too short", "800E03 000101", 9, /length 3/],
  ["MP_REACH_NLRI bad prefix length (§5.3)", "800E0B 0001 01 04 0A000001 00 21 0A", 9, /invalid network/],
  ["MP_UNREACH_NLRI with an IPv6 prefix longer than 128", "800F04 000201 81", 9, /invalid network/],
  ["MP_UNREACH_NLRI with wrong flags (§5.3)", "C00F07 000101 180A0001", 9, /flags 0xc0/],
];

describe("RFC 7606: session resets", () => {
  for (const [name, hex, subcode, reason] of FATAL) {
    it(name, () => {
      assert.throws(() => decodeAttributes(fromHex(hex), DEFAULT_CONTEXT), (e: unknown) => {
        assert.ok(e instanceof BgpError, String(e));
        assert.deepEqual([e.code, e.subcode], [3, subcode]);
        assert.match(e.message, reason);
        return true;
      });
    });
  }
});
