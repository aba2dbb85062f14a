/**
 * Adj-RIB-Out semantics against ExaBGP 5.0's conformance suite: the command sequences of the api-* transcripts
 * replayed on the RIB, flushed where the real session would flush, and compared with the `raw:` lines of the
 * matching .msg files (order inside a group is free there, so groups compare as sorted lists).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { prefixNlri as prefix } from "../../lib/bgp/nlri/prefix.ts";
import { AdjRibOut } from "../../lib/rib/adj_rib_out.ts";
import { decodeNlri } from "../../lib/bgp/nlri/codec.ts";
import { DEFAULT_CONTEXT, type Route } from "../../lib/bgp/types.ts";
import { nlriToString } from "../../lib/bgp/nlri/prefix.ts";
import { parseCommand } from "../../lib/api/command.ts";
import { readFileSync } from "node:fs";
import { conformanceDir } from "../bgp/update/wire.ts";
import { parseExabgpConfig } from "../../lib/config/exabgp.ts";
import {
  drain,
  familyKey,
  fromHex,
  hex,
  IPV4_UNICAST,
  IPV6_UNICAST,
  negotiated,
  raw,
  route,
  sorted,
} from "./helpers.ts";

const EOR_IPV4 = raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000");
/** api-rib.msg: 192.168.0.N/32 next-hop 10.0.0.N, iBGP AS 1. */
const announced = (n: number) =>
  raw(
    `FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:00000015400101004002004003040A00000${n}4005040000006420C0A8000${n}`,
  );
const withdrawn = (n: number) => raw(`FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001C:02:000520C0A8000${n}0000`);
const BORR = raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:05:00010101");
const EORR = raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:05:00010201");

function ibgp(extra: Record<string, unknown> = {}): AdjRibOut {
  return new AdjRibOut({ localAs: 1, peerAs: 1, localAddress: "127.0.0.1", ...extra });
}

const r = (n: number) => route(`192.168.0.${n}/32`, `10.0.0.${n}`);

/** The api-rib / api-rr-rib transcript; `enhanced` = route-refresh configured (api-rr-rib). */
function replayApiRib(enhanced: boolean): string[][] {
  const rib = ibgp({ groupUpdates: false });
  const flushes: string[][] = [];
  rib.start(negotiated());
  // One batch: announce and clear before any flush; the first flush sends no withdrawal.
  rib.announce(r(0));
  rib.clear();
  flushes.push(drain(rib));
  rib.announce(r(1));
  flushes.push(drain(rib));
  rib.clear();
  flushes.push(drain(rib));
  rib.announce(r(2));
  rib.announce(r(3));
  flushes.push(drain(rib));
  rib.resend(undefined, enhanced);
  flushes.push(drain(rib));
  rib.announce(r(4));
  flushes.push(drain(rib));
  rib.resend(undefined, enhanced);
  flushes.push(drain(rib));
  rib.clear();
  flushes.push(drain(rib));
  rib.announce(r(5));
  flushes.push(drain(rib));
  return flushes;
}

