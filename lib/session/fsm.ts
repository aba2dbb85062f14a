/**
 * The BGP finite state machine (RFC 4271 §8) as a transition table. The table says which state an event
 * leads to; the session and the peer perform the actions. An event a state has no entry for is an FSM
 * error: NOTIFICATION 5 with the RFC 6608 subcode of the state it arrived in.
 */
import { ErrorCode } from "../bgp/error.ts";
import type { Message } from "../bgp/types.ts";

/** RFC 4271 §8.2.2 states, spelt as ExaBGP reports them in `fsm` events. */
export type StateName = "IDLE" | "CONNECT" | "ACTIVE" | "OPENSENT" | "OPENCONFIRM" | "ESTABLISHED";

/** RFC 4271 §8.1 events (the ones this implementation distinguishes; numbers in comments). */
export type FsmEvent =
  | "ManualStart" // 1
  | "ManualStartPassive" // 5: passive TCP establishment
  | "ManualStop" // 2
  | "ConnectRetryTimerExpires" // 9
  | "HoldTimerExpires" // 10
  | "KeepaliveTimerExpires" // 11
  | "TcpConnectionConfirmed" // 16 / 17
  | "TcpConnectionFails" // 18
  | "BGPOpen" // 19
  | "BGPHeaderErr" // 21
  | "BGPOpenMsgErr" // 22
  | "OpenCollisionDump" // 23
  | "NotifMsg" // 25
  | "KeepAliveMsg" // 26
  | "UpdateMsg" // 27
  | "UpdateMsgErr" // 28
  | "RouteRefreshMsg"; // RFC 2918: legal in Established only

type Row = Readonly<Partial<Record<FsmEvent, StateName>>>;

/** Events that end the session from any state after the TCP connection is up (RFC 4271 §8.2.2). */
const DOWN: Row = {
  ManualStop: "IDLE",
  HoldTimerExpires: "IDLE",
  TcpConnectionFails: "IDLE",
  BGPHeaderErr: "IDLE",
  BGPOpenMsgErr: "IDLE",
  OpenCollisionDump: "IDLE",
  NotifMsg: "IDLE",
  UpdateMsgErr: "IDLE",
};

export const TRANSITIONS: Readonly<Record<StateName, Row>> = {
  IDLE: { ManualStart: "CONNECT", ManualStartPassive: "ACTIVE", ManualStop: "IDLE" },
  CONNECT: {
    ManualStop: "IDLE",
    ConnectRetryTimerExpires: "CONNECT",
    TcpConnectionConfirmed: "OPENSENT",
    TcpConnectionFails: "ACTIVE",
  },
  ACTIVE: {
    ManualStop: "IDLE",
    ConnectRetryTimerExpires: "CONNECT",
    TcpConnectionConfirmed: "OPENSENT",
    TcpConnectionFails: "IDLE",
  },
  // §8.2.2 OpenSent: a TCP failure goes back to Active (the connect-retry timer restarts).
  OPENSENT: { ...DOWN, TcpConnectionFails: "ACTIVE", BGPOpen: "OPENCONFIRM" },
  OPENCONFIRM: { ...DOWN, KeepaliveTimerExpires: "OPENCONFIRM", KeepAliveMsg: "ESTABLISHED" },
  ESTABLISHED: {
    ...DOWN,
    KeepaliveTimerExpires: "ESTABLISHED",
    KeepAliveMsg: "ESTABLISHED",
    UpdateMsg: "ESTABLISHED",
    RouteRefreshMsg: "ESTABLISHED",
  },
};

/** RFC 6608 §3: FSM error subcodes by the state the unexpected message arrived in (0 = unspecified). */
export const FSM_ERROR_SUBCODE: Readonly<Record<StateName, number>> = {
  IDLE: 0,
  CONNECT: 0,
  ACTIVE: 0,
  OPENSENT: 1,
  OPENCONFIRM: 2,
  ESTABLISHED: 3,
};

export type Transition =
  | { readonly ok: true; readonly next: StateName }
  | { readonly ok: false; readonly code: number; readonly subcode: number; readonly reason: string };

/** The state `event` leads to from `state`, or the FSM error NOTIFICATION fields when it is not allowed. */
export function transition(state: StateName, event: FsmEvent): Transition {
  const next = TRANSITIONS[state][event];
  if (next !== undefined) return { ok: true, next };
  return {
    ok: false,
    code: ErrorCode.FSM,
    subcode: FSM_ERROR_SUBCODE[state],
    reason: `unexpected ${event} in state ${state}`,
  };
}

/** The FSM event a received message raises (unknown types never get here: they are header errors). */
export const MESSAGE_EVENT: Readonly<Record<Exclude<Message["type"], "unknown">, FsmEvent>> = {
  open: "BGPOpen",
  update: "UpdateMsg",
  notification: "NotifMsg",
  keepalive: "KeepAliveMsg",
  "route-refresh": "RouteRefreshMsg",
};

/** A small holder for one machine's current state, reporting each change. */
export class Fsm {
  #state: StateName;
  constructor(private readonly onChange: (state: StateName) => void = () => {}, initial: StateName = "IDLE") {
    this.#state = initial;
  }

  get state(): StateName {
    return this.#state;
  }

  /** Applies `event`; on success the state changes (and is reported when it differs). */
  fire(event: FsmEvent): Transition {
    const t = transition(this.#state, event);
    if (t.ok) this.set(t.next);
    return t;
  }

  /** Forces a state (the session going down from wherever it was). */
  set(state: StateName): void {
    if (state === this.#state) return;
    this.#state = state;
    this.onChange(state);
  }
}
