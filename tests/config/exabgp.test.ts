import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { parseExabgpConfig } from "../../lib/config/exabgp.ts";
import { validateConfig } from "../../lib/config/load.ts";
import type { Config, NeighborConfig } from "../../lib/config/model.ts";
import { familyKey, familyName, IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { nlriToString } from "../../lib/bgp/nlri/prefix.ts";
import { ipToBytes } from "../../lib/bgp/ip.ts";
import { addressText, ciConfig, ETC, plain, plainWire, readEtc, routePrefix, wireRoutes } from "./wire.ts";

function load(name: string): Config {
  return parseExabgpConfig(readEtc(name), name);
}

function onlyNeighbor(c: Config): NeighborConfig {
  assert.equal(c.neighbors.length, 1);
  return c.neighbors[0];
}

/**
 * Every route of the test's configuration matches one UPDATE of the test's .msg: same prefix (and path id),
 * same next hop, and each attribute the configuration sets has the wire value ExaBGP sent.
 */
function assertMatchesWire(test: string, addPath = false): NeighborConfig {
  const nb = onlyNeighbor(load(ciConfig(test)));
  const wire = wireRoutes(test, addPath);
  assert.equal(nb.routes.length, wire.length, `${test}: as many routes as announced NLRI`);
  for (const r of nb.routes) {
    const prefix = routePrefix(r);
    const w = wire.find((x) => x.prefix === prefix && x.pathId === r.nlri.pathId);
    assert.ok(w, `${test}: ${prefix} (path ${r.nlri.pathId}) is announced`);
    const nh = r.nextHop.kind === "ip" ? r.nextHop.address : r.nextHop.kind === "self" ? nb.localAddress : "";
    assert.equal(addressText(w.nextHop), addressText(ipToBytes(nh)), `${test}: next hop of ${prefix}`);
    for (const a of r.attributes) {
      const wa = w.attrs.get(a.code);
      assert.ok(wa, `${test}: ${prefix} carries attribute ${a.code}`);
      assert.deepEqual(plain(a), plainWire(a, wa), `${test}: ${prefix} attribute ${a.kind}`);
    }
  }
  return nb;
}

describe("every conformance configuration parses", () => {
  const files = readdirSync(ETC).filter((f) => f.endsWith(".conf")).sort();
  it("finds the suite's configurations", () => assert.ok(files.length >= 86, `${files.length} files`));
  for (const f of files) {
    it(f, () => {
      const c = load(f);
      assert.ok(c.neighbors.length >= 1);
      assert.deepEqual(validateConfig(c), []);
    });
  }
});

describe("models of the conformance tests match the bytes ExaBGP sends", () => {
  it("conf-aggregator: as-path, atomic-aggregate, aggregator", () => {
    const nb = assertMatchesWire("conf-aggregator");
    assert.equal(nb.description, "a quagga test peer");
    assert.deepEqual(nb.routes[0].attributes.map((a) => a.kind).sort(), [
      "aggregator",
      "as-path",
      "atomic-aggregate",
    ]);
  });
  it("conf-attributes: generic attribute sent verbatim", () => {
    const nb = assertMatchesWire("conf-attributes");
    assert.equal(nb.routes[0].attributes[0].kind, "generic");
  });
  it("conf-generic-attribute: three generic attributes with their flags", () => {
    const nb = assertMatchesWire("conf-generic-attribute");
    assert.deepEqual(nb.routes.map((r) => (r.attributes[0] as { flags: number }).flags), [0x80, 0x60, 0x70]);
  });
  it("conf-ebgp: local-preference and peer-as", () => {
    const nb = onlyNeighbor(load("conf-ebgp.conf"));
    assert.equal(nb.localAs, 65533);
    assert.equal(nb.peerAs, 65000);
    // eBGP: ExaBGP sends no LOCAL_PREF (the wire drops it), the model keeps what was configured.
    assert.deepEqual(nb.routes.map(routePrefix), wireRoutes("conf-ebgp").map((w) => w.prefix));
    assert.deepEqual(plain(nb.routes[0].attributes[0]), { code: 5, kind: "local-preference", value: 200 });
    assert.equal(nb.routes[0].nextHop.kind === "ip" && nb.routes[0].nextHop.address, "10.0.1.254");
  });
  it("conf-template: template route then the neighbor's three, neighbor values override", () => {
    const nb = assertMatchesWire("conf-template");
    assert.deepEqual(nb.routes.map(routePrefix), ["1.0.0.0/8", "2.0.0.0/8", "3.0.0.0/8", "4.0.0.0/8"]);
    assert.equal(nb.localAs, 65533);
    assert.equal(nb.groupUpdates, false);
    assert.equal(nb.capability.gracefulRestart, 1200);
    assert.equal(nb.routerId, "127.0.0.0");
  });
  it("conf-split: /22 split into four /24 twice", () => {
    const nb = assertMatchesWire("conf-split");
    assert.equal(nb.routes.length, 8);
    assert.equal(nb.groupUpdates, false);
  });
  it("conf-name: the name is a pseudo-attribute, not on the wire", () => {
    const nb = assertMatchesWire("conf-name");
    assert.equal(nb.routes[0].name, "this-is-a-test-route");
    assert.deepEqual(nb.routes[0].attributes, []);
  });
  it("conf-group-limit: IPv4 and IPv6 routes, families from the block", () => {
    const nb = assertMatchesWire("conf-group-limit");
    assert.deepEqual(nb.families, [IPV4_UNICAST, IPV6_UNICAST]);
    assert.deepEqual(nb.routes.map((r) => r.nlri.family), [
      IPV4_UNICAST,
      IPV4_UNICAST,
      IPV6_UNICAST,
      IPV6_UNICAST,
    ]);
  });
  it("conf-path-information: path ids from dotted and plain forms", () => {
    const nb = assertMatchesWire("conf-path-information", true);
    assert.deepEqual(nb.routes.map((r) => r.nlri.pathId), [1, 2, 3]);
    assert.equal(nb.capability.addPath, 3);
  });
  it("conf-largecommunity: large communities", () => {
    assertMatchesWire("conf-largecommunity");
  });
  it("conf-extended-attributes: every extended community form", () => {
    const nb = assertMatchesWire("conf-extended-attributes");
    assert.equal(nb.routes.length, 15);
  });
  it("conf-new-v4: announce { ipv4 { unicast } } from template and neighbor", () => {
    const nb = assertMatchesWire("conf-new-v4");
    assert.equal(nb.routes.length, 8);
    assert.equal(nb.routes[0].nlri.family, IPV4_UNICAST);
  });
  it("conf-new-v6: announce { ipv6 { unicast } }", () => {
    const nb = assertMatchesWire("conf-new-v6");
    assert.deepEqual(nb.families, [IPV6_UNICAST]);
  });
  it("conf-ipself4: next-hop self", () => {
    const nb = assertMatchesWire("conf-ipself4");
    assert.deepEqual(nb.routes[0].nextHop, { kind: "self" });
  });
  it("conf-ipself6: next-hop self over IPv6", () => {
    const nb = assertMatchesWire("conf-ipself6");
    assert.deepEqual(nb.routes[0].nextHop, { kind: "self" });
    assert.equal(nb.peerAddress, "::1");
  });
});

describe("neighbor, process and api statements", () => {
  it("api-api: template api blocks with names and subscriptions", () => {
    const nb = onlyNeighbor(load("api-api.conf"));
    assert.deepEqual(nb.api.map((a) => [a.name, a.processes]), [["speaking", ["expecting-a-keepalive"]], [
      "listening",
      ["expecting-no-data"],
    ]]);
    const speaking = nb.api[0];
    assert.equal(speaking.receive.parsed && speaking.receive.keepalive && speaking.receive.update, true);
    assert.equal(speaking.receive.open, false);
    // In the order of the family block: nlri-mpls first.
    assert.deepEqual(nb.families, [familyKey(1, 4), IPV4_UNICAST]);
  });
  it("api-announce-processes-match: regex selection", () => {
    assert.deepEqual(onlyNeighbor(load("api-announce-processes-match.conf")).api[0].processesMatch, ["^add"]);
  });
  it("api-no-respawn: respawn false and default true", () => {
    const c = load("api-no-respawn.conf");
    assert.deepEqual(c.processes.map((p) => [p.name, p.respawn, p.encoder]), [["one-shot", false, "json"], [
      "respawn",
      true,
      "json",
    ]]);
    assert.equal(c.processes[0].run[0], "run/api-no-respawn-1.run");
  });
  it("example-healthcheck: run is split like a shell, quotes kept together", () => {
    const p = load("example-healthcheck.conf").processes[0];
    assert.deepEqual(p.run, [
      "python3",
      "-m",
      "exabgp",
      "healthcheck",
      "-s",
      "--name",
      "nginx",
      "--cmd",
      "curl --fail --verbose --max-time 2 http://localhost",
      "--start-ip",
      "0",
    ]);
  });
  it("api-open: capabilities and nexthop block", () => {
    const nb = onlyNeighbor(load("api-open.conf"));
    assert.deepEqual(nb.capability, {
      asn4: true,
      routeRefresh: true,
      gracefulRestart: 360,
      addPath: 3,
      multiSession: true,
      operational: true,
      extendedMessage: true,
      aigp: true,
      nexthop: false,
      softwareVersion: false,
    });
    assert.deepEqual(nb.nexthopFamilies, [{ family: IPV4_UNICAST, nextHopAfi: 2 }, {
      family: IPV6_UNICAST,
      nextHopAfi: 1,
    }]);
    assert.equal(nb.api[0].send.open && nb.api[0].receive.consolidate, true);
  });
  it("graceful-restart without a time is the hold-time; disable is off", () => {
    assert.equal(onlyNeighbor(load("api-reload.1.conf")).capability.gracefulRestart, 600);
    assert.equal(onlyNeighbor(load("api-notification.conf")).capability.gracefulRestart, false);
  });
  it("parse-md5, parse-ttl, conf-hostname: session options", () => {
    const md5 = onlyNeighbor(load("parse-md5.conf"));
    assert.equal(md5.md5Password, "abc123");
    assert.equal(md5.md5Ip, "10.0.0.2");
    assert.equal(onlyNeighbor(load("parse-ttl.conf")).outgoingTtl, 1);
    const h = onlyNeighbor(load("conf-hostname.conf"));
    assert.equal(h.hostName, "my-host-name");
    assert.equal(h.domainName, "my-domain-name.com");
  });
  it("conf-no-asn4 and conf-cap-software-version", () => {
    assert.equal(onlyNeighbor(load("conf-no-asn4.conf")).capability.asn4, false);
    assert.equal(onlyNeighbor(load("conf-cap-software-version.conf")).capability.softwareVersion, true);
  });
  it("api-watchdog: watchdog and withdraw pseudo-attributes", () => {
    const r = onlyNeighbor(load("api-watchdog.conf")).routes[1];
    assert.equal(routePrefix(r), "77.77.77.77/32");
    assert.equal(r.watchdog, "dnsr");
    assert.equal(r.withdrawn, true);
  });
  it("api-multiple-api: two neighbors from two templates", () => {
    const c = load("api-multiple-api.conf");
    assert.deepEqual(c.neighbors.map((n) => [n.name, n.localAs, n.api[0].processes[0]]), [
      ["127.0.0.1", 1, "public"],
      ["192.168.0.1", 2, "private"],
    ]);
  });
  it("families default to ipv4 unicast plus the families of the routes", () => {
    assert.deepEqual(onlyNeighbor(load("conf-aggregator.conf")).families, [IPV4_UNICAST]);
    assert.deepEqual(onlyNeighbor(load("parse-simple-v6.conf")).families, [IPV4_UNICAST, IPV6_UNICAST]);
    assert.deepEqual(onlyNeighbor(load("conf-vpn.conf")).families, [IPV4_UNICAST, familyKey(1, 128)]);
  });
});

describe("routes of every family the suite configures are real routes, none left unsupported", () => {
  const families = (nb: NeighborConfig) => nb.routes.map((r) => familyName(r.nlri.family));

  it("conf-vpn: rd + label + split /25 → four ipv4 mpls-vpn routes, label 1000, RD 65000:1", () => {
    const nb = onlyNeighbor(load("conf-vpn.conf"));
    assert.deepEqual(nb.unsupported, []);
    assert.deepEqual(nb.routes.map((r) => nlriToString(r.nlri)), [
      "10.0.0.0/25 label 1000 rd 65000:1",
      "10.0.0.128/25 label 1000 rd 65000:1",
      "20.0.0.0/25 label 1000 rd 65000:1",
      "20.0.0.128/25 label 1000 rd 65000:1",
    ]);
    assert.deepEqual(new Set(families(nb)), new Set(["ipv4 mpls-vpn"]));
  });
  it("conf-flow: flow routes, flow-vpn when an rd is given, ipv6 flow", () => {
    const nb = onlyNeighbor(load("conf-flow.conf"));
    assert.equal(nb.unsupported.length, 0);
    const fams = nb.routes.map((r) => r.nlri.family);
    assert.equal(fams.length, 13);
    assert.equal(fams[0], (1 << 8) | 134); // ipv4 flow-vpn
    assert.ok(fams.includes((2 << 8) | 133)); // ipv6 flow
  });
  it("conf-l2vpn: three l2vpn vpls routes (two blocks and one statement)", () => {
    const nb = onlyNeighbor(load("conf-l2vpn.conf"));
    assert.deepEqual(nb.unsupported, []);
    assert.deepEqual(families(nb), Array(3).fill("l2vpn vpls"));
  });
  it("conf-mvpn: the six mcast-vpn statements, three per address family", () => {
    const nb = onlyNeighbor(load("conf-mvpn.conf"));
    assert.deepEqual(nb.unsupported, []);
    assert.deepEqual(families(nb), [...Array(3).fill("ipv4 mcast-vpn"), ...Array(3).fill("ipv6 mcast-vpn")]);
  });
  it("conf-srv6-mup: the ten mup statements, six IPv4 then four IPv6", () => {
    const nb = onlyNeighbor(load("conf-srv6-mup.conf"));
    assert.deepEqual(nb.unsupported, []);
    assert.deepEqual(families(nb), [...Array(6).fill("ipv4 mup"), ...Array(4).fill("ipv6 mup")]);
  });
  it("conf-prefix-sid: labeled unicast routes with their label and a Prefix-SID attribute (type 40)", () => {
    const nb = onlyNeighbor(load("conf-prefix-sid.conf"));
    assert.deepEqual(nb.unsupported, []);
    assert.deepEqual(nb.routes.map((r) => nlriToString(r.nlri)), [
      "198.51.100.100/32 label 800001",
      "198.51.100.101/32 label 800002",
    ]);
    assert.deepEqual(new Set(families(nb)), new Set(["ipv4 nlri-mpls"]));
    for (const r of nb.routes) assert.ok(r.attributes.some((a) => a.code === 40), nlriToString(r.nlri));
  });
});

describe("ExaBGP leniencies", () => {
  it("an extra '}' at the top level is a warning (conf-extended-attributes)", () => {
    const c = load("conf-extended-attributes.conf");
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0], /^conf-extended-attributes\.conf:36: /);
  });
  it("a block left open at the end of the file is a warning (conf-split)", () => {
    assert.match(load("conf-split.conf").warnings[0], /^conf-split\.conf:1: /);
  });
  it("exabgp.bgp.passive makes every neighbor passive", () => {
    const c = parseExabgpConfig(readEtc("conf-ebgp.conf"), "x.conf", { exabgp_bgp_passive: "true" });
    assert.equal(c.neighbors[0].passive, true);
  });
});
