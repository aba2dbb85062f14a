import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter, readLines } from "../../lib/runtime/lines.ts";

/** Feeds `chunks` through a LineSplitter and collects the lines. */
async function split(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  const source = new ReadableStream<string>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  const reader = source.pipeThrough(new LineSplitter()).getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

function bytes(...parts: (string | number[])[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(typeof p === "string" ? enc.encode(p) : new Uint8Array(p));
      c.close();
    },
  });
}

describe("LineSplitter", () => {
  it("splits on newlines within one chunk", async () => {
    assert.deepEqual(await split(["a\nbb\nccc\n"]), ["a", "bb", "ccc"]);
  });

  it("joins a line spread over several chunks", async () => {
    assert.deepEqual(await split(["announce ", "route 10.0.0.0/8", " next-hop self\nwith", "draw\n"]), [
      "announce route 10.0.0.0/8 next-hop self",
      "withdraw",
    ]);
  });

  it("emits the last line when the input ends without a newline", async () => {
    assert.deepEqual(await split(["one\ntwo"]), ["one", "two"]);
    assert.deepEqual(await split(["only"]), ["only"]);
  });

  it("emits nothing more for a trailing newline, and nothing for empty input", async () => {
    assert.deepEqual(await split(["x\n"]), ["x"]);
    assert.deepEqual(await split([]), []);
    assert.deepEqual(await split(["", ""]), []);
  });

  it("keeps empty lines", async () => {
    assert.deepEqual(await split(["a\n\n\nb\n"]), ["a", "", "", "b"]);
    assert.deepEqual(await split(["\n"]), [""]);
  });

  it("strips \\r before \\n, also when they arrive in different chunks", async () => {
    assert.deepEqual(await split(["a\r\nb\r", "\nc\r\n"]), ["a", "b", "c"]);
    assert.deepEqual(await split(["last\r"]), ["last"]);
  });

  it("keeps a \\r that is not at the end of a line", async () => {
    assert.deepEqual(await split(["a\rb\n"]), ["a\rb"]);
  });

  it("handles one character per chunk", async () => {
    assert.deepEqual(await split([..."ab\r\ncd\n\nef"]), ["ab", "cd", "", "ef"]);
  });
});

describe("readLines", () => {
  it("decodes UTF-8 split inside a character across chunks", async () => {
    // "é" is C3 A9; "€" is E2 82 AC: each cut between chunks.
    const lines: string[] = [];
    for await (
      const l of readLines(bytes([0x63, 0x61, 0x66, 0xc3], [0xa9, 0x0a, 0xe2, 0x82], [0xac, 0x31]))
    ) {
      lines.push(l);
    }
    assert.deepEqual(lines, ["café", "€1"]);
  });

  it("cancels the source when the consumer stops early", async () => {
    let cancelled = false;
    const enc = new TextEncoder();
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(enc.encode("line\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    let n = 0;
    for await (const _ of readLines(source)) if (++n === 3) break;
    assert.equal(n, 3);
    // The cancel travels back through the pipes asynchronously.
    for (let i = 0; i < 100 && !cancelled; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(cancelled, true);
  });
});
