/**
 * Interoperability with a real BGP implementation: BIRD 2 on 127.0.0.2 (AS 65002) and the tsbgp process
 * on 127.0.0.1 (AS 65001), eBGP over loopback. tsbgp's static routes must reach BIRD's table with their
 * attributes (AS_PATH with 65001 prepended, RFC 4271 §5.1.2; communities RFC 1997; large communities
 * RFC 8092), BIRD's static routes must land in tsbgp's Adj-RIB-In (read through `tsbgp cli` on the
 * control socket), and stopping tsbgp must take the session down.
 *
 * Without BIRD the test is skipped, except under CI (env CI set), where it fails: CI installs bird2.
 * Needs no privileges: BIRD runs on a free high port.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bird, findExecutable, routeBlocks } from "../helpers/bird.ts";
import { freePort, makeTempDir, removeTempDir, sleep } from "../helpers/sandbox.ts";
import { runCli, type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";

/** TSBGP_BIRD_DIR names the directory of bird and birdc when they are elsewhere (or absent, to try that path). */
const BIRD_DIR = process.env.TSBGP_BIRD_DIR;
const BIRD = findExecutable("bird", BIRD_DIR);
const BIRDC = findExecutable("birdc", BIRD_DIR);
const MISSING = `BIRD 2 is not installed (no bird/birdc in ${
  BIRD_DIR ?? "$PATH or /usr/sbin"
}; Debian package bird2)`;

function birdConfig(dir: string, port: number): string {
  return `log "${dir}/bird.log" all;
router id 127.0.0.2;
protocol device { scan time 60; }
protocol static s4 { ipv4; route 10.2.0.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:2::/48 blackhole; }
protocol bgp tsbgp {
  local 127.0.0.2 port ${port} as 65002;
  neighbor 127.0.0.1 as 65001;
  strict bind yes;   # bind 127.0.0.2 only
  multihop 1;        # 127/8 is host scope: direct mode refuses the neighbor
  passive on;        # tsbgp connects (it does not listen in this test)
  hold time 30;
  ipv4 { import all; export where proto = "s4"; next hop address 192.0.2.2; };
  ipv6 { import all; export where proto = "s6"; next hop address 2001:db8::2; };
}
`;
}

function speakerConfig(port: number): string {
  return `neighbor 127.0.0.2 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as 65002;
  connect ${port};
  adj-rib-in true;
  family { ipv4 unicast; ipv6 unicast; }
  static {
    route 10.1.0.0/24 next-hop 192.0.2.1 origin egp med 50 as-path [ 64600 64601 ] community [ 65001:100 65001:200 ] large-community [ 65001:1:2 ];
    route 10.1.1.0/24 next-hop 192.0.2.1 community [ no-export ];
    route 2001:db8:1::/48 next-hop 2001:db8::1 large-community [ 65001:3:4 ];
  }
}
`;
}

/** One channel's section ("Channel ipv4" …) of `show protocols all`. */
function channel(protocols: string, name: string): string {
  const start = protocols.indexOf(`Channel ${name}`);
  if (start < 0) return "";
  const next = protocols.indexOf("Channel ", start + 1);
  return protocols.slice(start, next < 0 ? undefined : next);
}

function counts(section: string): { imported: number; exported: number } | undefined {
  const m = /Routes:\s+(\d+) imported,(?: \d+ filtered,)? (\d+) exported/.exec(section);
  return m ? { imported: Number(m[1]), exported: Number(m[2]) } : undefined;
}

