import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { frame } from "../../../lib/bgp/message/header.ts";
import {
  decodeNotification,
  describeNotification,
  encodeNotification,
  notification,
  shutdownCommunication,
  shutdownNotification,
} from "../../../lib/bgp/message/notification.ts";
import { fromHex, toHex } from "./hex.ts";

const M = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";
// encoding/api-teardown.msg (and the README): `teardown 4` is Cease/4 with RFC 9003 text.
const TEARDOWN = M + "002A" + "03" + "06041441646D696E697374726174697665205265736574";

describe("NOTIFICATION (RFC 4271 §4.5)", () => {
  it("encodes the conformance teardown NOTIFICATION (RFC 9003 Administrative Reset)", () => {
    const n = shutdownNotification(4, "Administrative Reset");
    assert.equal(toHex(frame(3, encodeNotification(n))), TEARDOWN);
  });

  it("decodes it back with its shutdown communication", () => {
    const n = decodeNotification(fromHex(TEARDOWN).subarray(19));
    assert.equal(n.code, 6);
    assert.equal(n.subcode, 4);
    assert.equal(shutdownCommunication(n), "Administrative Reset");
    assert.equal(describeNotification(n), "Cease / Administrative Reset");
  });

  it("round-trips code, subcode and data", () => {
    const n = notification(2, 1, new Uint8Array([0, 4]));
    const body = encodeNotification(n);
    assert.equal(toHex(body), "02010004");
    assert.deepEqual(decodeNotification(body), n);
  });

  it("decodes a body without data, and never throws on a short one", () => {
    assert.deepEqual(decodeNotification(fromHex("0400")), notification(4, 0));
    assert.deepEqual(decodeNotification(new Uint8Array(0)), notification(0, 0));
  });

  it("encodes UTF-8 shutdown text with its byte length (RFC 9003 §2)", () => {
    const n = shutdownNotification(2, "café");
    assert.equal(toHex(n.data), "05636166C3A9");
    assert.equal(shutdownCommunication(n), "café");
  });

  it("cuts a long shutdown text to 128 bytes on a character boundary", () => {
    const n = shutdownNotification(2, "é".repeat(100)); // 200 bytes of 2-byte characters
    assert.equal(n.data[0], 128);
    assert.equal(n.data.length, 129);
    assert.equal(shutdownCommunication(n), "é".repeat(64));
    const odd = shutdownNotification(2, "a" + "é".repeat(100)); // boundary falls inside a character
    assert.equal(odd.data[0], 127);
    assert.equal(shutdownCommunication(odd), "a" + "é".repeat(63));
  });

  it("finds no shutdown communication where there is none or it is malformed", () => {
    assert.equal(shutdownCommunication(notification(6, 2)), undefined);
    assert.equal(shutdownCommunication(notification(6, 3, fromHex("0141"))), undefined); // not 2/4
    assert.equal(shutdownCommunication(notification(6, 2, fromHex("0541"))), undefined); // overrun
    assert.equal(shutdownCommunication(notification(6, 2, fromHex("02C328"))), undefined); // bad UTF-8
    assert.equal(shutdownCommunication(notification(6, 2, fromHex("00"))), "");
  });

  it("names codes and subcodes as the IANA registry does", () => {
    assert.equal(
      describeNotification(notification(1, 1)),
      "Message Header Error / Connection Not Synchronized",
    );
    assert.equal(describeNotification(notification(1, 3)), "Message Header Error / Bad Message Type");
    assert.equal(describeNotification(notification(2, 2)), "OPEN Message Error / Bad Peer AS");
    assert.equal(describeNotification(notification(2, 6)), "OPEN Message Error / Unacceptable Hold Time");
    assert.equal(describeNotification(notification(3, 11)), "UPDATE Message Error / Malformed AS_PATH");
    assert.equal(describeNotification(notification(4, 0)), "Hold Timer Expired / Unspecific");
    assert.equal(describeNotification(notification(6, 2)), "Cease / Administrative Shutdown");
    assert.equal(
      describeNotification(notification(7, 1)),
      "ROUTE-REFRESH Message Error / Invalid Message Length",
    );
    assert.equal(describeNotification(notification(42, 7)), "unknown error code 42 / unknown subcode 7");
  });
});
