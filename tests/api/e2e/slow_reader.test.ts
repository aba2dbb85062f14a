/**
 * BRIEF lesson 6, the other side: a helper that reads slowly must still get every line of a long answer.
 * The helper announces 100,000 routes with long attributes, asks `show adj-rib out extensive` (about 24 MB
 * of answer, past the 16 MiB cap of its write queue) and reads it in bursts with pauses. The speaker must wait
 * for room in the queue while the helper reads (lib/api/answer_flow.ts) instead of dropping the oldest lines.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock, processBlock, readText, waitFor } from "../../helpers/e2e.ts";

const ROUTES = 100_000;
const PER_COMMAND = 1000;
/** No new line read for this long, once the reading started: the rest of the answer is not coming. */
const STALLED_MS = 20_000;
const ATTRIBUTES = "next-hop 127.0.0.1 as-path [ 65001 65002 65003 65004 65005 65006 65007 65008 ] " +
  "community [ 65000:1 65000:2 65000:3 65000:4 65000:5 65000:6 65000:7 65000:8 65000:9 65000:10 ] " +
  "large-community [ 65000:1:1 65000:1:2 65000:1:3 65000:1:4 65000:1:5 ]";

describe("API: a helper that reads a long answer slowly", () => {
  let t: E2E | undefined;
  afterEach(() => t?.close(["helper.pid"]));

  it("gets every line of show adj-rib out past its queue cap, then done", { timeout: 120_000 }, async () => {
    t = new E2E("e2e-slow-reader");
    await t.listen();
    const result = t.path("result");
    // 10.0.0.0/24 … 11.1.133.0/24 in announce-attributes commands of 1000 NLRI, then the show; then the
    // answers are read until the last ack (one per command, the show's last), pausing 0.3 s every 20,000 lines.
    const run = t.script(
      "helper.sh",
      `echo $$ > ${t.path("helper.pid")}
awk 'BEGIN {
  for (c = 0; c < ${ROUTES / PER_COMMAND}; c++) {
    line = "announce attributes ${ATTRIBUTES} nlri"
    for (k = 0; k < ${PER_COMMAND}; k++) { i = c * ${PER_COMMAND} + k; line = line sprintf(" %d.%d.%d.0/24", 10 + int(i / 65536), int(i / 256) % 256, i % 256) }
    print line
  }
  print "show adj-rib out extensive"
  fflush()
}'
# mawk fills its whole input buffer before it looks at a line unless told to read interactively.
if awk -W version 2>/dev/null | grep -q mawk; then reader="awk -W interactive"; else reader=awk; fi
$reader -v acks=${ROUTES / PER_COMMAND + 1} '{
  n++
  if (n % 20000 == 0) { print n, shown + 0 > "${t.path("progress")}"; close("${
        t.path("progress")
      }"); system("sleep 0.3") }
  if ($0 ~ /^127\\.0\\.0\\.1 ipv4 unicast 1[01]\\./) shown++
  else if ($0 == "done" || $0 == "error") answered[$0]++
  bytes += length($0) + 1
  if (answered["done"] + answered["error"] == acks) {
    print shown + 0, answered["done"] + 0, answered["error"] + 0, bytes > "${result}"; close("${result}")
  }
}'
exec sleep 120`,
    );
    t.writeConf(processBlock("reader", run) + neighborBlock({ port: t.port, processes: ["reader"] }));
    const speaker = t.start();
    await t.established();
    // Done when the last ack was read; failed when the reading stops short (lines dropped, never coming).
    let progress = "", since = performance.now();
    await waitFor(
      () => {
        const now = readText(t!.path("progress"));
        if (now !== progress) [progress, since] = [now, performance.now()];
        if (progress !== "" && performance.now() - since > STALLED_MS) {
          throw new Error(`the answer stopped after (lines, show lines) ${progress}\n${speaker.output}`);
        }
        return readText(result).trim() !== "";
      },
      100_000,
      () => `no result; (lines, show lines) read: ${progress}\n${speaker.output}`,
    );
    const [shown, done, errors, bytes] = readText(result).trim().split(" ").map(Number);
    console.log(`slow reader: ${shown} lines of show, ${done} done, ${(bytes / 1e6).toFixed(1)} MB read`);
    assert.equal(errors, 0, speaker.output);
    assert.ok(bytes > 16 * 1024 * 1024, `only ${bytes} bytes: the answer must pass the queue cap`);
    assert.equal(shown, ROUTES, speaker.output);
    assert.equal(done, ROUTES / PER_COMMAND + 1);
    assert.ok(!speaker.lines.some((l) => /not reading its stdin/.test(l)), speaker.output);
    assert.ok(speaker.running);
  });
});
