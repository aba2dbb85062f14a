/**
 * FlowSpec NLRI (RFC 8955, RFC 8956): the codec against the bytes ExaBGP 5.0 sends in the conformance suite
 * (encoding/*flow*.msg), its text and JSON against the decoding vectors bgp-flow-1..4, malformed input, and
 * the two Adj-RIB-Out behaviours ExaBGP shows for FlowSpec (api-flow, api-flow-merge).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeUpdate, encodeUpdate } from "../../../lib/bgp/message/update.ts";
import { decodeNlri, encodeNlri, nlriKey } from "../../../lib/bgp/nlri/codec.ts";
import { flowJson, flowToString } from "../../../lib/bgp/nlri/flow_text.ts";
import { FlowOp } from "../../../lib/bgp/nlri/flow_components.ts";
import { familyKey } from "../../../lib/bgp/family.ts";
import { BgpError } from "../../../lib/bgp/error.ts";
import { DEFAULT_CONTEXT, type FlowNlri, type MpReach, type Nlri } from "../../../lib/bgp/types.ts";
import { nlriFromKey } from "../../../lib/rib/nlri_key.ts";
import { extendedCommunityString, nlriJson } from "../../../lib/api/json.ts";
import { AdjRibOut } from "../../../lib/rib/adj_rib_out.ts";

const SUITE = new URL("../../../conformance/exabgp-5.0/", import.meta.url).pathname;
const FLOW4 = familyKey(1, 133);
const FLOW6 = familyKey(2, 133);
const FLOW4_VPN = familyKey(1, 134);
const TESTS = ["conf-flow", "conf-flow-redirect", "api-flow", "api-flow-merge", "api-broken-flow"];

function fromHex(text: string): Uint8Array {
  const h = text.replace(/[^0-9a-fA-F]/g, "");
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(i * 2, i * 2 + 2), 16));
}
function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** The `raw:` messages of encoding/<test>.msg, upper-case hex without separators. */
function messages(test: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync(`${SUITE}encoding/${test}.msg`, "utf8").split("\n")) {
    const m = /^[A-Z]?\d+:raw:(.*)$/.exec(line.trim());
    if (m && !line.includes("#")) out.push(m[1].replace(/:/g, "").toUpperCase());
  }
  return out;
}

/** The flow NLRI of one full UPDATE message (header included). */
function flowOf(message: string): FlowNlri {
  const update = decodeUpdate(fromHex(message).subarray(19), DEFAULT_CONTEXT);
  const mp = update.attributes.find((a) => a.kind === "mp-reach" || a.kind === "mp-unreach") as MpReach;
  assert.equal(mp.nlri.length, 1);
  assert.equal(mp.nlri[0].kind, "flow");
  return mp.nlri[0] as FlowNlri;
}

/** The decoding vector `decoding/<name>`: hex of the UPDATE and the NLRI object of its JSON. */
function vector(name: string): { message: string; nlri: Record<string, unknown> } {
  const [, hex, json] = readFileSync(`${SUITE}decoding/${name}`, "utf8").split("\n");
  const announce = JSON.parse(json).neighbor.message.update.announce;
  const family = Object.values(announce)[0] as Record<string, unknown[]>;
  return { message: hex.trim(), nlri: family["no-nexthop"][0] as Record<string, unknown> };
}

