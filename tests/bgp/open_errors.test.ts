/**
 * Malformed OPENs and capabilities → the NOTIFICATION the RFCs name (RFC 4271 §6.1 header errors, §6.2
 * OPEN errors, RFC 5492 capabilities, RFC 6793 4-octet AS, RFC 6286 BGP Identifier, RFC 7607 AS 0,
 * RFC 9072 extended optional parameters, RFC 6608 FSM errors). A table decoded the way a session does it
 * (header check, OPEN decoding, checks against the configuration), then a few rows against a tsbgp speaker
 * subprocess over TCP, reading the NOTIFICATION it puts on the wire.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { negotiate, validateOpen } from "../../lib/bgp/capability/negotiated.ts";
import { BgpError } from "../../lib/bgp/error.ts";
import { IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { decodeMessage, encodeMessage } from "../../lib/bgp/message/codec.ts";
import { MessageReader } from "../../lib/bgp/message/reader.ts";
import { type Capability, DEFAULT_CONTEXT, type OpenMessage } from "../../lib/bgp/types.ts";
import { FakePeer, KEEPALIVE } from "../helpers/bgp_peer.ts";
import { freePort, makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { startSpeaker } from "../helpers/speaker.ts";
import { fromHex, toHex } from "./update/wire.ts";

/** What the speaker under test is configured with (the same in the subprocess rows). */
const LOCAL_AS = 65000;
const PEER_AS = 65001;
const LOCAL_ID = "192.0.2.1";

function open(
  o: { asn?: number; hold?: number; id?: string; caps?: Capability[]; version?: number } = {},
): OpenMessage {
  const asn = o.asn ?? PEER_AS;
  return {
    type: "open",
    version: o.version ?? 4,
    asn,
    holdTime: o.hold ?? 90,
    routerId: o.id ?? "192.0.2.2",
    capabilities: o.caps ?? [
      { code: 1, name: "multiprotocol", afi: 1, safi: 1 },
      { code: 65, name: "asn4", asn },
    ],
  };
}

/** A whole OPEN message (header included) from the model, with `edit` applied to its bytes. */
function wire(m: OpenMessage, edit: (b: Uint8Array) => Uint8Array = (b) => b): Uint8Array {
  return edit(encodeMessage(m, DEFAULT_CONTEXT));
}

/** A whole OPEN message from the hex of its body (the header is computed). */
function raw(bodyHex: string): Uint8Array {
  const b = fromHex(bodyHex);
  const out = new Uint8Array(19 + b.length).fill(0xff, 0, 16);
  out[16] = out.length >> 8;
  out[17] = out.length & 0xff;
  out[18] = 1;
  out.set(b, 19);
  return out;
}

type Outcome = "ok" | readonly [code: number, subcode: number];

/**
 * What a session does with these bytes as the peer's OPEN: frame them (RFC 4271 §6.1), decode (§6.2),
 * check them against the configuration (peer AS, our router id) and negotiate. The NOTIFICATION's
 * code/subcode, or "ok"; also returns the error for data checks.
 */
function outcome(
  bytes: Uint8Array,
  peerAs: number | "auto" = PEER_AS,
): { outcome: Outcome; error?: BgpError } {
  try {
    const reader = new MessageReader();
    reader.push(bytes);
    const f = reader.next(4096);
    assert.ok(f, "a whole message");
    const m = decodeMessage(f.type, f.body, DEFAULT_CONTEXT);
    assert.equal(m.type, "open");
    if (m.type !== "open") return { outcome: "ok" };
    validateOpen(m, peerAs, LOCAL_AS, LOCAL_ID);
    negotiate(open({ asn: LOCAL_AS, id: LOCAL_ID }), m);
    return { outcome: "ok" };
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    return { outcome: [e.code, e.subcode], error: e };
  }
}

const setByte = (at: number, v: number) => (b: Uint8Array) => {
  b[at] = v;
  return b;
};

interface Row {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly expected: Outcome;
  readonly rfc: string;
  readonly peerAs?: number | "auto";
  /** Hex of the NOTIFICATION data, when the RFC says what it holds. */
  readonly data?: string;
}