describe("AdjRibOut: api-rib and api-rr-rib (flush / clear adj-rib out)", () => {
  it("api-rib: clear covers pending and sent routes, flush re-sends the cache", () => {
    const f = replayApiRib(false);
    assert.deepEqual(f[0], [EOR_IPV4]); // group 10: 192.168.0.0 never on the wire
    assert.deepEqual(f[1], [announced(1)]); // group 20
    assert.deepEqual(f[2], [withdrawn(1)]); // group 21
    assert.deepEqual(sorted(f[3]), sorted([announced(2), announced(3)])); // group 30
    assert.deepEqual(sorted(f[4]), sorted([announced(2), announced(3)])); // group 31 (flush)
    assert.deepEqual(f[5], [announced(4)]); // group 40
    assert.deepEqual(sorted(f[6]), sorted([announced(2), announced(3), announced(4)])); // group 41
    assert.deepEqual(sorted(f[7]), sorted([withdrawn(2), withdrawn(3), withdrawn(4)])); // group 50
    assert.deepEqual(f[8], [announced(5)]); // group 60
  });

  it("api-rr-rib: with enhanced route refresh each flush is wrapped in BoRR/EoRR", () => {
    const f = replayApiRib(true);
    assert.deepEqual(f[0], [EOR_IPV4]);
    assert.deepEqual(f[4][0], BORR); // group 31
    assert.deepEqual(sorted(f[4].slice(1, -1)), sorted([announced(2), announced(3)])); // group 32
    assert.deepEqual(f[4].at(-1), EORR); // group 33
    assert.equal(f[4].length, 4);
    assert.deepEqual(f[6][0], BORR); // group 42
    assert.deepEqual(sorted(f[6].slice(1, -1)), sorted([announced(2), announced(3), announced(4)])); // group 45
    assert.deepEqual(f[6].at(-1), EORR); // group 48
    assert.deepEqual(sorted(f[7]), sorted([withdrawn(2), withdrawn(3), withdrawn(4)]));
    assert.deepEqual(f[8], [announced(5)]);
  });

  it("flush with a withdraw and re-announce in the same batch: the announce follows the withdraw", () => {
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated());
    rib.announce(r(1));
    rib.announce(r(2));
    drain(rib);
    rib.resend(undefined, true);
    rib.withdraw(r(1));
    rib.announce(r(1));
    rib.announce(r(3));
    // The refresh re-sends the cache as it is now (3 included); 1 waits for its withdraw.
    assert.deepEqual(drain(rib), [BORR, announced(2), announced(3), EORR, withdrawn(1), announced(1)]);
  });

  it("resend before the session is up does nothing (the start sends everything)", () => {
    const rib = ibgp({ groupUpdates: false });
    rib.announce(r(2));
    rib.resend(undefined, true);
    rib.start(negotiated());
    assert.deepEqual(drain(rib), [announced(2), EOR_IPV4]);
  });
});