describe("FlowSpec codec against ExaBGP's bytes", () => {
  it("every UPDATE of the flow tests decodes and encodes back to the same bytes", () => {
    let flows = 0;
    for (const test of TESTS) {
      for (const m of messages(test)) {
        const body = fromHex(m).subarray(19);
        const update = decodeUpdate(body, DEFAULT_CONTEXT);
        for (const a of update.attributes) {
          if (a.kind === "mp-reach" || a.kind === "mp-unreach") {
            flows += a.nlri.filter((n) => n.kind === "flow").length;
          }
        }
        assert.equal(toHex(encodeUpdate(update, DEFAULT_CONTEXT)), m.slice(38), `${test}: ${m}`);
      }
    }
    assert.ok(flows >= 35, `${flows} flow NLRI seen`);
  });

  it("reads IPv6 components: prefixes with offsets, next-header, traffic-class, flow-label (RFC 8956 §3)", () => {
    const m = messages("conf-flow").find((x) => x.includes("2A020B80"))!;
    const n = flowOf(m);
    assert.equal(n.family, FLOW6);
    assert.deepEqual(n.components, [
      { type: 1, kind: "prefix", length: 128, offset: 0, bytes: fromHex("2A020B80001500007ACA39FFFEAEA87A") },
      {
        type: 2,
        kind: "prefix",
        length: 128,
        offset: 120,
        bytes: fromHex("00000000000000000000000000000001"),
      },
      { type: 3, kind: "numeric", terms: [{ op: FlowOp.EQ, value: 17 }] },
      { type: 11, kind: "numeric", terms: [{ op: FlowOp.EQ, value: 101 }] },
      { type: 13, kind: "numeric", terms: [{ op: FlowOp.EQ | 0x10, value: 2013 }] },
    ]);
    assert.equal(
      flowToString(n),
      // RFC 5952 §4.2.2: "::" never stands for a single zero group.
      "flow destination-ipv6 2a02:b80:15:0:7aca:39ff:feae:a87a/128/0 source-ipv6 ::1/128/120 next-header =udp " +
        "traffic-class =101 flow-label =2013",
    );
  });

  it("reads the route distinguisher of flow-vpn (RFC 8955 §8) and numeric AND terms", () => {
    const vpn = flowOf(messages("conf-flow").find((x) => x.includes("0000FFFF00010000"))!);
    assert.equal(vpn.family, FLOW4_VPN);
    assert.deepEqual([...vpn.rd!], [0, 0, 0xff, 0xff, 0, 1, 0, 0]);
    assert.equal(flowToString(vpn), "flow source-ipv4 10.0.0.1/32 rd 65535:65536");
    const len = flowOf(messages("conf-flow").find((x) => x.includes("0A02C854012C"))!);
    assert.equal(flowToString(len), "flow packet-length [ >200&<300 >400&<500 ]");
    assert.match(flowJson(len), /"packet-length": \[ ">200&<300", ">400&<500" \]/);
  });

  it("the RIB key rebuilds the same NLRI (nlriFromKey → decodeNlri accepts what the encoder writes)", () => {
    for (const test of TESTS) {
      for (const m of messages(test)) {
        if (!m.includes("800E") && !m.includes("800F")) continue;
        const update = decodeUpdate(fromHex(m).subarray(19), DEFAULT_CONTEXT);
        for (const a of update.attributes) {
          if (a.kind !== "mp-reach" && a.kind !== "mp-unreach") continue;
          for (const n of a.nlri) assert.deepEqual(nlriFromKey(nlriKey(n)), n);
        }
      }
    }
  });
});

describe("FlowSpec text and JSON (decoding vectors bgp-flow-1..4)", () => {
  for (const name of ["bgp-flow-1", "bgp-flow-2", "bgp-flow-3", "bgp-flow-4"]) {
    it(`${name}: the NLRI object and its "string"`, () => {
      const v = vector(name);
      const n = flowOf(v.message);
      assert.deepEqual(JSON.parse(flowJson(n)), v.nlri);
      assert.equal(flowToString(n), v.nlri.string);
    });
  }
});

describe("FlowSpec with a next hop (redirect-to-nexthop, conf-flow)", () => {
  it("the JSON object and the text carry the MP_REACH next hop after the components", () => {
    const m = messages("conf-flow").find((x) => x.endsWith("000185040102030400060120C0A80001"))!;
    const n = flowOf(m);
    assert.deepEqual(JSON.parse(nlriJson(n, false, "1.2.3.4")), {
      "destination-ipv4": ["192.168.0.1/32"],
      "next-hop": "1.2.3.4",
      string: "flow destination-ipv4 192.168.0.1/32 next-hop 1.2.3.4",
    });
    assert.equal(flowToString(n, "no-nexthop"), "flow destination-ipv4 192.168.0.1/32");
  });
});

describe("FlowSpec actions in JSON (extended communities by ExaBGP's names)", () => {
  it("names traffic-rate, redirect, interface-set (draft-ietf-idr-flowspec-interfaceset) and the others", () => {
    const cases: [string, string][] = [
      ["8006000046160000", "rate-limit:9600"], // RFC 8955 §7.3: IEEE float 9600.0
      ["800C000042C80000", "rate-limit-packets:100"], // §7.4
      ["8007000000000003", "action sample-terminal"], // §7.5
      ["8008FFDC00003039", "redirect:65500:12345"], // §7.6
      ["800900000000000A", "mark 10"], // §7.7
      ["0800000000000001", "copy-to-nexthop"],
      ["010C010203040000", "redirect-to-nexthop-ietf 1.2.3.4"],
      ["4702CAFFEE014001", "interface-set:input:3405770241:1"],
      ["0702000000FE80FE", "interface-set:output:254:254"],
      ["0702000004D2C00A", "interface-set:input-output:1234:10"],
    ];
    for (const [hex, name] of cases) assert.equal(extendedCommunityString(fromHex(hex)), name, hex);
  });
});

