/**
 * Adj-RIB-Out of one peer, with ExaBGP 5.0 semantics (exabgp-behaviour §1.6):
 * - the cache is what the peer *will* have: updated at once by announce/withdraw, shown by `show adj-rib out`;
 * - an announce identical to the cached route is ignored; a withdraw removes a pending announce of the same
 *   NLRI and is queued anyway (api-fast);
 * - `next()` snapshots and clears the pending state, then emits BoRR / re-sent routes / EoRR, withdraws, then
 *   announces grouped by attribute set and family;
 * - a session's initial table is the cache at the moment the session starts (Established): what the API
 *   changes after that goes in later flushes, never into the initial table, however soon the writer pulls;
 * - no IPv4 unicast withdrawal (the Withdrawn Routes field) goes out until a flush has carried something, as
 *   ExaBGP's `include_withdraw`: the peer has nothing to withdraw yet (api-rib, api-fast — End-of-RIB goes
 *   first, then a burst without its withdraws); MP_UNREACH withdraws are not held back (api-flow).
 *
 * Storage is compact: per family one Map from the NLRI key string to an interned attribute-set id (with a
 * pending marker, see KeyMap), plus an array of the pending keys in announce order. No second map per pending
 * route: a million-route burst costs one Map insert and one array push per route.
 *
 * `clear adj-rib out` withdraws what the peer has or is being sent; an announce still pending is cancelled
 * without a withdraw when no earlier version of the route went out. That keeps api-rib's "announce X; clear"
 * batch off the wire whether or not the session already made its first flush.
 *
 * Labeled routes (nlri-mpls, mpls-vpn) are keyed without their label stack (nlri_key.ts), which is kept
 * beside the key: a withdraw without `label` removes the route announced with one. A withdraw goes out with
 * the labels of the route it names — the withdraw command's (api-vpnv4 withdraws with label 1000), or the
 * cached route's for `clear adj-rib out` — and with 0x800000 when that route names none (RFC 8277 §2.4).
 */
import type { FamilyKey } from "../bgp/family.ts";
import { IPV4_UNICAST } from "../bgp/family.ts";
import { isMvpnFamily } from "../bgp/nlri/mvpn.ts";
import type { CodecContext, NextHop, Nlri, Route } from "../bgp/types.ts";
import { AttrCode, MessageType } from "../bgp/types.ts";
import { type AttributeSet, AttributeStore } from "./attribute_store.ts";
import { isLabeledFamily, nlriFromKey, routeKey, routeLabels, wireKey, WITHDRAW_LABELS } from "./nlri_key.ts";
import { type OutgoingSet, outgoingSet, type PeerView } from "./outgoing_attributes.ts";
import type { Outbound } from "../session/outbound.ts";
import { mpUnreachHeader } from "../bgp/attribute/mp.ts";
import { encodeEor } from "../bgp/message/eor.ts";
import { frame } from "../bgp/message/header.ts";
import { isFlowFamily } from "../bgp/nlri/flow.ts";
import { L2VPN_VPLS } from "../bgp/nlri/vpls.ts";
import {
  packIpv4Announce,
  packIpv4Withdraw,
  type PackLimits,
  packMp,
  refreshMessage,
} from "./update_packer.ts";

/**
 * What the RIB needs from the session once it is established: a subset of `Negotiated`
 * (lib/bgp/capability/negotiated.ts), which is passed as is, plus the socket's local address when known.
 */
export interface RibNegotiated {
  /** The session's real ASNs (RFC 6793); the constructor's when absent. */
  readonly localAs?: number;
  readonly peerAs?: number;
  /** Families both sides announced (multiprotocol capability, or IPv4 unicast by default). */
  readonly families: Iterable<FamilyKey>;
  readonly asn4: boolean;
  /** Families for which we send path identifiers (RFC 7911). */
  readonly addPathSend: ReadonlySet<FamilyKey>;
  /** 4096, or 65535 with extended message (RFC 8654). */
  readonly maxMessageSize: number;
  /** Families whose NLRI may carry a next hop of the other address family (RFC 8950). */
  readonly extendedNextHop?: ReadonlySet<FamilyKey>;
  /** The session's local address (for `next-hop self`), when it differs from the configured one. */
  readonly localAddress?: string;
}