const asn4 = (asn: number): Capability => ({ code: 65, name: "asn4", asn });
const mp = (afi: number, safi: number): Capability => ({ code: 1, name: "multiprotocol", afi, safi });

const ROWS: readonly Row[] = [
  // RFC 4271 §6.1: Message Header Error
  { name: "marker not all ones", bytes: wire(open(), setByte(3, 0)), expected: [1, 1], rfc: "RFC 4271 §6.1" },
  {
    name: "length 28, below the OPEN minimum of 29",
    bytes: raw("04 FDE9 005A C0000202"), // the 9 fixed octets without the parameters length
    expected: [1, 2],
    rfc: "RFC 4271 §6.1",
    data: "001C",
  },
  {
    name: "length 4097: an OPEN never exceeds 4096, extended message or not",
    bytes: raw("04 FDE9 005A C0000202 00" + "00".repeat(4068)),
    expected: [1, 2],
    rfc: "RFC 4271 §6.1, RFC 8654 §4",
    data: "1001",
  },
  // RFC 4271 §6.2: OPEN Message Error
  { name: "a valid OPEN", bytes: wire(open()), expected: "ok", rfc: "RFC 4271 §4.2" },
  {
    name: "version 3",
    bytes: wire(open({ version: 3 })),
    expected: [2, 1],
    rfc: "RFC 4271 §6.2: data = largest version supported",
    data: "0004",
  },
  {
    name: "version 5",
    bytes: wire(open({ version: 5 })),
    expected: [2, 1],
    rfc: "RFC 4271 §6.2",
    data: "0004",
  },
  { name: "the wrong peer AS", bytes: wire(open({ asn: 65002 })), expected: [2, 2], rfc: "RFC 4271 §6.2" },
  {
    name: "My Autonomous System 0",
    bytes: wire(open({ asn: 0, caps: [mp(1, 1)] })),
    expected: [2, 2],
    rfc: "RFC 7607 §2",
    peerAs: "auto",
  },
  {
    name: "4-octet AS capability 0",
    bytes: wire(open({ caps: [mp(1, 1), asn4(0)] })),
    expected: [2, 2],
    rfc: "RFC 7607 §2",
    peerAs: "auto",
  },
  {
    name: "AS_TRANS with the right AS in the 4-octet AS capability",
    bytes: wire(open({ asn: 23456, caps: [mp(1, 1), asn4(PEER_AS)] })),
    expected: "ok",
    rfc: "RFC 6793 §4.1",
  },
  {
    name: "AS_TRANS with the wrong AS in the 4-octet AS capability",
    bytes: wire(open({ asn: 23456, caps: [mp(1, 1), asn4(4200000000)] })),
    expected: [2, 2],
    rfc: "RFC 6793 §4.1, RFC 4271 §6.2",
  },
  {
    name: "BGP Identifier 0.0.0.0",
    bytes: wire(open({ id: "0.0.0.0" })),
    expected: [2, 3],
    rfc: "RFC 6286 §2.1",
  },
  {
    name: "iBGP peer with our own BGP Identifier",
    bytes: wire(open({ asn: LOCAL_AS, id: LOCAL_ID })),
    expected: [2, 3],
    rfc: "RFC 6286 §2.2",
    peerAs: LOCAL_AS,
  },
  {
    name: "eBGP peer with our own BGP Identifier (unique per AS only)",
    bytes: wire(open({ id: LOCAL_ID })),
    expected: "ok",
    rfc: "RFC 6286 §2.2",
  },
  { name: "hold time 1", bytes: wire(open({ hold: 1 })), expected: [2, 6], rfc: "RFC 4271 §6.2" },
  { name: "hold time 2", bytes: wire(open({ hold: 2 })), expected: [2, 6], rfc: "RFC 4271 §6.2" },
  {
    name: "hold time 0 (no keepalives)",
    bytes: wire(open({ hold: 0 })),
    expected: "ok",
    rfc: "RFC 4271 §4.2",
  },
  { name: "hold time 3", bytes: wire(open({ hold: 3 })), expected: "ok", rfc: "RFC 4271 §4.2" },
  {
    name: "optional parameter 1 (deprecated authentication)",
    bytes: raw("04 FDE9 005A C0000202 04 0102 0000"),
    expected: [2, 4],
    rfc: "RFC 4271 §6.2, RFC 5492 §4",
  },
  {
    name: "optional parameter 3 (unassigned)",
    bytes: raw("04 FDE9 005A C0000202 03 0301 00"),
    expected: [2, 4],
    rfc: "RFC 4271 §6.2",
  },
  {
    name: "Optional Parameters Length past the end of the message",
    bytes: raw("04 FDE9 005A C0000202 09 0206 01040001 0001"),
    expected: [2, 0],
    rfc: "RFC 4271 §4.2 (no specific subcode: Unspecific)",
  },
  {
    name: "a parameter longer than the Optional Parameters",
    bytes: raw("04 FDE9 005A C0000202 04 0206 0104"),
    expected: [2, 0],
    rfc: "RFC 4271 §4.2",
  },
  {
    name: "a capability longer than its parameter",
    bytes: raw("04 FDE9 005A C0000202 04 0202 0105"),
    expected: [2, 0],
    rfc: "RFC 5492 §4",
  },
  {
    name: "an extended (RFC 9072) parameter length that overruns",
    bytes: raw("04 FDE9 005A C0000202 FF FF 0010 02 0006 01040001"),
    expected: [2, 0],
    rfc: "RFC 9072 §2",
  },
  {
    name: "extended (RFC 9072) optional parameters, well formed",
    bytes: raw("04 FDE9 005A C0000202 FF FF 0009 02 0006 01040001 0001"),
    expected: "ok",
    rfc: "RFC 9072 §2",
  },
  // RFC 5492: what cannot be understood is ignored, never an error
  {
    name: "an unknown capability (66) is ignored",
    bytes: wire(open({ caps: [mp(1, 1), { code: 66, name: "unknown", value: fromHex("0102") }] })),
    expected: "ok",
    rfc: "RFC 5492 §3",
  },
  {
    name: "several capabilities in one optional parameter",
    bytes: raw("04 FDE9 005A C0000202 0E 020C 01040001 0001 41040000FDE9"),
    expected: "ok",
    rfc: "RFC 5492 §4",
  },
  {
    name: "no optional parameters at all (IPv4 unicast only)",
    bytes: raw("04 FDE9 005A C0000202 00"),
    expected: "ok",
    rfc: "RFC 4760 §1, RFC 5492 §3",
  },
];

