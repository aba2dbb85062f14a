/**
 * What the speaker does when a helper exits (issue 3, ExaBGP's processes.py/loop.py, exabgp-behaviour §1.7):
 * - a helper that keeps dying hits the respawn limit: the speaker stops with exit code 1 (ExaBGP's
 *   "Too many death … terminating program", Exit.process) and does not blame `exabgp.api.terminate`;
 * - with `exabgp.api.terminate` set, any helper exit stops the speaker, with exit code 1, saying so;
 * - with `respawn false` the helper stays dead and the speaker carries on;
 * and every exit is logged once, at warning level while the speaker runs.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock, processBlock } from "../../helpers/e2e.ts";
import { type Exit, type SpeakerProcess, startSpeaker } from "../../helpers/speaker.ts";

/** Waits for the speaker's exit at most `ms`; fails with its output otherwise. */
async function exitOf(speaker: SpeakerProcess, ms: number): Promise<Exit> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), ms)));
  const exit = await Promise.race([speaker.exited, late]);
  clearTimeout(timer);
  if (exit === "late") assert.fail(`the speaker still runs after ${ms} ms\n${speaker.output}`);
  return exit;
}

/** The speaker's log lines about helper `name` exiting. */
const exitLines = (speaker: SpeakerProcess, name: string) =>
  speaker.lines.filter((l) => l.includes(`process ${name}`) && l.includes("exited"));

describe("a helper's exit", () => {
  const worlds: E2E[] = [];
  after(async () => {
    for (const t of worlds) await t.close();
  });

  /** A sandbox with a fake peer, one neighbor served by `helper` running `script`. */
  async function world(label: string, helper: string, script: string, processExtra = ""): Promise<E2E> {
    const t = new E2E(label);
    worlds.push(t);
    await t.listen();
    const run = t.script(`${helper}.sh`, script);
    const block = processBlock(helper, run).replace("}\n", `${processExtra}}\n`);
    t.writeConf(block + neighborBlock({ port: t.port, processes: [helper] }));
    return t;
  }

  it("stops the speaker with exit code 1 at the respawn limit", { timeout: 60_000 }, async () => {
    const t = await world("helper-exit-limit", "crasher", "exit 3");
    const speaker = t.start();
    const exit = await exitOf(speaker, 40_000);
    assert.deepEqual(exit, { code: 1, signal: null }, speaker.output);
    assert.match(speaker.output, /process crasher: exited \(code 3\) after 5 respawns .* giving up/);
    assert.match(speaker.output, /process crasher died too often \(respawn limit reached\): stopping/);
    assert.doesNotMatch(speaker.output, /api[._]terminate/, "api.terminate is off");
    // Six runs (the first and five respawns), one line each.
    const lines = exitLines(speaker, "crasher");
    assert.equal(lines.length, 6, lines.join("\n"));
    for (const l of lines.slice(0, 5)) assert.match(l, /^\S+ WARNING .*exited \(code 3\), respawning$/, l);
    assert.match(lines[5], /^\S+ ERROR /, lines[5]);
  });

  it("stops the speaker with exit code 1 when exabgp.api.terminate is set", { timeout: 60_000 }, async () => {
    const t = await world("helper-exit-terminate", "oneshot", "exit 0");
    const speaker = startSpeaker([t.conf], {
      env: {
        exabgp_tcp_bind: "",
        exabgp_log_level: "INFO",
        exabgp_api_socketpath: t.socket,
        exabgp_api_terminate: "true",
      },
    });
    t.speaker = speaker;
    const exit = await exitOf(speaker, 30_000);
    assert.deepEqual(exit, { code: 1, signal: null }, speaker.output);
    assert.match(speaker.output, /process oneshot exited and exabgp\.api\.terminate is set: stopping/);
    const lines = exitLines(speaker, "oneshot");
    assert.equal(lines.length, 2, lines.join("\n")); // the helper's line, then the speaker's reason
    assert.match(lines[0], /^\S+ ERROR .*process oneshot: exited \(code 0\), exabgp\.api\.terminate is set$/);
  });

  it("keeps the speaker running when the helper says `respawn false`", { timeout: 60_000 }, async () => {
    const t = await world("helper-exit-norespawn", "once", "exit 2", "  respawn false;\n");
    const speaker = t.start();
    await t.established();
    await speaker.waitForLine(/process once: exited/, 15_000);
    const version = await t.cli("version");
    assert.equal(version.code, 0, version.stdout + version.stderr);
    assert.ok(speaker.running, speaker.output);
    const lines = exitLines(speaker, "once");
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^\S+ WARNING .*process once: exited \(code 2\), not respawned/, lines[0]);
    assert.deepEqual(await speaker.stop("SIGTERM", 10_000), { code: 0, signal: null }, speaker.output);
  });
});
