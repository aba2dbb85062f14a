/**
 * VPLS (RFC 4761), EVPN (RFC 7432) and MCAST-VPN (RFC 6514) NLRI: the codecs against ExaBGP's conformance
 * bytes (every UPDATE of conf-l2vpn, api-vpls, conf-mvpn, api-mvpn decodes and re-encodes identically), the
 * RIB key round trip, and the JSON of the decoding vector bgp-evpn-1 and of the RFC field layouts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BgpError } from "../../../lib/bgp/error.ts";
import { decodeNlri, encodeNlri, nlriKey } from "../../../lib/bgp/nlri/codec.ts";
import { L2VPN_VPLS, vplsFields, vplsJson, vplsNlri, vplsToString } from "../../../lib/bgp/nlri/vpls.ts";
import { evpnJson, L2VPN_EVPN } from "../../../lib/bgp/nlri/evpn.ts";
import {
  IPV4_MCAST_VPN,
  IPV6_MCAST_VPN,
  mvpnFields,
  mvpnJson,
  mvpnNlri,
  mvpnToString,
} from "../../../lib/bgp/nlri/mvpn.ts";
import { parseRd } from "../../../lib/bgp/qualifier/rd.ts";
import { decodeUpdate, encodeUpdate } from "../../../lib/bgp/message/update.ts";
import { type CodecContext, DEFAULT_CONTEXT, type L2Nlri, type Nlri } from "../../../lib/bgp/types.ts";
import { nlriFromKey } from "../../../lib/rib/nlri_key.ts";
import { extendedCommunityString } from "../../../lib/api/json.ts";
import { conformanceDir, conformanceUpdates, fromHex, toHex } from "../update/wire.ts";
import { decodeCommand } from "../../../lib/tools/decode.ts";
import { withoutVolatileKeys } from "../../helpers/sandbox.ts";

function l2(n: Nlri): L2Nlri {
  assert.ok(n.kind === "vpls" || n.kind === "evpn" || n.kind === "mvpn", n.kind);
  return n as L2Nlri;
}

/** Every NLRI of the MP attributes of a conformance test's UPDATEs. */
function mpNlri(test: string): Nlri[] {
  const out: Nlri[] = [];
  for (const m of conformanceUpdates(test)) {
    for (const a of decodeUpdate(m.subarray(19), DEFAULT_CONTEXT).attributes) {
      if (a.kind === "mp-reach" || a.kind === "mp-unreach") out.push(...a.nlri);
    }
  }
  return out;
}

describe("conformance UPDATEs decode and re-encode identically", () => {
  const CASES: Record<string, readonly number[]> = {
    "conf-l2vpn": [L2VPN_VPLS],
    "api-vpls": [L2VPN_VPLS],
    "conf-mvpn": [IPV4_MCAST_VPN, IPV6_MCAST_VPN],
    "api-mvpn": [IPV4_MCAST_VPN, IPV6_MCAST_VPN],
  };
  for (const [test, families] of Object.entries(CASES)) {
    it(test, () => {
      let count = 0;
      for (const message of conformanceUpdates(test)) {
        const body = message.subarray(19);
        const update = decodeUpdate(body, DEFAULT_CONTEXT);
        assert.equal(update.malformed, undefined);
        for (const a of update.attributes) {
          if (a.kind !== "mp-reach" && a.kind !== "mp-unreach") continue;
          assert.ok(families.includes(a.family));
          for (const n of a.nlri) l2(n), count++;
        }
        assert.equal(toHex(encodeUpdate(update, DEFAULT_CONTEXT)), toHex(body));
      }
      assert.ok(count > 0, "the test sends NLRI of the family");
    });
  }
});

