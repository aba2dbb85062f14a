/**
 * One configured neighbor across TCP connections: outgoing connects with a timeout and ExaBGP's back-off,
 * incoming connections the listener matched to it, and connection collisions (RFC 4271 §6.8) between
 * the two. Each connection runs a Session; the owner hears about all of them through one listener.
 */
import type { Negotiated } from "../bgp/capability/negotiated.ts";
import { ErrorCode } from "../bgp/error.ts";
import {
  CeaseSubcode,
  notification,
  shutdownNotification,
  subcodeName,
} from "../bgp/message/notification.ts";
import type { Message, NotificationMessage, OpenMessage, RouteRefreshMessage } from "../bgp/types.ts";
import type { Conn, SocketAdapter, SocketSecurity } from "../runtime/types.ts";
import type { StateName } from "./fsm.ts";
import type { Outbound } from "./outbound.ts";
import { type Direction, type DownReason, Session } from "./session.ts";
import { rejectConnection } from "./listener.ts";
import { Backoff, Timer } from "./timers.ts";

export interface PeerOptions {
  readonly peerAddress: string;
  readonly localAddress?: string;
  /** Port to connect to (179). */
  readonly peerPort?: number;
  /** Source port of outgoing connections (any when absent). */
  readonly localPort?: number;
  readonly localAs: number;
  /** The AS the peer must announce, or "auto" for any. */
  readonly peerAs: number | "auto";
  /** BGP identifier for collision resolution; defaults to the OPEN's. */
  readonly routerId?: string;
  /** Seconds; informative (the OPEN carries the hold time we offer). */
  readonly holdTime?: number;
  /** Only accept connections, never connect. */
  readonly passive?: boolean;
  /** Builds the OPEN we send, for each new connection. */
  readonly open: () => OpenMessage;
  /** Outgoing connection attempts before giving up (ExaBGP `exabgp_tcp_connections`); 0 = unlimited. */
  readonly maxConnections?: number;
  /** Seconds an outgoing connect may take. */
  readonly connectTimeout?: number;
  readonly outbound?: Outbound;
  /** The sockets to use (the speaker passes `runtime.net`). */
  readonly net: SocketAdapter;
  /** TCP-MD5 / GTSM options of outgoing connections (made through FFI by the adapter). */
  readonly security?: SocketSecurity;
  /** Passed to each Session (seconds). */
  readonly openWait?: number;
  readonly sendHold?: number;
  /** Which sent message types (wire codes) are reported through `message`; all when absent. */
  readonly reportSent?: (type: number) => boolean;
  /** Passed to each Session: holds back reading while the consumers of received messages are behind. */
  readonly receiveGate?: () => Promise<void> | undefined;
}

/** What the peer reports to its owner; every callback is optional. */
export interface PeerListener {
  state?(state: StateName): void;
  /** A TCP connection is up (outgoing or accepted). */
  connected?(): void;
  established?(negotiated: Negotiated): void;
  down?(reason: DownReason): void;
  message?(direction: Direction, msg: Message, raw: Uint8Array): void;
  refresh?(msg: RouteRefreshMessage): void;
  /** The maximum number of connection attempts was reached: the peer stopped trying. */
  exhausted?(): void;
}

type Initiator = "local" | "remote";

const DEFAULT_PORT = 179;
const DEFAULT_CONNECT_TIMEOUT = 5;

export class Peer {
  readonly options: PeerOptions;
  readonly #listener: PeerListener;
  /** Every live connection of this neighbor, with who opened it (for RFC 4271 §6.8). */
  readonly #sessions = new Map<Session, Initiator>();
  readonly #backoff = new Backoff();
  readonly #retry: Timer;
  #running = false;
  #connecting: AbortController | undefined;
  #attempts = 0;
  #state: StateName = "IDLE";

  constructor(options: PeerOptions, listener: PeerListener = {}) {
    this.options = options;
    this.#listener = listener;
    this.#retry = new Timer(() => void this.#connect());
  }

