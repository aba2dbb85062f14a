/**
 * ExaBGP 5.0.13's captured text stream (reference/exabgp-5.0-events, `encoder text;`) re-produced event by
 * event from the same messages. The writer appends "\n" to each event, hence 5.0's blank lines.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TextEventEncoder } from "../../lib/api/text.ts";
import { decodeOpen } from "../../lib/bgp/message/open.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { DEFAULT_CONTEXT } from "../../lib/bgp/types.ts";
import {
  capturedText,
  captureNeighbor,
  eorIpv4Body,
  eorIpv6Body,
  receivedOpenBody,
  receivedUpdateBody,
  sentOpen,
  sentUpdateBody,
} from "./fixtures.ts";

describe("text events match ExaBGP 5.0.13's captured stream", () => {
  const enc = new TextEventEncoder({ pid: 18683, ppid: 17900 });
  const n = captureNeighbor();
  const ctx = DEFAULT_CONTEXT;
  const events = [
    enc.connected(n),
    enc.open(n, "send", sentOpen),
    enc.open(n, "receive", decodeOpen(receivedOpenBody)),
    enc.keepalive(n, "receive"),
    enc.up(n),
    enc.update(n, "receive", decodeUpdate(receivedUpdateBody, ctx)),
    enc.update(n, "send", decodeUpdate(sentUpdateBody, ctx)),
    enc.keepalive(n, "receive"),
    enc.update(n, "send", decodeUpdate(eorIpv4Body, ctx)),
    enc.update(n, "send", decodeUpdate(eorIpv6Body, ctx)),
    enc.keepalive(n, "receive"),
    enc.shutdown(),
  ];
  const expected = capturedText().split(/(?<=\n)\n/).filter((e) => e !== "");

  it("each event equals the captured one", () => {
    assert.equal(events.length, expected.length);
    for (let i = 0; i < events.length; i++) assert.equal(events[i], expected[i], `event ${i}`);
  });

  it("the whole stream, blank lines included, is byte-identical", () => {
    assert.equal(events.map((e) => e + "\n").join(""), capturedText());
  });

  it("fsm, negotiated and signal have no text form", () => {
    assert.equal(enc.fsm(), undefined);
    assert.equal(enc.negotiated(), undefined);
    assert.equal(enc.signal(), undefined);
  });
});
