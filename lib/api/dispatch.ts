/**
 * Applies API commands to the speaker (exabgp-behaviour §4.1–4.3). Route commands change the Adj-RIB-Out
 * synchronously: a batch of lines applied in one call is complete before any session builds an UPDATE,
 * because sessions only pull from the RIB on a later event-loop turn (BRIEF lesson 3).
 *
 * Answers are built lazily: `show adj-rib` and `show neighbor configuration` make their lines one at a time
 * as the caller writes them (lib/api/hub.ts paces that over event-loop turns), so an answer over a big RIB
 * never exists whole in memory. They read the RIB as it is then — after every command of their batch was
 * applied, and with what other helpers changed meanwhile — as ExaBGP, whose show commands run as
 * generators across reactor turns too. Copying the RIB for each show instead would cost memory in
 * proportion to the RIB times the shows of one read.
 *
 * A command from a helper reaches only the neighbors whose `api` block names that helper (`processes`,
 * `processesMatch`); a command from the control socket reaches every neighbor.
 */
import { familyAfi, familyName, familySafi } from "../bgp/family.ts";
import { encodeEor } from "../bgp/message/eor.ts";
import { encodeMessage } from "../bgp/message/codec.ts";
import { routeRefresh } from "../bgp/message/route_refresh.ts";
import { DEFAULT_CONTEXT, type Route } from "../bgp/types.ts";
import { nlriToString } from "../bgp/nlri/prefix.ts";
import type { NeighborRuntime } from "../speaker/speaker.ts";
import { VERSION } from "../version.ts";
import { type Command, CommandError, commandHelp, parseCommand } from "./command.ts";
import { reachedNeighbors } from "./scope.ts";
import { attributesText } from "./text.ts";
import { neighborConfigLines } from "./config_text.ts";

/** Who sent a command: a helper process (by name) or the control socket (every neighbor). */
export type CommandSource = { readonly kind: "process"; readonly name: string } | {
  readonly kind: "control";
};

/** What the speaker offers the dispatcher beyond its neighbors (lifecycle commands). */
export interface DispatchTarget {
  neighbors(): readonly NeighborRuntime[];
  shutdown(): void;
  reload(): void;
  restart(): void;
  /** The API version string for `version` (`exabgp_version`, else 5.0.0). */
  readonly apiVersion: string;
}

export interface Outcome {
  readonly ok: boolean;
  /** Lines printed before the ack (show commands, version, …), built as they are iterated, once. */
  readonly output: Iterable<string>;
  /** Why a command failed, for the log. */
  readonly reason?: string;
  /** Ack control commands change how the source is answered. */
  readonly ack?: "enable" | "disable" | "silence";
}

const OK: Outcome = { ok: true, output: [] };
const fail = (reason: string): Outcome => ({ ok: false, output: [], reason });

export { neighborServes } from "./scope.ts";

type Handler<K extends Command["kind"]> = (
  cmd: Extract<Command, { kind: K }>,
  peers: NeighborRuntime[],
  target: DispatchTarget,
) => Outcome;

const established = (peers: NeighborRuntime[]) => peers.filter((n) => n.peer.session !== undefined);

function routeCommand<K extends "announce-route" | "withdraw-route">(
  apply: (n: NeighborRuntime, r: Route) => void,
): Handler<K> {
  return (cmd, peers) => {
    if (peers.length === 0) return fail("no neighbor matching the command");
    const routes = (cmd as { readonly routes: readonly Route[] }).routes;
    for (const n of peers) for (const r of routes) apply(n, r);
    return OK;
  };
}

