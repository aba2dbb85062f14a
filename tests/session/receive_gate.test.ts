/**
 * The receive gate (lib/api/receive_gate.ts from the session's side): while it holds, the session reads
 * nothing from the socket — the peer's KEEPALIVEs wait in TCP — and its hold timer does not expire for
 * that, even when the pause is longer than the hold time; once it opens, what was waiting is read.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { Peer } from "../../lib/session/peer.ts";
import type { DownReason } from "../../lib/session/session.ts";
import { delay, encode, eventually, fromHex, net, openMessage } from "./helpers.ts";

/** RFC 4271 §4.3 UPDATE: ORIGIN IGP, empty AS_PATH, NEXT_HOP 127.0.0.1, 10.0.0.0/24 (iBGP). */
const UPDATE = fromHex(
  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0029 02 0000 000E 40010100 400200 4003047F000001 180A0000",
);
const HOLD_S = 3;
const PAUSE_MS = 4500; // longer than the hold time

describe("receive gate", () => {
  it("holds reading for longer than the hold time without a hold timer expiry, then reads on", {
    timeout: 20_000,
  }, async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
    await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, r));
    const port = (server.address() as { port: number }).port;
    const downs: DownReason[] = [];
    const received: [string, number][] = [];
    let pause: [number, number] | undefined;
    let updates = 0;
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: port,
      localAs: 65000,
      peerAs: 65000,
      open: () => openMessage({ routerId: "10.0.0.1", holdTime: HOLD_S }),
      maxConnections: 1,
      net,
      // Holds once, after the first UPDATE.
      receiveGate: () => {
        if (updates !== 1 || pause !== undefined) return undefined;
        const start = performance.now();
        pause = [start, Infinity];
        return delay(PAUSE_MS).then(() => void (pause![1] = performance.now()));
      },
    }, {
      down: (r) => downs.push(r),
      message: (direction, msg) => {
        if (direction !== "receive") return;
        if (msg.type === "update") updates++;
        received.push([msg.type, performance.now()]);
      },
    });
    peer.start();
    const socket = await accepted;
    socket.on("data", () => {});
    const keepalives = setInterval(() => socket.write(encode({ type: "keepalive" })), 1000);
    try {
      socket.write(encode(openMessage({ routerId: "10.0.0.2", holdTime: HOLD_S })));
      socket.write(encode({ type: "keepalive" }));
      await eventually(() => peer.state === "ESTABLISHED", 5000, "established");
      socket.write(UPDATE);
      await eventually(() => pause !== undefined, 5000, "the gate holding");
      socket.write(UPDATE); // waits in TCP with the KEEPALIVEs
      await eventually(() => pause![1] !== Infinity && updates === 2, PAUSE_MS + 5000, "the second UPDATE");
      const [from, to] = pause!;
      assert.ok(to - from >= PAUSE_MS - 50, `held ${Math.round(to - from)} ms`);
      const during = received.filter(([, at]) => at > from + 1 && at < to);
      assert.deepEqual(during, [], "nothing read while the gate held");
      assert.ok(received.filter(([t, at]) => t === "keepalive" && at >= to).length >= 3, "the waiting KEEPALIVEs");
      assert.deepEqual(downs, [], "no hold timer expiry");
      assert.equal(peer.state, "ESTABLISHED");
    } finally {
      clearInterval(keepalives);
      await peer.stop();
      socket.destroy();
      server.close();
    }
  });
});
