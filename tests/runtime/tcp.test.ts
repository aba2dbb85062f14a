/**
 * TCP through the runtime's native adapter and through the node:net wrapper, on 127.0.0.1 only.
 * Every check runs for both adapters (and the native one serves the node:net client, and vice versa).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../lib/runtime/mod.ts";
import { nodeNet } from "../../lib/runtime/node_net.ts";
import type { Conn, SocketAdapter } from "../../lib/runtime/types.ts";
import {
  acceptOne,
  connectedPair,
  pattern,
  python3,
  readAll,
  readText,
  settlesWithin,
  within,
} from "./helpers.ts";

const enc = new TextEncoder();
const adapters: [string, SocketAdapter][] = [[`native (${runtime.net.name})`, runtime.net], [
  "node:net",
  nodeNet,
]];

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function closeAll(...conns: Conn[]): void {
  for (const c of conns) c.close();
}

for (const [name, net] of adapters) {
  const other = net === nodeNet ? runtime.net : nodeNet;

  describe(`TCP ${name}`, () => {
    it("echoes 8 MiB byte for byte, then half-closes", async () => {
      const { listener, client, server } = await connectedPair(net, net);
      // The server echoes; pipeTo closes its writable (FIN) when our FIN ends its readable.
      const echo = server.readable.pipeTo(server.writable);
      const data = pattern(8 * 1024 * 1024);
      const received = readAll(client.readable);
      const w = client.writable.getWriter();
      for (let off = 0; off < data.byteLength; off += 65536) await w.write(data.subarray(off, off + 65536));
      await w.close();
      const got = await within(received, 20000, "echo");
      await within(echo, 5000, "server pipe");
      assert.equal(got.byteLength, data.byteLength);
      assert.equal(firstDifference(got, data), -1, "echoed bytes differ");
      // Both directions ended on both sides: the sockets are released without close().
      await within(Promise.all([client.closed, server.closed]), 5000, "closed after both FINs");
      listener.close();
    });

    it("reports both ends' addresses and ports", async () => {
      const { listener, client, server } = await connectedPair(net, net);
      assert.deepEqual(client.remoteAddr, { address: "127.0.0.1", port: listener.addr.port, family: "IPv4" });
      assert.deepEqual(server.localAddr, client.remoteAddr);
      assert.deepEqual(server.remoteAddr, client.localAddr);
      assert.equal(listener.addr.address, "127.0.0.1");
      client.setNoDelay(true);
      closeAll(client, server);
      listener.close();
    });

    it(`interoperates with ${other.name} on the other end`, async () => {
      for (const [s, c] of [[net, other], [other, net]]) {
        const { listener, client, server } = await connectedPair(s, c);
        const w = client.writable.getWriter();
        await w.write(enc.encode("OPEN"));
        await w.close();
        assert.equal(await within(readText(server.readable), 5000, "read"), "OPEN");
        closeAll(client, server);
        listener.close();
      }
    });

    it("stops accepting writes against a peer that never reads (memory stays bounded)", async () => {
      const { listener, client, server } = await connectedPair(net, net);
      const w = client.writable.getWriter();
      const chunk = new Uint8Array(64 * 1024);
      let accepted = 0;
      let blocked = false;
      // The kernel buffers a few MiB on loopback; past that each side's back-pressure must hold the writer.
      while (accepted < 64 * 1024 * 1024) {
        const p = w.write(chunk);
        if ((await settlesWithin(p, 500)) === "pending") {
          blocked = true;
          p.catch(() => {});
          break;
        }
        accepted += chunk.byteLength;
      }
      assert.equal(blocked, true, `writer never blocked after ${accepted} bytes`);
      assert.ok(accepted > 64 * 1024, `blocked too early: ${accepted}`);
      assert.ok(accepted < 32 * 1024 * 1024, `${accepted} bytes accepted before blocking`);
      // Reading on the server side releases the writer.
      const reader = server.readable.getReader();
      const pending = w.write(chunk);
      let drained = 0;
      while ((await settlesWithin(pending, 0)) === "pending") {
        drained += (await reader.read()).value!.byteLength;
      }
      assert.ok(drained > 0);
      closeAll(client, server);
      listener.close();
    });

    it("half-close: our FIN ends the peer's readable while the peer can still answer", async () => {
      const { listener, client, server } = await connectedPair(net, net);
      const cw = client.writable.getWriter();
      await cw.write(enc.encode("ping"));
      await cw.close();
      assert.equal(await within(readText(server.readable), 5000, "server read"), "ping");
      const sw = server.writable.getWriter();
      await sw.write(enc.encode("pong"));
      await sw.write(enc.encode("!"));
      await sw.close();
      assert.equal(await within(readText(client.readable), 5000, "client read"), "pong!");
      await within(Promise.all([client.closed, server.closed]), 5000, "closed");
      listener.close();
    });

    it("close() ends the peer's readable with EOF and resolves closed; it is idempotent", async () => {
      const { listener, client, server } = await connectedPair(net, net);
      const w = client.writable.getWriter();
      await w.write(enc.encode("NOTIFICATION"));
      client.close();
      client.close();
      await within(client.closed, 5000, "client closed");
      // Bytes written before close() still arrive.
      assert.equal(await within(readText(server.readable), 5000, "server read"), "NOTIFICATION");
      server.close();
      await within(server.closed, 5000, "server closed");
      listener.close();
    });

    it("cancelling the readable closes the connection; the peer sees EOF", async () => {
      const { listener, client, server } = await connectedPair(net, net);
      await client.readable.cancel();
      await within(client.closed, 5000, "client closed");
      assert.equal(await within(readText(server.readable), 5000, "server read"), "");
      server.close();
      listener.close();
    });

    it("closing the listener ends its accept loop", async () => {
      const listener = await net.listen({ host: "127.0.0.1", port: 0 });
      const loop = (async () => {
        let n = 0;
        for await (const c of listener) {
          n++;
          c.close();
        }
        return n;
      })();
      const c = await net.connect({ host: "127.0.0.1", port: listener.addr.port });
      await new Promise((r) => setTimeout(r, 50));
      listener.close();
      assert.equal(await within(loop, 5000, "accept loop"), 1);
      c.close();
    });

    it("rejects (does not throw) when the address is in use", async () => {
      const listener = await net.listen({ host: "127.0.0.1", port: 0 });
      const taken = net.listen({ host: "127.0.0.1", port: listener.addr.port });
      await assert.rejects(taken);
      listener.close();
    });

    it("rejects a refused connection", async () => {
      const listener = await net.listen({ host: "127.0.0.1", port: 0 });
      const port = listener.addr.port;
      listener.close();
      await new Promise((r) => setTimeout(r, 20));
      await assert.rejects(within(net.connect({ host: "127.0.0.1", port }), 5000, "refused"));
    });

    it("rejects at once with the reason of an already-aborted signal", async () => {
      const listener = await net.listen({ host: "127.0.0.1", port: 0 });
      const ac = new AbortController();
      ac.abort(new Error("gave up"));
      await assert.rejects(net.connect({ host: "127.0.0.1", port: listener.addr.port, signal: ac.signal }), {
        message: "gave up",
      });
      listener.close();
    });

    it("binds the source address when localAddress is given (the server sees 127.0.0.2)", async () => {
      const listener = await net.listen({ host: "127.0.0.1", port: 0 });
      const accepted = acceptOne(listener);
      const client = await net.connect({
        host: "127.0.0.1",
        port: listener.addr.port,
        localAddress: "127.0.0.2",
      });
      const server = await within(accepted, 5000, "accept");
      assert.equal(server.remoteAddr.address, "127.0.0.2");
      assert.equal(client.localAddr.address, "127.0.0.2");
      assert.equal(client.localAddr.port, server.remoteAddr.port);
      // The connection works, whichever backend made it.
      const w = client.writable.getWriter();
      await w.write(enc.encode("x"));
      await w.close();
      assert.equal(await within(readText(server.readable), 5000, "read"), "x");
      closeAll(client, server);
      listener.close();
    });

    it("binds the source port when localPort is given", async () => {
      const listener = await net.listen({ host: "127.0.0.1", port: 0 });
      // A free port: bind an ephemeral listener, note its port, release it.
      const probe = await net.listen({ host: "127.0.0.3", port: 0 });
      const localPort = probe.addr.port;
      probe.close();
      await new Promise((r) => setTimeout(r, 20));
      const accepted = acceptOne(listener);
      const client = await net.connect({
        host: "127.0.0.1",
        port: listener.addr.port,
        localAddress: "127.0.0.3",
        localPort,
      });
      const server = await within(accepted, 5000, "accept");
      assert.deepEqual(server.remoteAddr, { address: "127.0.0.3", port: localPort, family: "IPv4" });
      closeAll(client, server);
      listener.close();
    });

    it("normalises an IPv4 client of a dual-stack listener (::ffff:127.0.0.1 becomes 127.0.0.1)", async (t) => {
      let listener;
      try {
        listener = await net.listen({ host: "::", port: 0 });
      } catch {
        t.skip("no IPv6 on this host");
        return;
      }
      const accepted = acceptOne(listener);
      const client = await net.connect({ host: "127.0.0.1", port: listener.addr.port });
      const server = await within(accepted, 5000, "accept");
      assert.deepEqual(server.remoteAddr, {
        address: "127.0.0.1",
        port: client.localAddr.port,
        family: "IPv4",
      });
      assert.equal(server.localAddr.address, "127.0.0.1");
      closeAll(client, server);
      listener.close();
    });
  });
}

/**
 * A connect that hangs on loopback: a listener with backlog 0 that never accepts drops further SYNs once its
 * accept queue is full, so the next connect waits on SYN retries until the signal aborts it. No runtime
 * makes such a listener (all accept at once), so python3 holds it.
 */
