/**
 * RFC 7606 (Revised Error Handling for BGP UPDATE Messages) as a table: attribute × defect → the approach
 * the RFC names for it, derived from the RFC text (section cited per row), never from the code:
 * - treat-as-withdraw: the UPDATE's routes are withdrawn, the session stays (every NLRI still decoded);
 * - attribute-discard: the attribute is dropped, the routes kept;
 * - session reset: NOTIFICATION UPDATE Message Error with the subcode RFC 4271 §6.3 / RFC 4760 §7 give.
 * Each row is an UPDATE body built from hand-written attributes (RFC 4271 §4.3 layout), decoded by
 * decodeUpdate with an iBGP, eBGP or 2-octet-AS session context. The last block sends a few of them to a
 * tsbgp speaker subprocess over TCP and checks what reaches the wire.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BgpError } from "../../lib/bgp/error.ts";
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { nlriToString } from "../../lib/bgp/nlri/prefix.ts";
import {
  type CodecContext,
  DEFAULT_CONTEXT,
  type OpenMessage,
  type UpdateMessage,
} from "../../lib/bgp/types.ts";
import { negotiate } from "../../lib/bgp/capability/negotiated.ts";
import { FakePeer, message } from "../helpers/bgp_peer.ts";
import { freePort, makeTempDir, removeTempDir, sleep } from "../helpers/sandbox.ts";
import { type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";
import { fromHex, toHex } from "./update/wire.ts";

// ------------------------------------------------------------------------------------------------------
// Building UPDATEs (RFC 4271 §4.3)

/** One path attribute: flags, type code, 1-octet length (2 with the extended-length flag 0x10), value. */
function attr(flags: number, code: number, valueHex: string): string {
  const value = valueHex.replace(/\s/g, "").toUpperCase();
  const length = value.length / 2;
  const lengthHex = flags & 0x10
    ? length.toString(16).padStart(4, "0")
    : length.toString(16).padStart(2, "0");
  const head = flags.toString(16).padStart(2, "0") + code.toString(16).padStart(2, "0") + lengthHex;
  return head.toUpperCase() + value;
}

const u16 = (n: number) => n.toString(16).padStart(4, "0");

/** Withdrawn Routes Length, Withdrawn Routes, Total Path Attribute Length, attributes, NLRI. */
function body(attributes: readonly string[], nlri = NLRI, withdrawn = ""): Uint8Array {
  const a = fromHex(attributes.join(""));
  const w = fromHex(withdrawn);
  return fromHex(u16(w.length) + withdrawn + u16(a.length) + toHex(a) + nlri);
}

/** 10.0.0.0/8 and 11.0.0.0/8 in the NLRI field. */
const NLRI = "080A 080B";
const ORIGIN = attr(0x40, 1, "00");
const AS_PATH = attr(0x40, 2, "0201 0000FDE9"); // AS_SEQUENCE [65001], 4-octet ASNs
const AS_PATH_2 = attr(0x40, 2, "0201 FDE9"); // the same with 2-octet ASNs
const NEXT_HOP = attr(0x40, 3, "0A000001");
/** MP_REACH_NLRI IPv6 unicast: next hop 2001:db8::1, NLRI 2001:db8::/32 (RFC 4760 §3). */
const MP_REACH_V6 = attr(0x80, 14, "0002 01 10 20010DB8000000000000000000000001 00 20 20010DB8");

const IBGP: CodecContext = DEFAULT_CONTEXT;
const EBGP: CodecContext = { ...DEFAULT_CONTEXT, external: true };
const OLD: CodecContext = { ...DEFAULT_CONTEXT, asn4: false };

// ------------------------------------------------------------------------------------------------------
// Outcomes

type Approach = "ok" | "treat-as-withdraw" | "attribute-discard" | "reset";

interface Expected {
  readonly approach: Approach;
  /** Attribute type code the outcome is about (treat-as-withdraw / attribute-discard). */
  readonly code?: number;
  /** NOTIFICATION subcode of a reset (code 3, UPDATE Message Error). */
  readonly subcode?: number;
  /** Where the RFC says so. */
  readonly rfc: string;
}

const ok = (rfc: string): Expected => ({ approach: "ok", rfc });
const taw = (code: number, rfc: string): Expected => ({ approach: "treat-as-withdraw", code, rfc });
const discard = (code: number, rfc: string): Expected => ({ approach: "attribute-discard", code, rfc });
const reset = (subcode: number, rfc: string): Expected => ({ approach: "reset", subcode, rfc });

