/**
 * Routes → wire with encodePathAttributes + packUpdates, compared with the bytes ExaBGP sends in the
 * conformance suite (the route and the session come from each test's etc/ configuration; the iBGP
 * defaults ORIGIN igp / empty AS_PATH / LOCAL_PREF 100 and the eBGP prepend are written out by hand,
 * as the RIB will add them).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodePathAttributes } from "../../../lib/bgp/message/update_builder.ts";
import { packUpdates } from "../../../lib/rib/update_packer.ts";
import { decodeUpdate } from "../../../lib/bgp/message/update.ts";
import { type FamilyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../../lib/bgp/family.ts";
import { prefixNlri } from "../../../lib/bgp/nlri/prefix.ts";
import { type Attribute, type CodecContext, DEFAULT_CONTEXT, type Nlri } from "../../../lib/bgp/types.ts";
import { conformanceUpdates, fromHex, toHex } from "./wire.ts";

const origin: Attribute = { code: 1, kind: "origin", value: 0 };
const emptyPath: Attribute = { code: 2, kind: "as-path", segments: [] };
const path = (...asns: number[]): Attribute => ({ code: 2, kind: "as-path", segments: [{ type: 2, asns }] });
const nextHop = (address: string): Attribute => ({ code: 3, kind: "next-hop", address });
const localPref = (value: number): Attribute => ({ code: 5, kind: "local-preference", value });
const community = (...values: number[]): Attribute => ({ code: 8, kind: "community", values });

interface Case {
  readonly name: string;
  /** The .msg file and the index of the UPDATE expected, among its UPDATE lines. */
  readonly test: string;
  readonly index: number;
  readonly family?: FamilyKey;
  readonly ctx?: CodecContext;
  /** In no particular order: the builder sorts them by type code. */
  readonly attributes: readonly Attribute[];
  readonly nextHops?: readonly string[];
  readonly announce?: readonly Nlri[];
  readonly withdraw?: readonly Nlri[];
}

const CASES: readonly Case[] = [
  {
    name: "conf-aggregator: AS_PATH, ATOMIC_AGGREGATE, 4-byte AGGREGATOR",
    test: "conf-aggregator",
    index: 0,
    attributes: [
      { code: 7, kind: "aggregator", asn: 18144, address: "219.118.225.189" },
      { code: 6, kind: "atomic-aggregate" },
      nextHop("192.168.1.254"),
      path(57821, 6939),
      localPref(100),
      origin,
    ],
    announce: [prefixNlri("1.0.64.0/18")],
  },
  {
    name: "conf-ebgp: local AS prepended, no LOCAL_PREF",
    test: "conf-ebgp",
    index: 0,
    attributes: [nextHop("10.0.1.254"), path(65533), origin],
    announce: [prefixNlri("10.0.0.0/24")],
  },
  {
    name: "conf-no-asn4: 2-byte AS_PATH",
    test: "conf-no-asn4",
    index: 0,
    ctx: { ...DEFAULT_CONTEXT, asn4: false },
    attributes: [origin, path(100), nextHop("10.0.255.254"), localPref(100)],
    announce: [prefixNlri("10.0.1.0/24")],
  },
  {
    name: "conf-path-information: ADD-PATH path id 3",
    test: "conf-path-information",
    index: 2,
    ctx: { ...DEFAULT_CONTEXT, addPath: new Set([IPV4_UNICAST]) },
    attributes: [origin, emptyPath, nextHop("10.10.1.3"), localPref(100)],
    announce: [prefixNlri("10.1.0.10", IPV4_UNICAST, 3)],
  },
  {
    name: "conf-generic-attribute: unknown type 0x99 keeps its flags 0x70 (2-byte length)",
    test: "conf-generic-attribute",
    index: 2,
    attributes: [
      { code: 0x99, kind: "generic", flags: 0x70, value: fromHex("00000064") },
      origin,
      emptyPath,
      localPref(100),
      nextHop("192.168.1.100"),
    ],
    announce: [prefixNlri("111.111.111.111")],
  },
  {
    name: "conf-new-v4: two prefixes sharing attributes in one UPDATE",
    test: "conf-new-v4",
    index: 0,
    attributes: [community(0x78147814), origin, emptyPath, nextHop("10.0.255.254"), localPref(100)],
    announce: [prefixNlri("10.0.2.0/24"), prefixNlri("10.0.6.0/24")],
  },
  {
    name: "conf-extended-attributes: origin:100:1000",
    test: "conf-extended-attributes",
    index: 0,
    attributes: [
      { code: 16, kind: "extended-community", values: [fromHex("0003 0064 000003E8")] },
      origin,
      emptyPath,
      nextHop("15.15.15.1"),
      localPref(100),
    ],
    announce: [prefixNlri("10.0.0.1/32")],
  },
  {
    name: "conf-largecommunity: two large communities",
    test: "conf-largecommunity",
    index: 0,
    attributes: [
      { code: 32, kind: "large-community", values: [[2914, 0, 666], [2914, 3320, 123]] },
      origin,
      emptyPath,
      nextHop("192.0.2.1"),
      localPref(100),
    ],
    announce: [prefixNlri("8.8.8.10/32")],
  },
  {
    name: "conf-ipself6: IPv6 in MP_REACH_NLRI (last), next hop ::1",
    test: "conf-ipself6",
    index: 0,
    family: IPV6_UNICAST,
    attributes: [localPref(100), emptyPath, origin],
    nextHops: ["::1"],
    announce: [prefixNlri("2a04:6d80::1/128")],
  },
  {
    name: "conf-ipv46routes6family: COMMUNITY before MP_REACH_NLRI",
    test: "conf-ipv46routes6family",
    index: 0,
    family: IPV6_UNICAST,
    attributes: [community(0x78140000, 0x78147814), localPref(200), origin, emptyPath],
    nextHops: ["2A02:B80:0:2::1"],
    announce: [prefixNlri("2A02:B80:0:1::1/128")],
  },
  {
    name: "api-ipv4: IPv4 withdraw in the Withdrawn Routes field, no attributes",
    test: "api-ipv4",
    index: conformanceIndex("api-ipv4", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001B020004180A00010000"),
    attributes: [origin, emptyPath, nextHop("10.0.0.1"), localPref(100)],
    withdraw: [prefixNlri("10.0.1.0/24")],
  },
  {
    name: "api-ipv6: IPv6 withdraw, a bare MP_UNREACH_NLRI",
    test: "api-ipv6",
    index: conformanceIndex(
      "api-ipv6",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002602" + "0000000F800F0C00020140FC00000100000000",
    ),
    family: IPV6_UNICAST,
    attributes: [origin, emptyPath, localPref(100)],
    withdraw: [prefixNlri("fc00:1::/64")],
  },
];

/** Index of the message with this hex among the file's UPDATEs (-1 fails the case below). */
function conformanceIndex(test: string, hex: string): number {
  return conformanceUpdates(test).findIndex((m) => toHex(m) === hex);
}

describe("packUpdates builds ExaBGP's bytes from routes", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const ctx = c.ctx ?? DEFAULT_CONTEXT;
      const expected = conformanceUpdates(c.test)[c.index];
      assert.ok(expected, `no UPDATE #${c.index} in ${c.test}`);
      const messages = packUpdates({
        family: c.family ?? IPV4_UNICAST,
        attributes: encodePathAttributes(c.attributes, ctx),
        nextHops: c.nextHops ?? [],
        announce: c.announce ?? [],
        withdraw: c.withdraw ?? [],
        ctx,
      });
      assert.deepEqual(messages.map(toHex), [toHex(expected)]);
    });
  }
});

