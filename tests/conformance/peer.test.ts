import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { type MsgFile, parseMsg, readMsgFile } from "../../scripts/conformance/msg.ts";
import { type PeerHandle, type PeerOptions, startPeer } from "../../scripts/conformance/peer.ts";
import { scriptCommand } from "../../scripts/conformance/self.ts";
import { defaultDataDir, REPO_ROOT } from "../../scripts/conformance/suite.ts";
import { fromHex, toHex } from "../../scripts/conformance/wire.ts";
import { FakeSpeaker, SPEAKER_OPEN } from "./fake-speaker.ts";

const ENCODING = join(defaultDataDir(), "encoding");
const MARKER = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";
const KEEPALIVE_HEX = MARKER + "001304";
const IPV4_EOR = MARKER + "00170200000000";

/** The raw messages of a test's groups, in file order, as bytes. */
function raws(msg: MsgFile, ...labels: string[]): Uint8Array[] {
  return msg.groups
    .filter((g) => labels.length === 0 || labels.includes(`${g.conn}${g.seq}`))
    .flatMap((g) => g.items.flatMap((i) => (i.kind === "raw" ? [fromHex(i.hex)] : [])));
}

async function withPeer(
  test: string | MsgFile,
  options: Partial<PeerOptions>,
  body: (peer: PeerHandle, msg: MsgFile) => Promise<void>,
): Promise<void> {
  const msg = typeof test === "string" ? await readMsgFile(join(ENCODING, `${test}.msg`)) : test;
  const peer = await startPeer({ msg, messageTimeoutMs: 3000, overallTimeoutMs: 10_000, ...options });
  try {
    await body(peer, msg);
  } finally {
    peer.stop("test ended");
  }
}

/** Reads the peer's messages until `count` arrived (or it stops sending), as hex. */
async function collect(speaker: FakeSpeaker, count: number, timeoutMs = 2000): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const m = await speaker.next(timeoutMs);
    if (!m) break;
    out.push(toHex(m));
  }
  return out;
}

