/**
 * `tsbgp healthcheck` as a real subprocess (source on the current runtime, or TSBGP_BIN), with this test
 * playing the speaker on its stdin/stdout: it waits for `done` before writing the next line, withdraws
 * every address on SIGTERM and exits 0, ends quietly when its input closes, kills a hung check after
 * --timeout, reads a --config file and writes a --pid file, and rejects bad options with exit status 2.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../helpers/e2e.ts";
import { makeTempDir, removeTempDir, sleep } from "../helpers/sandbox.ts";
import { cliCommand, REPO_ROOT, runCli } from "../helpers/speaker.ts";

/** A healthcheck subprocess whose stdout lines are collected and whose stdin the test writes. */
class Helper {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  #partial = "";
  #waiters = new Set<() => void>();
  #done = false;

  constructor(args: readonly string[]) {
    const { command, args: argv } = cliCommand(["healthcheck", ...args]);
    this.child = spawn(command, argv, { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const parts = (this.#partial + d).split("\n");
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      this.#notify();
    });
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.child.stdin!.on("error", () => {});
    this.exited = new Promise((resolve) =>
      this.child.on("close", (code, signal) => {
        this.#done = true;
        this.#notify();
        resolve({ code, signal });
      })
    );
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  get output(): string {
    return `stdout:\n${this.lines.join("\n")}\nstderr:\n${this.stderr}`;
  }

  /** Waits until `count` lines were written; rejects after `timeoutMs` or if the process ends first. */
  untilLines(count: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.lines.length >= count) finish(resolve);
        else if (this.#done) finish(() => reject(new Error(`exited before ${count} lines\n${this.output}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`not ${count} lines within ${timeoutMs} ms\n${this.output}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  answer(line = "done"): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** The exit, or a rejection after `timeoutMs` (the process is then killed by its PID). */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: string | null }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), timeoutMs)));
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first === "late") {
      this.kill("SIGKILL");
      throw new Error(`did not exit within ${timeoutMs} ms\n${this.output}`);
    }
    return first;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.#done || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      // already gone
    }
  }
}

const STARTUP_MS = 20_000;

/** Whether `pid` runs (Linux /proc: present and not a zombie, field 3 of stat). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("tsbgp healthcheck as a process", () => {
  const dir = makeTempDir("healthcheck-process");
  const started: Helper[] = [];
  const start = (args: string[]) => {
    const h = new Helper(args);
    started.push(h);
    return h;
  };
  after(async () => {
    // The end of its input stops a helper and the check it runs; SIGKILL only if that did not work.
    for (const h of started) {
      h.child.stdin!.end();
      await h.exit(5_000).catch(() => h.exited);
    }
    removeTempDir(dir);
  });

  it(
    "waits for done before the next line, and withdraws everything on SIGTERM",
    { timeout: 60_000 },
    async () => {
      const h = start([
        "--cmd",
        "true",
        "--rise",
        "1",
        "--ip",
        "192.0.2.1",
        "--ip",
        "192.0.2.2",
        "--no-ip-setup",
        "--interval",
        "30",
      ]);
      await h.untilLines(1, STARTUP_MS);
      assert.equal(h.lines[0], "neighbor * announce route 192.0.2.1/32 next-hop self med 100");
      await sleep(700);
      assert.equal(h.lines.length, 1, `a second line came before the ack\n${h.output}`);
      h.answer();
      await h.untilLines(2, 10_000);
      assert.equal(h.lines[1], "neighbor * announce route 192.0.2.2/32 next-hop self med 101");
      h.answer();
      h.kill("SIGTERM");
      await h.untilLines(3, 10_000);
      assert.equal(h.lines[2], "neighbor * withdraw route 192.0.2.1/32 next-hop self");
      h.answer();
      await h.untilLines(4, 10_000);
      assert.equal(h.lines[3], "neighbor * withdraw route 192.0.2.2/32 next-hop self");
      h.answer();
      assert.deepEqual(await h.exit(10_000), { code: 0, signal: null }, h.output);
      assert.match(h.stderr, /INFO\[healthcheck\] send announces for EXIT state to ExaBGP/);
    },
  );

  it("ends quietly, exit 0, when its standard input closes", { timeout: 60_000 }, async () => {
    const h = start([
      "--cmd",
      "true",
      "--rise",
      "1",
      "--ip",
      "192.0.2.1",
      "--no-ip-setup",
      "--interval",
      "0.2",
      "--no-ack",
    ]);
    await h.untilLines(1, STARTUP_MS);
    h.child.stdin!.end();
    assert.deepEqual(await h.exit(10_000), { code: 0, signal: null }, h.output);
    assert.ok(h.lines.every((l) => l.startsWith("neighbor * announce")), `no withdraw expected\n${h.output}`);
  });

  it("kills a check that outlives --timeout, all its processes, and counts it as a failure", {
    timeout: 60_000,
  }, async () => {
    const pidFile = join(dir, "check.pid");
    // The shell starts sleep in the background, writes its PID and waits: killing the shell alone would
    // leave sleep running.
    const check = `sleep 30 & echo $! > ${pidFile}; wait`;
    const h = start([
      "--cmd",
      check,
      "--timeout",
      "1",
      "--fall",
      "1",
      "--ip",
      "192.0.2.1",
      "--no-ip-setup",
      "--no-ack",
    ]);
    await h.untilLines(1, STARTUP_MS + 5_000);
    assert.equal(h.lines[0], "neighbor * announce route 192.0.2.1/32 next-hop self med 1000");
    assert.ok(
      h.stderr.includes(`WARNING[healthcheck] Timeout (1) while running check command ${check}`),
      h.output,
    );
    const sleeper = Number(readFileSync(pidFile, "utf8"));
    assert.ok(sleeper > 1, `bad PID file: ${sleeper}`);
    await waitFor(() => !running(sleeper), 5_000, () => `the check's sleep (PID ${sleeper}) still runs`);
    h.child.stdin!.end();
    assert.equal((await h.exit(10_000)).code, 0);
  });

  it(
    "reads --config, writes --pid, exits after the first announcement with interval 0",
    { timeout: 60_000 },
    async () => {
      const conf = join(dir, "hc.conf");
      const pid = join(dir, "hc.pid");
      writeFileSync(
        conf,
        [
          "# the options of ExaBGP's example",
          "command = test -d /",
          "rise = 1",
          "no-ip-setup",
          "no-ack",
          "ip = 192.0.2.7",
          `pid = ${pid}`,
          "local-preference = 50",
        ].join("\n"),
      );
      const h = start(["--config", conf, "--interval", "0"]);
      assert.deepEqual(await h.exit(STARTUP_MS), { code: 0, signal: null }, h.output);
      assert.deepEqual(h.lines.filter((l) => l !== ""), [
        "neighbor * announce route 192.0.2.7/32 next-hop self med 100 local-preference 50",
      ]);
      assert.equal(readFileSync(pid, "utf8"), `${h.child.pid}\n`);
    },
  );

  it("exits 2 naming a bad option, and 1 when no address is found", { timeout: 60_000 }, async () => {
    const bad = await runCli(["healthcheck", "--rise", "x"]);
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /tsbgp healthcheck: option --rise: expected an integer, got 'x'/);
    // No --ip: the loopback's addresses with this label are the service addresses; there are none.
    const none = await runCli([
      "healthcheck",
      "--label",
      "tsbgp-test-none",
      "--label-exact-match",
      "--no-ip-setup",
    ]);
    assert.equal(none.code, 1, none.stdout + none.stderr);
    assert.match(none.stderr, /ERROR\[healthcheck\] No IP found/);
  });
});
