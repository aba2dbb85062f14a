/**
 * Attribute interning: one shared, frozen object per distinct (path attributes, next hop) pair, named by a
 * small integer id, so that a million routes with a handful of distinct attribute sets hold one number each.
 *
 * The canonical key is the attributes' wire encoding (sorted by type code, 4-octet ASNs) as a latin1 string,
 * plus the next hop. Received sets may be named by their bytes as received instead (`internWire`), which
 * saves encoding what was just decoded; such keys never equal a canonical one, so the same attributes
 * received in two encodings are two sets, which costs memory only. A received set keeps nothing but that
 * key: its attributes are decoded from it again when asked for (`show adj-rib in`), since a full table is
 * mostly distinct sets and their decoded objects were most of the Adj-RIB-In's memory.
 *
 * Sets are reference counted by their holders (`ref`/`unref`); a set whose count drops to zero is freed at
 * once and its id reused. `intern` alone does not take a reference: a set interned but never
 * referenced is freed by `sweep()`.
 */
import type { Attribute, CodecContext, NextHop } from "../bgp/types.ts";
import { decodeAttributes } from "../bgp/attribute/codec.ts";
import { encodePathAttributes } from "../bgp/message/update_builder.ts";

export interface AttributeSet {
  readonly id: number;
  /** Sorted by type code; never NEXT_HOP, MP_REACH or MP_UNREACH (the next hop is `nextHop`). */
  readonly attributes: readonly Attribute[];
  readonly nextHop: NextHop;
  /** The canonical key (wire bytes as latin1 + next hop). */
  readonly key: string;
}

interface Entry extends AttributeSet {
  refs: number;
}

/**
 * Ends the bytes in a canonical key: a char above latin1, so that a canonical key never equals a wire key,
 * which is all latin1 (one octet per char in memory): the decoding context's mark (decimal digits and ":"),
 * the length of the bytes in two chars, the bytes, the next hop.
 */
const BYTES_END = "\u0100";

/** The encoding context of the canonical key: independent of any session. */
const KEY_CONTEXT: CodecContext = { asn4: true, addPath: new Set(), maxMessageSize: 65535 };

export const NO_NEXT_HOP: NextHop = { kind: "none" };

function nextHopText(nh: NextHop): string {
  return nh.kind === "ip" ? nh.address : nh.kind;
}

function sameNextHop(a: NextHop, b: NextHop): boolean {
  return a === b || (a.kind === b.kind && (a.kind !== "ip" || a.address === (b as typeof a).address));
}

/** Bytes as a latin1 string (one char per byte), chunked to stay under argument-count limits. */
export function bytesToLatin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

const byCode = (a: Attribute, b: Attribute) => a.code - b.code;

/** A set's own attributes: sorted by code, without NEXT_HOP, MP_REACH and MP_UNREACH. */
function ownAttributes(attrs: readonly Attribute[]): Attribute[] {
  return attrs.filter((a) => a.code !== 3 && a.code !== 14 && a.code !== 15).sort(byCode);
}

function latin1ToBytes(s: string, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  for (let i = 0; i < out.length; i++) out[i] = s.charCodeAt(from + i);
  return out;
}

/** A received set: its key holds the bytes as received; the attributes are decoded from them on demand. */
class WireEntry implements Entry {
  refs = 0;
  constructor(
    readonly id: number,
    readonly key: string,
    readonly nextHop: NextHop,
    readonly context: CodecContext,
  ) {}

  get attributes(): readonly Attribute[] {
    const k = this.key;
    const at = k.indexOf(":") + 3;
    const bytes = latin1ToBytes(k, at, at + ((k.charCodeAt(at - 2) << 8) | k.charCodeAt(at - 1)));
    return Object.freeze(ownAttributes(decodeAttributes(bytes, this.context).attributes));
  }
}

