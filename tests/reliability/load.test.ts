/**
 * Load, the CI size (scripts/load.ts runs 100 sessions × 10k routes): one speaker, 20 sessions on as many
 * 127.0.0.x addresses, 2,000 routes each from an API helper. Every session is established, every route is
 * delivered to its own peer and nowhere else, no session resets, and no KEEPALIVE arrives later than its
 * interval + 1 s. Peak RSS and CPU are printed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { describeLoad, type LoadOptions, runLoad } from "../helpers/load_run.ts";

const OPTIONS: LoadOptions = { sessions: 20, routes: 2_000, holdTime: 9, timeoutMs: 20_000, minRunMs: 7_000 };

describe("load", () => {
  it(
    "20 sessions × 2,000 routes: all up, all delivered, keepalives on time",
    { timeout: 60_000 },
    async () => {
      const r = await runLoad(OPTIONS);
      for (const line of describeLoad(OPTIONS, r)) console.log(line);
      assert.equal(r.established, OPTIONS.sessions, r.output);
      assert.deepEqual(r.incomplete, [], r.output);
      assert.equal(r.delivered, r.expected);
      assert.equal(r.resets, 0, r.output);
      assert.ok(
        r.maxKeepaliveGapMs <= r.keepaliveIntervalMs + 1000,
        `a keepalive came ${
          r.maxKeepaliveGapMs.toFixed(0)
        } ms after the previous one (interval ${r.keepaliveIntervalMs} ms)`,
      );
    },
  );
});