/** `show neighbor summary`: ExaBGP's table. */
function summary(peers: NeighborRuntime[]): string[] {
  const rows = ["Peer            AS        up/down state       |     #sent     #recvd"];
  for (const n of peers) {
    const s = n.peer.session;
    const state = s ? "established" : n.peer.state.toLowerCase();
    const up = n.upSince ? formatDuration(Date.now() - n.upSince) : "down";
    rows.push(
      `${n.config.peerAddress.padEnd(15)} ${String(n.view().peerAs).padEnd(9)} ${up.padStart(7)} ${
        state.padEnd(11)
      } | ${String(n.stats.sentUpdates).padStart(9)} ${String(n.ribIn.size).padStart(10)}`,
    );
  }
  return rows;
}

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${
    String(s % 60).padStart(2, "0")
  }`;
}

function extensive(n: NeighborRuntime): string[] {
  const neg = n.peer.negotiated;
  const c = n.config;
  const lines = [
    `Neighbor ${c.peerAddress}`,
    `  Session          ${n.peer.session ? "established" : n.peer.state.toLowerCase()}`,
    `  Local address    ${n.view().localAddress}`,
    `  Local AS         ${c.localAs}`,
    `  Peer AS          ${n.view().peerAs}`,
    `  Router ID        ${n.open.routerId}`,
    `  Hold time        ${neg ? neg.holdTime : c.holdTime}`,
    `  Families         ${(neg ? [...neg.families] : c.families).map(familyName).join(", ")}`,
    `  Route refresh    ${neg ? neg.refresh : "-"}`,
    `  Adj-RIB-Out      ${n.ribOut.size} route(s)`,
    `  Adj-RIB-In       ${n.ribIn.size} route(s)`,
    `  Stale (GR)       ${n.stale.size} route(s)`,
    `  UPDATEs sent     ${n.stats.sentUpdates}`,
    `  UPDATEs received ${n.stats.receivedUpdates}`,
  ];
  return lines;
}

/** One route as `show adj-rib` prints it: `<peer> <afi> <safi> <nlri> [next-hop … attributes]`. */
function routeLine(peer: string, r: Route, detailed: boolean): string {
  const fam = familyName(r.nlri.family);
  const base = `${peer} ${fam} ${nlriToString(r.nlri)}`;
  if (!detailed) return base;
  const nh = r.nextHop.kind === "ip" ? r.nextHop.address : r.nextHop.kind === "self" ? "self" : "none";
  return `${base} next-hop ${nh}${attributesText(r.attributes)}`;
}

const FILTERS: Record<string, (afi: number, safi: number) => boolean> = {
  inet: (_a, s) => s === 1 || s === 2 || s === 4 || s === 128,
  flow: (_a, s) => s === 133 || s === 134,
  l2vpn: (a) => a === 25,
};

/** The routes `show adj-rib` prints, neighbor by neighbor, read as they are iterated. */
function* adjRib(
  peers: readonly NeighborRuntime[],
  direction: "in" | "out",
  filter: string | undefined,
): Iterable<readonly [peer: string, route: Route]> {
  const keep = filter === undefined ? undefined : FILTERS[filter];
  for (const n of peers) {
    for (const r of direction === "out" ? n.ribOut.routes() : n.ribIn.routes()) {
      if (keep && !keep(familyAfi(r.nlri.family), familySafi(r.nlri.family))) continue;
      yield [n.config.peerAddress, r];
    }
  }
}

function* adjRibLines(routes: Iterable<readonly [string, Route]>, detailed: boolean): Iterable<string> {
  for (const [peer, r] of routes) yield routeLine(peer, r, detailed);
}

/** `show adj-rib … json`: one line, built when it is written. */
function* adjRibJson(routes: Iterable<readonly [string, Route]>): Iterable<string> {
  const json: Record<string, { routes: unknown[] }> = {};
  for (const [peer, r] of routes) {
    (json[peer] ??= { routes: [] }).routes.push({
      prefix: nlriToString(r.nlri),
      family: familyName(r.nlri.family),
      "next-hop": r.nextHop.kind === "ip" ? r.nextHop.address : r.nextHop.kind,
    });
  }
  yield JSON.stringify(json);
}

/** `show neighbor configuration`: each neighbor and its Adj-RIB-Out as configuration text that loads again. */
function* configurationLines(peers: readonly NeighborRuntime[]): Iterable<string> {
  for (const n of peers) yield* neighborConfigLines(n.config, n.ribOut.routes());
}

const HANDLERS: { [K in Command["kind"]]: Handler<K> } = {
  "announce-route": routeCommand((n, r) => n.ribOut.announce(r)),
  "withdraw-route": routeCommand((n, r) => n.ribOut.withdraw(r)),
  "announce-unsupported": (cmd) => fail(`${cmd.family} routes are not supported by this build (${cmd.text})`),
  watchdog: (cmd, peers) => {
    if (peers.length === 0) return fail("no neighbor matching the command");
    for (const n of peers) {
      if (cmd.action === "announce") n.ribOut.announceWatchdog(cmd.name);
      else n.ribOut.withdrawWatchdog(cmd.name);
    }
    return OK;
  },
  eor: (cmd, peers) => {
    const up = established(peers);
    if (up.length === 0) return fail("no established neighbor matching the command");
    for (const n of up) n.peer.send([encodeEor(cmd.family)]);
    return OK;
  },
  "route-refresh": (cmd, peers) => {
    const up = established(peers);
    if (up.length === 0) return fail("no established neighbor matching the command");
    const raw = encodeMessage(routeRefresh(familyAfi(cmd.family), familySafi(cmd.family)), DEFAULT_CONTEXT);
    for (const n of up) n.peer.send([raw]);
    return OK;
  },
  operational: (cmd) => fail(`operational messages are not supported by this build (${cmd.name})`),
  "flush-adj-rib-out": (_cmd, peers) => {
    const up = established(peers);
    if (up.length === 0) return fail("no established neighbor matching the command");
    // ExaBGP wraps the re-sent routes in BoRR/EoRR when route refresh is configured for the neighbor.
    for (const n of up) n.ribOut.resend(undefined, n.config.capability.routeRefresh);
    return OK;
  },
  "clear-adj-rib": (cmd, peers) => {
    for (const n of peers) cmd.direction === "out" ? n.ribOut.clear() : n.ribIn.clear();
    return OK;
  },
  teardown: (cmd, peers) => {
    const up = established(peers);
    if (up.length === 0) return fail("no established neighbor matching the command");
    for (const n of up) void n.peer.teardown(cmd.subcode, cmd.text);
    return OK;
  },
  "show-neighbor": (cmd, peers) => {
    const selected = cmd.address ? peers.filter((n) => n.config.peerAddress === cmd.address) : peers;
    if (cmd.json) {
      return {
        ok: true,
        output: [JSON.stringify(selected.map((n) => ({
          "peer-address": n.config.peerAddress,
          "local-address": n.view().localAddress,
          "peer-as": n.view().peerAs,
          "local-as": n.config.localAs,
          state: n.peer.session ? "established" : n.peer.state.toLowerCase(),
          "adj-rib-out": n.ribOut.size,
          "adj-rib-in": n.ribIn.size,
        })))],
      };
    }
    switch (cmd.mode) {
      case "summary":
        return { ok: true, output: summary(selected) };
      case "extensive":
        return { ok: true, output: selected.flatMap(extensive) };
      case "configuration":
        return {
          ok: true,
          output: configurationLines(selected),
        };
      default:
        return {
          ok: false,
          output: ["please specify summary, extensive or configuration"],
          reason: "no mode",
        };
    }
  },
  "show-adj-rib": (cmd, peers) => {
    const selected = cmd.address ? peers.filter((n) => n.config.peerAddress === cmd.address) : peers;
    const routes = adjRib(selected, cmd.direction, cmd.filter);
    return { ok: true, output: cmd.json ? adjRibJson(routes) : adjRibLines(routes, cmd.extensive) };
  },
  shutdown: (_c, _p, t) => {
    t.shutdown();
    return { ok: true, output: ["shutdown in progress"] };
  },
  reload: (_c, _p, t) => {
    t.reload();
    return { ok: true, output: ["reload in progress"] };
  },
  restart: (_c, _p, t) => {
    t.restart();
    return { ok: true, output: ["restart in progress"] };
  },
  version: (_c, _p, t) => ({ ok: true, output: [`exabgp ${t.apiVersion} (tsbgp ${VERSION})`] }),
  // Built from the parser's own command tables, so it lists exactly what is accepted.
  help: () => ({ ok: true, output: commandHelp() }),
  reset: () => OK,
  "enable-ack": () => ({ ok: true, output: [], ack: "enable" }),
  "disable-ack": () => ({ ok: true, output: [], ack: "disable" }),
  "silence-ack": () => ({ ok: true, output: [], ack: "silence" }),
  comment: () => OK,
  debug: () => OK,
};

/**
 * Parses and applies one command line. Never throws: a bad line is an `error` outcome with a reason (the
 * output, built while it is iterated, may still throw; the hub answers `error` then).
 */
export function dispatch(line: string, source: CommandSource, target: DispatchTarget): Outcome {
  let cmd: Command;
  try {
    cmd = parseCommand(line);
  } catch (e) {
    return fail(e instanceof CommandError ? e.message : `cannot parse '${line}': ${(e as Error).message}`);
  }
  const peers = reachedNeighbors(target, source, cmd.selector);
  const handler = HANDLERS[cmd.kind] as Handler<Command["kind"]>;
  try {
    return handler(cmd, peers, target);
  } catch (e) {
    return fail(`${line}: ${(e as Error).message}`);
  }
}
