import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRouteLine, parseRouteLineSpec, RouteError } from "../../lib/config/route.ts";
import { parseCommunity, parseExtendedCommunity, parseLargeCommunity } from "../../lib/config/community.ts";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { type Attribute, DEFAULT_CONTEXT, type PrefixNlri } from "../../lib/bgp/types.ts";
import { encodeNlri } from "../../lib/bgp/nlri/codec.ts";
import { toHex } from "../bgp/update/wire.ts";

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
const attr = <K extends Attribute["kind"]>(attrs: readonly Attribute[], kind: K) =>
  attrs.find((a) => a.kind === kind) as Extract<Attribute, { kind: K }> | undefined;

describe("route grammar", () => {
  it("parses the example of the brief", () => {
    const routes = parseRouteLine(
      "10.0.0.0/24 next-hop 1.2.3.4 med 100 community [ 1:2 no-export ] split /25",
    );
    assert.equal(routes.length, 2);
    assert.deepEqual(routes.map((r) => [...(r.nlri as PrefixNlri).bytes]), [[10, 0, 0, 0], [10, 0, 0, 128]]);
    for (const r of routes) {
      assert.equal((r.nlri as PrefixNlri).length, 25);
      assert.equal(r.nlri.family, IPV4_UNICAST);
      assert.deepEqual(r.nextHop, { kind: "ip", address: "1.2.3.4" });
      assert.equal(attr(r.attributes, "med")?.value, 100);
      // RFC 1997: 1:2 = 0x00010002, NO_EXPORT = 0xFFFFFF01.
      assert.deepEqual(attr(r.attributes, "community")?.values, [0x00010002, 0xffffff01]);
    }
  });

  it("a host route without length; an IPv6 prefix", () => {
    const [h] = parseRouteLine("193.0.2.1 next-hop 10.0.0.1");
    assert.equal((h.nlri as PrefixNlri).length, 32);
    const [v6] = parseRouteLine("2001:db8::/32 next-hop 2001:db8::1");
    assert.equal(v6.nlri.family, IPV6_UNICAST);
    assert.deepEqual([...(v6.nlri as PrefixNlri).bytes], [0x20, 0x01, 0x0d, 0xb8]);
  });

  it("split of an IPv6 prefix across a byte boundary", () => {
    const routes = parseRouteLine("2001:db8::/31 next-hop ::1 split /34");
    assert.deepEqual(
      routes.map((r) => [...(r.nlri as PrefixNlri).bytes].map((b) => b.toString(16)).join(".")),
      [
        "20.1.d.b8.0",
        "20.1.d.b8.40",
        "20.1.d.b8.80",
        "20.1.d.b8.c0",
        "20.1.d.b9.0",
        "20.1.d.b9.40",
        "20.1.d.b9.80",
        "20.1.d.b9.c0",
      ],
    );
  });

  it("origin, as-path with an AS set, local-preference, atomic-aggregate, aggregator", () => {
    const [r] = parseRouteLine(
      "10.0.0.0/8 next-hop self origin egp as-path [ 1 2 ( 3 4 ) ] local-preference 50 atomic-aggregate aggregator ( 1.10:192.0.2.1 )",
    );
    assert.deepEqual(r.nextHop, { kind: "self" });
    assert.equal(attr(r.attributes, "origin")?.value, 1);
    // RFC 4271 §4.3: AS_SEQUENCE = 2, AS_SET = 1.
    assert.deepEqual(attr(r.attributes, "as-path")?.segments, [{ type: 2, asns: [1, 2] }, {
      type: 1,
      asns: [3, 4],
    }]);
    assert.equal(attr(r.attributes, "local-preference")?.value, 50);
    assert.ok(attr(r.attributes, "atomic-aggregate"));
    // RFC 5396 asdot: 1.10 = 65546.
    assert.equal(attr(r.attributes, "aggregator")?.asn, 65546);
  });

  it("a bare AS number is a one-AS sequence; () alone is a set", () => {
    assert.deepEqual(attr(parseRouteLine("1.0.0.0/8 as-path 100")[0].attributes, "as-path")?.segments, [{
      type: 2,
      asns: [100],
    }]);
    assert.deepEqual(attr(parseRouteLine("1.0.0.0/8 as-path ( 5 6 )")[0].attributes, "as-path")?.segments, [{
      type: 1,
      asns: [5, 6],
    }]);
  });

  it("originator-id, cluster-list, aigp, large-community, path-information, pseudo-attributes", () => {
    const [r] = parseRouteLine(
      "10.0.0.0/8 next-hop 1.1.1.1 originator-id 1.2.3.4 cluster-list [ 5.6.7.8 9.9.9.9 ] aigp 18446744073709551615 " +
        "large-community 1:2:3 path-information 0.0.1.0 name web watchdog svc withdraw",
    );
    assert.equal(attr(r.attributes, "originator-id")?.address, "1.2.3.4");
    assert.deepEqual(attr(r.attributes, "cluster-list")?.addresses, ["5.6.7.8", "9.9.9.9"]);
    assert.equal(attr(r.attributes, "aigp")?.value, 2n ** 64n - 1n);
    assert.deepEqual(attr(r.attributes, "large-community")?.values, [[1, 2, 3]]);
    assert.equal(r.nlri.pathId, 256);
    assert.equal(r.name, "web");
    assert.equal(r.watchdog, "svc");
    assert.equal(r.withdrawn, true);
  });

  it("a generic attribute keeps type, flags and payload", () => {
    const [r] = parseRouteLine("10.0.0.0/8 next-hop 1.1.1.1 attribute [ 0x99 0xC0 0x0102 ]");
    assert.deepEqual(r.attributes[0], { code: 0x99, kind: "generic", flags: 0xc0, value: bytes("0102") });
  });

  it("a later attribute of the same kind replaces the earlier one", () => {
    const [r] = parseRouteLine("10.0.0.0/8 next-hop 1.1.1.1 med 1 med 2");
    assert.deepEqual(r.attributes, [{ code: 4, kind: "med", value: 2 }]);
  });

  it("withdrawals may omit the next hop; commas separate list items", () => {
    const [r] = parseRouteLine("10.0.0.0/8 community [ 1:1, 1:2 ]");
    assert.deepEqual(r.nextHop, { kind: "none" });
    assert.deepEqual(attr(r.attributes, "community")?.values, [0x00010001, 0x00010002]);
  });

  it("the announce context can force multicast and the address family", () => {
    const [r] = parseRouteLine("10.0.0.0/8 next-hop 1.1.1.1", { afi: 1, safi: 2 });
    assert.equal(r.nlri.family, familyKey(1, 2));
    assert.throws(() => parseRouteLine("10.0.0.0/8 next-hop 1.1.1.1", { afi: 2 }), /not an IPv6 prefix/);
  });

  it("rd makes an mpls-vpn route (RFC 4364), label alone a labeled unicast one (RFC 8277)", () => {
    const wire = (line: string) => {
      const spec = parseRouteLineSpec(line);
      assert.equal(spec.kind, "routes", line);
      if (spec.kind !== "routes") return [];
      return [spec.family, ...spec.routes.map((r) => toHex(encodeNlri(r.nlri, DEFAULT_CONTEXT)))];
    };
    // 24 + 24 + 64 = 112 bits (0x70): label 1000 with the bottom-of-stack bit (0x003E81), RD 65000:1, 10.0.0/24.
    assert.deepEqual(wire("10.0.0.0/24 rd 65000:1 label 1000 next-hop 1.1.1.1"), [
      familyKey(1, 128),
      "70003E810000FDE8000000010A0000",
    ]);
    // 24 + 24 = 48 bits (0x30): label 1 (0x000011), 10.0.0/24.
    assert.deepEqual(wire("10.0.0.0/24 label [ 1 ] next-hop 1.1.1.1"), [familyKey(1, 4), "300000110A0000"]);
    assert.equal(parseRouteLine("10.0.0.0/24 label 5 next-hop 1.1.1.1").length, 1);
  });

  it("a SAFI the route grammar does not build is reported with its name, or refused by parseRouteLine", () => {
    const line = "10.0.0.0/24 next-hop 1.1.1.1";
    assert.deepEqual(parseRouteLineSpec(line, { safi: 133 }), { kind: "unsupported", family: "ipv4 flow" });
    assert.throws(() => parseRouteLine(line, { safi: 133 }), /ipv4 flow are not supported/);
  });

  it("errors say what was found and what was expected", () => {
    const cases: [string, RegExp][] = [
      ["10.0.0.0/24 med abc", /^'med' expects a number 0\.\.4294967295, got 'abc'$/],
      ["10.0.0.0/24 next-hop 1.2.3", /^'next-hop' expects an IP address or 'self', got '1\.2\.3'$/],
      ["10.0.0.0/33 next-hop 1.2.3.4", /expects a prefix/],
      ["10.0.0.0/24 colour blue", /^unknown route attribute 'colour'$/],
      ["10.0.0.0/24 constructor 1", /^unknown route attribute 'constructor'$/],
      ["10.0.0.0/24 community [ 1:2", /'community' expects '\]' to close the list, got the end of the route/],
      ["10.0.0.0/24 community 70000:1", /'community' expects a:b/],
      ["10.0.0.0/24 origin best", /'origin' expects igp, egp or incomplete, got 'best'/],
      ["10.0.0.0/24 split /23", /'split' expects a length between 24 and 32/],
      ["10.0.0.0/24 med", /'med' expects a number 0\.\.4294967295, got the end of the route/],
    ];
    for (const [line, re] of cases) {
      assert.throws(
        () => parseRouteLine(line),
        (e: unknown) => e instanceof RouteError && re.test(e.message),
        line,
      );
    }
  });
});