describe("VPLS (RFC 4761 §3.2.2)", () => {
  // conf-l2vpn: rd 192.168.201.1:123 endpoint 5 base 10702 offset 1 size 8.
  const WIRE = "00110001C0A8C901007B000500010008029CE1";

  it("builds ExaBGP's bytes from the fields", () => {
    const n = vplsNlri({ rd: parseRd("192.168.201.1:123")!, endpoint: 5, base: 10702, offset: 1, size: 8 });
    assert.equal(n.family, L2VPN_VPLS);
    assert.equal(toHex(encodeNlri(n, DEFAULT_CONTEXT)), WIRE);
  });

  it("reads the fields back, and shows them as ExaBGP does", () => {
    const [n] = decodeNlri(L2VPN_VPLS, fromHex(WIRE), DEFAULT_CONTEXT);
    const f = vplsFields(l2(n))!;
    assert.deepEqual([f.endpoint, f.base, f.offset, f.size], [5, 10702, 1, 8]);
    assert.deepEqual(JSON.parse(vplsJson(l2(n))), {
      rd: "192.168.201.1:123",
      endpoint: 5,
      base: 10702,
      offset: 1,
      size: 8,
    });
    assert.equal(vplsToString(l2(n)), "vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123");
  });

  it("two NLRI in one field, and a truncated one is an Invalid Network Field error (3/10)", () => {
    const both = decodeNlri(L2VPN_VPLS, fromHex(WIRE + WIRE), DEFAULT_CONTEXT);
    assert.equal(both.length, 2);
    assert.throws(
      () => decodeNlri(L2VPN_VPLS, fromHex(WIRE.slice(0, -2)), DEFAULT_CONTEXT),
      (e) => e instanceof BgpError && e.code === 3 && e.subcode === 10,
    );
  });

  it("ADD-PATH: the path identifier precedes the NLRI (RFC 7911 §3)", () => {
    const ctx: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set([L2VPN_VPLS]) };
    const [n] = decodeNlri(L2VPN_VPLS, fromHex("00000007" + WIRE), ctx);
    assert.equal(n.pathId, 7);
    assert.equal(toHex(encodeNlri(n, ctx)), "00000007" + WIRE);
  });

  it("ADD-PATH: an NLRI without a path identifier is sent with path id 0 (every NLRI carries one)", () => {
    const ctx: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set([L2VPN_VPLS]) };
    const [n] = decodeNlri(L2VPN_VPLS, fromHex(WIRE), DEFAULT_CONTEXT);
    assert.equal(n.pathId, undefined);
    assert.equal(toHex(encodeNlri(n, ctx)), "00000000" + WIRE);
  });
});

describe("RIB keys of l2vpn and mcast-vpn NLRI", () => {
  it("nlriFromKey(nlriKey(n)) gives back the NLRI, path id included", () => {
    const all = [...mpNlri("conf-l2vpn"), ...mpNlri("conf-mvpn"), ...mpNlri("api-mvpn")];
    const withPath = { ...l2(all[0]), pathId: 3 };
    for (const n of [...all, withPath]) {
      const back = nlriFromKey(nlriKey(n));
      assert.equal(back.kind, n.kind);
      assert.equal(back.family, n.family);
      assert.equal(back.pathId, n.pathId);
      assert.equal(toHex(l2(back).bytes), toHex(l2(n).bytes));
    }
  });
});

describe("MCAST-VPN (RFC 6514 §4.5, §4.6)", () => {
  const rd = parseRd("65000:99999")!;
  // Expected bytes: the NLRI of conf-mvpn's UPDATEs.
  const CASES: readonly [Parameters<typeof mvpnNlri>[0], string, string][] = [
    [
      { type: 6, rd, sourceAs: 65000, source: "10.99.199.1", group: "239.251.255.228" },
      "06160000FDE80001869F0000FDE8200A63C70120EFFBFFE4",
      "shared-join rp 10.99.199.1 group 239.251.255.228 rd 65000:99999 source-as 65000",
    ],
    [
      { type: 7, rd, sourceAs: 65000, source: "10.99.12.2", group: "239.251.255.228" },
      "07160000FDE80001869F0000FDE8200A630C0220EFFBFFE4",
      "source-join source 10.99.12.2 group 239.251.255.228 rd 65000:99999 source-as 65000",
    ],
    [
      { type: 5, rd, source: "10.99.12.4", group: "239.251.255.228" },
      "05120000FDE80001869F200A630C0420EFFBFFE4",
      "source-ad source 10.99.12.4 group 239.251.255.228 rd 65000:99999",
    ],
    [
      { type: 6, rd, sourceAs: 65000, source: "fd00::1", group: "ff0e::1" },
      "062E0000FDE80001869F0000FDE880FD00000000000000000000000000000180FF0E0000000000000000000000000001",
      "shared-join rp fd00::1 group ff0e::1 rd 65000:99999 source-as 65000",
    ],
    [
      { type: 5, rd, source: "fd12::4", group: "ff0e::1" },
      "052A0000FDE80001869F80FD12000000000000000000000000000480FF0E0000000000000000000000000001",
      "source-ad source fd12::4 group ff0e::1 rd 65000:99999",
    ],
  ];

  it("fields → the conformance bytes → the same fields, and the text form", () => {
    const sent = new Set(mpNlri("conf-mvpn").map((n) => toHex(l2(n).bytes)));
    for (const [fields, hex, text] of CASES) {
      const n = mvpnNlri(fields);
      assert.equal(n.family, fields.source.includes(":") ? IPV6_MCAST_VPN : IPV4_MCAST_VPN);
      assert.equal(toHex(n.bytes), hex);
      assert.ok(sent.has(hex), `conf-mvpn sends ${hex}`);
      const back = mvpnFields(n)!;
      assert.equal(back.source, fields.source);
      assert.equal(back.group, fields.group);
      assert.equal(back.sourceAs, fields.sourceAs);
      assert.equal(mvpnToString(n), text);
    }
  });

  it("JSON as ExaBGP's nlri/mvpn/*.py writes it", () => {
    const [, hex] = CASES[0];
    const [n] = decodeNlri(IPV4_MCAST_VPN, fromHex(hex), DEFAULT_CONTEXT);
    assert.deepEqual(JSON.parse(mvpnJson(l2(n))), {
      code: 6,
      parsed: true,
      raw: hex,
      name: "C-Multicast Shared Tree Join route",
      rd: "65000:99999",
      "source-as": "65000",
      source: "10.99.199.1",
      group: "239.251.255.228",
    });
    // An Intra-AS I-PMSI A-D route (type 1) is kept raw.
    const raw = "010C0000FDE80001869F0A0A0603";
    const [other] = decodeNlri(IPV4_MCAST_VPN, fromHex(raw), DEFAULT_CONTEXT);
    assert.deepEqual(JSON.parse(mvpnJson(l2(other))), { code: 1, parsed: false, raw });
    assert.equal(toHex(encodeNlri(other, DEFAULT_CONTEXT)), raw);
  });
});