describe("AdjRibOut: coalescing (api-fast, api-add-remove)", () => {
  // api-fast.msg
  const nh = "101.1.101.1";
  const A_25_1 = raw(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:000000154001010040020040030465016501400504000000641901010000",
  );
  const W_25_2 = raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001C:02:000519020200000000");
  const A_24_2 = raw(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0030:02:0000001540010100400200400304650165014005040000006418020200",
  );
  const A_DEFAULT = raw(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002D:02:0000001540010100400200400304016501654005040000006400",
  );

  /** api-fast's three bursts; `beforeStart`: burst 1 lands before the session is up (a slow session). */
  function replayApiFast(beforeStart: boolean): string[][] {
    const rib = ibgp({ groupUpdates: false });
    const flushes: string[][] = [];
    const burst1 = () => {
      assert.equal(rib.announce(route("1.1.0.0/24", nh)), true);
      assert.equal(rib.announce(route("1.1.0.0/25", nh)), true);
      rib.withdraw(route("1.1.0.0/24", nh));
      assert.equal(rib.announce(route("1.1.0.0/25", nh)), false, "identical to the cached route");
    };
    if (beforeStart) burst1();
    rib.start(negotiated());
    if (!beforeStart) {
      flushes.push(drain(rib)); // the initial table, empty: End-of-RIB alone
      burst1();
    }
    flushes.push(drain(rib));
    rib.announce(route("2.2.0.0/25", nh));
    rib.announce(route("2.2.0.0/24", nh));
    rib.withdraw(route("2.2.0.0/25", nh));
    flushes.push(drain(rib));
    rib.announce(route("0.0.0.0/0", "1.101.1.101"));
    flushes.push(drain(rib));
    flushes.push(drain(rib));
    return flushes;
  }

  for (const beforeStart of [false, true]) {
    it(`api-fast: burst 1 ${beforeStart ? "before" : "after"} Established gives the same wire`, () => {
      const f = replayApiFast(beforeStart);
      // group 1: End-of-RIB and 1.1.0.0/25 in any order, and no withdrawal of 1.1.0.0/24 (nothing was sent)
      assert.deepEqual(sorted(f.slice(0, -3).flat()), sorted([EOR_IPV4, A_25_1]));
      const [burst2, burst3, rest] = f.slice(-3);
      assert.deepEqual(burst2, [W_25_2, A_24_2], "the withdraw (group 2) goes before the announce (group 3)");
      assert.deepEqual(burst3, [A_DEFAULT]);
      assert.deepEqual(rest, [], "nothing left");
    });
  }

  it("the initial table is the cache at Established: a later announce is a later UPDATE", () => {
    // conf-watchdog: the helper's first route must not be packed with the configured ones.
    const packed = ibgp();
    packed.announce(route("192.168.0.1/32", nh));
    packed.announce(route("192.168.0.2/32", nh));
    packed.start(negotiated());
    assert.equal(drain(packed).length, 2, "one UPDATE with both prefixes, then End-of-RIB");
    const rib = ibgp();
    rib.announce(route("192.168.0.1/32", nh));
    rib.start(negotiated());
    rib.announce(route("192.168.0.2/32", nh)); // before the writer's first pull
    const out = drain(rib);
    assert.equal(out.length, 3, "the initial UPDATE, End-of-RIB, then the new route alone");
    assert.equal(out[1], EOR_IPV4);
  });

  it("api-add-remove: withdraws of sent routes, one per UPDATE without group-updates", () => {
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated());
    rib.announce(route("1.1.0.0/24", nh));
    rib.announce(route("1.1.0.0/25", nh));
    const first = drain(rib);
    rib.withdraw(prefix("1.1.0.0/24"));
    rib.withdraw(route("1.1.0.0/25", "0.0.0.0"));
    const expected = [
      EOR_IPV4,
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0030:02:0000001540010100400200400304650165014005040000006418010100",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:000000154001010040020040030465016501400504000000641901010000",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001B:02:0004180101000000",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001C:02:000519010100000000",
    ].map(raw);
    assert.deepEqual(sorted([...first, ...drain(rib)]), sorted(expected));
    assert.equal(rib.size, 0);
  });

  it("announce then clear in one batch never puts the route on the wire, even after the first flush", () => {
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated());
    assert.deepEqual(drain(rib), [EOR_IPV4]);
    rib.announce(r(7));
    rib.clear();
    // api-rib group 10 → 20: nothing about 192.168.0.0/32 may reach the peer.
    assert.deepEqual(drain(rib), []);
    assert.equal(rib.size, 0);
  });

  it("clear withdraws a sent route whose replacement is still pending, and never sends the replacement", () => {
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated());
    rib.announce(r(7));
    assert.deepEqual(drain(rib), [EOR_IPV4, announced(7)], "the initial table (empty), then r(7)");
    rib.announce(route("192.168.0.7/32", "10.0.0.8"));
    rib.announce(route("192.168.0.7/32", "10.0.0.9"));
    rib.clear();
    assert.deepEqual(drain(rib), [withdrawn(7)]);
  });

  it("clear during a flush in progress withdraws the routes of that flush afterwards", () => {
    const rib = ibgp({ groupUpdates: false });
    for (let i = 1; i <= 5; i++) rib.announce(r(i));
    rib.start(negotiated());
    const first = rib.next(1); // one step of the initial flush
    rib.clear();
    const rest = drain(rib);
    const all = [...first.map(hex), ...rest];
    assert.deepEqual(
      sorted(all.filter((m) => m.length === 0x31 * 2)),
      sorted([1, 2, 3, 4, 5].map(announced)),
    );
    assert.deepEqual(
      sorted(all.filter((m) => m.length === 0x1c * 2)),
      sorted([1, 2, 3, 4, 5].map(withdrawn)),
    );
    assert.ok(all.indexOf(withdrawn(1)) > all.indexOf(announced(1)), "each withdraw after its announce");
  });

  it("a withdraw is queued even for a route that was never announced, once a flush carried something", () => {
    const rib = ibgp();
    rib.start(negotiated());
    drain(rib);
    assert.equal(rib.withdraw(prefix("192.168.0.9/32")), false);
    assert.deepEqual(drain(rib), [], "nothing has gone to the peer yet: no withdrawal (ExaBGP include_withdraw)");
    rib.announce(r(1));
    assert.deepEqual(drain(rib), [announced(1)]);
    assert.equal(rib.withdraw(prefix("192.168.0.9/32")), false);
    assert.deepEqual(drain(rib), [withdrawn(9)]);
  });

  it("api-nexthop-self: `self` equals the local address, so re-announcing with it is a duplicate", () => {
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated());
    drain(rib);
    assert.equal(rib.announce(route("2.2.0.1/32", "127.0.0.1")), true);
    const sent = drain(rib);
    assert.deepEqual(sent, [
      raw(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:00000015400101004002004003047F000001400504000000642002020001",
      ),
    ]);
    assert.equal(rib.announce(route("2.2.0.1/32", "self")), false);
    assert.equal(rib.announce(route("2.2.0.1/32", "self")), false);
    assert.deepEqual(drain(rib), []);
  });
});

