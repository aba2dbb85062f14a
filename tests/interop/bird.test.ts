/**
 * Interoperability with BIRD 2 (Debian's bird2) on 127.0.0.2, AS 65002; tsbgp on 127.0.0.1, AS 65001;
 * eBGP over loopback on free ports. BIRD is queried with `birdc` (`show protocols all`, `show route all`)
 * and its log file (`debug { states, events }`). Steps:
 *
 * 1. tsbgp initiates (BIRD logs the incoming connection);
 * 2. IPv4 and IPv6 unicast both ways: BIRD's table has tsbgp's routes with AS_PATH (65001 prepended,
 *    RFC 4271 §5.1.2), communities (RFC 1997), large communities (RFC 8092), MED and ORIGIN; tsbgp's
 *    Adj-RIB-In (`tsbgp cli show adj-rib in extensive`) has BIRD's routes likewise;
 * 3. ADD-PATH (RFC 7911, `add paths on` in BIRD's channels) both ways: two paths of one prefix each way;
 * 4. route refresh (RFC 2918, enhanced RFC 7313 negotiated): `birdc reload in` makes tsbgp re-send (BIRD's
 *    import counters), tsbgp's `announce route-refresh` makes BIRD re-send (BIRD's export counters and
 *    tsbgp's UPDATE counter);
 * 5. BIRD stopped mid-session and started again: tsbgp reconnects and the routes are back;
 * 6. `tsbgp cli … teardown 2 TEXT`: `birdc show protocols all` shows the RFC 9003 text;
 * 7. tsbgp stopped: BIRD drops the session and tsbgp's routes;
 * 8. BIRD initiates (tsbgp passive, listening; BIRD logs its own connection): the session and the routes.
 *
 * Without BIRD the test is skipped, except under CI (env CI set), where it fails: CI installs bird2.
 * Needs no privileges: BIRD runs on a free high port.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bird, channelStats, findExecutable, routeEntries } from "../helpers/bird.ts";
import { daemonAbsent, eventually, sections, Tsbgp } from "../helpers/interop.ts";
import {
  describeRoute,
  missingFromRib,
  receivedAsPath,
  type TestRoute,
  TSBGP_ADD_PATH_ROUTES,
  TSBGP_ADDRESS,
  TSBGP_AS,
  TSBGP_ROUTES,
  tsbgpConfig,
  updatesReceived,
} from "../helpers/interop_routes.ts";
import { freePort, makeTempDir, removeTempDir } from "../helpers/sandbox.ts";

/** TSBGP_BIRD_DIR names the directory of bird and birdc when they are elsewhere (or absent, to try that path). */
const BIRD_DIR = process.env.TSBGP_BIRD_DIR;
const BIRD = findExecutable("bird", BIRD_DIR);
const BIRDC = findExecutable("birdc", BIRD_DIR);
const MISSING = `BIRD 2 is not installed (no bird/birdc in ${
  BIRD_DIR ?? "$PATH or /usr/sbin"
}; Debian package bird2)`;

const ADDRESS = "127.0.0.2";
const AS = 65002;
const SHUTDOWN_TEXT = "tsbgp interop: planned maintenance, back at 10:00";

/** BIRD's static routes; the two paths of 10.2.1.0/24 come from two static protocols and differ in MED. */
const BIRD_ROUTES: readonly TestRoute[] = [
  {
    family: "ipv4 unicast",
    prefix: "10.2.0.0/24",
    nextHop: "192.0.2.2",
    communities: ["65002:1"],
    largeCommunities: ["65002:1:2"],
  },
  {
    family: "ipv6 unicast",
    prefix: "2001:db8:2::/48",
    nextHop: "2001:db8::2",
    communities: ["65002:2"],
    largeCommunities: ["65002:3:4"],
  },
  { family: "ipv4 unicast", prefix: "10.2.1.0/24", nextHop: "192.0.2.2", med: 11 },
  { family: "ipv4 unicast", prefix: "10.2.1.0/24", nextHop: "192.0.2.2", med: 22 },
];

/** `route P blackhole { attribute settings };` for a static protocol. */
function staticRoute(r: TestRoute): string {
  const set = [
    ...(r.communities ?? []).map((c) => `bgp_community.add((${c.replace(":", ",")}));`),
    ...(r.largeCommunities ?? []).map((c) => `bgp_large_community.add((${c.replaceAll(":", ",")}));`),
    ...(r.med !== undefined ? [`bgp_med = ${r.med};`] : []),
  ];
  return `route ${r.prefix} blackhole { ${set.join(" ")} };`;
}

