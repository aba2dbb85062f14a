/** The bounded helper write queue and its drop policy (lesson 6: writes to helpers never block). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WriteQueue } from "../../../lib/api/write_queue.ts";

/** Everything left, as lines. */
function drain(q: WriteQueue): string[] {
  const out: string[] = [];
  let chunk: string | undefined;
  while ((chunk = q.take(1 << 20)) !== undefined) out.push(...chunk.split("\n").slice(0, -1));
  return out;
}

describe("WriteQueue", () => {
  it("keeps order and counts a newline per line", () => {
    const q = new WriteQueue(1000);
    q.push("a", "event");
    q.push("done", "answer");
    q.push("bc", "event");
    assert.equal(q.bytes, 2 + 5 + 3);
    assert.equal(q.length, 3);
    assert.deepEqual(drain(q), ["a", "done", "bc"]);
    assert.equal(q.bytes, 0);
  });

  it("hands out chunks of about the requested size, at least one line each", () => {
    const q = new WriteQueue(1000);
    for (let i = 0; i < 10; i++) q.push("x".repeat(9), "event"); // 10 bytes each
    assert.equal(q.take(25), "xxxxxxxxx\n".repeat(3));
    assert.equal(q.take(1), "xxxxxxxxx\n");
    assert.equal(q.bytes, 60);
  });

  it("evicts the oldest events, never an answer, when an event does not fit", () => {
    const q = new WriteQueue(20);
    q.push("e1-----", "event"); // 8
    q.push("done", "answer"); // 5
    q.push("e2-----", "event"); // 8 → 21 > 20: e1 goes
    assert.deepEqual(q.dropped, { events: 1, answers: 0, bytes: 8 });
    assert.deepEqual(drain(q), ["done", "e2-----"]);
  });

  it("drops the incoming event when only answers are queued", () => {
    const q = new WriteQueue(12);
    q.push("done", "answer");
    q.push("done", "answer");
    assert.equal(q.push("event", "event"), false);
    assert.deepEqual(drain(q), ["done", "done"]);
    assert.equal(q.dropped.events, 1);
  });

  it("an answer evicts events first, then the oldest answers", () => {
    const q = new WriteQueue(15);
    q.push("error", "answer"); // 6
    q.push("ev", "event"); // 3
    q.push("done", "answer"); // 5 → 14
    q.push("done2", "answer"); // 6: evicts "ev" (11), still 17 > 15: evicts "error"
    assert.deepEqual(q.dropped, { events: 1, answers: 1, bytes: 9 });
    assert.deepEqual(drain(q), ["done", "done2"]);
  });

  it("stays under its cap for a million lines", () => {
    const q = new WriteQueue(64 * 1024);
    let max = 0;
    for (let i = 0; i < 1_000_000; i++) {
      q.push(i % 3 === 0 ? "done" : `update ${i}`, i % 3 === 0 ? "answer" : "event");
      if (q.bytes > max) max = q.bytes;
      if (i % 100_000 === 0) q.take(4096);
    }
    assert.ok(max <= 64 * 1024, `max ${max}`);
    const left = drain(q);
    // Under steady pressure the answers crowd the events out (answers outlive events); the newest stay.
    assert.ok(left.length > 0 && left.every((l) => l === "done"));
    assert.ok(q.dropped.events > 0 && q.dropped.answers > 0);
  });

  it("a queue nobody takes from keeps its memory to the live lines (evicted slots are compacted)", () => {
    const q = new WriteQueue(1000);
    // Events and answers mixed, far past the cap, and never a take(): what a never-reading helper gets.
    const N = 200_000;
    for (let i = 0; i < N; i++) q.push(i % 3 === 0 ? `a${i}` : `e${i}`, i % 3 === 0 ? "answer" : "event");
    assert.ok(q.bytes <= 1000);
    assert.ok(q.slots <= 2 * q.length + 4097, `${q.slots} slots for ${q.length} lines`);
    // Still the policy after all the compactions: once full of answers, events cannot stay and answers evict
    // the oldest answers, so what is left is the newest answers that fit, in order.
    const expected: string[] = [];
    let bytes = 0;
    for (let i = N - 1; i >= 0; i--) {
      if (i % 3 !== 0) continue;
      if (bytes + `a${i}`.length + 1 > 1000) break;
      bytes += `a${i}`.length + 1;
      expected.unshift(`a${i}`);
    }
    assert.deepEqual(drain(q), expected);
  });

  it("drops a line longer than the cap at once", () => {
    const q = new WriteQueue(10);
    q.push("ok", "event");
    assert.equal(q.push("x".repeat(20), "answer"), false);
    assert.deepEqual(drain(q), ["ok"]);
    assert.equal(q.dropped.answers, 1);
  });
});
