/**
 * Which neighbors a command reaches (exabgp-behaviour §4.2): a helper's commands reach the neighbors whose
 * `api` blocks name it (`processes`, `processesMatch`), the control socket's reach every neighbor, and the
 * selector (`neighbor 10.0.0.1 local-as 65000 …`) narrows that down, matched against each neighbor's name.
 *
 * A helper writing a table sends the same selector on every line, so the answer is kept per (source,
 * selector) and reused while the neighbor list holds the same runtimes with the same configuration objects:
 * a reload that adds, removes or reconfigures a neighbor replaces one of them, and the answer is rebuilt.
 */
import type { NeighborConfig } from "../config/model.ts";
import type { NeighborRuntime } from "../speaker/speaker.ts";
import type { CommandSource } from "./dispatch.ts";
import { matchSelector, neighborName, type Selector } from "./selector.ts";

/** The helper names a neighbor's api blocks grant access to. */
export function neighborServes(config: NeighborConfig, process: string): boolean {
  return config.api.some((api) =>
    api.processes.includes(process) || api.processesMatch.some((re) => new RegExp(re).test(process))
  );
}

/** The name string selectors are matched against (selector.ts `neighborName`). */
export function neighborIdentity(n: NeighborRuntime): string {
  const c = n.config;
  return neighborName({
    peerAddress: c.peerAddress,
    localAddress: c.localAddress,
    localAs: c.localAs,
    peerAs: c.peerAs,
    routerId: n.open.routerId,
    families: c.families,
    multiSession: c.capability.multiSession,
  });
}

/** The neighbors `source` may address, narrowed by `selector` (none: all of them). */
export function selectNeighbors(
  all: readonly NeighborRuntime[],
  source: CommandSource,
  selector: Selector | undefined,
): NeighborRuntime[] {
  const scope = source.kind === "control" ? all : all.filter((n) => neighborServes(n.config, source.name));
  return selector === undefined
    ? [...scope]
    : scope.filter((n) => matchSelector(selector, neighborIdentity(n)));
}

interface Answer {
  /** The neighbor list and configurations the answer was computed from. */
  readonly all: readonly NeighborRuntime[];
  readonly configs: readonly NeighborConfig[];
  readonly peers: readonly NeighborRuntime[];
}

/** Distinct (source, selector) pairs remembered; past that the cache starts over. */
const MAX_ANSWERS = 1024;

/** Per owner of a neighbor list (a speaker): its remembered answers by (source, selector). */
const answers = new WeakMap<object, Map<string, Answer>>();

/** selectNeighbors over `owner.neighbors()`, remembered (module comment); the array is the caller's. */
export function reachedNeighbors(
  owner: { neighbors(): readonly NeighborRuntime[] },
  source: CommandSource,
  selector: Selector | undefined,
): NeighborRuntime[] {
  const all = owner.neighbors();
  let known = answers.get(owner);
  if (known === undefined) answers.set(owner, known = new Map());
  // JSON keeps a quoted value with spaces apart from two pairs: the selector's text would not.
  const key = `${source.kind === "control" ? "" : source.name}\u0000${
    selector === undefined ? "" : JSON.stringify(selector.descriptions)
  }`;
  const answer = known.get(key);
  if (answer !== undefined && unchanged(answer, all)) return answer.peers.slice();
  const peers = selectNeighbors(all, source, selector);
  if (known.size >= MAX_ANSWERS) known.clear();
  known.set(key, { all: [...all], configs: all.map((n) => n.config), peers });
  return peers.slice();
}

function unchanged(a: Answer, all: readonly NeighborRuntime[]): boolean {
  if (a.all.length !== all.length) return false;
  for (let i = 0; i < all.length; i++) {
    if (a.all[i] !== all[i] || a.configs[i] !== all[i].config) return false;
  }
  return true;
}
