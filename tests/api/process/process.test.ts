/**
 * API helper processes with real subprocesses (sh, cat, seq, sed): batches, stderr, respawn, the helper that
 * never reads (lesson 6), stopAll with SIGTERM then SIGKILL. Every wait is bounded.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ProcessConfig } from "../../../lib/config/model.ts";
import type { Log } from "../../../lib/log.ts";
import { ProcessManager, type ProcessManagerOptions } from "../../../lib/api/process.ts";
import { runtime } from "../../../lib/runtime/mod.ts";

function helper(name: string, run: string[], respawn = false): ProcessConfig {
  return { name, run, encoder: "text", respawn, source: { file: "test.conf", line: 1 } };
}
const sh = (name: string, script: string, respawn = false) => helper(name, ["sh", "-c", script], respawn);

interface Exit {
  name: string;
  code: number | null;
  signal: string | null;
  willRespawn: boolean;
  fatal: boolean;
}

/** A manager that records everything it reports. */
function record(configs: ProcessConfig[], options: Partial<ProcessManagerOptions> = {}) {
  const batches: { name: string; lines: string[] }[] = [];
  const stderr: { name: string; line: string }[] = [];
  const exits: Exit[] = [];
  const logs: string[] = [];
  const log: Log = { debug() {}, info() {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) };
  const manager = new ProcessManager(configs, {
    log,
    onBatch: (h, lines) => void batches.push({ name: h.name, lines }),
    onStderr: (h, line) => void stderr.push({ name: h.name, line }),
    onExit: (h, code, signal, willRespawn, fatal) =>
      void exits.push({ name: h.name, code, signal, willRespawn, fatal }),
    ...options,
  });
  return { manager, batches, stderr, exits, logs };
}

/** Polls `cond` every 10 ms; fails after `ms`. */
async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const linesOf = (batches: { lines: string[] }[]) => batches.flatMap((b) => b.lines);

