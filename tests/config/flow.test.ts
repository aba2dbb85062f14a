/**
 * FlowSpec grammar (lib/config/flow.ts): the `flow { route … }` configuration blocks and the API's
 * `announce flow route …` forms, checked against the bytes ExaBGP 5.0 puts on the wire for the same text
 * (conformance encoding/conf-flow, conf-flow-redirect, api-flow-merge, api-broken-flow, api-flow), through
 * the Adj-RIB-Out that the speaker uses. Groups of a .msg are order-free, so they compare sorted.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseExabgpConfig } from "../../lib/config/exabgp.ts";
import { parseFlowRouteLine } from "../../lib/config/flow.ts";
import { RouteError } from "../../lib/config/route.ts";
import { CommandError, parseCommand } from "../../lib/api/command.ts";
import { AdjRibOut, type RibNegotiated } from "../../lib/rib/adj_rib_out.ts";
import { flowToString } from "../../lib/bgp/nlri/flow_text.ts";
import { familyKey } from "../../lib/bgp/family.ts";
import type { FlowNlri, Route } from "../../lib/bgp/types.ts";

const SUITE = new URL("../../conformance/exabgp-5.0/", import.meta.url).pathname;
const FLOW4 = familyKey(1, 133);

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/** The `raw:` messages of encoding/<test>.msg by group number (connection letter ignored), hex. */
function groups(test: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const line of readFileSync(`${SUITE}encoding/${test}.msg`, "utf8").split("\n")) {
    const m = /^[A-Z]?(\d+):raw:(.*)$/.exec(line.trim());
    if (!m || line.includes("#")) continue;
    const g = Number(m[1]);
    if (!out.has(g)) out.set(g, []);
    out.get(g)!.push(m[2].replace(/:/g, "").toUpperCase());
  }
  return out;
}

function sorted(list: string[]): string[] {
  return [...list].sort();
}

function neighborOf(conf: string) {
  const c = parseExabgpConfig(readFileSync(`${SUITE}etc/${conf}`, "utf8"), conf);
  assert.equal(c.neighbors.length, 1);
  return c.neighbors[0];
}

/** An Adj-RIB-Out for the neighbor of `conf`, its configured routes announced, the session started. */
function ribFor(conf: string): AdjRibOut {
  const nb = neighborOf(conf);
  const peerAs = nb.peerAs === "auto" ? nb.localAs : nb.peerAs;
  const rib = new AdjRibOut({ localAs: nb.localAs, peerAs, localAddress: "127.0.0.1", groupUpdates: false });
  for (const r of nb.routes) rib.announce(r);
  const negotiated: RibNegotiated = {
    families: nb.families,
    asn4: true,
    addPathSend: new Set(),
    maxMessageSize: 4096,
  };
  rib.start(negotiated);
  return rib;
}

const drain = (rib: AdjRibOut) => rib.next(Infinity).map(toHex);

/** Applies one API line to the RIB as the speaker does. */
function apply(rib: AdjRibOut, line: string): void {
  const c = parseCommand(line);
  if (c.kind === "announce-route") { for (const r of c.routes) rib.announce(r); }
  else if (c.kind === "withdraw-route") { for (const r of c.routes) rib.withdraw(r); }
  else assert.fail(`${line}: ${c.kind}`);
}