describe("RFC 6793 on a 2-octet session", () => {
  const old: CodecContext = { ...DEFAULT_CONTEXT, asn4: false };
  const attrs: Attribute[] = [
    origin,
    path(65536, 100),
    nextHop("192.0.2.1"),
    { code: 7, kind: "aggregator", asn: 70000, address: "192.0.2.9" },
  ];
  // RFC 6793 §4.2.2 by hand: AS_TRANS (0x5BA0) in AS_PATH/AGGREGATOR, the real values in AS4_PATH/AS4_AGGREGATOR.
  const expected = "400101 00" +
    "400206 0202 5BA0 0064" +
    "400304 C0000201" +
    "C00706 5BA0 C0000209" +
    "C0110A 0202 00010000 00000064" +
    "C01208 00011170 C0000209";

  it("sends AS_TRANS with AS4_PATH and AS4_AGGREGATOR in their sorted places", () => {
    assert.equal(toHex(encodePathAttributes(attrs, old)), expected.replace(/ /g, ""));
  });

  it("merges them back when decoding (RFC 6793 §4.2.3)", () => {
    const [message] = packUpdates({
      family: IPV4_UNICAST,
      attributes: encodePathAttributes(attrs, old),
      nextHops: [],
      announce: [prefixNlri("10.0.0.0/8")],
      withdraw: [],
      ctx: old,
    });
    const update = decodeUpdate(message.subarray(19), old);
    assert.deepEqual(update.attributes, attrs);
    assert.equal(update.malformed, undefined);
  });

  it("adds nothing when every ASN fits 2 octets, or on a 4-octet session", () => {
    assert.equal(toHex(encodePathAttributes([path(100)], old)), "40020402010064");
    assert.equal(toHex(encodePathAttributes([path(65536)], DEFAULT_CONTEXT)), "4002060201" + "00010000");
  });
});

