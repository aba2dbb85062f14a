import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { classifyAnswer, LineReader, play, type PlayIo } from "../../scripts/conformance/player.ts";
import { scriptCommand } from "../../scripts/conformance/self.ts";
import { REPO_ROOT } from "../../scripts/conformance/suite.ts";
import { parseTranscript, type Step } from "../../scripts/conformance/transcript.ts";

/** An in-memory speaker side: what the player wrote, and a pipe to answer on. */
function fakeIo() {
  const stdin = new PassThrough();
  const writes: string[] = [];
  const io: PlayIo = {
    input: new LineReader(stdin),
    write: (text) => {
      writes.push(text);
      return Promise.resolve();
    },
    log: () => {},
  };
  return { io, stdin, writes };
}

const steps = (text: string): readonly Step[] => parseTranscript(text).sections[0].steps;

describe("player", () => {
  it("classifies text and JSON answers", () => {
    assert.equal(classifyAnswer("done"), "done");
    assert.equal(classifyAnswer("error\r"), "error");
    assert.equal(classifyAnswer('{"exabgp": "5.0.0", "answer": "done", "message": "ok"}'), "done");
    assert.equal(classifyAnswer('{"answer":"error"}'), "error");
    assert.equal(classifyAnswer('{"type": "notification", "notification": "shutdown"}'), "shutdown");
    assert.equal(classifyAnswer('{"type": "update"}'), "other");
  });

  it("writes each command on its own and waits for the acks before going on", async () => {
    const { io, stdin, writes } = fakeIo();
    const done = play(steps("a 1\nb 2\n# wait-for-ack 2\nc 3\n# wait-for-shutdown\n"), io);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(writes, ["a 1\n", "b 2\n"]);
    stdin.write("done\n");
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(writes, ["a 1\n", "b 2\n"]); // one ack of two: still waiting
    stdin.write('{"answer": "done"}\n');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(writes, ["a 1\n", "b 2\n", "c 3\n"]);
    stdin.write("shutdown\n");
    assert.equal(await done, 0);
  });

  it("writes the commands after a (single write) marker in one write (api-fast's bursts)", async () => {
    const { io, writes } = fakeIo();
    const text =
      "# --- burst 1 (single write)\na 1\nb 2\n# wait 0.01s\n# --- burst 2 (single write)\nc 3\nd 4\ne 5\n";
    assert.equal(await play(steps(text), io), 0);
    assert.deepEqual(writes, ["a 1\nb 2\n", "c 3\nd 4\ne 5\n"]);
  });

  it("exits 1 when an ack that must come does not, and when one that must not come does", async () => {
    const missing = fakeIo();
    const code1 = await play(
      steps("x\n# wait-for-ack 1 timeout 0.1s (must succeed, else exit 1)\ny\n"),
      missing.io,
    );
    assert.equal(code1, 1);
    assert.deepEqual(missing.writes, ["x\n"]);

    const unwanted = fakeIo();
    unwanted.stdin.write("done\n");
    const code2 = await play(steps("x\n# wait-for-ack 1 timeout 0.2s (must TIME OUT)\ny\n"), unwanted.io);
    assert.equal(code2, 1);

    const silent = fakeIo();
    const code3 = await play(steps("x\n# wait-for-ack 1 timeout 0.1s (must TIME OUT)\ny\n"), silent.io);
    assert.equal(code3, 0);
    assert.deepEqual(silent.writes, ["x\n", "y\n"]);
  });

  it("an error answer ends the wait early; shutdown or the end of stdin ends the script", async () => {
    const errored = fakeIo();
    errored.stdin.write("error\n");
    const started = Date.now();
    assert.equal(await play(steps("x\n# wait-for-ack 3 timeout 5s\ny\n"), errored.io), 0);
    assert.ok(Date.now() - started < 1000);
    assert.deepEqual(errored.writes, ["x\n", "y\n"]);

    const shutdown = fakeIo();
    shutdown.stdin.write("shutdown\n");
    assert.equal(await play(steps("x\n# wait-for-ack 1\ny\n"), shutdown.io), 0);
    assert.deepEqual(shutdown.writes, ["x\n"]);

    const ended = fakeIo();
    ended.stdin.end();
    assert.equal(await play(steps("x\n# read one line\ny\n"), ended.io), 0);
    assert.deepEqual(ended.writes, ["x\n"]);
  });

  it("repeats a looping script until stdin ends", async () => {
    const { io, stdin, writes } = fakeIo();
    const done = play(
      steps("announce watchdog w\n# wait 0.02s\nwithdraw watchdog w\n# wait 0.02s\n# ... (repeat) ...\n"),
      io,
    );
    await new Promise((r) => setTimeout(r, 150));
    stdin.end();
    assert.equal(await done, 0);
    assert.ok(writes.length >= 4, `${writes.length} writes`);
    assert.deepEqual(writes.slice(0, 4), [
      "announce watchdog w\n",
      "withdraw watchdog w\n",
      "announce watchdog w\n",
      "withdraw watchdog w\n",
    ]);
  });

  it("runs as a helper process under this runtime, selecting a script by name, with a fake ack source", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbgp-player-test-"));
    try {
      const path = join(dir, "t.commands.txt");
      writeFileSync(
        path,
        [
          "# test t  (two processes)",
          '# --- process "first"  script: run/first.run',
          "announce route 1.0.0.0/24 next-hop 1.1.1.1",
          "# wait-for-ack 1",
          '# --- process "second"  script: run/second.run',
          "#     announce route 2.0.0.0/24 next-hop 2.2.2.2",
          "#     # wait-for-ack 1            (must succeed, else exit 1)",
          "#     announce route 3.0.0.0/24 next-hop 3.3.3.3",
          "#     # wait-for-shutdown",
          "",
        ].join("\n"),
      );
      const [cmd, ...args] = scriptCommand(join(REPO_ROOT, "scripts", "conformance", "player.ts"), [
        path,
        "--script",
        "second.run",
      ]);
      const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
      const received: string[] = [];
      let buffered = "";
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        buffered += text;
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          received.push(line);
          child.stdin.write(line.startsWith("announce route 3.") ? "shutdown\n" : "done\n");
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      assert.equal(code, 0);
      assert.deepEqual(received, [
        "announce route 2.0.0.0/24 next-hop 2.2.2.2",
        "announce route 3.0.0.0/24 next-hop 3.3.3.3",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
