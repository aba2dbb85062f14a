/**
 * Routes speaker events to the helpers that subscribed to them in the neighbors' `api` blocks
 * (exabgp-behaviour §4.8: neighbor-changes, negotiated, fsm, signal, receive { … }, send { … }) and encodes
 * them with each helper's encoder (JSON or text, ExaBGP 5.0 format).
 */
import type { Negotiated } from "../bgp/capability/negotiated.ts";
import { familyKey } from "../bgp/family.ts";
import { HEADER_SIZE } from "../bgp/message/header.ts";
import type { Message } from "../bgp/types.ts";
import {
  type ApiConfig,
  type ApiSubscription,
  defaultApiSubscription,
  type MessageSubscription,
  type NeighborConfig,
  SUBSCRIPTION_NAMES,
} from "../config/model.ts";
import type { NeighborView, SpeakerEvent } from "../speaker/speaker.ts";
import {
  type EventEncoder,
  JsonEncoder,
  type NegotiatedSummary,
  type NeighborContext,
  type RawMessage,
} from "./json.ts";
import { TextEventEncoder } from "./text.ts";

/** Where encoded lines go (the process manager's non-blocking `write`). */
export interface EventSink {
  write(helper: string, line: string): void;
}

/** Message kinds as the subscription names them. */
const SUBSCRIBED: Record<Message["type"], keyof MessageSubscription | undefined> = {
  open: "open",
  update: "update",
  keepalive: "keepalive",
  notification: "notification",
  "route-refresh": "refresh",
  unknown: undefined,
};

function mergeMessages(a: MessageSubscription, b: MessageSubscription): MessageSubscription {
  const out = { ...a };
  for (const k of SUBSCRIPTION_NAMES) out[k] = a[k] || b[k];
  return out;
}

/** A helper named by several api blocks gets what any of them asks for. */
function merge(merged: ApiSubscription | undefined, b: ApiConfig): ApiSubscription {
  const a = merged ?? defaultApiSubscription();
  return {
    neighborChanges: a.neighborChanges || b.neighborChanges,
    negotiated: a.negotiated || b.negotiated,
    fsm: a.fsm || b.fsm,
    signal: a.signal || b.signal,
    receive: mergeMessages(a.receive, b.receive),
    send: mergeMessages(a.send, b.send),
  };
}

/** Which helpers a neighbor's api blocks name, with their merged subscriptions. */
export function subscriptions(n: NeighborConfig, helpers: readonly string[]): Map<string, ApiSubscription> {
  const out = new Map<string, ApiSubscription>();
  for (const api of n.api) {
    const patterns = api.processesMatch.map((re) => new RegExp(re));
    for (const h of helpers) {
      if (api.processes.includes(h) || patterns.some((re) => re.test(h))) out.set(h, merge(out.get(h), api));
    }
  }
  return out;
}

export function negotiatedSummary(n: Negotiated): NegotiatedSummary {
  return {
    messageSize: n.maxMessageSize,
    holdTime: n.holdTime,
    asn4: n.asn4,
    multisession: n.multisession,
    operational: n.operational,
    refresh: n.refresh,
    families: [...n.families],
    nexthop: n.nextHop.map((e) => [familyKey(e.afi, e.safi), e.nextHopAfi] as const),
    addPath: { send: [...n.addPathSend], receive: [...n.addPathReceive] },
  };
}

const SIGNAL_CODES: Record<string, number> = {
  SIGHUP: 1,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGUSR1: 10,
  SIGUSR2: 12,
};

export class EventRouter {
  readonly #sink: EventSink;
  readonly #helpers: ReadonlyMap<string, "json" | "text">;
  readonly #encoders: Record<"json" | "text", EventEncoder>;
  /** Per neighbor configuration: its subscribed helpers. */
  readonly #subs = new WeakMap<NeighborConfig, Map<string, ApiSubscription>>();
  /** Per neighbor and helper: the event context (ExaBGP's counter is per neighbor). */
  readonly #contexts = new WeakMap<NeighborConfig, Map<string, NeighborContext>>();
  readonly #negotiated = new WeakMap<NeighborConfig, NegotiatedSummary>();

  constructor(
    helpers: ReadonlyMap<string, "json" | "text">,
    sink: EventSink,
    options: { version?: string } = {},
  ) {
    this.#helpers = helpers;
    this.#sink = sink;
    this.#encoders = { json: new JsonEncoder({ version: options.version }), text: new TextEventEncoder() };
  }

