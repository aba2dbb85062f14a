import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { frame } from "../../lib/bgp/message/header.ts";
import { shutdownNotification } from "../../lib/bgp/message/notification.ts";
import type { Message, PrefixNlri, UpdateMessage } from "../../lib/bgp/types.ts";
import { serve } from "../../lib/session/listener.ts";
import { Peer, type PeerListener } from "../../lib/session/peer.ts";
import type { DownReason } from "../../lib/session/session.ts";
import {
  accept,
  encode,
  eventually,
  FakeOutbound,
  fromHex,
  hex,
  listen,
  net,
  openMessage,
  RawPeer,
} from "./helpers.ts";

/**
 * An iBGP UPDATE written by hand from RFC 4271 §4.3: ORIGIN IGP, empty AS_PATH, NEXT_HOP 127.0.0.1,
 * NLRI 10.0.0.0/24.
 */
const UPDATE_10_0_0_0_24 = fromHex(
  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0029 02" +
    "0000 000E 40010100 400200 4003047F000001" +
    "180A0000",
);

/** encoding/unknown-message.msg of the ExaBGP 5.0 suite: the NOTIFICATION expected for a type-255 message. */
const UNKNOWN_MESSAGE_NOTIFICATION =
  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003903010363616E206E6F74206465636F6465206D657373616765206F662074797065202232353522";

/** encoding/api-teardown.msg: `teardown 4` is Cease / Administrative Reset with its RFC 9003 text. */
const TEARDOWN_4 = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002A0306041441646D696E697374726174697665205265736574";

interface Recorder extends PeerListener {
  states: string[];
  received: Message[];
  sent: Message[];
  downs: DownReason[];
  ups: number;
}
function recorder(): Recorder {
  const r: Recorder = {
    states: [],
    received: [],
    sent: [],
    downs: [],
    ups: 0,
    state: (s) => r.states.push(s),
    message: (d, m) => (d === "send" ? r.sent : r.received).push(m),
    down: (reason) => r.downs.push(reason),
    established: () => r.ups++,
  };
  return r;
}