interface Row {
  readonly attribute: string;
  readonly defect: string;
  readonly update: Uint8Array;
  readonly expected: Expected;
  readonly ctx?: CodecContext;
}

/** Every NLRI of the message (the IPv4 fields and the MP attributes) as text. */
function allNlri(u: UpdateMessage): string[] {
  const out = [...u.withdrawn, ...u.announced].map(nlriToString);
  for (const a of u.attributes) {
    if (a.kind === "mp-reach" || a.kind === "mp-unreach") out.push(...a.nlri.map(nlriToString));
  }
  return out;
}

/** Decodes the row's UPDATE and checks it against the expected approach. */
function check(row: Row, announced: readonly string[]): void {
  const ctx = row.ctx ?? IBGP;
  const e = row.expected;
  if (e.approach === "reset") {
    assert.throws(() => decodeUpdate(row.update, ctx), (err: unknown) => {
      assert.ok(err instanceof BgpError, `not a BgpError: ${err}`);
      assert.deepEqual([err.code, err.subcode], [3, e.subcode], err.message);
      return true;
    });
    return;
  }
  const u = decodeUpdate(row.update, ctx);
  const records = u.malformed ?? [];
  const shown = JSON.stringify(records);
  if (e.approach === "ok") {
    assert.deepEqual(records, [], shown);
    return;
  }
  const withdraws = records.filter((m) => m.action === "treat-as-withdraw");
  if (e.approach === "treat-as-withdraw") {
    assert.ok(withdraws.some((m) => m.code === e.code), `no treat-as-withdraw for ${e.code}: ${shown}`);
  } else {
    assert.deepEqual(withdraws, [], `the UPDATE would be withdrawn: ${shown}`);
    assert.ok(
      records.some((m) => m.action === "attribute-discard" && m.code === e.code),
      `no attribute-discard for ${e.code}: ${shown}`,
    );
  }
  // Either way every NLRI is still known: to withdraw them, or to install them without the attribute.
  for (const p of announced) assert.ok(allNlri(u).includes(p), `${p} lost: ${allNlri(u)}`);
}

// ------------------------------------------------------------------------------------------------------
// The table, per attribute

interface AttributeSpec {
  readonly name: string;
  readonly code: number;
  /** Optional / transitive bits the attribute's RFC gives it. */
  readonly flags: number;
  /** A well-formed value (hex) and malformed ones with what is wrong. */
  readonly good: string;
  readonly bad: readonly (readonly [string, string])[];
  /** The approach for a malformed value, and for wrong Optional/Transitive bits (RFC 7606 §3.c). */
  readonly malformed: Expected;
  readonly flagsWrong: Expected;
  readonly ctx?: CodecContext;
}

