/**
 * ControlServer.stop() while an answer is being written (issue 3): a command that stops the server — the
 * speaker's `shutdown` — still reaches its client with every answer line and `done`; a handler that never
 * finishes does not hold stop() for longer than its grace period.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlServer } from "../../../lib/api/control.ts";
import { EXIT, runCli } from "../../../lib/tools/cli_client.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbgp-control-stop-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(path: string, words: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["--socket", path, ...words], {
    write: (l) => out.push(l),
    writeError: (l) => err.push(l),
    timeoutMs: 10_000,
  });
  return { code, out, err };
}

describe("ControlServer.stop() during an answer", () => {
  it("delivers the answer of the command that stopped the server", async () => {
    const path = join(dir, "shutdown.sock");
    let stopping: Promise<void> | undefined;
    const server: ControlServer = await ControlServer.start(path, async (line, reply) => {
      assert.equal(line, "shutdown");
      // As the daemon does: the stop begins while this command is still being answered.
      stopping = server.stop();
      await new Promise((r) => setTimeout(r, 50));
      reply("shutdown in progress");
      return "done";
    });
    const r = await cli(path, ["shutdown"]);
    await stopping;
    assert.deepEqual(r, { code: EXIT.done, out: ["shutdown in progress"], err: [] });
  });

  it("does not wait for a handler that never answers beyond its grace period", async () => {
    const path = join(dir, "hang.sock");
    let started!: () => void;
    const handling = new Promise<void>((r) => (started = r));
    const server = await ControlServer.start(path, () => {
      started();
      return new Promise(() => {});
    });
    const client = cli(path, ["hang"]);
    await handling;
    await server.stop(); // resolves: the grace period ends the wait
    const r = await client;
    assert.equal(r.code, EXIT.noAnswer, r.err.join("\n"));
  });
});
