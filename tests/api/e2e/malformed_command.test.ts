/**
 * A helper that sends garbage (exabgp-behaviour §4.1): the speaker answers `error`, logs which command was
 * refused and why, keeps running, and the helper's next good command is answered `done` and applied.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock, processBlock, readText, waitFor } from "../../helpers/e2e.ts";

describe("API: a malformed command from a helper", () => {
  const t = new E2E("e2e-malformed");
  after(() => t.close(["helper.pid"]));

  it("answers error, logs the command and the reason, then answers done to the next good one", {
    timeout: 45_000,
  }, async () => {
    await t.listen();
    const answers = t.path("answers");
    const run = t.script(
      "helper.sh",
      `echo $$ > ${t.path("helper.pid")}
echo "frobnicate the widgets please"
read a; echo "$a" >> ${answers}
echo "announce route 10.5.0.0/24 next-hop 127.0.0.1"
read b; echo "$b" >> ${answers}
while read line; do :; done`,
    );
    t.writeConf(processBlock("garbler", run) + neighborBlock({ port: t.port, processes: ["garbler"] }));
    const speaker = t.start();
    await t.established();

    await waitFor(() => readText(answers).split("\n").length >= 3, 15_000, () => speaker.output);
    assert.deepEqual(readText(answers).split("\n").slice(0, 2), ["error", "done"], speaker.output);

    const { line } = await speaker.waitForLine(/frobnicate/, 5_000);
    assert.match(line, /garbler/, `the log line does not name the helper: ${line}`);
    assert.match(line, /WARN|ERROR/, line);

    // The good command took effect: the peer receives the route, on the same session.
    await t.peer.until(() => t.peer.rib.has("10.5.0.0/24"), 10_000, () => speaker.output);
    assert.equal(t.peer.connections.length, 1);
    assert.ok(speaker.running, speaker.output);
  });

  // ExaBGP logs the refused line itself ("command from process not understood : <line>"), so an operator
  // can find the helper's mistake; the reason alone names only the first unexpected word.
  it("logs the whole refused line", { timeout: 10_000 }, async () => {
    const speaker = t.speaker!;
    const { line } = await speaker.waitForLine(/frobnicate/, 5_000);
    assert.ok(line.includes("frobnicate the widgets please"), `the refused line is not in the log: ${line}`);
  });
});