const SPECS: readonly AttributeSpec[] = [
  {
    name: "ORIGIN",
    code: 1,
    flags: 0x40,
    good: "02",
    bad: [["length 0", ""], ["length 2", "0000"], ["undefined value 3", "03"]],
    malformed: taw(1, "RFC 7606 §7.1"),
    flagsWrong: taw(1, "RFC 7606 §3.c"),
  },
  {
    name: "AS_PATH",
    code: 2,
    flags: 0x40,
    good: "0202 0000FDE9 0000FDEA",
    bad: [
      ["a segment of length 0", "0200"],
      ["a segment overrunning the attribute", "0203 0000FDE9 0000FDEA"],
      ["1 octet left after the last segment", "0201 0000FDE9 02"],
      ["segment type 5", "0501 0000FDE9"],
    ],
    malformed: taw(2, "RFC 7606 §7.2"),
    flagsWrong: taw(2, "RFC 7606 §3.c"),
  },
  {
    name: "NEXT_HOP",
    code: 3,
    flags: 0x40,
    good: "0A000002",
    bad: [["length 3", "0A0000"], ["length 5", "0A00000200"]],
    malformed: taw(3, "RFC 7606 §7.3"),
    flagsWrong: taw(3, "RFC 7606 §3.c"),
  },
  {
    name: "MULTI_EXIT_DISC",
    code: 4,
    flags: 0x80,
    good: "00000064",
    bad: [["length 0", ""], ["length 3", "000064"]],
    malformed: taw(4, "RFC 7606 §7.4"),
    flagsWrong: taw(4, "RFC 7606 §3.c"),
  },
  {
    name: "LOCAL_PREF (iBGP)",
    code: 5,
    flags: 0x40,
    good: "00000064",
    bad: [["length 3", "000064"], ["length 8", "0000006400000064"]],
    malformed: taw(5, "RFC 7606 §7.5"),
    flagsWrong: taw(5, "RFC 7606 §3.c"),
  },
  {
    name: "ATOMIC_AGGREGATE",
    code: 6,
    flags: 0x40,
    good: "",
    bad: [["length 1", "00"]],
    malformed: discard(6, "RFC 7606 §7.6"),
    flagsWrong: discard(6, "RFC 7606 §3.f"),
  },
  {
    name: "AGGREGATOR (4-octet session)",
    code: 7,
    flags: 0xc0,
    good: "0000FDE9 0A000001",
    bad: [["length 6", "FDE9 0A000001"], ["length 9", "0000FDE9 0A000001 00"]],
    malformed: discard(7, "RFC 7606 §7.7"),
    flagsWrong: discard(7, "RFC 7606 §3.f"),
  },
  {
    name: "AGGREGATOR (2-octet session)",
    code: 7,
    flags: 0xc0,
    good: "FDE9 0A000001",
    bad: [["length 8", "0000FDE9 0A000001"]],
    malformed: discard(7, "RFC 7606 §7.7"),
    flagsWrong: discard(7, "RFC 7606 §3.f"),
    ctx: OLD,
  },
  {
    name: "COMMUNITIES",
    code: 8,
    flags: 0xc0,
    good: "FDE90001 FFFFFF01",
    bad: [["length 0", ""], ["length 3", "FDE900"], ["length 6", "FDE90001 0000"]],
    malformed: taw(8, "RFC 7606 §7.8"),
    flagsWrong: taw(8, "RFC 7606 §3.c"),
  },
  {
    name: "ORIGINATOR_ID (iBGP)",
    code: 9,
    flags: 0x80,
    good: "0A000009",
    bad: [["length 0", ""], ["length 5", "0A00000900"]],
    malformed: taw(9, "RFC 7606 §7.9"),
    flagsWrong: taw(9, "RFC 7606 §3.c"),
  },
  {
    name: "CLUSTER_LIST (iBGP)",
    code: 10,
    flags: 0x80,
    good: "0A000009 0A00000A",
    bad: [["length 0", ""], ["length 6", "0A0000090A00"]],
    malformed: taw(10, "RFC 7606 §7.10"),
    flagsWrong: taw(10, "RFC 7606 §3.c"),
  },
  {
    name: "EXTENDED COMMUNITIES",
    code: 16,
    flags: 0xc0,
    good: "0002FDE900000001",
    bad: [["length 0", ""], ["length 7", "0002FDE9000000"], ["length 12", "0002FDE900000001 00000000"]],
    malformed: taw(16, "RFC 7606 §7.14"),
    flagsWrong: taw(16, "RFC 7606 §3.c"),
  },
  {
    name: "AS4_PATH (2-octet session)",
    code: 17,
    flags: 0xc0,
    good: "0201 0000FDE9",
    bad: [["a segment overrunning the attribute", "0202 0000FDE9"], ["segment type 9", "0901 0000FDE9"]],
    malformed: discard(17, "RFC 6793 §6"),
    flagsWrong: discard(17, "RFC 6793 §6 (RFC 7606 §3.c: the attribute's own rule)"),
    ctx: OLD,
  },
  {
    name: "AS4_AGGREGATOR (2-octet session)",
    code: 18,
    flags: 0xc0,
    good: "0000FDE9 0A000001",
    bad: [["length 6", "FDE9 0A000001"]],
    malformed: discard(18, "RFC 6793 §6"),
    flagsWrong: discard(18, "RFC 6793 §6 (RFC 7606 §3.c: the attribute's own rule)"),
    ctx: OLD,
  },
  {
    name: "AIGP",
    code: 26,
    flags: 0x80,
    good: "01 000B 0000000000000064",
    bad: [
      ["an AIGP TLV of length 10", "01 000A 00000000000064"],
      ["a TLV overrunning the attribute", "01 000B 00000000"],
    ],
    malformed: discard(26, "RFC 7311 §3.2"),
    flagsWrong: discard(26, "RFC 7311 §3.2 (RFC 7606 §3.c: the attribute's own rule)"),
  },
  {
    name: "LARGE_COMMUNITIES",
    code: 32,
    flags: 0xc0,
    good: "0000FDE9 00000001 00000002",
    bad: [["length 0", ""], ["length 13", "0000FDE9 00000001 00000002 00"]],
    malformed: taw(32, "RFC 8092 §6"),
    flagsWrong: taw(32, "RFC 8092 §6 / RFC 7606 §3.c"),
  },
];

