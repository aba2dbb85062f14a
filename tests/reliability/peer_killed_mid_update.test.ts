/**
 * The peer is killed (SIGKILL) in the middle of a flood, with half of one of its own UPDATEs on the wire and
 * the speaker's UPDATEs unread in its socket: the speaker resets the session cleanly (it logs the session
 * down and keeps running), reconnects with ExaBGP's back-off (1 s, then 2.2 s, … between attempts) and, on
 * the new session, sends its whole Adj-RIB-Out again: the new peer ends with exactly the routes the API
 * announced and did not withdraw, and End-of-RIB.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  announceLines,
  FaultRig,
  ipOf,
  neighbor,
  PEER_AS,
  PeerProcess,
  processBlock,
} from "../helpers/fault_rig.ts";
import { FaultPeer, prefixKey } from "../helpers/fault_peer.ts";
import { freePort, sleep } from "../helpers/sandbox.ts";

const HOST = "127.0.0.2";
const HOLD = 9;
const ANNOUNCED = 20_000;
const WITHDRAWN = 5_000;
/** The killed peer stops reading, sends its half message and waits for death after this many prefixes. */
const HALF_AFTER = 2_000;

describe("fault: the peer is killed mid-UPDATE", () => {
  const t = new FaultRig("peer-killed");
  let killed: PeerProcess | undefined;
  after(async () => {
    await killed?.kill();
    await t.close(["helper.pid"]);
  });

  it(
    "resets cleanly, reconnects with back-off and re-sends the whole Adj-RIB-Out",
    { timeout: 60_000 },
    async () => {
      const port = await freePort(HOST);
      // Each route its own MED: one UPDATE per route, about a megabyte on the wire.
      const lines = [
        ...announceLines(ANNOUNCED).map((l, i) => `${l} med ${i}`),
        ...Array.from({ length: WITHDRAWN }, (_, i) => `withdraw route ${ipOf(i)}/32 next-hop 127.0.0.1`),
      ];
      const commands = t.writeFile("commands.txt", lines.join("\n") + "\n");
      const run = t.script(
        "helper.sh",
        `echo $$ > ${t.path("helper.pid")}\ncat ${commands}\nwhile read line; do :; done`,
      );
      t.writeConf(
        processBlock("flood", run) + neighbor({ peer: HOST, port, holdTime: HOLD, processes: ["flood"] }),
      );

      killed = new PeerProcess([HOST, port, PEER_AS, HOLD, HALF_AFTER]);
      await killed.event("listening", 20_000);
      const speaker = t.start();
      const half = await killed.event("half", 30_000);
      assert.ok((half.prefixes as number) >= HALF_AFTER);
      await killed.kill();
      const killedAt = performance.now();
      const downAt = speaker.lines.length;

      // The next peer on the same address drops two connections, so that three attempts show the back-off.
      const peer = await FaultPeer.listen({ host: HOST, port, asn: PEER_AS, holdTime: HOLD, drop: 2 });
      t.peers.push(peer);
      await speaker.waitForLine(/neighbor 127\.0\.0\.2 down/, 10_000, 0);
      await peer.until(() => peer.links.length >= 3 && peer.established, 20_000, () => speaker.output);
      const link = peer.links[2];
      await peer.until(
        () => link.eorAt !== undefined && peer.rib.size === ANNOUNCED - WITHDRAWN,
        20_000,
        () =>
          `${peer.rib.size} prefixes, End-of-RIB ${link.eorAt !== undefined}\n${speaker.output.slice(-3000)}`,
      );
      // Time for anything wrongly sent after End-of-RIB to arrive.
      await sleep(500);

      const expected = new Set<number>();
      for (let i = WITHDRAWN; i < ANNOUNCED; i++) expected.add(prefixKey(`${ipOf(i)}/32`));
      assert.equal(peer.rib.size, expected.size);
      for (const k of expected) assert.ok(peer.rib.has(k), `missing ${k}`);
      // The first flush of a session is the table: no withdrawal.
      assert.equal(peer.withdrawn, 0);
      assert.equal(peer.announced, expected.size, "prefixes sent twice on the new session");

      // Back-off between attempts: ExaBGP's min(1 + previous × 1.2, 60) s, starting 0, 1, 2.2, 3.64 …
      const gaps = [peer.links[1].at - peer.links[0].at, peer.links[2].at - peer.links[1].at].map((g) =>
        g / 1000
      );
      assert.ok(
        peer.links[0].at - killedAt < 5_000,
        `first attempt ${(peer.links[0].at - killedAt) / 1000} s after the kill`,
      );
      assert.ok(
        gaps[0] >= 0.9 && gaps[1] >= 2.0 && gaps[1] > gaps[0],
        `attempts ${gaps.map((g) => g.toFixed(2))} s apart`,
      );

      const reason = /neighbor 127\.0\.0\.2 down: ([^\n]*)/.exec(speaker.output)?.[1];
      console.log(
        `peer killed after ${half.prefixes} prefixes; speaker: "${reason}"; attempts ${
          gaps.map((g) => g.toFixed(2))
        } s apart; ` +
          `${peer.rib.size} prefixes re-sent`,
      );
      // Clean: the process still runs, the reset is logged once with a reason, no internal error.
      assert.ok(speaker.running, speaker.output);
      const log = speaker.lines.slice(downAt).join("\n");
      assert.doesNotMatch(speaker.output, /internal error|uncaught|unhandled/i);
      assert.match(
        speaker.output,
        /neighbor 127\.0\.0\.2 down: (the peer closed the connection|read failed|write failed)/,
      );
      assert.match(log, /neighbor 127\.0\.0\.2 up/);
    },
  );
});
