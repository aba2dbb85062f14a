import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Fsm, MESSAGE_EVENT, transition, TRANSITIONS } from "../../lib/session/fsm.ts";

describe("FSM transition table (RFC 4271 §8.2.2)", () => {
  it("walks Idle → Connect → OpenSent → OpenConfirm → Established", () => {
    const seen: string[] = [];
    const fsm = new Fsm((s) => seen.push(s));
    for (const e of ["ManualStart", "TcpConnectionConfirmed", "BGPOpen", "KeepAliveMsg"] as const) {
      assert.equal(fsm.fire(e).ok, true, e);
    }
    assert.deepEqual(seen, ["CONNECT", "OPENSENT", "OPENCONFIRM", "ESTABLISHED"]);
  });

  it("a passive start waits in Active", () => {
    assert.deepEqual(transition("IDLE", "ManualStartPassive"), { ok: true, next: "ACTIVE" });
  });

  it("UPDATE and ROUTE-REFRESH keep Established", () => {
    assert.deepEqual(transition("ESTABLISHED", "UpdateMsg"), { ok: true, next: "ESTABLISHED" });
    assert.deepEqual(transition("ESTABLISHED", "RouteRefreshMsg"), { ok: true, next: "ESTABLISHED" });
  });

  it("a NOTIFICATION or hold-timer expiry ends any open session in Idle", () => {
    for (const s of ["OPENSENT", "OPENCONFIRM", "ESTABLISHED"] as const) {
      assert.deepEqual(transition(s, "NotifMsg"), { ok: true, next: "IDLE" });
      assert.deepEqual(transition(s, "HoldTimerExpires"), { ok: true, next: "IDLE" });
    }
  });

  it("unexpected messages are FSM errors with the RFC 6608 subcode of the state", () => {
    const cases = [
      ["OPENSENT", "KeepAliveMsg", 1],
      ["OPENSENT", "UpdateMsg", 1],
      ["OPENCONFIRM", "UpdateMsg", 2],
      ["OPENCONFIRM", "BGPOpen", 2],
      ["ESTABLISHED", "BGPOpen", 3],
      ["OPENSENT", "RouteRefreshMsg", 1],
    ] as const;
    for (const [state, event, subcode] of cases) {
      const t = transition(state, event);
      assert.equal(t.ok, false, `${state} ${event}`);
      if (!t.ok) {
        assert.equal(t.code, 5);
        assert.equal(t.subcode, subcode);
      }
    }
  });

  it("an FSM error leaves the state unchanged", () => {
    const fsm = new Fsm();
    fsm.set("OPENSENT");
    assert.equal(fsm.fire("UpdateMsg").ok, false);
    assert.equal(fsm.state, "OPENSENT");
  });

  it("every received message type maps to an event the table knows", () => {
    const known = new Set(Object.values(TRANSITIONS).flatMap((row) => Object.keys(row)));
    for (const e of Object.values(MESSAGE_EVENT)) assert.ok(known.has(e), e);
  });
});