/** The base attributes of a valid announcement, with attribute `code` replaced by (or added as) `extra`. */
function around(code: number, extra: readonly string[], ctx: CodecContext | undefined): string[] {
  const path = ctx?.asn4 === false ? AS_PATH_2 : AS_PATH;
  const base: [number, string][] = [[1, ORIGIN], [2, path], [3, NEXT_HOP]];
  const kept = base.filter(([c]) => c !== code).map(([, a]) => a);
  return [...kept, ...extra];
}

function rowsOf(s: AttributeSpec): Row[] {
  const at = (value: string, flags = s.flags) => attr(flags, s.code, value);
  const rows: Row[] = [
    {
      defect: "well formed",
      update: body(around(s.code, [at(s.good)], s.ctx)),
      expected: ok("RFC 4271 §4.3"),
    },
  ].map((r) => ({ ...r, attribute: s.name, ctx: s.ctx }));
  for (const [defect, value] of s.bad) {
    rows.push({
      attribute: s.name,
      defect,
      update: body(around(s.code, [at(value)], s.ctx)),
      expected: s.malformed,
      ctx: s.ctx,
    });
  }
  // RFC 7606 §3.c: each of the two category bits flipped (the partial bit is not a category bit).
  for (const [bit, what] of [[0x80, "optional"], [0x40, "transitive"]] as const) {
    const flags = s.flags ^ bit;
    rows.push({
      attribute: s.name,
      defect: `${what} bit flipped (flags 0x${flags.toString(16)})`,
      update: body(around(s.code, [at(s.good, flags)], s.ctx)),
      expected: s.flagsWrong,
      ctx: s.ctx,
    });
  }
  // RFC 7606 §3.g: the second occurrence is discarded, the first kept (the test below checks which).
  rows.push({
    attribute: s.name,
    defect: "duplicate",
    update: body(around(s.code, [at(s.good), at(s.bad[0][1])], s.ctx)),
    expected: discard(s.code, "RFC 7606 §3.g"),
    ctx: s.ctx,
  });
  return rows;
}

/** RFC 7606 §7.5, §7.9, §7.10: from an external peer these are discarded whatever their value. */
const EXTERNAL_ROWS: Row[] = [
  [5, "LOCAL_PREF", 0x40, "00000064", "RFC 7606 §7.5"],
  [9, "ORIGINATOR_ID", 0x80, "0A000009", "RFC 7606 §7.9"],
  [10, "CLUSTER_LIST", 0x80, "0A000009", "RFC 7606 §7.10"],
].flatMap(([code, name, flags, good, rfc]) => [
  {
    attribute: `${name} (eBGP)`,
    defect: "well formed, from an external peer",
    update: body(around(code as number, [attr(flags as number, code as number, good as string)], EBGP)),
    expected: discard(code as number, rfc as string),
    ctx: EBGP,
  },
  {
    attribute: `${name} (eBGP)`,
    defect: "length 2, from an external peer",
    update: body(around(code as number, [attr(flags as number, code as number, "0000")], EBGP)),
    expected: discard(code as number, rfc as string),
    ctx: EBGP,
  },
]);

