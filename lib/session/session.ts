/**
 * One BGP session over one TCP connection (RFC 4271 §8): our OPEN, the peer's OPEN validated and
 * negotiated, KEEPALIVEs to Established, then UPDATEs both ways until a NOTIFICATION, a hold-timer expiry
 * or the connection ends. Every protocol error is answered with its NOTIFICATION before the close.
 *
 * One persistent reader owns the receive buffer (a read is never abandoned mid-message); decoding of a
 * burst is sliced so that timers still fire. Sending goes through a BatchWriter; outbound UPDATEs are
 * pulled from the Outbound when it wakes the session, never from the read path.
 */
import { BgpError, ErrorCode } from "../bgp/error.ts";
import { HEADER_SIZE, MAX_MESSAGE_SIZE } from "../bgp/message/header.ts";
import { CeaseSubcode, describeNotification, notification } from "../bgp/message/notification.ts";
import {
  type CodecContext,
  DEFAULT_CONTEXT,
  type KeepaliveMessage,
  type Message,
  MessageType,
  type NotificationMessage,
  type OpenMessage,
  type RouteRefreshMessage,
} from "../bgp/types.ts";
import type { Conn } from "../runtime/types.ts";
import { negotiate, type Negotiated, validateOpen } from "../bgp/capability/negotiated.ts";
import { decodeMessage, encodeMessage, unknownMessageNotification } from "../bgp/message/codec.ts";
import { MessageReader } from "../bgp/message/reader.ts";
import { Fsm, MESSAGE_EVENT, type StateName } from "./fsm.ts";
import type { Outbound } from "./outbound.ts";
import { SessionTimers, Timer, yieldToLoop } from "./timers.ts";
import { BatchWriter } from "./writer.ts";
import { receivedNotificationText } from "./notification_text.ts";
import { clearTimeout, setTimeout } from "node:timers";

export type Direction = "send" | "receive";

/** Why a session ended. `notification` is set when one was sent or received, with its direction. */
export interface DownReason {
  readonly text: string;
  readonly notification?: NotificationMessage;
  readonly direction?: Direction;
}

/** What the session reports; every callback is optional. */
export interface SessionEvents {
  state?(state: StateName): void;
  /**
   * The peer's OPEN arrived and is valid. Returning false drops this connection with Cease 7 (the owner
   * lost a connection collision, RFC 4271 §6.8).
   */
  open?(remote: OpenMessage): boolean;
  established?(negotiated: Negotiated): void;
  /** Every message sent and received, decoded, with its wire bytes (header included). */
  message?(direction: Direction, msg: Message, raw: Uint8Array): void;
  refresh?(msg: RouteRefreshMessage): void;
  down?(reason: DownReason): void;
}

export interface SessionOptions {
  /** The OPEN we send (the caller builds it from the configuration). */
  readonly open: OpenMessage;
  /** The AS the peer must announce; "auto" accepts any. */
  readonly peerAs: number | "auto";
  /** Our AS (to tell iBGP, where an identical BGP identifier is an error, RFC 6286 §2.2). */
  readonly localAs: number;
  readonly outbound?: Outbound;
  /** Seconds to wait for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes). */
  readonly openWait?: number;
  /**
   * The state the connection came from: CONNECT for ours, ACTIVE for one we accepted (RFC 4271 §8.2.2);
   * the owner reports that state itself.
   */
  readonly from?: "CONNECT" | "ACTIVE";
  /** Bytes per write. */
  readonly chunkSize?: number;
  /**
   * Send hold time (RFC 9687) in seconds: how long a write may wait for a peer that stopped reading before
   * the session is reset with NOTIFICATION 8/0; default: the negotiated hold time (0: none).
   */
  readonly sendHold?: number;
  /** Which sent message types (wire codes) are decoded for `message` events; all when absent. */
  readonly reportSent?: (type: number) => boolean;
  /**
   * Asked after each received message: a promise means the consumers of received messages are behind, and
   * the socket is not read until it settles (TCP then slows the peer). See lib/api/receive_gate.ts.
   */
  readonly receiveGate?: () => Promise<void> | undefined;
}

const KEEPALIVE: KeepaliveMessage = { type: "keepalive" };
const OPERATIONAL = MessageType.OPERATIONAL;
/** Decoding runs this long at most before yielding to timers and I/O. */
const SLICE_MS = 4;
/** While reading is held back by the receive gate, the hold timer is restarted this often. */
const HOLD_REFRESH_MS = 500;
/** How long a closing session waits for its NOTIFICATION to drain and for the peer's FIN. */
const LINGER_MS = 1000;

