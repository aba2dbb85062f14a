/**
 * Graceful restart, restarting side: with `exabgp.rib.persist FILE`, the routes a helper announced survive a
 * crash of the speaker. A helper announces three routes and withdraws one on its first start only (as a
 * helper that needs a while before it announces again after a restart); the speaker is killed with SIGKILL
 * and started again. The peer's second session then gets the two routes in the initial table, before
 * End-of-RIB, and no withdraw, under an OPEN whose Graceful Restart capability has the Restart State bit.
 * Without the option, the same run gives the peer an empty table (only End-of-RIB): that is what the peer
 * would flush its stale copy with. Also the file format's round trip for routes with many attribute kinds.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfigText } from "../../lib/config/load.ts";
import { decodeRibFile, encodeRibFile } from "../../lib/speaker/rib_persist.ts";
import { routeIdentity } from "../../lib/speaker/route_identity.ts";
import { waitFor } from "../helpers/e2e.ts";
import { freePort, makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";
import { TestPeer } from "./test_peer.ts";

const HOST = "127.0.0.6";
const PEER_AS = 65002;
const KEPT = ["10.6.1.0/24", "10.6.2.0/24"];
const GONE = "10.6.3.0/24";

describe("rib.persist file format", () => {
  it("routes come back identical (attributes, communities, IPv6, FlowSpec, labels)", async () => {
    const conf = parseConfigText(
      `neighbor 127.0.0.9 {
  local-as 1; peer-as 2; router-id 192.0.2.1;
  static {
    route 10.0.0.0/24 next-hop 192.0.2.1 origin egp med 50 as-path [ 64600 64601 ] community [ 65001:100 no-export ] large-community [ 65001:1:2 ] extended-community [ target:65000:1 ];
    route 2001:db8::/32 next-hop 2001:db8::1 local-preference 300 aigp 1000;
  }
  flow { route f1 { match { destination 10.1.0.0/16; destination-port =80; } then { discard; } } }
  announce { ipv4 { mpls-vpn 10.2.0.0/24 next-hop 192.0.2.1 label [ 100 ] rd 65000:1; } }
}
`,
      "r.conf",
    );
    const routes = conf.neighbors[0].routes;
    assert.ok(routes.length >= 4, `${routes.length} routes parsed`);
    const back = decodeRibFile(await encodeRibFile([["127.0.0.9|auto", routes]])).get("127.0.0.9|auto")!;
    assert.deepEqual(back.map(routeIdentity), routes.map(routeIdentity));
    assert.throws(() => decodeRibFile('{"format": 7}'), /not a tsbgp RIB file of format 1/);
  });
});

describe("graceful restart: restarting speaker with rib.persist", () => {
  const dir = makeTempDir("gr-persist");
  const speakers: SpeakerProcess[] = [];
  const peers: TestPeer[] = [];
  after(async () => {
    for (const s of speakers) await s.stop("SIGKILL");
    for (const p of peers) await p.close();
    removeTempDir(dir);
  });

  async function crashAndRestart(name: string, persist: boolean) {
    const port = await freePort(HOST);
    const peer = await TestPeer.listen({
      host: HOST,
      port,
      asn: PEER_AS,
      holdTime: 30,
      gracefulRestart: { restartTime: 120 },
    });
    peers.push(peer);
    const marker = join(dir, `${name}.announced`);
    const script = join(dir, `${name}.sh`);
    // First start: announce and withdraw; later starts: nothing (the routes must come from the file).
    writeFileSync(
      script,
      `#!/bin/sh
if [ ! -e ${marker} ]; then
  touch ${marker}
  echo "announce route ${KEPT[0]} next-hop 192.0.2.1 community [ 65001:1 ]"
  echo "announce route ${KEPT[1]} next-hop 192.0.2.1"
  echo "announce route ${GONE} next-hop 192.0.2.1"
  echo "withdraw route ${GONE}"
fi
exec cat > /dev/null
`,
      { mode: 0o755 },
    );
    const conf = join(dir, `${name}.conf`);
    writeFileSync(
      conf,
      `process announcer {
  run /bin/sh ${script};
  encoder text;
}
neighbor ${HOST} {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as ${PEER_AS};
  hold-time 30;
  connect ${port};
  capability { graceful-restart 120; }
  family { ipv4 unicast; }
  api { processes [ announcer ]; }
}
`,
    );
    const file = join(dir, `${name}.rib.json`);
    const env: Record<string, string> = {
      exabgp_tcp_bind: "",
      exabgp_log_level: "INFO",
      exabgp_api_socketpath: join(dir, `${name}.sock`),
    };
    if (persist) env.exabgp_rib_persist = file;

    const first = startSpeaker([conf], { env });
    speakers.push(first);
    await peer.until(() => (peer.last?.announced.length ?? 0) >= 2, 20_000, () => first.output);
    const link1 = peer.last!;
    await waitFor(() => KEPT.every((p) => link1.announced.includes(p)), 10_000, () => first.output);
    if (persist) {
      // Saved within milliseconds of the change: wait for the copy, then crash.
      const saved = () => {
        if (!existsSync(file)) return [];
        return (decodeRibFile(readFileSync(file, "utf8")).get(`${HOST}|127.0.0.1`) ?? []).map((r) => r.nlri);
      };
      await waitFor(
        () => saved().length === 2,
        10_000,
        () => (existsSync(file) ? readFileSync(file, "utf8") : "no file"),
      );
    }
    await first.stop("SIGKILL");
    await peer.until(() => link1.closed, 10_000, () => "the first session did not end");

    const second = startSpeaker([conf], { env });
    speakers.push(second);
    await peer.until(() => peer.links.length >= 2 && peer.last!.eor, 20_000, () => second.output);
    return { link: peer.last!, speaker: second };
  }

  it(
    "announces the helper's routes again before End-of-RIB, withdrawing nothing",
    { timeout: 60_000 },
    async () => {
      const { link, speaker } = await crashAndRestart("persist", true);
      assert.deepEqual([...link.announced].sort(), KEPT, speaker.output);
      assert.equal(link.announcedBeforeEor, 2, "the routes come in the initial table, before End-of-RIB");
      assert.deepEqual(link.withdrawn, []);
      assert.ok(!link.announced.includes(GONE));
      const gr = link.capabilities!.find((c) => c.code === 64);
      assert.ok(gr, "the OPEN has the Graceful Restart capability");
      assert.ok((gr.value[0] & 0x80) !== 0, "with the Restart State bit (RFC 4724 §3)");
      await speaker.waitForLine(/rib\.persist .*: 2 route\(s\) of 1 neighbor\(s\) to announce again/, 2_000);
    },
  );

  it("without rib.persist the restarted speaker sends only End-of-RIB", { timeout: 60_000 }, async () => {
    const { link, speaker } = await crashAndRestart("control", false);
    assert.deepEqual(link.announced, [], speaker.output);
    assert.equal(link.announcedBeforeEor, 0);
  });
});