describe("AdjRibOut: grouping and families", () => {
  it("conf-group-limit: IPv4 routes sharing attributes in one UPDATE, IPv6 one per UPDATE, EOR per family", () => {
    const rib = ibgp();
    rib.announce(route("193.0.2.1", "10.0.0.1"));
    rib.announce(route("193.0.2.2", "10.0.0.1"));
    rib.announce(route("2A02:B80:0:1::1/128", "2A02:B80:1::1"));
    rib.announce(route("2A02:B80:0:2::2/128", "2A02:B80:1::1"));
    rib.start(negotiated([IPV4_UNICAST, IPV6_UNICAST]));
    const expected = [
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:00000007900F0003000201",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0036:02:00000015400101004002004003040A0000014005040000006420C100020120C1000202",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004E:02:000000374001010040020040050400000064800E26000201102A020B8000010000000000000000000100802A020B80000000010000000000000001",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004E:02:000000374001010040020040050400000064800E26000201102A020B8000010000000000000000000100802A020B80000000020000000000000002",
    ].map(raw);
    const out = drain(rib);
    assert.deepEqual(sorted(out), sorted(expected));
    assert.deepEqual(out.slice(-2), [expected[0], expected[1]], "End-of-RIB after the routes");
  });

  it("conf-ipv6grouping: IPv6 routes with identical attributes still go one per UPDATE", () => {
    const rib = ibgp();
    const attrs = [
      { code: 8, kind: "community", values: [(30740 << 16) >>> 0, ((30740 << 16) | 30740) >>> 0] } as const,
      { code: 5, kind: "local-preference", value: 200 } as const,
    ];
    rib.announce(route("2A02:B80:0:1::1/128", "2A02:B80:0:2::1", [...attrs]));
    rib.announce(route("2A02:B80:0:1::2/128", "2A02:B80:0:2::1", [...attrs]));
    rib.start(negotiated([IPV6_UNICAST], {}));
    const out = drain(rib);
    const expected = [
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0059:02:0000004240010100400200400504000000C8C008087814000078147814800E26000201102A020B8000000002000000000000000100802A020B80000000010000000000000001",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0059:02:0000004240010100400200400504000000C8C008087814000078147814800E26000201102A020B8000000002000000000000000100802A020B80000000010000000000000002",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:00000007900F0003000201", // EOR (tolerated after the last group)
    ].map(raw);
    assert.deepEqual(sorted(out), sorted(expected));
  });

  it("packAllFamilies packs IPv6 routes sharing attributes into one MP_REACH_NLRI", () => {
    const rib = ibgp({ packAllFamilies: true });
    rib.announce(route("2A02:B80:0:1::1/128", "2A02:B80:1::1"));
    rib.announce(route("2A02:B80:0:2::2/128", "2A02:B80:1::1"));
    rib.start(negotiated([IPV6_UNICAST]));
    const [update, eor] = drain(rib);
    // RFC 4760 §3: one MP_REACH_NLRI, next hop once, then both NLRI (0x80 + 16 bytes each).
    const mp = "800E37000201102A020B80000100000000000000000001" + "00" +
      "802A020B80000000010000000000000001" + "802A020B80000000020000000000000002";
    const attrs = "40010100" + "400200" + "40050400000064" + mp; // ORIGIN igp, empty AS_PATH, LOCAL_PREF 100
    const body = "0000" + (attrs.length / 2).toString(16).padStart(4, "0").toUpperCase() + attrs;
    const length = (19 + body.length / 2).toString(16).padStart(4, "0").toUpperCase();
    assert.equal(update, "F".repeat(32) + length + "02" + body);
    assert.equal(eor, raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:00000007900F0003000201"));
  });

  it("group-updates packs many IPv4 routes into messages of at most 4096 bytes", () => {
    const rib = ibgp();
    for (let i = 0; i < 3000; i++) rib.announce(route(`10.${i >> 8}.${i & 255}.0/24`, "10.0.0.1"));
    rib.start(negotiated());
    const out = rib.next(Infinity);
    const eor = out.pop()!;
    assert.equal(hex(eor), EOR_IPV4);
    assert.ok(out.length > 1 && out.length < 5, `${out.length} UPDATEs`);
    let nlri = 0;
    for (const m of out) {
      assert.ok(m.length <= 4096);
      assert.equal((m[16] << 8) | m[17], m.length);
      const attrLen = (m[21] << 8) | m[22];
      nlri += (m.length - 23 - attrLen) / 4; // each /24 is 4 bytes
    }
    assert.equal(nlri, 3000);
  });

  it("routes of families the session did not negotiate are kept but not sent", () => {
    const rib = ibgp();
    rib.announce(route("2001:db8::/32", "2001:db8::1"));
    rib.announce(r(1));
    rib.start(negotiated([IPV4_UNICAST]));
    assert.deepEqual(drain(rib), [announced(1), EOR_IPV4]);
    assert.equal(rib.size, 2);
  });

  it("extended-nexthop: IPv4 route with an IPv6 next hop in MP_REACH, IPv6 route with IPv4 next hop", () => {
    const rib = new AdjRibOut({ localAs: 12345, peerAs: 12345, localAddress: "127.0.0.1" });
    rib.announce(route("153.153.153.153", "BAD:CAFE:BAD:CAFE:BAD:CAFE:BAD:CAFE"));
    rib.announce(route("DEAD:BEEF:DEAD:BEEF:DEAD:BEEF:DEAD:BEEF", "170.170.170.170"));
    rib.start(
      negotiated([IPV4_UNICAST, IPV6_UNICAST], { extendedNextHop: new Set([IPV4_UNICAST, IPV6_UNICAST]) }),
    );
    const out = drain(rib);
    const expected = [
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0042:02:0000002B4001010040020040050400000064800E1A000101100BADCAFE0BADCAFE0BADCAFE0BADCAFE002099999999",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0049:02:0000003240010100400200400304AAAAAAAA40050400000064800E1A00020104AAAAAAAA0080DEADBEEFDEADBEEFDEADBEEFDEADBEEF",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:00000007900F0003000201",
    ].map(raw);
    assert.deepEqual(sorted(out), sorted(expected));
  });

  it("an IPv4 route with an IPv6 next hop is not sent without RFC 8950", () => {
    const rib = ibgp();
    rib.announce(route("153.153.153.153", "BAD:CAFE::1"));
    rib.start(negotiated([IPV4_UNICAST]));
    assert.deepEqual(drain(rib), [EOR_IPV4]);
  });

  it("api-flow: a FlowSpec withdraw carries the default attributes with its MP_UNREACH_NLRI", () => {
    const flow = familyKey(1, 133);
    const rib = ibgp();
    rib.start(negotiated([flow]));
    drain(rib);
    // destination 0.0.0.0/32, source 0.0.0.0/32, protocol =6, port =3128 (RFC 8955 §4).
    const [nlri] = decodeNlri(
      flow,
      fromHex("13012000000000022000000000038106" + "05910C38"),
      DEFAULT_CONTEXT,
    );
    // Announced first: the withdraw of a flow never announced is an UPDATE without NLRI (api-flow).
    rib.announce({ nlri, nextHop: { kind: "none" }, attributes: [] });
    drain(rib);
    rib.withdraw({ nlri, nextHop: { kind: "none" }, attributes: [] });
    assert.deepEqual(drain(rib), [
      raw(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:003F:02:000000284001010040020040050400000064800F170001851301200000000002200000000003810605910C38",
      ),
    ]);
  });

  it("conf-vpn: VPN routes carry NEXT_HOP and an RD-prefixed next hop in MP_REACH_NLRI, one per UPDATE", () => {
    const vpn = familyKey(1, 128);
    const rib = new AdjRibOut({
      localAs: 65000,
      peerAs: 65000,
      localAddress: "127.0.0.1",
      groupUpdates: false,
    });
    const extended = {
      code: 16,
      kind: "extended-community",
      // ExaBGP sends extended communities sorted; that is the parser's or the codec's job, not the RIB's.
      values: [fromHex("0002271000000001"), fromHex("0002fde800000001")],
    } as const;
    // label 1000, rd 65000:1, the four /25 halves of 10.0.0.0/24 and 20.0.0.0/24 (`split /25`), as raw NLRI.
    for (const prefix of ["0A000000", "0A000080", "14000000", "14000080"]) {
      const nlri = { kind: "raw", family: vpn, bytes: fromHex("71003E810000FDE800000001" + prefix) } as const;
      rib.announce({ nlri, nextHop: { kind: "ip", address: "200.10.0.101" }, attributes: [extended] });
    }
    rib.start(negotiated([vpn]));
    const out = drain(rib);
    const head =
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0063:02:0000004C40010100400200400304C80A006540050400000064" +
      "C0101000022710000000010002FDE800000001800E210001800C0000000000000000C80A00650071003E810000FDE800000001";
    assert.deepEqual(
      sorted(out.slice(0, -1)),
      sorted(["0A000000", "0A000080", "14000000", "14000080"].map((p) => raw(head + p))),
    );
  });

  it("conf-ipself6: next-hop self over an IPv6 session", () => {
    const rib = new AdjRibOut({ localAs: 12345, peerAs: 12345, localAddress: "::1" });
    rib.announce(route("2a04:6d80::1/128", "self"));
    rib.start(negotiated([IPV6_UNICAST]));
    assert.deepEqual(
      drain(rib),
      [
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004E02:000000374001010040020040050400000064800E26000201100000000000000000000000000000000100802A046D80000000000000000000000001",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E02:00000007900F0003000201",
      ].map(raw),
    );
  });

  it("ADD-PATH: the path id is sent when negotiated for the family, 0 when the route has none", () => {
    const rib = ibgp();
    rib.announce({ ...route("10.0.0.0/8", "10.0.0.1"), nlri: prefix("10.0.0.0/8", IPV4_UNICAST, 7) });
    rib.announce(route("10.0.0.0/8", "10.0.0.1"));
    assert.equal(rib.size, 2, "a path id makes a distinct route");
    rib.start(negotiated([IPV4_UNICAST], { addPathSend: new Set([IPV4_UNICAST]) }));
    const [update] = drain(rib);
    // RFC 7911 §3: path id (4 octets) before each prefix.
    assert.ok(update.endsWith("00000007080A" + "00000000080A"), update);
  });
});

describe("AdjRibOut: sessions", () => {
  it("reconnect: everything cached is sent again, then End-of-RIB, and no stale withdraw", () => {
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated());
    rib.announce(r(1));
    rib.announce(r(2));
    assert.deepEqual(sorted(drain(rib)), sorted([announced(1), announced(2), EOR_IPV4]));
    rib.announce(r(3));
    rib.stop();
    assert.deepEqual(rib.next(Infinity), [], "nothing while down");
    rib.withdraw(r(1)); // while down
    rib.announce(r(4));
    rib.start(negotiated());
    const out = drain(rib);
    assert.deepEqual(sorted(out.slice(0, -1)), sorted([announced(2), announced(3), announced(4)]));
    assert.equal(out.at(-1), EOR_IPV4);
  });

  it("manual-eor: no End-of-RIB after the initial table", () => {
    const rib = ibgp({ manualEor: true });
    rib.start(negotiated());
    assert.deepEqual(drain(rib), []);
  });

  it("wake is called once when something becomes pending; next() honours the byte budget", () => {
    const rib = ibgp({ groupUpdates: false });
    let wakes = 0;
    rib.setWake(() => wakes++);
    rib.start(negotiated());
    assert.equal(wakes, 1);
    assert.deepEqual(drain(rib), [EOR_IPV4]);
    rib.announce(route("10.0.1.0/32", "10.0.0.1"));
    assert.equal(wakes, 2);
    for (let i = 0; i < 99; i++) rib.announce(route(`10.0.0.${i}/32`, "10.0.0.1"));
    assert.equal(wakes, 2, "no wake storm during a burst");
    const first = rib.next(100); // each UPDATE is 49 bytes
    assert.ok(first.length >= 1 && first.length <= 20, `${first.length} messages`);
    let total = first.length;
    while (rib.pending) total += rib.next(100).length;
    assert.equal(total, 100);
    rib.withdraw(route("10.0.1.0/32", "10.0.0.1"));
    assert.equal(wakes, 3, "woken again after next()");
  });

  it("show adj-rib out lists the intended state, pending routes included", () => {
    const rib = ibgp();
    rib.announce(r(1));
    rib.announce(route("2001:db8::/32", "2001:db8::1"));
    const list = [...rib.routes()];
    assert.equal(list.length, 2);
    const v4 = list.find((x) => x.nlri.family === IPV4_UNICAST)!;
    assert.equal(v4.nlri.kind, "prefix");
    assert.deepEqual(v4.nlri.kind === "prefix" && [...v4.nlri.bytes], [192, 168, 0, 1]);
    assert.deepEqual(v4.nextHop, { kind: "ip", address: "10.0.0.1" });
    rib.forget();
    assert.equal(rib.size, 0);
    assert.equal(rib.store.size, 0, "attribute sets freed");
  });
});