type Handler = (msg: never) => void;

export class Session {
  readonly conn: Conn;
  readonly #opts: SessionOptions;
  readonly #events: SessionEvents;
  readonly #fsm: Fsm;
  readonly #reader = new MessageReader();
  readonly #writer: BatchWriter;
  readonly #timers: SessionTimers;
  /** Before the OPEN arrives: the large OpenSent hold timer. */
  readonly #openTimer: Timer;
  #recv: CodecContext = DEFAULT_CONTEXT;
  #send: CodecContext = DEFAULT_CONTEXT;
  #maxSize = MAX_MESSAGE_SIZE;
  #negotiated: Negotiated | undefined;
  #remote: OpenMessage | undefined;
  #closing = false;
  #established = false;
  #keepaliveBytes: Uint8Array;
  #resolveDone!: (reason: DownReason) => void;
  /** Resolves once, when the session is down (after the connection is closed). */
  readonly done: Promise<DownReason>;

  constructor(conn: Conn, options: SessionOptions, events: SessionEvents = {}) {
    this.conn = conn;
    this.#opts = options;
    this.#events = events;
    this.#fsm = new Fsm((s) => events.state?.(s), options.from ?? "CONNECT");
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    this.#keepaliveBytes = encodeMessage(KEEPALIVE, DEFAULT_CONTEXT);
    this.#writer = new BatchWriter(conn.writable, {
      chunkSize: options.chunkSize,
      sent: events.message ? (raw) => this.#reportSent(raw) : undefined,
      stalled: () => this.#sendHoldExpired(),
      failed: (e) => this.#drop(`write failed: ${errorText(e)}`),
    });
    this.#timers = new SessionTimers({
      holdExpired: () => this.#fail(notification(ErrorCode.HOLD_TIMER_EXPIRED, 0), "hold timer expired"),
      sendKeepalive: () => this.#writer.urgent(this.#keepaliveBytes),
    });
    this.#openTimer = new Timer(() =>
      this.#fail(notification(ErrorCode.HOLD_TIMER_EXPIRED, 0), "no OPEN received in time")
    );
  }

  get state(): StateName {
    return this.#fsm.state;
  }
  get negotiated(): Negotiated | undefined {
    return this.#negotiated;
  }
  /** The peer's OPEN once received. */
  get remoteOpen(): OpenMessage | undefined {
    return this.#remote;
  }
  /** The session reached Established at some point. */
  get wasEstablished(): boolean {
    return this.#established;
  }
  get closing(): boolean {
    return this.#closing;
  }

  /** The connection is up (RFC 4271 §8.2.2 Connect/Active → OpenSent): send our OPEN and start reading. */
  start(): void {
    this.conn.setNoDelay(true);
    this.#fsm.fire("TcpConnectionConfirmed");
    this.#writer.urgent(encodeMessage(this.#opts.open, DEFAULT_CONTEXT));
    this.#openTimer.start((this.#opts.openWait ?? 240) * 1000);
    void this.#readLoop();
  }

  /** Out-of-band messages (EOR, ROUTE-REFRESH, …) in order with the table; false unless Established. */
  send(msgs: readonly Uint8Array[]): boolean {
    if (this.#fsm.state !== "ESTABLISHED" || this.#closing) return false;
    for (const m of msgs) this.#writer.push(m);
    return true;
  }

  /**
   * Ends the session: with a NOTIFICATION (sent first, then the connection closes) or, without one, by
   * simply closing the connection (ExaBGP's shutdown). Resolves when the connection is closed.
   */
  close(n?: NotificationMessage, text?: string): Promise<DownReason> {
    if (n) this.#fail(n, text ?? describeNotification(n));
    else this.#drop(text ?? "closed by us");
    return this.done;
  }

  // ------------------------------------------------------------------------------------------------
  // Reading

  async #readLoop(): Promise<void> {
    const reader = this.conn.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (this.#closing) continue; // drain until the peer closes, so that our close is not a reset
        this.#reader.push(value);
        await this.#drainFrames();
      }
      this.#drop("the peer closed the connection");
    } catch (e) {
      this.#drop(`read failed: ${errorText(e)}`);
    } finally {
      reader.releaseLock();
    }
  }

  /** Handles every complete message buffered, yielding every few milliseconds so that timers fire. */
  async #drainFrames(): Promise<void> {
    let deadline = performance.now() + SLICE_MS;
    let count = 0;
    for (;;) {
      let frame;
      try {
        frame = this.#reader.next(this.#maxSize);
      } catch (e) {
        return this.#protocolError(e);
      }
      if (frame === undefined) return;
      this.#timers.received();
      this.#receive(frame.type, frame.body);
      if (this.#closing) return;
      const gate = this.#opts.receiveGate?.();
      if (gate !== undefined) {
        await this.#held(gate);
        if (this.#closing) return;
        deadline = performance.now() + SLICE_MS;
      }
      if ((++count & 63) === 0 && performance.now() > deadline) {
        await yieldToLoop();
        if (this.#closing) return;
        deadline = performance.now() + SLICE_MS;
      }
    }
  }

  /**
   * Waits for the receive gate. We stopped reading, not the peer: its KEEPALIVEs may sit behind what we did
   * not read, so the hold timer is held off meanwhile (a pause lasts while a helper drains its queue, and
   * at most lib/api/receive_gate.ts's stall time once it stops reading).
   */
  async #held(gate: Promise<void>): Promise<void> {
    const hold = setInterval(() => this.#timers.received(), HOLD_REFRESH_MS);
    try {
      await gate;
    } finally {
      clearInterval(hold);
    }
    this.#timers.received();
  }

  #receive(type: number, body: Uint8Array): void {
    let msg: Message;
    try {
      msg = decodeMessage(type, body, this.#recv);
    } catch (e) {
      return this.#protocolError(e);
    }
    this.#events.message?.("receive", msg, rawOf(type, body));
    if (msg.type === "unknown") {
      // OPERATIONAL (type 6) is ExaBGP's draft: tolerated when both sides announced it.
      if (msg.code === OPERATIONAL && this.#negotiated?.operational) return;
      // ExaBGP answers any other type with 1/3 and a text (conformance encoding/unknown-message.msg).
      const n = unknownMessageNotification(msg.code);
      return this.#fail(n, `unknown message type ${msg.code}`);
    }
    if (msg.type === "notification") return this.#received(msg);
    const next = this.#fsm.fire(MESSAGE_EVENT[msg.type]);
    if (!next.ok) {
      return this.#fail(notification(next.code, next.subcode), next.reason);
    }
    (this.#handlers[msg.type] as Handler)(msg as never);
  }

  /** Per message type, what happens after the FSM accepted it (the state has already moved). */
  readonly #handlers: {
    readonly [K in Exclude<Message["type"], "unknown" | "notification">]: (
      msg: Extract<Message, { type: K }>,
    ) => void;
  } = {
    open: (m) => this.#onOpen(m),
    keepalive: () => this.#onKeepalive(),
    update: () => {},
    "route-refresh": (m) => this.#events.refresh?.(m),
  };

  #onOpen(remote: OpenMessage): void {
    this.#openTimer.stop();
    this.#remote = remote;
    let negotiated: Negotiated;
    try {
      validateOpen(remote, this.#opts.peerAs, this.#opts.localAs, this.#opts.open.routerId);
      negotiated = negotiate(this.#opts.open, remote);
    } catch (e) {
      return this.#protocolError(e);
    }
    if (this.#events.open?.(remote) === false) {
      const n = notification(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION);
      return this.#fail(n, "connection collision: this connection lost");
    }
    this.#negotiated = negotiated;
    this.#recv = negotiated.decode;
    this.#send = negotiated.encode;
    this.#maxSize = negotiated.maxMessageSize;
    const hold = negotiated.holdTime;
    const sendHold = this.#opts.sendHold ?? hold;
    this.#writer.stallMs = sendHold * 1000;
    this.#writer.urgent(this.#keepaliveBytes);
    this.#timers.negotiated(hold);
  }

  #onKeepalive(): void {
    if (this.#fsm.state !== "ESTABLISHED" || this.#negotiated === undefined) return;
    if (this.#established) return;
    this.#established = true;
    const negotiated = this.#negotiated;
    this.#events.established?.(negotiated);
    const outbound = this.#opts.outbound;
    if (outbound && !this.#closing) {
      outbound.setWake(() => this.#writer.wake());
      this.#writer.setSource((budget) => outbound.next(budget));
      outbound.start(negotiated);
    }
  }

  /**
   * RFC 9687 send hold timer: no write completed for the send hold time (the negotiated hold time unless
   * `sendHold` says otherwise), so the peer is not reading; its own KEEPALIVEs may well keep our hold timer
   * running for ever. NOTIFICATION 8/0 is queued behind the stuck write, so it only reaches a peer that
   * resumes reading within the linger; the connection closes either way.
   */
  #sendHoldExpired(): void {
    const seconds = this.#writer.stallMs / 1000;
    this.#fail(
      notification(ErrorCode.SEND_HOLD_TIMER_EXPIRED, 0),
      `send hold timer expired: the peer stopped reading (nothing written for ${seconds} s)`,
    );
  }

  #received(n: NotificationMessage): void {
    this.#fsm.fire("NotifMsg");
    this.#finish(
      { text: receivedNotificationText(n), notification: n, direction: "receive" },
      false,
    );
  }

  // ------------------------------------------------------------------------------------------------
  // Ending

  #protocolError(e: unknown): void {
    if (e instanceof BgpError) {
      return this.#fail(notification(e.code, e.subcode, e.data), e.message);
    }
    // Not a protocol error but a bug of ours: still end the session cleanly, with the cause as reason.
    this.#fail(notification(ErrorCode.CEASE, 0), `internal error: ${errorText(e)}`);
  }

  /** Sends NOTIFICATION `n`, then closes. */
  #fail(n: NotificationMessage, text: string): void {
    if (this.#closing) return;
    const raw = encodeMessage(n, DEFAULT_CONTEXT);
    this.#finish({ text, notification: n, direction: "send" }, true, raw);
  }

  /** Closes without a NOTIFICATION (the connection is gone, or a plain shutdown). */
  #drop(text: string): void {
    if (this.#closing) return;
    this.#finish({ text }, false);
  }

  #finish(reason: DownReason, flush: boolean, raw?: Uint8Array): void {
    this.#closing = true;
    this.#timers.stop();
    this.#openTimer.stop();
    this.#writer.discard();
    if (this.#established) this.#opts.outbound?.stop();
    this.#fsm.set("IDLE");
    if (raw) this.#writer.urgent(raw);
    this.#shutdown(flush).then(() => {
      this.#events.down?.(reason);
      this.#resolveDone(reason);
    });
  }

  async #shutdown(flush: boolean): Promise<void> {
    if (flush) {
      // RFC 4271 §6: the NOTIFICATION goes first, then the connection closes; wait for the peer's FIN
      // (bounded) so that the close does not reset a connection with our NOTIFICATION still in flight.
      // A NOTIFICATION still not written after the linger (the peer is not reading) will not bring a FIN.
      if (await withTimeout(this.#writer.close(), LINGER_MS)) await withTimeout(this.conn.closed, LINGER_MS);
    }
    this.#writer.abort();
    this.conn.close();
    await withTimeout(this.conn.closed, LINGER_MS);
  }

  #reportSent(raw: Uint8Array): void {
    const type = raw[18];
    // Decoding every sent UPDATE costs: the owner may ask for some types only.
    if (this.#opts.reportSent && !this.#opts.reportSent(type)) return;
    const body = raw.subarray(HEADER_SIZE);
    let msg: Message;
    try {
      msg = decodeMessage(type, body, this.#send);
    } catch {
      msg = { type: "unknown", code: type, body };
    }
    this.#events.message?.("send", msg, raw);
  }
}

/** The full message from its body: the reader hands out views, so the header is just before the body. */
function rawOf(type: number, body: Uint8Array): Uint8Array {
  if (body.byteOffset >= HEADER_SIZE) {
    const full = new Uint8Array(body.buffer, body.byteOffset - HEADER_SIZE, body.length + HEADER_SIZE);
    if (full[18] === type && ((full[16] << 8) | full[17]) === full.length) return full;
  }
  const out = new Uint8Array(HEADER_SIZE + body.length);
  out.fill(0xff, 0, 16);
  out[16] = out.length >> 8;
  out[17] = out.length & 0xff;
  out[18] = type;
  out.set(body, HEADER_SIZE);
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Waits for `p` at most `ms`; true when it settled in time. */
function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    const settled = () => {
      clearTimeout(t);
      resolve(true);
    };
    p.then(settled, settled);
  });
}
