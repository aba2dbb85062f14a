/**
 * BRIEF lesson 6 (writes to helpers never block the speaker) and lesson 7 (keepalives never starve): a
 * helper writes 200,000 `announce route` lines, one route per line, and never reads its stdin, so the
 * speaker's 200,000 `done` acks (about 1 MB) pile up far beyond a pipe's 64 KiB. The peer must still get
 * every route on the one session, KEEPALIVEs must keep arriving every hold/3 = 3 s (RFC 4271 §10), the
 * speaker's memory must stay bounded, and a second helper, woken halfway through the flood, must get its
 * `done` within seconds.
 *
 * The second case then has the same helper ask for the whole Adj-RIB-Out ten times (about 14 MB of answer
 * each, never read): far past the 16 MiB per-helper queue cap of write_queue.ts. The answers are built in
 * slices between event-loop turns, wait (boundedly) for room in the queue, and once the helper is seen not
 * to read they are cut short (lib/api/answer_flow.ts), so neither keepalives nor memory suffer.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { E2E, HOLD_TIME, neighborBlock, processBlock, readText, rssKiB, waitFor } from "../../helpers/e2e.ts";
import { sleep } from "../../helpers/sandbox.ts";

const ROUTES = 200_000;
/** RFC 4271 §10: keepalive interval hold/3; 1.5 s of slack for scheduling on a loaded machine. */
const MAX_KEEPALIVE_GAP_MS = (HOLD_TIME / 3) * 1000 + 1500;
const MAX_RSS_KIB = 600 * 1024;
const OTHER_ROUTE = "172.16.0.0/24";

interface Flood {
  readonly speakerLines: readonly string[];
  readonly keepaliveGaps: readonly number[];
  readonly maxRssKiB: number | undefined;
  readonly otherAnsweredMs: number;
}

/**
 * Runs the flood: the helper `flood` waits for the session, writes ROUTES announce lines (waking the helper
 * `other` through a FIFO halfway), then `shows` × `show adj-rib out extensive`, then sleeps without reading.
 * Checks what must hold in every case (all routes, one session, `done` for the other helper) and returns
 * the measurements.
 */
