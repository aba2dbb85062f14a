/**
 * encode(decode(bytes)) === bytes for every message of the ExaBGP 5.0 conformance suite: every `raw:` line
 * of encoding/*.msg (UPDATE, OPEN, NOTIFICATION, ROUTE-REFRESH) and every update/open decoding vector.
 *
 * Each encoding test's messages are decoded with the context its speaker negotiates: the OPEN built from
 * the test's first configuration (lib/speaker/open.ts) against the test peer's echo of it (README: same
 * OPEN, router-id + 1, AS from option:asn) — 4-octet ASNs, ADD-PATH and extended message as configured.
 * The decoding vectors use what `tsbgp decode` uses (4-octet ASNs, 65535-byte messages).
 *
 * The Extended Length bit (RFC 4271 §4.3: whether the Attribute Length takes one octet or two) is a sender's
 * choice; routers (the BGP-LS and EVPN decoding vectors) set it on short MP attributes, and the decoder
 * remembers it (UpdateMessage.wideLengths) so those come back identical too.
 *
 * REFUSED: messages a speaker must refuse by RFC; they still round-trip when decoded for inspection.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { negotiate } from "../../lib/bgp/capability/negotiated.ts";
import { BgpError } from "../../lib/bgp/error.ts";
import { decodeMessage, encodeMessage } from "../../lib/bgp/message/codec.ts";
import { frame } from "../../lib/bgp/message/header.ts";
import type { Capability, CodecContext, OpenMessage } from "../../lib/bgp/types.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { buildOpen } from "../../lib/speaker/open.ts";
import { conformanceDir, fromHex, toHex } from "./update/wire.ts";

const DIR = conformanceDir();

interface SuiteMessage {
  readonly where: string;
  readonly bytes: Uint8Array;
}

/**
 * Messages of the suite that a speaker must refuse, with the NOTIFICATION: ExaBGP sends them because
 * its configuration allows any attribute (`attribute [ 0x99 0x60 … ]`), but attribute 0x99 is unknown and
 * its flags say well-known (optional bit clear), which RFC 4271 §6.3 answers with 3/2 Unrecognized
 * Well-known Attribute. Our encoder sends them just as ExaBGP does (the conformance test passes), and
 * `tsbgp decode` (CodecContext.inspect) shows them.
 */
const REFUSED: ReadonlyMap<string, readonly [number, number]> = new Map([
  ["conf-generic-attribute.msg:2", [3, 2]],
  ["conf-generic-attribute.msg:3", [3, 2]],
]);

/** The decoding vectors whose MP attributes use two length octets for fewer than 256 value octets. */
const WIDE: readonly string[] = [
  "decoding/bgp-evpn-1",
  "decoding/bgp-ls-10",
  "decoding/bgp-ls-4",
  "decoding/bgp-ls-5",
  "decoding/bgp-ls-6",
  "decoding/bgp-ls-7",
  "decoding/bgp-ls-8",
  "decoding/bgp-ls-9",
];

/** The raw lines of one .msg file (lines holding `#` are comments). */
function rawLines(test: string): SuiteMessage[] {
  const out: SuiteMessage[] = [];
  readFileSync(join(DIR, "encoding", `${test}.msg`), "utf8").split("\n").forEach((line, i) => {
    const m = /^[A-Za-z]?\d+:raw:(.*)$/.exec(line.trim());
    if (m && !line.includes("#")) out.push({ where: `${test}.msg:${i + 1}`, bytes: fromHex(m[1]) });
  });
  return out;
}

function optionAsn(test: string): number | undefined {
  const m = /^option:asn:(\d+)/m.exec(readFileSync(join(DIR, "encoding", `${test}.msg`), "utf8"));
  return m ? Number(m[1]) : undefined;
}

function nextId(id: string): string {
  const parts = id.split(".").map(Number);
  parts[3] = (parts[3] + 1) & 0xff;
  return parts.join(".");
}

/** The test peer's answer: the same OPEN, router-id + 1, its own AS when option:asn says so. */
function echo(open: OpenMessage, asn: number | undefined): OpenMessage {
  if (asn === undefined) return { ...open, routerId: nextId(open.routerId) };
  const caps = open.capabilities.map((c): Capability => (c.name === "asn4" ? { ...c, asn } : c));
  return { ...open, asn, routerId: nextId(open.routerId), capabilities: caps };
}

