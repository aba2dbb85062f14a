/**
 * Interoperability with OpenBGPD 7.7 (Debian's openbgpd) on 127.0.0.5, AS 65005; tsbgp on 127.0.0.1,
 * AS 65001; eBGP over loopback on free ports. One OpenBGPD start per scenario group, as sequential steps:
 *
 * 1. tsbgp initiates (it connects, it does not listen; OpenBGPD's JSON shows its own listening port as the
 *    local end of the session);
 * 2. IPv4 and IPv6 unicast both ways: OpenBGPD's `show rib detail` has tsbgp's routes with AS_PATH (65001
 *    prepended, RFC 4271 §5.1.2), communities (RFC 1997), large communities (RFC 8092), MED and ORIGIN;
 *    tsbgp's Adj-RIB-In (`tsbgp cli show adj-rib in extensive`) has OpenBGPD's routes likewise;
 * 3. ADD-PATH (RFC 7911) both ways: OpenBGPD keeps tsbgp's two paths of 10.1.2.0/24 apart by path id, and
 *    tsbgp decodes OpenBGPD's path-id-carrying NLRI;
 * 4. route refresh (RFC 2918): `bgpctl neighbor … refresh` makes tsbgp re-send its routes. The other way,
 *    OpenBGPD 7.7 counts tsbgp's ROUTE-REFRESH but never answers it: its RDE logs "route refresh: AID IPv4
 *    unicast not negotiated" for a negotiated family, exactly as it does for a refresh from BIRD 2.0.12, so
 *    that half checks only that the request arrived (a daemon limitation, not tsbgp's);
 * 5. OpenBGPD killed mid-session and started again: tsbgp reconnects and the routes are back;
 * 6. `tsbgp cli … teardown 2 TEXT`: OpenBGPD reports the RFC 9003 shutdown communication as
 *    `last_shutdown_reason`;
 * 7. tsbgp stopped: OpenBGPD drops the session and tsbgp's routes;
 * 8. OpenBGPD initiates (tsbgp passive, listening; `bgpctl neighbor … down/up` ends OpenBGPD's idle hold
 *    after the lost session): the session and the routes again.
 *
 * OpenBGPD needs root (privilege separation, chroot into /run/openbgpd). Without it, or without root, the
 * test is skipped with the reason, except under CI (env CI), where it fails.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
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
import { type ObgpdNeighbor, type ObgpdRibEntry, OpenBgpd, openbgpdMissing } from "../helpers/openbgpd.ts";

const ADDRESS = "127.0.0.5";
const AS = 65005;
const SHUTDOWN_TEXT = "tsbgp interop: planned maintenance, back at 10:00";

/** OpenBGPD's own routes (`network` statements). */
const OBGPD_ROUTES: readonly TestRoute[] = [
  {
    family: "ipv4 unicast",
    prefix: "10.5.0.0/24",
    nextHop: "192.0.2.5",
    communities: ["65005:1"],
    largeCommunities: ["65005:1:2"],
  },
  {
    family: "ipv6 unicast",
    prefix: "2001:db8:5::/48",
    nextHop: "2001:db8::5",
    communities: ["65005:2"],
    largeCommunities: ["65005:3:4"],
  },
];

function networkStatement(r: TestRoute): string {
  const set = [`nexthop ${r.nextHop}`];
  for (const c of r.communities ?? []) set.push(`community ${c}`);
  for (const c of r.largeCommunities ?? []) set.push(`large-community ${c}`);
  return `network ${r.prefix} set { ${set.join(" ")} }`;
}

/**
 * OpenBGPD always both listens and connects (connect-retry 2 s instead of 120); `multihop 2` + `set nexthop
 * no-modify` keep the announced 192.0.2.5 next hop on a loopback session (peers README, gotcha 1).
 */
function obgpdConfig(dir: string, port: number, tsbgpPort: number): string {
  return `AS ${AS}
router-id ${ADDRESS}
listen on ${ADDRESS} port ${port}
socket "${dir}/bgpd.sock"
fib-update no
connect-retry 2
${OBGPD_ROUTES.map(networkStatement).join("\n")}
neighbor ${TSBGP_ADDRESS} {
  remote-as ${TSBGP_AS}
  local-address ${ADDRESS}
  port ${tsbgpPort}
  multihop 2
  set nexthop no-modify
  announce IPv6 unicast
  announce add-path recv yes
  announce add-path send all
}
allow from any
allow to any
`;
}

