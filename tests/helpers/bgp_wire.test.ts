/**
 * bgp_wire.ts on bytes alone: the OPEN each test peer sends (the expected bytes are those the peers sent before
 * they shared this builder, laid out field by field per RFC 4271 §4.2), the message splitter, the NLRI walker
 * and the UPDATE prefix reader, and the Waiters behind every peer's `until`.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  frame,
  KEEPALIVE,
  MessageSplitter,
  openMessage,
  type OpenOptions,
  prefixString,
  TYPE,
  updatePrefixes,
  Waiters,
  walkNlri,
  walkUpdate,
} from "./bgp_wire.ts";
import { openMessage as fakePeerOpen } from "./bgp_peer.ts";
import { openMessage as testPeerOpen } from "../security/test_peer.ts";

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const MARKER = "ff".repeat(16); // RFC 4271 §4.1: all ones

// Capabilities (RFC 5492 §4: code, length, value).
const CAP_MP_IPV4_UNICAST = "01" + "04" + "0001" + "00" + "01"; // RFC 4760 §8: AFI 1, reserved, SAFI 1

interface OpenCase {
  readonly name: string;
  readonly options: OpenOptions;
  /** The OPEN as the peer sent it before bgp_wire.ts, one RFC 4271 §4.2 field per entry. */
  readonly expected: readonly string[];
}

const OPENS: readonly OpenCase[] = [
  {
    name: "FakePeer in e2e.ts (AS 65002, hold 9): one Capabilities parameter per capability",
    options: { asn: 65002, holdTime: 9, parameters: "each" },
    expected: [
      MARKER,
      "002d", // length 45 = 19-octet header + 26
      "01", // type OPEN
      "04", // version 4
      "fdea", // My AS 65002
      "0009", // Hold Time 9 s
      "c00002fe", // BGP Identifier 192.0.2.254 (the default)
      "10", // Opt Parm Len 16 = two parameters of 2 + 6
      "02" + "06" + CAP_MP_IPV4_UNICAST, // parameter type 2 (Capabilities), length 6
      "02" + "06" + "41" + "04" + "0000fdea", // parameter 2: capability 65 (RFC 6793), AS 65002
    ],
  },
  {
    name: "FakePeer with a router id (AS 65000, hold 30, 192.0.2.2)",
    options: { asn: 65000, holdTime: 30, routerId: "192.0.2.2", parameters: "each" },
    expected: [
      MARKER,
      "002d",
      "01",
      "04",
      "fde8", // My AS 65000
      "001e", // Hold Time 30 s
      "c0000202", // BGP Identifier 192.0.2.2
      "10",
      "02" + "06" + CAP_MP_IPV4_UNICAST,
      "02" + "06" + "41" + "04" + "0000fde8",
    ],
  },
  {
    name: "FaultPeer with a 4-octet AS (4200000001, hold 20): AS_TRANS in My AS",
    options: { asn: 4200000001, holdTime: 20, parameters: "each" },
    expected: [
      MARKER,
      "002d",
      "01",
      "04",
      "5ba0", // My AS: AS_TRANS 23456 (RFC 6793 §4.2.1), the AS does not fit in two octets
      "0014", // Hold Time 20 s
      "c00002fe",
      "10",
      "02" + "06" + CAP_MP_IPV4_UNICAST,
      "02" + "06" + "41" + "04" + "fa56ea01", // the real AS 4200000001 in the capability
    ],
  },
  {
    name: "TestPeer (AS 65002, hold 30): all capabilities in one parameter",
    options: { asn: 65002, holdTime: 30, parameters: "one" },
    expected: [
      MARKER,
      "002b", // length 43 = 19 + 24
      "01",
      "04",
      "fdea",
      "001e",
      "c00002fe",
      "0e", // Opt Parm Len 14 = one parameter of 2 + 12
      "02" + "0c", // parameter 2, length 12: both capabilities
      CAP_MP_IPV4_UNICAST,
      "41" + "04" + "0000fdea",
    ],
  },
  {
    name: "TestPeer offering Graceful Restart (restart time 120, gr_persist.test.ts)",
    options: { asn: 65002, holdTime: 30, gracefulRestart: { restartTime: 120 }, parameters: "one" },
    expected: [
      MARKER,
      "0033", // length 51 = 19 + 32
      "01",
      "04",
      "fdea",
      "001e",
      "c00002fe",
      "16", // Opt Parm Len 22 = 2 + 20
      "02" + "14", // parameter 2, length 20
      CAP_MP_IPV4_UNICAST,
      "41" + "04" + "0000fdea",
      "40" + "06", // capability 64 Graceful Restart (RFC 4724 §3), length 6
      "0078", // Restart Flags 0 (R bit clear), Restart Time 120
      "0001" + "01" + "80", // AFI 1, SAFI 1, Flags: F bit (forwarding state kept)
    ],
  },
  {
    name: "TestPeer after a restart (R bit, time 4095, no forwarding state, AS 4200000001, 10.0.0.1)",
    options: {
      asn: 4200000001,
      holdTime: 90,
      routerId: "10.0.0.1",
      gracefulRestart: { restartTime: 4095, restarted: true, forwarding: false },
      parameters: "one",
    },
    expected: [
      MARKER,
      "0033",
      "01",
      "04",
      "5ba0", // AS_TRANS
      "005a", // Hold Time 90 s
      "0a000001", // BGP Identifier 10.0.0.1
      "16",
      "02" + "14",
      CAP_MP_IPV4_UNICAST,
      "41" + "04" + "fa56ea01",
      "40" + "06",
      "8fff", // R bit (0x8000) and Restart Time 4095, the 12-bit maximum
      "0001" + "01" + "00", // AFI 1, SAFI 1, F bit clear
    ],
  },
];

