import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { msgSettings, parseMsg, readMsgFile } from "../../scripts/conformance/msg.ts";
import { defaultDataDir } from "../../scripts/conformance/suite.ts";

const ENCODING = join(defaultDataDir(), "encoding");
const read = (name: string) => readMsgFile(join(ENCODING, `${name}.msg`));
const labels = (f: { groups: readonly { conn: string; seq: number }[] }) =>
  f.groups.map((g) => `${g.conn}${g.seq}`);

describe(".msg parser", () => {
  it("reads conf-ebgp: option:asn and one group of two raw messages, colons removed", async () => {
    const f = await read("conf-ebgp");
    assert.deepEqual(f.options, [{ name: "asn", value: "65000" }]);
    assert.equal(msgSettings(f).asn, 65000);
    assert.equal(f.lettered, false);
    assert.deepEqual(labels(f), ["A1"]);
    assert.deepEqual(f.groups[0].items, [
      {
        kind: "raw",
        hex: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002F02000000144001010040020602010000FFFD4003040A0001FE180A0000",
      },
      { kind: "raw", hex: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000" },
    ]);
  });

  it("orders groups numerically, not as text (api-rr-rib: 10 … 60), and ignores lines with #", async () => {
    const f = await read("api-rr-rib");
    assert.deepEqual(labels(f), [
      "A10",
      "A20",
      "A21",
      "A30",
      "A31",
      "A32",
      "A33",
      "A40",
      "A42",
      "A45",
      "A48",
      "A50",
      "A60",
    ]);
    assert.equal(f.groups.find((g) => g.seq === 45)!.items.length, 3);
  });

  it("reads connection letters and tcp_connections (api-teardown)", async () => {
    const f = await read("api-teardown");
    assert.equal(f.lettered, true);
    assert.deepEqual(labels(f), ["A1", "A2", "B1", "B2", "C1"]);
    assert.equal(msgSettings(f).tcpConnections, 3);
    assert.deepEqual(f.groups[1].items, [{
      kind: "raw",
      hex: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002A03" + "0604" + "14" +
        Array.from(new TextEncoder().encode("Administrative Reset"), (b) => b.toString(16).toUpperCase())
          .join(""),
    }]);
  });

  it("reads signal and notification actions", async () => {
    const reload = await read("api-reload");
    assert.deepEqual(labels(reload), ["A1", "A2", "A3"]);
    assert.deepEqual(reload.groups[1].items, [{ kind: "signal", name: "SIGUSR1" }]);
    const notification = await read("api-notification");
    assert.deepEqual(notification.groups[0].items, [{
      kind: "notification",
      text: "closing session because we can",
    }]);
  });

  it("reads the peer options", async () => {
    assert.equal(msgSettings(await read("conf-ipself6")).ipv6, true);
    assert.equal(msgSettings(await read("conf-unknowncap")).sendUnknownCapability, true);
    assert.equal(msgSettings(await read("conf-hostname")).inspectOpenMessage, true);
    assert.equal(msgSettings(await read("unknown-message")).sendUnknownMessage, true);
    const api = msgSettings(await read("api-api"));
    assert.equal(api.sendDefaultRoute, true);
    assert.equal(api.tcpConnections, 1);
    assert.equal(api.asn, undefined);
    assert.equal(msgSettings(parseMsg("option:timeout:7\n1:raw:FFFF")).timeoutS, 7);
  });

  it("parses all 72 files; every raw message's length field matches its size", async () => {
    const names = readdirSync(ENCODING).filter((n) => n.endsWith(".msg"));
    assert.equal(names.length, 72);
    let raws = 0;
    for (const name of names) {
      const f = await readMsgFile(join(ENCODING, name));
      for (const item of f.groups.flatMap((g) => g.items)) {
        if (item.kind !== "raw") continue;
        raws++;
        assert.equal(parseInt(item.hex.slice(32, 36), 16), item.hex.length / 2, `${name}: ${item.hex}`);
      }
    }
    assert.ok(raws > 300);
  });

  it("rejects malformed lines with the file and line number", () => {
    assert.throws(() => parseMsg("1:raw:FFF", "x.msg"), /x\.msg:1: raw content/);
    assert.throws(() => parseMsg("\n1:bogus:AA", "x.msg"), /x\.msg:2: unknown kind/);
    assert.throws(() => parseMsg("garbage", "x.msg"), /x\.msg:1: not a \.msg line/);
  });
});
