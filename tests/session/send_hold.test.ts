/**
 * The send hold timer (RFC 9687): a peer that stops reading but keeps sending KEEPALIVEs is reset once no
 * write has completed for the send hold time, with NOTIFICATION 8/0 (Send Hold Timer Expired) queued behind
 * the stuck write; a peer that reads again within the linger receives it, after everything sent before.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { Peer } from "../../lib/session/peer.ts";
import type { DownReason } from "../../lib/session/session.ts";
import { encode, eventually, FakeOutbound, fromHex, net, openMessage } from "./helpers.ts";

/** RFC 4271 §4.3 UPDATE: ORIGIN IGP, empty AS_PATH, NEXT_HOP 127.0.0.1, 10.0.0.0/24 (iBGP). */
const UPDATE = fromHex(
  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0029 02 0000 000E 40010100 400200 4003047F000001 180A0000",
);

/** Splits a byte stream into BGP messages (RFC 4271 §4.1): [type, body] each. */
function frames(b: Uint8Array): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  for (let at = 0; at + 19 <= b.length;) {
    const length = (b[at + 16] << 8) | b[at + 17];
    if (at + length > b.length) break;
    out.push([b[at + 18], b.subarray(at + 19, at + length)]);
    at += length;
  }
  return out;
}

describe("send hold timer", () => {
  it(
    "resets a peer that stopped reading with NOTIFICATION 8/0 after the send hold time",
    { timeout: 20_000 },
    async () => {
      const server = createServer();
      const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
      await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, r));
      const port = (server.address() as { port: number }).port;
      const downs: DownReason[] = [];
      let idleAt = 0;
      const outbound = new FakeOutbound(Number.MAX_SAFE_INTEGER, () => UPDATE);
      const peer = new Peer({
        peerAddress: "127.0.0.1",
        peerPort: port,
        localAs: 65000,
        peerAs: 65000,
        open: () => openMessage({ routerId: "10.0.0.1", holdTime: 3 }),
        outbound,
        sendHold: 1,
        maxConnections: 1,
        net,
      }, {
        down: (r) => downs.push(r),
        state: (s) => {
          if (s === "IDLE" && idleAt === 0) idleAt = performance.now();
        },
      });
      peer.start();
      const socket = await accepted;
      const received: Uint8Array[] = [];
      socket.on("data", (d: Uint8Array) => received.push(d));
      const keepalives = setInterval(() => socket.write(encode({ type: "keepalive" })), 1000);
      try {
        socket.write(encode(openMessage({ routerId: "10.0.0.2", holdTime: 3 })));
        socket.write(encode({ type: "keepalive" }));
        await eventually(() => outbound.sent > 0, 5000, "UPDATEs flowing");
        socket.pause();
        const pausedAt = performance.now();
        // The session ends (IDLE) one send hold time after its last completed write; then read again.
        await eventually(() => idleAt > 0, 15_000, "the send hold timer");
        assert.ok(idleAt - pausedAt >= 1000, `reset ${idleAt - pausedAt} ms after the peer stopped reading`);
        socket.resume();
        await eventually(() => downs.length === 1, 5000, "down");
        await eventually(() => socket.readableEnded || socket.destroyed, 5000, "our FIN");
        const all = new Uint8Array(received.reduce((n, c) => n + c.length, 0));
        let at = 0;
        for (const c of received) {
          all.set(c, at);
          at += c.length;
        }
        const last = frames(all).at(-1)!;
        assert.equal(last[0], 3, "the last message is not a NOTIFICATION");
        assert.deepEqual([...last[1]], [8, 0]);
        assert.equal(downs[0].notification?.code, 8);
        assert.equal(downs[0].direction, "send");
        assert.match(downs[0].text, /send hold timer expired/);
      } finally {
        clearInterval(keepalives);
        socket.destroy();
        await peer.stop();
        await new Promise((r) => server.close(r));
      }
    },
  );
});