describe("malformed OPENs → NOTIFICATION (table)", () => {
  for (const row of ROWS) {
    const shown = row.expected === "ok" ? "accepted" : `NOTIFICATION ${row.expected.join("/")}`;
    it(`${row.name} → ${shown} (${row.rfc})`, () => {
      const r = outcome(row.bytes, row.peerAs);
      assert.deepEqual(r.outcome, row.expected, r.error?.message ?? "accepted");
      if (row.data !== undefined) assert.equal(toHex(r.error!.data), row.data);
    });
  }
});

describe("capabilities that cannot be understood are not negotiated (RFC 5492 §3)", () => {
  const ours = open({ asn: LOCAL_AS, id: LOCAL_ID, caps: [mp(1, 1), mp(2, 1), asn4(LOCAL_AS)] });
  const decode = (bodyHex: string) => {
    const m = decodeMessage(1, fromHex(bodyHex), DEFAULT_CONTEXT);
    assert.equal(m.type, "open");
    return m as OpenMessage;
  };

  it("a multiprotocol capability of 3 octets is kept as unknown and its family not used", () => {
    const theirs = decode("04 FDE9 005A C0000202 0F 0206 01040001 0001 0205 0103000201");
    assert.deepEqual(theirs.capabilities.map((c) => c.name), ["multiprotocol", "unknown"]);
    assert.deepEqual([...negotiate(ours, theirs).families], [IPV4_UNICAST]);
  });

  it("a 4-octet AS capability of 2 octets is kept as unknown: no 4-octet ASNs", () => {
    const theirs = decode("04 FDE9 005A C0000202 0E 0206 01040002 0001 0204 4102FDE9");
    const n = negotiate(ours, theirs);
    assert.equal(n.asn4, false);
    assert.equal(n.peerAs, PEER_AS);
    assert.deepEqual([...n.families], [IPV6_UNICAST]);
  });

  it("a hostname capability whose lengths overrun is kept as unknown, not half-read", () => {
    const theirs = decode("04 FDE9 005A C0000202 09 0207 4905 09 616263 00");
    assert.deepEqual(theirs.capabilities.map((c) => c.name), ["unknown"]);
  });
});

