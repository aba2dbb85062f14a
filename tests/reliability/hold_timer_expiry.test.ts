/**
 * Hold-timer expiry (RFC 4271 §6.5, §8.2.2): a peer that keeps sending KEEPALIVEs keeps the session (for
 * longer than the hold time); once it falls silent, with the connection still open, the speaker sends
 * NOTIFICATION 4/0 (Hold Timer Expired) and closes no earlier than the hold time after the last message it
 * received and within a second of it. Its own KEEPALIVEs go out every hold/3 s meanwhile.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FaultRig, neighbor } from "../helpers/fault_rig.ts";
import { sleep } from "../helpers/sandbox.ts";

const HOST = "127.0.0.3";
/** The smallest hold time allowed (RFC 4271 §4.2): keepalives every second. */
const HOLD = 3;
/** The peer keeps the session alive this long before falling silent (more than the hold time). */
const TALKING_MS = 4_500;

describe("fault: the peer falls silent", () => {
  const t = new FaultRig("hold-timer");
  after(() => t.close());

  it("is detected by the hold timer within a second of the hold time", { timeout: 30_000 }, async () => {
    const peer = await t.peer({ host: HOST, holdTime: HOLD });
    t.writeConf(neighbor({ peer: HOST, port: peer.options.port, holdTime: HOLD }));
    const speaker = t.start();
    await peer.until(() => peer.established, 15_000, () => speaker.output);
    const link = peer.link!;

    await sleep(TALKING_MS);
    assert.ok(link.open, `the session ended while the peer was talking:\n${speaker.output}`);
    assert.equal(link.notifications.length, 0, "a NOTIFICATION while the peer was talking");
    link.silence();
    const lastSent = link.lastSentAt!;

    await peer.until(() => link.notifications.length > 0, (HOLD + 3) * 1000, () => speaker.output);
    const n = link.notifications[0];
    const delay = (n.at - lastSent) / 1000;
    console.log(
      `hold time ${HOLD} s: NOTIFICATION ${n.code}/${n.subcode} ${
        delay.toFixed(3)
      } s after the peer's last message`,
    );
    assert.deepEqual([n.code, n.subcode], [4, 0]);
    assert.ok(delay >= HOLD - 0.05, `expired early: ${delay} s`);
    assert.ok(delay <= HOLD + 1, `expired late: ${delay} s`);
    await peer.until(() => !link.open, 3_000, () => "the connection stayed open after the NOTIFICATION");
    await speaker.waitForLine(/neighbor 127\.0\.0\.3 down: hold timer expired/, 3_000);

    // While the peer talked, the speaker's own KEEPALIVEs left every hold/3 s (1 s here).
    const gap = link.maxKeepaliveGap() / 1000;
    assert.ok(link.keepalives.length >= 4, `${link.keepalives.length} keepalives`);
    assert.ok(gap <= 1 + 1, `a keepalive came ${gap.toFixed(3)} s after the previous one`);
  });
});
