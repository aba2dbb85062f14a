/**
 * Attribute interning: one shared, frozen object per distinct (path attributes, next hop) pair, named by a
 * small integer id, so that a million routes with a handful of distinct attribute sets hold one number each.
 *
 * The canonical key is the attributes' wire encoding (sorted by type code, 4-octet ASNs) as a latin1 string,
 * plus the next hop. Received sets may be named by their bytes as received instead (`internWire`), which
 * saves encoding what was just decoded; such keys never equal a canonical one, so the same attributes
 * received in two encodings are two sets, which costs memory only.
 *
 * Sets are reference counted by their holders (`ref`/`unref`); a set whose count drops to zero is freed at
 * once and its id reused. `intern` alone does not take a reference: a set interned but never
 * referenced is freed by `sweep()`.
 */
import type { Attribute, CodecContext, NextHop } from "../bgp/types.ts";
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

/** Starts every `internWire` key: a char no latin1 byte and no canonical key starts with. */
const WIRE_KEY = "\u0101";

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

export class AttributeStore {
  readonly #byKey = new Map<string, number>();
  readonly #sets: (Entry | undefined)[] = [];
  readonly #free: number[] = [];
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
    const key = bytesToLatin1(encodePathAttributes(own, KEY_CONTEXT)) + "\u0100" + nextHopText(nextHop);
    const id = this.#byKey.get(key) ?? this.#create(key, own, nextHop);
    this.#lastAttrs = attrs;
    this.#lastId = id;
    return id;
  }

  /**
   * `intern` for attributes decoded from `wire`: text that decodes to them alone (adj_rib_in.ts: the bytes
   * as received, MP attributes left out, after a mark of the decoding context).
   */
  internWire(wire: string, attrs: readonly Attribute[], nextHop: NextHop = NO_NEXT_HOP): number {
    const key = WIRE_KEY + wire + "\u0100" + nextHopText(nextHop);
    return this.#byKey.get(key) ?? this.#create(key, ownAttributes(attrs), nextHop);
  }

  #create(key: string, own: Attribute[], nextHop: NextHop): number {
    const id = this.#free.length > 0 ? this.#free.pop()! : this.#sets.length;
    const entry: Entry = { id, attributes: Object.freeze(own), nextHop, key, refs: 0 };
    this.#sets[id] = entry;
    this.#byKey.set(key, id);
    return id;
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
