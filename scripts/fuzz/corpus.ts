/**
 * The fuzzer's seed corpus: every BGP message of the ExaBGP conformance suite (the `raw:` lines of
 * encoding/*.msg and the update/open decoding vectors, conformance/exabgp-5.0/README.md), grouped by what
 * they are, with the family of each UPDATE (its MP_REACH/MP_UNREACH AFI/SAFI, else IPv4 unicast).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type FamilyKey, familyKey, IPV4_UNICAST } from "../../lib/bgp/family.ts";
import { frame } from "../../lib/bgp/message/header.ts";
import { MessageType } from "../../lib/bgp/types.ts";

export interface Seed {
  /** Where it comes from: `<test>.msg:<line>` or `decoding/<name>`. */
  readonly source: string;
  /** A whole message, header included. */
  readonly bytes: Uint8Array;
  /** UPDATEs only: the family its routes belong to (undefined for an empty UPDATE). */
  readonly family?: FamilyKey;
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[:\s]/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${text.slice(0, 40)}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s.toUpperCase();
}

/**
 * The family of an UPDATE: the AFI/SAFI of its first MP attribute, IPv4 unicast when its own NLRI or
 * withdrawn fields are used, undefined otherwise. Reads lengths defensively (the message may be a mutant).
 */
export function updateFamily(message: Uint8Array): FamilyKey | undefined {
  const b = message.subarray(19);
  if (b.length < 4) return undefined;
  const withdrawn = (b[0] << 8) | b[1];
  const attrStart = 4 + withdrawn;
  if (attrStart > b.length) return undefined;
  const attrEnd = Math.min(b.length, attrStart + ((b[attrStart - 2] << 8) | b[attrStart - 1]));
  for (let i = attrStart; i + 3 <= attrEnd;) {
    const flags = b[i], code = b[i + 1];
    const extended = (flags & 0x10) !== 0;
    const length = extended ? (b[i + 2] << 8) | b[i + 3] : b[i + 2];
    const v = i + (extended ? 4 : 3);
    if ((code === 14 || code === 15) && v + 3 <= attrEnd) return familyKey((b[v] << 8) | b[v + 1], b[v + 2]);
    i = v + length;
  }
  return withdrawn > 0 || attrEnd < b.length ? IPV4_UNICAST : undefined;
}

function seed(source: string, bytes: Uint8Array): Seed {
  return bytes[18] === MessageType.UPDATE
    ? { source, bytes, family: updateFamily(bytes) }
    : { source, bytes };
}

/** Every `raw:` line of encoding/*.msg (lines holding `#` are comments, as the suite's README says). */
function encodingSeeds(dir: string): Seed[] {
  const out: Seed[] = [];
  const folder = join(dir, "encoding");
  for (const name of readdirSync(folder).filter((f) => f.endsWith(".msg")).sort()) {
    const lines = readFileSync(join(folder, name), "utf8").split("\n");
    lines.forEach((line, i) => {
      if (line.includes("#")) return;
      const m = /^[A-Za-z]?\d+:raw:(.*)$/.exec(line.trim());
      if (m) out.push(seed(`${name}:${i + 1}`, fromHex(m[1])));
    });
  }
  return out;
}

const hasMarker = (b: Uint8Array) => b.length >= 19 && b.subarray(0, 16).every((x) => x === 0xff);

/**
 * The update/open decoding vectors (line 2: the message, or only its body, as `decode` accepts both);
 * nlri vectors are bare NLRI and left out.
 */
function decodingSeeds(dir: string): Seed[] {
  const folder = join(dir, "decoding");
  const out: Seed[] = [];
  for (const name of readdirSync(folder).sort()) {
    const [kind, hex] = readFileSync(join(folder, name), "utf8").split("\n");
    const type = { update: MessageType.UPDATE, open: MessageType.OPEN }[kind.trim().split(/\s+/)[0]];
    if (type === undefined) continue;
    const bytes = fromHex(hex);
    out.push(seed(`decoding/${name}`, hasMarker(bytes) ? bytes : frame(type, bytes)));
  }
  return out;
}

/** All messages of the suite, duplicates (same bytes) kept once. */
export function suiteSeeds(dir: string): Seed[] {
  const seen = new Set<string>();
  const out: Seed[] = [];
  for (const s of [...encodingSeeds(dir), ...decodingSeeds(dir)]) {
    const key = toHex(s.bytes);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}
