/**
 * A peer's RFC 9003 Shutdown Communication in the speaker's "down:" log line (issue 7): the text of a
 * Cease 6/2 is shown, quoted and escaped — it is the peer's text, and a quote or a line break in it must
 * neither end the line nor forge another one; a malformed one (length beyond the data) is reported as such.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock } from "../helpers/e2e.ts";

/** NOTIFICATION Cease (6) / Administrative Shutdown (2) with `data` (RFC 4271 §4.5, RFC 9003 §2). */
function cease2(data: Uint8Array): Uint8Array {
  const m = new Uint8Array(21 + data.length).fill(0xff, 0, 16);
  m[16] = m.length >> 8;
  m[17] = m.length & 0xff;
  m[18] = 3;
  m[19] = 6;
  m[20] = 2;
  m.set(data, 21);
  return m;
}

/** The RFC 9003 communication: one length octet, then the UTF-8 text. */
function communication(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  return Uint8Array.of(utf8.length, ...utf8);
}

describe("the down log line of a peer's shutdown", () => {
  const t = new E2E("shutdown-communication-log");
  after(() => t.close());

  it("shows the text, escaped, and marks a malformed one", { timeout: 90_000 }, async () => {
    await t.listen();
    t.writeConf(neighborBlock({ port: t.port }));
    const speaker = t.start();

    const sessions: [data: Uint8Array, expected: string][] = [
      [
        communication("maintenance, back at 10"),
        "neighbor 127.0.0.1 down: peer sent NOTIFICATION 6/2 (Cease / Administrative Shutdown) " +
        '"maintenance, back at 10"',
      ],
      [
        communication('bye" \nneighbor 127.0.0.1 up {x}'),
        "neighbor 127.0.0.1 down: peer sent NOTIFICATION 6/2 (Cease / Administrative Shutdown) " +
        '"bye\\" \\nneighbor 127.0.0.1 up {x}"',
      ],
      // Length 40 but 3 octets of text: RFC 9003 §4, not displayed.
      [
        Uint8Array.of(40, 0x61, 0x62, 0x63),
        "neighbor 127.0.0.1 down: peer sent NOTIFICATION 6/2 (Cease / Administrative Shutdown) " +
        "(malformed shutdown communication)",
      ],
    ];
    let from = 0;
    for (const [k, [data, expected]] of sessions.entries()) {
      await t.peer.until(
        () => t.peer.connections.length === k + 1 && t.peer.established,
        30_000,
        () => speaker.output,
      );
      t.peer.connections[k].socket.write(cease2(data));
      const down = await speaker.waitForLine(/ down: /, 15_000, from);
      assert.ok(down.line.endsWith(expected), `${down.line}\nexpected it to end with\n${expected}`);
      from = down.index + 1;
    }
    // The forged line never appeared as a line of its own.
    assert.ok(!speaker.lines.some((l) => /^neighbor 127\.0\.0\.1 up/.test(l)), speaker.output);
  });
});
