import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clampDelay, MAX_DELAY_MS, yieldToLoop } from "../../lib/runtime/timers.ts";

describe("clampDelay", () => {
  it("keeps delays setTimeout can represent", () => {
    assert.equal(clampDelay(0), 0);
    assert.equal(clampDelay(90_000), 90_000);
    assert.equal(clampDelay(2 ** 31 - 1), 2 ** 31 - 1);
  });

  it("caps delays above 2^31-1 ms, which would otherwise fire at once", () => {
    assert.equal(MAX_DELAY_MS, 2147483647);
    assert.equal(clampDelay(2 ** 31), 2 ** 31 - 1);
    assert.equal(clampDelay(Number.POSITIVE_INFINITY), 2 ** 31 - 1);
  });

  it("turns negative and NaN delays into 0", () => {
    assert.equal(clampDelay(-5), 0);
    assert.equal(clampDelay(Number.NaN), 0);
  });
});

describe("yieldToLoop", () => {
  it("lets a pending macrotask run, which a microtask loop would starve", async () => {
    let ran = false;
    setTimeout(() => (ran = true), 0);
    // Far more turns than microtasks would need: only real loop turns let the timer fire.
    for (let i = 0; i < 10_000 && !ran; i++) await yieldToLoop();
    assert.equal(ran, true);
  });

  it("is much cheaper than setTimeout(0) (no 1 ms clamp)", async () => {
    const start = performance.now();
    for (let i = 0; i < 200; i++) await yieldToLoop();
    const perYield = (performance.now() - start) / 200;
    assert.ok(perYield < 0.5, `${perYield.toFixed(3)} ms per yield`);
  });
});