describe(
  "TCP connect timeout (AbortSignal)",
  { skip: python3 === undefined ? "needs python3" : false },
  () => {
    let port = 0;
    let child: ReturnType<typeof runtime.spawn> | undefined;
    const fillers: Conn[] = [];

    after(() => {
      for (const c of fillers) c.close();
      child?.kill("SIGKILL");
    });

    it("sets up a listener whose queue is full", async () => {
      child = runtime.spawn(python3!, [
        "-c",
        "import socket,sys,time\n" +
        "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(0)\n" +
        "print(s.getsockname()[1], flush=True); sys.stdin.read()",
      ]);
      const reader = child.stdout.getReader();
      port = Number(new TextDecoder().decode((await within(reader.read(), 5000, "python port")).value));
      reader.releaseLock();
      assert.ok(port > 0);
      // Fill the accept queue; a filler that cannot get in any more shows the queue is full.
      for (let i = 0; i < 8; i++) {
        try {
          fillers.push(await nodeNet.connect({ host: "127.0.0.1", port, signal: AbortSignal.timeout(300) }));
        } catch {
          return;
        }
      }
      assert.fail("the listener's accept queue never filled");
    });

    for (const [name, net] of adapters) {
      it(`${name}: rejects with TimeoutError when the signal times out`, async () => {
        assert.ok(port > 0, "no listener");
        const start = performance.now();
        await assert.rejects(
          within(net.connect({ host: "127.0.0.1", port, signal: AbortSignal.timeout(300) }), 5000, "connect"),
          (e: unknown) => (e as Error).name === "TimeoutError",
        );
        const elapsed = performance.now() - start;
        assert.ok(elapsed >= 250 && elapsed < 3000, `aborted after ${elapsed.toFixed(0)} ms`);
      });
    }
  },
);
