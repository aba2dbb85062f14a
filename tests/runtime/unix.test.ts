/** Unix domain sockets (the control channel) through the native adapter and the node:net wrapper. */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../../lib/runtime/mod.ts";
import { nodeNet } from "../../lib/runtime/node_net.ts";
import type { SocketAdapter } from "../../lib/runtime/types.ts";
import { acceptOne, python3, readText, within } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "tsbgp-unix-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();
let n = 0;
const freshPath = () => join(dir, `ctl-${n++}.sock`);

const adapters: [string, SocketAdapter][] = [[`native (${runtime.net.name})`, runtime.net], [
  "node:net",
  nodeNet,
]];

for (const [name, net] of adapters) {
  describe(`Unix socket ${name}`, () => {
    it("round-trips a command and its answer; the socket file is mode 0600", async () => {
      const path = freshPath();
      const listener = await net.listenUnix(path);
      assert.equal(listener.path, path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.ok(statSync(path).isSocket());
      const accepted = acceptOne(listener);
      const client = await net.connectUnix(path);
      const server = await within(accepted, 5000, "accept");

      const cw = client.writable.getWriter();
      await cw.write(enc.encode("show neighbor\n"));
      await cw.close();
      assert.equal(await within(readText(server.readable), 5000, "server read"), "show neighbor\n");
      const sw = server.writable.getWriter();
      await sw.write(enc.encode("done\n"));
      await sw.close();
      assert.equal(await within(readText(client.readable), 5000, "client read"), "done\n");
      client.close();
      server.close();
      listener.close();
      assert.equal(existsSync(path), false, "socket file left behind");
    });

    it("refuses to replace a file that is not a socket", async () => {
      const path = freshPath();
      writeFileSync(path, "precious");
      await assert.rejects(net.listenUnix(path), /not a socket/);
      assert.equal(existsSync(path), true);
    });

    it("replaces a stale socket file left by a killed process", {
      skip: python3 === undefined ? "needs python3" : false,
    }, async () => {
      const path = freshPath();
      // bind() creates the file; exiting without unlink leaves it stale, as after SIGKILL.
      const child = runtime.spawn(python3!, [
        "-c",
        "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
        path,
      ]);
      assert.deepEqual(await within(child.exited, 5000, "python"), { code: 0, signal: null });
      assert.ok(statSync(path).isSocket());
      const listener = await net.listenUnix(path);
      const accepted = acceptOne(listener);
      const client = await net.connectUnix(path);
      const server = await within(accepted, 5000, "accept");
      client.close();
      server.close();
      listener.close();
    });

    it("refuses a path another listener is live on, and leaves that listener working", async () => {
      const path = freshPath();
      const first = await net.listenUnix(path);
      await assert.rejects(net.listenUnix(path), /in use/);
      const accepted = acceptOne(first);
      const client = await within(net.connectUnix(path), 5000, "connect");
      const server = await within(accepted, 5000, "accept");
      client.close();
      server.close();
      first.close();
    });

    it("rejects a connection to a path nobody listens on", async () => {
      await assert.rejects(net.connectUnix(join(dir, "nobody.sock")));
    });
  });
}
