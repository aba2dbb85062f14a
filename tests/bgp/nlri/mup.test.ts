/**
 * BGP-MUP NLRI (SAFI 85, draft-mpmz-bess-mup-safi): the codec against ExaBGP's conformance bytes (every UPDATE
 * of conf-srv6-mup, conf-srv6-mup-v3, api-ipv4 and api-ipv6 decodes and re-encodes identically), the fields of
 * each route type, the RIB key round trip, malformed routes, and the grammar (lib/config/mup.ts): the routes
 * of the conformance configurations and API transcripts become exactly the UPDATEs ExaBGP sent.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BgpError } from "../../../lib/bgp/error.ts";
import { decodeNlri, encodeNlri, nlriKey } from "../../../lib/bgp/nlri/codec.ts";
import {
  IPV4_MUP,
  IPV6_MUP,
  mupFields,
  mupJson,
  mupNextHop,
  mupNlri,
  mupToString,
} from "../../../lib/bgp/nlri/mup.ts";
import { parseRd, rdToString } from "../../../lib/bgp/qualifier/rd.ts";
import { decodeUpdate, encodeUpdate } from "../../../lib/bgp/message/update.ts";
import { packUpdates } from "../../../lib/rib/update_packer.ts";
import { DEFAULT_CONTEXT, type MupNlri, type Route } from "../../../lib/bgp/types.ts";
import { nlriFromKey } from "../../../lib/rib/nlri_key.ts";
import { outgoingSet } from "../../../lib/rib/outgoing_attributes.ts";
import { parseExabgpConfig } from "../../../lib/config/exabgp.ts";
import { parseMupTokens } from "../../../lib/config/mup.ts";
import { RouteError } from "../../../lib/config/route.ts";
import { tokenize } from "../../../lib/config/tokenizer.ts";
import { parseCommand } from "../../../lib/api/command.ts";
import { extendedCommunityString } from "../../../lib/api/json.ts";
import { parseExtendedCommunity } from "../../../lib/config/community.ts";
import { conformanceDir, conformanceUpdates, fromHex, toHex } from "../update/wire.ts";

const TESTS = ["conf-srv6-mup", "conf-srv6-mup-v3", "api-ipv4", "api-ipv6"];

/** Every MUP NLRI of the MP attributes of a conformance test's UPDATEs. */
function mupOf(test: string): MupNlri[] {
  const out: MupNlri[] = [];
  for (const m of conformanceUpdates(test)) {
    for (const a of decodeUpdate(m.subarray(19), DEFAULT_CONTEXT).attributes) {
      if (a.kind !== "mp-reach" && a.kind !== "mp-unreach") continue;
      for (const n of a.nlri) if (n.kind === "mup") out.push(n);
    }
  }
  return out;
}

/** The UPDATEs of `test` that carry NLRI (End-of-RIB markers left out). */
function expected(test: string): string[] {
  return conformanceUpdates(test).map(toHex).filter((h) => h.length > 23 * 2 + 14);
}

/** The UPDATE one route becomes for an iBGP peer, packed as the RIB packs it. */
function updateFor(r: Route, action: "announce" | "withdraw"): string {
  const set = outgoingSet(
    r.attributes,
    r.nextHop,
    r.nlri.family,
    { localAs: 65000, peerAs: 65000 },
    DEFAULT_CONTEXT,
  );
  assert.ok(set);
  assert.ok(r.nextHop.kind === "ip");
  const [m, ...more] = packUpdates({
    family: r.nlri.family,
    attributes: set.attributes,
    nextHops: action === "announce" ? [mupNextHop(r.nlri.family, r.nextHop.address)] : [],
    announce: action === "announce" ? [r.nlri] : [],
    withdraw: action === "withdraw" ? [r.nlri] : [],
    ctx: DEFAULT_CONTEXT,
  });
  assert.equal(more.length, 0);
  return toHex(m);
}

