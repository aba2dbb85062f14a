/**
 * The benchmark's own parts (scripts/bench/): the prefix plan, the attribute mix, the raw sender's table
 * (decoded back with the project's codecs), the raw peer's counting over a real TCP session, the KEEPALIVE
 * gap, the transfer scenarios' run record (this process standing in for the speaker under test), BIRD's
 * route-count parsing and the command line. No timing is asserted: the bench's figures are printed, never
 * tested.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { decodeMessage, encodeMessage } from "../../lib/bgp/message/codec.ts";
import { KEEPALIVE_BYTES } from "../../lib/bgp/message/keepalive.ts";
import { MessageReader } from "../../lib/bgp/message/reader.ts";
import { DEFAULT_CONTEXT, type UpdateMessage } from "../../lib/bgp/types.ts";
import { nlriToString } from "../../lib/bgp/nlri/prefix.ts";
import { attributeGroups } from "../../scripts/bench/attribute_mix.ts";
import { routeCount } from "../../scripts/bench/bird_config.ts";
import { waitFor } from "../../scripts/bench/clock.ts";
import { OptionError, parseOptions } from "../../scripts/bench/options.ts";
import { BenchPeer } from "../../scripts/bench/peer.ts";
import { prefixAddress, PrefixSet, prefixText, writePrefix } from "../../scripts/bench/prefixes.ts";
import type { ApiToWireRun, WireToJsonRun } from "../../scripts/bench/results.ts";
import { measureTransfer, recordTransfer } from "../../scripts/bench/transfer.ts";
import { buildTable } from "../../scripts/bench/updates.ts";
import { freePort } from "../helpers/sandbox.ts";

/** The bench's raw peer on this host's loopback address, as AS 65002 with a 9 s hold time. */
function localPeer(port: number, expect: number): Promise<BenchPeer> {
  return BenchPeer.listen({
    host: "127.0.0.1",
    port,
    asn: 65002,
    routerId: "127.0.0.2",
    holdTime: 9,
    expect,
  });
}

/** Every UPDATE of a byte stream, decoded. */
function updatesOf(chunks: readonly Uint8Array[]): UpdateMessage[] {
  const reader = new MessageReader();
  const out: UpdateMessage[] = [];
  for (const c of chunks) {
    reader.push(c);
    for (let m = reader.next(65535); m !== undefined; m = reader.next(65535)) {
      assert.equal(m.type, 2);
      assert.ok(m.body.length + 19 <= 4096, "an UPDATE longer than 4096 bytes");
      out.push(decodeMessage(m.type, m.body, DEFAULT_CONTEXT) as UpdateMessage);
    }
  }
  return out;
}

describe("bench prefixes", () => {
  it("puts prefix i in its own /24 from 11.0.0.0 with lengths cycling /24 to /32", () => {
    assert.equal(prefixText(0), "11.0.0.0/24");
    assert.equal(prefixText(1), "11.0.1.0/25");
    assert.equal(prefixText(8), "11.0.8.0/32");
    assert.equal(prefixText(9), "11.0.9.0/24");
    assert.equal(prefixText(65536), "12.0.0.0/31"); // 65536 % 9 = 7
    const out = new Uint8Array(5);
    assert.equal(writePrefix(0, out, 0), 4);
    assert.deepEqual([...out.subarray(0, 4)], [24, 11, 0, 0]);
    assert.equal(writePrefix(1, out, 0), 5);
    assert.deepEqual([...out], [25, 11, 0, 1, 0]);
  });

  it("counts distinct bench prefixes and sets foreign ones aside", () => {
    const set = new PrefixSet(10);
    set.add(prefixAddress(3), 27);
    set.add(prefixAddress(3), 27); // twice: once
    set.add(prefixAddress(3), 24); // wrong length: not the bench's prefix 3
    set.add(prefixAddress(20), 26); // beyond the capacity
    set.add((10 << 24) >>> 0, 8);
    assert.equal(set.size, 1);
    assert.equal(set.foreign, 3);
    set.delete(prefixAddress(3), 27);
    assert.equal(set.size, 0);
  });
});

