/**
 * SIGUSR1 reloads the configuration (exabgp-behaviour §5.4): a neighbor whose settings did not change keeps
 * its session and only gets the route differences (withdraw R2, announce R3); a configuration that does not
 * load is refused with its FILE:LINE error and the running one stays. A helper subscribed to
 * neighbor-changes must see `up` once and never `down`.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { E2E, neighborBlock, processBlock, readText, waitFor } from "../../helpers/e2e.ts";
import { sleep } from "../../helpers/sandbox.ts";

const R1 = "10.1.0.0/24";
const R2 = "10.2.0.0/24";
const R3 = "10.3.0.0/24";
const route = (p: string) => `route ${p} next-hop 127.0.0.1;`;
/** A helper that records the neighbor's state events (JSON, exabgp-behaviour §4.8 neighbor-changes). */
const WATCH = "  api {\n    processes [ watcher ];\n    neighbor-changes;\n  }\n";

describe("SIGUSR1 reload", () => {
  const t = new E2E("e2e-reload");
  after(() => t.close(["watcher.pid"]));

  it(
    "keeps the session, withdraws R2, announces R3; refuses a broken file",
    { timeout: 50_000 },
    async () => {
      await t.listen();
      const events = t.path("events");
      const watcher = processBlock(
        "watcher",
        t.script(
          "watcher.sh",
          `echo $$ > ${t.path("watcher.pid")}\nwhile read line; do echo "$line" >> ${events}; done`,
        ),
        "json",
      );
      const states = () => [...readText(events).matchAll(/"state": *"(\w+)"/g)].map((m) => m[1]);
      const config = (routes: string[]) => watcher + neighborBlock({ port: t.port, routes, extra: WATCH });
      t.writeConf(config([route(R1), route(R2)]));
      const speaker = t.start();
      await t.established();
      await t.peer.until(() => t.peer.rib.has(R1) && t.peer.rib.has(R2), 10_000, () => speaker.output);
      await speaker.waitForLine(/control socket/, 5_000);

      await waitFor(() => states().includes("up"), 10_000, () => `events: ${readText(events)}`);
      t.writeConf(config([route(R1), route(R3)]));
      process.kill(speaker.pid, "SIGUSR1");
      await t.peer.until(
        () => t.peer.rib.has(R3) && !t.peer.rib.has(R2),
        10_000,
        () => `peer has ${[...t.peer.rib]}\n${speaker.output}`,
      );
      assert.deepEqual(t.peer.withdrawn, [R2]);
      assert.ok(t.peer.rib.has(R1));
      assert.equal(t.peer.connections.length, 1, `a new connection:\n${speaker.output}`);
      assert.equal(t.peer.connections[0].closedAt, undefined, "the session was closed");
      assert.deepEqual(t.peer.notifications, []);
      assert.ok(!states().includes("down"), `a down event: ${readText(events)}`);

      // Line 3 of the broken file is not a statement the parser knows.
      const before = speaker.lines.length;
      t.writeConf("neighbor 127.0.0.1 {\n  router-id 192.0.2.1;\n  frobnicate 42;\n}\n");
      process.kill(speaker.pid, "SIGUSR1");
      const { line } = await speaker.waitForLine(/reload refused/, 10_000, before);
      assert.ok(line.includes(`${t.conf}:3`), `no FILE:LINE (${t.conf}:3) in: ${line}`);
      await sleep(500);
      assert.ok(speaker.running, speaker.output);
      assert.equal(t.peer.connections.length, 1);
      assert.equal(t.peer.connections[0].closedAt, undefined, "the session was closed");
      assert.deepEqual(t.peer.withdrawn, [R2]);
      const out = await t.cli("show", "adj-rib", "out");
      const prefixes = out.stdout.split("\n").filter(Boolean).map((l) => l.split(" ")[3]).sort();
      assert.deepEqual(prefixes, [R1, R3], out.stdout);
      assert.ok(!states().includes("down"), `a down event: ${readText(events)}`);
    },
  );
});