// ------------------------------------------------------------------------------------------------------
// Through a real session: a tsbgp speaker subprocess (AS 65000) against a FakePeer that answers its OPEN

describe("malformed OPENs against a speaker process", () => {
  let dir: string | undefined;
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    removeTempDir(dir);
  });

  /**
   * Starts a speaker that connects to a FakePeer answering with `answer` (and then `after`, once the
   * session is up); returns the first NOTIFICATION the speaker sends (its body: code, subcode, data).
   */
  async function notificationFor(answer: Uint8Array | undefined, later?: Uint8Array): Promise<Uint8Array> {
    dir ??= makeTempDir("open-errors");
    const port = await freePort();
    const peer = await FakePeer.listen({
      port,
      asn: PEER_AS,
      holdTime: 90,
      routerId: "192.0.2.2",
      open: answer,
    });
    cleanup.push(() => peer.close());
    const conf = join(dir, `speaker-${port}.conf`);
    writeFileSync(
      conf,
      `neighbor 127.0.0.1 {
  router-id ${LOCAL_ID};
  local-address 127.0.0.1;
  local-as ${LOCAL_AS};
  peer-as ${PEER_AS};
  connect ${port};
  family { ipv4 unicast; }
}
`,
    );
    const speaker = startSpeaker([conf], {
      env: {
        exabgp_tcp_bind: "",
        exabgp_tcp_port: String(port),
        exabgp_log_level: "INFO",
        exabgp_api_socketpath: join(dir, `tsbgp-${port}.sock`),
      },
    });
    try {
      if (later) {
        await peer.until(
          () => (peer.connections[0]?.keepalives.length ?? 0) > 0,
          30_000,
          () => speaker.output,
        );
        peer.connections[0].socket.write(later);
      }
      await peer.until(() => peer.notifications.length > 0, 30_000, () => speaker.output);
      assert.ok(speaker.running, speaker.output);
      return peer.notifications[0];
    } finally {
      await speaker.stop("SIGTERM");
    }
  }

  const CASES: readonly [string, Uint8Array, string][] = [
    ["version 3 → 2/1, data 0004 (RFC 4271 §6.2)", wire(open({ version: 3 })), "02010004"],
    ["the wrong peer AS → 2/2 (RFC 4271 §6.2)", wire(open({ asn: 65002 })), "0202"],
    [
      "AS 0 in the 4-octet AS capability → 2/2 (RFC 7607 §2)",
      wire(open({ caps: [mp(1, 1), asn4(0)] })),
      "0202",
    ],
    ["hold time 2 → 2/6 (RFC 4271 §6.2)", wire(open({ hold: 2 })), "0206"],
    ["optional parameter type 1 → 2/4 (RFC 4271 §6.2)", raw("04 FDE9 005A C0000202 04 0102 0000"), "0204"],
  ];
  for (const [name, bytes, expected] of CASES) {
    it(name, { timeout: 60_000 }, async () => {
      const n = await notificationFor(bytes);
      assert.equal(toHex(n).slice(0, expected.length), expected, toHex(n));
    });
  }

  it("a second OPEN once Established → FSM error 5/3 (RFC 6608 §3)", { timeout: 60_000 }, async () => {
    const n = await notificationFor(undefined, wire(open()));
    assert.equal(toHex(n).slice(0, 4), "0503", toHex(n));
  });

  it("a well-formed answer gets no NOTIFICATION (the control case)", { timeout: 60_000 }, async () => {
    // The same path with a valid OPEN and a KEEPALIVE, then a bad-length KEEPALIVE to end it: 1/2 proves
    // the speaker read on past the OPEN without objecting to it.
    const badKeepalive = KEEPALIVE.slice();
    badKeepalive[17] = 20;
    const n = await notificationFor(undefined, Uint8Array.from([...badKeepalive, 0]));
    assert.equal(toHex(n).slice(0, 4), "0102", toHex(n));
  });
});