describe("bench attribute mix", () => {
  it("covers every prefix once, in order, the same way every time", () => {
    const groups = [...attributeGroups(5000)];
    let next = 0;
    for (const g of groups) {
      assert.equal(g.first, next);
      assert.ok(g.count >= 1 && g.count <= 40);
      next += g.count;
    }
    assert.equal(next, 5000);
    assert.deepEqual([...attributeGroups(5000)], groups);
    const mean = 5000 / groups.length;
    assert.ok(mean > 2.5 && mean < 4, `mean run length ${mean}`);
    assert.ok(groups.some((g) => g.attributes.path.some((asn) => asn > 0xffff)), "some 4-octet ASNs");
    assert.ok(groups.some((g) => g.attributes.communities.length === 0), "some sets without communities");
  });
});

describe("bench raw sender's table", () => {
  it("decodes to every prefix once, with the sender's AS first, then End-of-RIB", () => {
    const n = 3000;
    const table = buildTable(n, 65003, "192.0.2.2");
    const updates = updatesOf(table.chunks);
    assert.equal(updates.length, table.updates + 1);
    const eor = updates.pop()!;
    assert.deepEqual([eor.announced.length, eor.attributes.length, eor.withdrawn.length], [0, 0, 0]);
    const seen = updates.flatMap((u) => u.announced.map((p) => nlriToString(p)));
    assert.equal(seen.length, n);
    assert.deepEqual(new Set(seen), new Set(Array.from({ length: n }, (_, i) => prefixText(i))));
    for (const u of updates) {
      const path = u.attributes.find((a) => a.kind === "as-path");
      assert.ok(path?.kind === "as-path" && path.segments[0].asns[0] === 65003);
      assert.ok(u.attributes.some((a) => a.kind === "next-hop" && a.address === "192.0.2.2"));
    }
  });
});

describe("bench raw peer", () => {
  it("answers the OPEN and counts the prefixes a speaker sends over TCP", async () => {
    const n = 2000;
    const port = await freePort("127.0.0.1");
    const peer = await localPeer(port, n);
    const client = connect({ host: "127.0.0.1", port });
    try {
      const replies = new MessageReader();
      const types: number[] = [];
      client.on("data", (d: Uint8Array) => {
        replies.push(d);
        for (let m = replies.next(4096); m !== undefined; m = replies.next(4096)) types.push(m.type);
      });
      await new Promise<void>((resolve, reject) => client.once("connect", resolve).once("error", reject));
      const open = encodeMessage(
        {
          type: "open",
          version: 4,
          asn: 65001,
          holdTime: 9,
          routerId: "192.0.2.1",
          capabilities: [{ code: 1, name: "multiprotocol", afi: 1, safi: 1 }, {
            code: 65,
            name: "asn4",
            asn: 65001,
          }],
        },
        DEFAULT_CONTEXT,
      );
      client.write(open);
      client.write(KEEPALIVE_BYTES);
      await peer.until("established", () => peer.established, 5_000);
      for (const chunk of buildTable(n, 65001, "192.0.2.1").chunks) client.write(chunk);
      await peer.until("all prefixes", () => peer.prefixes.size === n, 10_000);
      assert.equal(peer.prefixes.foreign, 0);
      assert.ok(peer.eorAt !== undefined, "End-of-RIB seen");
      await waitFor("the peer's answer", () => (types.length >= 2 ? true : undefined), { timeoutMs: 5_000 });
      assert.deepEqual(types.slice(0, 2), [1, 4], "the peer answered OPEN then KEEPALIVE");
    } finally {
      client.destroy();
      await peer.close();
    }
  });

  it("reports the longest time without a KEEPALIVE, from the one before the window to its end", async () => {
    const peer = await localPeer(await freePort("127.0.0.1"), 0);
    try {
      peer.establishedAt = 1000;
      peer.keepalives.push(4000, 7000, 12000, 13000);
      assert.equal(peer.longestKeepaliveGap(5000, 14000), 5000); // 7000 → 12000
      assert.equal(peer.longestKeepaliveGap(5000, 20000), 7000); // 13000 → the end
      assert.equal(peer.longestKeepaliveGap(2000, 3500), 2500); // the session's start → the end
    } finally {
      await peer.close();
    }
  });
});

/** The fields every transfer run records first, in the JSON's order. */
const RECORD = ["kind", "target", "sender", "size", "loadBefore", "cpuSeconds", "rssBaseKiB", "rssPeakKiB"];

