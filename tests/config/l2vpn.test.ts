/**
 * The VPLS and MCAST-VPN grammar (lib/config/l2vpn.ts) in the configuration and the text API: the routes of
 * ExaBGP's conformance configurations and API transcripts become exactly the UPDATEs ExaBGP sent
 * (encoding/*.msg), built as the RIB builds them; grammar errors are reported.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type FamilyKey } from "../../lib/bgp/family.ts";
import { packUpdates } from "../../lib/rib/update_packer.ts";
import { L2VPN_VPLS } from "../../lib/bgp/nlri/vpls.ts";
import { IPV4_MCAST_VPN, IPV6_MCAST_VPN } from "../../lib/bgp/nlri/mvpn.ts";
import { DEFAULT_CONTEXT, type Route } from "../../lib/bgp/types.ts";
import { parseExabgpConfig } from "../../lib/config/exabgp.ts";
import { parseMvpnTokens, parseVplsTokens } from "../../lib/config/l2vpn.ts";
import { RouteError } from "../../lib/config/route.ts";
import { tokenize } from "../../lib/config/tokenizer.ts";
import { parseCommand } from "../../lib/api/command.ts";
import { outgoingSet } from "../../lib/rib/outgoing_attributes.ts";
import { conformanceDir, conformanceUpdates, toHex } from "../bgp/update/wire.ts";

/** The UPDATEs `routes` (one family, one attribute set) become for an iBGP peer, as the RIB packs them. */
function updatesFor(routes: readonly Route[], asn: number, action: "announce" | "withdraw", perMessage = 1) {
  const r = routes[0];
  const set = outgoingSet(
    r.attributes,
    r.nextHop,
    r.nlri.family,
    { localAs: asn, peerAs: asn },
    DEFAULT_CONTEXT,
  );
  assert.ok(set);
  const out: string[] = [];
  for (let i = 0; i < routes.length; i += perMessage) {
    const nlri = routes.slice(i, i + perMessage).map((x) => x.nlri);
    for (
      const m of packUpdates({
        family: r.nlri.family,
        attributes: set.attributes,
        nextHops: action === "announce" && r.nextHop.kind === "ip" ? [r.nextHop.address] : [],
        announce: action === "announce" ? nlri : [],
        withdraw: action === "withdraw" ? nlri : [],
        ctx: DEFAULT_CONTEXT,
      })
    ) out.push(toHex(m));
  }
  return out;
}

function sorted(a: readonly string[]): string[] {
  return [...a].sort();
}

/** The conformance UPDATEs of `test`, without End-of-RIB markers (an MP_UNREACH with no NLRI). */
function expected(test: string): string[] {
  return conformanceUpdates(test).map(toHex).filter((h) => h.length > 23 * 2 + 14);
}

function config(test: string) {
  const text = readFileSync(`${conformanceDir()}etc/${test}.conf`, "utf8");
  return parseExabgpConfig(text, `${test}.conf`).neighbors[0];
}

function command(line: string): { kind: string; routes: Route[] } {
  const c = parseCommand(line);
  assert.ok(c.kind === "announce-route" || c.kind === "withdraw-route", `${line}: ${c.kind}`);
  return c as { kind: string; routes: Route[] };
}

/** The announce/withdraw lines of a transcript (selector prefix kept: the command grammar takes it). */
function transcript(test: string): string[] {
  return readFileSync(`${conformanceDir()}transcripts/${test}.commands.txt`, "utf8").split("\n")
    .filter((l) => /^(neighbor \S+ )?(announce|withdraw) /.test(l));
}

describe("configuration: l2vpn { vpls … } (conf-l2vpn)", () => {
  it("three routes (one repeated NLRI kept apart), each exactly an UPDATE ExaBGP sent", () => {
    const nb = config("conf-l2vpn");
    assert.equal(nb.routes.length, 3);
    const built = nb.routes.flatMap((r) => {
      assert.equal(r.nlri.family, L2VPN_VPLS);
      return updatesFor([r], 54591, "announce");
    });
    assert.deepEqual(sorted(built), sorted(expected("conf-l2vpn")));
  });

  it("the block form takes its name; the repeated NLRI stays as written (the RIB sends both, adj_rib_out.ts)", () => {
    const nb = config("conf-l2vpn");
    assert.deepEqual(nb.routes.map((r) => r.name), [undefined, "site5", undefined]);
    assert.deepEqual(nb.routes.map((r) => r.nlri.pathId), [undefined, undefined, undefined]);
  });
});

