import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { type Command, CommandError, normaliseLine, parseCommand } from "../../../lib/api/command.ts";
import { type Attribute, DEFAULT_CONTEXT, type Route } from "../../../lib/bgp/types.ts";
import { encodeNlri } from "../../../lib/bgp/nlri/codec.ts";
import { toHex } from "../../bgp/update/wire.ts";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../../lib/bgp/family.ts";
import { ipToBytes } from "../../../lib/bgp/ip.ts";

const TRANSCRIPTS = new URL("../../../conformance/exabgp-5.0/transcripts/", import.meta.url).pathname;

/** Every command line of every transcript (lines not starting with '#'). */
function transcriptLines(): { file: string; line: string }[] {
  const out: { file: string; line: string }[] = [];
  for (const file of readdirSync(TRANSCRIPTS).filter((f) => f.endsWith(".commands.txt")).sort()) {
    for (const line of readFileSync(TRANSCRIPTS + file, "utf8").split("\n")) {
      if (line.trim() !== "" && !line.startsWith("#")) out.push({ file, line });
    }
  }
  return out;
}

/**
 * The kind each transcript line must give, from the command words alone (exabgp-behaviour.md §4.3):
 * an independent oracle, so that every line is checked, not only the hand-written subset below.
 */
const KIND_RULES: [RegExp, Command["kind"]][] = [
  // Every family of the transcripts (VPN, labeled, VPLS, MVPN, MUP, FlowSpec) is a route command.
  [
    /^(neighbor .*?)?announce +(route|attributes?|flow route|vpls|ipv[46] (unicast|mcast-vpn|mup)) /,
    "announce-route",
  ],
  [
    /^(neighbor .*?)?withdraw +(route|attributes?|flow route|vpls|ipv[46] (unicast|mcast-vpn|mup)) /,
    "withdraw-route",
  ],
  [/^(announce|withdraw) watchdog /, "watchdog"],
  [/^announce eor\b/, "eor"],
  [/^announce route-refresh /, "route-refresh"],
  [/^flush adj-rib out$/, "flush-adj-rib-out"],
  [/^clear adj-rib (in|out)$/, "clear-adj-rib"],
  [/^(neighbor \S+ )?teardown \d+$/, "teardown"],
  [/^(enable|disable|silence)-ack$/, "enable-ack"],
];

function expectedKind(line: string): string {
  const rule = KIND_RULES.find(([re]) => re.test(line));
  assert.ok(rule, `no expectation for '${line}'`);
  return rule[1] === "enable-ack" ? line : rule[1];
}

function one(line: string, kind: string): Command {
  const c = parseCommand(line);
  assert.equal(c.kind, kind, line);
  return c;
}

function routes(line: string, kind = "announce-route"): Route[] {
  const c = one(line, kind);
  assert.ok(c.kind === "announce-route" || c.kind === "withdraw-route");
  return c.routes;
}

function attr<K extends Attribute["kind"]>(r: Route, kind: K): Extract<Attribute, { kind: K }> {
  const a = r.attributes.find((x) => x.kind === kind);
  assert.ok(a, `no ${kind} attribute`);
  return a as Extract<Attribute, { kind: K }>;
}

/** Expected NLRI bytes: the significant octets of the address (RFC 4271 §4.3 prefix encoding). */
function prefixBytes(address: string, length: number): Uint8Array {
  return ipToBytes(address).slice(0, (length + 7) >> 3);
}

describe("every transcript command parses into the expected kind", () => {
  const lines = transcriptLines();
  it("finds the transcripts", () => assert.ok(lines.length > 150, `${lines.length} lines`));
  for (const { file, line } of lines) {
    it(`${file}: ${line.replace(/ {2,}/g, " ").slice(0, 90)}`, () => {
      assert.equal(parseCommand(line).kind, expectedKind(line));
    });
  }
});