/** tsbgp's routes that OpenBGPD's RIB lacks (in words): every attribute compared. */
function missingInObgpd(rib: readonly ObgpdRibEntry[], routes: readonly TestRoute[]): string[] {
  const has = (r: TestRoute) =>
    rib.some((e) =>
      e.prefix === r.prefix && e.exit_nexthop === r.nextHop &&
      e.aspath === receivedAsPath(r, TSBGP_AS).join(" ") &&
      e.origin === (r.origin ?? "igp").toUpperCase() && e.metric === (r.med ?? 0) &&
      (r.pathId === undefined || e.path_id === r.pathId) &&
      JSON.stringify(e.communities ?? []) === JSON.stringify(r.communities ?? []) &&
      JSON.stringify(e.large_communities ?? []) === JSON.stringify(r.largeCommunities ?? [])
    );
  return routes.filter((r) => !has(r)).map((r) => describeRoute(r, TSBGP_AS));
}

/** Polls `bgpctl -j show neighbor 127.0.0.1` until `accept`; fails naming OpenBGPD and its answer. */
function neighborUntil(
  s: RouteSession<OpenBgpd>,
  expected: string,
  accept: (n: ObgpdNeighbor) => boolean,
  timeoutMs = 15_000,
) {
  const o = s.daemon!;
  return eventually({
    daemon: "OpenBGPD",
    expected,
    command: `bgpctl -s ${o.socket} -j show neighbor ${TSBGP_ADDRESS}`,
    observe: () => o.neighbor(TSBGP_ADDRESS),
    accept,
    timeoutMs,
    context: s.context,
  });
}

/** OpenBGPD for the shared steps (tests/helpers/interop_session.ts): one start per run, read with bgpctl. */
const OBGPD_PEER: RoutePeer<OpenBgpd> = {
  name: "OpenBGPD",
  tempName: "openbgpd",
  address: ADDRESS,
  as: AS,
  routes: OBGPD_ROUTES,
  // OpenBGPD sends every route with a path identifier (add-path send all).
  ribInAlso: {
    expected: "each with a path-information",
    accept: (rib) =>
      OBGPD_ROUTES.every((r) => rib.some((l) => l.nlri.startsWith(`${r.prefix} path-information `))),
  },
  start: (s) => OpenBgpd.start(s.dir, obgpdConfig(s.dir, s.port, s.tsbgpPort)),
  async waitTsbgpRoutes(s, routes) {
    const o = s.daemon!;
    await eventually({
      daemon: "OpenBGPD",
      expected: `tsbgp's routes: ${routes.map((r) => describeRoute(r, TSBGP_AS)).join("; ")}`,
      command: `bgpctl -s ${o.socket} -j show rib detail neighbor ${TSBGP_ADDRESS}`,
      observe: () => o.ribFrom(TSBGP_ADDRESS),
      accept: (rib) => missingInObgpd(rib, routes).length === 0,
      show: (rib) => `missing: ${missingInObgpd(rib, routes).join("; ")}\n${JSON.stringify(rib, null, 1)}`,
      timeoutMs: 15_000,
      context: s.context,
    });
  },
  output: (s) => ({ "bgpd output (log)": s.daemon?.output ?? "" }),
};

