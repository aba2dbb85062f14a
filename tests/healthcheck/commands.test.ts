/**
 * The lines the healthcheck writes (lib/healthcheck/commands.ts). The expected lines are written out from
 * ExaBGP 5.0's documented behaviour: `neighbor * announce route <ip> next-hop <nh|self> med <metric>`
 * then local-preference, community, extended-community, large-community, as-path and path-information,
 * in that order; the metric of the state for the first address, plus --increase for each next one; a
 * withdraw (no attributes) on EXIT, and on DOWN/DISABLED with --withdraw-on-down.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AdvertOptions, commandLines } from "../../lib/healthcheck/commands.ts";
import { DEFAULTS } from "../../lib/healthcheck/options.ts";
import type { AnnouncedState } from "../../lib/healthcheck/state.ts";

const IPS = ["192.0.2.1/32", "192.0.2.2/32", "2001:db8::1/128"];

function lines(
  target: AnnouncedState,
  o: Partial<AdvertOptions> = {},
  ips: string[] = IPS.slice(0, 1),
): string[] {
  return commandLines(target, { ...DEFAULTS, ...o }, ips);
}

describe("healthcheck commands: metrics", () => {
  it("announces each address with the state's metric, increased per address", () => {
    assert.deepEqual(lines("UP", {}, IPS), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 100",
      "neighbor * announce route 192.0.2.2/32 next-hop self med 101",
      "neighbor * announce route 2001:db8::1/128 next-hop self med 102",
    ]);
    assert.deepEqual(lines("DOWN", { increase: 10 }, IPS.slice(0, 2)), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 1000",
      "neighbor * announce route 192.0.2.2/32 next-hop self med 1010",
    ]);
    assert.deepEqual(lines("DISABLED", { increase: 0 }, IPS.slice(0, 2)), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 500",
      "neighbor * announce route 192.0.2.2/32 next-hop self med 500",
    ]);
  });

  it("uses --up-metric, --down-metric and --disabled-metric", () => {
    const o = { upMetric: 1, downMetric: 2, disabledMetric: 3 };
    assert.deepEqual(lines("UP", o), ["neighbor * announce route 192.0.2.1/32 next-hop self med 1"]);
    assert.deepEqual(lines("DOWN", o), ["neighbor * announce route 192.0.2.1/32 next-hop self med 2"]);
    assert.deepEqual(lines("DISABLED", o), ["neighbor * announce route 192.0.2.1/32 next-hop self med 3"]);
  });
});

describe("healthcheck commands: withdrawals", () => {
  it("withdraws on DOWN and DISABLED with --withdraw-on-down, announces on UP", () => {
    const o = { withdrawOnDown: true };
    assert.deepEqual(lines("DOWN", o, IPS.slice(0, 2)), [
      "neighbor * withdraw route 192.0.2.1/32 next-hop self",
      "neighbor * withdraw route 192.0.2.2/32 next-hop self",
    ]);
    assert.deepEqual(lines("DISABLED", o), ["neighbor * withdraw route 192.0.2.1/32 next-hop self"]);
    assert.deepEqual(lines("UP", o), ["neighbor * announce route 192.0.2.1/32 next-hop self med 100"]);
  });

  it("always withdraws on EXIT, keeping next-hop and path-information", () => {
    assert.deepEqual(lines("EXIT"), ["neighbor * withdraw route 192.0.2.1/32 next-hop self"]);
    assert.deepEqual(lines("EXIT", { nextHop: "198.51.100.1", pathId: 4, community: "65000:1" }), [
      "neighbor * withdraw route 192.0.2.1/32 next-hop 198.51.100.1 path-information 4",
    ]);
  });
});

describe("healthcheck commands: attributes", () => {
  it("writes every attribute in ExaBGP's order", () => {
    const o: Partial<AdvertOptions> = {
      nextHop: "198.51.100.1",
      localPreference: 200,
      community: "65000:1 65000:2",
      extendedCommunity: "target:65000:10",
      largeCommunity: "65000:1:1",
      asPath: "65001 65002",
      pathId: 9,
    };
    assert.deepEqual(lines("UP", o), [
      "neighbor * announce route 192.0.2.1/32 next-hop 198.51.100.1 med 100 local-preference 200 " +
      "community [ 65000:1 65000:2 ] extended-community [ target:65000:10 ] large-community [ 65000:1:1 ] " +
      "as-path [ 65001 65002 ] path-information 9",
    ]);
  });

  it("writes local-preference 0 but no path-information 0 (ExaBGP tests the path ID for truth)", () => {
    assert.deepEqual(lines("UP", { localPreference: 0, pathId: 0 }), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 100 local-preference 0",
    ]);
  });

  it("uses --disabled-community when DOWN or DISABLED, --community otherwise", () => {
    const o = { community: "65000:1", disabledCommunity: "65000:666" };
    assert.deepEqual(lines("UP", o), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 100 community [ 65000:1 ]",
    ]);
    assert.deepEqual(lines("DOWN", o), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 1000 community [ 65000:666 ]",
    ]);
    assert.deepEqual(lines("DISABLED", o), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 500 community [ 65000:666 ]",
    ]);
    assert.deepEqual(lines("DOWN", { disabledCommunity: "65000:666" }), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 1000 community [ 65000:666 ]",
    ]);
    assert.deepEqual(lines("UP", { disabledCommunity: "65000:666" }), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 100",
    ]);
  });

  it("uses the per-state AS path, else --as-path", () => {
    const o = { asPath: "65000", downAsPath: "65000 65000 65000" };
    assert.deepEqual(lines("UP", o), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 100 as-path [ 65000 ]",
    ]);
    assert.deepEqual(lines("DOWN", o), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 1000 as-path [ 65000 65000 65000 ]",
    ]);
    assert.deepEqual(lines("DISABLED", { disabledAsPath: "65009" }), [
      "neighbor * announce route 192.0.2.1/32 next-hop self med 500 as-path [ 65009 ]",
    ]);
  });
});

describe("healthcheck commands: --neighbor", () => {
  it("selects the given neighbors instead of every one", () => {
    assert.deepEqual(lines("UP", { neighbors: ["192.0.2.200"] }), [
      "neighbor 192.0.2.200 announce route 192.0.2.1/32 next-hop self med 100",
    ]);
    assert.deepEqual(lines("EXIT", { neighbors: ["192.0.2.200", "2001:db8::200"] }), [
      "neighbor 192.0.2.200, neighbor 2001:db8::200 withdraw route 192.0.2.1/32 next-hop self",
    ]);
  });
});