describe("communities", () => {
  it("well-known names (RFC 1997, RFC 3765, RFC 7999)", () => {
    assert.equal(parseCommunity("no-export"), 0xffffff01);
    assert.equal(parseCommunity("no-advertise"), 0xffffff02);
    assert.equal(parseCommunity("no-export-subconfed"), 0xffffff03);
    assert.equal(parseCommunity("nopeer"), 0xffffff04);
    assert.equal(parseCommunity("blackhole"), 0xffff029a);
    assert.equal(parseCommunity("0x87654321"), 0x87654321);
    assert.equal(parseCommunity("65535:65535"), 0xffffffff);
    assert.equal(parseCommunity("65536:1"), undefined);
  });
  it("large communities are three u32 (RFC 8092)", () => {
    assert.deepEqual(parseLargeCommunity("4294967295:0:1"), [0xffffffff, 0, 1]);
    assert.equal(parseLargeCommunity("1:2"), undefined);
  });
  it("extended communities (RFC 4360 §4, RFC 4761, RFC 8955, link bandwidth)", () => {
    const cases: [string, string][] = [
      ["target:65000:100", "0002fde800000064"], // 2-octet AS specific, route target
      ["origin:1.2.3.4:5", "0103010203040005"], // IPv4 address specific, route origin
      ["65000:100", "0002fde800000064"], // bare A:N is a target
      ["0x0002fde800000001", "0002fde800000001"],
      ["redirect:65500:12345", "8008ffdc00003039"], // flowspec redirect, as in encoding/conf-flow.msg
      ["l2info:19:0:1500:111", "800a130005dc006f"],
      ["bandwidth:1:125000", "4004000147f42400"], // IEEE 754 125000.0 = 0x47F42400
      ["mup:10:10", "0c00000a0000000a"], // as in encoding/conf-srv6-mup.msg
      ["redirect-to-nexthop", "0800000000000000"], // as in encoding/conf-flow.msg
    ];
    for (const [text, hex] of cases) assert.deepEqual(parseExtendedCommunity(text), bytes(hex), text);
    assert.equal(parseExtendedCommunity("target:x:1"), undefined);
    assert.equal(parseExtendedCommunity("colour:1:2"), undefined);
  });
});
