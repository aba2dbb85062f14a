/**
 * The compiled executable in an empty root (issue 5): a directory holding only dist/tsbgp (or TSBGP_BIN),
 * the shared libraries `ldd` names and an empty /proc mount point, entered with unshare + chroot. Inside it
 * tsbgp validates a configuration, decodes a message, and keeps a BGP session with a peer outside the
 * root (a FakePeer on 127.0.0.1): Established, a route with its attributes each way, keepalives past the
 * hold time, `tsbgp cli` on the control socket, and a clean stop by PID. It also shows why /proc is in the
 * root: without a procfs the Bun runtime aborts before running any code.
 *
 * Needs Linux, root, unshare and the binary. Without them the test is skipped with the reason, except
 * under CI (env CI set), where it fails: CI builds the binary and runs as root.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readlinkSync, realpathSync } from "node:fs";
import { FakePeer } from "../helpers/bgp_peer.ts";
import { freePort, withoutVolatileKeys } from "../helpers/sandbox.ts";
import { REPO_ROOT, type SpeakerProcess } from "../helpers/speaker.ts";
import { BINARY, EmptyRoot, INSIDE, unavailableReason } from "./root.ts";

const LOCAL_AS = 65001;
const PEER_AS = 65002;
const HOLD_TIME = 3; // the smallest non-zero hold time (RFC 4271 §4.2): keepalives every second

function speakerConfig(port: number): string {
  return `neighbor 127.0.0.1 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as ${LOCAL_AS};
  peer-as ${PEER_AS};
  hold-time ${HOLD_TIME};
  connect ${port};
  family { ipv4 unicast; }
  static {
    route 198.51.100.0/24 next-hop 192.0.2.1 med 10 community [ 65001:100 ];
  }
}
`;
}

/** The environment inside the root: nothing from the host; no listening; the control socket in the root. */
const SPEAKER_ENV = { exabgp_tcp_bind: "", exabgp_log_level: "INFO", exabgp_api_socketpath: "/tsbgp.sock" };

/** RFC 4271 §4.3: the path attributes of an UPDATE body by type code, and its NLRI prefixes. */
function parseUpdate(b: Uint8Array): { attributes: Map<number, number[]>; nlri: string[] } {
  const withdrawn = (b[0] << 8) | b[1];
  const start = 4 + withdrawn;
  const end = start + ((b[2 + withdrawn] << 8) | b[3 + withdrawn]);
  const attributes = new Map<number, number[]>();
  for (let at = start; at < end;) {
    const extended = (b[at] & 0x10) !== 0;
    const length = extended ? (b[at + 2] << 8) | b[at + 3] : b[at + 2];
    const value = at + (extended ? 4 : 3);
    attributes.set(b[at + 1], [...b.subarray(value, value + length)]);
    at = value + length;
  }
  const nlri: string[] = [];
  for (let at = end; at < b.length;) {
    const bits = b[at++];
    const octets = [0, 0, 0, 0];
    for (let i = 0; i < (bits + 7) >> 3; i++) octets[i] = b[at + i];
    at += (bits + 7) >> 3;
    nlri.push(`${octets.join(".")}/${bits}`);
  }
  return { attributes, nlri };
}

/**
 * The UPDATE the peer sends: 203.0.113.0/24, ORIGIN IGP, AS_PATH AS_SEQUENCE [65002] in 4-octet ASNs (both
 * sides offer RFC 6793), NEXT_HOP 192.0.2.2, MED 20, COMMUNITIES 65002:200 (RFC 1997).
 */
function peerUpdate(): Uint8Array {
  const attributes = [
    [0x40, 1, 1, 0],
    [0x40, 2, 6, 2, 1, 0, 0, PEER_AS >> 8, PEER_AS & 0xff],
    [0x40, 3, 4, 192, 0, 2, 2],
    [0x80, 4, 4, 0, 0, 0, 20],
    [0xc0, 8, 4, PEER_AS >> 8, PEER_AS & 0xff, 0, 200],
  ].flat();
  const body = [0, 0, attributes.length >> 8, attributes.length & 0xff, ...attributes, 24, 203, 0, 113];
  const length = 19 + body.length;
  return Uint8Array.from([...new Array(16).fill(0xff), length >> 8, length & 0xff, 2, ...body]);
}