// MP_REACH_NLRI / MP_UNREACH_NLRI: nothing of theirs can be withdrawn when they cannot be parsed, so every
// fault resets the session (RFC 7606 §3.j, §5.3, §7.11) with Optional Attribute Error (RFC 4760 §7).
const V6_NH = "20010DB8000000000000000000000001";
const MP_ROWS: Row[] = [
  ["MP_REACH_NLRI", "well formed (IPv6 unicast)", [ORIGIN, AS_PATH, MP_REACH_V6], ok("RFC 4760 §3")],
  ["MP_REACH_NLRI", "next hop length 5", [
    ORIGIN,
    AS_PATH,
    attr(0x80, 14, "0002 01 05 2001DB8000 00 20 20010DB8"),
  ], reset(9, "RFC 7606 §7.11, RFC 4760 §7")],
  ["MP_REACH_NLRI", "next hop length overrunning the attribute", [
    ORIGIN,
    AS_PATH,
    attr(0x80, 14, "0002 01 20 " + V6_NH),
  ], reset(9, "RFC 7606 §7.11")],
  [
    "MP_REACH_NLRI",
    "length 4 (less than 5)",
    [ORIGIN, AS_PATH, attr(0x80, 14, "0002 01 00")],
    reset(
      9,
      "RFC 7606 §5.3",
    ),
  ],
  ["MP_REACH_NLRI", "IPv6 prefix length 129", [
    ORIGIN,
    AS_PATH,
    attr(0x80, 14, `0002 01 10 ${V6_NH} 00 81 20010DB8000000000000000000000000 00`),
  ], reset(9, "RFC 7606 §5.3")],
  ["MP_REACH_NLRI", "last NLRI truncated", [
    ORIGIN,
    AS_PATH,
    attr(0x80, 14, `0002 01 10 ${V6_NH} 00 40 20010DB8`),
  ], reset(9, "RFC 7606 §5.3")],
  ["MP_REACH_NLRI", "IPv4 labeled unicast NLRI of 57 bits (the RFC's own example)", [
    ORIGIN,
    AS_PATH,
    attr(0x80, 14, "0001 04 04 0A000001 00 39 000011 0A000000 00"),
  ], reset(9, "RFC 7606 §5.3")],
  ["MP_REACH_NLRI", "flags 0xC0 (transitive)", [
    ORIGIN,
    AS_PATH,
    attr(0xc0, 14, `0002 01 10 ${V6_NH} 00 20 20010DB8`),
  ], reset(9, "RFC 7606 §5.3")],
  ["MP_REACH_NLRI", "flags 0x00 (well-known)", [
    ORIGIN,
    AS_PATH,
    attr(0x00, 14, `0002 01 10 ${V6_NH} 00 20 20010DB8`),
  ], reset(9, "RFC 7606 §5.3")],
  ["MP_REACH_NLRI", "duplicate", [ORIGIN, AS_PATH, MP_REACH_V6, MP_REACH_V6], reset(1, "RFC 7606 §3.g")],
  ["MP_REACH_NLRI", "its length overruns the attribute block", [
    ORIGIN,
    AS_PATH,
    MP_REACH_V6.replace(/^800E../, "800E40"),
  ], reset(1, "RFC 7606 §4 and §3.j: its NLRI cannot be located")],
  ["MP_UNREACH_NLRI", "well formed", [attr(0x80, 15, "0002 01 20 20010DB8")], ok("RFC 4760 §4")],
  ["MP_UNREACH_NLRI", "End-of-RIB (RFC 4724 §2)", [attr(0x90, 15, "0002 01")], ok("RFC 4724 §2")],
  ["MP_UNREACH_NLRI", "length 2 (less than 3)", [attr(0x80, 15, "0002")], reset(9, "RFC 7606 §5.3")],
  [
    "MP_UNREACH_NLRI",
    "IPv4 prefix length 33",
    [attr(0x80, 15, "0001 01 21 0A000000 00")],
    reset(
      9,
      "RFC 7606 §5.3",
    ),
  ],
  ["MP_UNREACH_NLRI", "last NLRI truncated", [attr(0x80, 15, "0002 01 30 2001")], reset(9, "RFC 7606 §5.3")],
  [
    "MP_UNREACH_NLRI",
    "flags 0x40 (well-known)",
    [attr(0x40, 15, "0002 01 20 20010DB8")],
    reset(
      9,
      "RFC 7606 §5.3",
    ),
  ],
  [
    "MP_UNREACH_NLRI",
    "duplicate",
    [attr(0x80, 15, "000201"), attr(0x80, 15, "000201")],
    reset(
      1,
      "RFC 7606 §3.g",
    ),
  ],
].map(([attribute, defect, attrs, expected]) => ({
  attribute: attribute as string,
  defect: defect as string,
  update: body(attrs as string[], ""),
  expected: expected as Expected,
}));

/** Attribute type 0xF0 (unassigned). */
const UNKNOWN_ROWS: Row[] = [
  ["optional transitive: kept", [attr(0xc0, 0xf0, "0102")], ok("RFC 4271 §5")],
  ["optional non-transitive: kept for display", [attr(0x80, 0xf0, "0102")], ok("RFC 4271 §5")],
  ["optional transitive with the partial bit", [attr(0xe0, 0xf0, "0102")], ok("RFC 4271 §5")],
  ["well-known (optional bit clear)", [attr(0x40, 0xf0, "0102")], reset(2, "RFC 4271 §6.3")],
  ["duplicate", [attr(0xc0, 0xf0, "0102"), attr(0xc0, 0xf0, "0304")], discard(0xf0, "RFC 7606 §3.g")],
].map(([defect, extra, expected]) => ({
  attribute: "unknown (type 240)",
  defect: defect as string,
  update: body([ORIGIN, AS_PATH, NEXT_HOP, ...(extra as string[])]),
  expected: expected as Expected,
}));