describe("interop: BIRD 2", () => {
  if (!BIRD || !BIRDC) {
    if (process.env.CI) {
      it("BIRD 2 is installed (required under CI)", () => assert.fail(MISSING));
    } else {
      it(`skipped: ${MISSING}`, { skip: MISSING }, () => {});
    }
    return;
  }

  let dir: string | undefined;
  let bird: Bird | undefined;
  let speaker: SpeakerProcess | undefined;
  after(async () => {
    await speaker?.stop("SIGKILL");
    await bird?.stop();
    removeTempDir(dir);
  });

  it("tsbgp and BIRD exchange routes with their attributes", { timeout: 40_000 }, async () => {
    dir = makeTempDir("bird");
    const port = await freePort("127.0.0.2");
    const socket = join(dir, "tsbgp.sock");
    writeFileSync(join(dir, "bird.conf"), birdConfig(dir, port));
    writeFileSync(join(dir, "tsbgp.conf"), speakerConfig(port));
    bird = new Bird({ dir, config: join(dir, "bird.conf"), bird: BIRD, birdc: BIRDC });
    await bird.ready();
    const b = bird;

    speaker = startSpeaker([join(dir, "tsbgp.conf")], {
      env: {
        exabgp_tcp_bind: "",
        exabgp_tcp_port: String(port),
        exabgp_log_level: "INFO",
        exabgp_api_socketpath: socket,
      },
    });
    await speaker.waitForLine(/neighbor 127\.0\.0\.2 up/, 15_000);

    // BIRD's view of the session: Established, 2 IPv4 + 1 IPv6 routes in, its own route out per family.
    const protocols = await b.poll(["show", "protocols", "all", "tsbgp"], (out) => {
      const v4 = counts(channel(out, "ipv4"));
      const v6 = counts(channel(out, "ipv6"));
      return /BGP state:\s+Established/.test(out) && v4?.imported === 2 && v4.exported === 1 &&
        v6?.imported === 1 && v6.exported === 1;
    }, 10_000);
    // What BIRD and tsbgp said, for every failure message below.
    const routeAll = await b.cli("show", "route", "all");
    const context =
      `\n--- birdc show protocols all tsbgp\n${protocols}\n--- birdc show route all\n${routeAll}` +
      `\n--- tsbgp output\n${speaker.output}`;
    assert.match(protocols, /BGP state:\s+Established/, context);
    assert.match(protocols, /Neighbor AS:\s+65001/, context);
    assert.deepEqual(counts(channel(protocols, "ipv4")), { imported: 2, exported: 1 }, context);
    assert.deepEqual(counts(channel(protocols, "ipv6")), { imported: 1, exported: 1 }, context);

    const routes = routeBlocks(await b.cli("show", "route", "all", "protocol", "tsbgp"));
    const show = (prefix: string) => `route ${prefix}:\n${routes.get(prefix) ?? "(absent)"}${context}`;
    const r1 = routes.get("10.1.0.0/24") ?? "";
    assert.match(r1, /BGP\.as_path: 65001 64600 64601$/m, show("10.1.0.0/24"));
    assert.match(r1, /BGP\.origin: EGP/, show("10.1.0.0/24"));
    assert.match(r1, /BGP\.next_hop: 192\.0\.2\.1\b/, show("10.1.0.0/24"));
    assert.match(r1, /BGP\.med: 50$/m, show("10.1.0.0/24"));
    assert.match(r1, /BGP\.community: \(65001,100\) \(65001,200\)$/m, show("10.1.0.0/24"));
    assert.match(r1, /BGP\.large_community: \(65001, 1, 2\)$/m, show("10.1.0.0/24"));

    const r2 = routes.get("10.1.1.0/24") ?? "";
    assert.match(r2, /BGP\.as_path: 65001$/m, show("10.1.1.0/24"));
    assert.match(r2, /BGP\.origin: IGP/, show("10.1.1.0/24"));
    assert.match(r2, /BGP\.community: \(65535,65281\)/, show("10.1.1.0/24")); // NO_EXPORT, RFC 1997

    const r6 = routes.get("2001:db8:1::/48") ?? "";
    assert.match(r6, /BGP\.as_path: 65001$/m, show("2001:db8:1::/48"));
    assert.match(r6, /BGP\.next_hop: 2001:db8::1\b/, show("2001:db8:1::/48"));
    assert.match(r6, /BGP\.large_community: \(65001, 3, 4\)$/m, show("2001:db8:1::/48"));

    // BIRD's routes in tsbgp's Adj-RIB-In, as `tsbgp cli show adj-rib in extensive` prints them: BIRD's
    // next hop and its AS prepended. BIRD may hold its last UPDATE back for a few seconds unless poked.
    const received = async () => {
      await b.cli("show", "status");
      const r = await runCli(["cli", "--socket", socket, "show", "adj-rib", "in", "extensive"], {
        timeoutMs: 10_000,
      });
      return `${r.stdout}${r.stderr}`;
    };
    const wanted = [
      /^127\.0\.0\.2 ipv4 unicast 10\.2\.0\.0\/24 next-hop 192\.0\.2\.2 .*as-path \[ 65002 \]/m,
      /^127\.0\.0\.2 ipv6 unicast 2001:db8:2::\/48 next-hop 2001:db8::2 .*as-path \[ 65002 \]/m,
    ];
    let ribIn = await received();
    for (
      const deadline = performance.now() + 10_000;
      !wanted.every((w) => w.test(ribIn)) && performance.now() < deadline;
    ) {
      await sleep(200);
      ribIn = await received();
    }
    for (const w of wanted) {
      assert.match(ribIn, w, `--- tsbgp cli show adj-rib in extensive\n${ribIn}${context}`);
    }
    assert.equal(
      speaker.lines.filter((l) => /neighbor 127\.0\.0\.2 down/.test(l)).length,
      0,
      context,
    );

    // SIGTERM: tsbgp exits 0 and BIRD sees the session go and drops the routes it learnt.
    const exit = await speaker.stop("SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, speaker.output);
    const afterStop = await b.poll(
      ["show", "protocols", "all", "tsbgp"],
      (out) => !/BGP state:\s+Established/.test(out),
      10_000,
    );
    assert.doesNotMatch(afterStop, /BGP state:\s+Established/, afterStop);
    const left = routeBlocks(await b.cli("show", "route", "all", "protocol", "tsbgp"));
    assert.deepEqual([...left.keys()], [], afterStop);

    await bird.stop();
  });
});