describe("MUP NLRI codec against the conformance bytes", () => {
  for (const test of TESTS) {
    it(`${test}: every UPDATE decodes and re-encodes identically`, () => {
      const updates = conformanceUpdates(test);
      assert.ok(updates.length > 0);
      for (const m of updates) {
        const body = m.subarray(19);
        assert.equal(toHex(encodeUpdate(decodeUpdate(body, DEFAULT_CONTEXT), DEFAULT_CONTEXT)), toHex(body));
      }
    });
  }

  it("finds MUP NLRI of both families, each one decodable alone and keyed round trip by the RIB", () => {
    const all = TESTS.flatMap(mupOf);
    assert.equal(all.filter((n) => n.family === IPV4_MUP).length > 0, true);
    assert.equal(all.filter((n) => n.family === IPV6_MUP).length > 0, true);
    for (const n of all) {
      assert.deepEqual(decodeNlri(n.family, encodeNlri(n, DEFAULT_CONTEXT), DEFAULT_CONTEXT), [n]);
      assert.deepEqual(nlriFromKey(nlriKey(n)), n);
    }
  });

  it("reads the fields etc/conf-srv6-mup.conf wrote, and rebuilds the same bytes from them", () => {
    const nlri = mupOf("conf-srv6-mup");
    const rd = parseRd("100:100")!;
    const want = [
      { family: IPV4_MUP, f: { type: 1, rd, prefix: "10.0.1.0", length: 24 } },
      { family: IPV4_MUP, f: { type: 2, rd, address: "10.0.0.1" } },
      {
        family: IPV4_MUP,
        f: { type: 3, rd, prefix: "192.168.0.1", length: 32, teid: 12345, qfi: 9, endpoint: "10.0.0.1" },
      },
      { family: IPV4_MUP, f: { type: 4, rd, endpoint: "10.0.0.1", teidBits: 32, teid: 12345 } },
      { family: IPV4_MUP, f: { type: 4, rd, endpoint: "10.0.0.1", teidBits: 23, teid: 12345 } },
      { family: IPV4_MUP, f: { type: 4, rd, endpoint: "10.0.0.1", teidBits: 0, teid: 0 } },
      { family: IPV6_MUP, f: { type: 1, rd, prefix: "2001::", length: 64 } },
      { family: IPV6_MUP, f: { type: 2, rd, address: "2001::1" } },
      {
        family: IPV6_MUP,
        f: { type: 3, rd, prefix: "2001:db8:1:1::1", length: 128, teid: 12345, qfi: 9, endpoint: "2001::1" },
      },
      { family: IPV6_MUP, f: { type: 4, rd, endpoint: "2001::1", teidBits: 32, teid: 12345 } },
    ] as const;
    assert.equal(nlri.length, want.length);
    for (const w of want) {
      const built = mupNlri(w.family, w.f);
      const found = nlri.find((n) => n.family === w.family && toHex(n.bytes) === toHex(built.bytes));
      assert.ok(found, `${JSON.stringify(w.f)} not in the conformance NLRI`);
      const f = mupFields(found)!;
      assert.equal(f.type, w.f.type);
      assert.equal(rdToString(f.rd), "100:100");
      assert.deepEqual({ ...f, rd: undefined }, { ...w.f, rd: undefined });
    }
  });

  it("reads the T1ST source address of conf-srv6-mup-v3", () => {
    const sources = mupOf("conf-srv6-mup-v3").map((n) => {
      const f = mupFields(n);
      return f?.type === 3 ? f.source : undefined;
    });
    assert.deepEqual(sources.sort(), ["10.0.1.1", "2002::2"]);
  });

  it("draft §3.1.1 layout: architecture 1, route type 1, length, RD, prefix length, prefix octets", () => {
    const n = mupNlri(IPV4_MUP, { type: 1, rd: parseRd("100:100")!, prefix: "10.0.1.0", length: 24 });
    assert.equal(toHex(n.bytes), "0100010C0000006400000064180A0001");
  });
});

describe("MUP NLRI: malformed and unknown routes", () => {
  const decode = (family: number, hex: string) => decodeNlri(family, fromHex(hex), DEFAULT_CONTEXT);

  it("an ISD whose length disagrees with its prefix length is NOTIFICATION 3/10", () => {
    // prefix length 24 announces 3 octets; only 2 follow
    assert.throws(() => decode(IPV4_MUP, "0100010B0000006400000064180A00"), (e: unknown) => {
      assert.ok(e instanceof BgpError);
      assert.equal(e.code, 3);
      assert.equal(e.subcode, 10);
      return true;
    });
  });

  it("a T2ST whose TEID is longer than 32 bits is NOTIFICATION 3/10", () => {
    assert.throws(() => decode(IPV4_MUP, "010004120000006400000064410A0000010000303900"), BgpError);
  });

  it("an NLRI overrunning the field is NOTIFICATION 3/10", () => {
    assert.throws(() => decode(IPV4_MUP, "010001200000006400000064180A0001"), BgpError);
  });

  it("another architecture is kept verbatim and shown raw", () => {
    const [n] = decode(IPV4_MUP, "020007020102") as MupNlri[];
    assert.equal(n.kind, "mup");
    assert.equal(toHex(encodeNlri(n, DEFAULT_CONTEXT)), "020007020102");
    assert.equal(mupFields(n), undefined);
    assert.equal(mupJson(n), `{ "arch": 2, "code": 7, "raw": "020007020102" }`);
  });

  it("reads path identifiers with ADD-PATH", () => {
    const ctx = { ...DEFAULT_CONTEXT, addPath: new Set([IPV4_MUP]) };
    const [n] = decodeNlri(IPV4_MUP, fromHex("000000070100020C00000064000000640A000001"), ctx);
    assert.equal(n.pathId, 7);
    assert.equal(toHex(encodeNlri(n, ctx)), "000000070100020C00000064000000640A000001");
  });
});