describe("bgp_wire OPEN: the bytes each test peer has always sent", () => {
  for (const c of OPENS) {
    test(c.name, () => {
      const open = openMessage(c.options);
      assert.equal(hex(open), c.expected.join(""));
      // The header's length is the message's (RFC 4271 §4.1), and Opt Parm Len covers the rest (§4.2).
      assert.equal((open[16] << 8) | open[17], open.length);
      assert.equal(19 + 10 + open[28], open.length);
    });
  }

  test("the peers' own openMessage exports build the same bytes", () => {
    const [fake, , , testPeer, gr] = OPENS;
    assert.equal(hex(fakePeerOpen({ port: 0, asn: 65002, holdTime: 9 })), fake.expected.join(""));
    assert.equal(
      hex(testPeerOpen({ host: "127.0.0.1", port: 0, asn: 65002, holdTime: 30 })),
      testPeer.expected.join(""),
    );
    assert.equal(
      hex(
        testPeerOpen({
          host: "127.0.0.1",
          port: 0,
          asn: 65002,
          holdTime: 30,
          gracefulRestart: { restartTime: 120 },
        }),
      ),
      gr.expected.join(""),
    );
  });

  test("one parameter is the default layout", () => {
    assert.equal(hex(openMessage({ asn: 65002, holdTime: 30 })), OPENS[3].expected.join(""));
  });
});

describe("bgp_wire framing", () => {
  test("KEEPALIVE is the 19-octet header alone (RFC 4271 §4.4)", () => {
    assert.equal(hex(KEEPALIVE), MARKER + "0013" + "04");
  });

  test("frame puts the whole length and the type after the marker", () => {
    assert.equal(hex(frame(TYPE.notification, Uint8Array.of(6, 2))), MARKER + "0015" + "03" + "0602");
  });
});

/** Feeds `chunks` to one splitter; returns each message as "type:body-hex". */
function split(splitter: MessageSplitter, ...chunks: Uint8Array[]): string[] {
  const seen: string[] = [];
  for (const c of chunks) splitter.push(c, (type, body) => seen.push(`${type}:${hex(body)}`));
  return seen;
}

