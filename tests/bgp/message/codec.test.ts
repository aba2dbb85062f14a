import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, unknownMessageNotification } from "../../../lib/bgp/message/codec.ts";
import { shutdownNotification } from "../../../lib/bgp/message/notification.ts";
import { DEFAULT_CONTEXT, type Message } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "./hex.ts";

const M = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";
const ctx = DEFAULT_CONTEXT;

function decodeFull(hex: string): Message {
  const bytes = fromHex(hex);
  return decodeMessage(bytes[18], bytes.subarray(19), ctx);
}

describe("message dispatcher", () => {
  // Full messages from the conformance suite; each must decode to its kind and encode to the same bytes.
  const ROUND_TRIPS: [string, Message["type"], string][] = [
    [
      "OPEN (conf-cap-software-version)",
      "open",
      M + "0049" + "01" +
      "04FFFD00B40A0000022C0206010400010001020641040000FFFD0202060002164B14134578614247502F352E302E302D302B74657374",
    ],
    ["KEEPALIVE", "keepalive", M + "0013" + "04"],
    [
      "NOTIFICATION (api-teardown)",
      "notification",
      M + "002A" + "03" + "06041441646D696E697374726174697665205265736574",
    ],
    ["ROUTE-REFRESH EoRR (api-rr-rib)", "route-refresh", M + "0017" + "05" + "00010201"],
    ["IPv4 End-of-RIB", "update", M + "0017" + "02" + "00000000"],
  ];
  for (const [what, type, hex] of ROUND_TRIPS) {
    it(`${what}: decodes and re-encodes byte for byte`, () => {
      const msg = decodeFull(hex);
      assert.equal(msg.type, type);
      assert.equal(toHex(encodeMessage(msg, ctx)), hex);
    });
  }

  it("hands UPDATEs to the UPDATE codec (decoding ipv4-unicast-1)", () => {
    const msg = decodeFull(
      M + "003C" + "02" +
        "0000001C4001010040020040030465016501800404000000C840050400000064000000002001010101",
    );
    assert.equal(msg.type, "update");
    if (msg.type !== "update") return;
    assert.equal(msg.announced.length, 5); // four 0.0.0.0/0 and 1.1.1.1/32, per the vector's JSON
    assert.deepEqual(msg.attributes.map((a) => a.code), [1, 2, 3, 4, 5]);
    const again = encodeMessage(msg, ctx);
    assert.deepEqual(decodeMessage(again[18], again.subarray(19), ctx), msg);
  });

  it("returns unknown types with their body and frames them back", () => {
    const msg = decodeFull(M + "0015" + "FF" + "ABCD");
    assert.deepEqual(msg, { type: "unknown", code: 255, body: fromHex("ABCD") });
    assert.equal(toHex(encodeMessage(msg, ctx)), M + "0015" + "FF" + "ABCD");
  });

  it("answers an unknown type the way ExaBGP does (encoding/unknown-message.msg)", () => {
    const n = unknownMessageNotification(255);
    assert.equal(
      toHex(encodeMessage(n, ctx)),
      M + "0039" + "03" + "010363616E206E6F74206465636F6465206D657373616765206F662074797065202232353522",
    );
  });

  it("encodes a NOTIFICATION built by helpers", () => {
    const bytes = encodeMessage(shutdownNotification(2, ""), ctx);
    assert.equal(toHex(bytes), M + "0016" + "03" + "060200");
  });
});
