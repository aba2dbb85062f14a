/**
 * BRIEF lesson 6, the slow side: a helper that reads its stdin slowly but steadily must still get every
 * event of what the peer sends. The speaker stops reading the peer's socket while the helper's queue is
 * over half full (lib/api/receive_gate.ts) instead of dropping events. The queue is capped at 256 KiB
 * (`exabgp_api_queue`) and the helper reads about 1 MB/s, so the ~3 MB of events of a 20,000-prefix table
 * would overflow queue and pipe many times over without that back-pressure.
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

const PREFIXES = 20_000;
const QUEUE_BYTES = 256 * 1024;

describe("API: a helper that reads its events slowly", () => {
  let t: E2E | undefined;
  afterEach(() => t?.close(["helper.pid"]));

  it(`gets every event of ${PREFIXES} prefixes: the peer's socket waits, no event is dropped`, {
    timeout: 120_000,
  }, async () => {
    t = new E2E("e2e-slow-events");
    await t.listen();
    const events = t.path("events.json");
    // 16 KiB per read, then 10 ms of sleep: about 1 MB/s, steadily.
    const run = t.script(
      "helper.sh",
      `echo $$ > ${t.path("helper.pid")}\nwhile dd bs=16384 count=1 status=none >> ${events}; do sleep 0.01; done`,
    );
    t.writeConf(
      processBlock("events", run, "json") +
        neighborBlock({
          port: t.port,
          extra: "  api {\n    processes [ events ];\n    receive { parsed; update; }\n  }\n",
        }),
    );
    const table = buildTable(PREFIXES, PEER_AS, "192.0.2.2");
    const speaker = t.start({ exabgp_api_queue: String(QUEUE_BYTES) });
    await t.established();
    const socket = t.peer.connections.at(-1)!.socket;
    const started = performance.now();
    for (const chunk of table.chunks) socket.write(chunk);

    await waitFor(
      () => {
        if (speaker.lines.some((l) => /not reading its stdin|dropped/.test(l))) {
          throw new Error(`the speaker dropped events for a helper that reads steadily:\n${speaker.output}`);
        }
        return /"eor"/.test(tailText(events, 4096)); // the End-of-RIB event follows the last UPDATE
      },
      100_000,
      () => `no End-of-RIB event after ${statSync(events, { throwIfNoEntry: false })?.size ?? 0} bytes:\n${speaker.output}`,
    );
    const seconds = (performance.now() - started) / 1000;
    const got = countUpdateEvents(readText(events));
    const size = statSync(events).size;
    console.log(
      `slow helper: ${got.prefixes} prefixes in ${got.updates} events, ${(size / 1e6).toFixed(1)} MB in ` +
        `${seconds.toFixed(1)} s`,
    );
    assert.ok(size > 4 * QUEUE_BYTES + 1024 * 1024, `${size} bytes of events: too few to need back-pressure`);
    assert.equal(got.badLines, 0);
    assert.equal(got.updates, table.updates);
    assert.equal(got.prefixes, PREFIXES);
    assert.ok(speaker.running);
    assert.equal(t.peer.connections.length, 1, "the session stayed up");
  });
});