export interface AdjRibOutOptions {
  readonly localAs: number;
  readonly peerAs: number;
  /** `local-address`: resolves `next-hop self` when routes are announced (so "self" equals that address). */
  readonly localAddress?: string;
  /** `group-updates` (default true): IPv4 unicast routes sharing attributes share UPDATEs. */
  readonly groupUpdates?: boolean;
  /** Pack other families (IPv6 included) many NLRI per UPDATE too. Off: ExaBGP-identical, one per UPDATE. */
  readonly packAllFamilies?: boolean;
  /** `manual-eor`: no End-of-RIB after the initial table (the API sends it). */
  readonly manualEor?: boolean;
  /** Shared between peers to intern each attribute set once. */
  readonly store?: AttributeStore;
}

/**
 * NLRI key → value: the attribute-set id (>= 0) once handed to the session (or while it is down), or, while
 * an announce is pending, ~(id * 2 + sentBefore) (< 0), where sentBefore says an earlier version of the route
 * was handed to the session (so that clearing it needs a withdraw).
 */
type KeyMap = Map<string, number>;
const settled = (v: number) => (v < 0 ? (~v) >>> 1 : v);
const pendingValue = (id: number, sentBefore: boolean) => ~(id * 2 + (sentBefore ? 1 : 0));
const wasSent = (v: number) => v >= 0 || ((~v) & 1) === 1;

/**
 * Withdraws of one family: NLRI key → the attribute-set id they carry (a reference held), or BARE. ExaBGP sends
 * the withdraw's attributes along for families other than unicast and multicast (api-flow, api-vpnv4).
 */
type WithdrawMap = Map<string, number>;
const BARE = -1;
/** RFC 4760 §4: unicast and multicast withdraws carry no path attribute. */
const isBareFamily = (family: FamilyKey) => (family & 0xff) === 1 || (family & 0xff) === 2;

/**
 * Families of which ExaBGP sends every configured route, even one replaced by a later route of the same NLRI:
 * FlowSpec (conf-flow-redirect, api-flow-merge) and VPLS (conf-l2vpn: rd 192.168.201.1:123 twice). The first
 * session's flush sends the replaced routes too (`#shadowed`); the cache, so every later session, keeps the last.
 */
const sendsEveryConfigured = (family: FamilyKey) => isFlowFamily(family) || family === L2VPN_VPLS;

/** Routes of one attribute set (none for bare withdraws) and one family, ready to pack. */
interface Bucket {
  readonly set: AttributeSet | undefined;
  readonly family: FamilyKey;
  readonly keys: string[];
}

interface Snapshot {
  readonly bor: FamilyKey[];
  readonly refreshed: Bucket[];
  readonly withdraws: Bucket[];
  readonly announces: Bucket[];
  readonly eor: FamilyKey[];
  /** Attribute sets of withdraws of NLRI the RIB never had (see `withdraw`). */
  readonly unknownWithdraws?: Bucket[];
}

interface WatchdogEntry {
  route: Route;
  withdrawn: boolean;
}

const NO_ATTRIBUTES = new Uint8Array(0);

/** Messages per step of a flush: bounds how far one `next()` overshoots its byte budget. */
const STEP = 16;

function mapOf<K, V>(outer: Map<K, V>, key: K, make: () => V): V {
  let v = outer.get(key);
  if (v === undefined) outer.set(key, v = make());
  return v;
}

/** Groups (key → attribute-set id) entries by set then family, in first-seen order. */
class Grouper {
  readonly #byId = new Map<number, Map<FamilyKey, string[]>>();
  #lastId = -1;
  #lastFamily = -1;
  #last: string[] = [];

  add(family: FamilyKey, key: string, id: number): void {
    if (id !== this.#lastId || family !== this.#lastFamily) {
      this.#last = mapOf(mapOf(this.#byId, id, () => new Map<FamilyKey, string[]>()), family, () => []);
      this.#lastId = id;
      this.#lastFamily = family;
    }
    this.#last.push(key);
  }

