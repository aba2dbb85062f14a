import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Backoff,
  clampDelay,
  keepaliveInterval,
  SessionTimers,
  Ticker,
  Timer,
} from "../../lib/session/timers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("timers", () => {
  it("back-off follows ExaBGP: min(1 + previous × 1.2, 60) seconds, first retry at once", () => {
    const b = new Backoff();
    const got = Array.from({ length: 6 }, () => Math.round(b.next() * 1000) / 1000);
    assert.deepEqual(got, [0, 1, 2.2, 3.64, 5.368, 7.442]);
    for (let i = 0; i < 50; i++) b.next();
    assert.equal(b.next(), 60);
    b.reset();
    assert.equal(b.next(), 0);
  });

  it("keepalive is a third of the hold time; hold time 0 means none (RFC 4271 §4.2, §10)", () => {
    assert.equal(keepaliveInterval(180), 60);
    assert.equal(keepaliveInterval(90), 30);
    assert.equal(keepaliveInterval(3), 1);
    assert.equal(keepaliveInterval(0), 0);
  });

  it("delays are clamped to what setTimeout can hold", () => {
    assert.equal(clampDelay(2 ** 40), 2 ** 31 - 1);
    assert.equal(clampDelay(-5), 0);
    assert.equal(clampDelay(Number.NaN), 0);
  });

  it("a timer fires once; refresh() pushes it back; stop() cancels", async () => {
    let fired = 0;
    const t = new Timer(() => fired++);
    const start = performance.now();
    t.start(60);
    await sleep(40);
    t.refresh();
    await sleep(40);
    assert.equal(fired, 0, "refreshed at 40 ms, so not due before 100 ms");
    await sleep(60);
    assert.equal(fired, 1);
    assert.ok(performance.now() - start >= 95);
    t.start(20);
    t.stop();
    await sleep(40);
    assert.equal(fired, 1);
    t.start(0);
    assert.equal(t.running, false, "0 = no timer");
  });

  it("a ticker repeats until stopped", async () => {
    let n = 0;
    const t = new Ticker(() => n++);
    t.start(15);
    await sleep(100);
    t.stop();
    const at = n;
    assert.ok(at >= 3 && at <= 7, `ticks: ${at}`);
    await sleep(40);
    assert.equal(n, at);
  });

  it("session timers: hold expires unless messages arrive; keepalives every hold/3", async () => {
    let expired = 0;
    let keepalives = 0;
    const st = new SessionTimers({ holdExpired: () => expired++, sendKeepalive: () => keepalives++ });
    // 0.3 s hold: keepalive interval floors to 1 s minimum, so only the hold timer matters here.
    st.hold.start(90);
    for (let i = 0; i < 4; i++) {
      await sleep(40);
      st.received();
    }
    assert.equal(expired, 0);
    await sleep(130);
    assert.equal(expired, 1);
    st.negotiated(0);
    assert.equal(st.hold.running, false);
    assert.equal(st.keepalive.running, false);
    st.stop();
    assert.equal(keepalives, 0);
  });
});
