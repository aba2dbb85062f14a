/**
 * `maximum-prefix` protects the speaker from a peer's flood: the grammar in both configuration syntaxes,
 * then a real speaker process against a scripted peer announcing 150 prefixes in UPDATEs of 50. With a
 * limit of 100 and `teardown restart 2`, the speaker sends NOTIFICATION Cease 1 "Maximum Number of
 * Prefixes Reached" carrying AFI 1, SAFI 1 and the limit (RFC 4486 §4), closes, and reconnects 2 s later.
 * With `warning-only` it logs the crossing once and keeps the session and every route.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { parseConfigText, validateConfig } from "../../lib/config/load.ts";
import { parseMaximumPrefix } from "../../lib/config/maximum_prefix.ts";
import { freePort, makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { runCli, type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";
import { TestPeer, updateMessage } from "./test_peer.ts";

const HOST = "127.0.0.4";
const PEER_AS = 65002;

function neighbor(port: number, limit: string, extra = ""): string {
  return `neighbor ${HOST} {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as ${PEER_AS};
  hold-time 30;
  connect ${port};
  family { ipv4 unicast; }
  maximum-prefix ${limit};
${extra}}
`;
}

describe("maximum-prefix: configuration", () => {
  it("parses scope, limit, action and restart", () => {
    assert.deepEqual(parseMaximumPrefix(["1000"]), {
      family: undefined,
      limit: 1000,
      action: "teardown",
      restart: undefined,
    });
    assert.deepEqual(parseMaximumPrefix(["ipv6", "unicast", "50", "warning-only"]), {
      family: IPV6_UNICAST,
      limit: 50,
      action: "warning-only",
      restart: undefined,
    });
    assert.deepEqual(parseMaximumPrefix(["ipv4", "unicast", "7", "teardown", "restart", "30"]), {
      family: IPV4_UNICAST,
      limit: 7,
      action: "teardown",
      restart: 30,
    });
  });

  it("refuses bad words with what was expected", () => {
    assert.throws(() => parseMaximumPrefix([]), /expects \[<afi> <safi>\] <limit>.*no limit/);
    assert.throws(() => parseMaximumPrefix(["0"]), /the limit is a number 1\.\./);
    assert.throws(() => parseMaximumPrefix(["ipv9", "unicast", "5"]), /unknown family 'ipv9 unicast'/);
    assert.throws(() => parseMaximumPrefix(["5", "explode"]), /unexpected 'explode'/);
    assert.throws(
      () => parseMaximumPrefix(["5", "warning-only", "restart", "3"]),
      /'restart' goes with teardown only/,
    );
  });

  it("ExaBGP syntax: a neighbor's own statement replaces a template's of the same scope; errors name FILE:LINE", () => {
    const text = `template { neighbor t { maximum-prefix 10 warning-only; maximum-prefix ipv4 unicast 5; } }
neighbor 127.0.0.9 {
  inherit t;
  local-as 1; peer-as 2; router-id 192.0.2.1;
  maximum-prefix 20 teardown restart 9;
}
`;
    const c = parseConfigText(text, "t.conf");
    assert.deepEqual(c.neighbors[0].maximumPrefix, [
      { family: undefined, limit: 20, action: "teardown", restart: 9 },
      { family: IPV4_UNICAST, limit: 5, action: "teardown", restart: undefined },
    ]);
    assert.throws(
      () => parseConfigText("neighbor 127.0.0.9 {\n  local-as 1;\n  maximum-prefix lots;\n}\n", "bad.conf"),
      /bad\.conf:3: .*'maximum-prefix' expects/,
    );
    const noRib = parseConfigText(
      "neighbor 127.0.0.9 { local-as 1; peer-as 2; router-id 192.0.2.1; adj-rib-in false; maximum-prefix 5; }\n",
      "n.conf",
    );
    assert.match(validateConfig(noRib).join("\n"), /n\.conf:1: .*maximum-prefix needs adj-rib-in true/);
  });

  it("YAML syntax: the same grammar per entry, errors name the line and field", () => {
    const yaml = `neighbors:
  - peerAddress: 127.0.0.9
    localAs: 1
    peerAs: 2
    maximumPrefix: ["ipv4 unicast 300 warning-only", "1000"]
`;
    assert.deepEqual(parseConfigText(yaml, "c.yaml").neighbors[0].maximumPrefix, [
      { family: IPV4_UNICAST, limit: 300, action: "warning-only", restart: undefined },
      { family: undefined, limit: 1000, action: "teardown", restart: undefined },
    ]);
    const bad = yaml.replace('"1000"', '"1000 sometimes"');
    assert.throws(
      () => parseConfigText(bad, "c.yaml"),
      /c\.yaml:5: neighbors\[0\]\.maximumPrefix\[1\]: .*unexpected 'sometimes'/,
    );
  });
});

describe("maximum-prefix: a flooding peer", () => {
  const dir = makeTempDir("maxpfx");
  const started: SpeakerProcess[] = [];
  const peers: TestPeer[] = [];
  after(async () => {
    for (const s of started) await s.stop("SIGTERM");
    for (const p of peers) await p.close();
    removeTempDir(dir);
  });

  async function run(limit: string, name: string) {
    const port = await freePort(HOST);
    const peer = await TestPeer.listen({ host: HOST, port, asn: PEER_AS, holdTime: 30 });
    peers.push(peer);
    const conf = join(dir, `${name}.conf`);
    const socket = join(dir, `${name}.sock`);
    writeFileSync(conf, neighbor(port, limit));
    const speaker = startSpeaker([conf], {
      env: { exabgp_tcp_bind: "", exabgp_log_level: "INFO", exabgp_api_socketpath: socket },
    });
    started.push(speaker);
    await peer.until(() => peer.last?.established === true, 20_000, () => speaker.output);
    await speaker.waitForLine(/neighbor 127\.0\.0\.4 up/, 10_000);
    const link = peer.last!;
    for (let u = 0; u < 3; u++) {
      const announce = Array.from({ length: 50 }, (_, i) => `10.${u}.${i}.0/24`);
      link.send(updateMessage({ announce, asn: PEER_AS }));
    }
    return { peer, link, speaker, socket };
  }

  it(
    "teardown: Cease 1 with AFI/SAFI/limit, then a reconnect after the restart delay",
    { timeout: 60_000 },
    async () => {
      const { peer, link, speaker } = await run("100 teardown restart 2", "teardown");
      await peer.until(() => link.notifications.length > 0, 10_000, () => speaker.output);
      const n = link.notifications[0];
      assert.deepEqual([n.code, n.subcode], [6, 1], speaker.output);
      // RFC 4486 §4: AFI 1 (2 octets), SAFI 1, upper bound 100 (4 octets)
      assert.deepEqual([...n.data], [0, 1, 1, 0, 0, 0, 100]);
      await peer.until(() => link.closed, 5_000, () => "the connection stayed open after Cease 1");
      const { line } = await speaker.waitForLine(
        /maximum-prefix 100 \(all families\) exceeded with 150 routes/,
        5_000,
      );
      assert.match(line, /reconnecting in 2 s/);
      const closedAt = performance.now();
      await peer.until(() => peer.links.length >= 2 && peer.last!.established, 15_000, () => speaker.output);
      const waited = (performance.now() - closedAt) / 1000;
      console.log(`reconnected ${waited.toFixed(2)} s after the teardown`);
      assert.ok(waited >= 1.5, `reconnected after ${waited} s, before the 2 s restart delay`);
      assert.ok(speaker.running);
    },
  );

  it("warning-only: one warning, the session and all 150 routes stay", { timeout: 60_000 }, async () => {
    const { peer, link, speaker, socket } = await run("ipv4 unicast 100 warning-only", "warn");
    await speaker.waitForLine(
      /maximum-prefix 100 \(ipv4 unicast\) exceeded with 150 routes .*warning only/,
      10_000,
    );
    let routes = 0;
    for (const deadline = performance.now() + 10_000; routes < 150 && performance.now() < deadline;) {
      const r = await runCli(["cli", "--socket", socket, "show", "adj-rib", "in"], { timeoutMs: 15_000 });
      routes = r.stdout.split("\n").filter((l) => l.startsWith(`${HOST} ipv4 unicast`)).length;
    }
    assert.equal(routes, 150);
    assert.deepEqual(link.notifications, []);
    assert.ok(link.established && peer.links.length === 1, speaker.output);
    assert.equal(speaker.lines.filter((l) => /maximum-prefix/.test(l)).length, 1, speaker.output);
  });
});