/** The command lines of transcripts/<test>.commands.txt. */
function commands(test: string): string[] {
  return readFileSync(`${SUITE}transcripts/${test}.commands.txt`, "utf8").split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

describe("flow { route … } in the configuration", () => {
  for (const test of ["conf-flow", "conf-flow-redirect"]) {
    it(`${test}: the configured routes put ExaBGP's UPDATEs on the wire`, () => {
      const rib = ribFor(`${test}.conf`);
      assert.deepEqual(sorted(drain(rib)), sorted(groups(test).get(1)!));
    });
  }

  it("conf-flow: families and next hops (flow-vpn with an rd, ipv6 flow, redirect/copy set the next hop)", () => {
    const nb = neighborOf("conf-flow.conf");
    assert.equal(nb.unsupported.length, 0);
    const byFamily = (f: number) => nb.routes.filter((r) => r.nlri.family === f).length;
    assert.deepEqual([byFamily(FLOW4), byFamily(familyKey(1, 134)), byFamily(familyKey(2, 133))], [10, 2, 1]);
    const hops = nb.routes.map((r) => (r.nextHop.kind === "ip" ? r.nextHop.address : r.nextHop.kind));
    assert.deepEqual(hops.filter((h) => h !== "none"), ["1.2.3.4", "1.2.3.4", "5.6.7.8"]);
  });

  it("api-flow-merge: scope { interface-set } and two routes of the same NLRI, both sent", () => {
    const rib = ribFor("api-flow-merge.conf");
    const g = groups("api-flow-merge");
    assert.deepEqual(sorted(drain(rib)), sorted([...g.get(1)!, ...g.get(3)!]));
  });

  it("announce { ipv4 { flow …; } }: the one-line form in the family-explicit section", () => {
    const text = "neighbor 127.0.0.1 {\n local-as 1;\n peer-as 1;\n announce {\n  ipv4 {\n" +
      "   flow destination 10.0.0.1/32 destination-port =80 rate-limit 9600;\n  }\n }\n}\n";
    const [nb] = parseExabgpConfig(text, "a.conf").neighbors;
    assert.equal(nb.routes.length, 1);
    assert.equal(
      flowToString(nb.routes[0].nlri as FlowNlri),
      "flow destination-ipv4 10.0.0.1/32 destination-port =80",
    );
    assert.throws(
      () => parseExabgpConfig(text.replace("ipv4 {", "ipv6 {"), "a.conf"),
      /a\.conf:6: .*not an IPv6/,
    );
  });

  it("reports grammar errors with the line of the offending word", () => {
    // [block body (on line 6), message, line]: a missing match is reported at its `route` (line 5).
    const bad: [string, RegExp, number?][] = [
      ["match { source 10.0.0.1/32; colour blue; }", /unknown keyword 'colour'/],
      ["match { destination-ipv4 2001:db8::/32; }", /'destination-ipv4' expects an IPv4 prefix/],
      ["match { source 10.0.0.1/32; destination 2001:db8::1/128; }", /mixes IPv4 and IPv6/],
      ["match { dscp 64; }", /'dscp' expects/],
      ["match { destination-port >>80; }", /'destination-port' expects/],
      ["match { source 10.0.0.1/32; } then { mark 99; }", /'mark' expects a DSCP value/],
      ["match { source 10.0.0.1/32; } then { action jump; }", /'action' expects sample/],
      [
        "match { source 10.0.0.1/32; } scope { interface-set [ transitive:sideways:1:1 ]; }",
        /'interface-set'/,
      ],
      ["then { discard; }", /at least one match condition/, 5],
    ];
    for (const [body, message, line = 6] of bad) {
      const text =
        `neighbor 127.0.0.1 {\n local-as 1;\n peer-as 1;\n flow {\n route x {\n ${body}\n }\n }\n}\n`;
      assert.throws(() => parseExabgpConfig(text, "bad.conf"), (e: Error) => {
        assert.match(e.message, message, body);
        assert.match(e.message, new RegExp(`bad\\.conf:${line}\\b`), body);
        return true;
      });
    }
  });
});

describe("announce flow route … (API)", () => {
  it("api-flow-merge: block and one-line forms, scope before or after then", () => {
    const rib = ribFor("api-flow-merge.conf");
    drain(rib);
    for (const line of commands("api-flow-merge")) {
      apply(rib, line);
    }
    const g = groups("api-flow-merge");
    const expected = [4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap((n) => g.get(n)!);
    assert.deepEqual(sorted(drain(rib)), sorted(expected));
  });

  it("api-broken-flow: announce, withdraw with the attributes, re-announce, group by group", () => {
    const rib = ribFor("api-broken-flow.conf");
    const g = groups("api-broken-flow");
    assert.deepEqual(drain(rib), g.get(0));
    const lines = commands("api-broken-flow");
    // The transcript waits between commands: one flush after each, as the speaker does.
    const got = lines.map((line) => {
      apply(rib, line);
      return drain(rib);
    });
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8].map((n) => g.get(n)));
  });

  it("api-flow: a repeated announce is a no-op; the first withdraw, of a flow never sent, has no NLRI", () => {
    const rib = ribFor("api-flow.conf");
    const sent = drain(rib);
    const lines = commands("api-flow");
    for (const line of lines) {
      apply(rib, line);
      sent.push(...drain(rib));
    }
    // The helper exits and is started again: its first line, a withdraw, ends the test (exabgp-behaviour §2).
    apply(rib, lines[0]);
    sent.push(...drain(rib));
    assert.deepEqual(sorted(sent), sorted(groups("api-flow").get(1)!));
  });

  it("the one-line form and the block form give the same route", () => {
    const line = parseFlowRouteLine(
      "destination 133.130.1.19/32 interface-set [ transitive:input:1234:10 ] discard",
    );
    const block = parseFlowRouteLine(
      "{ match { destination 133.130.1.19/32; } then { discard; } scope { interface-set [ transitive:input:1234:10 ]; } }",
    );
    assert.deepEqual(line, block);
    assert.equal(flowToString(line.nlri as FlowNlri), "flow destination-ipv4 133.130.1.19/32");
  });

  it("operators: =, >, <, >=, <=, != and & (RFC 8955 §4.2.1.1); bitmask !, =, != (§4.2.1.2)", () => {
    const r: Route = parseFlowRouteLine(
      "source-port [ >=1024&<=2048 !=80 ] tcp-flags [ syn&!=ack fin+push ] fragment !is-fragment",
    );
    assert.equal(
      flowToString(r.nlri as FlowNlri),
      "flow source-port [ >=1024&<=2048 !=80 ] tcp-flags [ syn&!=ack fin+push ] fragment !is-fragment",
    );
  });

  it("actions: traffic-rate, traffic-action, redirect, marking, redirect-to-ip (RFC 8955 §7)", () => {
    const ext = (then: string) => {
      const r = parseFlowRouteLine(`{ match { source 10.0.0.0/8; } then { ${then} } }`);
      return r.attributes.map((a) =>
        a.kind === "extended-community"
          ? a.values.map(toHex).join(" ")
          : a.kind === "generic"
          ? `${a.code}:${toHex(a.value)}`
          : a.kind
      ).join(",");
    };
    assert.equal(ext("rate-limit 9600;"), "8006000046160000"); // IEEE 754 9600.0 = 0x46160000
    assert.equal(ext("rate-limit-packets 100;"), "800C000042C80000"); // RFC 8955 §7.4, 100.0
    assert.equal(ext("action sample;"), "8007000000000002");
    assert.equal(ext("redirect 65500:12345;"), "8008FFDC00003039");
    assert.equal(ext("redirect 1.2.3.4:5678;"), "810801020304162E");
    assert.equal(ext("redirect 4200000000:1;"), "8208FA56EA000001");
    assert.equal(ext("mark 10;"), "800900000000000A");
    assert.equal(ext("redirect-to-nexthop-ietf 1.2.3.4;"), "010C010203040000");
    assert.equal(ext("redirect-to-nexthop-ietf 2001:db8::1;"), "25:000C20010DB80000000000000000000000010000");
    assert.equal(ext("accept; community [ 1:2 ];"), "community");
  });

  it("commands: flow-vpn with an rd, ipv6 flow, errors name the command", () => {
    const vpn = parseCommand(
      "announce flow route { rd 65535:65536; match { source 10.0.0.1/32; } then { discard; } }",
    );
    assert.ok(vpn.kind === "announce-route");
    assert.equal(vpn.routes[0].nlri.family, familyKey(1, 134));
    const v6 = parseCommand("withdraw flow route { match { source 2001:db8::/32; } }");
    assert.ok(v6.kind === "withdraw-route");
    assert.equal(v6.routes[0].nlri.family, familyKey(2, 133));
    assert.throws(() => parseCommand("announce flow route { match { source nowhere; } }"), CommandError);
    assert.throws(() => parseCommand("announce flow { match { source 10.0.0.1/32; } }"), CommandError);
    assert.throws(() => parseFlowRouteLine("destination"), RouteError);
  });

  it("announce ipv4|ipv6 flow <one-line form>: the family must match the prefixes", () => {
    const c = parseCommand("announce ipv6 flow destination 2001:db8::/32 next-header udp discard");
    assert.ok(c.kind === "announce-route");
    assert.equal(
      flowToString(c.routes[0].nlri as FlowNlri),
      "flow destination-ipv6 2001:db8::/32/0 next-header =udp",
    );
    assert.throws(() => parseCommand("announce ipv4 flow destination 2001:db8::/32 discard"), /not an IPv4/);
  });
});