describe(`helper processes (${runtime.name})`, () => {
  it("delivers the lines of one write as one batch, batches in order", async () => {
    const r = record([sh("p", 'printf "a\\nb\\nc\\n"; sleep 0.3; printf "d\\ne\\n"')]);
    r.manager.start();
    await waitFor(() => r.exits.length === 1, 5000, "exit");
    assert.deepEqual(r.batches.map((b) => b.lines), [["a", "b", "c"], ["d", "e"]]);
    assert.deepEqual(r.exits, [{ name: "p", code: 0, signal: null, willRespawn: false, fatal: false }]);
    await r.manager.stopAll();
  });

  it("joins a line split across reads", async () => {
    const r = record([sh("p", 'printf "ann"; sleep 0.2; printf "ounce a\\nb"; sleep 0.2; printf "\\n"')]);
    r.manager.start();
    await waitFor(() => r.exits.length === 1, 5000, "exit");
    assert.deepEqual(r.batches.map((b) => b.lines), [["announce a"], ["b"]]);
    await r.manager.stopAll();
  });

  it("does not read again before the batch's promise resolved", async () => {
    let active = 0;
    let overlap = false;
    const seen: string[][] = [];
    const r = record([sh("p", "echo 1; sleep 0.1; echo 2; sleep 0.1; echo 3")], {
      onBatch: async (_h, lines) => {
        if (active++ > 0) overlap = true;
        seen.push(lines);
        await new Promise((res) => setTimeout(res, seen.length === 1 ? 500 : 10));
        active--;
      },
    });
    r.manager.start();
    await waitFor(() => r.exits.length === 1, 5000, "exit");
    assert.equal(overlap, false);
    assert.deepEqual(seen.flat(), ["1", "2", "3"]);
    assert.deepEqual(seen[0], ["1"]);
    await r.manager.stopAll();
  });

  it("forwards stderr line by line and passes the environment", async () => {
    const r = record([
      sh("p", 'echo oops >&2; echo "two words" >&2; echo "ack=$exabgp_api_ack path=${PATH:+set}"'),
    ], {
      env: { exabgp_api_ack: "false" },
    });
    r.manager.start();
    await waitFor(() => r.exits.length === 1 && r.stderr.length === 2, 5000, "exit");
    assert.deepEqual(r.stderr, [{ name: "p", line: "oops" }, { name: "p", line: "two words" }]);
    assert.deepEqual(linesOf(r.batches), ["ack=false path=set"]);
    await r.manager.stopAll();
  });

  it("writes events and answers to the helper's stdin", async () => {
    const r = record([helper("echo", ["cat"])], { ack: false });
    r.manager.start();
    const h = r.manager.get("echo")!;
    assert.equal(h.ack, "off");
    h.write('{ "type": "state" }');
    h.answer("done");
    await waitFor(() => linesOf(r.batches).length === 2, 5000, "echo");
    assert.deepEqual(linesOf(r.batches), ['{ "type": "state" }', "done"]);
    await r.manager.stopAll();
  });

  it("drops a command line over 1 MiB with an error and goes on", async () => {
    const r = record([sh("p", 'head -c 2000000 /dev/zero | tr "\\000" a; echo; echo ok')]);
    r.manager.start();
    await waitFor(() => r.exits.length === 1, 10000, "exit");
    assert.deepEqual(linesOf(r.batches), ["ok"]);
    assert.equal(r.logs.filter((l) => /longer than 1048576/.test(l)).length, 1);
    await r.manager.stopAll();
  });

  it("respawns with back-off and gives up after the limit, as a fatal exit", async () => {
    const r = record([sh("p", "echo up; exit 3", true)], { respawnLimit: 3, respawnBackoffMs: 20 });
    const t0 = Date.now();
    r.manager.start();
    await waitFor(() => r.exits.length === 4, 5000, "four exits");
    await new Promise((res) => setTimeout(res, 200)); // no fifth start
    assert.equal(r.manager.get("p")!.stats.starts, 4);
    assert.deepEqual(linesOf(r.batches), ["up", "up", "up", "up"]);
    assert.deepEqual(r.exits.map((e) => [e.code, e.willRespawn, e.fatal]), [
      [3, true, false],
      [3, true, false],
      [3, true, false],
      [3, false, true],
    ]);
    assert.ok(Date.now() - t0 >= 20 + 40 + 80, "back-off doubles");
    await r.manager.stopAll();
  });

  it("writes to the respawned helper, not to the dead one", async () => {
    const r = record([sh("p", 'echo up; read x; echo "got $x"', true)], {
      respawnLimit: 1,
      respawnBackoffMs: 10,
      onBatch: (h, lines) => {
        r.batches.push({ name: h.name, lines });
        if (lines.includes("up")) h.write(`hello ${h.stats.starts}`);
      },
    });
    r.manager.start();
    await waitFor(() => r.exits.length === 2, 5000, "two exits");
    assert.deepEqual(linesOf(r.batches), ["up", "got hello 1", "up", "got hello 2"]);
    await r.manager.stopAll();
  });

  it("does not respawn with `respawn false`, nor with api.respawn false", async () => {
    for (const [perProcess, env] of [[false, true], [true, false]]) {
      const r = record([sh("p", "exit 1", perProcess)], { respawn: env, respawnBackoffMs: 1 });
      r.manager.start();
      await waitFor(() => r.exits.length === 1, 5000, "exit");
      await new Promise((res) => setTimeout(res, 100));
      assert.deepEqual(r.exits, [{ name: "p", code: 1, signal: null, willRespawn: false, fatal: false }]);
      assert.equal(r.manager.get("p")!.running, false);
      await r.manager.stopAll();
    }
  });

  it("reports any exit as fatal with api.terminate", async () => {
    const r = record([sh("p", "exit 0", true)], { terminate: true });
    r.manager.start();
    await waitFor(() => r.exits.length === 1, 5000, "exit");
    assert.deepEqual(r.exits, [{ name: "p", code: 0, signal: null, willRespawn: false, fatal: true }]);
    await r.manager.stopAll();
  });

  it("reports a program that cannot start as exit 127", async () => {
    const r = record([helper("p", ["/nonexistent/tsbgp-helper"])]);
    r.manager.start();
    await waitFor(() => r.exits.length === 1, 5000, "exit");
    assert.equal(r.exits[0].code, 127);
    await r.manager.stopAll();
  });

  it("never blocks on a helper that does not read: 200,000 commands answered, queue capped", async () => {
    const cap = 256 * 1024;
    const event = `{ "exabgp": "5.0.0", "type": "update", "neighbor": { "address": "127.0.0.1" }, "pad": "${
      "x".repeat(60)
    }" }`;
    let maxQueued = 0;
    let pingAt = 0;
    let pongAfter = -1;
    const commands: string[] = [];
    const manager = new ProcessManager([
      sh("flood", 'seq 1 200000 | sed "s|^|announce route 10.0.0.0/24 next-hop self med |"; exec sleep 30'),
      helper("echo", ["cat"]),
    ], {
      maxQueueBytes: cap,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      onBatch: (h, lines) => {
        if (h.name === "echo") {
          if (lines.includes("ping")) pongAfter = Date.now() - pingAt;
          return;
        }
        for (const l of lines) {
          commands.push(l);
          h.answer("done");
          h.write(event);
          h.write(event);
        }
        const q = h.stats.queuedBytes;
        if (q > maxQueued) maxQueued = q;
        // Half-way through, the other helper must still be answered promptly.
        if (pingAt === 0 && commands.length >= 100_000) {
          pingAt = Date.now();
          manager.get("echo")!.write("ping");
        }
      },
    });
    manager.start();
    const flood = manager.get("flood")!;
    await waitFor(() => commands.length === 200_000, 30000, "200,000 commands");
    await waitFor(() => pongAfter >= 0, 2000, "the other helper's echo");
    assert.ok(pongAfter < 1000, `echo took ${pongAfter} ms`);
    assert.equal(commands[0], "announce route 10.0.0.0/24 next-hop self med 1");
    assert.equal(commands[199_999], "announce route 10.0.0.0/24 next-hop self med 200000");
    assert.ok(maxQueued <= cap, `queued ${maxQueued}`);
    const { dropped } = flood.stats;
    assert.ok(dropped.events > 0, "events were dropped");
    assert.ok(flood.running);
    const t0 = Date.now();
    await manager.stopAll((h) => `shutdown ${h.name}`);
    assert.ok(Date.now() - t0 < 2500, "stopAll is not held up by the full pipe");
  });

  it("stopAll: shutdown notice, nothing after it, SIGKILL for a helper that ignores SIGTERM", async () => {
    const r = record([
      sh("stubborn", "trap '' TERM; echo ready; exec sleep 30"),
      helper("echo", ["cat"]),
    ], { killTimeoutMs: 300 });
    r.manager.start();
    await waitFor(() => r.batches.some((b) => b.name === "stubborn"), 5000, "ready");
    const echo = r.manager.get("echo")!;
    echo.write("before");
    await waitFor(() => r.batches.some((b) => b.name === "echo"), 5000, "echo");
    const t0 = Date.now();
    const stopping = r.manager.stopAll((h) => `shutdown ${h.name}`);
    echo.write("after");
    await stopping;
    const took = Date.now() - t0;
    assert.ok(took >= 300 && took < 3000, `took ${took} ms`);
    const byName = Object.fromEntries(r.exits.map((e) => [e.name, e]));
    assert.deepEqual(byName.stubborn, {
      name: "stubborn",
      code: null,
      signal: "SIGKILL",
      willRespawn: false,
      fatal: false,
    });
    // cat got the notice, then EOF on stdin: it exits by itself (or, on a slow machine, by SIGTERM).
    assert.ok(byName.echo.code === 0 || byName.echo.signal === "SIGTERM", JSON.stringify(byName.echo));
    assert.equal(byName.echo.willRespawn, false);
    assert.deepEqual(linesOf(r.batches.filter((b) => b.name === "echo")), ["before", "shutdown echo"]);
    assert.equal(r.manager.get("stubborn")!.running, false);
  });
});
