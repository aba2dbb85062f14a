/**
 * The receiving speaker's stale-route bookkeeping (lib/speaker/graceful_restart.ts, RFC 4724 §4.2) on a
 * real Adj-RIB-In, without sockets: which families are kept, what the peer's new capability does to them
 * (Forwarding State bit, RFC 4724 §3), End-of-RIB per family, and the withdraws it reports.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import type { Nlri, UpdateMessage } from "../../lib/bgp/types.ts";
import { parseConfigText } from "../../lib/config/load.ts";
import { AdjRibIn } from "../../lib/rib/adj_rib_in.ts";
import { StaleRoutes } from "../../lib/speaker/graceful_restart.ts";

const routes = parseConfigText(
  `neighbor 127.0.0.9 {
  local-as 1; peer-as 2; router-id 192.0.2.1;
  static {
    route 10.0.1.0/24 next-hop 192.0.2.1;
    route 10.0.2.0/24 next-hop 192.0.2.1;
    route 2001:db8:1::/48 next-hop 2001:db8::1;
    route 2001:db8:2::/48 next-hop 2001:db8::1;
  }
}
`,
  "gr.conf",
).neighbors[0].routes;
const v4 = routes.filter((r) => r.nlri.family === IPV4_UNICAST).map((r) => r.nlri);
const v6 = routes.filter((r) => r.nlri.family === IPV6_UNICAST).map((r) => r.nlri);

function announce4(nlri: readonly Nlri[]): UpdateMessage {
  return {
    type: "update",
    withdrawn: [],
    attributes: [{ code: 1, kind: "origin", value: 0 }, { code: 3, kind: "next-hop", address: "192.0.2.1" }],
    announced: nlri,
  };
}

function announce6(nlri: readonly Nlri[]): UpdateMessage {
  return {
    type: "update",
    withdrawn: [],
    attributes: [
      { code: 1, kind: "origin", value: 0 },
      { code: 14, kind: "mp-reach", family: IPV6_UNICAST, nextHops: ["2001:db8::1"], nlri },
    ],
    announced: [],
  };
}

const EOR4: UpdateMessage = { type: "update", withdrawn: [], attributes: [], announced: [] };
const EOR6: UpdateMessage = {
  type: "update",
  withdrawn: [],
  attributes: [{ code: 15, kind: "mp-unreach", family: IPV6_UNICAST, nlri: [] }],
  announced: [],
};

function cap(restartTime: number, families: [afi: number, flags: number][]) {
  return {
    code: 64 as const,
    name: "graceful-restart" as const,
    restartFlags: 0,
    restartTime,
    families: families.map(([afi, flags]) => ({ afi, safi: 1, flags })),
  };
}

/** A RIB holding the four routes, its StaleRoutes, and the prefixes withdrawn through it. */
function setup() {
  const rib = new AdjRibIn();
  rib.apply(announce4(v4));
  rib.apply(announce6(v6));
  const withdrawn: string[] = [];
  const logs: string[] = [];
  const stale = new StaleRoutes(rib, {
    withdraw: (u) => {
      rib.apply(u);
      for (const _ of u.withdrawn) withdrawn.push("v4");
      for (const a of u.attributes) {
        if (a.kind === "mp-unreach") { for (const _ of a.nlri) withdrawn.push("v6"); }
      }
    },
    log: (t) => logs.push(t),
  });
  return { rib, stale, withdrawn, logs };
}

describe("stale routes (RFC 4724 §4.2)", () => {
  let current: StaleRoutes | undefined;
  afterEach(() => current?.forget());

  it("keeps the families the capability lists, withdraws the others at once", () => {
    const t = setup();
    current = t.stale;
    t.stale.sessionLost(cap(120, [[1, 0x80]]));
    assert.equal(t.stale.size, 2);
    assert.equal(t.withdrawn.filter((w) => w === "v6").length, 2);
    assert.equal(t.rib.size, 2);
    assert.match(t.logs[0], /keeping 2 route\(s\) as stale for up to 120 s/);
  });

  it("per family: a route sent again is fresh, End-of-RIB withdraws that family's stale rest only", () => {
    const t = setup();
    current = t.stale;
    t.stale.sessionLost(cap(120, [[1, 0x80], [2, 0x80]]));
    assert.equal(t.stale.size, 4);
    assert.equal(t.stale.sessionUp(cap(120, [[1, 0x80], [2, 0x80]])), true);
    t.rib.apply(announce4([v4[0]]));
    t.stale.received(announce4([v4[0]]));
    assert.equal(t.stale.size, 3);
    t.stale.received(EOR4);
    assert.deepEqual(t.withdrawn.length, 1);
    assert.equal(t.rib.sizeOf(IPV4_UNICAST), 1);
    assert.equal(t.rib.sizeOf(IPV6_UNICAST), 2, "IPv6 waits for its own End-of-RIB");
    t.stale.received(EOR6);
    assert.equal(t.rib.sizeOf(IPV6_UNICAST), 0);
    assert.equal(t.stale.size, 0);
  });

  it("the new capability without the Forwarding State bit, or without the family, flushes it at once", () => {
    const t = setup();
    current = t.stale;
    t.stale.sessionLost(cap(120, [[1, 0x80], [2, 0x80]]));
    t.stale.sessionUp(cap(120, [[1, 0x00]]));
    assert.equal(t.rib.size, 0);
    assert.equal(t.stale.size, 0);
    assert.equal(t.withdrawn.length, 4);
  });

  it("a peer that comes back without the capability loses every stale route", () => {
    const t = setup();
    current = t.stale;
    t.stale.sessionLost(cap(120, [[1, 0x80], [2, 0x80]]));
    assert.equal(t.stale.sessionUp(undefined), true);
    assert.equal(t.rib.size, 0);
  });

  it("restart time 0: nothing is kept", () => {
    const t = setup();
    current = t.stale;
    t.stale.sessionLost(cap(0, [[1, 0x80], [2, 0x80]]));
    assert.equal(t.rib.size, 0);
    assert.equal(t.stale.sessionUp(cap(0, [])), false, "nothing stale: the owner clears as usual");
  });
});
