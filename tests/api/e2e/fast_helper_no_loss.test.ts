/**
 * BRIEF lesson 6, the fast side: a helper that reads its stdin as fast as it can must get every event. A
 * peer pushes 200,000 prefixes (the bench's realistic attribute mix, ~62,000 UPDATEs written as fast as the
 * socket takes them) and the speaker streams one JSON event per UPDATE to `cat`, which copies them to a
 * file. The write queue's 16 MiB cap is for a helper that stops reading; reaching it here means the pipe
 * drains slower than the helper reads (it did under Deno: one pipe-full per event-loop poll).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { buildTable } from "../../../scripts/bench/updates.ts";
import {
  countUpdateEvents,
  E2E,
  neighborBlock,
  PEER_AS,
  processBlock,
  readText,
  tailText,
  waitFor,
} from "../../helpers/e2e.ts";

const PREFIXES = 200_000;
/** The End-of-RIB event (RFC 4724 §2) follows the last UPDATE: once it is in the file, everything is. */
const EOR = /"eor"/;
/** The file stopped growing for this long before the End-of-RIB arrived: the rest is not coming. */
const STALLED_MS = 30_000;

describe("API: a helper that reads as fast as it can", () => {
  let t: E2E | undefined;
  afterEach(() => t?.close(["helper.pid"]));

  it(`gets an event for every one of ${PREFIXES} prefixes, none dropped`, { timeout: 180_000 }, async () => {
    t = new E2E("e2e-fast-helper");
    await t.listen();
    const events = t.path("events.json");
    const run = t.script("helper.sh", `echo $$ > ${t.path("helper.pid")}\nexec cat > ${events}`);
    t.writeConf(
      processBlock("events", run, "json") +
        neighborBlock({
          port: t.port,
          extra: "  api {\n    processes [ events ];\n    receive { parsed; update; }\n  }\n",
        }),
    );
    const table = buildTable(PREFIXES, PEER_AS, "192.0.2.2");
    const speaker = t.start();
    await t.established();
    const socket = t.peer.connections.at(-1)!.socket;
    const started = performance.now();
    for (const chunk of table.chunks) socket.write(chunk);

    let size = 0, since = performance.now();
    await waitFor(
      () => {
        if (speaker.lines.some((l) => /not reading its stdin/.test(l))) {
          throw new Error(`the speaker dropped events for a helper that reads everything:\n${speaker.output}`);
        }
        const now = statSync(events, { throwIfNoEntry: false })?.size ?? 0;
        if (now !== size) [size, since] = [now, performance.now()];
        if (performance.now() - since > STALLED_MS) {
          throw new Error(`the events stopped at ${size} bytes:\n${speaker.output}`);
        }
        return EOR.test(tailText(events, 4096));
      },
      170_000,
      () => `no End-of-RIB event after ${size} bytes:\n${speaker.output}`,
    );
    const seconds = (performance.now() - started) / 1000;
    const got = countUpdateEvents(readText(events));
    console.log(
      `fast helper: ${got.prefixes} prefixes in ${got.updates} events, ${(size / 1e6).toFixed(1)} MB in ` +
        `${seconds.toFixed(1)} s (${Math.round(got.prefixes / seconds)} prefixes/s)`,
    );
    assert.equal(got.badLines, 0);
    assert.equal(got.updates, table.updates);
    assert.equal(got.prefixes, PREFIXES);
    assert.ok(!speaker.lines.some((l) => /dropped|not reading/.test(l)), speaker.output);
    assert.ok(speaker.running);
  });
});
