/**
 * ExaBGP 5.0.13's captured JSON stream (reference/exabgp-5.0-events) re-produced from the same messages:
 * each line must equal the captured one exactly once host/pid/ppid/time are injected from it, and as
 * parsed JSON without them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonEncoder, type NeighborContext } from "../../lib/api/json.ts";
import { decodeOpen } from "../../lib/bgp/message/open.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { DEFAULT_CONTEXT } from "../../lib/bgp/types.ts";
import {
  capturedJsonLines,
  captureNegotiated,
  captureNeighbor,
  eorIpv4Body,
  eorIpv6Body,
  receivedOpenBody,
  receivedUpdateBody,
  sentOpen,
  sentUpdateBody,
  withoutVolatile,
} from "./fixtures.ts";

const lines = capturedJsonLines();

/** An encoder whose host/pid/ppid/clock are those of captured line `i`, and a neighbor at its counter. */
function at(i: number): { enc: JsonEncoder; n: NeighborContext; expected: string } {
  const expected = lines[i];
  const o = JSON.parse(expected);
  const enc = new JsonEncoder({ host: o.host, pid: o.pid, ppid: o.ppid, clock: () => o.time });
  const n = captureNeighbor();
  n.counter = (o.counter ?? 1) - 1;
  return { enc, n, expected };
}

function same(actual: string, expected: string): void {
  assert.deepEqual(withoutVolatile(actual), withoutVolatile(expected));
  assert.equal(actual, expected);
}

const ctx = DEFAULT_CONTEXT;

describe("JSON events match ExaBGP 5.0.13's captured stream", () => {
  it("fsm events (counter 1, 2, 4)", () => {
    for (const [i, state] of [[0, "ACTIVE"], [1, "IDLE"], [3, "CONNECT"]] as const) {
      const { enc, n, expected } = at(i);
      same(enc.fsm(n, state), expected);
    }
  });

  it("state connected and up", () => {
    let t = at(2);
    same(t.enc.connected(t.n), t.expected);
    t = at(11);
    same(t.enc.up(t.n), t.expected);
  });

  it("sent open: capabilities keyed by name, unset hostname as null", () => {
    const { enc, n, expected } = at(4);
    same(enc.open(n, "send", sentOpen), expected);
  });

  it("received open (decoded from the wire): capabilities keyed by code", () => {
    const { enc, n, expected } = at(6);
    same(enc.open(n, "receive", decodeOpen(receivedOpenBody)), expected);
  });

  it("negotiated", () => {
    const { enc, n, expected } = at(7);
    same(enc.negotiated(n, captureNegotiated), expected);
  });

  it("keepalive", () => {
    const { enc, n, expected } = at(9);
    same(enc.keepalive(n, "receive"), expected);
  });

  it("sent and received updates (decoded from the wire), with the negotiated copy", () => {
    let t = at(12);
    same(t.enc.update(t.n, "send", decodeUpdate(sentUpdateBody, ctx), captureNegotiated), t.expected);
    t = at(13);
    same(t.enc.update(t.n, "receive", decodeUpdate(receivedUpdateBody, ctx), captureNegotiated), t.expected);
  });

  it("End-of-RIB for ipv4 and ipv6 unicast", () => {
    let t = at(14);
    same(t.enc.update(t.n, "send", decodeUpdate(eorIpv4Body, ctx), captureNegotiated), t.expected);
    t = at(15);
    same(t.enc.update(t.n, "send", decodeUpdate(eorIpv6Body, ctx), captureNegotiated), t.expected);
  });

  it("shutdown has no counter and no neighbor", () => {
    const { enc, expected } = at(18);
    same(enc.shutdown(), expected);
  });

  it("the counter is per neighbor and counts every event", () => {
    const enc = new JsonEncoder({ host: "h", pid: 1, ppid: 1, clock: () => 1 });
    const a = captureNeighbor(), b = { ...captureNeighbor(), peerAddress: "127.0.0.2" };
    const counters = [enc.up(a), enc.up(a), enc.up(b), enc.keepalive(a, "receive")].map((l) =>
      JSON.parse(l).counter
    );
    assert.deepEqual(counters, [1, 2, 1, 3]);
  });

  it("time is written like Python's float repr", () => {
    const whole = new JsonEncoder({ host: "h", pid: 1, ppid: 2, clock: () => 1795350380 });
    assert.match(whole.shutdown(), /"time": 1795350380\.0, /);
  });
});
