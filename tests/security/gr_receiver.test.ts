/**
 * Graceful restart, receiving side (RFC 4724 §4.2), with a real speaker process and a scripted peer that
 * announces the Graceful Restart capability for IPv4 unicast. The peer announces three routes, then its TCP
 * connection drops without a NOTIFICATION (a restarting router):
 *  - its routes stay in the Adj-RIB-In (`show adj-rib in`) and the helpers get no withdraw;
 *  - it comes back, re-announces one route and sends End-of-RIB: the two others are withdrawn then, with
 *    JSON withdraw events, and only the re-announced one is left;
 *  - or it does not come back: after its Restart Time every stale route is withdrawn.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readText, waitFor } from "../helpers/e2e.ts";
import { freePort, makeTempDir, removeTempDir, sleep } from "../helpers/sandbox.ts";
import { runCli, type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";
import { EOR_IPV4, type GracefulRestartOffer, TestPeer, updateMessage } from "./test_peer.ts";

const HOST = "127.0.0.5";
const PEER_AS = 65002;
const ROUTES = ["10.5.1.0/24", "10.5.2.0/24", "10.5.3.0/24"];

interface Rig {
  peer: TestPeer;
  speaker: SpeakerProcess;
  events: string;
  socket: string;
}

/** The prefixes of the JSON `update` events of one kind ("announce" or "withdraw") received from the peer. */
function eventPrefixes(log: string, kind: "announce" | "withdraw"): string[] {
  const out: string[] = [];
  for (const line of log.split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line);
    if (e.type !== "update" || e.neighbor?.direction !== "receive") continue;
    const byFamily = e.neighbor.message?.update?.[kind]?.["ipv4 unicast"];
    if (!byFamily) continue;
    // announce: { next-hop: [ {nlri} ] }; withdraw: [ {nlri} ]
    const entries = Array.isArray(byFamily) ? byFamily : Object.values(byFamily).flat();
    for (const x of entries as { nlri: string }[]) out.push(x.nlri);
  }
  return out;
}