describe("AdjRibOut: watchdogs (conf-watchdog)", () => {
  const A77 = raw(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:00000015400101004002004003040102030440050400000064204D4D4D4D",
  );
  const W77 = raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001C:02:0005204D4D4D4D0000");

  it("a route starting withdrawn is announced and withdrawn by its watchdog", () => {
    const rib = new AdjRibOut({ localAs: 65533, peerAs: 65533, localAddress: "127.0.0.1" });
    rib.announce(route("66.66.66.66", "1.2.3.4"));
    assert.equal(
      rib.announce(route("77.77.77.77", "1.2.3.4", [], { watchdog: "dnsr", withdrawn: true })),
      false,
    );
    rib.announce(route("88.88.88.88", "1.2.3.4"));
    rib.announce(route("100.100.100.100", "192.168.1.100"));
    rib.start(negotiated());
    const first = drain(rib);
    assert.deepEqual(
      sorted(first),
      sorted([
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0036:02:0000001540010100400200400304010203044005040000006420424242422058585858",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:0000001540010100400200400304C0A80164400504000000642064646464",
      ].map(raw)),
    );
    for (let i = 0; i < 3; i++) {
      rib.announceWatchdog("dnsr");
      assert.deepEqual(drain(rib), [A77]);
      rib.withdrawWatchdog("dnsr");
      assert.deepEqual(drain(rib), [W77]);
    }
    rib.withdrawWatchdog("dnsr");
    assert.deepEqual(drain(rib), [], "already withdrawn");
  });
});

