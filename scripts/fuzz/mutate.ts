/**
 * Mutations of whole BGP messages: byte-level (bit flips, interesting values, insertions, deletions,
 * truncation, splicing with another message, chunk duplication) and structure-aware (the length fields
 * of RFC 4271 §4 — header, withdrawn routes, path attributes, MP next hop, NLRI prefix lengths, OPEN
 * parameters and capabilities — and path attribute flags, type codes, duplication and removal), plus
 * messages of random bytes. Most mutants get their header length fixed so that they reach the decoder.
 */
import type { Rng } from "./rng.ts";

/** A length field of `width` octets at `at`, whose value counts the bytes of [`from`, `from + value`). */
interface Field {
  readonly at: number;
  readonly width: 1 | 2;
}

/** The parts of a message the structure-aware mutations act on; every offset is into the whole message. */
interface Layout {
  readonly lengths: Field[];
  /** Each path attribute: [start, end) of the whole attribute (flags to the end of its value). */
  readonly attributes: (readonly [number, number])[];
  /** Offset of the Total Path Attribute Length (UPDATE), or -1. */
  readonly totalAttrAt: number;
  /** Spans whose size a length field gives: withdrawn routes, the attribute block, each attribute value. */
  readonly regions: Region[];
}

interface Region {
  readonly field: Field;
  readonly start: number;
  readonly end: number;
}

const u16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];

/** NLRI prefix-length octets of an RFC 4271 §4.3 prefix list in [from, to). */
function prefixFields(b: Uint8Array, from: number, to: number, out: Field[]): void {
  for (let i = from; i < to && out.length < 64;) {
    out.push({ at: i, width: 1 });
    i += 1 + ((b[i] + 7) >> 3);
  }
}

/** Walks what it can of the message; a mutant's layout simply stops where its structure breaks. */
export function layout(b: Uint8Array): Layout {
  const lengths: Field[] = [{ at: 16, width: 2 }];
  const attributes: [number, number][] = [];
  const regions: Region[] = [];
  let totalAttrAt = -1;
  if (b.length < 19) return { lengths, attributes, totalAttrAt, regions };
  if (b[18] === 2 && b.length >= 23) {
    lengths.push({ at: 19, width: 2 });
    const wEnd = 21 + u16(b, 19);
    regions.push({ field: { at: 19, width: 2 }, start: 21, end: wEnd });
    prefixFields(b, 21, Math.min(wEnd, b.length), lengths);
    if (wEnd + 2 <= b.length) {
      totalAttrAt = wEnd;
      lengths.push({ at: wEnd, width: 2 });
      const aEnd = Math.min(b.length, wEnd + 2 + u16(b, wEnd));
      regions.push({ field: { at: wEnd, width: 2 }, start: wEnd + 2, end: aEnd });
      for (let i = wEnd + 2; i + 3 <= aEnd;) {
        const extended = (b[i] & 0x10) !== 0;
        const v = i + (extended ? 4 : 3);
        if (v > aEnd) break;
        const length = extended ? u16(b, i + 2) : b[i + 2];
        lengths.push({ at: i + 2, width: extended ? 2 : 1 });
        regions.push({ field: { at: i + 2, width: extended ? 2 : 1 }, start: v, end: v + length });
        if (b[i + 1] === 14 && v + 4 <= aEnd) lengths.push({ at: v + 3, width: 1 }); // next hop length
        attributes.push([i, Math.min(v + length, aEnd)]);
        i = v + length;
      }
      prefixFields(b, aEnd, b.length, lengths);
    }
  } else if (b[18] === 1 && b.length >= 29) {
    lengths.push({ at: 28, width: 1 });
    for (let i = 29; i + 2 <= b.length;) {
      lengths.push({ at: i + 1, width: 1 });
      const end = i + 2 + b[i + 1];
      for (let c = i + 2; c + 2 <= Math.min(end, b.length); c += 2 + b[c + 1]) {
        lengths.push({ at: c + 1, width: 1 });
      }
      i = end;
    }
  } else if (b[18] === 3 && b.length >= 22) {
    lengths.push({ at: 21, width: 1 }); // RFC 9003 §2: the shutdown communication length
  }
  return { lengths, attributes, totalAttrAt, regions };
}

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

function writeField(b: Uint8Array, f: Field, value: number): void {
  if (f.width === 2) {
    b[f.at] = (value >> 8) & 0xff;
    b[f.at + 1] = value & 0xff;
  } else b[f.at] = value & 0xff;
}

function readField(b: Uint8Array, f: Field): number {
  return f.width === 2 ? u16(b, f.at) : b[f.at];
}

/**
 * Inserts and removes bytes at `at`, and most of the time grows or shrinks the length fields of the
 * spans around `at` with it (they all precede `at`, so the splice does not move them): the change then
 * lands inside the structure instead of only breaking the outermost length.
 */
function resize(b: Uint8Array, rng: Rng, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const regions = layout(b).regions;
  const out = splice(b, at, remove, insert);
  const delta = insert.length - remove;
  for (const r of regions) {
    if (at < r.start || at >= r.end || !rng.chance(0.75)) continue;
    const max = r.field.width === 2 ? 0xffff : 0xff;
    writeField(out, r.field, Math.max(0, Math.min(max, readField(out, r.field) + delta)));
  }
  return out;
}