describe("announce / withdraw route (hand-written expectations)", () => {
  it("announce route with med, community and split /23 (api-announce)", () => {
    const rs = routes("announce route 1.0.0.0/21 next-hop 101.1.101.1 med 200 community [2:1] split /23");
    assert.equal(rs.length, 4);
    assert.deepEqual(rs.map((r) => r.nlri.kind === "prefix" && [r.nlri.length, [...r.nlri.bytes]]), [
      [23, [1, 0, 0]],
      [23, [1, 0, 2]],
      [23, [1, 0, 4]],
      [23, [1, 0, 6]],
    ]);
    for (const r of rs) {
      assert.deepEqual(r.nextHop, { kind: "ip", address: "101.1.101.1" });
      assert.equal(attr(r, "med").value, 200);
      assert.deepEqual(attr(r, "community").values, [0x00020001]);
      assert.equal(r.nlri.family, IPV4_UNICAST);
    }
  });
  it("a prefix without length is a host route", () => {
    const [r] = routes("announce route 1.2.3.4 next-hop 5.6.7.8");
    assert.ok(r.nlri.kind === "prefix");
    assert.equal(r.nlri.length, 32);
    assert.deepEqual(r.nlri.bytes, new Uint8Array([1, 2, 3, 4]));
    assert.equal(r.attributes.length, 0);
  });
  it("next-hop self", () => {
    const [r] = routes("announce route 2.2.0.0/16 next-hop self");
    assert.deepEqual(r.nextHop, { kind: "self" });
  });
  it("IPv6 route with a selector and local-preference (api-ipv6)", () => {
    const c = one(
      "neighbor 127.0.0.1 announce route 2605::2/128 next-hop 2001::1 local-preference 500",
      "announce-route",
    );
    assert.deepEqual(c.selector, { descriptions: [["neighbor 127.0.0.1"]] });
    assert.ok(c.kind === "announce-route");
    const [r] = c.routes;
    assert.equal(r.nlri.family, IPV6_UNICAST);
    assert.ok(r.nlri.kind === "prefix");
    assert.equal(r.nlri.length, 128);
    assert.deepEqual(r.nlri.bytes, ipToBytes("2605::2"));
    assert.deepEqual(r.nextHop, { kind: "ip", address: "2001::1" });
    assert.equal(attr(r, "local-preference").value, 500);
  });
  it("family-explicit forms: ipv4 unicast, ipv6 unicast, ipv4 multicast", () => {
    const [a] = routes("announce ipv4 unicast 10.0.1.0/24 next-hop 10.0.1.254 local-preference 200");
    assert.equal(a.nlri.family, IPV4_UNICAST);
    assert.ok(a.nlri.kind === "prefix");
    assert.deepEqual(a.nlri.bytes, prefixBytes("10.0.1.0", 24));
    assert.equal(attr(a, "local-preference").value, 200);
    const [b] = routes(
      "withdraw ipv6 unicast fc00:1::/64 next-hop 2001::11 local-preference 200",
      "withdraw-route",
    );
    assert.equal(b.nlri.family, IPV6_UNICAST);
    assert.ok(b.nlri.kind === "prefix");
    assert.deepEqual(b.nlri.bytes, prefixBytes("fc00:1::", 64));
    const [m] = routes("announce ipv4 multicast 239.1.0.0/16 next-hop 10.0.0.1");
    assert.equal(m.nlri.family, familyKey(1, 2));
  });
  it("a withdraw needs only the prefix", () => {
    const [r] = routes("withdraw route 1.1.0.0/24", "withdraw-route");
    assert.deepEqual(r.nextHop, { kind: "none" });
    assert.ok(r.nlri.kind === "prefix");
    assert.deepEqual(r.nlri.bytes, new Uint8Array([1, 1, 0]));
  });
  it("as-path with commas, origin, large-community", () => {
    const [r] = routes(
      "neighbor 127.0.0.1 local-as 2 peer-as 3 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.8.0.0/21 " +
        "next-hop 101.1.101.1 med 200 large-community [2914:1:0] as-path [100, 500] origin egp",
    );
    assert.deepEqual(attr(r, "large-community").values, [[2914, 1, 0]]);
    assert.deepEqual(attr(r, "as-path").segments, [{ type: 2, asns: [100, 500] }]);
    assert.equal(attr(r, "origin").value, 1);
  });
  it("whitespace is normalised as ExaBGP's formated(): runs of spaces, tabs, brackets", () => {
    const expected = parseCommand("announce route 1.0.0.0/24 next-hop 101.1.101.1 med 200 community [ 2:1 ]");
    for (
      const line of [
        "announce                                  route 1.0.0.0/24 next-hop 101.1.101.1 med 200 community [2:1]",
        "announce\troute\t1.0.0.0/24 next-hop\t101.1.101.1  med 200 community[2:1]",
        "  announce route 1.0.0.0/24 next-hop 101.1.101.1 med 200 community [2:1]\r\n",
      ]
    ) assert.deepEqual(parseCommand(line), expected, line);
    assert.equal(
      normaliseLine("announce\troute   1.0.0.0/24 community [2:1,3:4]"),
      "announce route 1.0.0.0/24 community [ 2:1 , 3:4 ]",
    );
  });
  it("VPN, labeled, VPLS, MVPN and MUP routes: their family and their NLRI on the wire", () => {
    // [line, kind, family, NLRI wire bytes (RFC encodings, the same bytes as the suite's .msg files)]
    const cases: [string, string, number, string][] = [
      [
        // RFC 4761 §3.2.2: length 17, RD 192.168.201.1:123 (type 1), VE ID 5, offset 1, size 8, label base
        // 10702 with the bottom-of-stack bit (api-vpls.msg).
        "neighbor 127.0.0.1 withdraw vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 next-hop 192.168.201.1",
        "withdraw-route",
        familyKey(25, 65),
        "00110001C0A8C901007B000500010008029CE1",
      ],
      [
        // RFC 6514 §4.5 Source Active A-D: type 5, length 18, RD 65000:99999, /32 source, /32 group (api-mvpn.msg).
        "announce ipv4 mcast-vpn source-ad source 10.99.12.4 group 239.251.255.228 rd 65000:99999 next-hop 10.10.6.4",
        "announce-route",
        familyKey(1, 5),
        "05120000FDE80001869F200A630C0420EFFBFFE4",
      ],
      [
        // MUP ISD (draft-mpmz-bess-mup-safi §3.1): architecture 3GPP-5G (1 octet), route type 1 (2 octets),
        // length 17, RD 100:100, 2001::/64 (api-ipv6.msg).
        "announce ipv6 mup mup-isd 2001::/64 rd 100:100 next-hop 2001::2",
        "announce-route",
        familyKey(2, 85),
        "010001110000006400000064402001000000000000",
      ],
      [
        // RFC 4364 §4.3.4: 24 + 64 + 16 bits, label 1000 (0x003E81), RD 65000:1, 1.4/16 (api-vpnv4.msg).
        "neighbor 127.0.0.1 announce route 1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1 community 100:1 label 1000",
        "announce-route",
        familyKey(1, 128),
        "68003E810000FDE8000000010104",
      ],
      // RFC 8277 §2: 24 + 16 bits, label 1000, 1.4/16.
      [
        "announce route 1.4.0.0/16 next-hop 101.1.101.1 label 1000",
        "announce-route",
        familyKey(1, 4),
        "28003E810104",
      ],
      [
        "announce ipv4 nlri-mpls 1.4.0.0/16 next-hop 101.1.101.1 label 1000",
        "announce-route",
        familyKey(1, 4),
        "28003E810104",
      ],
    ];
    for (const [line, kind, family, hex] of cases) {
      const [r] = routes(line, kind);
      assert.equal(r.nlri.family, family, line);
      assert.equal(toHex(encodeNlri(r.nlri, DEFAULT_CONTEXT)), hex, line);
    }
    const vpls = one(
      "neighbor 127.0.0.1 withdraw vpls endpoint 5 base 10702 offset 1 size 8 rd 1:1",
      "withdraw-route",
    );
    assert.deepEqual(vpls.selector, { descriptions: [["neighbor 127.0.0.1"]] });
  });

  it("a family the speaker does not announce (sr-policy) is reported with its family and text", () => {
    const c = one("announce ipv4 sr-policy color 1 endpoint 10.0.0.1", "announce-unsupported");
    assert.ok(c.kind === "announce-unsupported");
    assert.equal(c.action, "announce");
    assert.equal(c.family, "ipv4 sr-policy");
  });
});

