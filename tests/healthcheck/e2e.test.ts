/**
 * `tsbgp healthcheck` end to end: a speaker (source on this runtime, or TSBGP_BIN) runs it as a
 * `process` (`run <the same tsbgp> healthcheck …`), peered with a fake BGP peer on 127.0.0.1. The check
 * is `test -f <file>`, flipped by creating and deleting the file:
 * - with --withdraw-on-down the peer sees the route announced, withdrawn, announced again;
 * - without it the route stays and its MED moves between the up, down and disabled metrics (+ --increase
 *   for the second address), seen in the speaker's Adj-RIB-Out; SIGTERM to the helper withdraws both
 *   routes (EXIT), and the respawned helper announces them again.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { E2E, neighborBlock, processBlock, waitFor } from "../helpers/e2e.ts";
import { cliCommand } from "../helpers/speaker.ts";

/** The `run` value that starts this test's tsbgp with `healthcheck ARGS…`, quoted for the configuration. */
function runLine(args: readonly string[]): string {
  const { command, args: argv } = cliCommand(["healthcheck", ...args]);
  return [command, ...argv].map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
}

const FAST = ["--no-ip-setup", "--interval", "0.5", "--fast-interval", "0.2"];

/** Polls `show adj-rib out extensive` until every pattern matches; returns the last output. */
async function ribOut(t: E2E, patterns: RegExp[], timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  while (performance.now() < deadline) {
    const r = await t.cli("show", "adj-rib", "out", "extensive");
    last = r.stdout;
    if (r.code === 0 && patterns.every((p) => p.test(last))) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `adj-rib-out never matched ${
      patterns.join(" ")
    } within ${timeoutMs} ms; last:\n${last}\n${t.speaker?.output}`,
  );
}

describe("tsbgp healthcheck under a speaker", () => {
  it(
    "a check flipping between success and failure announces, withdraws, announces",
    { timeout: 90_000 },
    async () => {
      const t = new E2E("healthcheck-e2e");
      try {
        await t.listen();
        const up = t.path("up");
        writeFileSync(up, "");
        const run = runLine([
          "--cmd",
          `test -f ${up}`,
          "--ip",
          "10.77.0.1",
          "--rise",
          "2",
          "--fall",
          "2",
          "--withdraw-on-down",
          "--name",
          "e2e",
          ...FAST,
        ]);
        t.writeConf(processBlock("hc", run) + neighborBlock({ port: t.port, processes: ["hc"] }));
        const speaker = t.start();
        const R = "10.77.0.1/32";
        await t.established(20_000);
        await t.peer.until(() => t.peer.rib.has(R), 30_000, () => `no announce of ${R}\n${speaker.output}`);
        assert.equal(t.peer.withdrawn.length, 0, `withdrawn: ${t.peer.withdrawn}`);

        rmSync(up);
        await t.peer.until(() => !t.peer.rib.has(R), 15_000, () => `no withdraw of ${R}\n${speaker.output}`);
        assert.ok(t.peer.withdrawn.includes(R));
        const announcedBefore = t.peer.announced.filter((p) => p === R).length;

        writeFileSync(up, "");
        await t.peer.until(
          () => t.peer.rib.has(R),
          15_000,
          () => `no announce of ${R} again\n${speaker.output}`,
        );
        assert.ok(
          t.peer.announced.filter((p) => p === R).length > announcedBefore,
        );
        assert.equal(t.peer.connections.length, 1, "the session was reset");
        assert.ok(speaker.running, speaker.output);
      } finally {
        await t.close();
      }
    },
  );

  it(
    "without --withdraw-on-down moves the MED (up, down, disabled); SIGTERM withdraws",
    { timeout: 120_000 },
    async () => {
      const t = new E2E("healthcheck-e2e-med");
      try {
        await t.listen();
        const up = t.path("up");
        const off = t.path("off");
        writeFileSync(up, "");
        const run = runLine([
          "--cmd",
          `test -f ${up}`,
          "--disable",
          off,
          "--ip",
          "10.77.1.1",
          "--ip",
          "10.77.1.2",
          "--increase",
          "10",
          "--rise",
          "1",
          "--fall",
          "1",
          "--pid",
          t.path("hc.pid"),
          ...FAST,
        ]);
        t.writeConf(processBlock("hc", run) + neighborBlock({ port: t.port, processes: ["hc"] }));
        const speaker = t.start();
        const [A, B] = ["10.77.1.1/32", "10.77.1.2/32"];
        const both = () => t.peer.rib.has(A) && t.peer.rib.has(B);
        await t.established(20_000);
        await t.peer.until(both, 30_000, () => `no announce of ${A} and ${B}\n${speaker.output}`);
        const med = (route: string, m: number) =>
          new RegExp(`10\\.77\\.1\\.${route}/32 next-hop .*\\bmed ${m}\\b`);
        await ribOut(t, [med("1", 100), med("2", 110)], 15_000);

        rmSync(up);
        await ribOut(t, [med("1", 1000), med("2", 1010)], 15_000);
        assert.ok(both(), "the routes stay announced when down");

        writeFileSync(off, "");
        await ribOut(t, [med("1", 500), med("2", 510)], 15_000);
        assert.equal(t.peer.withdrawn.length, 0, `withdrawn before the helper stopped: ${t.peer.withdrawn}`);

        const pid = Number(readFileSync(t.path("hc.pid"), "utf8"));
        assert.ok(pid > 1, "no PID file from the helper");
        process.kill(pid, "SIGTERM");
        await waitFor(
          () => t.peer.withdrawn.includes(A) && t.peer.withdrawn.includes(B),
          15_000,
          () => `no EXIT withdraw\n${speaker.output}`,
        );
        // The speaker respawns the helper; still disabled, it announces the routes again.
        await t.peer.until(both, 30_000, () => `not announced again after the respawn\n${speaker.output}`);
        await ribOut(t, [med("1", 500), med("2", 510)], 15_000);
        assert.ok(speaker.running, speaker.output);
      } finally {
        await t.close(["hc.pid"]);
      }
    },
  );
});