  buckets(store: AttributeStore): Bucket[] {
    const out: Bucket[] = [];
    for (const [id, families] of this.#byId) {
      const set = id === BARE ? undefined : store.get(id);
      for (const [family, keys] of families) out.push({ set, family, keys });
    }
    return out;
  }
}

export class AdjRibOut implements Outbound {
  readonly store: AttributeStore;
  readonly #options: AdjRibOutOptions;
  readonly #self: NextHop | undefined;
  readonly #cache = new Map<FamilyKey, KeyMap>();
  /** The label stack of every cached labeled route, by key. */
  readonly #labels = new Map<string, string>();
  /** The label stack each pending withdraw of a labeled route names, by key; absent: none named. */
  #withdrawLabels = new Map<string, string>();
  /** Keys whose cache value is pending (< 0), in announce order; stale or repeated keys are skipped. */
  #pendingAnnounce = new Map<FamilyKey, string[]>();
  #pendingWithdraw = new Map<FamilyKey, WithdrawMap>();
  #refresh = new Set<FamilyKey>();
  #enhanced = new Set<FamilyKey>();
  #started = false;
  /** No IPv4 unicast withdrawal is sent: nothing has gone to the peer in this session yet (see the header). */
  #quiet = false;
  #families = new Set<FamilyKey>();
  #peer: PeerView;
  #ctx: CodecContext = { asn4: true, addPath: new Set(), maxMessageSize: 4096 };
  #draining: Iterator<Uint8Array[]> | undefined;
  #wake: () => void = () => {};
  /** wake() was called since the last next(): called once, not once per route of a burst. */
  #woken = false;
  readonly #watchdogs = new Map<string, Map<string, WatchdogEntry>>();
  /**
   * Routes announced before the first session and then replaced by one of the same NLRI, in the families of
   * `sendsEveryConfigured` (family, key, attribute-set id, a reference held): the first flush sends them too.
   */
  #shadowed: [FamilyKey, string, number][] = [];
  /** Until the first session starts: what is announced until then is the configuration. */
  #beforeFirstSession = true;
  /** Withdraws of NLRI neither cached nor pending, by family: their attribute-set ids (references held). */
  #unknownWithdraws: [FamilyKey, string, number][] = [];

  constructor(options: AdjRibOutOptions) {
    this.#options = options;
    this.store = options.store ?? new AttributeStore();
    this.#self = options.localAddress === undefined
      ? undefined
      : { kind: "ip", address: options.localAddress };
    this.#peer = { localAs: options.localAs, peerAs: options.peerAs, localAddress: options.localAddress };
  }

  // ---- API side -------------------------------------------------------------------------------------------