describe("interop: OpenBGPD 7.7", () => {
  const missing = openbgpdMissing();
  if (missing) return daemonAbsent(missing);

  const s = new RouteSession(OBGPD_PEER);

  it("tsbgp initiates: the session comes up", { timeout: 40_000 }, async () => {
    await s.openWithTsbgpConnecting();
    // OpenBGPD's end of the connection is its listening port: tsbgp opened it.
    await neighborUntil(
      s,
      `state Established with local port ${s.port} (tsbgp connected to OpenBGPD)`,
      (n) => n.state === "Established" && n.session?.local.port === s.port,
    );
  });

  s.itRoutesBothWays();

  it("ADD-PATH: OpenBGPD keeps tsbgp's two paths apart by path id", { timeout: 20_000 }, async () => {
    const { daemon: obgpd } = s.running();
    const rib = await obgpd.ribFrom(TSBGP_ADDRESS);
    const paths = rib.filter((e) => e.prefix === "10.1.2.0/24").map((e) => `${e.path_id} ${e.exit_nexthop}`)
      .sort();
    assert.deepEqual(
      paths,
      TSBGP_ADD_PATH_ROUTES.map((r) => `${r.pathId} ${r.nextHop}`).sort(),
      `OpenBGPD: expected 10.1.2.0/24 twice, path ids 1 and 2; bgpctl -j show rib detail neighbor ${TSBGP_ADDRESS}:\n${
        JSON.stringify(rib, null, 1)
      }`,
    );
  });

  it("route refresh: OpenBGPD's request makes tsbgp re-send; tsbgp's request reaches OpenBGPD", {
    timeout: 30_000,
  }, async () => {
    const { tsbgp, daemon: obgpd } = s.running();
    const before = await obgpd.neighbor(TSBGP_ADDRESS);
    const refresh = await obgpd.ctl("neighbor", TSBGP_ADDRESS, "refresh");
    assert.equal(
      refresh.code,
      0,
      `OpenBGPD: bgpctl neighbor ${TSBGP_ADDRESS} refresh failed:\n${refresh.output}`,
    );
    const resent = TSBGP_ALL_ROUTES.length;
    await neighborUntil(
      s,
      `a ROUTE-REFRESH sent and at least ${resent} more UPDATEs received than the ${before.stats.update.received.updates} before`,
      (n) =>
        n.stats["route-refresh"].sent.request > before.stats["route-refresh"].sent.request &&
        n.stats.update.received.updates >= before.stats.update.received.updates + resent,
    );

    // The other way: OpenBGPD 7.7 counts the request but does not re-send (see the file comment).
    await tsbgp.cli("neighbor", ADDRESS, "announce", "route-refresh", "ipv4", "unicast");
    await neighborUntil(
      s,
      `route-refresh.received.request ${
        before.stats["route-refresh"].received.request + 1
      }, session still Established`,
      (n) =>
        n.stats["route-refresh"].received.request === before.stats["route-refresh"].received.request + 1 &&
        n.state === "Established",
    );
  });

  it(
    "OpenBGPD restarted mid-session: tsbgp reconnects and the routes are back",
    { timeout: 50_000 },
    async () => {
      s.running();
      await s.restartDaemon();
      await neighborUntil(
        s,
        `state Established with local port ${s.port} (tsbgp reconnected)`,
        (n) => n.state === "Established" && n.session?.local.port === s.port,
      );
      await s.routesBothWays();
    },
  );

  it("administrative shutdown: OpenBGPD shows tsbgp's RFC 9003 text", { timeout: 30_000 }, async () => {
    const { tsbgp } = s.running();
    await s.tsbgpShutsDown(SHUTDOWN_TEXT);
    await neighborUntil(
      s,
      `last_shutdown_reason "${SHUTDOWN_TEXT}"`,
      (n) => n.last_shutdown_reason === SHUTDOWN_TEXT,
    );
    // tsbgp reconnects after a teardown.
    await tsbgp.waitState(ADDRESS, 20_000);
  });

  it("tsbgp stops: OpenBGPD drops the session and tsbgp's routes", { timeout: 30_000 }, async () => {
    const { daemon: obgpd } = s.running();
    await s.stopTsbgpCleanly();
    await neighborUntil(s, "the session no longer Established", (n) => n.state !== "Established");
    const rib = await obgpd.ribFrom(TSBGP_ADDRESS);
    assert.deepEqual(rib, [], `OpenBGPD: expected no route from ${TSBGP_ADDRESS} after tsbgp stopped`);
  });

  it("OpenBGPD initiates (tsbgp passive): the session and the routes", { timeout: 40_000 }, async () => {
    assert.ok(s.daemon, "the OpenBGPD start failed");
    const obgpd = s.daemon;
    const tsbgp = await s.startTsbgpWithRoutes("listens");
    // After a lost session OpenBGPD holds the peer Idle (IdleHoldTime: 30 s and doubling); an operator's
    // `neighbor … down` + `up` starts it again at once. The connection is still OpenBGPD's to open.
    for (const action of ["down", "up"]) {
      const r = await obgpd.ctl("neighbor", TSBGP_ADDRESS, action);
      assert.equal(r.code, 0, `OpenBGPD: bgpctl neighbor ${TSBGP_ADDRESS} ${action} failed:\n${r.output}`);
    }
    await neighborUntil(
      s,
      `state Established with remote port ${s.tsbgpPort} (OpenBGPD connected to tsbgp's listener)`,
      (n) => n.state === "Established" && n.session?.remote.port === s.tsbgpPort,
      30_000,
    );
    await tsbgp.waitState(ADDRESS, 10_000);
    await s.routesBothWays();
  });
});
