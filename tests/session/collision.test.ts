import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Message } from "../../lib/bgp/types.ts";
import { matchPeer, serve } from "../../lib/session/listener.ts";
import { Peer } from "../../lib/session/peer.ts";
import type { DownReason } from "../../lib/session/session.ts";
import { eventually, listen, net, openMessage } from "./helpers.ts";

describe("listener matching", () => {
  const peers = [
    { options: { peerAddress: "127.0.0.2" }, name: "a" },
    { options: { peerAddress: "127.0.0.3", localAddress: "127.0.0.1" }, name: "b" },
    { options: { peerAddress: "127.0.0.3", localAddress: "127.0.0.5" }, name: "c" },
    { options: { peerAddress: "::1" }, name: "d" },
  ];
  const at = (address: string) => ({ address, port: 179, family: "IPv4" as const });

  it("matches the remote address, IPv4-mapped IPv6 included", () => {
    assert.equal(matchPeer(at("127.0.0.2"), at("127.0.0.1"), peers)?.name, "a");
    assert.equal(matchPeer(at("::ffff:127.0.0.2"), at("127.0.0.1"), peers)?.name, "a");
    assert.equal(matchPeer(at("0:0:0:0:0:0:0:1"), at("::1"), peers)?.name, "d");
    assert.equal(matchPeer(at("::FFFF:7F00:2"), at("127.0.0.1"), peers)?.name, "a");
    assert.equal(matchPeer(at("127.0.0.9"), at("127.0.0.1"), peers), undefined);
  });

  it("prefers the neighbor whose local address is the connection's", () => {
    assert.equal(matchPeer(at("127.0.0.3"), at("127.0.0.5"), peers)?.name, "c");
    assert.equal(matchPeer(at("127.0.0.3"), at("127.0.0.1"), peers)?.name, "b");
  });
});

describe("connection collision (RFC 4271 §6.8)", () => {
  it("two peers connecting to each other keep the connection opened by the higher BGP identifier", {
    timeout: 15000,
  }, async () => {
    const la = await listen("127.0.0.1");
    const lb = await listen("127.0.0.2");
    const seen = { a: [] as Message[], b: [] as Message[] };
    const downs: DownReason[] = [];
    let established = 0;
    const make = (me: "a" | "b") =>
      new Peer({
        peerAddress: me === "a" ? "127.0.0.2" : "127.0.0.1",
        localAddress: me === "a" ? "127.0.0.1" : "127.0.0.2",
        peerPort: me === "a" ? lb.addr.port : la.addr.port,
        localAs: 65000,
        peerAs: 65000,
        routerId: me === "a" ? "1.1.1.1" : "2.2.2.2",
        open: () => openMessage({ routerId: me === "a" ? "1.1.1.1" : "2.2.2.2" }),
        net,
      }, {
        message: (_d, m) => seen[me].push(m),
        down: (r) => downs.push(r),
        established: () => established++,
      });
    const a = make("a");
    const b = make("b");
    void serve(la, () => [a]);
    void serve(lb, () => [b]);
    try {
      a.start();
      b.start();
      await eventually(() => a.state === "ESTABLISHED" && b.state === "ESTABLISHED", 5000, "Established");
      await new Promise((r) => setTimeout(r, 300));
      // 2.2.2.2 > 1.1.1.1: the connection B opened (to A's listening port) survives on both sides.
      assert.equal(a.session?.conn.localAddr.port, la.addr.port);
      assert.equal(b.session?.conn.remoteAddr.port, la.addr.port);
      assert.equal(established, 2);
      assert.equal(downs.length, 0, "the losing connection is not reported as the neighbor going down");
      const cease7 = (m: Message) => m.type === "notification" && m.code === 6 && m.subcode === 7;
      assert.ok(seen.a.some(cease7) || seen.b.some(cease7), "the losing connection got Cease 7");
      assert.equal(a.state, "ESTABLISHED");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      la.close();
      lb.close();
    }
  });
});
