/**
 * BGP-LS (RFC 9552), RTC (RFC 4684) and SR Policy (RFC 9830) codecs: the NLRI and the BGP-LS attribute of
 * ExaBGP's decoding vectors re-encode to the bytes received, descriptor fields read from the RFC layouts,
 * malformed input is refused, and the JSON of hand-built NLRI follows the RFC fields.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeAttributes } from "../../lib/bgp/attribute/codec.ts";
import { encodeMpReach } from "../../lib/bgp/attribute/mp.ts";
import { BgpError } from "../../lib/bgp/error.ts";
import { familyKey } from "../../lib/bgp/family.ts";
import { decodeNlri, encodeNlri, nlriKey } from "../../lib/bgp/nlri/codec.ts";
import { bgpLsContent } from "../../lib/bgp/nlri/bgpls_tlv.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { type BgpLsNlri, type CodecContext, DEFAULT_CONTEXT, type MpReach } from "../../lib/bgp/types.ts";
import { bgpLsAttributeJson, lsFamilyNlriJson, lsFamilyNlriText } from "../../lib/api/bgpls_json.ts";
import { nlriFromKey } from "../../lib/rib/nlri_key.ts";
import { AdjRibIn } from "../../lib/rib/adj_rib_in.ts";
import { decodingDir } from "../api/fixtures.ts";

const BGPLS = familyKey(16388, 71);
const BGPLS_VPN = familyKey(16388, 72);
const RTC = familyKey(1, 132);
const SRP4 = familyKey(1, 73);
const SRP6 = familyKey(2, 73);
const ctx: CodecContext = DEFAULT_CONTEXT;

function bytes(hex: string): Uint8Array {
  const h = hex.replace(/[\s:]/g, "");
  return Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
}

function vectorHex(name: string): string {
  return readFileSync(`${decodingDir()}/${name}`, "utf8").split("\n")[1].replace(/\s/g, "");
}

/** The UPDATE body of a vector (header dropped when present). */
function updateBody(name: string): Uint8Array {
  const b = bytes(vectorHex(name));
  return b.subarray(0, 16).every((x) => x === 0xff) ? b.subarray(19) : b;
}

/** Attribute values by type code, straight from the wire (RFC 4271 §4.3 layout). */
function rawAttributes(body: Uint8Array): Map<number, Uint8Array> {
  const withdrawn = (body[0] << 8) | body[1];
  let i = 2 + withdrawn;
  const end = i + 2 + ((body[i] << 8) | body[i + 1]);
  i += 2;
  const out = new Map<number, Uint8Array>();
  while (i < end) {
    const extended = (body[i] & 0x10) !== 0;
    const length = extended ? (body[i + 2] << 8) | body[i + 3] : body[i + 2];
    const start = i + (extended ? 4 : 3);
    out.set(body[i + 1], body.subarray(start, start + length));
    i = start + length;
  }
  return out;
}

const VECTOR_1_NLRI =
  "0002005103000000000000000001000020020000040000000102010004C0A87A7E0202000400000000020300040A0A0A0A" +
  "01010020020000040000000102010004C0A87A7E0202000400000000020300040A020202";

