/**
 * Adj-RIB-In of one peer (RFC 4271 §3.2): what the peer announced, per family a Map from the NLRI key to an
 * interned attribute-set id. A withdraw removes the entry; RFC 7606 §2 "treat-as-withdraw" withdraws every
 * NLRI of the message, the announced ones included. Labeled routes are keyed without their labels (nlri_key.ts),
 * so a withdraw carrying 0x800000 (RFC 8277 §2.4) or another label removes the route; the stack is kept beside.
 *
 * Given the message as received, an attribute set is named by its bytes (update_wire.ts) rather than by
 * encoding the decoded attributes again, and keeps only them (attribute_store.ts): a full table is mostly
 * distinct sets, each met once.
 */
import type { FamilyKey } from "../bgp/family.ts";
import type { Attribute, CodecContext, NextHop, Nlri, Route, UpdateMessage } from "../bgp/types.ts";
import { sharedAttributeBytes } from "../bgp/message/update_wire.ts";
import { AttributeStore, NO_NEXT_HOP } from "./attribute_store.ts";
import { nlriFromKey, routeKey, routeLabels } from "./nlri_key.ts";

/** The received form of an UPDATE: its body, and the context it was decoded with (one per session). */
export interface ReceivedUpdate {
  readonly body: Uint8Array;
  readonly context: CodecContext;
}

export class AdjRibIn {
  readonly store: AttributeStore;
  readonly #routes = new Map<FamilyKey, Map<string, number>>();
  /** The label stack of every labeled route, by key. */
  readonly #labels = new Map<string, string>();

  constructor(store: AttributeStore = new AttributeStore()) {
    this.store = store;
  }

  /** Applies one received UPDATE; `received`: the same as received (its attribute bytes name its set). */
  apply(update: UpdateMessage, received?: ReceivedUpdate): void {
    const treatAsWithdraw = update.malformed?.some((m) => m.action === "treat-as-withdraw") === true;
    let nextHop: NextHop = NO_NEXT_HOP;
    const reach: Attribute[] = [];
    for (const a of update.attributes) {
      if (a.kind === "mp-unreach") this.#withdrawAll(a.nlri);
      else if (a.kind === "mp-reach") reach.push(a);
      else if (a.kind === "next-hop") nextHop = { kind: "ip", address: a.address };
    }
    this.#withdrawAll(update.withdrawn);
    if (treatAsWithdraw) {
      this.#withdrawAll(update.announced);
      for (const a of reach) if (a.kind === "mp-reach") this.#withdrawAll(a.nlri);
      return;
    }
    const announces = update.announced.length > 0 || reach.length > 0;
    const wire = received && announces ? sharedAttributeBytes(received.body) : undefined;
    const intern = (nh: NextHop) =>
      wire === undefined
        ? this.store.intern(update.attributes, nh)
        : this.store.internWire(wire, received!.context, nh);
    if (update.announced.length > 0) {
      const id = intern(nextHop);
      for (const n of update.announced) this.#set(n, id);
    }
    for (const a of reach) {
      if (a.kind !== "mp-reach") continue;
      const id = intern(a.nextHops.length > 0 ? { kind: "ip", address: a.nextHops[0] } : NO_NEXT_HOP);
      for (const n of a.nlri) this.#set(n, id);
    }
  }

  /** `clear adj-rib in`, and every session start. */
  clear(): void {
    for (const m of this.#routes.values()) for (const id of m.values()) this.store.unref(id);
    this.#routes.clear();
    this.#labels.clear();
  }

  *routes(families?: Iterable<FamilyKey>): Iterable<Route> {
    // A received set decodes its attributes when asked: once per set and listing, not once per route.
    const decoded = new Map<number, readonly Attribute[]>();
    for (const family of families ?? [...this.#routes.keys()]) {
      for (const [key, id] of this.#routes.get(family) ?? []) {
        const set = this.store.get(id);
        let attributes = decoded.get(id);
        if (attributes === undefined) decoded.set(id, attributes = set.attributes);
        yield { nlri: nlriFromKey(key, this.#labels.get(key)), nextHop: set.nextHop, attributes };
      }
    }
  }

  /** The RIB key (nlri_key.ts `routeKey`) of every route of `families`: no attribute is decoded. */
  *keys(families?: Iterable<FamilyKey>): Iterable<[FamilyKey, string]> {
    for (const family of families ?? [...this.#routes.keys()]) {
      for (const key of this.#routes.get(family)?.keys() ?? []) yield [family, key];
    }
  }

  /** The NLRI of a route by its key, its labels included. */
  nlriOf(key: string): Nlri {
    return nlriFromKey(key, this.#labels.get(key));
  }

  get size(): number {
    let n = 0;
    for (const m of this.#routes.values()) n += m.size;
    return n;
  }

  /** Routes of one family (maximum-prefix counts them after every UPDATE). */
  sizeOf(family: FamilyKey): number {
    return this.#routes.get(family)?.size ?? 0;
  }

  #set(n: Nlri, id: number): void {
    let m = this.#routes.get(n.family);
    if (m === undefined) this.#routes.set(n.family, m = new Map());
    const key = routeKey(n);
    const labels = routeLabels(n);
    const prev = m.get(key);
    if (prev === id && this.#labels.get(key) === labels) return;
    if (labels !== undefined) this.#labels.set(key, labels);
    this.store.ref(id);
    m.set(key, id);
    if (prev !== undefined) this.store.unref(prev);
  }

  #withdrawAll(nlri: readonly Nlri[]): void {
    for (const n of nlri) {
      const m = this.#routes.get(n.family);
      const key = routeKey(n);
      const prev = m?.get(key);
      if (prev === undefined) continue;
      m!.delete(key);
      this.#labels.delete(key);
      this.store.unref(prev);
    }
  }
}