/** RFC 7606 §3.d: missing well-known mandatory attributes; NEXT_HOP only matters for the NLRI field. */
const MISSING_ROWS: Row[] = [
  ["ORIGIN, with NLRI", [AS_PATH, NEXT_HOP], NLRI, taw(1, "RFC 7606 §3.d")],
  ["AS_PATH, with NLRI", [ORIGIN, NEXT_HOP], NLRI, taw(2, "RFC 7606 §3.d")],
  ["NEXT_HOP, with NLRI", [ORIGIN, AS_PATH], NLRI, taw(3, "RFC 7606 §3.d")],
  ["ORIGIN, MP_REACH_NLRI only", [AS_PATH, MP_REACH_V6], "", taw(1, "RFC 7606 §3.d")],
  ["AS_PATH, MP_REACH_NLRI only", [ORIGIN, MP_REACH_V6], "", taw(2, "RFC 7606 §3.d")],
  ["NEXT_HOP, MP_REACH_NLRI only", [ORIGIN, AS_PATH, MP_REACH_V6], "", ok("RFC 4760 §3, RFC 7606 §3.d note")],
  ["all, withdrawals only", [], "", ok("RFC 4271 §4.3: no path attributes without NLRI")],
  ["all, MP_UNREACH_NLRI only", [attr(0x80, 15, "0002 01 20 20010DB8")], "", ok("RFC 4760 §4")],
  [
    "a malformed NEXT_HOP, MP_REACH_NLRI only",
    [ORIGIN, AS_PATH, attr(0x40, 3, "0A00"), MP_REACH_V6],
    "",
    discard(
      3,
      "RFC 4760 §3: NEXT_HOP is then ignored",
    ),
  ],
].map(([defect, attrs, nlri, expected]) => ({
  attribute: "mandatory attributes",
  defect: `missing ${defect}`.replace("missing a malformed", "a malformed"),
  update: body(attrs as string[], nlri as string, nlri === "" ? "080C" : ""),
  expected: expected as Expected,
}));

/** RFC 7606 §4 (attribute lengths against the Total Path Attribute Length) and §3.b (message lengths). */
const LENGTH_ROWS: Row[] = [
  [
    "the last attribute overruns the attribute block",
    [ORIGIN, AS_PATH, "400304 0A00"],
    taw(
      3,
      "RFC 7606 §4",
    ),
  ],
  ["2 octets left: not a whole attribute header", [ORIGIN, AS_PATH, NEXT_HOP, "C008"], taw(8, "RFC 7606 §4")],
  [
    "3 octets left with the extended-length bit",
    [ORIGIN, AS_PATH, NEXT_HOP, "D00800"],
    taw(8, "RFC 7606 §4"),
  ],
  ["1 octet left", [ORIGIN, AS_PATH, NEXT_HOP, "40"], taw(0, "RFC 7606 §4")],
].map(([defect, attrs, expected]) => ({
  attribute: "attribute lengths",
  defect: defect as string,
  update: body(attrs as string[]),
  expected: expected as Expected,
}));

/** RFC 7606 §3.b, §3.i and §5.3 with RFC 4271 §6.3: fields that cannot be parsed reset the session. */
const FIELD_ROWS: Row[] = [
  ["Total Path Attribute Length overruns the message", "0000 0040 " + ORIGIN, reset(1, "RFC 7606 §3.b")],
  ["Withdrawn Routes Length overruns the message", "0040 080A 0000", reset(1, "RFC 7606 §3.b")],
  ["a body of 3 octets", "000000", reset(1, "RFC 7606 §3.b")],
  [
    "NLRI field: prefix length 33",
    toHex(body([ORIGIN, AS_PATH, NEXT_HOP], "21 0A000000 00")),
    reset(
      10,
      "RFC 7606 §5.3, RFC 4271 §6.3",
    ),
  ],
  [
    "NLRI field: last prefix truncated",
    toHex(body([ORIGIN, AS_PATH, NEXT_HOP], "080A 180B00")),
    reset(
      10,
      "RFC 7606 §5.3",
    ),
  ],
  ["Withdrawn Routes: prefix length 33", "0006 21 0A000000 00 0000", reset(10, "RFC 7606 §3.i, §5.3")],
  ["Withdrawn Routes: last prefix truncated", "0003 180A00 0000", reset(10, "RFC 7606 §3.i, §5.3")],
].map(([defect, hex, expected]) => ({
  attribute: "NLRI and lengths",
  defect: defect as string,
  update: fromHex(hex as string),
  expected: expected as Expected,
}));

