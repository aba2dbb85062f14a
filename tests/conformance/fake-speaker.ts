/**
 * A scripted stand-in for the speaker, used to drive the test peer in the tests: it connects over
 * 127.0.0.1, sends whatever bytes the test gives it, and hands back the peer's messages one by one.
 */
import * as net from "node:net";
import { fromHex } from "../../scripts/conformance/wire.ts";

/**
 * The OPEN that ExaBGP sends for conf-cap-software-version (from that test's .msg): AS 65533, hold 180,
 * router-id 10.0.0.2, multiprotocol ipv4/unicast, 4-octet AS 65533, route refresh, software version.
 */
export const SPEAKER_OPEN = fromHex(
  "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF004901" +
    "04FFFD00B40A0000022C0206010400010001020641040000FFFD0202060002164B14134578614247502F352E302E302D302B74657374",
);

export class FakeSpeaker {
  private buf = new Uint8Array(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Uint8Array) => {
      const joined = new Uint8Array(this.buf.length + chunk.length);
      joined.set(this.buf);
      joined.set(chunk, this.buf.length);
      this.buf = joined;
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<FakeSpeaker> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new FakeSpeaker(socket)));
      socket.once("error", reject);
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(...messages: Uint8Array[]): void {
    for (const m of messages) this.socket.write(m);
  }

  sendHex(...hex: string[]): void {
    this.send(...hex.map(fromHex));
  }

  /** The peer's next message, or undefined when the connection closed first or nothing came in time. */
  async next(timeoutMs = 3000): Promise<Uint8Array | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length >= 19) {
        const length = (this.buf[16] << 8) | this.buf[17];
        if (this.buf.length >= length) {
          const msg = this.buf.slice(0, length);
          this.buf = this.buf.slice(length);
          return msg;
        }
      }
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Opens the session: sends the OPEN, returns the peer's OPEN after checking a KEEPALIVE follows. */
  async open(open: Uint8Array = SPEAKER_OPEN): Promise<Uint8Array> {
    this.send(open);
    const reply = await this.next();
    if (!reply) throw new Error("no OPEN from the peer");
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Resolves once the peer closed the connection. */
  async waitClosed(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closed;
  }
}