describe("AdjRibOut: labeled routes (RFC 8277, RFC 4364): the label is route data, not identity", () => {
  const VPN = familyKey(1, 128);
  const MPLS = familyKey(1, 4);
  const EOR_VPN = raw("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:00000007900F0003000180");

  /** The routes of one API command line, as the speaker's dispatcher gets them. */
  function routes(line: string): readonly Route[] {
    const c = parseCommand(line);
    assert.ok(c.kind === "announce-route" || c.kind === "withdraw-route", `${line}: ${c.kind}`);
    return c.routes;
  }

  /** api-vpnv4.conf: iBGP AS 1, group-updates false, ipv4 mpls-vpn. */
  function vpnRib(families = [VPN]): AdjRibOut {
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated(families));
    drain(rib);
    return rib;
  }

  const ANNOUNCE = "announce route 1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1 community 100:1 " +
    "extended-community 0x0002FDE900000001 label 1000";

  it("api-vpnv4: the transcript replayed gives exactly the expected messages, the withdraw with label 1000", () => {
    const lines = readFileSync(`${conformanceDir()}transcripts/api-vpnv4.commands.txt`, "utf8").split("\n")
      .filter((l) => l.startsWith("neighbor"));
    assert.equal(lines.length, 2);
    const rib = ibgp({ groupUpdates: false });
    rib.start(negotiated([VPN]));
    const out = drain(rib);
    for (const r of routes(lines[0])) rib.announce(r);
    out.push(...drain(rib));
    for (const r of routes(lines[1])) rib.withdraw(r);
    out.push(...drain(rib));
    const expected = readFileSync(`${conformanceDir()}encoding/api-vpnv4.msg`, "utf8").split("\n")
      .filter((l) => /^1:raw:/.test(l)).map((l) => raw(l.slice("1:raw:".length)));
    assert.equal(expected.length, 3);
    assert.deepEqual(sorted(out), sorted(expected));
    assert.equal(rib.size, 0);
  });

  it("a withdraw without label removes the route announced with one, and sends 0x800000 (RFC 8277 §2.4)", () => {
    const rib = vpnRib();
    for (const r of routes(ANNOUNCE)) rib.announce(r);
    assert.equal(drain(rib).length, 1);
    for (const r of routes("withdraw route 1.4.0.0/16 rd 65000:1")) assert.equal(rib.withdraw(r), true);
    assert.equal(rib.size, 0);
    assert.deepEqual([...rib.routes()], []);
    const [update, ...more] = drain(rib);
    assert.deepEqual(more, []);
    // MP_UNREACH_NLRI (RFC 4760 §4), last: AFI 1, SAFI 128, then length 24 + 64 + 16 = 104 bits (0x68), the
    // label field 0x800000, RD 65000:1 (type 0), 1.4/16.
    assert.ok(update.endsWith("800F11000180" + "68" + "800000" + "0000FDE800000001" + "0104"), update);
  });

  it("labeled unicast too: the withdraw of 10.0.0.0/24 without label is 0x800000 after a 48-bit length", () => {
    const rib = vpnRib([MPLS]);
    for (const r of routes("announce ipv4 nlri-mpls 10.0.0.0/24 next-hop 1.2.3.4 label 100")) rib.announce(r);
    // 100 << 4 | bottom of stack = 0x000641; length 24 + 24 = 48 bits (0x30).
    assert.ok(drain(rib)[0].endsWith("30" + "000641" + "0A0000"));
    for (const r of routes("withdraw ipv4 nlri-mpls 10.0.0.0/24")) rib.withdraw(r);
    assert.equal(rib.size, 0);
    assert.ok(drain(rib)[0].endsWith("800F0A000104" + "30" + "800000" + "0A0000"));
  });

  it("another label for the same prefix and RD replaces the route; the same label again is a duplicate", () => {
    const rib = vpnRib();
    for (const r of routes(ANNOUNCE)) rib.announce(r);
    drain(rib);
    for (const r of routes(ANNOUNCE)) assert.equal(rib.announce(r), false);
    assert.deepEqual(drain(rib), []);
    for (const r of routes(ANNOUNCE.replace("label 1000", "label 2000"))) assert.equal(rib.announce(r), true);
    assert.equal(rib.size, 1);
    assert.deepEqual([...rib.routes()].map((r) => nlriToString(r.nlri)), [
      "1.4.0.0/16 label 2000 rd 65000:1",
    ]);
    // 2000 << 4 | 1 = 0x007D01: only the new label goes out, no withdraw first.
    const out = drain(rib);
    assert.equal(out.length, 1);
    assert.ok(out[0].endsWith("68" + "007D01" + "0000FDE800000001" + "0104"), out[0]);
    // Another RD is another route.
    for (const r of routes(ANNOUNCE.replace("rd 65000:1", "rd 65000:2"))) rib.announce(r);
    assert.equal(rib.size, 2);
  });

  it("clear adj-rib out withdraws each labeled route with the label it was announced with", () => {
    const rib = vpnRib();
    for (const r of routes(ANNOUNCE)) rib.announce(r);
    drain(rib);
    rib.clear();
    const [update] = drain(rib);
    // The withdraw of 1.4.0.0/16 rd 65000:1 label 1000: the same NLRI bytes api-vpnv4 expects.
    assert.ok(update.endsWith("800F11000180" + "68" + "003E81" + "0000FDE800000001" + "0104"), update);
  });
});

