/**
 * The speaker process against a peer that answers its OPEN with garbage (a header whose marker is not all
 * ones). RFC 4271 §6.1: a bad marker is a Message Header Error, subcode 1 (Connection Not Synchronized),
 * and the connection is closed; the speaker must then reconnect with a growing delay (ExaBGP's back-off)
 * and stay up, and SIGTERM must stop it cleanly (exit 0).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";
import { freePort, makeTempDir, removeTempDir } from "../helpers/sandbox.ts";

/** RFC 4271 §4.1/§4.5: NOTIFICATION, length 21, error code 1 (Message Header Error), subcode 1. */
const NOTIFICATION_1_1 = Uint8Array.from([...new Array(16).fill(0xff), 0x00, 0x15, 0x03, 0x01, 0x01]);

/** 19 bytes shaped like a KEEPALIVE header but with a zero marker. */
const GARBAGE = Uint8Array.from([...new Array(16).fill(0x00), 0x00, 0x13, 0x04]);

interface Attempt {
  readonly at: number;
  /** Everything the speaker sent on this connection, once it closed. */
  readonly received: Promise<Uint8Array>;
}

/** A TCP server that answers the first complete message (the OPEN) with GARBAGE and records the rest. */
class GarbagePeer {
  readonly attempts: Attempt[] = [];
  readonly sockets = new Set<Socket>();
  #waiters: (() => void)[] = [];

  constructor(readonly server: Server) {
    server.on("connection", (socket) => this.#serve(socket));
  }

  #serve(socket: Socket): void {
    this.sockets.add(socket);
    const chunks: Buffer[] = [];
    let answered = false;
    const received = new Promise<Uint8Array>((resolve) => {
      socket.on("data", (d: Buffer) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        // The OPEN is complete once its header's length is in: answer it, once.
        if (!answered && all.length >= 19 && all.length >= all.readUInt16BE(16)) {
          answered = true;
          socket.write(GARBAGE);
        }
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        this.sockets.delete(socket);
        resolve(new Uint8Array(Buffer.concat(chunks)));
      });
    });
    this.attempts.push({ at: performance.now(), received });
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when `n` connections have arrived; rejects after `timeoutMs`. */
  async connections(n: number, timeoutMs: number, speaker: SpeakerProcess): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.attempts.length < n) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `${this.attempts.length} of ${n} connections within ${timeoutMs} ms\n${speaker.output}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve(server));
  });
}

/** Splits a byte stream into BGP messages by their header length (RFC 4271 §4.1). */
function frames(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 19 <= bytes.length;) {
    const length = (bytes[at + 16] << 8) | bytes[at + 17];
    if (length < 19) break;
    out.push(bytes.subarray(at, at + length));
    at += length;
  }
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("speaker against a peer that sends garbage", () => {
  let dir: string | undefined;
  let peer: GarbagePeer | undefined;
  let speaker: SpeakerProcess | undefined;
  after(async () => {
    await speaker?.stop("SIGKILL");
    await peer?.close();
    removeTempDir(dir);
  });

  it("sends NOTIFICATION 1/1, closes, reconnects with growing delays, stays alive, exits 0 on SIGTERM", {
    timeout: 30_000,
  }, async () => {
    const port = await freePort();
    peer = new GarbagePeer(await listen(port));
    dir = makeTempDir("garbage");
    const conf = join(dir, "garbage.conf");
    writeFileSync(
      conf,
      `neighbor 127.0.0.1 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as 65002;
  connect ${port};
  family { ipv4 unicast; }
  static { route 10.1.0.0/24 next-hop 192.0.2.1; }
}
`,
    );
    speaker = startSpeaker([conf], {
      env: {
        exabgp_tcp_bind: "",
        exabgp_tcp_port: String(port),
        exabgp_log_level: "INFO",
        // Its own control socket: the default path is shared by every speaker of this user.
        exabgp_api_socketpath: join(dir, "tsbgp.sock"),
      },
    });

    await peer.connections(3, 15_000, speaker);
    assert.ok(speaker.running, `the speaker exited:\n${speaker.output}`);

    // Each of the first two connections: the speaker's OPEN, then exactly NOTIFICATION 1/1, then close.
    for (const attempt of peer.attempts.slice(0, 2)) {
      const messages = frames(await attempt.received);
      assert.ok(messages.length >= 2, `got ${messages.map(hex).join(" ")}`);
      assert.equal(messages[0][18], 1, `first message is not an OPEN: ${hex(messages[0])}`);
      assert.equal(hex(messages[messages.length - 1]), hex(NOTIFICATION_1_1), speaker.output);
    }

    const [a, b, c] = peer.attempts.map((x) => x.at);
    const gap1 = b - a;
    const gap2 = c - b;
    assert.ok(gap2 > gap1, `back-off does not grow: ${gap1.toFixed(0)} ms then ${gap2.toFixed(0)} ms`);
    assert.ok(gap2 < 10_000, `second gap ${gap2.toFixed(0)} ms is 10 s or more`);

    assert.ok(speaker.running, `the speaker exited:\n${speaker.output}`);
    const exit = await speaker.stop("SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, speaker.output);
  });
});
