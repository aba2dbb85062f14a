/**
 * A clear error where FFI is unavailable, end to end: the speaker run by Deno without --allow-ffi and a
 * neighbor with `md5-password` refuses to start (exit 1) and says why, what to do and which neighbor (file
 * and line) needs it; without md5/ttl options the same run starts normally. This is Deno-specific (Bun and
 * the compiled binary have no FFI permission to withhold), so it always runs the Deno in node_modules,
 * whichever runtime runs the test. The error path itself is unit-tested with an injected backend in
 * secure_socket.test.ts.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { CLI_PATH, REPO_ROOT } from "../helpers/speaker.ts";

const DENO = join(REPO_ROOT, "node_modules/.bin/deno");
/** Everything a speaker needs, except FFI. */
const PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

function run(
  conf: string,
  socket: string,
  untilMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(DENO, ["run", ...PERMISSIONS, CLI_PATH, conf], {
      env: { ...process.env, exabgp_tcp_bind: "", exabgp_api_socketpath: socket, exabgp_log_level: "INFO" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    for (const s of [child.stdout!, child.stderr!]) {
      s.setEncoding("utf8").on("data", (d: string) => (output += d));
    }
    // Still running after `untilMs`: it started; stop it by its PID.
    const timer = setTimeout(() => child.kill("SIGTERM"), untilMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function neighbor(extra: string): string {
  return `neighbor 127.0.0.2 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as 65002;
  passive;
${extra}}
`;
}

describe("FFI unavailable (Deno without --allow-ffi)", () => {
  const dir = makeTempDir("noffi");
  after(() => removeTempDir(dir));
  const why = existsSync(DENO) ? undefined : `${DENO} is missing`;

  it("md5-password: the speaker refuses to start and names the cause, the fix and the neighbor", {
    skip: why,
    timeout: 60_000,
  }, async () => {
    const conf = join(dir, "md5.conf");
    writeFileSync(conf, neighbor('  md5-password "s3cret";\n  incoming-ttl 255;\n'));
    const r = await run(conf, join(dir, "a.sock"), 20_000);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /cannot start: TCP-MD5 \(md5-password\) and GTSM .* need FFI access to libc/);
    assert.match(r.output, /Deno runs without FFI permission \(start it with --allow-ffi, or -A\)/);
    assert.match(r.output, /needed by neighbor 127\.0\.0\.2 \(.*md5\.conf:1\): md5-password, incoming-ttl/);
  });

  it("without md5 or ttl options the same run starts", { skip: why, timeout: 60_000 }, async () => {
    const conf = join(dir, "plain.conf");
    writeFileSync(conf, neighbor(""));
    const r = await run(conf, join(dir, "b.sock"), 3_000);
    assert.doesNotMatch(r.output, /cannot start/);
    assert.match(r.output, /control socket/);
  });
});