describe("test peer", () => {
  it("passes conf-ebgp when the speaker sends exactly its messages, answering each with a KEEPALIVE", async () => {
    await withPeer("conf-ebgp", {}, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      assert.equal(toHex((await speaker.next())!), KEEPALIVE_HEX);
      for (const m of raws(msg)) {
        speaker.send(m);
        // the last match ends the test and closes the connection before any answer
        if (m !== raws(msg).at(-1)) assert.equal(toHex((await speaker.next())!), KEEPALIVE_HEX);
      }
      const result = await peer.result;
      assert.equal(result.ok, true, result.report);
      assert.match(result.report, /^successful/);
      speaker.close();
    });
  });

  it("fails on a wrong message, naming what arrived, what the group still expected, and the history", async () => {
    await withPeer("conf-ebgp", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      // 10.0.0.0/24 instead of the expected 10.0.0.0/24 with AS_PATH [65533]: an empty AS_PATH here
      const wrong = MARKER + "002902" + "0000000E" + "40010100" + "400200" + "4003040A0001FE" + "180A0000";
      speaker.sendHex(wrong);
      const result = await peer.result;
      assert.equal(result.ok, false);
      assert.match(result.report, /unexpected UPDATE on connection A \(group A1\)/);
      assert.ok(
        result.report.includes("received  FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0029:02:0000000E"),
        result.report,
      );
      assert.ok(result.report.includes("still expects 2 message(s)"), result.report);
      assert.ok(
        result.report.includes(
          "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002F:02:000000144001010040020602010000FFFD4003040A0001FE180A0000",
        ),
        result.report,
      );
      assert.ok(result.report.includes("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000"), result.report);
      assert.match(result.report, /A recv OPEN/);
      speaker.close();
    });
  });

  it("echoes the OPEN with router-id + 1 and, with option:asn, AS 65000 in My AS and capability 65", async () => {
    await withPeer("conf-ebgp", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      const reply = toHex(await speaker.open(SPEAKER_OPEN));
      // RFC 4271 §4.2 OPEN: version 4, My AS 0xFDE8 (65000), hold 180, BGP Identifier 10.0.0.3; then the
      // same parameters with the 4-octet AS capability (RFC 6793) carrying 65000.
      assert.equal(
        reply,
        MARKER + "004901" + "04" + "FDE8" + "00B4" + "0A000003" + "2C" + "0206010400010001" +
          "020641040000FDE8" +
          "02020600" + "02164B14134578614247502F352E302E302D302B74657374",
      );
      speaker.close();
    });
    await withPeer("api-api", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      const reply = await speaker.open(SPEAKER_OPEN);
      const expected = SPEAKER_OPEN.slice();
      expected[27] = 0x03; // only the identifier's last octet changes without option:asn
      assert.equal(toHex(reply), toHex(expected));
      speaker.close();
    });
  });

  it("adds capability 66 in its own optional parameter with option:open:send-unknown-capability", async () => {
    await withPeer("conf-unknowncap", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      const reply = await speaker.open(SPEAKER_OPEN);
      const length = (reply[16] << 8) | reply[17];
      assert.equal(length, reply.length);
      const added = length - SPEAKER_OPEN.length;
      assert.ok(added >= 4);
      assert.equal(reply[28], SPEAKER_OPEN[28] + added); // Opt Parm Len grew by the new parameter
      const param = reply.subarray(SPEAKER_OPEN.length);
      assert.equal(param[0], 2); // Capabilities (RFC 5492 §4)
      assert.equal(param[1], added - 2);
      assert.equal(param[2], 66);
      assert.equal(param[3], added - 4);
      assert.equal(toHex(reply.subarray(0, 16)), MARKER);
      speaker.close();
    });
  });

  it("sends the default route after OPEN and KEEPALIVE with option:update:send-default-route", async () => {
    await withPeer("api-check", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      const [keepalive, update] = await collect(speaker, 2);
      assert.equal(keepalive, KEEPALIVE_HEX);
      // 0.0.0.0/32: ORIGIN IGP, empty AS_PATH, NEXT_HOP 127.0.0.1, LOCAL_PREF 100 (RFC 4271 §4.3)
      assert.equal(
        update,
        MARKER + "003102" + "0000" + "0015" + "40010100" + "400200" + "4003047F000001" +
          "40050400000064" + "2000000000",
      );
      speaker.close();
    });
  });

  it("sends a type-255 message after its OPEN with option:open:send-unknown-message", async () => {
    await withPeer("unknown-message", {}, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      assert.deepEqual(await collect(speaker, 2), [KEEPALIVE_HEX, MARKER + "0013FF"]);
      speaker.send(...raws(msg)); // the speaker's NOTIFICATION 1/3
      assert.equal((await peer.result).ok, true);
      speaker.close();
    });
  });

  it("accepts the items of a group in any order (api-rr-rib, each group reversed)", async () => {
    await withPeer("api-rr-rib", {}, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      for (const group of msg.groups) {
        speaker.send(...[...group.items].reverse().map((i) => fromHex((i as { hex: string }).hex)));
      }
      const result = await peer.result;
      assert.equal(result.ok, true, result.report);
      speaker.close();
    });
  });

  it("does not let a message of a later group jump ahead", async () => {
    await withPeer("api-rr-rib", {}, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      speaker.send(...raws(msg, "A20"));
      const result = await peer.result;
      assert.equal(result.ok, false);
      assert.match(result.report, /group A10/);
      speaker.close();
    });
  });

  it("tolerates extra End-of-RIB markers after the last group, and nothing else", async () => {
    const mpEor = MARKER + "001E02" + "00000007" + "900F0003" + "000201"; // IPv6 unicast, RFC 4724 §2
    await withPeer("conf-ebgp", { lingerMs: 400 }, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      speaker.send(...raws(msg));
      speaker.sendHex(IPV4_EOR, mpEor);
      const result = await peer.result;
      assert.equal(result.ok, true, result.report);
      speaker.close();
    });
    await withPeer("conf-ebgp", { lingerMs: 400 }, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      speaker.send(...raws(msg));
      speaker.send(raws(msg)[0]);
      const result = await peer.result;
      assert.equal(result.ok, false);
      assert.match(result.report, /unexpected message after the last group/);
      speaker.close();
    });
  });

  it("answers a ROUTE-REFRESH by replaying the UPDATEs received so far, then a KEEPALIVE (api-rr)", async () => {
    await withPeer("api-rr", {}, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      assert.equal(toHex((await speaker.next())!), KEEPALIVE_HEX);
      const [eor] = raws(msg, "A1");
      const [u1, u2] = raws(msg, "A2");
      const [refresh] = raws(msg, "A3");
      assert.equal(toHex(refresh), MARKER + "0017" + "05" + "0001" + "00" + "01"); // RFC 2918 §3: IPv4 unicast
      speaker.send(eor, u1, u2);
      assert.deepEqual(await collect(speaker, 3), [KEEPALIVE_HEX, KEEPALIVE_HEX, KEEPALIVE_HEX]);
      speaker.send(refresh);
      assert.deepEqual(await collect(speaker, 3), [toHex(u1), toHex(u2), KEEPALIVE_HEX]);
      speaker.send(...raws(msg, "A4"));
      const result = await peer.result;
      assert.equal(result.ok, true, result.report);
      speaker.close();
    });
  });

  it("sends NOTIFICATION Cease/2 with the RFC 9003 text for a notification action, then closes", async () => {
    await withPeer("api-notification", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      const text = "closing session because we can";
      const [keepalive, notification] = await collect(speaker, 2);
      assert.equal(keepalive, KEEPALIVE_HEX);
      const textHex = toHex(new TextEncoder().encode(text));
      assert.equal(
        notification,
        MARKER + (19 + 3 + text.length).toString(16).toUpperCase().padStart(4, "0") + "03" +
          "06" + "02" + text.length.toString(16).toUpperCase().padStart(2, "0") + textHex,
      );
      assert.equal((await peer.result).ok, true);
      assert.equal(await speaker.waitClosed(), true);
    });
  });

  it("sends the signal of a signal action to the speaker's PID when the group before it is done", async () => {
    const child = spawn("sh", ["-c", 'trap "exit 7" USR1; while :; do sleep 0.05; done'], {
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await new Promise((r) => setTimeout(r, 100)); // let the shell install its trap
      await withPeer("api-reload", { speakerPid: child.pid }, async (peer, msg) => {
        const speaker = await FakeSpeaker.connect(peer.port);
        await speaker.open();
        speaker.send(...raws(msg, "A1"));
        assert.equal(await exited, 7);
        speaker.send(...raws(msg, "A3"));
        const result = await peer.result;
        assert.equal(result.ok, true, result.report);
        assert.match(result.report, /^successful/);
        speaker.close();
      });
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("moves to the next connection letter on each reconnect (api-teardown A, B, C)", async () => {
    await withPeer("api-teardown", {}, async (peer, msg) => {
      for (const [letter, groups] of [["A", ["A1", "A2"]], ["B", ["B1", "B2"]], ["C", ["C1"]]] as const) {
        const speaker = await FakeSpeaker.connect(peer.port);
        await speaker.open();
        speaker.send(...raws(msg, ...groups));
        if (letter !== "C") {
          // one KEEPALIVE after the OPEN and one per message: the peer has read everything; the speaker
          // then closes, as after its NOTIFICATION
          const answers = await collect(speaker, 1 + raws(msg, ...groups).length);
          assert.deepEqual(answers, answers.map(() => KEEPALIVE_HEX));
          assert.equal(answers.length, 1 + raws(msg, ...groups).length);
        }
        speaker.close();
      }
      const result = await peer.result;
      assert.equal(result.ok, true, result.report);
    });
  });

  it("fails when a reconnect happens before the previous connection's groups are done", async () => {
    await withPeer("api-teardown", {}, async (peer, msg) => {
      const first = await FakeSpeaker.connect(peer.port);
      await first.open();
      first.send(...raws(msg, "A1"));
      await collect(first, 3, 300);
      first.close();
      const second = await FakeSpeaker.connect(peer.port);
      await second.open();
      second.send(...raws(msg, "B1"));
      const result = await peer.result;
      assert.equal(result.ok, false);
      assert.match(result.report, /message on connection B while group A2 belongs to connection A/);
      second.close();
    });
  });

  it("matches the speaker's OPEN itself with option:open:inspect-open-message", async () => {
    await withPeer("conf-cap-software-version", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      speaker.send(SPEAKER_OPEN);
      const result = await peer.result;
      assert.equal(result.ok, true, result.report);
      speaker.close();
    });
    await withPeer("conf-hostname", {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      speaker.send(SPEAKER_OPEN);
      const result = await peer.result;
      assert.equal(result.ok, false);
      assert.match(result.report, /unexpected OPEN/);
      speaker.close();
    });
  });

  it("reports a timeout with what was still expected", async () => {
    await withPeer("conf-ebgp", { messageTimeoutMs: 300 }, async (peer, msg) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      speaker.send(raws(msg)[0]);
      const result = await peer.result;
      assert.equal(result.ok, false);
      assert.match(result.report, /^timeout: no message from the speaker for 0.3s/);
      assert.ok(result.report.includes("still expects 1 message(s)"), result.report);
      assert.ok(result.report.includes("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000"), result.report);
      speaker.close();
    });
  });

  it("runs standalone: prints its port, judges a session, exits 0 with 'successful'", async () => {
    const [cmd, ...args] = scriptCommand(join(REPO_ROOT, "scripts", "conformance", "peer.ts"), [
      join(ENCODING, "conf-ebgp.msg"),
      "--overall",
      "10",
    ]);
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const port = await new Promise<number>((resolve) => {
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        const m = /listening on 127\.0\.0\.1 (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
    });
    const code = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    const speaker = await FakeSpeaker.connect(port);
    await speaker.open();
    speaker.send(...raws(await readMsgFile(join(ENCODING, "conf-ebgp.msg"))));
    assert.equal(await code, 0);
    assert.match(out, /\nsuccessful \(2 message\(s\) matched\)\n$/);
    speaker.close();
  });

  it("frames messages split across TCP segments and several in one segment", async () => {
    const msg = parseMsg(`1:raw:${IPV4_EOR}\n2:raw:${IPV4_EOR}\n3:raw:${IPV4_EOR}`);
    await withPeer(msg, {}, async (peer) => {
      const speaker = await FakeSpeaker.connect(peer.port);
      await speaker.open();
      const all = fromHex(IPV4_EOR + IPV4_EOR + IPV4_EOR);
      speaker.send(all.subarray(0, 10));
      await new Promise((r) => setTimeout(r, 50));
      speaker.send(all.subarray(10, 40));
      await new Promise((r) => setTimeout(r, 50));
      speaker.send(all.subarray(40));
      const result = await peer.result;
      assert.equal(result.ok, true, result.report);
      speaker.close();
    });
  });
});