describe("FlowSpec wire details", () => {
  const ports = (count: number): FlowNlri => ({
    kind: "flow",
    family: FLOW4,
    components: [{
      type: 4,
      kind: "numeric",
      terms: Array.from({ length: count }, (_, i) => ({ op: FlowOp.EQ | 0x10, value: 1000 + i })),
    }],
  });

  it("a length of 240 octets or more takes two octets, 0xFnnn (RFC 8955 §4.1)", () => {
    const short = encodeNlri(ports(79), DEFAULT_CONTEXT); // 1 + 79 * 3 = 238 octets
    assert.equal(short[0], 238);
    const long = encodeNlri(ports(80), DEFAULT_CONTEXT); // 241 octets
    assert.deepEqual([long[0], long[1]], [0xf0, 241]);
    assert.equal(long.length, 243);
    assert.deepEqual(decodeNlri(FLOW4, long, DEFAULT_CONTEXT), [ports(80)]);
  });

  it("several NLRI in one attribute, with ADD-PATH path ids (RFC 7911 §3)", () => {
    const ctx = { ...DEFAULT_CONTEXT, addPath: new Set([FLOW4]) };
    const bytes = fromHex("00000007 06 0120C0A80001 00000000 03 0C8008");
    const list = decodeNlri(FLOW4, bytes, ctx);
    assert.equal(list.length, 2);
    assert.equal(list[0].pathId, 7);
    assert.equal(flowToString(list[1] as FlowNlri), "flow fragment last-fragment");
    const again = list.map((n: Nlri) => toHex(encodeNlri(n, ctx))).join("");
    assert.equal(again, toHex(bytes));
  });

  it("malformed NLRI are errors (RFC 4271 §6.3 Invalid Network Field)", () => {
    const bad = [
      "06 0220C0A80001 0120", // components out of order (2 before 1)
      "03 038106 05", // a component after the length
      "04 03 01 06", // no end-of-list operator
      "05 0120C0A800", // a prefix longer than the NLRI
      "02 0E81", // type 14 is not defined for IPv4
      "F0", // a two-octet length cut short
    ];
    for (const hex of bad) {
      assert.throws(() => decodeNlri(FLOW4, fromHex(hex), DEFAULT_CONTEXT), (e: unknown) => {
        assert.ok(e instanceof BgpError, hex);
        assert.equal(e.code, 3);
        assert.equal(e.subcode, 10);
        return true;
      });
    }
  });
});

describe("FlowSpec in the Adj-RIB-Out (ExaBGP 5.0 behaviours)", () => {
  const negotiated = { families: [FLOW4], asn4: true, addPathSend: new Set<number>(), maxMessageSize: 4096 };
  const drain = (rib: AdjRibOut) => rib.next(Infinity).map(toHex);

  it("api-flow: withdrawing a flow never announced sends an UPDATE with the attributes and no NLRI", () => {
    const rib = new AdjRibOut({ localAs: 1, peerAs: 1, localAddress: "127.0.0.1" });
    rib.start(negotiated);
    drain(rib);
    const expected = messages("api-flow");
    const announce = flowOf(expected[3]);
    rib.withdraw({ nlri: announce, nextHop: { kind: "none" }, attributes: [] });
    assert.deepEqual(drain(rib), [expected[1]]);
    assert.equal(expected[1], "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0025020000000E4001010040020040050400000064");
  });

  it("api-flow-merge: flow routes configured with the same NLRI are each sent once, then only the last", () => {
    const expected = messages("api-flow-merge");
    const [two, one] = [expected[0], expected[1]];
    const attrs = (m: string) =>
      decodeUpdate(fromHex(m).subarray(19), DEFAULT_CONTEXT).attributes.filter((a) =>
        a.kind === "extended-community"
      );
    const nlri = flowOf(one);
    const rib = new AdjRibOut({ localAs: 1, peerAs: 1, localAddress: "127.0.0.1", groupUpdates: false });
    rib.announce({ nlri, nextHop: { kind: "none" }, attributes: attrs(one) });
    rib.announce({ nlri, nextHop: { kind: "none" }, attributes: attrs(two) });
    rib.start(negotiated);
    const eor = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E0200000007900F0003000185";
    assert.deepEqual(drain(rib).sort(), [one, two, eor].sort());
    rib.stop();
    rib.start(negotiated);
    assert.deepEqual(drain(rib), [two, eor]);
  });
});