describe("packing many NLRI", () => {
  const attributes = encodePathAttributes(
    [origin, emptyPath, nextHop("192.0.2.1"), localPref(100)],
    DEFAULT_CONTEXT,
  );

  /** A prefix NLRI as text: its bytes and length. */
  const text = (n: Nlri) => {
    const p = n as { bytes: Uint8Array; length: number };
    return toHex(p.bytes) + "/" + p.length;
  };

  /** Decodes each message and returns all the NLRI it carries, in order, as text keys. */
  function carried(messages: Uint8Array[], ctx: CodecContext): string[] {
    const out: string[] = [];
    for (const m of messages) {
      assert.ok(m.length <= ctx.maxMessageSize, `message of ${m.length} bytes`);
      assert.equal((m[16] << 8) | m[17], m.length);
      const u = decodeUpdate(m.subarray(19), ctx);
      for (const n of [...u.withdrawn, ...u.announced]) {
        out.push(text(n));
      }
      for (const a of u.attributes) {
        if (a.kind === "mp-reach" || a.kind === "mp-unreach") {
          for (const n of a.nlri) out.push(text(n));
        }
      }
    }
    return out;
  }

  const v4 = Array.from({ length: 1000 }, (_, k) => prefixNlri(`10.${k >> 8}.${k & 0xff}.1/32`));
  const v6 = Array.from(
    { length: 1000 },
    (_, k) => prefixNlri(`2001:db8::${k.toString(16)}/128`, IPV6_UNICAST),
  );
  const keys = (list: Nlri[]) => list.map(text);

  it("1000 IPv4 prefixes: several messages of at most 4096 bytes, every prefix once, in order", () => {
    const messages = packUpdates({
      family: IPV4_UNICAST,
      attributes,
      nextHops: [],
      announce: v4,
      withdraw: [],
      ctx: DEFAULT_CONTEXT,
    });
    assert.ok(messages.length >= 2);
    // Greedy packing: each message but the last is too full to take one more /32 (5 bytes).
    for (const m of messages.slice(0, -1)) assert.ok(m.length > 4096 - 5);
    assert.deepEqual(carried(messages, DEFAULT_CONTEXT), keys(v4));
  });

  it("1000 IPv4 withdraws: no attributes, every prefix once", () => {
    const messages = packUpdates({
      family: IPV4_UNICAST,
      attributes,
      nextHops: [],
      announce: [],
      withdraw: v4,
      ctx: DEFAULT_CONTEXT,
    });
    assert.ok(messages.length >= 2);
    for (const m of messages) {
      assert.equal(decodeUpdate(m.subarray(19), DEFAULT_CONTEXT).attributes.length, 0);
    }
    assert.deepEqual(carried(messages, DEFAULT_CONTEXT), keys(v4));
  });

  it("1000 IPv6 prefixes in extended-length MP_REACH_NLRI, at most 4096 bytes each", () => {
    const messages = packUpdates({
      family: IPV6_UNICAST,
      attributes,
      nextHops: ["2001:db8::1"],
      announce: v6,
      withdraw: v6,
      ctx: DEFAULT_CONTEXT,
    });
    assert.ok(messages.length >= 10);
    const mpFlags = messages.map((m) =>
      decodeUpdate(m.subarray(19), DEFAULT_CONTEXT).attributes.at(-1)!.kind
    );
    assert.ok(mpFlags.indexOf("mp-reach") > mpFlags.lastIndexOf("mp-unreach"), "withdraws come first");
    // A bare MP_UNREACH_NLRI of many prefixes: flags 0x90 (optional + extended length), type 15.
    assert.equal(toHex(messages[0].subarray(23, 25)), "900F");
    // Announces: the path attributes, then MP_REACH_NLRI with 0x90 too.
    const first = messages[mpFlags.indexOf("mp-reach")];
    assert.equal(toHex(first.subarray(23 + attributes.length, 25 + attributes.length)), "900E");
    assert.deepEqual(carried(messages, DEFAULT_CONTEXT), [...keys(v6), ...keys(v6)]);
  });

  it("uses 65535-byte messages when extended messages are negotiated (RFC 8654)", () => {
    const big: CodecContext = { ...DEFAULT_CONTEXT, maxMessageSize: 65535 };
    const messages = packUpdates({
      family: IPV6_UNICAST,
      attributes,
      nextHops: ["2001:db8::1"],
      announce: v6,
      withdraw: [],
      ctx: big,
    });
    assert.equal(messages.length, 1);
    assert.deepEqual(carried(messages, big), keys(v6));
  });

  it("refuses attributes too large for even one NLRI", () => {
    const huge = encodePathAttributes([{
      code: 0x99,
      kind: "generic",
      flags: 0xc0,
      value: new Uint8Array(4070),
    }], DEFAULT_CONTEXT);
    assert.throws(
      () =>
        packUpdates({
          family: IPV4_UNICAST,
          attributes: huge,
          nextHops: [],
          announce: v4,
          withdraw: [],
          ctx: DEFAULT_CONTEXT,
        }),
      RangeError,
    );
  });
});
