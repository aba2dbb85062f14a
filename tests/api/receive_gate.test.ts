/**
 * Back-pressure from a helper's write queue to the sessions (lib/api/receive_gate.ts): over the high mark a
 * session waits until the helper has read its queue under the low mark; a helper that reads nothing is
 * waited for only `stallMs`, then not again until it has read its queue under the low mark. The helper is
 * a fake whose queue size the test drives.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { HIGH_FRACTION, LOW_FRACTION, type QueueView, ReceiveGate } from "../../lib/api/receive_gate.ts";

const CAPACITY = 1000;
const HIGH = CAPACITY * HIGH_FRACTION, LOW = CAPACITY * LOW_FRACTION;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class FakeHelper implements QueueView {
  running = true;
  queuedBytes = 0;
}

/** Shrinks the fake queue by `step` bytes every few milliseconds, down to `floor`. */
async function readDown(h: FakeHelper, floor: number, step: number): Promise<void> {
  while (h.queuedBytes > floor) {
    await sleep(2);
    h.queuedBytes = Math.max(floor, h.queuedBytes - step);
  }
}

describe("ReceiveGate", () => {
  const cases: [string, number, boolean, boolean][] = [
    ["empty queue: read on", 0, true, false],
    ["at the high mark: read on", HIGH, true, false],
    ["over the high mark: wait", HIGH + 1, true, true],
    ["over the high mark, helper not running: read on", CAPACITY, false, false],
  ];
  for (const [name, queued, running, waits] of cases) {
    it(name, () => {
      const h = new FakeHelper();
      h.queuedBytes = queued;
      h.running = running;
      const wait = new ReceiveGate(h, CAPACITY).wait();
      assert.equal(wait !== undefined, waits);
    });
  }

  it("a helper that reads: the wait ends once the queue is under the low mark, not before", async () => {
    const h = new FakeHelper();
    h.queuedBytes = CAPACITY;
    const gate = new ReceiveGate(h, CAPACITY, () => assert.fail("not a stall"), 10_000);
    const wait = gate.wait();
    assert.ok(wait);
    assert.equal(gate.wait(), wait, "every session waits on the same promise");
    let settledAt = -1;
    void wait.then(() => (settledAt = h.queuedBytes));
    await readDown(h, 0, 50);
    await wait;
    assert.ok(settledAt >= 0 && settledAt <= LOW, `settled with ${settledAt} bytes queued`);
    assert.equal(gate.stalled, false);
    assert.equal(gate.wait(), undefined);
  });

  it("a helper that reads nothing: waited for stallMs once, then not until it reads under the low mark", async () => {
    const h = new FakeHelper();
    h.queuedBytes = CAPACITY;
    const stalls: number[] = [];
    const gate = new ReceiveGate(h, CAPACITY, (q) => stalls.push(q), 30);
    const started = performance.now();
    await gate.wait();
    assert.ok(performance.now() - started >= 25, "gave up before stallMs");
    assert.deepEqual(stalls, [CAPACITY]);
    assert.equal(gate.stalled, true);
    assert.equal(gate.wait(), undefined, "a stalled helper is not waited for");
    h.queuedBytes = LOW; // it reads a little: still not under the low mark
    assert.equal(gate.wait(), undefined);
    h.queuedBytes = LOW - 1; // it read its queue down: waited for again once over the high mark
    assert.equal(gate.wait(), undefined);
    assert.equal(gate.stalled, false);
    h.queuedBytes = HIGH + 1;
    const again = gate.wait();
    assert.ok(again);
    h.queuedBytes = 0;
    await again;
    assert.deepEqual(stalls, [CAPACITY], "no second stall");
  });

  it("a helper that exits while waited for ends the wait", async () => {
    const h = new FakeHelper();
    h.queuedBytes = CAPACITY;
    const gate = new ReceiveGate(h, CAPACITY, () => assert.fail("not a stall"), 10_000);
    const wait = gate.wait()!;
    await sleep(10);
    h.running = false;
    await wait;
    assert.equal(gate.stalled, false);
  });
});
