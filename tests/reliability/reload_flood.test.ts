/**
 * SIGUSR1 during a flood of 100k routes from a helper: the configuration is reloaded four times while the
 * routes stream (its static routes alternate between {R1, R2} and {R1, R3}), the neighbor is unchanged so
 * its session stays up, and nothing is lost: every command is acknowledged `done`, and the peer ends with
 * exactly the 100k routes plus the last configuration's static routes (tests/api/e2e/reload.test.ts covers a
 * reload at rest).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { renameSync, writeFileSync } from "node:fs";
import {
  announceLines,
  FaultRig,
  ipOf,
  neighbor,
  processBlock,
  readText,
  waitFor,
} from "../helpers/fault_rig.ts";
import { prefixKey } from "../helpers/fault_peer.ts";
import { sleep } from "../helpers/sandbox.ts";

const HOST = "127.0.0.9";
const HOLD = 9;
const FLOOD = 100_000;
const R1 = "192.0.2.0/24";
const R2 = "198.51.100.0/24";
const R3 = "203.0.113.0/24";
const RELOADS = 4;

describe("fault: SIGUSR1 during a 100k-route flood", () => {
  const t = new FaultRig("reload-flood");
  after(() => t.close(["flood.pid"]));

  it("reloads without losing a route or the session", { timeout: 60_000 }, async () => {
    const peer = await t.peer({ host: HOST, holdTime: HOLD });
    const commands = t.writeFile("flood.txt", announceLines(FLOOD).join("\n") + "\n");
    const acked = t.path("acked");
    // The helper waits for the session (the file `go`), floods, then counts its `done` acks.
    const run = t.script(
      "flood.sh",
      `echo $$ > ${t.path("flood.pid")}
while [ ! -e ${t.path("go")} ]; do sleep 0.1; done
cat ${commands}
n=0; while read ack; do case $ack in done) n=$((n + 1));; esac; [ $n -eq ${FLOOD} ] && echo $n > ${acked}; done`,
    );
    const config = (routes: string[]) =>
      processBlock("flood", run) +
      neighbor({
        peer: HOST,
        port: peer.options.port,
        holdTime: HOLD,
        processes: ["flood"],
        routes: routes.map((r) => `route ${r} next-hop 127.0.0.1;`),
      });
    // Written whole, then renamed: a reload never reads half a file.
    const writeConf = (routes: string[]) => {
      writeFileSync(t.conf + ".new", config(routes));
      renameSync(t.conf + ".new", t.conf);
    };
    writeConf([R1, R2]);
    const speaker = t.start();
    await peer.until(() => peer.established && peer.has(R2), 15_000, () => speaker.output);

    writeFileSync(t.path("go"), "");
    await peer.until(() => peer.announced >= 1_000, 20_000, () => speaker.output);
    const during: number[] = [];
    for (let i = 0; i < RELOADS; i++) {
      writeConf(i % 2 === 0 ? [R1, R3] : [R1, R2]);
      during.push(peer.rib.size);
      process.kill(speaker.pid, "SIGUSR1");
      await speaker.waitForLine(
        new RegExp(`reloading`),
        10_000,
        speaker.lines.findLastIndex((l) => /reloading/.test(l)) + 1,
      );
    }
    // The last configuration has R1 and R2 after an even number of alternations: end on R1 and R3.
    writeConf([R1, R3]);
    process.kill(speaker.pid, "SIGUSR1");

    const expected = new Set([
      ...announceLines(FLOOD).map((l) => prefixKey(l.split(" ")[2])),
      prefixKey(R1),
      prefixKey(R3),
    ]);
    await peer.until(
      () => peer.rib.size === expected.size && !peer.has(R2),
      30_000,
      () => `${peer.rib.size} prefixes\n${speaker.output.slice(-3000)}`,
    );
    await waitFor(() => readText(acked).trim() === String(FLOOD), 20_000, () => `acks: ${readText(acked)}`);
    await sleep(500);
    console.log(`reloads while the peer held ${during.join(", ")} of ${FLOOD} flooded routes`);

    assert.ok(during[0] < FLOOD, "the flood was over before the first reload");
    for (const k of expected) assert.ok(peer.rib.has(k), `missing ${k}`);
    assert.equal(peer.rib.size, expected.size);
    assert.equal(peer.links.length, 1, "the session was reset");
    assert.deepEqual(peer.link!.notifications, []);
    assert.equal(speaker.lines.filter((l) => /reloading/.test(l)).length, RELOADS + 1, speaker.output);
    assert.doesNotMatch(speaker.output, /reload refused|reload failed/);
    assert.equal(
      speaker.lines.filter((l) => /process flood: started/.test(l)).length,
      1,
      "the helper was restarted",
    );
    assert.ok(!peer.has(ipOf(FLOOD) + "/32"));
  });
});