describe("MUP presentation", () => {
  it("the MUP extended community ExaBGP sent (0x0C00 000A 0000000A) reads and writes as mup:10:10", () => {
    assert.equal(extendedCommunityString(fromHex("0C00000A0000000A")), "mup:10:10");
    assert.equal(toHex(parseExtendedCommunity("mup:10:10")!), "0C00000A0000000A");
  });

  it("JSON of an ISD, as ExaBGP's nlri/mup/isd.py writes it", () => {
    const n = mupNlri(IPV4_MUP, { type: 1, rd: parseRd("100:100")!, prefix: "10.0.1.0", length: 24 });
    assert.equal(
      mupJson(n),
      `{ "name": "InterworkSegmentDiscoveryRoute", "arch": 1, "code": 1, "prefix_ip_len": 24, ` +
        `"prefix_ip": "10.0.1.0", "rd": "100:100", "raw": "0100010C0000006400000064180A0001" }`,
    );
  });

  it("the text form reads back to the same NLRI, for every route of the conformance configurations", () => {
    for (const n of [...mupOf("conf-srv6-mup"), ...mupOf("conf-srv6-mup-v3")]) {
      const text = mupToString(n);
      const afi = n.family === IPV6_MUP ? 2 : 1;
      const r = parseMupTokens(tokenize(`${text} next-hop 10.0.0.2`), afi);
      assert.equal(toHex((r.nlri as MupNlri).bytes), toHex(n.bytes), text);
    }
  });
});

function config(test: string) {
  const text = readFileSync(`${conformanceDir()}etc/${test}.conf`, "utf8");
  return parseExabgpConfig(text, `${test}.conf`).neighbors[0];
}

describe("configuration: announce { ipv4|ipv6 { mup … } }", () => {
  for (const test of ["conf-srv6-mup", "conf-srv6-mup-v3"]) {
    it(`${test}: each route is exactly an UPDATE ExaBGP sent`, () => {
      const nb = config(test);
      assert.equal(nb.unsupported.length, 0);
      const built = nb.routes.map((r) => updateFor(r, "announce"));
      assert.deepEqual(built.sort(), expected(test).sort());
    });
  }
});

describe("text API: announce|withdraw ipv4|ipv6 mup …", () => {
  for (const test of ["api-ipv4", "api-ipv6"]) {
    it(`${test}: the MUP announce and withdraw are the UPDATEs ExaBGP sent`, () => {
      const lines = readFileSync(`${conformanceDir()}transcripts/${test}.commands.txt`, "utf8").split("\n")
        .filter((l) => / mup /.test(l) && /^(announce|withdraw) /.test(l));
      assert.equal(lines.length, 2);
      const want = expected(test);
      for (const line of lines) {
        const c = parseCommand(line);
        assert.ok(c.kind === "announce-route" || c.kind === "withdraw-route", `${line}: ${c.kind}`);
        assert.equal(c.routes.length, 1);
        const hex = updateFor(c.routes[0], c.kind === "announce-route" ? "announce" : "withdraw");
        assert.ok(want.includes(hex), `${line}\n  built ${hex}`);
      }
    });
  }

  it("rejects an unknown route type, a missing rd, and an address of the other family", () => {
    const bad = [
      "mup-xyz 10.0.0.1 rd 100:100 next-hop 10.0.0.2",
      "mup-dsd 10.0.0.1 next-hop 10.0.0.2",
      "mup-dsd 2001::1 rd 100:100 next-hop 10.0.0.2",
      "mup-t2st 10.0.0.1 rd 100:100 teid 12345/8 next-hop 10.0.0.2",
    ];
    for (const line of bad) assert.throws(() => parseMupTokens(tokenize(line), 1), RouteError, line);
  });
});