describe("BGP-LS NLRI codec (RFC 9552 §5.2)", () => {
  for (let k = 2; k <= 10; k++) {
    const name = `bgp-ls-${k}`;
    it(`${name}: MP_REACH_NLRI and the BGP-LS attribute re-encode to the received bytes`, () => {
      const body = updateBody(name);
      const raw = rawAttributes(body);
      const update = decodeUpdate(body, ctx);
      assert.equal(update.malformed, undefined);
      const reach = update.attributes.find((a) => a.kind === "mp-reach") as MpReach;
      assert.equal(reach.family, BGPLS);
      assert.equal(reach.nlri.length, 1);
      assert.equal(reach.nlri[0].kind, "bgp-ls");
      assert.deepEqual(encodeMpReach(reach, ctx), raw.get(14));
      const ls = update.attributes.find((a) => a.code === 29);
      assert.ok(ls && ls.kind === "bgp-ls");
      assert.deepEqual(ls.value, raw.get(29));
    });
  }

  it("decodes several NLRI of one field, and each re-encodes alone (the RIB key form)", () => {
    const one = bytes(VECTOR_1_NLRI);
    const two = new Uint8Array([...one, ...one]);
    const nlri = decodeNlri(BGPLS, two, ctx);
    assert.equal(nlri.length, 2);
    for (const n of nlri) {
      assert.deepEqual(encodeNlri(n, ctx), one);
      assert.deepEqual(decodeNlri(BGPLS, encodeNlri(n, ctx), ctx), [n]);
    }
    assert.equal(nlriKey(nlri[0]), nlriKey(nlri[1]));
  });

  it("reads the link NLRI fields: protocol, identifier, local and remote node descriptors", () => {
    const [n] = decodeNlri(BGPLS, bytes(VECTOR_1_NLRI), ctx) as BgpLsNlri[];
    const c = bgpLsContent(n);
    assert.ok("protocol" in c && c.type === 2);
    assert.equal(c.protocol, 3); // OSPFv2
    assert.equal(c.identifier, 0n);
    assert.deepEqual(c.local, [
      { kind: "autonomous-system", asn: 1 },
      { kind: "bgp-ls-identifier", id: 0xc0a87a7e },
      { kind: "ospf-area-id", area: "0.0.0.0" },
      { kind: "router-id", id: "10.10.10.10" },
    ]);
    assert.deepEqual(c.remote[3], { kind: "router-id", id: "10.2.2.2" });
  });

  it("IS-IS router ids are system ids; a pseudonode carries its PSN (RFC 9552 §5.2.1.4)", () => {
    // Node NLRI, IS-IS level 2, identifier 0, local node: router id 0000.0000.0014 pseudonode 3.
    const n = decodeNlri(
      BGPLS,
      bytes("0001 0018 02 0000000000000000 0100 000B 0203 0007 00000000001403"),
      ctx,
    );
    const c = bgpLsContent(n[0] as BgpLsNlri);
    assert.ok("local" in c);
    assert.deepEqual(c.local, [{ kind: "router-id", id: "00000000001403", psn: 3 }]);
    assert.equal(
      lsFamilyNlriJson(n[0] as BgpLsNlri, "192.0.2.1"),
      `{ "ls-nlri-type": "bgpls-node", "l3-routing-topology": 0, "protocol-id": 2, "node-descriptors": [ { "router-id": "00000000001403", "psn": "3" } ], "nexthop": "192.0.2.1" }`,
    );
  });

  it("bgp-ls-vpn: the RD follows the header and is shown as rd (RFC 9552 §5.2)", () => {
    const plain = bytes(VECTOR_1_NLRI);
    // Type 2, length + 8, RD type 0 65000:1, then the same value.
    const vpn = new Uint8Array([0x00, 0x02, 0x00, 0x59, 0, 0, 0xfd, 0xe8, 0, 0, 0, 1, ...plain.subarray(4)]);
    const [n] = decodeNlri(BGPLS_VPN, vpn, ctx) as BgpLsNlri[];
    assert.deepEqual(encodeNlri(n, ctx), vpn);
    const json = JSON.parse(lsFamilyNlriJson(n));
    assert.equal(json.rd, "65000:1");
    assert.equal(json["ls-nlri-type"], "bgpls-link");
    assert.deepEqual(json["remote-node-descriptors"][3], { "router-id": "10.2.2.2" });
  });

  it("IPv6 prefix NLRI: reachability padded to an address, OSPF route type shown", () => {
    // Type 4, OSPFv3 (6), local node AS 65001, OSPF route type 1 (intra-area), 2001:db8::/32.
    const v = "06 0000000000000000 0100 0008 0200 0004 0000FDE9 0108 0001 01 0109 0005 20 20010DB8";
    const value = bytes(v);
    const nlri = new Uint8Array([0, 4, 0, value.length, ...value]);
    const [n] = decodeNlri(BGPLS, nlri, ctx) as BgpLsNlri[];
    const json = JSON.parse(lsFamilyNlriJson(n, "2001:db8::1"));
    assert.equal(json["ls-nlri-type"], "bgpls-prefix-v6");
    assert.equal(json["ip-reach-prefix"], "2001:db8::/32");
    assert.equal(json["ospf-route-type"], 1);
    assert.equal(json.nexthop, "2001:db8::1");
  });

  it("an NLRI type without a decoder is shown raw, unparsed", () => {
    const [n] = decodeNlri(BGPLS, bytes("0009 0002 ABCD"), ctx) as BgpLsNlri[];
    assert.deepEqual(JSON.parse(lsFamilyNlriJson(n)), { code: 9, parsed: false, raw: "00090002ABCD" });
  });

  it("refuses an NLRI overrunning the field, and a VPN NLRI too short for its RD", () => {
    assert.throws(() => decodeNlri(BGPLS, bytes("0002 0010 03"), ctx), BgpError);
    assert.throws(() => decodeNlri(BGPLS, bytes("0002"), ctx), BgpError);
    assert.throws(() => decodeNlri(BGPLS_VPN, bytes("0001 0004 00000000"), ctx), BgpError);
  });

  it("ADD-PATH: the path identifier is read and written back (RFC 7911 §3)", () => {
    const withPath: CodecContext = { ...ctx, addPath: new Set([BGPLS]) };
    const wire = new Uint8Array([0, 0, 0, 7, ...bytes(VECTOR_1_NLRI)]);
    const [n] = decodeNlri(BGPLS, wire, withPath);
    assert.equal(n.pathId, 7);
    assert.deepEqual(encodeNlri(n, withPath), wire);
  });
});

