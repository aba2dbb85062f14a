/**
 * The control socket and `tsbgp cli` end to end: a ControlServer with a scripted handler and runCli in
 * the same process, over a real Unix socket in a temporary directory.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlServer, defaultSocketPath } from "../../../lib/api/control.ts";
import { EXIT, runCli } from "../../../lib/tools/cli_client.ts";
import { readLines, runtime } from "../../../lib/runtime/mod.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbgp-control-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `ctl-${n++}.sock`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stand-in for the speaker's command dispatcher. */
async function script(line: string, reply: (text: string) => void): Promise<"done" | "error"> {
  const [verb, ...rest] = line.split(" ");
  switch (verb) {
    case "echo":
      reply(rest.join(" "));
      return "done";
    case "two":
      reply("first line\nsecond line");
      return "done";
    case "slow":
      await sleep(Number(rest[0]));
      reply(`slept ${rest[0]}`);
      return "done";
    case "many":
      for (let i = 0; i < Number(rest[0]); i++) reply(`route ${i}`);
      return "done";
    case "throw":
      throw new Error("boom");
    case "hang":
      return new Promise(() => {});
    default:
      return "error";
  }
}

/** runCli with its output collected. */
async function cli(args: string[], options: { socketPath?: string; timeoutMs?: number } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    ...options,
    write: (l) => out.push(l),
    writeError: (l) => err.push(l),
  });
  return { code, out, err };
}