/** After inserting or removing `delta` bytes inside the attribute block, keep its total length right. */
function fixTotal(b: Uint8Array, l: Layout, delta: number): void {
  if (l.totalAttrAt < 0 || l.totalAttrAt + 2 > b.length) return;
  writeField(b, { at: l.totalAttrAt, width: 2 }, u16(b, l.totalAttrAt) + delta);
}

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x10, 0x20, 0x40, 0xc0];
const ATTRIBUTE_CODES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 22, 26, 29, 32, 40, 0x99, 0xff];

type Mutator = (b: Uint8Array, rng: Rng, donor: () => Uint8Array) => Uint8Array;

/** Offsets past the 16-octet marker (mutating the marker only ever gives 1/1). */
const pos = (
  b: Uint8Array,
  rng: Rng,
) => (b.length > 16 ? 16 + rng.int(b.length - 16) : rng.int(b.length + 1));

const MUTATORS: readonly (readonly [string, Mutator])[] = [
  ["bit-flip", (b, rng) => {
    const out = b.slice();
    for (let n = rng.range(1, 4); n > 0 && out.length > 16; n--) out[pos(out, rng)] ^= 1 << rng.int(8);
    return out;
  }],
  ["interesting-byte", (b, rng) => {
    const out = b.slice();
    if (out.length > 16) out[pos(out, rng)] = rng.chance(0.8) ? rng.pick(INTERESTING) : rng.int(256);
    return out;
  }],
  ["insert", (b, rng) => resize(b, rng, pos(b, rng), 0, rng.bytes(rng.range(1, 16)))],
  ["delete", (b, rng) => {
    const at = pos(b, rng);
    return resize(b, rng, at, Math.min(rng.range(1, 16), b.length - at), new Uint8Array(0));
  }],
  ["truncate", (b, rng) => {
    const at = pos(b, rng);
    const out = b.slice(0, at);
    // Most of the time the spans cut short are cut consistently, so that the decoder goes past them.
    for (const r of layout(b).regions) {
      if (r.start <= at && at < r.end && r.field.at + r.field.width <= at && rng.chance(0.75)) {
        writeField(out, r.field, at - r.start);
      }
    }
    return out;
  }],
  ["splice", (b, rng, donor) => {
    const d = donor();
    return Uint8Array.from([...b.subarray(0, pos(b, rng)), ...d.subarray(pos(d, rng))]);
  }],
  ["duplicate-chunk", (b, rng) => {
    const from = pos(b, rng), length = rng.range(1, 24);
    return resize(b, rng, pos(b, rng), 0, b.slice(from, from + length));
  }],
  ["length-field", (b, rng) => {
    const out = b.slice();
    const f = rng.pick(layout(out).lengths);
    const v = readField(out, f);
    const max = f.width === 2 ? 0xffff : 0xff;
    const choices = [0, 1, v - 1, v + 1, v - 8, v + 8, max, rng.int(max + 1), v * 2, v >> 1];
    writeField(out, f, Math.max(0, Math.min(max, rng.pick(choices))));
    return out;
  }],
  ["attribute-flags", (b, rng) => {
    const out = b.slice();
    const attrs = layout(out).attributes;
    if (attrs.length > 0) out[rng.pick(attrs)[0]] ^= rng.pick([0x80, 0x40, 0x20, 0xc0, 0xe0]);
    return out;
  }],
  ["attribute-code", (b, rng) => {
    const out = b.slice();
    const attrs = layout(out).attributes;
    if (attrs.length > 0) {
      out[rng.pick(attrs)[0] + 1] = rng.chance(0.8) ? rng.pick(ATTRIBUTE_CODES) : rng.int(256);
    }
    return out;
  }],
  ["attribute-duplicate", (b, rng) => {
    const l = layout(b);
    if (l.attributes.length === 0) return b;
    const [s, e] = rng.pick(l.attributes);
    const out = splice(b, rng.pick(l.attributes)[rng.int(2)], 0, b.slice(s, e));
    fixTotal(out, l, e - s);
    return out;
  }],
  ["attribute-remove", (b, rng) => {
    const l = layout(b);
    if (l.attributes.length === 0) return b;
    const [s, e] = rng.pick(l.attributes);
    const out = splice(b, s, e - s, new Uint8Array(0));
    fixTotal(out, l, -(e - s));
    return out;
  }],
];

export const MUTATION_NAMES: readonly string[] = MUTATORS.map(([n]) => n);

/** A message of random bytes: a valid marker and a type among the five (or any), random body. */
export function randomMessage(rng: Rng): Uint8Array {
  const body = rng.bytes(rng.chance(0.2) ? rng.int(4096) : rng.int(96));
  const out = new Uint8Array(19 + body.length).fill(0xff, 0, 16);
  out[18] = rng.chance(0.9) ? rng.range(1, 5) : rng.int(256);
  out.set(body, 19);
  return fixHeader(out);
}

/** Sets the header length to the message's real length (when it fits the 2-octet field). */
export function fixHeader(b: Uint8Array): Uint8Array {
  if (b.length >= 19 && b.length <= 0xffff) {
    b[16] = b.length >> 8;
    b[17] = b.length & 0xff;
  }
  return b;
}

/** 1 to 4 stacked mutations of `seed`; the header length is fixed afterwards nine times out of ten. */
export function mutate(
  seed: Uint8Array,
  rng: Rng,
  donor: () => Uint8Array,
): { bytes: Uint8Array; ops: string[] } {
  let b = seed;
  const ops: string[] = [];
  for (let n = rng.range(1, 4); n > 0; n--) {
    const [name, m] = rng.pick(MUTATORS);
    b = m(b, rng, donor);
    ops.push(name);
  }
  if (rng.chance(0.9)) b = fixHeader(b === seed ? b.slice() : b);
  return { bytes: b, ops };
}