describe("bgp_wire MessageSplitter", () => {
  const notification = frame(TYPE.notification, Uint8Array.of(4, 0)); // Hold Timer Expired

  test("a message cut in two reads comes out once, after the second", () => {
    const s = new MessageSplitter();
    assert.deepEqual(split(s, notification.subarray(0, 10)), []);
    assert.equal(s.pending, 10);
    assert.deepEqual(split(s, notification.subarray(10)), ["3:0400"]);
    assert.equal(s.pending, 0);
  });

  test("a cut after the header waits for the body", () => {
    const s = new MessageSplitter();
    assert.deepEqual(split(s, notification.subarray(0, 19)), []);
    assert.deepEqual(split(s, notification.subarray(19)), ["3:0400"]);
  });

  test("two messages in one read come out in order", () => {
    const both = Uint8Array.from([...KEEPALIVE, ...notification]);
    assert.deepEqual(split(new MessageSplitter(), both), ["4:", "3:0400"]);
  });

  test("a read ending inside the next message keeps that tail", () => {
    const s = new MessageSplitter();
    const stream = Uint8Array.from([...notification, ...KEEPALIVE]);
    assert.deepEqual(split(s, stream.subarray(0, 25)), ["3:0400"]);
    assert.equal(s.pending, 4);
    assert.deepEqual(split(s, stream.subarray(25)), ["4:"]);
  });

  test("bodies from a Node Buffer are plain Uint8Arrays whose slice() is a copy", () => {
    const chunk = Buffer.from(notification);
    const kept: Uint8Array[] = [];
    new MessageSplitter().push(chunk, (_type, body) => kept.push(body.slice()));
    chunk.fill(0); // the runtime may reuse what it read into
    assert.equal(kept[0].constructor, Uint8Array);
    assert.deepEqual(kept[0], Uint8Array.of(4, 0));
  });
});

/** The prefixes of an NLRI field, as text. */
function nlri(field: Uint8Array): string[] {
  const out: string[] = [];
  walkNlri(field, 0, field.length, (a, l) => out.push(prefixString(a, l)));
  return out;
}

describe("bgp_wire NLRI walker (RFC 4271 §4.3)", () => {
  test("/24 takes 3 octets, /32 takes 4, /0 none, /9 two (the rest reads as zero)", () => {
    // deno-fmt-ignore
    const field = Uint8Array.of(
      24, 10, 1, 2,
      32, 192, 0, 2, 1,
      0,
      9, 10, 128,
    );
    assert.deepEqual(nlri(field), ["10.1.2.0/24", "192.0.2.1/32", "0.0.0.0/0", "10.128.0.0/9"]);
  });

  test("the address is an unsigned number, so that address * 64 + length is FaultPeer's key", () => {
    const seen: number[] = [];
    walkNlri(Uint8Array.of(32, 255, 255, 255, 255), 0, 5, (a, l) => seen.push(a, l));
    assert.deepEqual(seen, [0xffffffff, 32]);
  });
});

// Path attributes for the UPDATEs below (RFC 4271 §4.3: flags, type code, length, value).
const ORIGIN_IGP = [0x40, 1, 1, 0];
/** RFC 4760 §3 MP_REACH_NLRI for IPv4 unicast with a 16-octet (IPv6, RFC 8950) next hop, extended length. */
function mpReachIpv4(...nlriBytes: number[]): number[] {
  const value = [0, 1, 1, 16, ...new Array(15).fill(0), 1, 0, ...nlriBytes]; // AFI, SAFI, NH len, ::1, reserved
  return [0x90, 14, value.length >> 8, value.length & 0xff, ...value];
}
/** RFC 4760 §4 MP_UNREACH_NLRI for IPv4 unicast. */
function mpUnreachIpv4(...withdrawnBytes: number[]): number[] {
  return [0x80, 15, 3 + withdrawnBytes.length, 0, 1, 1, ...withdrawnBytes];
}

function updateBody(withdrawn: number[], attributes: number[], nlriBytes: number[]): Uint8Array {
  return Uint8Array.from([
    withdrawn.length >> 8,
    withdrawn.length & 0xff,
    ...withdrawn,
    attributes.length >> 8,
    attributes.length & 0xff,
    ...attributes,
    ...nlriBytes,
  ]);
}

