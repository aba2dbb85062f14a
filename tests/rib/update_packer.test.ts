/**
 * Packed UPDATEs read back with the project's own UPDATE decoder (lib/bgp/message/update.ts): every NLRI
 * present once, message sizes within the negotiated maximum, extended attribute length above 255 bytes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { nlriToString, prefixNlri } from "../../lib/bgp/nlri/prefix.ts";
import type { CodecContext, Nlri, UpdateMessage } from "../../lib/bgp/types.ts";
import { AdjRibOut } from "../../lib/rib/adj_rib_out.ts";
import { IPV4_UNICAST, IPV6_UNICAST, negotiated, route } from "./helpers.ts";

const ctx: CodecContext = { asn4: true, addPath: new Set(), maxMessageSize: 4096 };

function decodeAll(messages: Uint8Array[]): UpdateMessage[] {
  return messages.map((m) => {
    assert.equal(m[18], 2, "an UPDATE");
    assert.equal((m[16] << 8) | m[17], m.length, "length field");
    assert.ok(m.length <= 4096);
    return decodeUpdate(m.subarray(19), ctx);
  });
}

/** Flags and value length of attribute `code` in a raw UPDATE, walking the attribute list (RFC 4271 §4.3). */
function attribute(m: Uint8Array, code: number): [number, number] | undefined {
  const start = 21 + ((m[19] << 8) | m[20]);
  const end = start + 2 + ((m[start] << 8) | m[start + 1]);
  for (let i = start + 2; i < end;) {
    const flags = m[i], extended = (flags & 0x10) !== 0;
    const length = extended ? (m[i + 2] << 8) | m[i + 3] : m[i + 2];
    if (m[i + 1] === code) return [flags, length];
    i += (extended ? 4 : 3) + length;
  }
  return undefined;
}

function announcedOf(u: UpdateMessage): Nlri[] {
  const mp = u.attributes.flatMap((a) => (a.kind === "mp-reach" ? a.nlri : []));
  return [...u.announced, ...mp];
}

function withdrawnOf(u: UpdateMessage): Nlri[] {
  const mp = u.attributes.flatMap((a) => (a.kind === "mp-unreach" ? a.nlri : []));
  return [...u.withdrawn, ...mp];
}

describe("update packing, decoded back", () => {
  it("IPv6 packed (packAllFamilies): MP_REACH_NLRI with extended length, every prefix once", () => {
    const rib = new AdjRibOut({ localAs: 1, peerAs: 1, localAddress: "::1", packAllFamilies: true });
    const prefixes = Array.from({ length: 600 }, (_, i) => `2001:db8:${i.toString(16)}::/48`);
    for (const p of prefixes) rib.announce(route(p, "2001:db8::1"));
    rib.start(negotiated([IPV6_UNICAST]));
    const out = rib.next(Infinity);
    out.pop(); // End-of-RIB
    assert.ok(out.length >= 2, "more than one message for 600 × 7 bytes");
    const updates = decodeAll(out);
    for (const u of updates) {
      const reach = u.attributes.find((a) => a.kind === "mp-reach");
      assert.ok(reach && reach.kind === "mp-reach");
      assert.deepEqual(reach.nextHops, ["2001:db8::1"]);
    }
    for (const m of out) {
      const [flags, length] = attribute(m, 14)!;
      assert.equal(
        flags,
        length > 255 ? 0x90 : 0x80,
        "extended length exactly when the value exceeds 255 bytes",
      );
    }
    assert.ok(attribute(out[0], 14)![1] > 255);
    const got = updates.flatMap(announcedOf).map(nlriToString).sort();
    assert.deepEqual(got, prefixes.map((p) => nlriToString(prefixNlri(p))).sort());
  });

  it("IPv4 and IPv6 withdraws packed when grouping is on, every prefix once", () => {
    const rib = new AdjRibOut({ localAs: 1, peerAs: 1, localAddress: "127.0.0.1", packAllFamilies: true });
    const v4 = Array.from({ length: 2000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const v6 = Array.from({ length: 400 }, (_, i) => `2001:db8:${i.toString(16)}::/48`);
    for (const p of v4) rib.announce(route(p, "192.0.2.1"));
    for (const p of v6) rib.announce(route(p, "2001:db8::1"));
    rib.start(negotiated([IPV4_UNICAST, IPV6_UNICAST]));
    while (rib.next(Infinity).length > 0); // the initial table: the routes are on the wire
    for (const p of [...v4, ...v6]) rib.withdraw(prefixNlri(p));
    const updates = decodeAll(rib.next(Infinity));
    assert.ok(updates.length < 10, `${updates.length} messages`);
    for (const u of updates) assert.deepEqual(announcedOf(u), []);
    const got = updates.flatMap(withdrawnOf).map(nlriToString).sort();
    assert.deepEqual(got, [...v4, ...v6].map((p) => nlriToString(prefixNlri(p))).sort());
  });

  it("ExaBGP mode: IPv6 announces one per UPDATE, all decodable", () => {
    const rib = new AdjRibOut({ localAs: 1, peerAs: 2, localAddress: "::1" });
    for (let i = 0; i < 50; i++) rib.announce(route(`2001:db8:${i}::/48`, "self"));
    rib.start(negotiated([IPV6_UNICAST]));
    const out = rib.next(Infinity);
    out.pop();
    const updates = decodeAll(out);
    assert.equal(updates.length, 50);
    for (const u of updates) {
      assert.equal(announcedOf(u).length, 1);
      assert.equal(u.malformed, undefined);
      // eBGP: AS_PATH [1], no LOCAL_PREF.
      assert.deepEqual(u.attributes.find((a) => a.kind === "as-path"), {
        code: 2,
        kind: "as-path",
        segments: [{ type: 2, asns: [1] }],
      });
      assert.equal(u.attributes.some((a) => a.kind === "local-preference"), false);
    }
  });
});