/** RFC 7606 §3.h: several faults in one UPDATE — the strongest approach wins. */
const MIXED_ROWS: Row[] = [
  [
    "attribute-discard + treat-as-withdraw",
    [ORIGIN, AS_PATH, NEXT_HOP, attr(0x40, 6, "00"), attr(0xc0, 8, "00")],
    taw(
      8,
      "RFC 7606 §3.h",
    ),
  ],
  [
    "treat-as-withdraw + malformed MP_REACH_NLRI",
    [attr(0x40, 1, "07"), AS_PATH, attr(0x80, 14, "0002 01 00")],
    reset(
      9,
      "RFC 7606 §3.h",
    ),
  ],
].map(([defect, attrs, expected]) => ({
  attribute: "several faults",
  defect: defect as string,
  update: body(attrs as string[]),
  expected: expected as Expected,
}));

const ROWS: readonly Row[] = [
  ...SPECS.flatMap(rowsOf),
  ...EXTERNAL_ROWS,
  ...MP_ROWS,
  ...UNKNOWN_ROWS,
  ...MISSING_ROWS,
  ...LENGTH_ROWS,
  ...FIELD_ROWS,
  ...MIXED_ROWS,
];

/** The prefixes each kind of row announces, which a treat-as-withdraw must still be able to withdraw. */
function announcedBy(row: Row): string[] {
  const hex = toHex(row.update);
  if (hex.includes("20010DB8000000000000000000000001")) return ["2001:db8::/32"];
  return hex.endsWith("080A080B") ? ["10.0.0.0/8", "11.0.0.0/8"] : [];
}

describe("RFC 7606: UPDATE error handling, attribute × defect", () => {
  for (const row of ROWS) {
    const e = row.expected;
    const what = e.approach === "reset" ? `session reset 3/${e.subcode}` : e.approach;
    it(`${row.attribute}: ${row.defect} → ${what} (${e.rfc})`, () => check(row, announcedBy(row)));
  }

  it("covers every attribute of the brief with every defect", () => {
    const names = new Set(ROWS.map((r) => r.attribute.replace(/ \(.*\)$/, "")));
    for (
      const n of [
        "ORIGIN",
        "AS_PATH",
        "NEXT_HOP",
        "MULTI_EXIT_DISC",
        "LOCAL_PREF",
        "ATOMIC_AGGREGATE",
        "AGGREGATOR",
        "COMMUNITIES",
        "ORIGINATOR_ID",
        "CLUSTER_LIST",
        "EXTENDED COMMUNITIES",
        "LARGE_COMMUNITIES",
        "AIGP",
        "MP_REACH_NLRI",
        "MP_UNREACH_NLRI",
        "unknown",
      ]
    ) assert.ok(names.has(n), n);
    assert.ok(ROWS.length >= 120, `${ROWS.length} rows`);
  });

  it("a session with a peer of another AS decodes with the eBGP rules (§7.5, §7.9, §7.10)", () => {
    const open = (asn: number): OpenMessage => ({
      type: "open",
      version: 4,
      asn,
      holdTime: 90,
      routerId: `10.0.0.${asn % 250}`,
      capabilities: [{ code: 65, name: "asn4", asn }],
    });
    assert.equal(negotiate(open(65000), open(65001)).decode.external, true);
    assert.equal(negotiate(open(65000), open(65000)).decode.external, undefined);
  });

  it("a duplicate keeps the first occurrence's value (RFC 7606 §3.g)", () => {
    const u = decodeUpdate(
      body([ORIGIN, AS_PATH, NEXT_HOP, attr(0x80, 4, "00000001"), attr(0x80, 4, "00000002")]),
      IBGP,
    );
    assert.deepEqual(u.attributes.filter((a) => a.kind === "med"), [{ code: 4, kind: "med", value: 1 }]);
  });

  it("attribute-discard removes only that attribute and keeps the routes (RFC 7606 §2)", () => {
    const u = decodeUpdate(body([ORIGIN, AS_PATH, NEXT_HOP, attr(0xc0, 7, "0102")]), IBGP);
    assert.deepEqual(u.attributes.map((a) => a.code), [1, 2, 3]);
    assert.deepEqual(u.announced.map(nlriToString), ["10.0.0.0/8", "11.0.0.0/8"]);
  });

  it("treat-as-withdraw still locates the NLRI with the Total Path Attribute Length (RFC 7606 §4)", () => {
    // NEXT_HOP claims 4 octets where 2 remain: the NLRI field still starts after the 2.
    const u = decodeUpdate(body([ORIGIN, AS_PATH, "400304 0A00"], "080A 080B"), IBGP);
    assert.deepEqual(u.announced.map(nlriToString), ["10.0.0.0/8", "11.0.0.0/8"]);
  });

  it("an unrecognised well-known attribute's NOTIFICATION carries the attribute (RFC 4271 §6.3)", () => {
    assert.throws(
      () => decodeUpdate(body([ORIGIN, AS_PATH, NEXT_HOP, attr(0x40, 0xf0, "0102")]), IBGP),
      (e) => {
        assert.ok(e instanceof BgpError);
        assert.equal(toHex(e.data), "40F0020102");
        return true;
      },
    );
  });

  it("a malformed MP_REACH_NLRI's NOTIFICATION carries the attribute (RFC 4271 §6.3 Optional Attribute Error)", () => {
    const bad = attr(0x80, 14, "0002 01 00");
    assert.throws(() => decodeUpdate(body([ORIGIN, AS_PATH, bad], ""), IBGP), (e) => {
      assert.ok(e instanceof BgpError);
      assert.equal(toHex(e.data), bad);
      return true;
    });
  });
});

