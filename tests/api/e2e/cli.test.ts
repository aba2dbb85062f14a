/**
 * `tsbgp cli` against a running speaker over its control socket (lib/api/control.ts, lib/tools/cli_client.ts):
 * `show neighbor summary` lists the neighbor, `announce route` answers done and the route reaches the
 * Adj-RIB-Out and the peer, a bad command exits 1 with an error, and no speaker on the path exits 2.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock, PEER_AS } from "../../helpers/e2e.ts";
import { runCli } from "../../helpers/speaker.ts";

describe("tsbgp cli over the control socket", () => {
  const t = new E2E("e2e-cli");
  after(() => t.close());

  it("shows the neighbor, announces a route, refuses a bad command", { timeout: 50_000 }, async () => {
    await t.listen();
    t.writeConf(neighborBlock({ port: t.port }));
    const speaker = t.start();
    await t.established();
    await speaker.waitForLine(/control socket/, 10_000);

    const summary = await t.cli("show", "neighbor", "summary");
    assert.equal(summary.code, 0, summary.stderr);
    const row = summary.stdout.split("\n").find((l) => l.startsWith("127.0.0.1 "));
    assert.ok(row, `no neighbor line in:\n${summary.stdout}`);
    assert.match(row, new RegExp(`^127\\.0\\.0\\.1\\s+${PEER_AS}\\s`));
    assert.match(row, /established/);

    const announce = await t.cli("announce", "route", "10.9.0.0/24", "next-hop", "127.0.0.1");
    // `done` is the exit status 0 (the client prints only the lines before it).
    assert.equal(announce.code, 0, announce.stdout + announce.stderr);

    const out = await t.cli("show", "adj-rib", "out");
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^127\.0\.0\.1 ipv4 unicast 10\.9\.0\.0\/24\b/m, out.stdout);
    await t.peer.until(() => t.peer.rib.has("10.9.0.0/24"), 10_000, () => speaker.output);

    const bad = await t.cli("frobnicate", "everything");
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /answered error for: frobnicate everything/);
    assert.match(bad.stdout, /expected a command.*got 'frobnicate'/, "the reason is not printed");

    assert.ok(speaker.running, speaker.output);
    assert.equal(t.peer.connections.length, 1, "the session was reset");
  });

  it("exits 2 with a clear message when no speaker listens on the path", { timeout: 30_000 }, async () => {
    const nobody = await runCli(
      ["cli", "--socket", t.path("nobody.sock"), "show", "neighbor", "summary"],
      { timeoutMs: 20_000 },
    );
    assert.equal(nobody.code, 2, nobody.stdout + nobody.stderr);
    assert.match(nobody.stderr, /no tsbgp speaker is running/);
    assert.ok(nobody.stderr.includes(t.path("nobody.sock")), nobody.stderr);
  });
});
