import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Peer } from "../../lib/session/peer.ts";
import type { DownReason } from "../../lib/session/session.ts";
import { eventually, listen, net, openMessage, RawPeer } from "./helpers.ts";

describe("reconnection", () => {
  it("a peer sending a bad marker gets NOTIFICATION 1/1; the active side reconnects with back-off", {
    timeout: 20000,
  }, async () => {
    const l = await listen();
    const downs: DownReason[] = [];
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: l.addr.port,
      localAs: 65000,
      peerAs: 65000,
      open: () => openMessage({ routerId: "10.0.0.1" }),
      net,
    }, { down: (r) => downs.push(r) });
    const arrivals: number[] = [];
    const notifications: number[][] = [];
    const garbage = new Uint8Array(19); // marker of zeros (RFC 4271 §6.1: Connection Not Synchronized)
    garbage[17] = 19;
    garbage[18] = 4;
    const server = (async () => {
      for await (const conn of l) {
        arrivals.push(performance.now());
        const raw = new RawPeer(conn);
        void (async () => {
          try {
            await raw.until(1);
            await raw.send(garbage);
            const n = await raw.until(3);
            notifications.push([...n.body]);
          } catch {
            // counted by the assertions below
          }
          raw.close();
        })();
      }
    })();
    try {
      peer.start();
      await eventually(() => arrivals.length >= 3, 10000, "three connections");
      const gaps = [arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]].map((g) => g / 1000);
      // ExaBGP's back-off: 1 s, then 1 + 1 × 1.2 = 2.2 s (loosely: the session teardown adds a little).
      assert.ok(gaps[0] >= 0.9 && gaps[0] <= 1.8, `first retry after ${gaps[0].toFixed(2)} s`);
      assert.ok(gaps[1] >= 2.1 && gaps[1] <= 3.0, `second retry after ${gaps[1].toFixed(2)} s`);
      await eventually(() => notifications.length >= 2, 3000, "NOTIFICATIONs");
      assert.deepEqual(notifications[0], [1, 1]);
      assert.equal(downs[0].notification?.code, 1);
      assert.equal(downs[0].direction, "send");
    } finally {
      await peer.stop();
      l.close();
      await server;
    }
  });

  it(
    "a refused connection is retried with back-off, and maxConnections stops it",
    { timeout: 15000 },
    async () => {
      // A port nobody listens on: take one from a listener, then close it.
      const l = await listen();
      const port = l.addr.port;
      l.close();
      const states: string[] = [];
      let exhausted = 0;
      const started = performance.now();
      const peer = new Peer({
        peerAddress: "127.0.0.1",
        peerPort: port,
        localAs: 65000,
        peerAs: 65000,
        open: () => openMessage(),
        maxConnections: 3,
        net,
      }, { state: (s) => states.push(s), exhausted: () => exhausted++ });
      peer.start();
      await eventually(() => exhausted === 1, 10000, "exhausted");
      const took = (performance.now() - started) / 1000;
      assert.equal(peer.attempts, 3);
      // Attempts at 0, 1 and 3.2 s: the third fails at once and the peer stops.
      assert.ok(took >= 3.1 && took <= 4.5, `gave up after ${took.toFixed(2)} s`);
      assert.deepEqual(states.slice(0, 2), ["CONNECT", "ACTIVE"]);
      assert.equal(peer.state, "IDLE");
      await peer.stop();
    },
  );
});
