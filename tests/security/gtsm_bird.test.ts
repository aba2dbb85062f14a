/**
 * GTSM (RFC 5082) against BIRD 2 (`ttl security on`: it sends TTL 255 and drops anything below 255 for a
 * one-hop neighbor). tsbgp's `outgoing-ttl` sets IP_TTL and `incoming-ttl` IP_MINTTL through FFI, on the
 * socket it connects with ("active") or on its listening socket ("passive"). Both sides at 255: Established.
 * tsbgp sending the default TTL: BIRD drops it. BIRD not sending 255 (without ttl security it sends TTL 1
 * with `multihop 1`): tsbgp's kernel drops it. Either way no session, and tsbgp keeps running.
 *
 * BIRD sets its minimum TTL on the connection after accepting it, so tsbgp's very first segments can slip
 * through in the race and tsbgp may see BIRD's OPEN and KEEPALIVE: BIRD then never gets further than
 * OpenConfirm. The test therefore judges the first refusal by BIRD's state only, the second (tsbgp's kernel
 * drops, the option is on the socket before the SYN) by both sides.
 *
 * Without BIRD the test is skipped, except under CI (env CI set), where it fails.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { daemonAbsent } from "../helpers/interop.ts";
import {
  bgpState,
  BIRD,
  BIRD_MISSING,
  BIRDC,
  type Mode,
  NO_SESSION_MS,
  SecurityRig,
  sleep,
} from "./bird_rig.ts";

const BIRD_GTSM = ["ttl security on;"];
const TSBGP_GTSM = ["outgoing-ttl 255;", "incoming-ttl 255;"];

describe("GTSM against BIRD", () => {
  if (!BIRD || !BIRDC) return daemonAbsent(BIRD_MISSING);
  const rigs: SecurityRig[] = [];
  after(async () => {
    for (const r of rigs) await r.close();
  });

  for (const mode of ["active", "passive"] as Mode[]) {
    it(`${mode}: TTL 255 both ways gives an Established session`, { timeout: 60_000 }, async () => {
      const rig = new SecurityRig();
      rigs.push(rig);
      const { speaker } = await rig.start({ mode, bird: BIRD_GTSM, tsbgp: TSBGP_GTSM });
      await speaker.waitForLine(/neighbor 127\.0\.0\.2 up/, 30_000);
      const out = await rig.protocols((o) => /Routes:\s+1 imported/.test(o), 15_000);
      assert.equal(bgpState(out), "Established", await rig.context());
      await rig.close();
    });

    const refused: [string, string[], string[], boolean][] = [
      ["tsbgp sends the default TTL: BIRD drops it", BIRD_GTSM, ["incoming-ttl 255;"], false],
      ["BIRD sends TTL 1: tsbgp drops it", [], TSBGP_GTSM, true],
    ];
    for (const [what, bird, tsbgp, tsbgpDrops] of refused) {
      it(`${mode}: ${what}, no session, tsbgp keeps running`, { timeout: 60_000 }, async () => {
        const rig = new SecurityRig();
        rigs.push(rig);
        const { speaker } = await rig.start({ mode, bird, tsbgp });
        await sleep(NO_SESSION_MS);
        const out = await rig.protocols(() => true, 1_000);
        assert.notEqual(bgpState(out), "Established", await rig.context());
        if (tsbgpDrops) {
          assert.ok(!speaker.lines.some((l) => /neighbor 127\.0\.0\.2 up/.test(l)), await rig.context());
        }
        assert.ok(speaker.running, `tsbgp exited:\n${speaker.output}`);
        await rig.close();
      });
    }
  }
});