describe("announce attributes … nlri …", () => {
  it("two prefixes share the attributes and the path-information (api-attributes-path)", () => {
    const c = one(
      "neighbor 127.0.0.1 announce attributes path-information 1.2.3.4 next-hop 10.11.12.13 community [14:15] " +
        "local-preference 16 nlri 16.17.18.19/32 20.21.22.23/32",
      "announce-route",
    );
    assert.ok(c.kind === "announce-route");
    assert.deepEqual(c.selector, { descriptions: [["neighbor 127.0.0.1"]] });
    assert.deepEqual(c.routes.map((r) => r.nlri), [
      {
        kind: "prefix",
        family: IPV4_UNICAST,
        length: 32,
        bytes: new Uint8Array([16, 17, 18, 19]),
        pathId: 0x01020304,
      },
      {
        kind: "prefix",
        family: IPV4_UNICAST,
        length: 32,
        bytes: new Uint8Array([20, 21, 22, 23]),
        pathId: 0x01020304,
      },
    ]);
    for (const r of c.routes) {
      assert.deepEqual(r.nextHop, { kind: "ip", address: "10.11.12.13" });
      assert.deepEqual(attr(r, "community").values, [(14 << 16) | 15]);
      assert.equal(attr(r, "local-preference").value, 16);
    }
  });
  it("singular 'attribute' and withdraw", () => {
    const rs = routes(
      "withdraw attribute med 100 next-hop 101.1.101.1 nlri 1.0.0.1/32 1.0.0.2/32",
      "withdraw-route",
    );
    assert.deepEqual(rs.map((r) => r.nlri.kind === "prefix" && [...r.nlri.bytes]), [[1, 0, 0, 1], [
      1,
      0,
      0,
      2,
    ]]);
  });
  it("1000 prefixes on one line", () => {
    const prefixes = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const line = `announce attributes local-preference 200 as-path [ 1 2 3 4 ] next-hop 202.2.202.2 nlri ${
      prefixes.join(" ")
    }`;
    const start = performance.now();
    const rs = routes(line);
    const ms = performance.now() - start;
    assert.equal(rs.length, 1000);
    rs.forEach((r, i) => {
      assert.ok(r.nlri.kind === "prefix");
      assert.equal(r.nlri.length, 24);
      assert.deepEqual(r.nlri.bytes, new Uint8Array([10, i >> 8, i & 255]));
      assert.deepEqual(r.nextHop, { kind: "ip", address: "202.2.202.2" });
      // One attribute set for all: the RIB can pack them into one UPDATE.
      assert.equal(r.attributes, rs[0].attributes);
    });
    assert.deepEqual(attr(rs[999], "as-path").segments, [{ type: 2, asns: [1, 2, 3, 4] }]);
    assert.ok(ms < 500, `${ms} ms`);
  });
  it("mixes IPv4 and IPv6 prefixes into their own families", () => {
    const rs = routes("announce attributes next-hop 2001::1 nlri 2001:db8::/32 10.0.0.0/8");
    assert.deepEqual(rs.map((r) => r.nlri.family), [IPV6_UNICAST, IPV4_UNICAST]);
  });
  it("with rd and label, one mpls-vpn attribute set for every NLRI (api-attributes-vpn)", () => {
    const rs = routes(
      "announce attribute route-distinguisher 63333:100 label [ 110 ] next-hop 10.0.99.12 origin igp as-path [100, 500] " +
        "local-preference 100 extended-community 0:0 originator-id 10.0.99.12 nlri 128.0.64.0/18 128.0.0.0/18",
    );
    assert.deepEqual(rs.map((r) => r.nlri.family), [familyKey(1, 128), familyKey(1, 128)]);
    // 24 + 64 + 18 = 106 bits (0x6A), label 110 (0x0006E1), RD 63333:100, the prefix: api-attributes-vpn.msg.
    assert.deepEqual(rs.map((r) => toHex(encodeNlri(r.nlri, DEFAULT_CONTEXT))), [
      "6A0006E10000F76500000064800040",
      "6A0006E10000F76500000064800000",
    ]);
    assert.equal(rs[0].attributes, rs[1].attributes);
  });
});

