import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BgpError } from "../../../lib/bgp/error.ts";
import { checkHeader, frame, HEADER_SIZE, MARKER } from "../../../lib/bgp/message/header.ts";
import { fromHex, toHex } from "./hex.ts";

const M = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

function header(length: number, type: number): Uint8Array {
  return fromHex(M + length.toString(16).padStart(4, "0") + type.toString(16).padStart(2, "0"));
}

function headerError(buf: Uint8Array, maxSize = 4096): BgpError {
  try {
    checkHeader(buf, 0, maxSize);
  } catch (e) {
    assert.ok(e instanceof BgpError);
    return e;
  }
  assert.fail("checkHeader accepted a bad header");
}

describe("message header (RFC 4271 §4.1)", () => {
  it("frames a KEEPALIVE as the 19 bytes every BGP speaker sends", () => {
    assert.equal(HEADER_SIZE, 19);
    assert.equal(toHex(MARKER), M);
    assert.equal(toHex(frame(4, new Uint8Array(0))), M + "001304");
  });

  it("frames the IPv4 End-of-RIB of the conformance suite", () => {
    assert.equal(toHex(frame(2, new Uint8Array(4))), M + "00170200000000");
  });

  it("reads length and type, at an offset", () => {
    const buf = new Uint8Array(3 + 23);
    buf.set(header(23, 5), 3);
    assert.deepEqual(checkHeader(buf, 3, 4096), { length: 23, type: 5 });
    assert.deepEqual(checkHeader(header(29, 1), 0, 4096), { length: 29, type: 1 });
    assert.deepEqual(checkHeader(header(4096, 2), 0, 4096), { length: 4096, type: 2 });
    assert.deepEqual(checkHeader(header(65535, 2), 0, 65535), { length: 65535, type: 2 });
  });

  it("rejects a marker that is not all ones with 1/1", () => {
    const buf = header(19, 4);
    buf[7] = 0xfe;
    const e = headerError(buf);
    assert.equal(e.code, 1);
    assert.equal(e.subcode, 1);
  });

  const badLengths: [string, number, number, number][] = [
    ["shorter than a header", 18, 4, 4096],
    ["longer than 4096 without extended message", 4097, 2, 4096],
    ["OPEN below 29", 28, 1, 4096],
    ["UPDATE below 23", 22, 2, 4096],
    ["KEEPALIVE with a body", 20, 4, 4096],
    ["NOTIFICATION below 21", 20, 3, 4096],
    ["ROUTE-REFRESH not 23", 24, 5, 4096],
    ["OPEN above 4096 even with extended message (RFC 8654 §4)", 4097, 1, 65535],
  ];
  for (const [what, length, type, max] of badLengths) {
    it(`rejects ${what} with 1/2 and the length field as data`, () => {
      const e = headerError(header(length, type), max);
      assert.equal(e.code, 1);
      assert.equal(e.subcode, 2);
      assert.deepEqual(e.data, new Uint8Array([length >> 8, length & 0xff]));
    });
  }

  it("leaves unknown types to the dispatcher", () => {
    assert.deepEqual(checkHeader(header(19, 255), 0, 4096), { length: 19, type: 255 });
  });
});
