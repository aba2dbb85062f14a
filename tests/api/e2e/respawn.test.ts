/**
 * A helper that announces a route, reads its `done`, then exits 1 is respawned (exabgp-behaviour §1.7);
 * the route it announced stays in the Adj-RIB-Out and on the peer (ExaBGP keeps a dead helper's routes),
 * and the second run's announcement is applied too.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock, processBlock, readText, waitFor } from "../../helpers/e2e.ts";
import { sleep } from "../../helpers/sandbox.ts";

describe("API: a helper that dies is respawned", () => {
  const t = new E2E("e2e-respawn");
  after(() => t.close(["helper.pid"]));

  it("keeps the first run's route in the Adj-RIB-Out and on the peer", { timeout: 45_000 }, async () => {
    await t.listen();
    const ran = t.path("ran");
    const second = t.path("second");
    const ack = t.path("ack1");
    const run = t.script(
      "helper.sh",
      `if [ -e ${ran} ]; then
  echo $$ > ${t.path("helper.pid")}
  echo "announce route 10.2.0.0/24 next-hop 127.0.0.1"
  read a; echo "$a" > ${second}
  while read line; do :; done
  exit 0
fi
touch ${ran}
echo "announce route 10.1.0.0/24 next-hop 127.0.0.1"
read a; echo "$a" > ${ack}
exit 1`,
    );
    t.writeConf(processBlock("phoenix", run) + neighborBlock({ port: t.port, processes: ["phoenix"] }));
    const speaker = t.start();
    await t.established();

    await waitFor(() => readText(second).trim() === "done", 15_000, () => speaker.output);
    assert.equal(readText(ack).trim(), "done", speaker.output);
    await speaker.waitForLine(/process phoenix.*exited.*respawning/, 5_000);
    await t.peer.until(
      () => t.peer.rib.has("10.1.0.0/24") && t.peer.rib.has("10.2.0.0/24"),
      10_000,
      () => `peer has ${[...t.peer.rib]}\n${speaker.output}`,
    );
    // Give a wrongly clearing speaker the time to send its withdrawal.
    await sleep(500);

    const out = await t.cli("show", "adj-rib", "out");
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^127\.0\.0\.1 ipv4 unicast 10\.1\.0\.0\/24\b/m, out.stdout);
    assert.match(out.stdout, /^127\.0\.0\.1 ipv4 unicast 10\.2\.0\.0\/24\b/m, out.stdout);
    assert.ok(t.peer.rib.has("10.1.0.0/24"), `withdrawn at the peer: ${t.peer.withdrawn}`);
    assert.deepEqual(t.peer.withdrawn, []);
    assert.equal(t.peer.connections.length, 1, "the session was reset");
    assert.ok(speaker.running, speaker.output);
  });
});