  /**
   * Queues `route`; false when it is identical to the cached route (ignored) or starts withdrawn (`withdraw`
   * in the configuration, normally with `watchdog NAME`: `announceWatchdog(NAME)` announces it later).
   */
  announce(route: Route): boolean {
    if (route.watchdog !== undefined) {
      const entry = { route, withdrawn: route.withdrawn === true };
      mapOf(this.#watchdogs, route.watchdog, () => new Map()).set(routeKey(route.nlri), entry);
    }
    if (route.withdrawn === true) return false;
    return this.#announce(route);
  }

  /**
   * Removes the NLRI from the cache and from the pending announces, and queues a withdraw even when it was
   * never sent (ExaBGP 5.0; api-fast). Returns whether the route was cached.
   */
  withdraw(target: Nlri | Route): boolean {
    const route = "nlri" in target ? target : undefined;
    const nlri = route?.nlri ?? (target as Nlri);
    const key = routeKey(nlri);
    const family = nlri.family;
    const cache = this.#cache.get(family);
    const prev = cache?.get(key);
    // Deleting the entry also cancels a pending announce: its key in the pending list is skipped.
    if (prev !== undefined) {
      cache!.delete(key);
      this.#labels.delete(key);
    }
    if (this.#started) {
      this.#nameWithdrawLabels(key, routeLabels(nlri));
      // The withdraw carries the command's attributes, else the cached route's (non-bare families only).
      let id = BARE;
      if (!isBareFamily(family)) {
        if (route !== undefined) this.store.ref(id = this.#intern(route));
        else if (prev !== undefined) this.store.ref(id = settled(prev));
      }
      // ExaBGP 5.0 answers the withdraw of a FlowSpec NLRI it never had with an UPDATE carrying the path
      // attributes and no NLRI (api-flow).
      if (prev === undefined && id !== BARE && isFlowFamily(family)) {
        this.#unknownWithdraws.push([family, key, id]);
      } else this.#queueWithdraw(family, key, id);
      this.#signal();
    }
    if (prev !== undefined) this.store.unref(settled(prev));
    return prev !== undefined;
  }

  /**
   * `clear adj-rib out`: every cached route goes, pending ones included; a withdraw is queued for each route
   * the peer has or is being sent (a pending announce of a route never sent is just cancelled).
   */
  clear(families?: Iterable<FamilyKey>): void {
    for (const family of families ?? [...this.#cache.keys()]) {
      const cache = this.#cache.get(family);
      if (cache === undefined) continue;
      const bare = isBareFamily(family);
      for (const [key, v] of cache) {
        const id = settled(v);
        // The cache's reference moves to the queued withdraw when it carries the attributes.
        if (this.#started && wasSent(v)) {
          this.#queueWithdraw(family, key, bare ? BARE : id);
          this.#nameWithdrawLabels(key, this.#labels.get(key));
        }
        if (!this.#started || !wasSent(v) || bare) this.store.unref(id);
        this.#labels.delete(key);
      }
      cache.clear();
      this.#pendingAnnounce.delete(family);
    }
    if (this.#started) this.#signal();
  }

  /**
   * `flush adj-rib out` or a received ROUTE-REFRESH: every cached route of `families` (default: all
   * negotiated) again, between BoRR and EoRR (RFC 7313 §4) when `enhanced`. Nothing to do before the session
   * is up: its start sends everything.
   */
  resend(families: Iterable<FamilyKey> | undefined, enhanced: boolean): void {
    if (!this.#started) return;
    for (const family of families ?? this.#families) {
      if (!this.#families.has(family)) continue;
      this.#refresh.add(family);
      if (enhanced) this.#enhanced.add(family);
    }
    this.#signal();
  }

  /** Drops everything (cache, pending work, watchdogs) without sending anything. */
  forget(): void {
    this.#releaseList(this.#shadowed);
    for (const cache of this.#cache.values()) for (const v of cache.values()) this.store.unref(settled(v));
    this.#cache.clear();
    this.#labels.clear();
    this.#resetPending();
    this.#draining = undefined;
    this.#watchdogs.clear();
  }

  /** `announce watchdog NAME`: announces the routes of the group that are withdrawn. */
  announceWatchdog(name: string): void {
    for (const entry of this.#watchdogs.get(name)?.values() ?? []) {
      if (!entry.withdrawn) continue;
      entry.withdrawn = false;
      this.#announce(entry.route);
    }
  }

  /** `withdraw watchdog NAME`: withdraws the announced routes of the group; they stay known. */
  withdrawWatchdog(name: string): void {
    for (const entry of this.#watchdogs.get(name)?.values() ?? []) {
      if (entry.withdrawn) continue;
      entry.withdrawn = true;
      this.withdraw(entry.route.nlri);
    }
  }

  /** The intended state (cache), pending routes included: `show adj-rib out`. */
  *routes(families?: Iterable<FamilyKey>): Iterable<Route> {
    for (const family of families ?? [...this.#cache.keys()]) {
      for (const [key, v] of this.#cache.get(family) ?? []) {
        const set = this.store.get(settled(v));
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
    for (const cache of this.#cache.values()) n += cache.size;
    return n;
  }

  /** Anything left to send (pending changes or a flush in progress). */
  get pending(): boolean {
    if (!this.#started) return false;
    if (this.#draining !== undefined || this.#refresh.size > 0) return true;
    for (const list of this.#pendingAnnounce.values()) if (list.length > 0) return true;
    for (const m of this.#pendingWithdraw.values()) if (m.size > 0) return true;
    return this.#unknownWithdraws.length > 0;
  }

  // ---- session side (Outbound) ----------------------------------------------------------------------------

  start(negotiated: RibNegotiated): void {
    this.#families = new Set(negotiated.families);
    this.#ctx = {
      asn4: negotiated.asn4,
      addPath: negotiated.addPathSend,
      maxMessageSize: negotiated.maxMessageSize,
    };
    this.#peer = {
      localAs: negotiated.localAs ?? this.#options.localAs,
      peerAs: negotiated.peerAs ?? this.#options.peerAs,
      localAddress: this.#options.localAddress ?? negotiated.localAddress,
      extendedNextHop: negotiated.extendedNextHop,
    };
    this.#started = true;
    this.#beforeFirstSession = false;
    this.#woken = false;
    // Taken now, not when the writer first pulls: a command that lands in between is a later flush.
    this.#draining = this.#plan(this.#initialSnapshot());
    this.#signal();
  }

  stop(): void {
    this.#started = false;
    this.#quiet = false;
    this.#draining = undefined;
    this.#resetPending();
  }

  setWake(wake: () => void): void {
    this.#wake = wake;
  }

  /** The next messages, about `budget` bytes (at least one message when anything is pending). */
  next(budget: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.#woken = false;
    if (!this.#started) return out;
    let bytes = 0;
    while (bytes < budget || out.length === 0) {
      if (this.#draining === undefined) {
        if (!this.pending) break;
        this.#draining = this.#plan(this.#snapshot());
      }
      const step = this.#draining.next();
      if (step.done) {
        this.#draining = undefined;
        continue;
      }
      for (const m of step.value) {
        out.push(m);
        bytes += m.length;
      }
    }
    return out;
  }

  // ---- internals ------------------------------------------------------------------------------------------

  #announce(route: Route): boolean {
    const family = route.nlri.family;
    const key = routeKey(route.nlri);
    const labels = routeLabels(route.nlri);
    const id = this.#intern(route);
    const cache = mapOf(this.#cache, family, () => new Map());
    const prev = cache.get(key);
    if (prev !== undefined && settled(prev) === id && this.#labels.get(key) === labels) return false;
    if (labels !== undefined) this.#labels.set(key, labels);
    this.store.ref(id);
    if (this.#started) {
      cache.set(key, pendingValue(id, prev !== undefined && wasSent(prev)));
      // Already pending (< 0): its key is in the pending list; otherwise it joins the list.
      if (prev === undefined || prev >= 0) mapOf(this.#pendingAnnounce, family, () => []).push(key);
      this.#signal();
    } else {
      // While down nothing is pending: the session's start sends the whole cache.
      cache.set(key, id);
      if (prev !== undefined && this.#beforeFirstSession && sendsEveryConfigured(family)) {
        this.#shadowed.push([family, key, settled(prev)]); // the reference moves to the list
        return true;
      }
    }
    if (prev !== undefined) this.store.unref(settled(prev));
    return true;
  }

  #signal(): void {
    if (this.#woken) return;
    this.#woken = true;
    this.#wake();
  }

  #intern(route: Route): number {
    // `self` is resolved now, so that "next-hop self" and the same explicit address are one route (api-nexthop-self).
    const nextHop = route.nextHop.kind === "self" && this.#self !== undefined ? this.#self : route.nextHop;
    return this.store.intern(route.attributes, nextHop);
  }

  /** Queues a withdraw holding a reference to `id` (unless BARE); a repeat replaces the earlier one. */
  #queueWithdraw(family: FamilyKey, key: string, id: number): void {
    const m = mapOf(this.#pendingWithdraw, family, () => new Map());
    const old = m.get(key);
    m.set(key, id);
    if (old !== undefined && old !== BARE) this.store.unref(old);
  }

  /** Records the labels a queued withdraw of a labeled route names (undefined: not labeled; "": none). */
  #nameWithdrawLabels(key: string, labels: string | undefined): void {
    if (labels) this.#withdrawLabels.set(key, labels);
    else if (labels !== undefined) this.#withdrawLabels.delete(key);
  }

  /** The key `key` of `family` is sent as: labeled routes with their label stack put back. */
  #wire(family: FamilyKey, key: string): string {
    return isLabeledFamily(family) ? wireKey(key, this.#labels.get(key) ?? "") : key;
  }

  /**
   * The pending withdraws by family and attribute set, as sent (`labels`: what each withdraw of a labeled
   * route names); their references are released (buckets hold the sets).
   */
  #groupWithdraws(withdraws: Map<FamilyKey, WithdrawMap>, labels: Map<string, string>): Bucket[] {
    const g = new Grouper();
    for (const [family, m] of withdraws) {
      const labeled = isLabeledFamily(family);
      for (const [key, id] of m) {
        g.add(family, labeled ? wireKey(key, labels.get(key) ?? WITHDRAW_LABELS) : key, id);
      }
    }
    const buckets = g.buckets(this.store);
    this.#release(withdraws);
    return buckets;
  }

  #release(withdraws: Map<FamilyKey, WithdrawMap>): void {
    for (const m of withdraws.values()) for (const id of m.values()) if (id !== BARE) this.store.unref(id);
  }

  /** Buckets of (family, key, id) entries, then their references released (the buckets hold the sets). */
  #takeList(list: [FamilyKey, string, number][]): Bucket[] {
    const g = new Grouper();
    for (const [family, key, id] of list) if (this.#families.has(family)) g.add(family, key, id);
    const buckets = g.buckets(this.store);
    this.#releaseList(list);
    return buckets;
  }

  #releaseList(list: [FamilyKey, string, number][]): void {
    for (const [, , id] of list) this.store.unref(id);
    list.length = 0;
  }

  #resetPending(): void {
    this.#releaseList(this.#unknownWithdraws);
    this.#release(this.#pendingWithdraw);
    this.#pendingAnnounce = new Map();
    this.#pendingWithdraw = new Map();
    this.#withdrawLabels = new Map();
    this.#refresh = new Set();
    this.#enhanced = new Set();
  }

  /**
   * The whole cache of `families` by attribute set, pending markers settled (this flush sends them), except
   * the routes `later` names: those stay pending for the announce pass.
   */
  #groupCache(families: Iterable<FamilyKey>, later?: Map<FamilyKey, WithdrawMap>): Bucket[] {
    const g = new Grouper();
    for (const family of families) {
      const cache = this.#cache.get(family);
      if (cache === undefined) continue;
      const keep = later?.get(family);
      for (const [key, v] of cache) {
        if (keep?.has(key)) continue;
        const id = settled(v);
        if (v < 0) cache.set(key, id);
        g.add(family, this.#wire(family, key), id);
      }
    }
    return g.buckets(this.store);
  }

  /** The pending announces by attribute set, settling each (routes already settled by a refresh are skipped). */
  #groupPending(pending: Map<FamilyKey, string[]>): Bucket[] {
    const g = new Grouper();
    for (const [family, keys] of pending) {
      const cache = this.#cache.get(family);
      if (cache === undefined) continue;
      const sendable = this.#families.has(family);
      for (const key of keys) {
        const v = cache.get(key);
        if (v === undefined || v >= 0) continue; // withdrawn since, a repeat, or re-sent by the refresh
        const id = settled(v);
        cache.set(key, id);
        if (sendable) g.add(family, this.#wire(family, key), id);
      }
    }
    return g.buckets(this.store);
  }

  /** The session's initial table: the whole cache, then End-of-RIB; no withdrawal. */
  #initialSnapshot(): Snapshot {
    this.#resetPending();
    const eor = this.#options.manualEor ? [] : [...this.#families];
    // Every family, negotiated or not, so that no pending marker survives into this session.
    const announces = this.#groupCache(this.#cache.keys()).filter((b) => this.#families.has(b.family));
    // Replaced configured flow routes go first, once: later sessions send the cache only.
    const shadowed = this.#takeList(this.#shadowed);
    this.#quiet = announces.length === 0 && shadowed.length === 0;
    return { bor: [], refreshed: [], withdraws: [], announces: [...shadowed, ...announces], eor };
  }

  /** Takes the pending state atomically; later changes go into fresh structures. */
  #snapshot(): Snapshot {
    const refresh = this.#refresh, withdrawn = this.#pendingWithdraw, pending = this.#pendingAnnounce;
    const withdrawLabels = this.#withdrawLabels;
    const bor = [...this.#enhanced];
    const unknownWithdraws = this.#takeList(this.#unknownWithdraws);
    this.#pendingWithdraw = new Map(); // taken: not released by the reset below
    this.#resetPending();
    if (this.#quiet) {
      // ExaBGP's include_withdraw gates only the Withdrawn Routes field: IPv4 unicast (api-fast); MP_UNREACH
      // withdraws go out (api-flow). The peer has none of these routes: dropping the withdraws is safe.
      this.#quiet = false;
      withdrawn.delete(IPV4_UNICAST); // bare withdraws: no reference to release
    }
    // The refresh re-sends the cache, but a route withdrawn in this batch and announced again must follow its
    // withdraw: it is left to the announce pass.
    const refreshed = this.#groupCache(refresh, withdrawn);
    const announces = this.#groupPending(pending);
    const withdraws = this.#groupWithdraws(withdrawn, withdrawLabels);
    return { bor, refreshed, withdraws, announces, eor: [], unknownWithdraws };
  }

  #limits(family: FamilyKey): PackLimits {
    // ExaBGP groups mcast-vpn NLRI like IPv4 unicast ones (encoding/conf-mvpn.msg).
    const packed = family === IPV4_UNICAST || isMvpnFamily(family)
      ? this.#options.groupUpdates !== false
      : this.#options.packAllFamilies === true;
    return {
      maxSize: this.#ctx.maxMessageSize,
      perMessage: packed ? Infinity : 1,
      addPath: this.#ctx.addPath.has(family),
    };
  }

  *#packBuckets(buckets: Bucket[]): Generator<Uint8Array[]> {
    for (const { set, family, keys } of buckets) {
      const out: OutgoingSet | undefined = set &&
        outgoingSet(set.attributes, set.nextHop, family, this.#peer, this.#ctx);
      if (out === undefined) continue; // cannot be sent to this peer (see outgoingSet)
      const lim = this.#limits(family);
      for (let i = 0; i < keys.length;) {
        const msgs: Uint8Array[] = [];
        i = out.mpReach === undefined
          ? packIpv4Announce(keys, i, STEP, lim, msgs, out.attributes)
          : packMp(keys, i, STEP, lim, msgs, AttrCode.MP_REACH_NLRI, out.attributes, out.mpReach);
        yield msgs;
      }
    }
  }

  *#packWithdraws(buckets: Bucket[]): Generator<Uint8Array[]> {
    for (const { set, family, keys } of buckets) {
      if (!this.#families.has(family)) continue;
      const attrs = set === undefined
        ? NO_ATTRIBUTES
        : outgoingSet(set.attributes, set.nextHop, family, this.#peer, this.#ctx)?.attributes ??
          NO_ATTRIBUTES;
      const header = mpUnreachHeader(family);
      const lim = this.#limits(family);
      for (let i = 0; i < keys.length;) {
        const msgs: Uint8Array[] = [];
        i = family === IPV4_UNICAST
          ? packIpv4Withdraw(keys, i, STEP, lim, msgs)
          : packMp(keys, i, STEP, lim, msgs, AttrCode.MP_UNREACH_NLRI, attrs, header);
        yield msgs;
      }
    }
  }

  *#plan(s: Snapshot): Generator<Uint8Array[]> {
    if (s.bor.length > 0) yield s.bor.map((f) => refreshMessage(f, 1));
    yield* this.#packBuckets(s.refreshed);
    if (s.bor.length > 0) yield s.bor.map((f) => refreshMessage(f, 2));
    yield* this.#packWithdraws(s.withdraws);
    for (const { set, family, keys } of s.unknownWithdraws ?? []) {
      const attrs = set &&
        outgoingSet(set.attributes, set.nextHop, family, this.#peer, this.#ctx)?.attributes;
      if (attrs === undefined) continue;
      // Withdrawn routes length 0, the attributes, no NLRI: one message per withdraw.
      const body = new Uint8Array(4 + attrs.length);
      body[2] = attrs.length >>> 8;
      body[3] = attrs.length & 0xff;
      body.set(attrs, 4);
      yield keys.map(() => frame(MessageType.UPDATE, body));
    }
    yield* this.#packBuckets(s.announces);
    if (s.eor.length > 0) yield s.eor.map(encodeEor);
  }
}