describe("other commands", () => {
  it("eor and route-refresh", () => {
    assert.deepEqual(parseCommand("announce eor"), {
      kind: "eor",
      family: familyKey(1, 1),
      selector: undefined,
    });
    assert.deepEqual(parseCommand("announce eor ipv6 unicast"), {
      kind: "eor",
      family: familyKey(2, 1),
      selector: undefined,
    });
    assert.deepEqual(parseCommand("neighbor 127.0.0.1 announce route-refresh ipv4 unicast"), {
      kind: "route-refresh",
      family: familyKey(1, 1),
      selector: { descriptions: [["neighbor 127.0.0.1"]] },
    });
  });
  it("watchdog", () => {
    assert.deepEqual(parseCommand("announce watchdog dnsr"), {
      kind: "watchdog",
      action: "announce",
      name: "dnsr",
      selector: undefined,
    });
    assert.deepEqual(parseCommand("withdraw watchdog dnsr"), {
      kind: "watchdog",
      action: "withdraw",
      name: "dnsr",
      selector: undefined,
    });
  });
  it("teardown, flush, clear", () => {
    assert.deepEqual(parseCommand("neighbor 127.0.0.1 teardown 4"), {
      kind: "teardown",
      subcode: 4,
      selector: { descriptions: [["neighbor 127.0.0.1"]] },
    });
    assert.deepEqual(parseCommand('teardown 2 "going away"'), {
      kind: "teardown",
      subcode: 2,
      text: "going away",
      selector: undefined,
    });
    // The RFC 9003 text keeps the line's spacing: `,` is a word of its own for the tokenizer.
    assert.deepEqual(parseCommand("teardown 2 maintenance,  back at 10:00 (UTC)"), {
      kind: "teardown",
      subcode: 2,
      text: "maintenance, back at 10:00 (UTC)",
      selector: undefined,
    });
    assert.deepEqual(parseCommand("flush adj-rib out"), { kind: "flush-adj-rib-out", selector: undefined });
    assert.deepEqual(parseCommand("clear adj-rib in"), {
      kind: "clear-adj-rib",
      direction: "in",
      selector: undefined,
    });
    assert.deepEqual(parseCommand("neighbor * clear adj-rib out"), {
      kind: "clear-adj-rib",
      direction: "out",
      selector: { descriptions: [["neighbor *"]] },
    });
  });
  it("show neighbor / show adj-rib, words in any order", () => {
    assert.deepEqual(parseCommand("show neighbor summary"), {
      kind: "show-neighbor",
      mode: "summary",
      json: false,
    });
    assert.deepEqual(parseCommand("show neighbor 127.0.0.1 extensive json"), {
      kind: "show-neighbor",
      mode: "extensive",
      address: "127.0.0.1",
      json: true,
    });
    assert.deepEqual(parseCommand("show neighbor"), { kind: "show-neighbor", json: false });
    assert.deepEqual(parseCommand("show adj-rib out"), {
      kind: "show-adj-rib",
      direction: "out",
      extensive: false,
      json: false,
    });
    assert.deepEqual(parseCommand("show adj-rib in extensive flow 127.0.0.1 json"), {
      kind: "show-adj-rib",
      direction: "in",
      extensive: true,
      filter: "flow",
      address: "127.0.0.1",
      json: true,
    });
  });
  it("process control, comments, debug, operational", () => {
    for (
      const k of [
        "shutdown",
        "reload",
        "restart",
        "version",
        "help",
        "reset",
        "enable-ack",
        "disable-ack",
        "silence-ack",
      ]
    ) {
      assert.deepEqual(parseCommand(k), { kind: k });
    }
    assert.deepEqual(parseCommand("# just a comment [ with brackets"), {
      kind: "comment",
      text: "just a comment [ with brackets",
    });
    assert.deepEqual(parseCommand('debug anything "goes'), { kind: "debug", text: 'anything "goes' });
    assert.deepEqual(parseCommand('announce operational adm afi ipv4 safi unicast advisory "this is #1"'), {
      kind: "operational",
      name: "adm",
      text: 'adm afi ipv4 safi unicast advisory "this is #1"',
      selector: undefined,
    });
  });
});