describe("session over TCP", () => {
  const cleanup: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("two peers (one passive) reach Established and exchange an UPDATE", { timeout: 15000 }, async () => {
    const l = await listen();
    cleanup.push(() => l.close());
    const pr = recorder();
    const passive = new Peer({
      peerAddress: "127.0.0.1",
      localAs: 65000,
      peerAs: 65000,
      passive: true,
      open: () => openMessage({ routerId: "10.0.0.1", holdTime: 90 }),
      net,
    }, pr);
    void serve(l, () => [passive]);
    const outbound = new FakeOutbound(1, () => UPDATE_10_0_0_0_24);
    const ar = recorder();
    const active = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: l.addr.port,
      localAs: 65000,
      peerAs: 65000,
      open: () => openMessage({ routerId: "10.0.0.2", holdTime: 30 }),
      outbound,
      net,
    }, ar);
    passive.start();
    active.start();
    cleanup.push(() => active.stop(), () => passive.stop());

    await eventually(() => pr.received.some((m) => m.type === "update"), 5000, "the UPDATE");
    assert.equal(active.state, "ESTABLISHED");
    assert.equal(passive.state, "ESTABLISHED");
    assert.deepEqual([ar.ups, pr.ups], [1, 1]);
    assert.deepEqual(ar.states.slice(0, 4), ["CONNECT", "OPENSENT", "OPENCONFIRM", "ESTABLISHED"]);
    assert.deepEqual(pr.states, ["ACTIVE", "OPENSENT", "OPENCONFIRM", "ESTABLISHED"]);
    // RFC 4271 §4.2: the smaller hold time wins.
    assert.equal(passive.negotiated?.holdTime, 30);
    assert.equal(outbound.started?.holdTime, 30);

    const update = pr.received.find((m) => m.type === "update") as UpdateMessage;
    const nlri = update.announced[0] as PrefixNlri;
    assert.equal(nlri.length, 24);
    assert.deepEqual([...nlri.bytes], [10, 0, 0]);
    assert.ok(update.attributes.some((a) => a.kind === "next-hop" && a.address === "127.0.0.1"));
    // The active side reports the UPDATE it sent as a message event too.
    assert.ok(ar.sent.some((m) => m.type === "update"));
    assert.deepEqual(pr.received.slice(0, 2).map((m) => m.type), ["open", "keepalive"]);

    // Out-of-band messages go out only when established.
    assert.equal(active.send([encode({ type: "route-refresh", afi: 1, safi: 1, subtype: 0 })]), true);
    await eventually(() => pr.received.some((m) => m.type === "route-refresh"), 3000, "the ROUTE-REFRESH");

    // Stopping with a Cease ends both sides, the passive one with the reason it received.
    await active.stop(shutdownNotification(2, "maintenance"));
    await eventually(() => pr.downs.length === 1, 3000, "down on the passive side");
    assert.equal(pr.downs[0].direction, "receive");
    assert.deepEqual([pr.downs[0].notification?.code, pr.downs[0].notification?.subcode], [6, 2]);
    assert.equal(outbound.stopped, 1);
    assert.equal(ar.downs.length, 1);
    assert.equal(passive.state, "ACTIVE");
  });

  /** A passive Peer expecting AS 65001 and a raw client that sends `open` after reading the Peer's OPEN. */
  async function openError(open: Uint8Array): Promise<{ body: Uint8Array; down: DownReason[] }> {
    const l = await listen();
    const rec = recorder();
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      localAs: 65000,
      peerAs: 65001,
      passive: true,
      open: () => openMessage({ routerId: "10.0.0.1" }),
      net,
    }, rec);
    peer.start();
    void serve(l, () => [peer]);
    const raw = new RawPeer(await net.connect({ host: "127.0.0.1", port: l.addr.port }));
    try {
      await raw.until(1);
      await raw.send(open);
      const n = await raw.until(3);
      await raw.waitClosed();
      await eventually(() => rec.downs.length === 1, 3000, "down");
      return { body: n.body, down: rec.downs };
    } finally {
      raw.close();
      await peer.stop();
      l.close();
    }
  }

  it("an OPEN with version 3 gets NOTIFICATION 2/1 with the version we support", async () => {
    const open = encode(openMessage({ asn: 65001, routerId: "10.0.0.9" }));
    open[19] = 3;
    const { body, down } = await openError(open);
    assert.deepEqual([...body], [2, 1, 0, 4]); // RFC 4271 §6.2: data = largest supported version
    assert.equal(down[0].direction, "send");
    assert.equal(down[0].notification?.code, 2);
  });

  it("an OPEN from the wrong AS gets NOTIFICATION 2/2", async () => {
    const { body } = await openError(encode(openMessage({ asn: 65002, routerId: "10.0.0.9" })));
    assert.deepEqual([...body.subarray(0, 2)], [2, 2]);
  });

  it("an OPEN with hold time 1 gets NOTIFICATION 2/6", async () => {
    const { body } = await openError(encode(openMessage({ asn: 65001, holdTime: 1, routerId: "10.0.0.9" })));
    assert.deepEqual([...body.subarray(0, 2)], [2, 6]);
  });

  it("an unknown message type gets the NOTIFICATION the ExaBGP suite expects", async () => {
    const l = await listen();
    const rec = recorder();
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: l.addr.port,
      localAs: 1,
      peerAs: 1,
      open: () => openMessage({ asn: 1, routerId: "1.2.3.4" }),
      maxConnections: 1,
      net,
    }, rec);
    peer.start();
    const raw = new RawPeer(await accept(l));
    try {
      await raw.until(1);
      // As the suite's test peer does (option:open:send-unknown-message): its OPEN, then a type-255 message.
      await raw.send(encode(openMessage({ asn: 1, routerId: "1.2.3.5" })));
      await raw.send(frame(255, new Uint8Array(0)));
      const n = await raw.until(3);
      assert.equal(hex(frame(3, n.body)), UNKNOWN_MESSAGE_NOTIFICATION);
      await raw.waitClosed();
    } finally {
      raw.close();
      await peer.stop();
      l.close();
    }
  });

  it("the hold timer expires 3 s after a peer with hold time 3 goes silent: NOTIFICATION 4/0", {
    timeout: 15000,
  }, async () => {
    const l = await listen();
    const rec = recorder();
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: l.addr.port,
      localAs: 65000,
      peerAs: 65000,
      open: () => openMessage({ routerId: "10.0.0.1", holdTime: 3 }),
      maxConnections: 1,
      net,
    }, rec);
    peer.start();
    const raw = new RawPeer(await accept(l));
    try {
      await raw.until(1);
      await raw.send(encode(openMessage({ routerId: "10.0.0.2", holdTime: 3 })));
      await raw.send(encode({ type: "keepalive" }));
      const silentFrom = performance.now();
      // Our keepalives keep flowing (every hold/3 = 1 s) while the peer says nothing.
      const n = await raw.until(3, 6000);
      const after = (n.at - silentFrom) / 1000;
      assert.deepEqual([...n.body], [4, 0]);
      assert.ok(after >= 2.9 && after <= 4.0, `NOTIFICATION after ${after.toFixed(2)} s`);
      await eventually(() => rec.downs.length === 1, 3000, "down");
      assert.equal(rec.downs[0].notification?.code, 4);
      const keepalivesSent = rec.sent.filter((m) => m.type === "keepalive").length;
      assert.ok(keepalivesSent >= 3, `keepalives sent: ${keepalivesSent}`);
    } finally {
      raw.close();
      await peer.stop();
      l.close();
    }
  });

  it("a received NOTIFICATION takes the session down with its reason", async () => {
    const l = await listen();
    const rec = recorder();
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: l.addr.port,
      localAs: 65000,
      peerAs: 65000,
      open: () => openMessage({ routerId: "10.0.0.1" }),
      maxConnections: 1,
      net,
    }, rec);
    let exhausted = 0;
    rec.exhausted = () => exhausted++;
    peer.start();
    const raw = new RawPeer(await accept(l));
    try {
      await raw.until(1);
      await raw.send(encode(openMessage({ routerId: "10.0.0.2" })));
      await raw.send(encode({ type: "keepalive" }));
      await eventually(() => peer.state === "ESTABLISHED", 3000, "Established");
      // Cease / Administrative Shutdown with an RFC 9003 text.
      await raw.send(frame(3, new Uint8Array([6, 2, 3, 0x62, 0x79, 0x65])));
      await eventually(() => rec.downs.length === 1, 3000, "down");
      const d = rec.downs[0];
      assert.equal(d.direction, "receive");
      assert.deepEqual([d.notification?.code, d.notification?.subcode], [6, 2]);
      assert.match(d.text, /Cease/);
      // maxConnections: 1 — the one attempt was used, the peer gives up instead of reconnecting.
      await eventually(() => exhausted === 1, 3000, "exhausted");
      assert.equal(peer.attempts, 1);
    } finally {
      raw.close();
      await peer.stop();
      l.close();
    }
  });

  it('teardown 4 sends Cease 4 "Administrative Reset" as the suite expects, then reconnects', async () => {
    const l = await listen();
    const rec = recorder();
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: l.addr.port,
      localAs: 1,
      peerAs: 1,
      open: () => openMessage({ asn: 1, routerId: "1.2.3.4" }),
      net,
    }, rec);
    peer.start();
    const conns = l[Symbol.asyncIterator]();
    const first = new RawPeer((await conns.next()).value);
    let second: RawPeer | undefined;
    try {
      await first.until(1);
      await first.send(encode(openMessage({ asn: 1, routerId: "1.2.3.5" })));
      await first.send(encode({ type: "keepalive" }));
      await eventually(() => peer.state === "ESTABLISHED", 3000, "Established");
      await peer.teardown(4);
      const n = await first.until(3);
      // encoding/api-teardown.msg, A2.
      assert.equal(hex(frame(3, n.body)), TEARDOWN_4);
      // Back-off starts again from zero after an Established session: the next connection comes at once.
      second = new RawPeer((await conns.next()).value);
      assert.equal((await second.until(1)).type, 1);
      assert.equal(rec.downs[0].direction, "send");
    } finally {
      first.close();
      second?.close();
      await peer.stop();
      l.close();
    }
  });

  it("a connection no neighbor matches gets Cease 6/5", async () => {
    const l = await listen();
    const peer = new Peer({
      peerAddress: "127.0.0.9",
      localAs: 1,
      peerAs: 1,
      passive: true,
      open: () => openMessage(),
      net,
    });
    void serve(l, () => [peer]);
    const raw = new RawPeer(await net.connect({ host: "127.0.0.1", port: l.addr.port }));
    try {
      const n = await raw.until(3);
      assert.deepEqual([...n.body], [6, 5]);
      await raw.waitClosed();
    } finally {
      raw.close();
      l.close();
    }
  });
});
