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
import { daemonAbsent, eventually } from "../helpers/interop.ts";
import {
  describeRoute,
  receivedAsPath,
  type TestRoute,
  TSBGP_ADD_PATH_ROUTES,
  TSBGP_ADDRESS,
  TSBGP_AS,
} from "../helpers/interop_routes.ts";
import { type RoutePeer, RouteSession, TSBGP_ALL_ROUTES } from "../helpers/interop_session.ts";

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

/** What BIRD writes to the log file its configuration names. */
function birdLog(dir: string): string {
  const path = join(dir, "bird.log");
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** Polls `birdc ARGS…` until `accept`; fails naming BIRD, what was expected and what it said. */
function birdUntil(
  s: RouteSession<Bird>,
  args: string[],
  expected: string,
  accept: (out: string) => boolean,
  timeoutMs = 15_000,
) {
  const b = s.daemon!;
  return eventually({
    daemon: "BIRD",
    expected,
    command: `birdc ${args.join(" ")}`,
    observe: () => b.cli(...args),
    accept,
    timeoutMs,
    context: s.context,
  });
}

const PROTOCOLS = ["show", "protocols", "all", "tsbgp"];

/** BIRD for the shared steps (tests/helpers/interop_session.ts): started from bird.conf, read with birdc. */
const BIRD_PEER: RoutePeer<Bird> = {
  name: "BIRD",
  tempName: "bird",
  address: ADDRESS,
  as: AS,
  routes: BIRD_ROUTES,
  async start(s) {
    const config = join(s.dir, "bird.conf");
    writeFileSync(config, birdConfig(s.dir, s.port, s.tsbgpPort));
    const bird = new Bird({ dir: s.dir, config, bird: BIRD, birdc: BIRDC });
    await bird.ready();
    return bird;
  },
  async waitTsbgpRoutes(s, routes) {
    await birdUntil(
      s,
      ["show", "route", "all", "protocol", "tsbgp"],
      `tsbgp's routes: ${routes.map((r) => describeRoute(r, TSBGP_AS)).join("; ")}`,
      (out) => missingInBird(routeEntries(out), routes).length === 0,
    );
    // BIRD may hold its last UPDATE back for up to 3 s (peers README, BIRD quirk): well within the bound
    // of the Adj-RIB-In wait that follows.
  },
  output: (s) => ({ "bird.log": s.dir ? birdLog(s.dir) : "", "bird output": s.daemon?.output ?? "" }),
};

describe("interop: BIRD 2", () => {
  if (!BIRD || !BIRDC) return daemonAbsent(MISSING);

  const s = new RouteSession(BIRD_PEER);
  const log = () => birdLog(s.dir);

  it("tsbgp initiates: the session comes up", { timeout: 40_000 }, async () => {
    await s.openWithTsbgpConnecting();
    await birdUntil(
      s,
      PROTOCOLS,
      "BGP state Established with neighbor AS 65001",
      (out) => /BGP state:\s+Established/.test(out) && /Neighbor AS:\s+65001/.test(out),
    );
    assert.match(
      log(),
      /tsbgp: Incoming connection from 127\.0\.0\.1 \(port \d+\) accepted/,
      `BIRD: expected its log to show tsbgp's incoming connection\n${s.context()}`,
    );
  });

  s.itRoutesBothWays();

  it("ADD-PATH: two paths of one prefix each way", { timeout: 20_000 }, async () => {
    const { tsbgp, daemon: bird } = s.running();
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
    const { daemon: b } = s.running();
    const stats = (out: string, ch: string) => channelStats(out, ch);
    const before = await b.cli(...PROTOCOLS);
    const v4 = stats(before, "ipv4")!, v6 = stats(before, "ipv6")!;
    const count = (family: string, routes: readonly TestRoute[]) =>
      routes.filter((r) => r.family === family).length;

    // BIRD asks (ROUTE-REFRESH for each family): tsbgp's routes arrive again.
    await b.cli("reload", "in", "tsbgp");
    await birdUntil(
      s,
      PROTOCOLS,
      `import updates received to grow by ${count("ipv4 unicast", TSBGP_ALL_ROUTES)} (ipv4) and ${
        count("ipv6 unicast", TSBGP_ALL_ROUTES)
      } (ipv6) from ${v4.importUpdates[0]} and ${v6.importUpdates[0]}`,
      (out) =>
        (stats(out, "ipv4")?.importUpdates[0] ?? 0) >=
          v4.importUpdates[0] + count("ipv4 unicast", TSBGP_ALL_ROUTES) &&
        (stats(out, "ipv6")?.importUpdates[0] ?? 0) >=
          v6.importUpdates[0] + count("ipv6 unicast", TSBGP_ALL_ROUTES),
    );

    // tsbgp asks for IPv4: BIRD re-sends its IPv4 paths.
    const received = await s.tsbgpRequestsRefresh("ipv4 unicast");
    const birdV4 = count("ipv4 unicast", BIRD_ROUTES);
    await birdUntil(
      s,
      PROTOCOLS,
      `ipv4 export updates accepted to grow by ${birdV4} from ${v4.exportUpdates[4]}`,
      (out) => (stats(out, "ipv4")?.exportUpdates[4] ?? 0) >= v4.exportUpdates[4] + birdV4,
    );
    await s.waitUpdatesReceivedAbove(received, 10_000);
  });

  it(
    "BIRD restarted mid-session: tsbgp reconnects and the routes are back",
    { timeout: 50_000 },
    async () => {
      s.running();
      // The old BIRD accepts nothing once stopped: a new "Incoming connection" line is the new BIRD's.
      const logFrom = log().length;
      await s.restartDaemon();
      await s.routesBothWays();
      assert.match(
        log().slice(logFrom),
        /tsbgp: Incoming connection from 127\.0\.0\.1 \(port \d+\) accepted/,
        `BIRD: expected tsbgp to reconnect to it\n${s.context()}`,
      );
    },
  );

  it("administrative shutdown: BIRD shows tsbgp's RFC 9003 text", { timeout: 30_000 }, async () => {
    const { tsbgp } = s.running();
    await s.tsbgpShutsDown(SHUTDOWN_TEXT);
    await birdUntil(
      s,
      PROTOCOLS,
      `Message: ${SHUTDOWN_TEXT}`,
      (out) => out.includes(`Message:        ${SHUTDOWN_TEXT}\n`),
    );
    assert.ok(
      log().includes(`tsbgp: Received: Administrative shutdown: "${SHUTDOWN_TEXT}"`),
      `BIRD: expected its log to show the shutdown communication\n${s.context()}`,
    );
    // tsbgp reconnects after a teardown.
    await tsbgp.waitState(ADDRESS, 20_000);
  });

  it("tsbgp stops: BIRD drops the session and tsbgp's routes", { timeout: 30_000 }, async () => {
    const { daemon: bird } = s.running();
    await s.stopTsbgpCleanly();
    await birdUntil(
      s,
      PROTOCOLS,
      "the session no longer Established",
      (out) => !/BGP state:\s+Established/.test(out),
    );
    const left = routeEntries(await bird.cli("show", "route", "all", "protocol", "tsbgp"));
    assert.deepEqual(
      [...left.keys()],
      [],
      `BIRD: expected no route from tsbgp after it stopped\n${s.context()}`,
    );
  });

  it("BIRD initiates (tsbgp passive): the session and the routes", { timeout: 40_000 }, async () => {
    assert.ok(s.daemon, "the BIRD start failed");
    const logFrom = log().length;
    const tsbgp = await s.startTsbgpWithRoutes("listens");
    await tsbgp.waitState(ADDRESS, 30_000);
    await s.routesBothWays();
    const since = log().slice(logFrom);
    // "Connecting to 127.0.0.1 from local address 127.0.0.2", then "Connected": BIRD's own connect succeeded.
    assert.match(since, /tsbgp: Connected$/m, `BIRD: expected its log to show its own connection\n${since}`);
    assert.doesNotMatch(
      since,
      /tsbgp: Incoming connection/,
      `BIRD: expected no incoming connection\n${since}`,
    );
  });
});