  get state(): StateName {
    return this.#state;
  }
  /** The established session, if any. */
  get session(): Session | undefined {
    for (const s of this.#sessions.keys()) if (s.state === "ESTABLISHED" && !s.closing) return s;
    return undefined;
  }
  get negotiated(): Negotiated | undefined {
    return this.session?.negotiated;
  }
  /** Outgoing connection attempts made so far. */
  get attempts(): number {
    return this.#attempts;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#attempts = 0;
    this.#backoff.reset();
    if (this.options.passive) this.#setState("ACTIVE");
    else this.#scheduleConnect();
  }

  /** Stops the peer: each session ends with `n` (or is simply closed) and no new connection is made. */
  async stop(n?: NotificationMessage): Promise<void> {
    this.#running = false;
    this.#retry.stop();
    this.#connecting?.abort();
    await Promise.all([...this.#sessions.keys()].map((s) => s.close(n)));
    this.#setState("IDLE");
  }

  /**
   * Cease to the established session (RFC 4486 subcode; RFC 9003 text for 2 and 4, by default the
   * subcode's name, as ExaBGP sends "Administrative Reset"); the peer reconnects afterwards.
   */
  async teardown(subcode: number, text?: string): Promise<void> {
    const shutdown = subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN ||
      subcode === CeaseSubcode.ADMINISTRATIVE_RESET;
    const n = shutdown
      ? shutdownNotification(subcode, text ?? subcodeName(ErrorCode.CEASE, subcode))
      : notification(ErrorCode.CEASE, subcode);
    await this.session?.close(n);
  }

  /** Out-of-band messages (EOR, ROUTE-REFRESH, NOTIFICATION from the API); false unless established. */
  send(msgs: readonly Uint8Array[]): boolean {
    return this.session?.send(msgs) ?? false;
  }

  /** A connection the listener matched to this neighbor. */
  incoming(conn: Conn): void {
    if (!this.#running) {
      void rejectConnection(conn);
      return;
    }
    this.#attach(conn, "remote");
  }

  // ------------------------------------------------------------------------------------------------

  #scheduleConnect(): void {
    if (!this.#running || this.options.passive) return;
    this.#retry.start(this.#backoff.next() * 1000);
    // A zero delay means "now": Timer treats 0 as no timer.
    if (!this.#retry.running) void this.#connect();
  }

  async #connect(): Promise<void> {
    if (!this.#running || this.#sessions.size > 0 || this.#connecting) return;
    if (this.#giveUp()) return;
    this.#attempts++;
    this.#setState("CONNECT");
    const abort = new AbortController();
    this.#connecting = abort;
    const timeout = new Timer(() => abort.abort());
    timeout.start((this.options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) * 1000);
    let conn: Conn | undefined;
    try {
      conn = await this.options.net.connect({
        host: this.options.peerAddress,
        port: this.options.peerPort ?? DEFAULT_PORT,
        localAddress: this.options.localAddress,
        localPort: this.options.localPort,
        signal: abort.signal,
        security: this.options.security,
      });
    } catch {
      conn = undefined;
    } finally {
      timeout.stop();
      this.#connecting = undefined;
    }
    if (conn === undefined) {
      if (!this.#running) return;
      if (this.#sessions.size === 0) this.#setState("ACTIVE");
      this.#afterLoss();
      return;
    }
    if (!this.#running) {
      conn.close();
      return;
    }
    this.#attach(conn, "local");
  }

  #attach(conn: Conn, initiator: Initiator): void {
    this.#listener.connected?.();
    const l = this.#listener;
    const session: Session = new Session(
      conn,
      {
        open: this.options.open(),
        from: initiator === "local" ? "CONNECT" : "ACTIVE",
        peerAs: this.options.peerAs,
        localAs: this.options.localAs,
        outbound: this.options.outbound,
        openWait: this.options.openWait,
        sendHold: this.options.sendHold,
        reportSent: this.options.reportSent,
        receiveGate: this.options.receiveGate,
      },
      {
        state: (s) => {
          // A second connection that dies beside a live one is not a change of the neighbor's state.
          if (s === "IDLE" && this.#othersAlive(session)) return;
          this.#setState(s);
        },
        open: (remote) => this.#resolveCollision(session, remote),
        established: (n) => {
          this.#backoff.reset();
          l.established?.(n);
        },
        message: l.message ? (d, m, r) => l.message!(d, m, r) : undefined,
        refresh: l.refresh ? (m) => l.refresh!(m) : undefined,
        down: (reason) => this.#down(session, reason),
      },
    );
    this.#sessions.set(session, initiator);
    session.start();
  }

  #othersAlive(session: Session): boolean {
    for (const s of this.#sessions.keys()) if (s !== session && !s.closing) return true;
    return false;
  }

  /**
   * RFC 4271 §6.8: when the OPEN of one connection arrives while another connection to the same peer is
   * in OpenConfirm, the one opened by the speaker with the lower BGP identifier is closed (Cease 7).
   * A connection that meets an Established one always loses. Returns false when `session` loses.
   */
  #resolveCollision(session: Session, remote: OpenMessage): boolean {
    const mine = this.#sessions.get(session);
    for (const [other, initiator] of this.#sessions) {
      if (other === session || other.closing) continue;
      if (other.state === "ESTABLISHED") return false;
      if (other.state !== "OPENCONFIRM") continue;
      const localId = idValue(this.options.routerId ?? this.options.open().routerId);
      const loser: Initiator = localId < idValue(remote.routerId) ? "local" : "remote";
      // Two connections opened by the same side: the newer one replaces the older.
      if (initiator !== loser && mine === loser) return false;
      void other.close(notification(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION));
    }
    return true;
  }

  #down(session: Session, reason: DownReason): void {
    const report = session.wasEstablished || !this.#othersAlive(session);
    this.#sessions.delete(session);
    if (report) this.#listener.down?.(reason);
    if (this.#sessions.size > 0) return;
    if (!this.#running) return;
    if (this.options.passive) this.#setState("ACTIVE");
    else this.#afterLoss();
  }

  #afterLoss(): void {
    if (!this.#running || this.#sessions.size > 0) return;
    if (!this.#giveUp()) this.#scheduleConnect();
  }

  /** ExaBGP `exabgp_tcp_connections`: after that many attempts the neighbor stops trying. */
  #giveUp(): boolean {
    const max = this.options.maxConnections ?? 0;
    if (max === 0 || this.#attempts < max) return false;
    this.#running = false;
    this.#setState("IDLE");
    this.#listener.exhausted?.();
    return true;
  }

  #setState(state: StateName): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#listener.state?.(state);
  }
}

/** A dotted-quad BGP identifier as an unsigned 32-bit number (RFC 4271 §6.8 compares them so). */
function idValue(id: string): number {
  const p = id.split(".");
  return ((+p[0] << 24) | (+p[1] << 16) | (+p[2] << 8) | +p[3]) >>> 0;
}
