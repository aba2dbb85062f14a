/**
 * Text event formats beyond the captured stream (reference/exabgp-behaviour.md §4.7; attributes in the
 * route syntax of §4.4), and peer strings that try to break a text event.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TextEventEncoder } from "../../lib/api/text.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { shutdownNotification } from "../../lib/bgp/message/notification.ts";
import { type CodecContext, DEFAULT_CONTEXT } from "../../lib/bgp/types.ts";
import { allAttributesBody, captureNeighbor, fromHex, HOSTILE, UNSAFE } from "./fixtures.ts";

const enc = new TextEventEncoder({ pid: 42, ppid: 1 });
const n = captureNeighbor();
const P = "neighbor 127.0.0.1";

describe("text update events", () => {
  it("announced routes carry next-hop and every attribute in route syntax", () => {
    const out = enc.update(n, "receive", decodeUpdate(allAttributesBody, DEFAULT_CONTEXT));
    assert.equal(
      out,
      `${P} receive update start\n` +
        `${P} receive update announced 10.0.0.0/8 next-hop 10.0.0.1 origin igp as-path [ 65001 65002 ( 65003 ) ] med 200 ` +
        "local-preference 100 atomic-aggregate aggregator ( 65000:1.2.3.4 ) community [ 65000:1 no-export ] " +
        "originator-id 1.1.1.1 cluster-list [ 2.2.2.2 3.3.3.3 ] extended-community [ rate-limit:0 target:65000:100 ] " +
        "large-community 65000:1:2\n" +
        `${P} receive update end\n`,
    );
  });

  it("withdrawn routes, IPv4 and MP_UNREACH", () => {
    const body = fromHex("0004 18010100 000D 800F0A 0002 01 30 20010DB80001");
    assert.equal(
      enc.update(n, "send", decodeUpdate(body, DEFAULT_CONTEXT)),
      `${P} send update start\n${P} send update withdrawn 1.1.0.0/24\n${P} send update withdrawn 2001:db8:1::/48\n` +
        `${P} send update end\n`,
    );
  });

  it("path-information and generic attributes", () => {
    const ctx: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set([0x0101]) };
    const body = fromHex("0000 0013 40010100 400200 400304 0A000001 C06302 0102 00000001 08 0A");
    assert.equal(
      enc.update(n, "receive", decodeUpdate(body, ctx)),
      `${P} receive update start\n` +
        `${P} receive update announced 10.0.0.0/8 path-information 0.0.0.1 next-hop 10.0.0.1 origin igp attribute [ 0x63 0xC0 0x0102 ]\n` +
        `${P} receive update end\n`,
    );
  });
});

describe("text events: state, notification, refresh, operational, packets", () => {
  it("down with its reason", () => {
    assert.equal(enc.down(n, "peer reset"), `${P} down - peer reset\n`);
  });

  it("notification with hex data", () => {
    assert.equal(
      enc.notification(n, "receive", shutdownNotification(2, "bye")),
      `${P} receive notification code 6 subcode 2 data 03627965\n`,
    );
  });

  it("route-refresh with its subtype", () => {
    assert.equal(
      enc.refresh(n, "send", { type: "route-refresh", afi: 1, safi: 1, subtype: 1 }),
      `${P} send route-refresh afi ipv4 safi unicast begin\n`,
    );
  });

  it("operational advisory is quoted", () => {
    assert.equal(
      enc.operational(n, "receive", { name: "ADM", afi: 1, safi: 1, advisory: "hello world" }),
      `${P} receive operational ADM afi ipv4 safi unicast advisory "hello world"\n`,
    );
  });

  it("packets and consolidate: header and body in hex", () => {
    const raw = { header: fromHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304"), body: new Uint8Array(0) };
    assert.equal(
      enc.packets(n, "receive", 4, raw),
      `${P} receive 4 header FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304\n`,
    );
    assert.equal(
      enc.keepalive(n, "receive", raw),
      `${P} receive keepalive header FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304\n`,
    );
    const refresh = { header: fromHex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001705"), body: fromHex("00010001") };
    assert.equal(
      enc.refresh(n, "receive", { type: "route-refresh", afi: 1, safi: 1, subtype: 0 }, refresh),
      `${P} receive route-refresh afi ipv4 safi unicast query header FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001705 body 00010001\n`,
    );
  });

  it("shutdown names the pid and ppid", () => {
    assert.equal(enc.shutdown(), "shutdown 42 1\n");
  });
});

describe("text open events", () => {
  it("lists capabilities by code in ExaBGP's words", () => {
    const out = enc.open(n, "receive", {
      type: "open",
      version: 4,
      asn: 65001,
      holdTime: 90,
      routerId: "10.0.0.2",
      capabilities: [
        { code: 69, name: "add-path", entries: [{ afi: 1, safi: 1, mode: 3 }] },
        { code: 5, name: "extended-next-hop", entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
        { code: 128, name: "route-refresh-cisco" },
        { code: 185, name: "operational" },
        { code: 75, name: "software-version", version: "ExaBGP/5.0.0-0+test" },
        { code: 73, name: "hostname", hostname: "Edge1", domain: "example.net" },
      ],
    });
    assert.equal(
      out,
      `${P} receive open version 4 asn 65001 hold_time 90 router_id 10.0.0.2 capabilities [nexthop(ipv4 unicast ipv6), ` +
        "addpath(send/receive ipv4 unicast), hostname(edge1 example.net), software(exabgp/5.0.0-0+test), " +
        "cisco route refresh, operational]\n",
    );
  });
});

describe("peer strings cannot break text events", () => {
  /** Each line of an event starts with the neighbor prefix: nothing a peer sends can start a line. */
  function assertLines(out: string): void {
    assert.ok(out.endsWith("\n"));
    for (const line of out.slice(0, -1).split("\n")) {
      assert.ok(line.startsWith(P), JSON.stringify(line));
      assert.doesNotMatch(line, UNSAFE, JSON.stringify(line));
    }
  }

  it("hostname and software version are quoted inside the capability list", () => {
    for (const s of HOSTILE) {
      const out = enc.open(n, "receive", {
        type: "open",
        version: 4,
        asn: 65001,
        holdTime: 90,
        routerId: "10.0.0.2",
        capabilities: [{ code: 73, name: "hostname", hostname: s, domain: "x" }, {
          code: 75,
          name: "software-version",
          version: s,
        }],
      });
      assertLines(out);
      // The list still ends where it should: the last "]" closes it and nothing follows.
      assert.ok(out.endsWith("]\n"));
    }
    const out = enc.open(n, "receive", {
      type: "open",
      version: 4,
      asn: 65001,
      holdTime: 90,
      routerId: "10.0.0.2",
      capabilities: [{ code: 73, name: "hostname", hostname: "a b], up", domain: "" }],
    });
    assert.equal(
      out,
      `${P} receive open version 4 asn 65001 hold_time 90 router_id 10.0.0.2 capabilities [hostname("a b], up" none)]\n`,
    );
  });

  it("down reasons, shutdown texts and advisories stay on their line", () => {
    for (const s of HOSTILE) {
      assertLines(enc.down(n, s));
      assertLines(enc.operational(n, "receive", { name: "ADM", afi: 1, safi: 1, advisory: s }));
      assertLines(enc.notification(n, "receive", shutdownNotification(2, s)));
    }
  });
});
