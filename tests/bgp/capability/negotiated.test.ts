import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { negotiate, validateOpen } from "../../../lib/bgp/capability/negotiated.ts";
import { BgpError } from "../../../lib/bgp/error.ts";
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../../lib/bgp/family.ts";
import { decodeOpen } from "../../../lib/bgp/message/open.ts";
import type { Capability, OpenMessage } from "../../../lib/bgp/types.ts";
import { fromHex } from "../message/hex.ts";

function open(capabilities: Capability[], over: Partial<OpenMessage> = {}): OpenMessage {
  return { type: "open", version: 4, asn: 65000, holdTime: 180, routerId: "10.0.0.1", capabilities, ...over };
}
const mp = (afi: number, safi: number): Capability => ({ code: 1, name: "multiprotocol", afi, safi });
const asn4 = (asn: number): Capability => ({ code: 65, name: "asn4", asn });
const addPath = (...entries: [number, number, number][]): Capability => ({
  code: 69,
  name: "add-path",
  entries: entries.map(([afi, safi, mode]) => ({ afi, safi, mode })),
});
const RR: Capability = { code: 2, name: "route-refresh" };
const ERR: Capability = { code: 70, name: "enhanced-route-refresh" };
const EXT: Capability = { code: 6, name: "extended-message" };

function openError(f: () => void): BgpError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof BgpError);
    return e;
  }
  assert.fail("no error");
}