describe("RIB keys of the receive-only families", () => {
  it("nlriFromKey(nlriKey(n)) rebuilds BGP-LS, RTC and SR Policy NLRI, path id included", () => {
    const withPath: CodecContext = { ...ctx, addPath: new Set([BGPLS]) };
    const samples = [
      ...decodeNlri(BGPLS, new Uint8Array([0, 0, 0, 9, ...bytes(VECTOR_1_NLRI)]), withPath),
      ...decodeNlri(RTC, bytes("60 0000FDE8 0002FDE800000064 00"), ctx),
      ...decodeNlri(SRP4, bytes("60 00000001 00000064 C0000201"), ctx),
    ];
    assert.equal(samples.length, 4);
    for (const n of samples) assert.deepEqual(nlriFromKey(nlriKey(n)), n);
  });
});

describe("Adj-RIB-In with BGP-LS routes", () => {
  it("keeps a received link with its next hop and BGP-LS attribute, and removes it on MP_UNREACH_NLRI", () => {
    const rib = new AdjRibIn();
    const update = decodeUpdate(updateBody("bgp-ls-2"), ctx);
    rib.apply(update);
    const routes = [...rib.routes()];
    assert.equal(routes.length, 1);
    const reach = update.attributes.find((a) => a.kind === "mp-reach") as MpReach;
    assert.deepEqual(routes[0].nlri, reach.nlri[0]);
    assert.deepEqual(routes[0].nextHop, { kind: "ip", address: "192.168.255.29" });
    assert.ok(routes[0].attributes.some((a) => a.kind === "bgp-ls"));
    rib.apply({
      type: "update",
      withdrawn: [],
      announced: [],
      attributes: [{ code: 15, kind: "mp-unreach", family: BGPLS, nlri: reach.nlri }],
    });
    assert.equal(rib.size, 0);
  });
});

describe("BGP-LS attribute (RFC 9552 §5.3)", () => {
  const json = (tlvs: string) => JSON.parse(`{ ${bgpLsAttributeJson(bytes(tlvs))} }`)["bgp-ls"];

  it("IGP metric: 6 bits of one octet (IS-IS narrow), two octets (OSPF), three (IS-IS wide)", () => {
    assert.deepEqual(json("0447 0001 FF"), { "igp-metric": 63 });
    assert.deepEqual(json("0447 0002 0102"), { "igp-metric": 258 });
    assert.deepEqual(json("0447 0003 010000"), { "igp-metric": 65536 });
  });

  it("local TE router ids (IPv4 1028, IPv6 1029) are merged into one list", () => {
    assert.deepEqual(json("0404 0004 0A000001 0405 0010 20010DB8000000000000000000000001"), {
      "local-te-router-ids": ["10.0.0.1", "2001:db8::1"],
    });
  });

  it("node name, node flags (O bit set), TE bandwidth as IEEE float (bytes/s)", () => {
    // 0x4CEE6B28 = 125000000.0 (1 Gbit/s in bytes per second).
    assert.deepEqual(json("0402 0002 7231 0400 0001 80 0441 0004 4CEE6B28"), {
      "node-name": "r1",
      "node-flags": { O: 1, T: 0, E: 0, B: 0, R: 0, V: 0, RSV: 0 },
      "maximum-link-bandwidth": 125000000,
    });
  });

  it("prefix SID (RFC 9085 §2.3.1): a 4-octet index when V and L are clear", () => {
    assert.deepEqual(json("0486 0008 40 00 0000 00000010"), {
      "sr-prefix-flags": { R: 0, N: 1, P: 0, E: 0, V: 0, L: 0, RSV: 0 },
      sids: [16],
      "undecoded-sids": [],
      "sr-algorithm": 0,
    });
  });

  it("SRv6 locator (RFC 9514 §5.1), endpoint behavior (§7.1) and SID structure (§8)", () => {
    // Locator: D flag set, algorithm 128, metric 10; behavior End (1), algorithm 0; structure 32/16/16/0.
    assert.deepEqual(json("048A 0008 80 80 0000 0000000A 04E2 0004 0001 00 00 04E4 0004 20 10 10 00"), {
      "srv6-locator": { flags: { D: 1, RSV: 0 }, algorithm: 128, metric: 10 },
      "srv6-endpoint-behavior": { "endpoint-behavior": 1, flags: [], algorithm: 0 },
      "srv6-sid-structure": { loc_block_len: 32, loc_node_len: 16, func_len: 16, arg_len: 0 },
    });
  });

  it("a TLV too short for its layout is shown generic rather than misread", () => {
    assert.deepEqual(json("0441 0002 4CEE"), { "generic-lsid-1089": ["0x4CEE"] });
  });

  it("TLVs without a decoder are shown as generic-lsid-<code> with their hex", () => {
    assert.deepEqual(json("FFFF 0002 ABCD"), { "generic-lsid-65535": ["0xABCD"] });
  });

  it("an attribute whose TLV overruns it is discarded, the routes kept (RFC 9552 §8.2.2)", () => {
    const { attributes, malformed } = decodeAttributes(bytes("801D 05 0447 0003 00"), ctx);
    assert.equal(attributes.length, 0);
    assert.deepEqual(malformed.map((m) => [m.action, m.code]), [["attribute-discard", 29]]);
  });
});

