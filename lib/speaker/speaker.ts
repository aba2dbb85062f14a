/**
 * The reactor: wires configuration, sessions, RIBs and listeners together. One `NeighborRuntime` per
 * configured neighbor owns its Peer (connections and FSM), its Adj-RIB-Out (what we announce) and its
 * Adj-RIB-In (what it announced). Everything observable is reported through `SpeakerEvent`s, which the API
 * layer turns into helper events and the demo prints.
 */
import type { Negotiated } from "../bgp/capability/negotiated.ts";
import { ErrorCode } from "../bgp/error.ts";
import { isIPv4 } from "../bgp/ip.ts";
import { CeaseSubcode, notification } from "../bgp/message/notification.ts";
import { RefreshSubtype } from "../bgp/message/route_refresh.ts";
import { encodeMessage } from "../bgp/message/codec.ts";
import { HEADER_SIZE } from "../bgp/message/header.ts";
import {
  DEFAULT_CONTEXT,
  type Message,
  MessageType,
  type OpenMessage,
  type UpdateMessage,
} from "../bgp/types.ts";
import type { Config, NeighborConfig } from "../config/model.ts";
import type { Environment } from "../config/environment.ts";
import { getLogger } from "../log.ts";
import { AdjRibIn } from "../rib/adj_rib_in.ts";
import { AdjRibOut, type RibNegotiated } from "../rib/adj_rib_out.ts";
import { AttributeStore } from "../rib/attribute_store.ts";
import type { StateName } from "../session/fsm.ts";
import { serve } from "../session/listener.ts";
import type { Outbound } from "../session/outbound.ts";
import { Peer } from "../session/peer.ts";
import type { Direction, DownReason } from "../session/session.ts";
import type { Listener, SocketAdapter } from "../runtime/types.ts";
import { Timer } from "../session/timers.ts";
import { buildOpen } from "./open.ts";
import { StaleRoutes } from "./graceful_restart.ts";
import { PersistedAdjRibOut, type PersistedNeighbor, RibFile } from "./rib_persist.ts";
import { describeCrossing, maxPrefixNotification, PrefixLimiter } from "./prefix_limit.ts";
import { listenSecurity, needsSecureSocket, neighborSecurity, secureNeighborList } from "./security.ts";

const log = getLogger("reactor");

/** How long RIB changes may wait before the session builds UPDATEs from them. */
const COALESCE_MS = 10;

/** What the API and the demo see of a neighbor. */
export interface NeighborView {
  readonly config: NeighborConfig;
  readonly localAddress: string;
  readonly peerAddress: string;
  readonly localAs: number;
  readonly peerAs: number;
  readonly routerId: string;
}

export type SpeakerEvent =
  | { readonly type: "state"; readonly neighbor: NeighborView; readonly state: "connected" | "up" | "down"; readonly reason?: string }
  | { readonly type: "fsm"; readonly neighbor: NeighborView; readonly state: StateName }
  | { readonly type: "negotiated"; readonly neighbor: NeighborView; readonly negotiated: Negotiated }
  | {
    readonly type: "message";
    readonly neighbor: NeighborView;
    readonly direction: Direction;
    readonly message: Message;
    readonly raw: Uint8Array;
  };

export interface SpeakerOptions {
  readonly config: Config;
  readonly env: Environment;
  readonly net: SocketAdapter;
  /** Receives every event, synchronously, in order. */
  readonly onEvent?: (event: SpeakerEvent) => void;
  /** Called when every peer has used up its connection attempts (`exabgp_tcp_connections`). */
  readonly onExhausted?: () => void;
  /**
   * Whether the messages sent to a neighbor are decoded for `message` events (default: always). Decoding
   * each sent UPDATE costs about what building it did: the API asks only when a helper subscribed.
   */
  readonly reportSent?: (config: NeighborConfig) => boolean;
  /**
   * A neighbor's receive gate (lib/api/receive_gate.ts), asked once, when its first session needs it: the
   * API holds back the socket while a helper is behind with this neighbor's events.
   */
  readonly receiveGate?: (config: NeighborConfig) => (() => Promise<void> | undefined) | undefined;
}