describe("bgp_wire UPDATE prefixes (RFC 4271 §4.3, RFC 4760)", () => {
  test("body fields: Withdrawn Routes and NLRI with a /24, a /32 and a /0", () => {
    const body = updateBody([32, 192, 0, 2, 9], ORIGIN_IGP, [24, 10, 1, 2, 0]);
    assert.deepEqual(updatePrefixes(body), {
      withdrawn: ["192.0.2.9/32"],
      announced: ["10.1.2.0/24", "0.0.0.0/0"],
    });
  });

  test("MP_REACH and MP_UNREACH for IPv4 unicast count as announced and withdrawn", () => {
    const body = updateBody([], [
      ...ORIGIN_IGP,
      ...mpReachIpv4(24, 10, 9, 9, 32, 10, 0, 0, 1),
      ...mpUnreachIpv4(16, 172, 16),
    ], []);
    assert.deepEqual(updatePrefixes(body), {
      announced: ["10.9.9.0/24", "10.0.0.1/32"],
      withdrawn: ["172.16.0.0/16"],
    });
  });

  test("wire order, so that the last word wins: withdrawn field, MP attributes in order, NLRI field", () => {
    const events: string[] = [];
    const body = updateBody(
      [24, 10, 0, 0],
      [...mpUnreachIpv4(24, 10, 0, 1), ...mpReachIpv4(24, 10, 0, 2)],
      [24, 10, 0, 3],
    );
    walkUpdate(body, {
      withdraw: (a, l) => events.push(`-${prefixString(a, l)}`),
      announce: (a, l) => events.push(`+${prefixString(a, l)}`),
    });
    assert.deepEqual(events, ["-10.0.0.0/24", "-10.0.1.0/24", "+10.0.2.0/24", "+10.0.3.0/24"]);
  });

  test("other families in MP_REACH are not IPv4 unicast prefixes", () => {
    // IPv6 unicast (AFI 2): next hop ::1, NLRI 2001:db8::/32.
    const v6 = [0, 2, 1, 16, ...new Array(15).fill(0), 1, 0, 32, 0x20, 0x01, 0x0d, 0xb8];
    const body = updateBody([], [0x80, 14, v6.length, ...v6], []);
    assert.deepEqual(updatePrefixes(body), { announced: [], withdrawn: [] });
  });

  test("multiprotocol: false reads the body fields only (TestPeer)", () => {
    const body = updateBody([], [...ORIGIN_IGP, ...mpReachIpv4(24, 10, 9, 9)], [24, 10, 1, 2]);
    const announced: string[] = [];
    walkUpdate(body, {
      announce: (a, l) => announced.push(prefixString(a, l)),
      withdraw: () => {},
      multiprotocol: false,
    });
    assert.deepEqual(announced, ["10.1.2.0/24"]);
  });

  test("End-of-RIB (an empty UPDATE, RFC 4724 §2) has no prefix", () => {
    assert.deepEqual(updatePrefixes(new Uint8Array(4)), { announced: [], withdrawn: [] });
  });
});

describe("bgp_wire Waiters", () => {
  test("until resolves on the notify after the condition holds, and stops waiting", async () => {
    const w = new Waiters();
    let ready = false;
    const done = w.until(() => ready, 5_000, () => "never");
    assert.equal(w.size, 1);
    w.notify(); // not yet
    assert.equal(w.size, 1);
    ready = true;
    w.notify();
    await done;
    assert.equal(w.size, 0);
  });

  test("a condition already true resolves at once", async () => {
    const w = new Waiters();
    await w.until(() => true, 5_000, () => "never");
    assert.equal(w.size, 0);
  });

  test("a timeout rejects with failure(), computed then", async () => {
    const w = new Waiters();
    let seen = "nothing";
    const waiting = w.until(() => false, 30, () => `saw ${seen}`);
    seen = "something";
    await assert.rejects(waiting, { message: "saw something" });
    assert.equal(w.size, 0);
  });

  test("pollMs checks without any notify (conditions on time)", async () => {
    const w = new Waiters();
    const until = performance.now() + 40;
    await w.until(() => performance.now() >= until, 2_000, () => "poll never checked", 10);
    assert.equal(w.size, 0);
  });
});
