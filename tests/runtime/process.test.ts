/** Child processes (API helpers): pipes both ways, exit codes, signals, stdin back-pressure. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { runtime } from "../../lib/runtime/mod.ts";
import { readLines } from "../../lib/runtime/lines.ts";
import { readAll, readText, settlesWithin, within } from "./helpers.ts";

const enc = new TextEncoder();

describe(`spawn (${runtime.name})`, () => {
  it("cat echoes stdin to stdout and exits 0 when stdin closes", async () => {
    const child = runtime.spawn("cat", []);
    assert.ok(child.pid > 0);
    const out = readText(child.stdout);
    const w = child.stdin.getWriter();
    await w.write(enc.encode("announce route 10.0.0.0/8 next-hop 192.0.2.1\n"));
    await w.write(enc.encode("withdraw route 10.0.0.0/8\n"));
    await w.close();
    assert.equal(
      await within(out, 5000, "stdout"),
      "announce route 10.0.0.0/8 next-hop 192.0.2.1\nwithdraw route 10.0.0.0/8\n",
    );
    assert.deepEqual(await within(child.exited, 5000, "exit"), { code: 0, signal: null });
    assert.equal(await readText(child.stderr), "");
  });

  it("carries a large stream through cat intact", async () => {
    const child = runtime.spawn("cat", []);
    const lines: string[] = [];
    const reading = (async () => {
      for await (const l of readLines(child.stdout)) lines.push(l);
    })();
    const w = child.stdin.getWriter();
    const batch = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join("\n") + "\n";
    for (let i = 0; i < 50; i++) await w.write(enc.encode(batch));
    await w.close();
    await within(reading, 20000, "reading");
    assert.equal(lines.length, 50_000);
    assert.equal(lines[0], "line 0");
    assert.equal(lines[49_999], "line 999");
    await child.exited;
  });

  it("sh -c: stdout, stderr and the exit code", async () => {
    const child = runtime.spawn("sh", ["-c", "echo out; echo err >&2; exit 3"]);
    const [out, err, status] = await within(
      Promise.all([readText(child.stdout), readText(child.stderr), child.exited]),
      5000,
      "sh",
    );
    assert.equal(out, "out\n");
    assert.equal(err, "err\n");
    assert.deepEqual(status, { code: 3, signal: null });
  });

  it("env adds to the inherited environment; cwd is honoured", async () => {
    const cwd = realpathSync(tmpdir());
    const child = runtime.spawn("sh", ["-c", 'echo "$TSBGP_TEST:${PATH:+inherited}"; pwd'], {
      cwd,
      env: { TSBGP_TEST: "value" },
    });
    const out = await within(readText(child.stdout), 5000, "sh");
    assert.equal(out, `value:inherited\n${cwd}\n`);
    await child.exited;
  });

  it("kill() with SIGTERM reports the signal, not an exit code", async () => {
    const child = runtime.spawn("sleep", ["30"]);
    child.kill("SIGTERM");
    assert.deepEqual(await within(child.exited, 5000, "exit"), { code: null, signal: "SIGTERM" });
    child.kill("SIGTERM"); // after exit: a no-op, not an error
  });

  it("kill() defaults to SIGTERM; runtime.kill(pid, SIGKILL) works too", async () => {
    const a = runtime.spawn("sleep", ["30"]);
    a.kill();
    assert.equal((await within(a.exited, 5000, "exit")).signal, "SIGTERM");
    const b = runtime.spawn("sleep", ["30"]);
    runtime.kill(b.pid, "SIGKILL");
    assert.deepEqual(await within(b.exited, 5000, "exit"), { code: null, signal: "SIGKILL" });
  });

  it("stdin writes wait while the child does not read (no unbounded buffering)", async () => {
    const child = runtime.spawn("sleep", ["30"]);
    const w = child.stdin.getWriter();
    const chunk = new Uint8Array(16 * 1024);
    let accepted = 0;
    let blocked = false;
    while (accepted < 16 * 1024 * 1024) {
      const p = w.write(chunk);
      if ((await settlesWithin(p, 300)) === "pending") {
        blocked = true;
        p.catch(() => {});
        break;
      }
      accepted += chunk.byteLength;
    }
    child.kill("SIGKILL");
    await child.exited;
    assert.equal(blocked, true, `never blocked after ${accepted} bytes`);
    // A pipe holds 64 KiB; the runtimes add at most a few hundred KiB (runtime.md §2).
    assert.ok(accepted < 4 * 1024 * 1024, `${accepted} bytes accepted`);
  });

  it("stdout is not read ahead: a child writing 8 MB waits until we read", async () => {
    const child = runtime.spawn("sh", ["-c", "head -c 8000000 /dev/zero; echo finished >&2"]);
    const err = readText(child.stderr);
    // Nobody reads stdout yet: the child must be stuck on the full pipe, not finished.
    assert.equal(await settlesWithin(child.exited, 500), "pending");
    const out = await within(readAll(child.stdout), 10000, "stdout");
    assert.equal(out.byteLength, 8_000_000);
    assert.equal(await err, "finished\n");
    assert.deepEqual(await child.exited, { code: 0, signal: null });
  });

  it("throws for a program that does not exist", () => {
    assert.throws(() => runtime.spawn("/nonexistent/tsbgp-no-such-program", []));
  });
});
