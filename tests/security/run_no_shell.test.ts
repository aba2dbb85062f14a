/**
 * `run` lines never pass through a shell: the configured command line is split into words like a shell
 * would (quotes, escapes) but nothing is expanded or interpreted, and the program is started directly with
 * that argv. A helper that prints its arguments receives `;`, `$( … )`, `*`, `|`, `>` and `$HOME` as they
 * were written, and the command substitution and redirection never happened.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readText, waitFor } from "../helpers/e2e.ts";
import { makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";

describe("run lines", () => {
  const dir = makeTempDir("run-no-shell");
  let speaker: SpeakerProcess | undefined;
  after(async () => {
    await speaker?.stop("SIGTERM");
    removeTempDir(dir);
  });

  it("reach the helper as literal arguments", { timeout: 30_000 }, async () => {
    const args = join(dir, "args");
    const pwned = join(dir, "PWNED");
    const redirected = join(dir, "redirected");
    const script = join(dir, "print-args.sh");
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > ${args}\nexec cat > /dev/null\n`, {
      mode: 0o755,
    });
    const conf = join(dir, "tsbgp.conf");
    writeFileSync(
      conf,
      `process printer {
  run /bin/sh ${script} "a;b" $(touch ${pwned}) '*' | \`id\` > ${redirected} '$HOME' "x y";
  encoder text;
}
neighbor 127.0.0.7 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as 65002;
  passive;
  api { processes [ printer ]; }
}
`,
    );
    speaker = startSpeaker([conf], {
      env: { exabgp_tcp_bind: "", exabgp_log_level: "INFO", exabgp_api_socketpath: join(dir, "tsbgp.sock") },
    });
    await waitFor(() => readText(args).endsWith("x y\n"), 15_000, () => speaker!.output);
    assert.deepEqual(readText(args).split("\n").slice(0, -1), [
      "a;b",
      "$(touch",
      `${pwned})`,
      "*",
      "|",
      "`id`",
      ">",
      redirected,
      "$HOME",
      "x y",
    ]);
    assert.ok(!existsSync(pwned), "a command substitution ran");
    assert.ok(!existsSync(redirected), "a redirection ran");
  });
});