export class AttributeStore {
  readonly #byKey = new Map<string, number>();
  readonly #sets: (Entry | undefined)[] = [];
  readonly #free: number[] = [];
  /** A mark per decoding context seen: the same bytes decode alike only under the same context. */
  readonly #contexts = new WeakMap<CodecContext, string>();
  #contextCount = 0;
  // One-entry cache: the API's batched form and configuration groups pass the same array for many routes.
  #lastAttrs: readonly Attribute[] | undefined;
  #lastId = -1;

  /** The id of the set (attrs, nextHop), created when new. Does not take a reference (see `ref`). */
  intern(attrs: readonly Attribute[], nextHop: NextHop = NO_NEXT_HOP): number {
    if (attrs === this.#lastAttrs) {
      const e = this.#sets[this.#lastId];
      if (e !== undefined && sameNextHop(e.nextHop, nextHop)) {
        return this.#lastId;
      }
    }
    const own = ownAttributes(attrs);
    const key = bytesToLatin1(encodePathAttributes(own, KEY_CONTEXT)) + BYTES_END + nextHopText(nextHop);
    const id = this.#byKey.get(key) ?? this.#create(key, own, nextHop);
    this.#lastAttrs = attrs;
    this.#lastId = id;
    return id;
  }

  /**
   * `intern` for attributes received as `parts` (the bytes of the attributes an UPDATE's routes share,
   * lib/bgp/message/update_wire.ts) and decoded under `context`; the set keeps only those bytes.
   */
  internWire(parts: readonly Uint8Array[], context: CodecContext, nextHop: NextHop = NO_NEXT_HOP): number {
    let mark = this.#contexts.get(context);
    if (mark === undefined) this.#contexts.set(context, mark = `${this.#contextCount++}:`);
    let length = 0;
    for (const p of parts) length += p.length;
    let key = mark + String.fromCharCode(length >>> 8, length & 0xff);
    for (const p of parts) key += bytesToLatin1(p);
    key += nextHopText(nextHop);
    const found = this.#byKey.get(key);
    if (found !== undefined) return found;
    const id = this.#newId();
    this.#add(new WireEntry(id, key, nextHop, context));
    return id;
  }

  #create(key: string, own: Attribute[], nextHop: NextHop): number {
    const id = this.#newId();
    this.#add({ id, attributes: Object.freeze(own), nextHop, key, refs: 0 });
    return id;
  }

  #newId(): number {
    return this.#free.length > 0 ? this.#free.pop()! : this.#sets.length;
  }

  #add(entry: Entry): void {
    this.#sets[entry.id] = entry;
    this.#byKey.set(entry.key, entry.id);
  }

  /** The set named `id`; throws when it was freed (a holder forgot its reference). */
  get(id: number): AttributeSet {
    const e = this.#sets[id];
    if (e === undefined) throw new Error(`attribute set ${id} is not interned`);
    return e;
  }

  ref(id: number): void {
    this.#entry(id).refs++;
  }

  /** Drops one reference; the set is freed when none is left. */
  unref(id: number): void {
    const e = this.#entry(id);
    if (--e.refs <= 0) this.#release(e);
  }

  refs(id: number): number {
    return this.#sets[id]?.refs ?? 0;
  }

  /** Frees every set nobody references (interned and never stored). Returns how many were freed. */
  sweep(): number {
    let n = 0;
    for (const e of this.#sets) {
      if (e !== undefined && e.refs <= 0) {
        this.#release(e);
        n++;
      }
    }
    return n;
  }

  /** Number of live sets. */
  get size(): number {
    return this.#byKey.size;
  }

  #entry(id: number): Entry {
    const e = this.#sets[id];
    if (e === undefined) throw new Error(`attribute set ${id} is not interned`);
    return e;
  }

  #release(e: Entry): void {
    this.#sets[e.id] = undefined;
    this.#byKey.delete(e.key);
    this.#free.push(e.id);
    if (this.#lastId === e.id) this.#lastAttrs = undefined;
  }
}