/**
 * BIRD both listens and connects (retry after 2 s, 1-5 s after an error); `multihop` because 127/8 is host
 * scope for BIRD, `strict bind` to bind 127.0.0.2 only, next hops outside 127/8 (peers README, gotchas 1-2).
 * Each route of BIRD_ROUTES gets its own static protocol, so that the two paths of a prefix both exist.
 */
function birdConfig(dir: string, port: number, tsbgpPort: number): string {
  const statics = BIRD_ROUTES.map((r, i) =>
    `protocol static s${i} { ${r.family === "ipv4 unicast" ? "ipv4" : "ipv6"}; ${staticRoute(r)} }`
  );
  return `log "${dir}/bird.log" all;
router id ${ADDRESS};
protocol device { scan time 60; }
${statics.join("\n")}
protocol bgp tsbgp {
  local ${ADDRESS} port ${port} as ${AS};
  neighbor ${TSBGP_ADDRESS} port ${tsbgpPort} as ${TSBGP_AS};
  strict bind yes;
  multihop 1;
  hold time 30;
  connect delay time 1; connect retry time 2; error wait time 1, 5;
  debug { states, events };
  ipv4 { import all; export where source = RTS_STATIC; next hop address 192.0.2.2; add paths on; };
  ipv6 { import all; export where source = RTS_STATIC; next hop address 2001:db8::2; add paths on; };
}
`;
}

/** One path of BIRD's `show route all` is tsbgp's `route`: next hop, AS_PATH, ORIGIN, MED, communities. */
function birdPathIs(path: string, r: TestRoute): boolean {
  const attr = (name: string) => new RegExp(`^\\tBGP\\.${name}: (.*)$`, "m").exec(path)?.[1] ?? "";
  const pairs = (list: readonly string[] | undefined, sep: string) =>
    (list ?? []).map((c) => `(${c.split(":").join(sep)})`).join(" ");
  return attr("next_hop") === r.nextHop &&
    attr("as_path") === receivedAsPath(r, TSBGP_AS).join(" ") &&
    attr("origin") === (r.origin ?? "igp").toUpperCase() &&
    attr("med") === (r.med === undefined ? "" : String(r.med)) &&
    attr("community") === pairs(r.communities, ",") &&
    attr("large_community") === pairs(r.largeCommunities, ", ");
}

function missingInBird(routes: Map<string, string[]>, expected: readonly TestRoute[]): string[] {
  return expected
    .filter((r) => !(routes.get(r.prefix) ?? []).some((p) => birdPathIs(p, r)))
    .map((r) => describeRoute(r, TSBGP_AS));
}

