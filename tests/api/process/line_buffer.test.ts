/** Framing of helper output with read boundaries kept and a bound on line length. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LineBuffer } from "../../../lib/api/line_buffer.ts";

const enc = new TextEncoder();

describe("LineBuffer", () => {
  it("returns the complete lines of each chunk and keeps the rest", () => {
    const b = new LineBuffer(100, () => assert.fail("no overflow"));
    assert.deepEqual(b.push(enc.encode("announce route 10.0.0.0/8 next-hop self\nwith")), [
      "announce route 10.0.0.0/8 next-hop self",
    ]);
    assert.deepEqual(b.push(enc.encode("draw route")), []);
    assert.deepEqual(b.push(enc.encode(" 10.0.0.0/8\r\n\nshutdown\n")), [
      "withdraw route 10.0.0.0/8",
      "",
      "shutdown",
    ]);
    assert.equal(b.end(), undefined);
  });

  it("joins a UTF-8 character split across chunks", () => {
    const b = new LineBuffer(100, () => {});
    const bytes = enc.encode("é\n");
    assert.deepEqual(b.push(bytes.subarray(0, 1)), []);
    assert.deepEqual(b.push(bytes.subarray(1)), ["é"]);
  });

  it("gives the last line without newline at the end", () => {
    const b = new LineBuffer(100, () => {});
    b.push(enc.encode("a\nb"));
    assert.equal(b.end(), "b");
  });

  it("discards a line longer than the limit, across chunks, and reports it once", () => {
    const overflows: number[] = [];
    const b = new LineBuffer(10, (n) => overflows.push(n));
    assert.deepEqual(b.push(enc.encode("ok\n" + "x".repeat(8))), ["ok"]);
    assert.deepEqual(b.push(enc.encode("x".repeat(8))), []);
    assert.deepEqual(b.push(enc.encode("x".repeat(50))), []);
    assert.deepEqual(b.push(enc.encode("xx\nnext\n")), ["next"]);
    assert.equal(overflows.length, 1);
    // A long line inside one chunk is dropped as well.
    assert.deepEqual(b.push(enc.encode("y".repeat(11) + "\nz\n")), ["z"]);
    assert.equal(overflows.length, 2);
  });
});
