import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchWriter } from "../../lib/session/writer.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sink that records each write; `gate` (when set) holds writes until opened. */
function sink() {
  const writes: Uint8Array[] = [];
  let release: (() => void) | undefined;
  const state = { blocked: false };
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      writes.push(chunk.slice());
      if (!state.blocked) return;
      return new Promise<void>((r) => (release = r));
    },
  });
  return {
    stream,
    writes,
    block: () => (state.blocked = true),
    open: () => {
      state.blocked = false;
      release?.();
    },
  };
}

const msg = (tag: number, size = 19) => new Uint8Array(size).fill(tag);

describe("BatchWriter", () => {
  it("messages queued in one turn leave in one write, in order", async () => {
    const s = sink();
    const w = new BatchWriter(s.stream);
    for (let i = 1; i <= 100; i++) w.push(msg(i));
    await w.idle();
    assert.equal(s.writes.length, 1);
    assert.equal(s.writes[0].length, 1900);
    assert.equal(s.writes[0][0], 1);
    assert.equal(s.writes[0][1899], 100);
  });

  it("urgent messages go first in the next chunk", async () => {
    const s = sink();
    const w = new BatchWriter(s.stream);
    w.push(msg(1));
    w.urgent(msg(9));
    await w.idle();
    assert.deepEqual([s.writes[0][0], s.writes[0][19]], [9, 1]);
  });

  it("pulls a source in bounded chunks, and a KEEPALIVE waits at most one chunk", async () => {
    const s = sink();
    const w = new BatchWriter(s.stream, { chunkSize: 1000 });
    let given = 0;
    const budgets: number[] = [];
    w.setSource((budget) => {
      budgets.push(budget);
      const out: Uint8Array[] = [];
      for (let size = 0; size < budget && given < 500; size += 50, given++) {
        // The keepalive timer fires while message 200 is being handed out.
        if (given === 200) w.urgent(msg(4));
        out.push(msg(1, 50));
      }
      return out;
    });
    await w.idle();
    assert.equal(given, 500);
    assert.ok(budgets.every((b) => b <= 1000));
    for (const c of s.writes) assert.ok(c.length <= 1000 + 50, `chunk of ${c.length}`);
    // The write holding message 200 (bytes 10000..10050) is followed directly by the keepalive's.
    let at = 0;
    const holding = s.writes.findIndex((c) => (at += c.length) > 200 * 50);
    assert.equal(s.writes[holding + 1][0], 4);
    assert.equal(s.writes.reduce((n, c) => n + c.length, 0), 500 * 50 + 19);
  });

  it("does not pull the source while a write is pending (back-pressure)", async () => {
    const s = sink();
    s.block();
    const w = new BatchWriter(s.stream, { chunkSize: 100 });
    let pulls = 0;
    w.setSource(() => (pulls++, [msg(1, 100)]));
    await sleep(30);
    assert.equal(s.writes.length, 1);
    assert.equal(pulls, 1);
    s.open();
    await sleep(10);
    assert.ok(pulls > 1);
    w.setSource(undefined);
    await w.idle();
  });

  it("reports a stall when a write waits longer than stallMs", async () => {
    const s = sink();
    s.block();
    let stalled = 0;
    const w = new BatchWriter(s.stream, { stalled: () => stalled++ });
    w.stallMs = 50;
    w.push(msg(1));
    await sleep(20);
    assert.equal(stalled, 0);
    await sleep(60);
    assert.equal(stalled, 1);
    w.abort();
  });

  it("discard() drops the table but keeps urgent messages", async () => {
    const s = sink();
    const w = new BatchWriter(s.stream);
    w.push(msg(1));
    w.discard();
    w.urgent(msg(3));
    await w.idle();
    assert.equal(s.writes.length, 1);
    assert.equal(s.writes[0].length, 19);
    assert.equal(s.writes[0][0], 3);
  });
});