async function flood(t: E2E, shows: number): Promise<Flood> {
  await t.listen();
  const trigger = t.path("trigger.fifo");
  const start = t.path("start.fifo");
  execFileSync("mkfifo", [trigger, start]);
  const otherAck = t.path("other.ack");
  // 10.0.0.0/24 … 13.13.63.0/24: distinct /24s, one `announce route` per line.
  const floodRun = t.script(
    "flood.sh",
    `echo $$ > ${t.path("flood.pid")}
read go < ${start}
awk 'BEGIN {
  for (i = 0; i < ${ROUTES}; i++) {
    printf "announce route %d.%d.%d.0/24 next-hop 127.0.0.1\\n", 10 + int(i / 65536), int(i / 256) % 256, i % 256
    if (i == ${ROUTES / 2}) { fflush(); print "go" > "${trigger}"; close("${trigger}") }
  }
  for (i = 0; i < ${shows}; i++) print "show adj-rib out extensive"
}'
exec sleep 120`,
  );
  const otherRun = t.script(
    "other.sh",
    `echo $$ > ${t.path("other.pid")}
read go < ${trigger}
date +%s%N > ${t.path("other.sent")}
echo "announce route ${OTHER_ROUTE} next-hop 127.0.0.1"
read a; date +%s%N > ${t.path("other.answered")}; echo "$a" > ${otherAck}
while read line; do :; done`,
  );
  t.writeConf(
    processBlock("flood", floodRun) + processBlock("other", otherRun) +
      neighborBlock({ port: t.port, processes: ["flood", "other"] }),
  );
  const speaker = t.start();
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssKiB(speaker.pid) ?? 0)), 200);
  try {
    await t.established();
    const peer = t.peer;
    const total = ROUTES + 1;
    const why = () => `${peer.rib.size} of ${total} prefixes\n${speaker.output}`;

    // The flood starts once the session is up, so that it runs while keepalives are due.
    const baseRss = rssKiB(speaker.pid);
    const startedAt = performance.now();
    await writeFile(start, "go\n"); // the helper already waits on the FIFO: this open does not block
    await waitFor(
      () => readText(otherAck).trim() !== "",
      30_000,
      () => `no answer to the other helper; ${why()}`,
    );
    assert.equal(readText(otherAck).trim(), "done");
    const nanos = (f: string) => BigInt(readText(t.path(f)).trim());
    const otherAnsweredMs = Number(nanos("other.answered") - nanos("other.sent")) / 1e6;

    await peer.until(() => peer.rib.size === total, 40_000, why);
    const floodDone = performance.now();
    // One more keepalive interval, so the last gap is measured past the flood.
    await sleep(HOLD_TIME / 3 * 1000 + 500);

    const conn = peer.connections[0];
    const times = [conn.openAt!, ...conn.keepalives, performance.now()];
    const keepaliveGaps = times.slice(1).map((x, i) => x - times[i]);
    const mb = (kib: number | undefined) => kib === undefined ? "?" : (kib / 1024).toFixed(0);
    console.log(
      `flood (${shows} unread shows): ${ROUTES} routes one per line in ${
        ((floodDone - startedAt) / 1000).toFixed(1)
      } s, ${peer.updates} UPDATEs, RSS ${mb(baseRss)} MB before, max ${mb(maxRss)} MB, keepalive gaps ${
        keepaliveGaps.map((g) => g.toFixed(0))
      } ms, other helper answered in ${otherAnsweredMs.toFixed(0)} ms`,
    );

    assert.ok(peer.rib.has(OTHER_ROUTE));
    assert.equal(peer.connections.length, 1, `the session was reset\n${speaker.output}`);
    assert.equal(conn.closedAt, undefined, "the session was closed");
    assert.deepEqual(peer.notifications, []);
    assert.ok(conn.keepalives.length >= 2, `${conn.keepalives.length} keepalives`);
    assert.ok(speaker.running, speaker.output);
    // The never-reading helper was not killed or restarted for its unread answers.
    assert.ok(!speaker.lines.some((l) => /process flood.*exited/.test(l)), speaker.output);
    return {
      speakerLines: speaker.lines,
      keepaliveGaps,
      maxRssKiB: baseRss === undefined ? undefined : maxRss,
      otherAnsweredMs,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** What lessons 6 and 7 promise whatever the helper does. */
function assertUnharmed(f: Flood): void {
  const maxGap = Math.max(...f.keepaliveGaps);
  assert.ok(
    maxGap <= MAX_KEEPALIVE_GAP_MS,
    `keepalive gaps (ms): ${f.keepaliveGaps.map((g) => g.toFixed(0))}`,
  );
  assert.ok(f.otherAnsweredMs < 5_000, `the other helper waited ${f.otherAnsweredMs.toFixed(0)} ms`);
  if (f.maxRssKiB !== undefined) assert.ok(f.maxRssKiB < MAX_RSS_KIB, `RSS ${f.maxRssKiB} KiB`);
}

describe("API: a helper that floods and never reads its stdin", () => {
  let t: E2E | undefined;
  afterEach(() => t?.close(["flood.pid", "other.pid"]));

  it("delivers all 200,000 routes, keeps keepalives on time, bounded RSS, other helper answered", {
    timeout: 58_000,
  }, async () => {
    t = new E2E("e2e-flood");
    assertUnharmed(await flood(t, 0));
  });

  it("stays unharmed when the unread answers pass the queue cap (10 × show adj-rib out)", {
    timeout: 58_000,
  }, async () => {
    t = new E2E("e2e-flood-shows");
    const f = await flood(t, 10);
    // The speaker noticed that the helper does not read, and said so (answer_flow.ts, write_queue.ts).
    assert.ok(f.speakerLines.some((l) => /process flood: not reading its stdin/.test(l)));
    assertUnharmed(f);
  });
});
