/**
 * Adj-RIB-In of one peer (RFC 4271 §3.2): what the peer announced, per family a Map from the NLRI key to an
 * interned attribute-set id. A withdraw removes the entry; RFC 7606 §2 "treat-as-withdraw" withdraws every
 * NLRI of the message, the announced ones included. Labeled routes are keyed without their labels (nlri_key.ts),
 * so a withdraw carrying 0x800000 (RFC 8277 §2.4) or another label removes the route; the stack is kept beside.
 *
 * Given the message as received, an attribute set is named by its bytes (update_wire.ts) rather than by
 * encoding the decoded attributes again: a full table is mostly distinct sets, each met once.
 */
import type { FamilyKey } from "../bgp/family.ts";
import type { Attribute, CodecContext, NextHop, Nlri, Route, UpdateMessage } from "../bgp/types.ts";
import { sharedAttributeBytes } from "../bgp/message/update_wire.ts";
import { AttributeStore, bytesToLatin1, NO_NEXT_HOP } from "./attribute_store.ts";
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
  /** A number per decoding context seen: the same bytes decode alike only under the same context. */
  readonly #contexts = new WeakMap<CodecContext, string>();
  #contextCount = 0;

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
    const wire = received && announces ? this.#wireName(received) : undefined;
    const intern = (nh: NextHop) =>
      wire === undefined
        ? this.store.intern(update.attributes, nh)
        : this.store.internWire(wire, update.attributes, nh);
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
    for (const family of families ?? [...this.#routes.keys()]) {
      for (const [key, id] of this.#routes.get(family) ?? []) {
        const set = this.store.get(id);
        yield {
          nlri: nlriFromKey(key, this.#labels.get(key)),
          nextHop: set.nextHop,
          attributes: set.attributes,
        };
      }
    }
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

  /** The bytes that decode to the message's shared attributes, after a mark of the context they need. */
  #wireName(received: ReceivedUpdate): string | undefined {
    const parts = sharedAttributeBytes(received.body);
    if (parts === undefined) return undefined;
    let name = this.#contexts.get(received.context);
    if (name === undefined) {
      // "\u0102" ends the mark: latin1 text never holds it.
      name = `${this.#contextCount++}\u0102`;
      this.#contexts.set(received.context, name);
    }
    for (const p of parts) name += bytesToLatin1(p);
    return name;
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