describe("EVPN (RFC 7432 §7)", () => {
  /** decoding/bgp-evpn-1: an MP_UNREACH_NLRI of six EVPN routes, and ExaBGP's JSON of each. */
  function vector(): { nlri: Nlri[]; expected: unknown[] } {
    const [, hex, json] = readFileSync(`${conformanceDir()}decoding/bgp-evpn-1`, "utf8").split("\n");
    const update = decodeUpdate(fromHex(hex.trim()), DEFAULT_CONTEXT);
    const unreach = update.attributes.find((a) => a.kind === "mp-unreach");
    assert.ok(unreach && unreach.kind === "mp-unreach");
    assert.equal(unreach.family, L2VPN_EVPN);
    const expected = JSON.parse(json).neighbor.message.update.withdraw["l2vpn evpn"];
    return { nlri: [...unreach.nlri], expected };
  }

  it("bgp-evpn-1: each NLRI's JSON is ExaBGP's (MAC/IP routes parsed, type 8 raw)", () => {
    const { nlri, expected } = vector();
    assert.equal(nlri.length, expected.length);
    nlri.forEach((n, i) => assert.deepEqual(JSON.parse(evpnJson(l2(n))), expected[i]));
  });

  it("bgp-evpn-1: `tsbgp decode` prints ExaBGP's whole event", () => {
    const [head, hex, json] = readFileSync(`${conformanceDir()}decoding/bgp-evpn-1`, "utf8").split("\n");
    const r = decodeCommand(["--update", "-f", head.trim().split(/\s+/).slice(1).join(" "), hex.trim()]);
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(withoutVolatileKeys(r.output), withoutVolatileKeys(json));
  });

  it("bgp-evpn-1: the NLRI re-encode to the bytes they came from", () => {
    const { nlri, expected } = vector();
    nlri.forEach((n, i) => {
      assert.equal(toHex(encodeNlri(n, DEFAULT_CONTEXT)), (expected[i] as { raw: string }).raw);
    });
  });

  it("type 3 (Inclusive Multicast Ethernet Tag, §7.3) and type 4 (Ethernet Segment, §7.4)", () => {
    // RD 1.2.3.4:1, tag 100, originator 10.0.0.1 / ESI 00:11:..:99, originator 10.0.0.2.
    const imet = "0311" + "0001010203040001" + "00000064" + "20" + "0A000001";
    const [n3] = decodeNlri(L2VPN_EVPN, fromHex(imet), DEFAULT_CONTEXT);
    assert.deepEqual(JSON.parse(evpnJson(l2(n3))), {
      code: 3,
      parsed: true,
      raw: imet,
      name: "Inclusive Multicast Ethernet Tag",
      rd: "1.2.3.4:1",
      "ethernet-tag": 100,
      ip: "10.0.0.1",
    });
    const es = "0417" + "0001010203040001" + "00112233445566778899" + "20" + "0A000002";
    const [n4] = decodeNlri(L2VPN_EVPN, fromHex(es), DEFAULT_CONTEXT);
    assert.deepEqual(JSON.parse(evpnJson(l2(n4))), {
      code: 4,
      parsed: true,
      raw: es,
      name: "Ethernet Segment",
      rd: "1.2.3.4:1",
      esi: "00:11:22:33:44:55:66:77:88:99",
      ip: "10.0.0.2",
    });
  });
});

describe("Layer2 Info extended community (RFC 4761 §3.2.4)", () => {
  it("l2info:19:0:1500:111 as ExaBGP prints it (conf-l2vpn's bytes)", () => {
    assert.equal(extendedCommunityString(fromHex("800A130005DC006F")), "l2info:19:0:1500:111");
  });
});