// ------------------------------------------------------------------------------------------------------
// Through a real session: a tsbgp speaker subprocess and a peer on 127.0.0.1

describe("RFC 7606 through a speaker process", () => {
  let dir: string | undefined;
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
    removeTempDir(dir);
  });

  /** A speaker (iBGP, AS 65000) connected to a FakePeer that is Established; returns both. */
  async function established(): Promise<{ peer: FakePeer; speaker: SpeakerProcess }> {
    dir ??= makeTempDir("rfc7606");
    const port = await freePort();
    const peer = await FakePeer.listen({ port, asn: 65000, holdTime: 30, routerId: "192.0.2.2" });
    cleanup.push(() => peer.close());
    const conf = join(dir, `speaker-${port}.conf`);
    writeFileSync(
      conf,
      `neighbor 127.0.0.1 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65000;
  peer-as 65000;
  connect ${port};
  family { ipv4 unicast; ipv6 unicast; }
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
    cleanup.push(() => speaker.stop("SIGTERM"));
    await peer.until(
      () => peer.established && peer.connections.at(-1)!.keepalives.length > 0,
      30_000,
      () => speaker.output,
    );
    return { peer, speaker };
  }

  it(
    "treat-as-withdraw and attribute-discard keep the session; a malformed MP_REACH_NLRI then resets it (3/9)",
    { timeout: 60_000 },
    async () => {
      const { peer, speaker } = await established();
      const conn = peer.connections.at(-1)!;
      // ORIGIN with the undefined value 7 (§7.1: treat-as-withdraw), then ATOMIC_AGGREGATE of length 1
      // (§7.6: attribute discard). Neither may end the session.
      conn.socket.write(message(2, body([attr(0x40, 1, "07"), AS_PATH, NEXT_HOP])));
      conn.socket.write(message(2, body([ORIGIN, AS_PATH, NEXT_HOP, attr(0x40, 6, "00")])));
      await sleep(1000);
      assert.deepEqual(peer.notifications.map(toHex), [], speaker.output);
      assert.equal(conn.closedAt, undefined, `connection closed:\n${speaker.output}`);
      // The same connection, still read: a malformed MP_REACH_NLRI gets its NOTIFICATION.
      const bad = attr(0x80, 14, "0002 01 05 2001DB8000 00 20 20010DB8");
      conn.socket.write(message(2, body([ORIGIN, AS_PATH, bad], "")));
      await peer.until(
        () => peer.notifications.length > 0 && conn.closedAt !== undefined,
        10_000,
        () => speaker.output,
      );
      const n = peer.notifications[0];
      assert.deepEqual([n[0], n[1]], [3, 9], `${toHex(n)}\n${speaker.output}`);
      assert.equal(toHex(n.subarray(2)), bad, "the data is the attribute");
      assert.ok(speaker.running, speaker.output);
    },
  );
});
