import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseYamlConfig } from "../../lib/config/yaml.ts";
import { ConfigError } from "../../lib/config/error.ts";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import type { LabeledNlri, PrefixNlri } from "../../lib/bgp/types.ts";
import { labelValues } from "../../lib/bgp/qualifier/labels.ts";
import { parseExabgpConfig } from "../../lib/config/exabgp.ts";

const GOOD = `# tsbgp native configuration
processes:
  - name: announce
    run: ./announce.sh --name "a b"
  - name: watcher
    run: [/usr/bin/env, python3, watch.py]
    encoder: text
    respawn: false
neighbors:
  - peerAddress: 127.0.0.1
    localAddress: 127.0.0.1
    localAs: 65000
    peerAs: 65001
    routerId: 192.0.2.1
    holdTime: 90
    groupUpdates: false
    md5Password: secret
    families: [ipv4 unicast, ipv4 flow]
    addPathFamilies: [ipv4 unicast]
    nexthopFamilies: [ipv4 unicast ipv6]
    capability: { routeRefresh: true, gracefulRestart: true, addPath: send/receive, asn4: false }
    api:
      - processes: [announce]
        receive: [parsed, update]
        send: [packets]
        neighborChanges: true
    routes:
      - 10.0.0.0/24 next-hop 192.0.2.1 med 100
      - 10.0.1.0/24 rd 65000:1 label 5 next-hop 192.0.2.1
  - peerAddress: ::1
    localAs: 1
    peerAs: auto
    routerId: 1.1.1.1
`;

function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, needle);
  return i + 1;
}

function rejects(text: string, line: number, detail: RegExp): void {
  assert.throws(() => parseYamlConfig(text, "bgp.yaml"), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.line, line, e.message);
    assert.ok(e.message.startsWith(`bgp.yaml:${line}: `));
    assert.match(e.detail, detail);
    return true;
  });
}

function mutate(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, from);
  return text.replace(from, to);
}