describe("the binary in an empty root", () => {
  const reason = unavailableReason();
  if (reason !== undefined) {
    if (process.env.CI) {
      it("can run (required under CI)", () => assert.fail(`empty-root test cannot run: ${reason}`));
    } else it(`skipped: ${reason}`, { skip: reason }, () => {});
    return;
  }

  let root: EmptyRoot;
  let peer: FakePeer | undefined;
  let speaker: SpeakerProcess | undefined;
  before(() => {
    root = EmptyRoot.create();
  });
  after(async () => {
    await speaker?.stop("SIGKILL");
    await peer?.close();
    root?.remove();
  });

  it("holds only the binary, the libraries ldd names and an empty /proc", () => {
    const dirs = new Set<string>(["/proc/"]);
    for (const lib of root.libraries) {
      for (let d = lib.slice(0, lib.lastIndexOf("/")); d !== ""; d = d.slice(0, d.lastIndexOf("/"))) {
        dirs.add(`${d}/`);
      }
    }
    assert.deepEqual(
      root.list(),
      [...dirs, ...root.libraries, INSIDE].sort(),
      `ldd ${BINARY}: ${root.libraries.join(" ")}`,
    );
  });

  it("without a procfs the runtime aborts before running any code (why the root has /proc)", async () => {
    const r = await root.run(["version"], { proc: false });
    assert.notEqual(
      r.code,
      0,
      `tsbgp ran without /proc: the README's FROM scratch section must change\n${r.stdout}`,
    );
    assert.doesNotMatch(r.stdout, /^tsbgp /);
  });

  it("tsbgp version", async () => {
    const r = await root.run(["version"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^tsbgp \S+ /);
  });

  it("tsbgp validate: a configuration copied into the root", async () => {
    const conf = root.put("/tsbgp.conf", speakerConfig(179));
    const r = await root.run(["validate", conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "/tsbgp.conf: ok (1 neighbor(s), 1 route(s), 0 process(es))");
    const bad = root.put("/bad.conf", speakerConfig(179).replace("local-as 65001;", "local-as 65001"));
    const refused = await root.run(["validate", bad]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /^\/bad\.conf:\d+:/m);
  });

  it("tsbgp decode --update: ExaBGP's JSON for ExaBGP's decoding vector", async () => {
    const vector = readFileSync(`${REPO_ROOT}conformance/exabgp-5.0/decoding/ipv4-unicast-2`, "utf8");
    const [, hex, expected] = vector.split("\n");
    const r = await root.run(["decode", "-f", "ipv4 unicast", "--update", hex.trim()]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutVolatileKeys(r.stdout.trim()), withoutVolatileKeys(expected));
  });

  it("tsbgp demo: needs no file", async () => {
    const r = await root.run(["demo"]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      /^# routes exchanged in \d+ ms: alpha holds 2 routes from beta, beta holds 2 routes from alpha$/m,
    );
  });

  it("tsbgp server keeps a session with a peer outside the root", { timeout: 60_000 }, async () => {
    const port = await freePort();
    peer = await FakePeer.listen({ port, asn: PEER_AS, holdTime: HOLD_TIME, routerId: "192.0.2.2" });
    const p = peer;
    const conf = root.put("/tsbgp.conf", speakerConfig(port));
    const s = speaker = root.start([conf], SPEAKER_ENV);
    await s.waitForLine(/neighbor 127\.0\.0\.1 up/, 20_000);
    // The PID spawned is tsbgp itself, confined to the root.
    assert.equal(readlinkSync(`/proc/${s.pid}/root`), realpathSync(root.dir));
    assert.equal(readlinkSync(`/proc/${s.pid}/exe`), `${realpathSync(root.dir)}${INSIDE}`);
    await p.until(() => p.established && p.rib.has("198.51.100.0/24"), 10_000, () => s.output);
    const update = p.updateBodies.map(parseUpdate).find((u) => u.nlri.includes("198.51.100.0/24"))!;
    // eBGP: ORIGIN IGP (default), AS_PATH AS_SEQUENCE [65001] (RFC 4271 §5.1.2, 4-octet ASNs), NEXT_HOP,
    // MULTI_EXIT_DISC 10, COMMUNITIES 65001:100; nothing else.
    assert.deepEqual(
      Object.fromEntries(update.attributes),
      { 1: [0], 2: [2, 1, 0, 0, 0xfd, 0xe9], 3: [192, 0, 2, 1], 4: [0, 0, 0, 10], 8: [0xfd, 0xe9, 0, 100] },
      s.output,
    );

    // A route the other way, read back with `tsbgp cli` run inside the root too.
    const connection = p.connections.at(-1)!;
    connection.socket.write(peerUpdate());
    let ribIn = "";
    for (let tries = 0; tries < 50 && !/203\.0\.113\.0\/24/.test(ribIn); tries++) {
      const r = await root.run(["cli", "--socket", "/tsbgp.sock", "show", "adj-rib", "in", "extensive"]);
      ribIn = `${r.stdout}${r.stderr}`;
      if (!/203\.0\.113\.0\/24/.test(ribIn)) await new Promise((done) => setTimeout(done, 200));
    }
    assert.match(
      ribIn,
      /^127\.0\.0\.1 ipv4 unicast 203\.0\.113\.0\/24 next-hop 192\.0\.2\.2 .*as-path \[ 65002 \].*med 20.*community (\[ )?65002:200\b/m,
      `${ribIn}\n--- speaker\n${s.output}`,
    );

    // Keepalives both ways: past twice the hold time the session is still up with no NOTIFICATION (the
    // speaker took the peer's KEEPALIVEs), and the speaker never let a hold time pass without one (RFC 4271
    // §4.4), which is what a real router would enforce.
    const openAt = connection.openAt!;
    await p.until(
      () => connection.keepalives.some((t) => t > openAt + 2 * HOLD_TIME * 1000),
      20_000,
      () => `${connection.keepalives.length} keepalives\n${s.output}`,
    );
    const times = [openAt, ...connection.keepalives];
    const gaps = times.slice(1).map((t, i) => Math.round(t - times[i]));
    assert.ok(
      Math.max(...gaps) < HOLD_TIME * 1000,
      `gaps between the speaker's keepalives (ms): ${gaps.join(" ")}`,
    );
    assert.equal(connection.closedAt, undefined, s.output);
    assert.deepEqual(p.notifications, [], s.output);
    assert.ok(s.running, s.output);

    // Stopped by its PID: exit 0, the session closes.
    const exit = await s.stop("SIGTERM", 10_000);
    assert.deepEqual(exit, { code: 0, signal: null }, s.output);
    await p.until(() => connection.closedAt !== undefined, 10_000, () => s.output);
  });
});