describe("malformed commands give a CommandError naming the command and what was expected", () => {
  const cases: [string, RegExp][] = [
    ["", /empty command/],
    ["   ", /empty command/],
    ["frobnicate", /expected a command \(announce, withdraw.*got 'frobnicate'/],
    ["announce", /^announce: expected route, ipv4, .* got the end of the line/],
    ["announce foo 1.2.3.4", /^announce: expected route.*got 'foo'/],
    ["announce route", /^announce route: a route expects a prefix/],
    ["announce route 1.2.3.0/24", /^announce route: an announced route needs a next-hop/],
    [
      "announce route 1.2.3.0/33 next-hop 1.1.1.1",
      /^announce route: a route expects a prefix .*'1.2.3.0\/33'/,
    ],
    [
      "announce route 1.2.3.0/24 next-hop banana",
      /^announce route: 'next-hop' expects an IP address or 'self', got 'banana'/,
    ],
    ["announce route 1.2.3.0/24 next-hop 1.1.1.1 med", /^announce route: 'med' expects a number/],
    [
      "announce route 1.2.3.0/24 next-hop 1.1.1.1 colour blue",
      /^announce route: unknown route attribute 'colour'/,
    ],
    ["announce ipv4 sideways 1.2.3.0/24", /^announce ipv4: expected a SAFI \(unicast, multicast/],
    [
      "announce ipv4 unicast 2001:db8::/32 next-hop 2001::1",
      /^announce ipv4 unicast: '2001:db8::\/32' is not an IPv4 prefix/,
    ],
    ["announce attributes next-hop 1.1.1.1", /^announce attributes: expected 'nlri <prefix> …'/],
    ["announce attributes next-hop 1.1.1.1 nlri", /^announce attributes: expected at least one prefix/],
    [
      "announce attributes next-hop 1.1.1.1 nlri 1.0.0.0/8 potato",
      /^announce attributes: 'nlri' expects prefixes .*'potato'/,
    ],
    ["announce eor ipv4", /^announce eor: expected a family '<afi> <safi>'.*got 'ipv4'/],
    ["announce eor ipv4 unicast now", /^announce eor ipv4 unicast: expected nothing more, got 'now'/],
    ["announce route-refresh", /^announce route-refresh: expected a family/],
    [
      "announce operational xyz afi ipv4",
      /^announce operational: expected an operational message \(asm, adm/,
    ],
    ["announce watchdog", /^announce watchdog: expected a watchdog name/],
    ["teardown", /^teardown: expected a Cease subcode 0..255, got the end of the line/],
    ["neighbor 127.0.0.1 teardown abc", /^teardown: expected a Cease subcode/],
    ["flush adj-rib in", /^flush adj-rib: expected 'out' \(only the adj-rib-out can be flushed\), got 'in'/],
    ["clear adj-rib sideways", /^clear adj-rib: expected 'in' or 'out', got 'sideways'/],
    ["clear rib out", /^clear: expected 'adj-rib', got 'rib'/],
    ["show", /^show: expected 'neighbor' or 'adj-rib'/],
    [
      "show neighbor bogus",
      /^show neighbor: expected summary, extensive, configuration, json or a neighbor address, got 'bogus'/,
    ],
    ["show adj-rib", /^show adj-rib: expected 'in' or 'out'/],
    ["shutdown now", /^shutdown: expected nothing more, got 'now'/],
    ["neighbor 127.0.0.1 version", /^version: this command does not take a neighbor selector/],
    ["neighbor 127.0.0.1", /a command is expected after the selector/],
    ["neighbor 127.0.0.1 , teardown 4", /expected 'neighbor <ip>' after ','/],
    ['announce operational adm afi ipv4 safi unicast advisory "unterminated', /unterminated double quote/],
  ];
  for (const [line, message] of cases) {
    it(JSON.stringify(line), () => {
      assert.throws(() => parseCommand(line), (e: unknown) => {
        assert.ok(e instanceof CommandError, `${e}`);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
