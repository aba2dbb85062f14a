/**
 * The control socket refuses other users: it is created owner-only (mode 0600, under umask 0177 so there is
 * no moment where it is open), so the kernel refuses any other uid's connect() with EACCES. The test puts the
 * socket in a directory anyone may enter, then connects as root (who owns it: answered) and, through
 * `runuser -u nobody`, as user nobody (refused). The client is Debian's Python, which nobody can run.
 * Running the second half needs root and runuser: without them it is skipped, saying why.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { locate } from "../helpers/interop.ts";
import { makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";

const PYTHON = "/usr/bin/python3";
const RUNUSER = locate("runuser");
/** Sends `version` and prints the answer; exits 13 on EACCES. */
const CLIENT = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except PermissionError as e:
    print("refused:", e)
    sys.exit(13)
s.sendall(b"version\\n")
answer = b""
while not answer.endswith(b"done\\n") and not answer.endswith(b"error\\n"):
    chunk = s.recv(4096)
    if not chunk:
        break
    answer += chunk
print(answer.decode())
`;

function client(path: string, asUser?: string): { status: number | null; out: string } {
  const argv = asUser
    ? [RUNUSER!, "-u", asUser, "--", PYTHON, "-c", CLIENT, path]
    : [PYTHON, "-c", CLIENT, path];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 10_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("control socket", () => {
  const dir = makeTempDir("control");
  let speaker: SpeakerProcess | undefined;
  after(async () => {
    await speaker?.stop("SIGTERM");
    removeTempDir(dir);
  });
  const path = join(dir, "tsbgp.sock");

  it("is created mode 0600, owned by the speaker's user", { timeout: 30_000 }, async () => {
    chmodSync(dir, 0o755); // only the socket's own mode may keep other users out
    const conf = join(dir, "tsbgp.conf");
    writeFileSync(
      conf,
      "neighbor 127.0.0.8 { router-id 192.0.2.1; local-address 127.0.0.1; local-as 65001; peer-as 65002; passive; }\n",
    );
    speaker = startSpeaker([conf], {
      env: { exabgp_tcp_bind: "", exabgp_log_level: "INFO", exabgp_api_socketpath: path },
    });
    await speaker.waitForLine(/control socket/, 15_000);
    const st = statSync(path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    if (typeof process.getuid === "function") assert.equal(st.uid, process.getuid());
  });

  const why = !existsSync(PYTHON)
    ? `${PYTHON} is missing`
    : RUNUSER === undefined
    ? "runuser is missing"
    : typeof process.getuid !== "function" || process.getuid() !== 0
    ? "switching to user nobody needs root"
    : undefined;
  it("answers its owner and refuses user nobody", { skip: why, timeout: 30_000 }, () => {
    const own = client(path);
    assert.equal(own.status, 0, own.out);
    assert.match(own.out, /tsbgp .*\ndone/);
    const other = client(path, "nobody");
    assert.equal(other.status, 13, other.out);
    assert.match(other.out, /refused: .*Permission denied/);
    assert.ok(speaker?.running, "the speaker is still running");
  });
});