describe("ControlServer and tsbgp cli", () => {
  it("creates the socket file with mode 0600 and removes it on stop", async () => {
    const path = freshPath();
    const server = await ControlServer.start(path, script);
    assert.equal(server.path, path);
    assert.ok(statSync(path).isSocket());
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await server.stop();
    assert.equal(existsSync(path), false);
    await server.stop(); // idempotent
  });

  it("prints the answer lines and exits 0 on done, 1 on error", async () => {
    const path = freshPath();
    const server = await ControlServer.start(path, script);
    try {
      assert.deepEqual(await cli(["--socket", path, "echo", "hello", "world"]), {
        code: EXIT.done,
        out: ["hello world"],
        err: [],
      });
      const two = await cli([`--socket=${path}`, "two"]);
      assert.deepEqual([two.code, two.out], [0, ["first line", "second line"]]);
      const bad = await cli(["--socket", path, "nonsense"]);
      assert.equal(bad.code, 1);
      assert.deepEqual(bad.out, []);
      assert.match(bad.err.join("\n"), /error/);
      // A handler that throws is an error answer, and the server keeps serving.
      assert.equal((await cli(["--socket", path, "throw"])).code, 1);
      assert.equal((await cli(["--socket", path, "echo", "still", "up"])).out[0], "still up");
    } finally {
      await server.stop();
    }
  });

  it("sends the expanded command and says what it sent", async () => {
    const path = freshPath();
    const seen: string[] = [];
    const server = await ControlServer.start(path, (line, reply) => {
      seen.push(line);
      reply("Peer            AS        up/down state       |     #sent     #recvd");
      return Promise.resolve("done");
    });
    try {
      const r = await cli(["s", "n", "s"], { socketPath: path });
      assert.equal(r.code, 0);
      assert.deepEqual(seen, ["show neighbor summary"]);
      assert.deepEqual(r.out, [
        "command: show neighbor summary",
        "Peer            AS        up/down state       |     #sent     #recvd",
      ]);
    } finally {
      await server.stop();
    }
  });

  it("answers several commands on one connection in order", async () => {
    const path = freshPath();
    const server = await ControlServer.start(path, script);
    const conn = await runtime.net.connectUnix(path);
    try {
      const w = conn.writable.getWriter();
      // The slow first command must still be answered first.
      await w.write(new TextEncoder().encode("slow 50\necho b\r\nnonsense\necho c\n"));
      const got: string[] = [];
      let ends = 0;
      for await (const line of readLines(conn.readable)) {
        got.push(line);
        if (line === "done" || line === "error") ends++;
        if (ends === 4) break;
      }
      assert.deepEqual(got, ["slept 50", "done", "b", "done", "error", "c", "done"]);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it("answers a client that half-closes after sending (echo … | socat)", async () => {
    const path = freshPath();
    const server = await ControlServer.start(path, script);
    const conn = await runtime.net.connectUnix(path);
    try {
      const w = conn.writable.getWriter();
      await w.write(new TextEncoder().encode("slow 20\necho last"));
      await w.close();
      const got: string[] = [];
      for await (const line of readLines(conn.readable)) got.push(line);
      assert.deepEqual(got, ["slept 20", "done", "last", "done"]);
    } finally {
      conn.close();
      await server.stop();
    }
  });

  it("serves several clients at once, each its own answer", async () => {
    const path = freshPath();
    const server = await ControlServer.start(path, script);
    try {
      // Staggered delays so the answers complete in the reverse order of the requests.
      const runs = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => cli(["--socket", path, "slow", String(100 - i * 20)])),
      );
      assert.deepEqual(runs.map((r) => r.out), [0, 1, 2, 3, 4].map((i) => [`slept ${100 - i * 20}`]));
      assert.ok(runs.every((r) => r.code === 0));
    } finally {
      await server.stop();
    }
  });

  it("delivers a long answer completely", async () => {
    const path = freshPath();
    const server = await ControlServer.start(path, script);
    try {
      const r = await cli(["--socket", path, "many", "20000"]);
      assert.equal(r.code, 0);
      assert.equal(r.out.length, 20000);
      assert.equal(r.out[0], "route 0");
      assert.equal(r.out[19999], "route 19999");
    } finally {
      await server.stop();
    }
  });

  it("without a speaker: a clear error naming the socket path, exit 2", async () => {
    const path = join(dir, "nobody-here.sock");
    const r = await cli(["--socket", path, "show", "neighbor", "summary"]);
    assert.equal(r.code, EXIT.noSpeaker);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1);
    assert.ok(r.err[0].includes(path), r.err[0]);
    assert.match(r.err[0], /no tsbgp speaker is running/);
  });

  it("gives up on a speaker that never answers", async () => {
    const path = freshPath();
    const server = await ControlServer.start(path, script);
    try {
      const started = Date.now();
      const r = await cli(["--socket", path, "hang"], { timeoutMs: 200 });
      assert.equal(r.code, EXIT.noAnswer);
      assert.ok(Date.now() - started < 5000);
      assert.match(r.err.join("\n"), /no answer/);
    } finally {
      await server.stop();
    }
  });

  it("rejects a missing command and unknown options", async () => {
    assert.equal((await cli(["--socket", freshPath()])).code, EXIT.usage);
    assert.equal((await cli(["--bogus", "show"])).code, EXIT.usage);
  });
});

describe("defaultSocketPath", () => {
  const xdg = join(dir, "xdg");
  mkdirSync(xdg, { recursive: true });

  it("prefers exabgp_api_socketpath", () => {
    assert.equal(
      defaultSocketPath({ exabgp_api_socketpath: "/run/x/ctl.sock", XDG_RUNTIME_DIR: xdg }, 1000),
      "/run/x/ctl.sock",
    );
  });
  it("then $XDG_RUNTIME_DIR/tsbgp.sock when that directory exists", () => {
    assert.equal(defaultSocketPath({ XDG_RUNTIME_DIR: xdg }, 1000), join(xdg, "tsbgp.sock"));
  });
  it("else /tmp/tsbgp-<uid>.sock", () => {
    assert.equal(defaultSocketPath({ XDG_RUNTIME_DIR: join(dir, "missing") }, 1000), "/tmp/tsbgp-1000.sock");
    assert.equal(defaultSocketPath({}, 0), "/tmp/tsbgp-0.sock");
  });
});
