import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BgpError } from "../../../lib/bgp/error.ts";
import { MessageReader, type RawMessage } from "../../../lib/bgp/message/reader.ts";
import { fromHex, toHex } from "./hex.ts";

const M = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";
// A session's worth of conformance messages: OPEN (conf-hostname), KEEPALIVE, UPDATE (decoding
// ipv4-unicast-1), MP End-of-RIB, ROUTE-REFRESH, NOTIFICATION (api-teardown).
const MESSAGES = [
  M + "0055" + "01" +
  "04FFFD00B40A000002380206010400010001020641040000FFFD02020600022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D",
  M + "0013" + "04",
  M + "003C" + "02" + "0000001C4001010040020040030465016501800404000000C840050400000064000000002001010101",
  M + "001E" + "02" + "00000007900F0003000201",
  M + "0017" + "05" + "00010001",
  M + "002A" + "03" + "06041441646D696E697374726174697665205265736574",
];
const STREAM = fromHex(MESSAGES.join(""));
const EXPECTED = MESSAGES.map((hex) => ({ type: parseInt(hex.slice(36, 38), 16), body: hex.slice(38) }));

function drain(reader: MessageReader, out: { type: number; body: string }[], kept?: RawMessage[]): void {
  for (let m = reader.next(4096); m; m = reader.next(4096)) {
    out.push({ type: m.type, body: toHex(m.body) });
    kept?.push(m);
  }
}

describe("MessageReader", () => {
  it("frames a stream pushed in one chunk", () => {
    const reader = new MessageReader();
    reader.push(STREAM);
    const out: { type: number; body: string }[] = [];
    drain(reader, out);
    assert.deepEqual(out, EXPECTED);
    assert.equal(reader.buffered, 0);
  });

  it("frames the stream split in two at every byte boundary", () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const reader = new MessageReader();
      const out: { type: number; body: string }[] = [];
      reader.push(STREAM.slice(0, cut));
      drain(reader, out);
      reader.push(STREAM.slice(cut));
      drain(reader, out);
      assert.deepEqual(out, EXPECTED, `cut at ${cut}`);
    }
  });

  it("frames the stream fed one byte at a time", () => {
    const reader = new MessageReader();
    const out: { type: number; body: string }[] = [];
    for (let i = 0; i < STREAM.length; i++) {
      reader.push(STREAM.slice(i, i + 1));
      drain(reader, out);
    }
    assert.deepEqual(out, EXPECTED);
    assert.equal(reader.buffered, 0);
  });

  it("returns bodies that stay valid after later pushes", () => {
    // Chunks of 7 bytes, the producer then overwrites nothing but keeps pushing: every body taken
    // early must still read the same at the end.
    const reader = new MessageReader();
    const kept: RawMessage[] = [];
    const out: { type: number; body: string }[] = [];
    for (let i = 0; i < STREAM.length; i += 7) {
      reader.push(STREAM.slice(i, i + 7));
      drain(reader, out, kept);
    }
    assert.deepEqual(kept.map((m) => ({ type: m.type, body: toHex(m.body) })), EXPECTED);
  });

  it("waits for a whole message and counts what it holds", () => {
    const reader = new MessageReader();
    reader.push(STREAM.slice(0, 18));
    assert.equal(reader.next(4096), undefined);
    reader.push(STREAM.slice(18, 40));
    assert.equal(reader.next(4096), undefined);
    assert.equal(reader.buffered, 40);
  });

  it("throws the header errors as soon as a header is complete", () => {
    const reader = new MessageReader();
    const bad = fromHex(M + "0013" + "04");
    bad[0] = 0;
    reader.push(bad.subarray(0, 10));
    assert.equal(reader.next(4096), undefined);
    reader.push(bad.subarray(10));
    assert.throws(
      () => reader.next(4096),
      (e: unknown) => e instanceof BgpError && e.code === 1 && e.subcode === 1,
    );
  });

  it("enforces the size limit it is given (RFC 8654)", () => {
    const big = new Uint8Array(5000);
    big.fill(0xff, 0, 16);
    big[16] = 5000 >> 8;
    big[17] = 5000 & 0xff;
    big[18] = 2;
    const reader = new MessageReader();
    reader.push(big);
    assert.throws(
      () => reader.next(4096),
      (e: unknown) => e instanceof BgpError && e.code === 1 && e.subcode === 2,
    );
    const m = reader.next(65535);
    assert.equal(m?.body.length, 5000 - 19);
  });

  it("copes with many tiny chunks across many messages", () => {
    const reader = new MessageReader();
    let count = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < STREAM.length; i += 3) reader.push(STREAM.slice(i, i + 3));
      for (let m = reader.next(4096); m; m = reader.next(4096)) count++;
    }
    assert.equal(count, 50 * MESSAGES.length);
    assert.equal(reader.buffered, 0);
  });
});