describe("negotiate", () => {
  it("negotiates what the conformance peer's echo of conf-hostname's OPEN gives", () => {
    const ours = decodeOpen(fromHex(
      "04FFFD00B40A000002380206010400010001020641040000FFFD02020600022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D",
    ));
    const theirs = { ...ours, routerId: "10.0.0.3" };
    const n = negotiate(ours, theirs);
    assert.deepEqual([...n.families], [IPV4_UNICAST]);
    assert.equal(n.asn4, true);
    assert.equal(n.localAs, 65533);
    assert.equal(n.peerAs, 65533);
    assert.equal(n.peerRouterId, "10.0.0.3");
    assert.equal(n.holdTime, 180);
    assert.equal(n.keepalive, 60);
    assert.equal(n.extendedMessage, true);
    assert.equal(n.maxMessageSize, 65535);
    assert.equal(n.refresh, "absent");
    assert.equal(n.multisession, false);
    assert.equal(n.operational, false);
    assert.deepEqual(n.nextHop, []);
    assert.deepEqual(n.decode, { asn4: true, addPath: new Set(), maxMessageSize: 65535 });
  });

  it("implies IPv4 unicast for a side without multiprotocol (RFC 4760 §1)", () => {
    assert.deepEqual([...negotiate(open([]), open([])).families], [IPV4_UNICAST]);
    assert.deepEqual([...negotiate(open([mp(1, 1), mp(2, 1)]), open([])).families], [IPV4_UNICAST]);
    assert.deepEqual([...negotiate(open([mp(2, 1)]), open([])).families], []);
  });

  it("keeps the families both offered, in the peer's order", () => {
    const n = negotiate(
      open([mp(1, 1), mp(2, 1), mp(1, 133)]),
      open([mp(1, 133), mp(25, 70), mp(1, 1)]),
    );
    assert.deepEqual([...n.families], [familyKey(1, 133), IPV4_UNICAST]);
  });

  it("takes the peer's 4-byte AS from its capability when both sides do asn4 (RFC 6793)", () => {
    const peer = open([asn4(4200000000)], { asn: 23456 });
    const n = negotiate(open([asn4(65000)]), peer);
    assert.equal(n.asn4, true);
    assert.equal(n.peerAs, 4200000000);
    const old = negotiate(open([]), peer);
    assert.equal(old.asn4, false);
    assert.equal(old.peerAs, 23456);
    assert.equal(old.encode.asn4, false);
  });

  it("takes the smaller hold time, keepalive a third of it, none for 0", () => {
    const n = negotiate(open([], { holdTime: 90 }), open([], { holdTime: 30 }));
    assert.deepEqual([n.holdTime, n.keepalive], [30, 10]);
    const zero = negotiate(open([], { holdTime: 180 }), open([], { holdTime: 0 }));
    assert.deepEqual([zero.holdTime, zero.keepalive], [0, 0]);
  });

  it("sends path ids where we send and the peer receives, and the reverse (RFC 7911 §4)", () => {
    const ours = open([mp(1, 1), mp(2, 1), mp(1, 133), addPath([1, 1, 3], [2, 1, 2], [1, 133, 1])]);
    const theirs = open([mp(1, 1), mp(2, 1), mp(1, 133), addPath([1, 1, 1], [2, 1, 3], [1, 133, 2])]);
    const n = negotiate(ours, theirs);
    assert.deepEqual(n.addPathSend, new Set([IPV4_UNICAST, IPV6_UNICAST]));
    assert.deepEqual(n.addPathReceive, new Set([familyKey(1, 133)]));
    assert.equal(n.encode.addPath, n.addPathSend);
    assert.equal(n.decode.addPath, n.addPathReceive);
  });

  it("ignores ADD-PATH for families that were not negotiated", () => {
    const n = negotiate(open([mp(1, 1), addPath([2, 1, 3])]), open([mp(1, 1), mp(2, 1), addPath([2, 1, 3])]));
    assert.deepEqual(n.addPathSend, new Set());
    assert.deepEqual(n.addPathReceive, new Set());
  });

  it("negotiates route refresh: absent, normal, enhanced", () => {
    assert.equal(negotiate(open([RR]), open([])).refresh, "absent");
    assert.equal(negotiate(open([RR, ERR]), open([RR])).refresh, "normal");
    assert.equal(negotiate(open([RR, ERR]), open([RR, ERR])).refresh, "enhanced");
    assert.equal(
      negotiate(
        open([{ code: 128, name: "route-refresh-cisco" }]),
        open([{ code: 128, name: "route-refresh-cisco" }]),
      ).refresh,
      "normal",
    );
  });

  it("needs both sides for extended message (RFC 8654)", () => {
    const n = negotiate(open([EXT]), open([]));
    assert.equal(n.extendedMessage, false);
    assert.equal(n.maxMessageSize, 4096);
    assert.equal(n.decode.maxMessageSize, 4096);
  });

  it("keeps the extended next hop entries both sides advertised (RFC 8950)", () => {
    const nh = (...e: [number, number, number][]): Capability => ({
      code: 5,
      name: "extended-next-hop",
      entries: e.map(([afi, safi, nextHopAfi]) => ({ afi, safi, nextHopAfi })),
    });
    const n = negotiate(open([nh([1, 1, 2], [1, 128, 2])]), open([nh([1, 128, 2], [1, 2, 2])]));
    assert.deepEqual(n.nextHop, [{ afi: 1, safi: 128, nextHopAfi: 2 }]);
    assert.deepEqual(n.extendedNextHop, new Set([familyKey(1, 128)]));
    assert.deepEqual(negotiate(open([nh([1, 1, 2])]), open([])).nextHop, []);
  });

  it("needs both sides for multi-session and operational", () => {
    const ms: Capability = { code: 68, name: "multi-session", value: new Uint8Array(0) };
    const op: Capability = { code: 185, name: "operational" };
    const one = negotiate(open([ms, op]), open([]));
    assert.deepEqual([one.multisession, one.operational], [false, false]);
    const both = negotiate(open([ms, op]), open([ms, op]));
    assert.deepEqual([both.multisession, both.operational], [true, true]);
  });

  it("reports the peer's graceful restart capability", () => {
    const gr: Capability = {
      code: 64,
      name: "graceful-restart",
      restartFlags: 8,
      restartTime: 120,
      families: [{ afi: 1, safi: 1, flags: 0x80 }],
    };
    assert.deepEqual(negotiate(open([]), open([gr])).peerGracefulRestart, gr);
    assert.equal(negotiate(open([gr]), open([])).peerGracefulRestart, undefined);
  });
});

describe("validateOpen", () => {
  it("accepts the configured peer AS, or any with auto", () => {
    validateOpen(open([]), 65000, 65000);
    validateOpen(open([], { asn: 1 }), "auto", 65000);
  });

  it("rejects another AS with 2/2", () => {
    const e = openError(() => validateOpen(open([], { asn: 65001 }), 65000, 65000));
    assert.deepEqual([e.code, e.subcode], [2, 2]);
  });

  it("compares the 4-byte AS of the capability, not AS_TRANS", () => {
    const peer = open([asn4(4200000000)], { asn: 23456 });
    validateOpen(peer, 4200000000, 65000);
    const e = openError(() => validateOpen(peer, 23456, 65000));
    assert.deepEqual([e.code, e.subcode], [2, 2]);
  });

  it("rejects our own router-id on iBGP with 2/3 (RFC 6286 §2.2), allows it on eBGP", () => {
    const e = openError(() => validateOpen(open([]), 65000, 65000, "10.0.0.1"));
    assert.deepEqual([e.code, e.subcode], [2, 3]);
    validateOpen(open([]), 65000, 65001, "10.0.0.1");
  });
});
