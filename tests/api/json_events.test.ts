/**
 * JSON event formats beyond the captured stream: every attribute ExaBGP 5.0 names, MP families, withdraws,
 * ADD-PATH, generic attributes, the consolidate/packets forms, and peer strings that try to forge events.
 * Expected values follow reference/exabgp-behaviour.md §4.8 and the RFC encodings of the test messages.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonEncoder } from "../../lib/api/json.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { shutdownNotification } from "../../lib/bgp/message/notification.ts";
import { type CodecContext, DEFAULT_CONTEXT, type OpenMessage } from "../../lib/bgp/types.ts";
import {
  allAttributesBody,
  captureNegotiated,
  captureNeighbor,
  fromHex,
  HOSTILE,
  UNSAFE,
} from "./fixtures.ts";

const enc = () => new JsonEncoder({ host: "test", pid: 10, ppid: 1, clock: () => 1700000000.5 });
const parse = (line: string) => JSON.parse(line);

describe("JSON update events", () => {
  it("names and formats every attribute as ExaBGP 5.0 does", () => {
    const line = enc().update(captureNeighbor(), "receive", decodeUpdate(allAttributesBody, DEFAULT_CONTEXT));
    const update = parse(line).neighbor.message.update;
    const rt = Number((0x0002n << 48n) | (65000n << 32n) | 100n);
    assert.deepEqual(update.attribute, {
      origin: "igp",
      "as-path": {
        "0": { element: "as-sequence", value: [65001, 65002] },
        "1": { element: "as-set", value: [65003] },
      },
      med: 200,
      "local-preference": 100,
      "atomic-aggregate": true,
      aggregator: "65000:1.2.3.4",
      community: [[65000, 1], [65535, 65281]],
      "originator-id": "1.1.1.1",
      "cluster-list": ["2.2.2.2", "3.3.3.3"],
      "extended-community": [{ value: 9225060886715039744, string: "rate-limit:0" }, {
        value: rt,
        string: "target:65000:100",
      }],
      "large-community": [[65000, 1, 2]],
    });
    assert.deepEqual(update.announce, { "ipv4 unicast": { "10.0.0.1": [{ nlri: "10.0.0.0/8" }] } });
    // 64-bit community values are exact on the line (JSON.parse rounds them).
    assert.match(line, /"value": 9225060886715039744, "string": "rate-limit:0"/);
    assert.match(
      line,
      new RegExp(`"value": ${(0x0002n << 48n) | (65000n << 32n) | 100n}, "string": "target:65000:100"`),
    );
  });

  it("keys MP_REACH routes by the global next hop (RFC 2545 §3: the link-local one is not shown)", () => {
    const body = fromHex(
      "0000 0036" + "40010100" + "400200" +
        "800E2C 0002 01 20 20010DB8000000000000000000000001 FE800000000000000000000000000001 00 30 20010DB80001",
    );
    const update =
      parse(enc().update(captureNeighbor(), "receive", decodeUpdate(body, DEFAULT_CONTEXT))).neighbor.message
        .update;
    assert.deepEqual(update.announce, { "ipv6 unicast": { "2001:db8::1": [{ nlri: "2001:db8:1::/48" }] } });
  });

  it("withdraws: IPv4 Withdrawn Routes and MP_UNREACH, without an attribute object", () => {
    // The shape of main's qa/api/api-add-remove.ci: {"withdraw":{"ipv4 unicast":[{"nlri":"1.1.0.0/24"}]}}
    let update = parse(
      enc().update(captureNeighbor(), "send", decodeUpdate(fromHex("0004 18010100 0000"), DEFAULT_CONTEXT)),
    )
      .neighbor.message.update;
    assert.deepEqual(update, { withdraw: { "ipv4 unicast": [{ nlri: "1.1.0.0/24" }] } });
    const unreach = fromHex("0000 000D 800F0A 0002 01 30 20010DB80001");
    update =
      parse(enc().update(captureNeighbor(), "send", decodeUpdate(unreach, DEFAULT_CONTEXT))).neighbor.message
        .update;
    assert.deepEqual(update, { withdraw: { "ipv6 unicast": [{ nlri: "2001:db8:1::/48" }] } });
  });

  it("shows the RFC 7911 path identifier as path-information", () => {
    const ctx: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set([0x0101]) };
    const body = fromHex("0000 0015 40010100 400200 400304 0A000001 400504 00000064 00000001 08 0A");
    const update =
      parse(enc().update(captureNeighbor(), "receive", decodeUpdate(body, ctx))).neighbor.message.update;
    assert.deepEqual(update.announce, {
      "ipv4 unicast": { "10.0.0.1": [{ nlri: "10.0.0.0/8", "path-information": "0.0.0.1" }] },
    });
  });

  it("prints an unknown attribute as attribute-0xTT-0xFF with its hex value", () => {
    const body = fromHex("0000 0013 40010100 400200 400304 0A000001 C06302 0102 08 0A");
    const update =
      parse(enc().update(captureNeighbor(), "receive", decodeUpdate(body, DEFAULT_CONTEXT))).neighbor.message
        .update;
    assert.deepEqual(update.attribute, { origin: "igp", "attribute-0x63-0xC0": "0x0102" });
  });

  it("AIGP (RFC 7311 §3: the AIGP TLV's 8-octet metric) as a number", () => {
    const body = fromHex("0000 001C 40010100 400200 400304 0A000001 801A0B 01 000B 0000000000000064 08 0A");
    const update =
      parse(enc().update(captureNeighbor(), "receive", decodeUpdate(body, DEFAULT_CONTEXT))).neighbor
        .message.update;
    assert.deepEqual(update.attribute, { origin: "igp", aigp: 100 });
  });

  it("compact (exabgp.api.compact): prefixes as bare strings", () => {
    const compact = new JsonEncoder({ host: "h", pid: 1, ppid: 1, clock: () => 1, compact: true });
    const msg = decodeUpdate(fromHex("0004 18010100 000D 800F0A 0002 01 30 20010DB80001"), DEFAULT_CONTEXT);
    assert.deepEqual(parse(compact.update(captureNeighbor(), "send", msg)).neighbor.message.update, {
      withdraw: { "ipv4 unicast": ["1.1.0.0/24"], "ipv6 unicast": ["2001:db8:1::/48"] },
    });
  });

  it("adds the negotiated copy only when given", () => {
    const msg = decodeUpdate(fromHex("0004 18010100 0000"), DEFAULT_CONTEXT);
    assert.equal(parse(enc().update(captureNeighbor(), "send", msg)).neighbor.negotiated, undefined);
    assert.deepEqual(
      parse(enc().update(captureNeighbor(), "send", msg, captureNegotiated)).neighbor.negotiated.families,
      [
        "ipv4 unicast",
        "ipv6 unicast",
      ],
    );
  });
});

describe("JSON events: state, notification, refresh, operational, signal, packets", () => {
  it("state down carries its reason", () => {
    const o = parse(enc().down(captureNeighbor(), "peer reset, message [closed] {x}"));
    assert.equal(o.type, "state");
    assert.equal(o.neighbor.state, "down");
    assert.equal(o.neighbor.reason, "peer reset, message [closed] {x}");
  });

  it("notification: code, subcode, data hex and the RFC 9003 shutdown text", () => {
    const n = shutdownNotification(2, "maintenance");
    const o = parse(enc().notification(captureNeighbor(), "receive", n));
    assert.equal(o.type, "notification");
    assert.equal(o.neighbor.direction, "receive");
    assert.deepEqual(o.neighbor.notification, {
      code: 6,
      subcode: 2,
      data: "0B6D61696E74656E616E6365",
      message: 'Shutdown Communication: "maintenance"',
    });
  });

  it("route-refresh names afi, safi and the RFC 7313 subtype", () => {
    const subtypes = [0, 1, 2].map((subtype) =>
      parse(enc().refresh(captureNeighbor(), "receive", { type: "route-refresh", afi: 2, safi: 1, subtype }))
    );
    assert.deepEqual(subtypes.map((o) => o.type), ["refresh", "refresh", "refresh"]);
    assert.deepEqual(subtypes.map((o) => o.neighbor["route-refresh"]), [
      { afi: "ipv6", safi: "unicast", subtype: "query" },
      { afi: "ipv6", safi: "unicast", subtype: "begin" },
      { afi: "ipv6", safi: "unicast", subtype: "end" },
    ]);
  });

  it("operational advisory and counter forms", () => {
    let o = parse(
      enc().operational(captureNeighbor(), "receive", { name: "ADM", afi: 1, safi: 1, advisory: "hello" }),
    );
    assert.deepEqual(o.neighbor.operational, {
      name: "ADM",
      afi: "ipv4",
      safi: "unicast",
      advisory: "hello",
    });
    o = parse(
      enc().operational(captureNeighbor(), "receive", {
        name: "RPCP",
        afi: 1,
        safi: 1,
        routerId: "1.2.3.4",
        sequence: 7,
        counter: 9,
      }),
    );
    assert.deepEqual(o.neighbor.operational, {
      name: "RPCP",
      afi: "ipv4",
      safi: "unicast",
      "router-id": "1.2.3.4",
      sequence: 7,
      counter: 9,
    });
  });

  it("signal: code as a string and its name", () => {
    const o = parse(enc().signal(captureNeighbor(), 10, "reload"));
    assert.equal(o.type, "signal");
    assert.equal(o.neighbor.code, "10");
    assert.equal(o.neighbor.name, "reload");
  });

  it("packets: the message name as type, category and hex header/body", () => {
    const raw = { header: fromHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304"), body: new Uint8Array(0) };
    const o = parse(enc().packets(captureNeighbor(), "receive", 4, raw));
    assert.equal(o.type, "keepalive");
    assert.deepEqual(o.neighbor.message, {
      category: 4,
      header: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304",
      body: "",
    });
  });

  it("consolidate: header and body in the envelope next to the parsed message", () => {
    const raw = {
      header: fromHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001B02"),
      body: fromHex("0004 18010100 0000"),
    };
    const line = enc().update(
      captureNeighbor(),
      "receive",
      decodeUpdate(raw.body, DEFAULT_CONTEXT),
      undefined,
      raw,
    );
    const o = parse(line);
    assert.equal(o.header, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001B02");
    assert.equal(o.body, "0004180101000000");
    assert.deepEqual(o.neighbor.message.update.withdraw, { "ipv4 unicast": [{ nlri: "1.1.0.0/24" }] });
  });
});

describe("JSON open events: every capability", () => {
  const open: OpenMessage = {
    type: "open",
    version: 4,
    asn: 65001,
    holdTime: 90,
    routerId: "10.0.0.2",
    capabilities: [
      { code: 69, name: "add-path", entries: [{ afi: 1, safi: 1, mode: 3 }] },
      { code: 69, name: "add-path", entries: [{ afi: 2, safi: 1, mode: 1 }] },
      { code: 5, name: "extended-next-hop", entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
      { code: 128, name: "route-refresh-cisco" },
      { code: 185, name: "operational" },
      { code: 66, name: "unknown", value: new Uint8Array([1, 2]) },
    ],
  };

  it("received: keyed by code, ADD-PATH entries merged (RFC 7911 §4), modes by name", () => {
    const caps = parse(enc().open(captureNeighbor(), "receive", open)).neighbor.open.capabilities;
    assert.deepEqual(caps, {
      "69": { name: "addpath", "ipv4/unicast": "send/receive", "ipv6/unicast": "receive" },
      "5": { name: "nexthop", conversion: ["ipv4/unicast/ipv6"] },
      "128": { name: "route-refresh", variant: "Cisco" },
      "185": { name: "operational" },
      "66": { name: "unknown", iana: "unknown", value: 66, raw: "0102" },
    });
  });

  it("sent: keyed by ExaBGP's capability names", () => {
    const caps = parse(enc().open(captureNeighbor(), "send", open)).neighbor.open.capabilities;
    assert.deepEqual(Object.keys(caps), [
      "add-path",
      "nexthop",
      "cisco-route-refresh",
      "operational",
      "unknown capability 0x42",
    ]);
  });
});

describe("peer strings cannot forge JSON events", () => {
  const open = (hostname: string, version: string): OpenMessage => ({
    type: "open",
    version: 4,
    asn: 65001,
    holdTime: 90,
    routerId: "10.0.0.2",
    capabilities: [
      { code: 73, name: "hostname", hostname, domain: hostname },
      { code: 75, name: "software-version", version },
    ],
  });

  it("hostname, domain and software version come back intact from a single valid line", () => {
    for (const s of HOSTILE.filter((h) => h !== "")) {
      const line = enc().open(captureNeighbor(), "receive", open(s, s));
      assert.doesNotMatch(line, UNSAFE, JSON.stringify(s));
      const o = parse(line);
      assert.equal(o.type, "open");
      assert.deepEqual(o.neighbor.open.capabilities["73"], { "host-name": s, "domain-name": s });
      assert.deepEqual(o.neighbor.open.capabilities["75"], { software: s });
    }
  });

  it("a shutdown communication, a down reason and an advisory stay strings", () => {
    for (const s of HOSTILE) {
      const lines = [
        enc().notification(captureNeighbor(), "receive", shutdownNotification(2, s)),
        enc().down(captureNeighbor(), s),
        enc().operational(captureNeighbor(), "receive", { name: "ADM", afi: 1, safi: 1, advisory: s }),
      ];
      for (const line of lines) assert.doesNotMatch(line, UNSAFE, JSON.stringify(s));
      assert.equal(parse(lines[1]).neighbor.reason, s);
      assert.equal(parse(lines[2]).neighbor.operational.advisory, s);
      assert.equal(typeof parse(lines[0]).neighbor.notification.message, "string");
    }
  });
});
