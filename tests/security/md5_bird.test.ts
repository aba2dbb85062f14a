/**
 * TCP-MD5 (RFC 2385) against BIRD 2: tsbgp's `md5-password` is set through FFI (TCP_MD5SIG) on the socket it
 * connects with ("active") or on its listening socket for BIRD's address ("passive"). With BIRD's
 * `password` equal, the session reaches Established and routes flow; with a different one the kernels drop
 * every segment, so no session comes up, and tsbgp keeps running (no crash, it just retries).
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

const KEY = "s3cret-md5";

describe("TCP-MD5 against BIRD", () => {
  if (!BIRD || !BIRDC) return daemonAbsent(BIRD_MISSING);
  const rigs: SecurityRig[] = [];
  after(async () => {
    for (const r of rigs) await r.close();
  });

  for (const mode of ["active", "passive"] as Mode[]) {
    it(`${mode}: the right key gives an Established session`, { timeout: 60_000 }, async () => {
      const rig = new SecurityRig();
      rigs.push(rig);
      const { speaker } = await rig.start({
        mode,
        bird: [`password "${KEY}";`],
        tsbgp: [`md5-password "${KEY}";`],
      });
      await speaker.waitForLine(/neighbor 127\.0\.0\.2 up/, 30_000);
      const out = await rig.protocols((o) => /Routes:\s+1 imported/.test(o), 15_000);
      assert.equal(bgpState(out), "Established", await rig.context());
      assert.match(out, /Routes:\s+1 imported/, await rig.context());
      await rig.close();
    });

    it(`${mode}: a wrong key gives no session, and tsbgp keeps running`, { timeout: 60_000 }, async () => {
      const rig = new SecurityRig();
      rigs.push(rig);
      const { speaker } = await rig.start({
        mode,
        bird: [`password "${KEY}";`],
        tsbgp: [`md5-password "not-${KEY}";`],
      });
      await sleep(NO_SESSION_MS);
      const out = await rig.protocols(() => true, 1_000);
      assert.notEqual(bgpState(out), "Established", await rig.context());
      assert.ok(!speaker.lines.some((l) => /neighbor 127\.0\.0\.2 up/.test(l)), await rig.context());
      assert.ok(speaker.running, `tsbgp exited:\n${speaker.output}`);
      await rig.close();
    });
  }
});