/** One configured neighbor at run time. */
export class NeighborRuntime {
  /** Replaced by a reload that keeps the session (only its routes changed). */
  config: NeighborConfig;
  readonly ribOut: AdjRibOut;
  readonly ribIn = new AdjRibIn();
  readonly peer: Peer;
  readonly open: OpenMessage;
  /** Counters for `show neighbor`. */
  readonly stats = { sentUpdates: 0, receivedUpdates: 0 };
  /** When the session last reached Established (ms since the epoch), undefined while down. */
  upSince: number | undefined;
  /** Graceful restart, receiving side: the peer's routes kept while it restarts (graceful_restart.ts). */
  readonly stale: StaleRoutes;
  #localAddress: string;
  #exhausted = false;
  readonly #limiter: PrefixLimiter;
  /** Reconnects after a maximum-prefix teardown with `restart`. */
  readonly #limitRestart = new Timer(() => this.peer.start());
  /** The established session's negotiation, until it goes down. */
  #negotiated: Negotiated | undefined;

  constructor(config: NeighborConfig, speaker: Speaker, store: AttributeStore) {
    this.config = config;
    const env = speaker.options.env;
    const local = config.localAddress === "auto" ? undefined : config.localAddress;
    this.#localAddress = local ?? (isIPv4(config.peerAddress) ? "0.0.0.0" : "::");
    this.open = buildOpen(config, {
      fallbackRouterId: config.routerId ?? (local && isIPv4(local) ? local : "0.0.0.0"),
      softwareVersion: env.version ?? "5.0.0",
    });
    const ribOptions = {
      localAs: config.localAs,
      peerAs: config.peerAs === "auto" ? config.localAs : config.peerAs,
      localAddress: local,
      groupUpdates: config.groupUpdates,
      manualEor: config.manualEor,
      store,
    };
    const persist = speaker.persist;
    this.ribOut = persist
      ? new PersistedAdjRibOut(ribOptions, () => persist.changed())
      : new AdjRibOut(ribOptions);
    for (const route of config.routes) this.ribOut.announce(route);
    persist?.restore(this.persisted());
    const emit = (e: SpeakerEvent) => speaker.options.onEvent?.(e);
    const view = () => this.view();
    // Resolved on first use: the API hub is built after the speaker.
    let gate: (() => Promise<void> | undefined) | undefined | null = null;
    const receiveGate = () => {
      if (gate === null) gate = speaker.options.receiveGate?.(config);
      return gate?.();
    };
    this.#limiter = new PrefixLimiter(config.maximumPrefix);
    this.stale = new StaleRoutes(this.ribIn, {
      // Reported to the helpers exactly like a withdraw the peer sent.
      withdraw: (update) => {
        this.ribIn.apply(update);
        const raw = encodeMessage(update, this.#negotiated?.decode ?? DEFAULT_CONTEXT);
        emit({ type: "message", neighbor: view(), direction: "receive", message: update, raw });
      },
      log: (text) => log.info(`neighbor ${config.peerAddress}: ${text}`),
    });
    this.peer = new Peer(
      {
        peerAddress: config.peerAddress,
        // ExaBGP's md5-ip: the local address of the MD5-signed connection.
        localAddress: config.md5Ip ?? local,
        peerPort: config.connect || env.tcp.port || 179,
        localAs: config.localAs,
        peerAs: config.peerAs,
        routerId: this.open.routerId,
        holdTime: config.holdTime,
        passive: config.passive || env.bgp.passive,
        open: () => this.open,
        maxConnections: env.tcp.attempts,
        outbound: this.#outbound(),
        net: speaker.options.net,
        security: neighborSecurity(config),
        openWait: env.bgp.openwait,
        // Every sent message passes here first: UPDATEs are counted whether or not they are reported.
        reportSent: (type) => {
          if (type === MessageType.UPDATE) this.stats.sentUpdates++;
          return speaker.options.reportSent?.(this.config) ?? true;
        },
        receiveGate: speaker.options.receiveGate ? receiveGate : undefined,
      },
      {
        state: (state) => emit({ type: "fsm", neighbor: view(), state }),
        connected: () => emit({ type: "state", neighbor: view(), state: "connected" }),
        established: (negotiated) => {
          const local = this.peer.session?.conn.localAddr.address;
          if (local) this.#localAddress = local;
          this.#negotiated = negotiated;
          this.#limiter.reset();
          if (!this.stale.sessionUp(negotiated.peerGracefulRestart)) this.ribIn.clear();
          this.upSince = Date.now();
          log.info(`neighbor ${config.peerAddress} up (${[...negotiated.families].length} families)`);
          emit({ type: "negotiated", neighbor: view(), negotiated });
          emit({ type: "state", neighbor: view(), state: "up" });
        },
        down: (reason: DownReason) => {
          this.upSince = undefined;
          const lost = this.#negotiated;
          this.#negotiated = undefined;
          log.info(`neighbor ${config.peerAddress} down: ${reason.text}`);
          // RFC 4724 §4.2: only a session that ended without a NOTIFICATION, GR announced by both sides.
          const graceful = lost?.peerGracefulRestart !== undefined && reason.notification === undefined &&
            config.adjRibIn && config.capability.gracefulRestart !== false;
          if (graceful) this.stale.sessionLost(lost!.peerGracefulRestart!);
          emit({ type: "state", neighbor: view(), state: "down", reason: reason.text });
        },
        message: (direction, message, raw) => {
          if (message.type === "update" && direction === "receive") {
            this.stats.receivedUpdates++;
            if (config.adjRibIn) {
              const context = this.#negotiated?.decode;
              this.ribIn.apply(message, context && { body: raw.subarray(HEADER_SIZE), context });
              this.stale.received(message);
              if (this.#limiter.active) this.#enforceLimits(message);
            }
          }
          emit({ type: "message", neighbor: view(), direction, message, raw });
        },
        refresh: (msg) => {
          // RFC 2918: re-send the family; RFC 7313: inside BoRR/EoRR when enhanced refresh was negotiated.
          // Only a request (subtype 0) asks for that: a BoRR/EoRR (1/2) marks the peer's own re-send (§4).
          if (msg.subtype !== RefreshSubtype.REQUEST) return;
          const enhanced = this.peer.negotiated?.refresh === "enhanced";
          this.ribOut.resend([(msg.afi << 8) | msg.safi], enhanced);
        },
        exhausted: () => {
          this.#exhausted = true;
          speaker.peerExhausted();
        },
      },
    );
  }

  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** What rib.persist saves and restores of this neighbor. */
  persisted(): PersistedNeighbor {
    return {
      key: `${this.config.peerAddress}|${this.config.localAddress}`,
      ribOut: this.ribOut,
      configured: this.config.routes,
    };
  }

  /** The neighbor is going away (speaker stop, reload): no timer of its own may fire any more. */
  close(): void {
    this.stale.forget();
    this.#limitRestart.stop();
  }

  /** maximum-prefix: warn, or tear the session down with Cease 1 and maybe come back later. */
  #enforceLimits(update: UpdateMessage): void {
    for (const crossed of this.#limiter.check(update, this.ribIn)) {
      log.warn(describeCrossing(this.config.peerAddress, crossed));
      if (crossed.limit.action === "warning-only") continue;
      const restart = crossed.limit.restart;
      void this.peer.stop(maxPrefixNotification(crossed)).then(() => {
        if (restart !== undefined) this.#limitRestart.start(restart * 1000);
      });
      return;
    }
  }

  view(): NeighborView {
    const n = this.peer.negotiated;
    return {
      config: this.config,
      localAddress: this.#localAddress,
      peerAddress: this.config.peerAddress,
      localAs: this.config.localAs,
      peerAs: n?.peerAs ?? (this.config.peerAs === "auto" ? 0 : this.config.peerAs),
      routerId: this.open.routerId,
    };
  }

  /** The session pulls UPDATEs from the Adj-RIB-Out; `next-hop self` needs the session's local address. */
  #outbound(): Outbound {
    const rib = this.ribOut;
    return {
      start: (negotiated: Negotiated) => {
        const view: RibNegotiated = { ...negotiated, localAddress: this.#localAddress };
        rib.start(view);
      },
      next: (budget) => rib.next(budget),
      stop: () => rib.stop(),
      // Changes are coalesced for a few milliseconds before UPDATEs are built: API lines that a helper
      // writes back to back (announce X, then clear adj-rib out) may arrive in separate reads, and must
      // still never put X on the wire (BRIEF lesson 3). It also packs more NLRI per UPDATE under load.
      setWake: (wake) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        rib.setWake(() => {
          timer ??= setTimeout(() => {
            timer = undefined;
            wake();
          }, COALESCE_MS);
        });
      },
    };
  }
}