describe("native YAML configuration", () => {
  it("produces the same model as the ExaBGP syntax", () => {
    const c = parseYamlConfig(GOOD, "bgp.yaml");
    assert.deepEqual(c.files, ["bgp.yaml"]);
    assert.deepEqual(c.processes.map((p) => [p.name, p.run, p.encoder, p.respawn, p.source.line]), [
      ["announce", ["./announce.sh", "--name", "a b"], "json", true, 3],
      ["watcher", ["/usr/bin/env", "python3", "watch.py"], "text", false, 5],
    ]);
    const [a, b] = c.neighbors;
    assert.equal(a.name, "127.0.0.1");
    assert.equal(a.source.line, 10);
    assert.equal(a.localAs, 65000);
    assert.equal(a.peerAs, 65001);
    assert.equal(a.holdTime, 90);
    assert.equal(a.groupUpdates, false);
    assert.equal(a.md5Password, "secret");
    assert.deepEqual(a.families, [IPV4_UNICAST, familyKey(1, 133)]);
    assert.deepEqual(a.addPathFamilies, [IPV4_UNICAST]);
    assert.deepEqual(a.nexthopFamilies, [{ family: IPV4_UNICAST, nextHopAfi: 2 }]);
    assert.equal(a.capability.routeRefresh, true);
    assert.equal(a.capability.gracefulRestart, 90); // true = the hold time, as `graceful-restart;`
    assert.equal(a.capability.addPath, 3);
    assert.equal(a.capability.asn4, false);
    assert.equal(a.capability.extendedMessage, true);
    assert.equal(a.api[0].receive.parsed && a.api[0].receive.update && a.api[0].send.packets, true);
    assert.equal(a.api[0].receive.open, false);
    assert.equal(a.api[0].neighborChanges, true);
    assert.equal(a.routes.length, 2);
    assert.deepEqual([...(a.routes[0].nlri as PrefixNlri).bytes], [10, 0, 0]);
    // rd + label: an ipv4 mpls-vpn route (RFC 4364): label 5, RD 65000:1 (type 0: 0000 FDE8 00000001).
    const vpn = a.routes[1].nlri as LabeledNlri;
    assert.equal(vpn.kind, "labeled");
    assert.equal(vpn.family, familyKey(1, 128));
    assert.deepEqual([vpn.length, [...vpn.bytes]], [24, [10, 0, 1]]);
    assert.deepEqual(labelValues(vpn.labels), [5]);
    assert.deepEqual([...vpn.rd!], [0, 0, 0xfd, 0xe8, 0, 0, 0, 1]);
    assert.deepEqual(a.unsupported, []);
    // The ExaBGP syntax gives the very same routes for the same route lines.
    const exa = parseExabgpConfig(
      `neighbor 127.0.0.1 { local-as 65000; peer-as 65001; router-id 192.0.2.1;
        static {
          route 10.0.0.0/24 next-hop 192.0.2.1 med 100;
          route 10.0.1.0/24 rd 65000:1 label 5 next-hop 192.0.2.1;
        }
      }`,
      "bgp.conf",
    );
    assert.deepEqual(a.routes, exa.neighbors[0].routes);
    assert.equal(b.peerAs, "auto");
    assert.equal(b.holdTime, 180);
    assert.equal(b.localAddress, "auto");
    assert.deepEqual(b.families, [IPV4_UNICAST, IPV6_UNICAST]);
  });

  it("an empty document is an empty configuration", () => {
    assert.deepEqual(parseYamlConfig("", "e.yaml"), {
      files: ["e.yaml"],
      processes: [],
      neighbors: [],
      warnings: [],
    });
  });

  it("rejects invalid values with file, line and field", () => {
    rejects(
      mutate(GOOD, "holdTime: 90", "holdTime: 2"),
      lineOf(GOOD, "holdTime"),
      /^neighbors\[0\]\.holdTime: expects a number 0 or 3\.\.65535, got 2$/,
    );
    rejects(
      mutate(GOOD, "holdTime: 90", "holdTme: 90"),
      lineOf(GOOD, "holdTime"),
      /^neighbors\[0\]\.holdTme: is not a known field/,
    );
    rejects(
      mutate(GOOD, "    localAs: 65000\n", ""),
      lineOf(GOOD, "peerAddress: 127"),
      /^neighbors\[0\]\.localAs: is required/,
    );
    rejects(
      mutate(GOOD, "routerId: 192.0.2.1", "routerId: 192.0.2"),
      lineOf(GOOD, "routerId: 192"),
      /^neighbors\[0\]\.routerId: expects an IPv4 address, got '192\.0\.2'/,
    );
    rejects(
      mutate(GOOD, "peerAs: 65001", "peerAs: -1"),
      lineOf(GOOD, "peerAs: 65001"),
      /^neighbors\[0\]\.peerAs: expects an AS number/,
    );
    rejects(
      mutate(GOOD, "[ipv4 unicast, ipv4 flow]", "[ipv4 unicast, ipv4 flwo]"),
      lineOf(GOOD, "families:"),
      /^neighbors\[0\]\.families\[1\]: expects a family/,
    );
    rejects(
      mutate(GOOD, "send: [packets]", "send: [packet]"),
      lineOf(GOOD, "send: [packets]"),
      /^neighbors\[0\]\.api\[0\]\.send\[0\]: expects one of parsed/,
    );
    rejects(
      mutate(GOOD, "encoder: text", "encoder: xml"),
      lineOf(GOOD, "encoder: text"),
      /^processes\[1\]\.encoder: expects json or text/,
    );
    rejects(
      mutate(GOOD, "addPath: send/receive", "addPath: both"),
      lineOf(GOOD, "addPath: send"),
      /^neighbors\[0\]\.capability\.addPath: expects disable, send/,
    );
  });

  it("rejects bad routes at the line of the route", () => {
    const bad = mutate(GOOD, "med 100", "med lots");
    rejects(
      bad,
      lineOf(bad, "med lots"),
      /^neighbors\[0\]\.routes\[0\]: 'med' expects a number 0\.\.4294967295, got 'lots'$/,
    );
  });

  it("rejects YAML syntax errors and duplicate keys with their line", () => {
    const dup = mutate(GOOD, "    peerAs: 65001\n", "    peerAs: 65001\n    peerAs: 3\n");
    rejects(dup, lineOf(dup, "peerAs: 3"), /invalid YAML: Map keys must be unique/);
    const indent = mutate(GOOD, "    routerId: 192.0.2.1", "  routerId: 192.0.2.1");
    rejects(indent, lineOf(indent, "routerId: 192"), /invalid YAML/);
  });

  it("rejects a process defined twice and a bad run line", () => {
    const twice = mutate(GOOD, "name: watcher", "name: announce");
    rejects(
      twice,
      lineOf(GOOD, "name: watcher"),
      /processes\[1\]\.name: process 'announce' is defined twice/,
    );
    const quote = mutate(GOOD, `--name "a b"`, `--name "a b`);
    rejects(quote, lineOf(GOOD, "name: announce"), /processes\[0\]\.run: unterminated double quote/);
  });
});
