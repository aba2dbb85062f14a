import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseMustPass, runSuite, speakerCommand } from "../../scripts/conformance/runner.ts";
import { currentRuntime, scriptCommand } from "../../scripts/conformance/self.ts";
import { defaultDataDir, REPO_ROOT } from "../../scripts/conformance/suite.ts";

const FAKE = scriptCommand(join(REPO_ROOT, "tests", "conformance", "fake-speaker-cli.ts"));

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  const [cmd, ...rest] = scriptCommand(join(REPO_ROOT, "scripts", "conformance.ts"), args);
  const child = spawn(cmd, rest, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

describe("conformance runner", () => {
  it("reads the must-pass list (names, # comments, blank lines)", () => {
    assert.deepEqual([...parseMustPass("# header\nconf-ebgp\n\n  api-rib  # flush/clear\n")], [
      "conf-ebgp",
      "api-rib",
    ]);
  });

  it("starts each target the way the brief says, from the repository root", () => {
    assert.deepEqual(speakerCommand("deno", "/r"), ["/r/node_modules/.bin/deno", "run", "-A", "cli.ts"]);
    assert.deepEqual(speakerCommand("bun", "/r"), ["/r/node_modules/.bin/bun", "--no-install", "cli.ts"]);
    assert.deepEqual(speakerCommand("binary", "/r"), ["/r/dist/tsbgp"]);
  });

  it("runs tests against a speaker: helpers from run/, the peer's port and test env, PASS lines", async () => {
    const lines: string[] = [];
    const summary = await runSuite({
      target: "bun",
      dataDir: defaultDataDir(),
      speaker: FAKE,
      // api-announce-processes-match plays a script named after another test; conf-watchdog loops
      only: ["conf-ebgp", "api-announce", "api-announce-processes-match", "conf-watchdog"],
      mustPass: new Set(["conf-ebgp", "api-announce", "api-rib"]),
      jobs: 4,
      print: (l) => lines.push(l),
    });
    assert.equal(summary.passed, 4, lines.join("\n"));
    assert.equal(summary.mustPassPassed, 2);
    assert.deepEqual(summary.mustPassFailed, []);
    assert.deepEqual(lines.map((l) => l.replace(/ \(.*\)$/, "")).sort(), [
      "PASS api-announce",
      "PASS api-announce-processes-match",
      "PASS conf-ebgp",
      "PASS conf-watchdog",
    ]);
  });

  it("prints FAIL with the peer's report and the speaker's output; a failing must-pass test exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbgp-runner-test-"));
    try {
      const list = join(dir, "must-pass.txt");
      writeFileSync(list, "# test list\nconf-ebgp\n");
      const speaker = FAKE.join(" ");
      const wrong = await run(["--only", "conf-ebgp", "--speaker", speaker, "--must-pass", list], {
        FAKE_SPEAKER_MODE: "wrong",
      });
      const lines = wrong.out.trim().split("\n");
      assert.equal(wrong.code, 1, wrong.out);
      assert.match(lines[0], /^FAIL conf-ebgp: unexpected UPDATE on connection A \(group A1\)/);
      assert.ok(wrong.out.includes("    speaker output (last"), wrong.out);
      assert.ok(wrong.out.includes("fake speaker: connected for conf-ebgp"), wrong.out);
      assert.equal(lines.at(-2), "regressions: conf-ebgp");
      assert.equal(lines.at(-1), "0 passed, 1 failed");

      const right = await run(["--only", "conf-ebgp", "--speaker", speaker, "--must-pass", list]);
      assert.equal(right.code, 0, right.out);
      assert.match(
        right.out,
        // the default target is the runtime that runs the runner
        new RegExp(
          `^PASS conf-ebgp \\(\\d+\\.\\ds\\)\nconformance ${currentRuntime()}: 1/1 passed\n1 passed, 0 failed\n$`,
        ),
      );

      // a failing test outside the list is printed but does not count
      writeFileSync(list, "");
      const unlisted = await run(["--only", "conf-ebgp", "--speaker", speaker, "--must-pass", list], {
        FAKE_SPEAKER_MODE: "wrong",
      });
      assert.equal(unlisted.code, 0, unlisted.out);
      assert.match(unlisted.out, /^FAIL conf-ebgp/);
      assert.equal(unlisted.out.trim().split("\n").at(-1), "0 passed, 0 failed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bounds a silent speaker and stops it by PID: SIGTERM, then SIGKILL when it ignores SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbgp-runner-stop-"));
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      for (
        const [label, script] of [
          ["polite", `echo $$ > ${dir}/polite; exec sleep 100`],
          ["stubborn", `trap "" TERM; echo $$ > ${dir}/stubborn; while :; do sleep 0.1; done`],
        ]
      ) {
        const started = Date.now();
        const summary = await runSuite({
          target: "bun",
          dataDir: defaultDataDir(),
          speaker: ["sh", "-c", script, "sh"],
          only: ["conf-ebgp"],
          peerTimeoutMs: 10_000,
          testTimeoutMs: 700,
          termGraceMs: 1000,
          print: () => {},
        });
        const [outcome] = summary.outcomes;
        assert.equal(outcome.ok, false);
        assert.match(outcome.reason, /^hard timeout: the test took more than 0.7s/);
        const pid = Number(readFileSync(join(dir, label), "utf8"));
        assert.equal(alive(pid), false, `${label} speaker ${pid} still running`);
        const took = Date.now() - started;
        // 0.7 s of test, then SIGTERM; the stubborn speaker gets SIGKILL 1 s later
        if (label === "stubborn") {
          assert.ok(took >= 1700, `SIGKILL came after ${took}ms, before the 1 s grace`);
        } else assert.ok(took < 1700, `a speaker that obeys SIGTERM took ${took}ms to stop`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--list prints the 72 encoding tests", async () => {
    const { code, out } = await run(["--list"]);
    assert.equal(code, 0);
    const names = out.trim().split("\n");
    assert.equal(names.length, 72);
    assert.ok(names.includes("api-rr-rib") && names.includes("conf-watchdog"));
  });
});