describe("RTC NLRI (RFC 4684 §4)", () => {
  it("a /96: origin AS and route target", () => {
    const wire = bytes("60 0000FDE8 0002FDE800000064");
    const [n] = decodeNlri(RTC, wire, ctx) as BgpLsNlri[];
    assert.equal(n.kind, "rtc");
    assert.deepEqual(encodeNlri(n, ctx), wire);
    assert.deepEqual(JSON.parse(lsFamilyNlriJson(n)), { origin: 65000, "route-target": "target:65000:100" });
  });

  it("the default route target (length 0) and a partial prefix", () => {
    const nlri = decodeNlri(RTC, bytes("00 30 0000FDE8 0002"), ctx) as BgpLsNlri[];
    assert.equal(nlri.length, 2);
    assert.deepEqual(JSON.parse(lsFamilyNlriJson(nlri[0])), { origin: 0, "route-target": null });
    assert.deepEqual(JSON.parse(lsFamilyNlriJson(nlri[1])), {
      origin: 65000,
      "route-target": null,
      "prefix-length": 48,
      "route-target-prefix": "0x0002",
    });
  });

  it("text form: rtc <origin>:<route-target>, rtc wildcard", () => {
    const nlri = decodeNlri(RTC, bytes("60 0000FDE8 0002FDE800000064 00"), ctx) as BgpLsNlri[];
    assert.deepEqual(nlri.map(lsFamilyNlriText), ["rtc 65000:target:65000:100", "rtc wildcard"]);
  });

  it("refuses lengths between 1 and 31 bits and above 96", () => {
    assert.throws(() => decodeNlri(RTC, bytes("10 0000"), ctx), BgpError);
    assert.throws(() => decodeNlri(RTC, bytes("61 0000FDE8 0002FDE80000006400"), ctx), BgpError);
  });
});

describe("SR Policy NLRI (RFC 9830 §2.1)", () => {
  it("IPv4: distinguisher, color, endpoint", () => {
    const wire = bytes("60 00000001 00000064 C0000201");
    const [n] = decodeNlri(SRP4, wire, ctx) as BgpLsNlri[];
    assert.deepEqual(encodeNlri(n, ctx), wire);
    assert.deepEqual(JSON.parse(lsFamilyNlriJson(n)), {
      distinguisher: 1,
      color: 100,
      endpoint: "192.0.2.1",
    });
  });

  it("IPv6: 192 bits", () => {
    const [n] = decodeNlri(
      SRP6,
      bytes("C0 00000002 000000C8 20010DB8000000000000000000000001"),
      ctx,
    ) as BgpLsNlri[];
    assert.deepEqual(JSON.parse(lsFamilyNlriJson(n)), {
      distinguisher: 2,
      color: 200,
      endpoint: "2001:db8::1",
    });
  });

  it("text form names the three fields", () => {
    const [n] = decodeNlri(SRP4, bytes("60 00000001 00000064 C0000201"), ctx) as BgpLsNlri[];
    assert.equal(lsFamilyNlriText(n), "sr-policy distinguisher 1 color 100 endpoint 192.0.2.1");
  });

  it("the length must match the endpoint's family", () => {
    assert.throws(() => decodeNlri(SRP6, bytes("60 00000001 00000064 C0000201"), ctx), BgpError);
  });
});
