/**
 * A helper that crashes (SIGKILL, in the middle of writing a command) three times: each time it is respawned
 * after a back-off that doubles (100, 200, 400 ms, lib/api/process.ts), the session stays up, and its routes
 * survive. As in ExaBGP, routes belong to the neighbor's Adj-RIB-Out, not to the helper that announced them:
 * a dead helper's routes stay announced; the restarted helper announcing the same routes again changes
 * nothing on the wire (an announce identical to the cached route is ignored). The command cut short by the
 * crash (`… med 100` cut to `… med 10`, still a valid command) is never applied. (tests/api/e2e/respawn.test.ts
 * covers a clean exit.)
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { announceLines, FaultRig, neighbor, processBlock } from "../helpers/fault_rig.ts";
import { prefixKey } from "../helpers/fault_peer.ts";
import { sleep } from "../helpers/sandbox.ts";
import { runCli } from "../helpers/speaker.ts";

const HOST = "127.0.0.8";
const HOLD = 9;
const COMMON = 500;
const CRASHES = 3;

/** "HH:MM:SS.mmm" at the start of a log line, in milliseconds. */
function logTime(line: string): number {
  const m = /^(\d\d):(\d\d):(\d\d)\.(\d\d\d) /.exec(line);
  assert.ok(m, `no time in ${line}`);
  return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4];
}

describe("fault: a helper crashes", () => {
  const t = new FaultRig("helper-crash");
  after(() => t.close(["helper.pids"]));

  it("is respawned with back-off and its routes survive", { timeout: 45_000 }, async () => {
    const peer = await t.peer({ host: HOST, holdTime: HOLD });
    const common = t.writeFile("common.txt", announceLines(COMMON).join("\n") + "\n");
    // Run i announces the common routes and 10.99.i.0/24, reads its acks, then (for the first runs) starts
    // a command and dies with it half written.
    const run = t.script(
      "helper.sh",
      `echo $$ >> ${t.path("helper.pids")}
i=0; while [ -e ${t.path("run")}$i ]; do i=$((i + 1)); done; : > ${t.path("run")}$i
cat ${common}
echo "announce route 10.99.$i.0/24 next-hop 127.0.0.1"
n=0; while [ $n -le ${COMMON} ]; do read ack; n=$((n + 1)); done
if [ $i -lt ${CRASHES} ]; then printf "announce route 10.98.$i.0/24 next-hop 127.0.0.1 med 10"; kill -9 $$; fi
while read line; do :; done`,
    );
    t.writeConf(
      processBlock("phoenix", run) +
        neighbor({ peer: HOST, port: peer.options.port, holdTime: HOLD, processes: ["phoenix"] }),
    );
    const speaker = t.start();
    await peer.until(() => peer.established, 15_000, () => speaker.output);

    const expected = [...announceLines(COMMON).map((l) => l.split(" ")[2])];
    for (let i = 0; i <= CRASHES; i++) expected.push(`10.99.${i}.0/24`);
    await peer.until(
      () => expected.every((p) => peer.has(p)),
      30_000,
      () => `${peer.rib.size} prefixes\n${speaker.output}`,
    );
    await speaker.waitForLine(/process phoenix: started .*/, 5_000, 0);
    // Time for a wrong withdrawal or a late half command to arrive.
    await sleep(1_000);

    // Respawned after 100, 200, 400 ms: from the exit's log line to the next start's.
    const exits = speaker.lines.filter((l) =>
      /process phoenix: exited \(signal SIGKILL\), respawning/.test(l)
    );
    const starts = speaker.lines.filter((l) => /process phoenix: started /.test(l));
    assert.equal(exits.length, CRASHES, speaker.output);
    assert.equal(starts.length, CRASHES + 1, speaker.output);
    const backoffs = exits.map((e, i) => logTime(starts[i + 1]) - logTime(e));
    console.log(`helper respawned after ${backoffs.join(", ")} ms`);
    backoffs.forEach((b, i) => {
      const want = 100 * 2 ** i;
      assert.ok(b >= want - 5 && b <= want + 500, `respawn ${i + 1} after ${b} ms, expected ${want} ms`);
    });

    // The routes survived: nothing withdrawn, the session never reset, nothing sent twice.
    assert.equal(
      peer.rib.size,
      expected.length,
      `unexpected prefixes: ${peer.prefixes().filter((p) => !expected.includes(p))}`,
    );
    assert.equal(peer.withdrawn, 0);
    assert.equal(peer.announced, expected.length, "re-announced identical routes went out again");
    assert.equal(peer.links.length, 1, "the session was reset");
    // The half-written commands were not applied.
    for (let i = 0; i < CRASHES; i++) {
      assert.ok(!peer.has(`10.98.${i}.0/24`), `the cut command ${i} was applied`);
    }
    assert.match(
      speaker.output,
      /process phoenix: output ended inside a line, not applied: announce route 10\.98\.0\.0\/24/,
    );

    const out = await runCli(["cli", "--socket", t.socket, "show", "adj-rib", "out"], { timeoutMs: 20_000 });
    assert.equal(out.code, 0, out.stderr);
    const shown = out.stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[3]);
    assert.deepEqual(new Set(shown.map(prefixKey)), new Set(expected.map(prefixKey)));
    assert.ok(speaker.running, speaker.output);
  });
});