describe("configuration: announce { ipv4|ipv6 { mcast-vpn … } } (conf-mvpn)", () => {
  it("six routes; grouped by attribute set and family they are exactly ExaBGP's UPDATEs", () => {
    const nb = config("conf-mvpn");
    assert.equal(nb.routes.length, 6);
    const groups = new Map<string, Route[]>();
    for (const r of nb.routes) {
      const key = `${r.nlri.family}|${JSON.stringify(r.attributes)}|${JSON.stringify(r.nextHop)}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const built = [...groups.values()].flatMap((g) => updatesFor(g, 65000, "announce", Infinity));
    assert.deepEqual(sorted(built), sorted(expected("conf-mvpn")));
  });
});

describe("text API: announce|withdraw vpls (api-vpls)", () => {
  it("the transcript's lines become the announce and the withdraw ExaBGP sent", () => {
    const lines = transcript("api-vpls");
    assert.equal(lines.length, 2);
    const built = lines.flatMap((line) => {
      const c = command(line);
      return updatesFor(c.routes, 1, c.kind === "announce-route" ? "announce" : "withdraw");
    });
    assert.deepEqual(sorted(built), sorted(expected("api-vpls")));
  });

  it("announce l2vpn vpls … is the same route", () => {
    const [line] = transcript("api-vpls");
    const a = command(line).routes[0];
    const b = command(line.replace("announce vpls", "announce l2vpn vpls")).routes[0];
    assert.deepEqual(b, a);
  });
});

describe("text API: announce|withdraw ipv4|ipv6 mcast-vpn (api-mvpn)", () => {
  it("the transcript's twelve lines become exactly ExaBGP's UPDATEs", () => {
    const lines = transcript("api-mvpn");
    assert.equal(lines.length, 12);
    const built = lines.flatMap((line) => {
      const c = command(line);
      const family = c.routes[0].nlri.family as FamilyKey;
      assert.ok(family === IPV4_MCAST_VPN || family === IPV6_MCAST_VPN);
      return updatesFor(c.routes, 65000, c.kind === "announce-route" ? "announce" : "withdraw");
    });
    assert.deepEqual(sorted(built), sorted(expected("api-mvpn")));
  });
});

describe("grammar errors", () => {
  const vpls = (text: string) => parseVplsTokens(tokenize(text));
  const mvpn = (text: string, afi = 1) => parseMvpnTokens(tokenize(text), afi);

  it("a vpls route needs rd, endpoint, base, offset and size in range", () => {
    const ok = "endpoint 5 base 10702 offset 1 size 8 rd 1.2.3.4:5 next-hop 1.2.3.4";
    assert.equal(vpls(ok).nlri.family, L2VPN_VPLS);
    assert.throws(() => vpls(ok.replace("rd 1.2.3.4:5 ", "")), /expects 'rd'/);
    assert.throws(() => vpls(ok.replace("endpoint 5 ", "")), /expects 'endpoint'/);
    assert.throws(() => vpls(ok.replace("base 10702", "base 1048576")), RouteError);
    assert.throws(() => vpls(ok.replace("rd 1.2.3.4:5", "rd nonsense")), /'rd' expects/);
    assert.throws(() => vpls(ok + " bogus 1"), /unknown route attribute 'bogus'/);
  });

  it("mcast-vpn: the route type, its fields, and addresses of the context's family", () => {
    const line = "source-ad source 10.0.0.1 group 239.1.1.1 rd 1:1 next-hop 1.2.3.4";
    assert.equal(mvpn(line).nlri.family, IPV4_MCAST_VPN);
    assert.throws(() => mvpn(line.replace("source-ad", "leaf-ad")), /source-ad, shared-join or source-join/);
    assert.throws(() => mvpn(line, 2), /IPv6 address/);
    assert.throws(
      () => mvpn("shared-join rp 10.0.0.1 group 239.1.1.1 rd 1:1 next-hop 1.2.3.4"),
      /expects 'source-as'/,
    );
    assert.throws(() => parseCommand("announce ipv4 mcast-vpn source-join source 10.0.0.1"), /group|rd/);
  });

  it("a configuration error names the line", () => {
    const text = `neighbor 127.0.0.1 { router-id 1.2.3.4; local-as 1; peer-as 1;
      l2vpn {
        vpls endpoint 5 base 1 offset 1 size 8 next-hop 1.2.3.4;
      } }`;
    assert.throws(() => parseExabgpConfig(text, "x.conf"), /x\.conf:3: a vpls route expects 'rd'/);
  });
});

