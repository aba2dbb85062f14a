/** The Runtime object: backend choice, process facts, files, self command, signals, compiled binary. */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runtime } from "../../lib/runtime/mod.ts";
import { readLines } from "../../lib/runtime/lines.ts";
import { within } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbgp-rt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const repoRoot = decodeURIComponent(new URL("../../", import.meta.url).pathname).replace(/\/$/, "");
const probe = `${repoRoot}/tests/runtime/fixtures/probe.ts`;
const isDeno = "Deno" in globalThis;

/** How to run a script with the runtime running this test. */
function runScript(script: string, args: string[]): [string, string[]] {
  const [exe] = runtime.selfCommand();
  return isDeno ? [exe, ["run", "-A", script, ...args]] : [exe, [script, ...args]];
}

interface ProbeReport {
  name: string;
  args: string[];
  self: string[];
  pid: number;
  ppid: number;
}

async function runProbe(cmd: string, args: string[]): Promise<{ report: ProbeReport; pid: number }> {
  const child = runtime.spawn(cmd, args);
  const lines: string[] = [];
  for await (const l of readLines(child.stdout)) lines.push(l);
  assert.deepEqual(await within(child.exited, 20000, "probe"), { code: 0, signal: null });
  return { report: JSON.parse(lines[0]), pid: child.pid };
}

describe(`runtime (${runtime.name})`, () => {
  it("picks the backend of the runtime it runs on", () => {
    assert.equal(runtime.name, isDeno ? "deno" : "bun");
    assert.equal(runtime.net.name, isDeno ? "deno" : "bun");
    assert.match(runtime.version, /^\d+\.\d+\.\d+/);
  });

  it("reports the process's facts", () => {
    assert.equal(runtime.pid(), process.pid);
    assert.equal(runtime.ppid(), process.ppid);
    assert.equal(runtime.cwd(), process.cwd());
    assert.equal(runtime.hostname(), hostname());
    assert.equal(runtime.env("PATH"), process.env.PATH);
    assert.equal(runtime.env("TSBGP_SURELY_UNSET_VARIABLE"), undefined);
    assert.equal(runtime.envAll().PATH, process.env.PATH);
  });

  it("writes and reads text files, async and sync", async () => {
    const path = join(dir, "exabgp.conf");
    const text = "neighbor 127.0.0.2 {\n  router-id 1.2.3.4;\n}\n# é€\n";
    await runtime.writeTextFile(path, text);
    assert.equal(await runtime.readTextFile(path), text);
    assert.equal(runtime.readTextFileSync(path), text);
    await assert.rejects(runtime.readTextFile(join(dir, "missing.conf")));
    assert.throws(() => runtime.readTextFileSync(join(dir, "missing.conf")));
  });

  it("selfCommand re-runs cli.ts with the same runtime", () => {
    const self = runtime.selfCommand();
    const exe = isDeno
      ? (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath()
      : process.execPath;
    assert.deepEqual(self, isDeno ? [exe, "run", "-A", `${repoRoot}/cli.ts`] : [exe, `${repoRoot}/cli.ts`]);
  });

  it("a child sees its arguments, its pid and us as its parent", async () => {
    const [cmd, args] = runScript(probe, ["--flag", "two words"]);
    const { report, pid } = await runProbe(cmd, args);
    assert.equal(report.name, runtime.name);
    assert.deepEqual(report.args, ["--flag", "two words"]);
    assert.deepEqual(report.self, runtime.selfCommand());
    assert.equal(report.pid, pid);
    assert.equal(report.ppid, runtime.pid());
  });

  it("delivers signals to handlers; a removed handler no longer runs", async () => {
    const [cmd, args] = runScript(probe, ["signals"]);
    const child = runtime.spawn(cmd, args);
    const lines = readLines(child.stdout)[Symbol.asyncIterator]();
    const next = async () => (await within(lines.next(), 10000, "probe output")).value as string;
    await next(); // the report
    assert.equal(await next(), "ready");
    runtime.kill(child.pid, "SIGUSR1");
    assert.deepEqual([await next(), await next()].sort(), ["a", "b"]);
    runtime.kill(child.pid, "SIGUSR1"); // handler "a" removed itself
    assert.equal(await next(), "b");
    runtime.kill(child.pid, "SIGTERM");
    assert.equal(await next(), "TERM");
    assert.deepEqual(await within(child.exited, 10000, "exit"), { code: 0, signal: null });
  });

  it("inside a `bun build --compile` binary, selfCommand is the binary and args() are the user's", async () => {
    const bun = `${repoRoot}/node_modules/.bin/bun`;
    assert.ok(existsSync(bun), "bun is installed with the project");
    const out = join(dir, "probe-bin");
    const build = runtime.spawn(bun, ["build", "--compile", probe, "--outfile", out]);
    const [status, err] = await within(
      Promise.all([build.exited, new Response(build.stderr).text(), new Response(build.stdout).text()]),
      60000,
      "bun build",
    );
    assert.deepEqual(status, { code: 0, signal: null }, err);
    const { report, pid } = await runProbe(out, ["x", "y"]);
    assert.deepEqual(report, { name: "bun", args: ["x", "y"], self: [out], pid, ppid: runtime.pid() });
  });
});