  /** Whether any helper wants sent messages of this neighbor decoded (they cost CPU at full-table rates). */
  wantsSent(n: NeighborConfig): boolean {
    for (const s of this.#subscriptionsOf(n).values()) if (Object.values(s.send).some(Boolean)) return true;
    return false;
  }

  /** The helpers sent anything this neighbor receives (their queues hold back its socket, receive_gate.ts). */
  receivers(n: NeighborConfig): string[] {
    const out: string[] = [];
    for (const [helper, s] of this.#subscriptionsOf(n)) {
      if (Object.values(s.receive).some(Boolean)) out.push(helper);
    }
    return out;
  }

  #subscriptionsOf(n: NeighborConfig): Map<string, ApiSubscription> {
    let s = this.#subs.get(n);
    if (!s) this.#subs.set(n, s = subscriptions(n, [...this.#helpers.keys()]));
    return s;
  }

  #context(view: NeighborView, helper: string): NeighborContext {
    let byHelper = this.#contexts.get(view.config);
    if (!byHelper) this.#contexts.set(view.config, byHelper = new Map());
    let ctx = byHelper.get(helper);
    if (!ctx) byHelper.set(helper, ctx = { ...view, counter: 0 });
    // Addresses and the peer AS are learnt when the session comes up.
    ctx = Object.assign(ctx, { localAddress: view.localAddress, peerAs: view.peerAs });
    return ctx;
  }

  #emit(
    view: NeighborView,
    want: (s: ApiSubscription) => boolean,
    encode: (e: EventEncoder, c: NeighborContext) => string | undefined,
  ) {
    for (const [helper, sub] of this.#subscriptionsOf(view.config)) {
      if (!want(sub)) continue;
      const encoding = this.#helpers.get(helper);
      if (!encoding) continue;
      const line = encode(this.#encoders[encoding], this.#context(view, helper));
      if (line !== undefined) this.#sink.write(helper, line);
    }
  }

  handle(e: SpeakerEvent): void {
    const v = e.neighbor;
    switch (e.type) {
      case "state":
        return this.#emit(
          v,
          (s) => s.neighborChanges,
          (enc, c) =>
            e.state === "up"
              ? enc.up(c)
              : e.state === "down"
              ? enc.down(c, e.reason ?? "")
              : enc.connected(c),
        );
      case "fsm":
        return this.#emit(v, (s) => s.fsm, (enc, c) => enc.fsm(c, e.state));
      case "negotiated": {
        const summary = negotiatedSummary(e.negotiated);
        this.#negotiated.set(v.config, summary);
        return this.#emit(v, (s) => s.negotiated, (enc, c) => enc.negotiated(c, summary));
      }
      case "message":
        return this.#message(e);
    }
  }

  /** A signal the speaker received (`signal;` subscription). */
  signal(views: readonly NeighborView[], name: string): void {
    const code = SIGNAL_CODES[name] ?? 0;
    const label = {
      SIGUSR1: "reload",
      SIGUSR2: "reload",
      SIGALRM: "restart",
      SIGTERM: "shutdown",
      SIGHUP: "shutdown",
    }[name] ??
      name.toLowerCase();
    for (const v of views) this.#emit(v, (s) => s.signal, (enc, c) => enc.signal(c, code, label));
  }

  #message(e: Extract<SpeakerEvent, { type: "message" }>): void {
    const key = SUBSCRIBED[e.message.type];
    if (key === undefined) return;
    const neg = this.#negotiated.get(e.neighbor.config);
    const raw: RawMessage = { header: e.raw.subarray(0, HEADER_SIZE), body: e.raw.subarray(HEADER_SIZE) };
    for (const [helper, sub] of this.#subscriptionsOf(e.neighbor.config)) {
      const m = e.direction === "send" ? sub.send : sub.receive;
      if (!m[key]) continue;
      const encoding = this.#helpers.get(helper);
      if (!encoding) continue;
      const enc = this.#encoders[encoding];
      const ctx = this.#context(e.neighbor, helper);
      // `packets` alone: raw messages; `consolidate`: the parsed event carries header and body too.
      const parsed = m.parsed || !m.packets || m.consolidate;
      const withRaw = m.consolidate ? raw : undefined;
      if (m.packets && !m.consolidate) {
        const line = enc.packets(ctx, e.direction, e.raw[HEADER_SIZE - 1], raw, neg);
        if (line !== undefined) this.#sink.write(helper, line);
      }
      if (!parsed) continue;
      const msg = e.message;
      let line: string | undefined;
      switch (msg.type) {
        case "open":
          line = enc.open(ctx, e.direction, msg, withRaw);
          break;
        case "update":
          line = enc.update(ctx, e.direction, msg, neg, withRaw);
          break;
        case "keepalive":
          line = enc.keepalive(ctx, e.direction, withRaw);
          break;
        case "notification":
          line = enc.notification(ctx, e.direction, msg, withRaw);
          break;
        case "route-refresh":
          line = enc.refresh(ctx, e.direction, msg, withRaw);
          break;
      }
      if (line !== undefined) this.#sink.write(helper, line);
    }
  }

  /** The notice every helper gets when the speaker exits. */
  shutdown(helper: string): string | undefined {
    const encoding = this.#helpers.get(helper);
    return encoding ? this.#encoders[encoding].shutdown() : undefined;
  }
}