describe("interop: BIRD 2", () => {
  if (!BIRD || !BIRDC) return daemonAbsent(MISSING);

  let dir = "";
  let port = 0;
  let tsbgpPort = 0;
  let bird: Bird | undefined;
  let tsbgp: Tsbgp | undefined;
  after(async () => {
    await tsbgp?.stop("SIGKILL");
    await bird?.stop();
    removeTempDir(dir || undefined);
  });

  const birdLog = () => {
    const path = join(dir, "bird.log");
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  };
  const context = () =>
    sections({
      "tsbgp output": tsbgp?.output ?? "",
      "bird.log": birdLog(),
      "bird output": bird?.output ?? "",
    });

  async function startBird(): Promise<Bird> {
    bird = new Bird({ dir, config: join(dir, "bird.conf"), bird: BIRD, birdc: BIRDC });
    await bird.ready();
    return bird;
  }

  /** Polls `birdc ARGS…` until `accept`; fails naming BIRD, what was expected and what it said. */
  function birdUntil(args: string[], expected: string, accept: (out: string) => boolean, timeoutMs = 15_000) {
    const b = bird!;
    return eventually({
      daemon: "BIRD",
      expected,
      command: `birdc ${args.join(" ")}`,
      observe: () => b.cli(...args),
      accept,
      timeoutMs,
      context,
    });
  }

  const protocols = ["show", "protocols", "all", "tsbgp"];

  /** Both ways: tsbgp's routes in BIRD's table (all attributes), BIRD's in tsbgp's Adj-RIB-In. */
  async function routesBothWays(): Promise<void> {
    const all = [...TSBGP_ROUTES, ...TSBGP_ADD_PATH_ROUTES];
    await birdUntil(
      ["show", "route", "all", "protocol", "tsbgp"],
      `tsbgp's routes: ${all.map((r) => describeRoute(r, TSBGP_AS)).join("; ")}`,
      (out) => missingInBird(routeEntries(out), all).length === 0,
    );
    // BIRD may hold its last UPDATE back for up to 3 s (peers README, BIRD quirk): well within the bound.
    await tsbgp!.waitRibIn(
      `BIRD's routes: ${BIRD_ROUTES.map((r) => describeRoute(r, AS)).join("; ")}`,
      (rib) => missingFromRib(rib, BIRD_ROUTES, ADDRESS, AS).length === 0,
      15_000,
      () => sections({ "bird.log": birdLog() }),
    );
  }

  it("tsbgp initiates: the session comes up", { timeout: 40_000 }, async () => {
    dir = makeTempDir("bird");
    port = await freePort(ADDRESS);
    tsbgpPort = await freePort(TSBGP_ADDRESS);
    writeFileSync(join(dir, "bird.conf"), birdConfig(dir, port, tsbgpPort));
    await startBird();
    tsbgp = new Tsbgp({ dir, config: tsbgpConfig({ peer: ADDRESS, peerAs: AS, connect: port }) });
    await tsbgp.ready();
    await tsbgp.waitState(ADDRESS, 20_000);
    await birdUntil(
      protocols,
      "BGP state Established with neighbor AS 65001",
      (out) => /BGP state:\s+Established/.test(out) && /Neighbor AS:\s+65001/.test(out),
    );
    assert.match(
      birdLog(),
      /tsbgp: Incoming connection from 127\.0\.0\.1 \(port \d+\) accepted/,
      `BIRD: expected its log to show tsbgp's incoming connection\n${context()}`,
    );
  });

  it(
    "IPv4 and IPv6 routes with AS paths, communities and large communities, both ways",
    { timeout: 40_000 },
    async () => {
      assert.ok(tsbgp && bird, "the session step failed");
      await routesBothWays();
    },
  );

  it("ADD-PATH: two paths of one prefix each way", { timeout: 20_000 }, async () => {
    assert.ok(tsbgp && bird, "the session step failed");
    const out = await bird.cli("show", "route", "all", "10.1.2.0/24");
    const hops = (routeEntries(out).get("10.1.2.0/24") ?? [])
      .map((p) => /^\tBGP\.next_hop: (\S+)/m.exec(p)?.[1]).sort();
    assert.deepEqual(
      hops,
      TSBGP_ADD_PATH_ROUTES.map((r) => r.nextHop).sort(),
      `BIRD: expected 10.1.2.0/24 twice (next hops 192.0.2.1 and 192.0.2.9); birdc show route all 10.1.2.0/24:\n${out}`,
    );
    const rib = await tsbgp.adjRib("in");
    const ids = rib.filter((l) => l.nlri.startsWith("10.2.1.0/24 path-information ")).map((l) => l.nlri);
    assert.equal(
      new Set(ids).size,
      2,
      `tsbgp: expected BIRD's two paths of 10.2.1.0/24 with distinct path ids; show adj-rib in extensive:\n${
        rib.map((l) => l.line).join("\n")
      }`,
    );
  });

  it("route refresh both ways: the refreshed side re-sends", { timeout: 30_000 }, async () => {
    assert.ok(tsbgp && bird, "the session step failed");
    const b = bird;
    const stats = (out: string, ch: string) => channelStats(out, ch);
    const before = await b.cli(...protocols);
    const v4 = stats(before, "ipv4")!, v6 = stats(before, "ipv6")!;
    const count = (family: string, routes: readonly TestRoute[]) =>
      routes.filter((r) => r.family === family).length;
    const tsbgpRoutes = [...TSBGP_ROUTES, ...TSBGP_ADD_PATH_ROUTES];

    // BIRD asks (ROUTE-REFRESH for each family): tsbgp's routes arrive again.
    await b.cli("reload", "in", "tsbgp");
    await birdUntil(
      protocols,
      `import updates received to grow by ${count("ipv4 unicast", tsbgpRoutes)} (ipv4) and ${
        count("ipv6 unicast", tsbgpRoutes)
      } (ipv6) from ${v4.importUpdates[0]} and ${v6.importUpdates[0]}`,
      (out) =>
        (stats(out, "ipv4")?.importUpdates[0] ?? 0) >=
          v4.importUpdates[0] + count("ipv4 unicast", tsbgpRoutes) &&
        (stats(out, "ipv6")?.importUpdates[0] ?? 0) >=
          v6.importUpdates[0] + count("ipv6 unicast", tsbgpRoutes),
    );

    // tsbgp asks for IPv4: BIRD re-sends its IPv4 paths.
    const received = updatesReceived(await tsbgp.cli("show", "neighbor", ADDRESS, "extensive")) ?? 0;
    await tsbgp.cli("neighbor", ADDRESS, "announce", "route-refresh", "ipv4", "unicast");
    const birdV4 = count("ipv4 unicast", BIRD_ROUTES);
    await birdUntil(
      protocols,
      `ipv4 export updates accepted to grow by ${birdV4} from ${v4.exportUpdates[4]}`,
      (out) => (stats(out, "ipv4")?.exportUpdates[4] ?? 0) >= v4.exportUpdates[4] + birdV4,
    );
    await eventually({
      daemon: "tsbgp",
      expected: `UPDATEs received to grow from ${received} after its ROUTE-REFRESH`,
      command: `tsbgp cli show neighbor ${ADDRESS} extensive`,
      observe: () => tsbgp!.cli("show", "neighbor", ADDRESS, "extensive"),
      accept: (out) => (updatesReceived(out) ?? 0) > received,
      timeoutMs: 10_000,
      context,
    });
  });

  it(
    "BIRD restarted mid-session: tsbgp reconnects and the routes are back",
    { timeout: 50_000 },
    async () => {
      assert.ok(tsbgp && bird, "the session step failed");
      const from = tsbgp.speaker.lines.length;
      await bird.stop();
      await tsbgp.speaker.waitForLine(
        new RegExp(`neighbor ${ADDRESS.replaceAll(".", "\\.")} down`),
        15_000,
        from,
      );
      const logFrom = birdLog().length;
      await startBird();
      await tsbgp.waitState(ADDRESS, 30_000);
      await routesBothWays();
      assert.match(
        birdLog().slice(logFrom),
        /tsbgp: Incoming connection from 127\.0\.0\.1 \(port \d+\) accepted/,
        `BIRD: expected tsbgp to reconnect to it\n${context()}`,
      );
    },
  );

  it("administrative shutdown: BIRD shows tsbgp's RFC 9003 text", { timeout: 30_000 }, async () => {
    assert.ok(tsbgp && bird, "the session step failed");
    await tsbgp.cli("neighbor", ADDRESS, "teardown", "2", SHUTDOWN_TEXT);
    await birdUntil(
      protocols,
      `Message: ${SHUTDOWN_TEXT}`,
      (out) => out.includes(`Message:        ${SHUTDOWN_TEXT}\n`),
    );
    assert.ok(
      birdLog().includes(`tsbgp: Received: Administrative shutdown: "${SHUTDOWN_TEXT}"`),
      `BIRD: expected its log to show the shutdown communication\n${context()}`,
    );
    // tsbgp reconnects after a teardown.
    await tsbgp.waitState(ADDRESS, 20_000);
  });

  it("tsbgp stops: BIRD drops the session and tsbgp's routes", { timeout: 30_000 }, async () => {
    assert.ok(tsbgp && bird, "the session step failed");
    const exit = await tsbgp.stop("SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null }, `tsbgp did not exit cleanly:\n${tsbgp.output}`);
    await birdUntil(
      protocols,
      "the session no longer Established",
      (out) => !/BGP state:\s+Established/.test(out),
    );
    const left = routeEntries(await bird.cli("show", "route", "all", "protocol", "tsbgp"));
    assert.deepEqual(
      [...left.keys()],
      [],
      `BIRD: expected no route from tsbgp after it stopped\n${context()}`,
    );
  });

  it("BIRD initiates (tsbgp passive): the session and the routes", { timeout: 40_000 }, async () => {
    assert.ok(bird, "the BIRD start failed");
    const logFrom = birdLog().length;
    tsbgp = new Tsbgp({
      dir,
      file: "tsbgp-passive.conf",
      config: tsbgpConfig({ peer: ADDRESS, peerAs: AS, connect: port, listen: tsbgpPort }),
    });
    await tsbgp.ready();
    await tsbgp.waitState(ADDRESS, 30_000);
    await routesBothWays();
    const log = birdLog().slice(logFrom);
    // "Connecting to 127.0.0.1 from local address 127.0.0.2", then "Connected": BIRD's own connect succeeded.
    assert.match(log, /tsbgp: Connected$/m, `BIRD: expected its log to show its own connection\n${log}`);
    assert.doesNotMatch(log, /tsbgp: Incoming connection/, `BIRD: expected no incoming connection\n${log}`);
  });
});