export class Speaker {
  readonly options: SpeakerOptions;
  readonly neighbors: NeighborRuntime[] = [];
  readonly #listeners: Listener[] = [];
  readonly #store = new AttributeStore();
  /** rib.persist: helper-announced routes kept on disk across restarts (rib_persist.ts). */
  readonly persist: RibFile | undefined;
  #running = false;

  constructor(options: SpeakerOptions) {
    this.options = options;
    const file = options.env.rib?.persist;
    if (file) {
      this.persist = new RibFile(file, () => this.neighbors.map((n) => n.persisted()));
      this.persist.load();
    }
    for (const n of options.config.neighbors) this.neighbors.push(new NeighborRuntime(n, this, this.#store));
  }

  /** Opens the listeners (global `tcp.bind`, per-neighbor `listen`) and starts every peer. */
  async start(): Promise<void> {
    this.#running = true;
    const { env, net } = this.options;
    const peers = () => this.neighbors.map((n) => n.peer);
    const binds: { host: string; port: number }[] = env.tcp.bind.filter((h) => h !== "").map((host) => ({
      host,
      port: env.tcp.port,
    }));
    for (const n of this.neighbors) {
      if (n.config.listen > 0) {
        const host = n.config.localAddress === "auto" ? (isIPv4(n.config.peerAddress) ? "0.0.0.0" : "::") : n.config.localAddress;
        if (!binds.some((b) => b.host === host && b.port === n.config.listen)) binds.push({ host, port: n.config.listen });
      }
    }
    const configs = this.neighbors.map((n) => n.config);
    if (configs.some(needsSecureSocket)) {
      await net.checkSecurity().catch((e) => {
        throw new Error(`${(e as Error).message}; needed by ${secureNeighborList(configs)}`);
      });
    }
    for (const b of binds) {
      const { security, warnings } = listenSecurity(b.host, configs);
      for (const w of warnings) log.warn(w);
      const listener = await net.listen({ ...b, security });
      log.info(`listening on ${listener.addr.address}:${listener.addr.port}`);
      this.#listeners.push(listener);
      void serve(listener, peers).catch((e) => log.error(`listener ${b.host}:${b.port} failed: ${e}`));
    }
    for (const n of this.neighbors) n.peer.start();
  }

  /** Closes the listeners and every session (no NOTIFICATION, as ExaBGP's shutdown). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const l of this.#listeners) l.close();
    this.#listeners.length = 0;
    await Promise.all(this.neighbors.map((n) => n.peer.stop()));
    for (const n of this.neighbors) n.close();
    await this.persist?.flush();
  }

  /** Adds a neighbor (reload); its peer starts at once when the speaker runs. */
  addNeighbor(config: NeighborConfig): NeighborRuntime {
    const n = new NeighborRuntime(config, this, this.#store);
    this.neighbors.push(n);
    if (this.#running) n.peer.start();
    return n;
  }

  /** Removes a neighbor (reload): its session is closed with Cease 3 (peer de-configured, RFC 4486). */
  async removeNeighbor(n: NeighborRuntime): Promise<void> {
    const i = this.neighbors.indexOf(n);
    if (i >= 0) this.neighbors.splice(i, 1);
    await n.peer.stop(notification(ErrorCode.CEASE, CeaseSubcode.PEER_DECONFIGURED));
    n.close();
  }

  /** Neighbors by their peer address. */
  neighbor(address: string): NeighborRuntime | undefined {
    return this.neighbors.find((n) => n.config.peerAddress === address);
  }

  peerExhausted(): void {
    if (this.neighbors.every((n) => n.exhausted)) this.options.onExhausted?.();
  }
}
