/**
 * The Adj-RIB-In naming attribute sets by their received bytes (lib/bgp/message/update_wire.ts,
 * AttributeStore.internWire): which bytes name a set, that the routes are those of the decoded message, and
 * that a set is shared exactly when the bytes and the decoding context are.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { encodeMessage } from "../../lib/bgp/message/codec.ts";
import { HEADER_SIZE } from "../../lib/bgp/message/header.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { sharedAttributeBytes } from "../../lib/bgp/message/update_wire.ts";
import { prefixNlri } from "../../lib/bgp/nlri/prefix.ts";
import {
  type Attribute,
  type CodecContext,
  DEFAULT_CONTEXT,
  type UpdateMessage,
} from "../../lib/bgp/types.ts";
import { AdjRibIn } from "../../lib/rib/adj_rib_in.ts";

const origin: Attribute = { code: 1, kind: "origin", value: 0 };
const path = (...asns: number[]): Attribute => ({ code: 2, kind: "as-path", segments: [{ type: 2, asns }] });
const nextHop = (address: string): Attribute => ({ code: 3, kind: "next-hop", address });
const med = (value: number): Attribute => ({ code: 4, kind: "med", value });

/** The body of the UPDATE, as it arrives. */
function body(update: Omit<UpdateMessage, "type">, ctx: CodecContext = DEFAULT_CONTEXT): Uint8Array {
  return encodeMessage({ type: "update", ...update }, ctx).subarray(HEADER_SIZE);
}

const ipv4 = (attributes: Attribute[], ...prefixes: string[]) =>
  body({ withdrawn: [], attributes, announced: prefixes.map((p) => prefixNlri(p)) });

const ipv6 = (attributes: Attribute[], hop: string, ...prefixes: string[]) =>
  body({
    withdrawn: [],
    announced: [],
    attributes: [...attributes, {
      code: 14,
      kind: "mp-reach",
      family: IPV6_UNICAST,
      nextHops: [hop],
      nlri: prefixes.map((p) => prefixNlri(p)),
    }],
  });

const joined = (parts: Uint8Array[] | undefined) => parts && Array.from(parts.flatMap((p) => [...p]));

/** The attribute bytes RFC 4271 §4.3 lays out after the withdrawn routes. */
function attributeSection(b: Uint8Array): number[] {
  const withdrawn = (b[0] << 8) | b[1];
  const length = (b[2 + withdrawn] << 8) | b[3 + withdrawn];
  return [...b.subarray(4 + withdrawn, 4 + withdrawn + length)];
}

/** Applies each body decoded, with or without its received form; the routes as comparable values. */
function received(bodies: Uint8Array[], ctx: CodecContext, wire: boolean): AdjRibIn {
  const rib = new AdjRibIn();
  for (const b of bodies) rib.apply(decodeUpdate(b, ctx), wire ? { body: b, context: ctx } : undefined);
  return rib;
}

const routes = (rib: AdjRibIn) => [...rib.routes()];

describe("the shared attribute bytes of an UPDATE", () => {
  it("are the whole attribute section of an IPv4 announce", () => {
    const b = ipv4([origin, path(65001, 65002), nextHop("192.0.2.1"), med(5)], "10.0.0.0/24", "10.0.1.0/24");
    assert.deepEqual(joined(sharedAttributeBytes(b)), attributeSection(b));
  });

  it("leave MP_REACH_NLRI and MP_UNREACH_NLRI out, whatever their place", () => {
    const plain = ipv4([origin, path(65001), med(7)]);
    const reach = ipv6([origin, path(65001), med(7)], "2001:db8::1", "2001:db8::/32");
    assert.deepEqual(joined(sharedAttributeBytes(reach)), attributeSection(plain));
    const unreach = body({
      withdrawn: [],
      announced: [],
      attributes: [
        origin,
        { code: 15, kind: "mp-unreach", family: IPV6_UNICAST, nlri: [prefixNlri("2001:db8::/32")] },
        path(65001),
        med(7),
      ],
    });
    assert.deepEqual(joined(sharedAttributeBytes(unreach)), attributeSection(plain));
  });

  it("are not given when the lengths do not add up", () => {
    const b = ipv4([origin, path(65001), nextHop("192.0.2.1")], "10.0.0.0/24");
    const cut = b.slice();
    cut[6] = 200; // ORIGIN's length now overruns the section
    assert.equal(sharedAttributeBytes(cut), undefined);
    assert.equal(sharedAttributeBytes(b.subarray(0, 3)), undefined);
  });
});

describe("Adj-RIB-In sets named by their received bytes", () => {
  const table = [
    ipv4([origin, path(65001, 65002), nextHop("192.0.2.1")], "10.0.0.0/24", "10.0.1.0/24"),
    ipv4([origin, path(65001, 65002), nextHop("192.0.2.1")], "10.0.2.0/24"),
    ipv4([origin, path(65001, 65003), nextHop("192.0.2.1"), med(10)], "10.0.3.0/24"),
    ipv4([origin, path(65001, 65002), nextHop("192.0.2.9")], "10.0.4.0/24"),
    ipv6([origin, path(65001, 65002)], "2001:db8::1", "2001:db8::/32", "2001:db8:1::/48"),
    ipv6([origin, path(65001, 65002)], "2001:db8::2", "2001:db8:2::/48"),
    ipv6([origin, path(65001, 65002)], "2001:db8::1", "2001:db8:3::/48"),
  ];

  it("hold the routes of the decoded messages", () => {
    assert.deepEqual(
      routes(received(table, DEFAULT_CONTEXT, true)),
      routes(received(table, DEFAULT_CONTEXT, false)),
    );
  });

  it("share a set when the bytes and the next hop are the same", () => {
    // Sets: path 65002 via 192.0.2.1, path 65003 + MED, path 65002 via 192.0.2.9, and two IPv6 next hops.
    assert.equal(received(table, DEFAULT_CONTEXT, true).store.size, 5);
  });

  it("share no set between decoding contexts (sessions), and read each message with its own", () => {
    const rib = new AdjRibIn();
    for (
      const [context, prefix] of [[{ ...DEFAULT_CONTEXT }, "10.0.0.0/24"], [
        { ...DEFAULT_CONTEXT },
        "10.0.1.0/24",
      ]] as const
    ) {
      const b = ipv4([origin, path(65001, 65002), nextHop("192.0.2.1")], prefix);
      rib.apply(decodeUpdate(b, context), { body: b, context });
    }
    assert.equal(rib.store.size, 2);
    // A 2-octet AS session (RFC 6793): the same routes as its decoded messages give.
    const two: CodecContext = { ...DEFAULT_CONTEXT, asn4: false };
    const old = [
      body({
        withdrawn: [],
        attributes: [origin, path(65001, 70000), nextHop("192.0.2.1")],
        announced: [prefixNlri("10.1.0.0/16")],
      }, two),
      body({
        withdrawn: [],
        attributes: [origin, path(65001, 70000), nextHop("192.0.2.1")],
        announced: [prefixNlri("10.2.0.0/16")],
      }, two),
    ];
    assert.deepEqual(routes(received(old, two, true)), routes(received(old, two, false)));
    assert.equal(received(old, two, true).store.size, 1);
  });
});
