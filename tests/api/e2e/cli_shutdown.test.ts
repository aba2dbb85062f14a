/**
 * `tsbgp cli shutdown` (issue 3): the speaker answers `shutdown in progress` and `done` before it closes the
 * control socket, so the client exits 0 (not 3, "closed before answering"), and the speaker then stops with
 * exit code 0.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock } from "../../helpers/e2e.ts";

describe("tsbgp cli shutdown", () => {
  const t = new E2E("e2e-cli-shutdown");
  after(() => t.close());

  it("gets its answer, exits 0, and the speaker stops with 0", { timeout: 50_000 }, async () => {
    await t.listen();
    t.writeConf(neighborBlock({ port: t.port }));
    const speaker = t.start();
    await t.established();
    await speaker.waitForLine(/control socket/, 10_000);

    const answer = await t.cli("shutdown");
    assert.equal(
      answer.code,
      0,
      `cli exit ${answer.code}\n${answer.stdout}${answer.stderr}\n${speaker.output}`,
    );
    assert.match(answer.stdout, /^shutdown in progress$/m, answer.stdout);
    assert.equal(answer.stderr, "");

    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), 15_000)));
    const exit = await Promise.race([speaker.exited, late]);
    clearTimeout(timer);
    assert.notEqual(exit, "late", `the speaker did not stop within 15 s\n${speaker.output}`);
    assert.deepEqual(exit, { code: 0, signal: null }, speaker.output);
  });
});
