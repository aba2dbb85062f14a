/**
 * Pacing of helper answers (lib/api/pacer.ts, lib/api/answer_flow.ts): slices of work with event-loop turns
 * between them, and room in a helper's write queue — waited for while the helper reads, not once it stalls.
 * The helper is a fake whose queue size the test drives; no clock is asserted, only what happened in order.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Pacer } from "../../lib/api/pacer.ts";
import { AnswerFlow, type AnswerSink, CHUNK_BYTES } from "../../lib/api/answer_flow.ts";

const CAPACITY = 1024 * 1024;

/** A helper whose queued bytes the test sets; counts how often the flow looked. */
class FakeHelper implements AnswerSink {
  running = true;
  queued = 0;
  looks = 0;
  get stats() {
    this.looks++;
    return { queuedBytes: this.queued };
  }
}

describe("Pacer", () => {
  it("is due only once the slice has run, checking the clock every 64 units", () => {
    const p = new Pacer(0);
    for (let i = 1; i < 64; i++) assert.equal(p.due(), false, `unit ${i}`);
    assert.equal(p.due(), true);
    const long = new Pacer(60_000);
    for (let i = 0; i < 1000; i++) assert.equal(long.due(), false);
  });

  it("a timer that falls due during paced work fires before the work ends (it would not without pauses)", async () => {
    let firedAfter = -1;
    let units = 0;
    setTimeout(() => (firedAfter = units), 5);
    const pacer = new Pacer(2);
    const end = performance.now() + 100;
    // 100 ms of busy work in units; a timer can only fire while the pacer pauses.
    while (performance.now() < end) {
      units++;
      if (pacer.due()) await pacer.pause();
    }
    assert.ok(firedAfter >= 0, "the timer never fired during the work");
    assert.ok(firedAfter < units, `fired after ${firedAfter} of ${units} units`);
  });
});

describe("AnswerFlow", () => {
  it("below a chunk it only yields; past a chunk with room it does not wait", async () => {
    const h = new FakeHelper();
    const flow = new AnswerFlow(h, CAPACITY, undefined, 60_000);
    assert.equal(flow.wrote(100), false);
    assert.equal(flow.wrote(CHUNK_BYTES), true);
    await flow.pause();
    assert.equal(flow.stalled, false);
  });

  it("with a full queue it waits while the helper reads, and goes on once there is room", async () => {
    const h = new FakeHelper();
    h.queued = CAPACITY;
    const flow = new AnswerFlow(h, CAPACITY, undefined, 60_000);
    flow.wrote(CHUNK_BYTES);
    let resumed = false;
    const paused = flow.pause().then(() => (resumed = true));
    // The helper reads a little, then enough: the flow resumes only after the second read.
    for (const left of [CAPACITY - 1000, CAPACITY - 2 * CHUNK_BYTES]) {
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(resumed, false, `resumed with ${h.queued} bytes queued`);
      h.queued = left;
    }
    await paused;
    assert.equal(flow.stalled, false);
  });

  it("a helper that reads nothing is declared stalled, then no longer waited for until it reads", async () => {
    const h = new FakeHelper();
    h.queued = CAPACITY;
    const stalls: number[] = [];
    const flow = new AnswerFlow(h, CAPACITY, (queued) => stalls.push(queued), 50);
    flow.wrote(CHUNK_BYTES);
    await flow.pause(); // waits the 50 ms stall
    assert.equal(flow.stalled, true);
    assert.deepEqual(stalls, [CAPACITY], "told once, with the bytes queued");
    const looks = h.looks;
    flow.wrote(CHUNK_BYTES);
    await flow.pause();
    assert.equal(h.looks - looks, 1, "a stalled helper is looked at once, not polled");
    assert.equal(stalls.length, 1, "one stall, told once");
    // It reads again: flow control is back (it waits for room, and gets it here).
    h.queued = CAPACITY - 2 * CHUNK_BYTES;
    flow.wrote(CHUNK_BYTES);
    await flow.pause();
    assert.equal(flow.stalled, false);
  });

  it("does not wait for a helper that is not running (its queue is gone)", async () => {
    const h = new FakeHelper();
    h.queued = CAPACITY;
    h.running = false;
    const flow = new AnswerFlow(h, CAPACITY, undefined, 60_000);
    flow.wrote(CHUNK_BYTES);
    await flow.pause();
    assert.equal(flow.stalled, false);
  });
});