/** What the speaker of `test` encodes with once its session is up. */
async function speakerContext(test: string): Promise<CodecContext> {
  const files = readFileSync(join(DIR, "encoding", `${test}.ci`), "utf8").trim().split(/\s+/);
  const config = await loadConfig([join(DIR, "etc", files[0])], {}, (p) => readFile(p, "utf8"));
  const nb = config.neighbors[0];
  const ours = buildOpen(nb, { fallbackRouterId: "127.0.0.1", softwareVersion: "5.0.0-0+test" });
  return negotiate(ours, echo(ours, optionAsn(test))).encode;
}

const DECODE_CONTEXT: CodecContext = { asn4: true, addPath: new Set(), maxMessageSize: 65535 };

/** The update/open decoding vectors, framed when the vector holds only the body (as `decode` accepts). */
function decodingVectors(): SuiteMessage[] {
  const out: SuiteMessage[] = [];
  for (const name of readdirSync(join(DIR, "decoding")).sort()) {
    const [kind, hex] = readFileSync(join(DIR, "decoding", name), "utf8").split("\n");
    const type = ({ update: 2, open: 1 } as Record<string, number>)[kind.trim().split(/\s+/)[0]];
    if (type === undefined) continue;
    const bytes = fromHex(hex);
    const framed = bytes.length >= 16 && bytes.subarray(0, 16).every((b) => b === 0xff);
    out.push({ where: `decoding/${name}`, bytes: framed ? bytes : frame(type, bytes) });
  }
  return out;
}

/** Decodes and re-encodes; returns the error message, or "" when the bytes come back identical. */
function roundTrip(m: SuiteMessage, ctx: CodecContext): string {
  const msg = decodeMessage(m.bytes[18], m.bytes.subarray(19), ctx);
  if (msg.type === "update" && msg.malformed) return `decoded as malformed: ${JSON.stringify(msg.malformed)}`;
  const wide = msg.type === "update" && msg.wideLengths !== undefined;
  if (wide !== WIDE.includes(m.where)) return `wideLengths ${wide ? "set" : "not set"}`;
  const again = toHex(encodeMessage(msg, ctx));
  const expected = toHex(m.bytes);
  return again === expected ? "" : `re-encoded differently:\n  ${expected}\n  ${again}`;
}

const TESTS = readdirSync(join(DIR, "encoding")).filter((f) => f.endsWith(".ci")).map((f) => f.slice(0, -3))
  .sort();

describe("every message of the conformance suite: encode(decode(bytes)) gives the same bytes", () => {
  const counts = { messages: 0, byType: new Map<number, number>() };
  const count = (m: SuiteMessage) => {
    counts.messages++;
    counts.byType.set(m.bytes[18], (counts.byType.get(m.bytes[18]) ?? 0) + 1);
  };

  for (const test of TESTS) {
    it(test, async () => {
      const ctx = await speakerContext(test);
      const problems: string[] = [];
      for (const m of rawLines(test)) {
        count(m);
        const refused = REFUSED.get(m.where);
        if (refused) {
          assert.throws(() => decodeMessage(m.bytes[18], m.bytes.subarray(19), ctx), (e: unknown) => {
            assert.ok(e instanceof BgpError);
            assert.deepEqual([e.code, e.subcode], refused);
            return true;
          });
        }
        const problem = roundTrip(m, refused ? { ...ctx, inspect: true } : ctx);
        if (problem) problems.push(`${m.where}: ${problem}`);
      }
      assert.deepEqual(problems, []);
    });
  }

  it("the decoding vectors (update and open)", () => {
    const problems: string[] = [];
    for (const m of decodingVectors()) {
      count(m);
      const problem = roundTrip(m, DECODE_CONTEXT);
      if (problem) problems.push(`${m.where}: ${problem}`);
    }
    assert.deepEqual(problems, []);
  });

  it("covered every raw line of the suite: UPDATEs, OPENs, NOTIFICATIONs and ROUTE-REFRESHes", () => {
    // 368 raw lines in encoding/*.msg and 17 update/open decoding vectors.
    assert.equal(counts.messages, 368 + 17);
    assert.deepEqual(
      [...counts.byType].sort((a, b) => a[0] - b[0]),
      [[1, 2 + 1], [2, 358 + 16], [3, 3], [5, 5]],
    );
  });
});