describe("graceful restart: receiving speaker", () => {
  const dir = makeTempDir("gr-receiver");
  const rigs: Rig[] = [];
  after(async () => {
    for (const r of rigs) {
      await r.speaker.stop("SIGTERM");
      await r.peer.close();
    }
    removeTempDir(dir);
  });

  async function start(name: string, gr: GracefulRestartOffer): Promise<Rig> {
    const port = await freePort(HOST);
    const peer = await TestPeer.listen({ host: HOST, port, asn: PEER_AS, holdTime: 30, gracefulRestart: gr });
    const events = join(dir, `${name}.events`);
    const socket = join(dir, `${name}.sock`);
    const script = join(dir, `${name}.sh`);
    writeFileSync(script, `#!/bin/sh\nexec cat >> ${events}\n`, { mode: 0o755 });
    const conf = join(dir, `${name}.conf`);
    writeFileSync(
      conf,
      `process events {
  run /bin/sh ${script};
  encoder json;
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
  api { processes [ events ]; neighbor-changes; receive { parsed; update; } }
}
`,
    );
    const speaker = startSpeaker([conf], {
      env: { exabgp_tcp_bind: "", exabgp_log_level: "INFO", exabgp_api_socketpath: socket },
    });
    const rig = { peer, speaker, events, socket };
    rigs.push(rig);
    await peer.until(() => peer.last?.established === true, 20_000, () => speaker.output);
    await speaker.waitForLine(/neighbor 127\.0\.0\.5 up/, 10_000);
    // The first session: three routes and End-of-RIB, seen by the helper.
    peer.last!.send(updateMessage({ announce: ROUTES, asn: PEER_AS }));
    peer.last!.send(EOR_IPV4);
    await waitFor(
      () => eventPrefixes(readText(events), "announce").length === 3,
      10_000,
      () => readText(events),
    );
    return rig;
  }

  async function adjRibIn(r: Rig): Promise<string[]> {
    const out = await runCli(["cli", "--socket", r.socket, "show", "adj-rib", "in"], { timeoutMs: 15_000 });
    return out.stdout.split("\n").filter((l) => l.startsWith(`${HOST} ipv4 unicast`)).map((l) =>
      l.split(" ")[3]
    )
      .sort();
  }

  async function extensive(r: Rig): Promise<string> {
    const out = await runCli(["cli", "--socket", r.socket, "show", "neighbor", HOST, "extensive"], {
      timeoutMs: 15_000,
    });
    return out.stdout;
  }

  it(
    "keeps the routes as stale across the restart and withdraws the rest at End-of-RIB",
    { timeout: 60_000 },
    async () => {
      const r = await start("eor", { restartTime: 30 });
      const first = r.peer.last!;
      first.drop();
      await r.speaker.waitForLine(/neighbor 127\.0\.0\.5 down/, 10_000);
      await r.speaker.waitForLine(/keeping 3 route\(s\) as stale for up to 30 s/, 5_000);
      assert.deepEqual(await adjRibIn(r), ROUTES, r.speaker.output);
      assert.match(await extensive(r), /Stale \(GR\)\s+3 route\(s\)/);

      // The speaker reconnects; the restarted peer re-sends one route only, then (a little later) End-of-RIB.
      await r.peer.until(
        () => r.peer.links.length === 2 && r.peer.last!.established,
        20_000,
        () => r.speaker.output,
      );
      await r.speaker.waitForLine(/stale route\(s\) wait for its End-of-RIB/, 10_000);
      const second = r.peer.last!;
      second.send(updateMessage({ announce: [ROUTES[0]], asn: PEER_AS }));
      await waitFor(
        () => eventPrefixes(readText(r.events), "announce").length === 4,
        10_000,
        () => readText(r.events),
      );
      await sleep(300);
      assert.deepEqual(await adjRibIn(r), ROUTES, "stale routes must stay until End-of-RIB");
      assert.deepEqual(eventPrefixes(readText(r.events), "withdraw"), [], "no withdraw before End-of-RIB");

      second.send(EOR_IPV4);
      await waitFor(
        () => eventPrefixes(readText(r.events), "withdraw").length >= 2,
        10_000,
        () => readText(r.events),
      );
      await sleep(300);
      assert.deepEqual(eventPrefixes(readText(r.events), "withdraw").sort(), ROUTES.slice(1));
      assert.deepEqual(await adjRibIn(r), [ROUTES[0]]);
      assert.match(await extensive(r), /Stale \(GR\)\s+0 route\(s\)/);
    },
  );

  it("withdraws every stale route when the peer does not come back within its restart time", {
    timeout: 60_000,
  }, async () => {
    const RESTART = 3;
    const r = await start("timeout", { restartTime: RESTART });
    r.peer.last!.drop();
    await r.peer.close(); // nobody answers any more: the speaker's reconnects are refused
    const downAt = performance.now();
    await r.speaker.waitForLine(/keeping 3 route\(s\) as stale for up to 3 s/, 10_000);
    assert.deepEqual(await adjRibIn(r), ROUTES);
    assert.deepEqual(eventPrefixes(readText(r.events), "withdraw"), []);

    await waitFor(
      () => eventPrefixes(readText(r.events), "withdraw").length >= 3,
      (RESTART + 5) * 1000,
      () => readText(r.events),
    );
    const after = (performance.now() - downAt) / 1000;
    console.log(
      `stale routes withdrawn ${after.toFixed(2)} s after the connection dropped (restart time ${RESTART} s)`,
    );
    assert.ok(after >= RESTART - 0.5, `withdrawn after ${after} s, before the restart time`);
    assert.deepEqual(eventPrefixes(readText(r.events), "withdraw").sort(), ROUTES);
    assert.deepEqual(await adjRibIn(r), []);
    await r.speaker.waitForLine(
      /did not come back within its restart time \(3 s\): 3 stale route\(s\) withdrawn/,
      2_000,
    );
  });
});