describe("bench transfer scaffolding", () => {
  it("records the figures in the JSON's order, with the raw peer's longest KEEPALIVE gap", async () => {
    let dir = "";
    const run = await measureTransfer<WireToJsonRun>(
      { kind: "wire-to-json", target: "bun", sender: "raw", size: 10 },
      "transfer-test",
      {},
      async (run, ws) => {
        dir = ws.dir;
        const peer = await localPeer(await freePort("127.0.0.1"), 0);
        ws.defer(() => peer.close());
        peer.establishedAt = 1000;
        peer.keepalives.push(4000, 9000);
        const watch = ws.watch(process.pid);
        await recordTransfer(run, { watch, t0: 2000, end: 10_000, peer, holder: process.pid }, (seconds) => ({
          helperCpuSeconds: 0.5,
          seconds,
          prefixesPerSecond: run.size / seconds,
        }));
      },
    );
    assert.equal(run.error, undefined);
    assert.deepEqual(Object.keys(run), [
      ...RECORD,
      "helperCpuSeconds",
      "seconds",
      "prefixesPerSecond",
      "keepaliveIntervalSeconds",
      "longestKeepaliveGapSeconds",
      "rssAfterKiB",
    ]);
    assert.equal(typeof run.loadBefore, "number");
    assert.equal(run.seconds, 8);
    assert.equal(run.prefixesPerSecond, 1.25);
    assert.equal(run.keepaliveIntervalSeconds, 3);
    assert.equal(run.longestKeepaliveGapSeconds, 5); // 4000 → 9000
    assert.ok(run.rssPeakKiB! > 0 && run.rssAfterKiB! > 0, "this process's RSS was read");
    assert.ok(!existsSync(dir), "the workspace was removed");
  });

  it("records no KEEPALIVE figures when no raw peer took part", async () => {
    const run = await measureTransfer<ApiToWireRun>(
      { kind: "api-to-wire", target: "bun", form: "batched", receiver: "bird", size: 10 },
      "transfer-test",
      {},
      async (run, ws) => {
        const watch = ws.watch(process.pid);
        await recordTransfer(
          run,
          { watch, t0: 0, end: 500, holder: process.pid },
          (seconds) => ({ seconds }),
        );
      },
    );
    assert.equal(run.error, undefined);
    assert.equal(run.seconds, 0.5);
    assert.ok(!("keepaliveIntervalSeconds" in run) && !("longestKeepaliveGapSeconds" in run));
  });

  it("turns a failed transfer into the run's error, undoing what it started and removing its workspace", async () => {
    let dir = "";
    let undone = false;
    const run = await measureTransfer<ApiToWireRun>(
      { kind: "api-to-wire", target: "bird", form: "static", receiver: "raw", size: 10 },
      "transfer-test",
      {},
      (_run, ws) => {
        dir = ws.dir;
        ws.defer(() => (undone = true));
        return Promise.reject(new Error("no session with the raw peer"));
      },
    );
    assert.equal(run.error, "no session with the raw peer");
    assert.equal(run.seconds, undefined);
    assert.equal(typeof run.loadBefore, "number");
    assert.ok(undone, "the deferred step ran");
    assert.ok(dir !== "" && !existsSync(dir), "the workspace was removed");
  });
});

describe("bench command line and BIRD output", () => {
  it("parses sizes and lists, and names the flag and the choices on bad input", () => {
    const quick = parseOptions(["--quick"]);
    assert.deepEqual([quick.apiSizes, quick.tableSize, quick.idleSeconds], [[10_000], 10_000, 5]);
    const full = parseOptions([]);
    assert.deepEqual([full.apiSizes, full.tableSize, full.idleSeconds], [
      [100_000, 1_000_000],
      1_000_000,
      60,
    ]);
    const some = parseOptions(["--size", "100k", "--only", "memory,idle", "--targets", "bun,exabgp"]);
    assert.deepEqual([some.tableSize, [...some.scenarios], some.targets], [100_000, ["memory", "idle"], [
      "bun",
      "exabgp",
    ]]);
    assert.throws(
      () => parseOptions(["--targets", "bun,frr"]),
      (e: unknown) =>
        e instanceof OptionError &&
        /--targets: unknown 'frr', expected one or more of deno, bun, binary/.test(e.message),
    );
    assert.throws(() => parseOptions(["--size", "0"]), /--size: expected a positive whole number, got '0'/);
    assert.throws(() => parseOptions(["--bogus"]), OptionError);
  });

  it("reads BIRD's route count", () => {
    const out = "BIRD 2.0.12 ready.\n100000 of 100000 routes for 100000 networks in table master4\n";
    assert.equal(routeCount(out), 100000);
    assert.equal(routeCount("BIRD 2.0.12 ready.\n"), undefined);
  });
});
