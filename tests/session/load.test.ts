import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PrefixNlri } from "../../lib/bgp/types.ts";
import { serve } from "../../lib/session/listener.ts";
import { Peer } from "../../lib/session/peer.ts";
import type { DownReason } from "../../lib/session/session.ts";
import { accept, encode, eventually, FakeOutbound, fromHex, listen, net, openMessage } from "./helpers.ts";

const TOTAL = 200_000;
/** The flood lasts at least this long (a fast runtime sends 200k in well under a keepalive interval). */
const FLOOD_MS = 3500;

/** RFC 4271 §4.3 UPDATE: ORIGIN IGP, empty AS_PATH, NEXT_HOP 127.0.0.1, one /32 in 10.0.0.0/8. */
const TEMPLATE = fromHex(
  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 002A 02 0000 000E 40010100 400200 4003047F000001 200A000000",
);
function update(n: number): Uint8Array {
  const i = n % TOTAL;
  const m = TEMPLATE.slice();
  m[39] = (i >> 16) & 0xff;
  m[40] = (i >> 8) & 0xff;
  m[41] = i & 0xff;
  return m;
}

describe("under load", () => {
  it(
    "keepalives keep flowing while the outbound source delivers 200k UPDATEs",
    { timeout: 90000 },
    async () => {
      const l = await listen();
      let updates = 0;
      let lastPrefix = -1;
      let inOrder = true;
      const keepalives: number[] = [];
      const downs: DownReason[] = [];
      const receiver = new Peer({
        peerAddress: "127.0.0.1",
        localAs: 65000,
        peerAs: 65000,
        passive: true,
        open: () => openMessage({ routerId: "10.0.0.1", holdTime: 3 }),
        net,
      }, {
        message: (d, m) => {
          if (d !== "receive") return;
          if (m.type === "keepalive") keepalives.push(performance.now());
          else if (m.type === "update") {
            const n = m.announced[0] as PrefixNlri;
            const i = (n.bytes[1] << 16) | (n.bytes[2] << 8) | n.bytes[3];
            if (i !== (lastPrefix + 1) % TOTAL) inOrder = false;
            lastPrefix = i;
            updates++;
          }
        },
        down: (r) => downs.push(r),
      });
      void serve(l, () => [receiver]);
      // 200k UPDATEs, repeated (as re-announcements) until the flood has lasted FLOOD_MS.
      const outbound = new FakeOutbound(Number.MAX_SAFE_INTEGER, update);
      let senderUp = 0;
      const sender = new Peer({
        peerAddress: "127.0.0.1",
        peerPort: l.addr.port,
        localAs: 65000,
        peerAs: 65000,
        open: () => openMessage({ routerId: "10.0.0.2", holdTime: 3 }),
        outbound,
        net,
      }, { down: (r) => downs.push(r), established: () => (senderUp = performance.now()) });
      receiver.start();
      sender.start();
      try {
        await eventually(() => senderUp > 0, 5000, "Established");
        await eventually(
          () => performance.now() - senderUp >= FLOOD_MS && outbound.sent >= TOTAL,
          50000,
          "the flood",
        );
        outbound.finish();
        await eventually(() => updates === outbound.sent || downs.length > 0, 50000, "all UPDATEs");
        const done = performance.now();
        assert.deepEqual(downs, [], "no session went down");
        assert.equal(updates, outbound.sent);
        assert.ok(updates >= TOTAL);
        assert.ok(inOrder, "UPDATEs arrive in the order the source gave them");
        // The flood ran from Established to `done`; keepalives (every hold/3 = 1 s) must not pause in it.
        const during = keepalives.filter((t) => t > senderUp && t <= done);
        const marks = [senderUp, ...during, done];
        const worst = Math.max(...marks.slice(1).map((t, i) => t - marks[i])) / 1000;
        const flood = (done - senderUp) / 1000;
        // Loosely: the socket buffers hold some updates ahead of each KEEPALIVE; a starved one would wait
        // for the whole flood (3.5 s), beyond the hold time.
        assert.ok(
          worst <= 2.2,
          `longest stretch without a KEEPALIVE: ${worst.toFixed(2)} s of ${flood.toFixed(2)} s`,
        );
        assert.ok(during.length >= 3, `KEEPALIVEs during the ${flood.toFixed(2)} s flood: ${during.length}`);
        // And the session is still healthy afterwards.
        await new Promise((r) => setTimeout(r, 1200));
        assert.equal(sender.state, "ESTABLISHED");
        assert.equal(receiver.state, "ESTABLISHED");
        assert.ok(keepalives.filter((t) => t > done).length >= 1, "keepalives continue after the flood");
      } finally {
        await Promise.all([sender.stop(), receiver.stop()]);
        l.close();
      }
    },
  );

  it("a peer that stops reading for longer than the hold time is reset", { timeout: 30000 }, async () => {
    const l = await listen();
    const downs: DownReason[] = [];
    let up = 0;
    const outbound = new FakeOutbound(Number.MAX_SAFE_INTEGER, update);
    const peer = new Peer({
      peerAddress: "127.0.0.1",
      peerPort: l.addr.port,
      localAs: 65000,
      peerAs: 65000,
      open: () => openMessage({ routerId: "10.0.0.1", holdTime: 3 }),
      outbound,
      maxConnections: 1,
      net,
    }, { down: (r) => downs.push(r), established: () => (up = performance.now()) });
    peer.start();
    // The silent peer: it talks (OPEN, then a KEEPALIVE every second, so our hold timer is satisfied)
    // but never reads what we send.
    const conn = await accept(l);
    const w = conn.writable.getWriter();
    await w.write(encode(openMessage({ routerId: "10.0.0.2", holdTime: 3 })));
    await w.write(encode({ type: "keepalive" }));
    const ticker = setInterval(() => void w.write(encode({ type: "keepalive" })).catch(() => {}), 1000);
    try {
      await eventually(() => downs.length > 0, 20000, "the reset");
      const after = (performance.now() - up) / 1000;
      assert.match(downs[0].text, /stopped reading/);
      assert.ok(after >= 3, `reset after ${after.toFixed(2)} s`);
      assert.ok(outbound.sent > 10_000, "the socket buffers were filled first");
    } finally {
      clearInterval(ticker);
      conn.close();
      await peer.stop();
      l.close();
    }
  });
});
