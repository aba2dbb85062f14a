/**
 * Deno 2.9.2 and later start the V8 inspector on 127.0.0.1:9229 when SIGUSR1 (ExaBGP's reload signal)
 * arrives, and nothing turns that off (checked on this machine: Deno.addSignalListener, a node:process
 * listener, no permissions at all, --deny-net, NODE_OPTIONS=--disable-sigusr1). The runtime adapter says
 * so, and the daemon logs it as a warning on every SIGUSR1; Bun does nothing of the kind.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sigusr1StartsInspector } from "../../lib/runtime/deno.ts";
import { bunRuntime } from "../../lib/runtime/bun.ts";
import { runtime } from "../../lib/runtime/mod.ts";
import type { SignalName } from "../../lib/runtime/types.ts";

const OTHERS: SignalName[] = ["SIGTERM", "SIGHUP", "SIGINT", "SIGUSR2", "SIGALRM"];

describe("what a signal does besides our handler", () => {
  it("knows the Deno versions that start the inspector on SIGUSR1 (denoland/deno#35738, 2.9.2)", () => {
    const table: [string, boolean][] = [
      ["1.46.3", false],
      ["2.8.9", false],
      ["2.9.0", false],
      ["2.9.1", false],
      ["2.9.2", true],
      ["2.9.6", true],
      ["2.10.0", true],
      ["3.0.0", true],
    ];
    for (const [version, starts] of table) assert.equal(sigusr1StartsInspector(version), starts, version);
  });

  it("warns on SIGUSR1 under such a Deno only, and names the way around it", () => {
    const effect = runtime.signalSideEffect("SIGUSR1");
    if (runtime.name === "deno" && sigusr1StartsInspector(runtime.version)) {
      assert.match(effect ?? "", /V8 inspector on 127\.0\.0\.1:9229/);
      assert.match(effect ?? "", /tsbgp cli reload/);
    } else assert.equal(effect, undefined);
    for (const s of OTHERS) assert.equal(runtime.signalSideEffect(s), undefined, s);
  });

  it("says nothing for Bun, whatever the signal", () => {
    for (const s of ["SIGUSR1", ...OTHERS] as SignalName[]) {
      assert.equal(bunRuntime.signalSideEffect(s), undefined);
    }
  });
});
