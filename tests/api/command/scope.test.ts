/**
 * Which neighbors a command reaches (lib/api/scope.ts): the helper's api blocks, then the selector; the
 * answer is remembered per (source, selector) and must follow a reload that adds, removes or reconfigures
 * a neighbor.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseSelector, type Selector } from "../../../lib/api/selector.ts";
import { reachedNeighbors, selectNeighbors } from "../../../lib/api/scope.ts";
import type { CommandSource } from "../../../lib/api/dispatch.ts";
import { parseExabgpConfig } from "../../../lib/config/exabgp.ts";
import type { NeighborConfig } from "../../../lib/config/model.ts";
import { tokenize } from "../../../lib/config/tokenizer.ts";
import type { NeighborRuntime } from "../../../lib/speaker/speaker.ts";

function neighborConfig(address: string, localAs: number, api: string): NeighborConfig {
  const text =
    `process feed {\n  run /bin/true;\n  encoder text;\n}\nprocess other {\n  run /bin/true;\n  encoder text;\n}\n` +
    `neighbor ${address} {\n  router-id 192.0.2.1;\n  local-address 127.0.0.100;\n  local-as ${localAs};\n` +
    `  peer-as 65002;\n  api {\n    ${api}\n  }\n}\n`;
  return parseExabgpConfig(text, "scope.conf").neighbors[0];
}

/** What selection reads of a runtime: its configuration and its OPEN's router id. */
function runtime(config: NeighborConfig): NeighborRuntime {
  return { config, open: { routerId: "192.0.2.1" } } as unknown as NeighborRuntime;
}

function selector(line: string): Selector | undefined {
  return parseSelector(tokenize(line)).selector;
}

const FEED: CommandSource = { kind: "process", name: "feed" };
const OTHER: CommandSource = { kind: "process", name: "other" };
const CONTROL: CommandSource = { kind: "control" };

const addresses = (peers: readonly NeighborRuntime[]) => peers.map((n) => n.config.peerAddress);

describe("neighbors a command reaches", () => {
  const a = runtime(neighborConfig("127.0.0.1", 65001, "processes [ feed ];"));
  const b = runtime(neighborConfig("127.0.0.2", 65001, "processes [ other ];"));
  const c = runtime(neighborConfig("127.0.0.3", 65009, 'processes-match [ "^fe" ];'));
  const all = [a, b, c];

  it("a helper reaches the neighbors whose api blocks name it or match it", () => {
    assert.deepEqual(addresses(selectNeighbors(all, FEED, undefined)), ["127.0.0.1", "127.0.0.3"]);
    assert.deepEqual(addresses(selectNeighbors(all, OTHER, undefined)), ["127.0.0.2"]);
    assert.deepEqual(addresses(selectNeighbors(all, CONTROL, undefined)), [
      "127.0.0.1",
      "127.0.0.2",
      "127.0.0.3",
    ]);
  });

  it("the selector narrows them down", () => {
    assert.deepEqual(addresses(selectNeighbors(all, FEED, selector("neighbor 127.0.0.3 x"))), ["127.0.0.3"]);
    assert.deepEqual(addresses(selectNeighbors(all, OTHER, selector("neighbor 127.0.0.3 x"))), []);
    assert.deepEqual(
      addresses(selectNeighbors(all, CONTROL, selector("neighbor 127.0.0.3 local-as 65009 x"))),
      [
        "127.0.0.3",
      ],
    );
    assert.deepEqual(
      addresses(selectNeighbors(all, CONTROL, selector("neighbor 127.0.0.3 local-as 65001 x"))),
      [],
    );
    assert.deepEqual(addresses(selectNeighbors(all, CONTROL, selector("neighbor * x"))), addresses(all));
  });

  it("remembers the answer and follows the neighbor list and its configurations", () => {
    const list: NeighborRuntime[] = [a, b];
    const owner = { neighbors: () => list };
    const local = selector("neighbor 127.0.0.2 local-as 65001, neighbor 127.0.0.1, neighbor 127.0.0.4 x");
    assert.deepEqual(addresses(reachedNeighbors(owner, CONTROL, local)), ["127.0.0.1", "127.0.0.2"]);
    // The caller may change its array without touching what is remembered.
    reachedNeighbors(owner, CONTROL, local).pop();
    assert.deepEqual(addresses(reachedNeighbors(owner, CONTROL, local)), ["127.0.0.1", "127.0.0.2"]);
    // A reload adds a neighbor…
    list.push(runtime(neighborConfig("127.0.0.4", 65001, "processes [ feed ];")));
    assert.deepEqual(addresses(reachedNeighbors(owner, CONTROL, local)), [
      "127.0.0.1",
      "127.0.0.2",
      "127.0.0.4",
    ]);
    // …replaces a neighbor's configuration (its local AS changed)…
    const kept = list[1] as { config: NeighborConfig };
    kept.config = neighborConfig("127.0.0.2", 65007, "processes [ other ];");
    assert.deepEqual(addresses(reachedNeighbors(owner, CONTROL, local)), ["127.0.0.1", "127.0.0.4"]);
    // …removes one.
    list.splice(0, 1);
    assert.deepEqual(addresses(reachedNeighbors(owner, CONTROL, local)), ["127.0.0.4"]);
    assert.deepEqual(addresses(reachedNeighbors(owner, FEED, undefined)), ["127.0.0.4"]);
  });

  it("keeps selectors apart whose text would read alike", () => {
    const owner = { neighbors: () => all };
    // Two pairs, found apart in the name; one pair whose quoted value holds a space, never found whole.
    const pairs = selector("neighbor 127.0.0.1 local-as 65001 x");
    const quoted = selector('neighbor "127.0.0.1 local-as 65001" x');
    assert.deepEqual(addresses(reachedNeighbors(owner, CONTROL, pairs)), ["127.0.0.1"]);
    assert.deepEqual(addresses(reachedNeighbors(owner, CONTROL, quoted)), []);
  });
});