describe("AdjRibOut: configured routes replaced before the first session (FlowSpec and VPLS alike)", () => {
  /** The `raw:` lines of group `n` of a test's .msg. */
  function group(test: string, n: number): string[] {
    return readFileSync(`${conformanceDir()}encoding/${test}.msg`, "utf8").split("\n")
      .filter((l) => l.startsWith(`${n}:raw:`)).map((l) => raw(l.slice(`${n}:raw:`.length)));
  }

  it("conf-l2vpn: a repeated VPLS NLRI is sent once per statement at the first session, then only the last", () => {
    const text = readFileSync(`${conformanceDir()}etc/conf-l2vpn.conf`, "utf8");
    const nb = parseExabgpConfig(text, "conf-l2vpn.conf").neighbors[0];
    const rib = new AdjRibOut({
      localAs: 54591,
      peerAs: 54591,
      localAddress: "127.0.0.1",
      groupUpdates: false,
    });
    for (const r of nb.routes) rib.announce(r);
    assert.equal(rib.size, 2, "one route per NLRI in the Adj-RIB-Out");
    const vpls = familyKey(25, 65);
    rib.start(negotiated([vpls]));
    const expected = group("conf-l2vpn", 1);
    assert.equal(expected.length, 4);
    assert.deepEqual(sorted(drain(rib)), sorted(expected));
    // The next session sends the Adj-RIB-Out: of rd 192.168.201.1:123 only the last statement (local-pref 1).
    rib.stop();
    rib.start(negotiated([vpls]));
    const again = drain(rib);
    const lastOf123 = expected.find((m) => m.includes("40050400000001") && m.includes("C0A8C901007B"))!;
    const of124 = expected.find((m) => m.includes("C0A8C901007C"))!;
    const eor = expected.find((m) => m.endsWith("900F0003001941"))!;
    assert.deepEqual(sorted(again), sorted([lastOf123, of124, eor]));
    // One withdraw removes the NLRI for good: nothing of it is left to send to a later session.
    const [repeated] = nb.routes;
    assert.equal(rib.withdraw(repeated.nlri), true);
    assert.equal(rib.size, 1);
  });
});
