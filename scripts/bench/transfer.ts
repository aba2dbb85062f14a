/**
 * What the transfer scenarios (api_to_wire.ts, wire_to_json.ts) share around the part each times: the run
 * record and its workspace, the bench's raw peer, BIRD's sessions, the speaker under test with its one API
 * helper, and the figures recorded once the transfer ended. Each scenario keeps its sender, its receiver
 * and what starts and ends its clock.
 */
import { loadavg } from "node:os";
import { BIRD_ADDRESS, BIRD_AS, type BirdSession } from "./bird_config.ts";
import type { Child } from "./child.ts";
import { sleep } from "./clock.ts";
import { HOLD_TIME, KEEPALIVE_INTERVAL_S, settleMs } from "./limits.ts";
import { BenchPeer } from "./peer.ts";
import { type ProcessWatch, rssKiB } from "./proc.ts";
import type { ApiToWireRun, WireToJsonRun } from "./results.ts";
import { SPEAKER_ADDRESS, SPEAKER_AS, speakerConfig } from "./speaker_config.ts";
import { startSpeaker } from "./speaker.ts";
import type { SpeakerTarget } from "./targets.ts";
import { Workspace, type WorkspaceSettings } from "./workspace.ts";
import { freePort } from "../../tests/helpers/sandbox.ts";

export type TransferRun = ApiToWireRun | WireToJsonRun;

/**
 * Once a session is up, before the figures start: its End-of-RIB, session-up events and first KEEPALIVEs
 * are not part of them.
 */
export const QUIET_AFTER_UP_MS = 500;

/** The raw peer's place when BIRD is its neighbor: beside BIRD's address. */
const RAW_PEER_ADDRESS = "127.0.0.3";
const RAW_PEER_AS = 65003;

/**
 * One measured run: its record (with the load average before it starts) and a fresh workspace for
 * `transfer`; a failure becomes the record's `error`, and the workspace closes either way.
 */
export async function measureTransfer<R extends TransferRun>(
  identity: Omit<R, "loadBefore">,
  workspaceName: string,
  settings: WorkspaceSettings,
  transfer: (run: R, ws: Workspace) => Promise<void>,
): Promise<R> {
  const run = { ...identity, loadBefore: loadavg()[0] } as R;
  const ws = new Workspace(workspaceName, settings);
  try {
    await transfer(run, ws);
  } catch (e) {
    run.error = (e as Error).message;
  } finally {
    await ws.close();
  }
  return run;
}

/**
 * The bench's raw peer in BIRD's place, on the `port` BIRD would otherwise take: the speaker's configuration
 * is the same whichever of the two is its neighbor. It closes with the workspace.
 */
export function rawPeerInBirdsPlace(ws: Workspace, port: number, expect: number): Promise<BenchPeer> {
  return listenRawPeer(ws, BIRD_ADDRESS, BIRD_AS, port, expect);
}

/** The bench's raw peer beside BIRD, for BIRD to connect to (birdSessionWithRawPeer). */
export async function rawPeerBesideBird(ws: Workspace, expect: number): Promise<BenchPeer> {
  return listenRawPeer(ws, RAW_PEER_ADDRESS, RAW_PEER_AS, await freePort(RAW_PEER_ADDRESS), expect);
}

async function listenRawPeer(
  ws: Workspace,
  host: string,
  asn: number,
  port: number,
  expect: number,
): Promise<BenchPeer> {
  const peer = await BenchPeer.listen({ host, port, asn, routerId: host, holdTime: HOLD_TIME, expect });
  ws.defer(() => peer.close());
  return peer;
}

/** BIRD's session `speaker`: the speaker under test connects to it. */
export function birdSessionWithSpeaker(exportRoutes: boolean): BirdSession {
  return {
    name: "speaker",
    neighbor: SPEAKER_ADDRESS,
    neighborPort: 179,
    neighborAs: SPEAKER_AS,
    holdTime: HOLD_TIME,
    passive: true,
    export: exportRoutes,
  };
}

/** BIRD's session `peer` with the raw peer beside it: BIRD connects, since the raw peer only listens. */
export function birdSessionWithRawPeer(
  peer: BenchPeer,
  exportRoutes: boolean,
  disabled?: boolean,
): BirdSession {
  return {
    name: "peer",
    neighbor: peer.options.host,
    neighborPort: peer.options.port,
    neighborAs: peer.options.asn,
    holdTime: HOLD_TIME,
    passive: false,
    export: exportRoutes,
    disabled,
  };
}

export interface ApiHelper {
  readonly name: string;
  /** The command line (speaker_config.ts: no quoting). */
  readonly run: string;
  /** Where the helper writes its PID: it is killed by it at close, since helpers outlive crashes. */
  readonly pidFile: string;
  /** The helper also receives UPDATEs and session changes as JSON. */
  readonly receive?: boolean;
}

/** The speaker under test with one neighbor, at BIRD's address on `port`, bound to its one API helper. */
export function startSpeakerWithHelper(
  ws: Workspace,
  target: SpeakerTarget,
  port: number,
  helper: ApiHelper,
): Child {
  ws.killPidFileAtClose(helper.pidFile);
  return startSpeaker(
    ws,
    target,
    speakerConfig([{ name: helper.name, run: helper.run }], [{
      address: BIRD_ADDRESS,
      port,
      peerAs: BIRD_AS,
      holdTime: HOLD_TIME,
      process: helper.name,
      receive: helper.receive,
    }]),
  );
}

export interface TransferEnd {
  /** The process under test, watched from before the transfer. */
  readonly watch: ProcessWatch;
  /** Wall times (ms) the transfer started and ended. */
  readonly t0: number;
  readonly end: number;
  /** The raw peer, when one took part: its KEEPALIVE gap over the transfer is a figure. */
  readonly peer?: BenchPeer;
  /** The process whose RSS, once settled, holds the routes. */
  readonly holder: number;
}

/**
 * Records a finished transfer, in the order the JSON shows it: the watched process's CPU and RSS, then the
 * scenario's own `figures` for the transfer's seconds, the raw peer's longest KEEPALIVE gap, and the RSS
 * held once the runtime has settled.
 */
export async function recordTransfer<R extends TransferRun>(
  run: R,
  t: TransferEnd,
  figures: (seconds: number) => Partial<R>,
): Promise<void> {
  Object.assign(run, t.watch.finish(), figures((t.end - t.t0) / 1000));
  if (t.peer) {
    run.keepaliveIntervalSeconds = KEEPALIVE_INTERVAL_S;
    run.longestKeepaliveGapSeconds = t.peer.longestKeepaliveGap(t.t0, t.end) / 1000;
  }
  await sleep(settleMs(run.size));
  run.rssAfterKiB = rssKiB(t.holder);
}
