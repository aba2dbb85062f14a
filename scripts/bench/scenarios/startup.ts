/**
 * Scenario 6, start-up: the wall time of `version` (process start to exit: what a user or a container
 * health check pays per invocation), and the time from spawning the speaker to the first OPEN arriving
 * at a raw peer (configuration read, runtime up, first connection made). One unmeasured warm-up each, then
 * the median of `repeat` runs.
 */
import { loadavg } from "node:os";
import { BIRD_ADDRESS } from "../bird_config.ts";
import { startBird } from "../bird.ts";
import { runToEnd, unlessExited } from "../child.ts";
import { wallMs } from "../clock.ts";
import { HOLD_TIME, SESSION_TIMEOUT_MS } from "../limits.ts";
import { BenchPeer } from "../peer.ts";
import { cell, type Scenario } from "../plan.ts";
import { fmt, type Row } from "../report.ts";
import { median, type StartupRun } from "../results.ts";
import { speakerConfig } from "../speaker_config.ts";
import { startSpeaker } from "../speaker.ts";
import { BIRD, command, type TargetName } from "../targets.ts";
import { Workspace, type WorkspaceSettings } from "../workspace.ts";
import { freePort } from "../../../tests/helpers/sandbox.ts";

const PEER_ADDRESS = "127.0.0.3";
const PEER_AS = 65003;

function versionCommand(target: TargetName): { command: string; args: string[] } {
  if (target === "bird") return { command: BIRD ?? "bird", args: ["--version"] };
  if (target === "exabgp") return command(target, ["--version"]);
  return command(target, ["version"]);
}

async function versionMs(target: TargetName): Promise<number> {
  const { command: cmd, args } = versionCommand(target);
  const r = await runToEnd(cmd, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${r.output.slice(0, 300)}`);
  return r.ms;
}

/** Spawn → the raw peer has the OPEN, in ms; the process is stopped by PID afterwards. */
async function firstOpenMs(target: TargetName, settings: WorkspaceSettings): Promise<number> {
  const ws = new Workspace(`startup-${target}`, settings);
  try {
    const peer = await BenchPeer.listen({
      host: PEER_ADDRESS,
      port: await freePort(PEER_ADDRESS),
      asn: PEER_AS,
      routerId: PEER_ADDRESS,
      holdTime: HOLD_TIME,
      expect: 0,
    });
    ws.defer(() => peer.close());
    const opened = () => peer.openAt !== undefined;
    if (target === "bird") {
      const port = await freePort(BIRD_ADDRESS);
      const t0 = wallMs();
      await startBird(ws, {
        dir: ws.dir,
        port,
        sessions: [{
          name: "peer",
          neighbor: PEER_ADDRESS,
          neighborPort: peer.options.port,
          neighborAs: PEER_AS,
          holdTime: HOLD_TIME,
          passive: false,
          export: false,
          connectDelay: 0,
        }],
      }, SESSION_TIMEOUT_MS);
      await peer.until("BIRD's OPEN", opened, SESSION_TIMEOUT_MS);
      return peer.openAt! - t0;
    }
    const config = speakerConfig([], [{
      address: PEER_ADDRESS,
      port: peer.options.port,
      peerAs: PEER_AS,
      holdTime: HOLD_TIME,
    }]);
    const t0 = wallMs();
    const speaker = startSpeaker(ws, target, config);
    await unlessExited(speaker, target, peer.until("the speaker's OPEN", opened, SESSION_TIMEOUT_MS));
    return peer.openAt! - t0;
  } finally {
    await ws.close();
  }
}

export async function startup(
  target: TargetName,
  repeat: number,
  settings: WorkspaceSettings,
): Promise<StartupRun> {
  const run: StartupRun = { kind: "startup", target, loadBefore: loadavg()[0] };
  try {
    await versionMs(target); // warm-up: the first run pays for the page cache
    run.versionRuns = [];
    for (let i = 0; i < repeat; i++) run.versionRuns.push(await versionMs(target));
    run.versionMs = median(run.versionRuns);
    await firstOpenMs(target, settings);
    run.firstOpenRuns = [];
    for (let i = 0; i < repeat; i++) run.firstOpenRuns.push(await firstOpenMs(target, settings));
    run.firstOpenMs = median(run.firstOpenRuns);
  } catch (e) {
    run.error = (e as Error).message;
  }
  return run;
}

export const startupScenario: Scenario = {
  name: "startup",
  needs: (o) => o.targets.map((target) => ({ kind: "startup" as const, target })),
  section: (runs, o) => {
    const values = (pick: (r: StartupRun) => number | undefined): Row["values"] =>
      Object.fromEntries(
        o.targets.map((target) => [target, cell(runs.get({ kind: "startup", target }), pick)]),
      );
    return {
      title: "6. Start-up (ms, median)",
      note:
        `Median of ${o.repeat} runs after one warm-up. \`version\`: spawn → exit (ExaBGP and BIRD: --version). ` +
        "First OPEN: spawn → the raw peer has the OPEN (BIRD: `connect delay time 0`).",
      rows: [
        { label: "version", values: values((r) => r.versionMs), format: fmt.int },
        { label: "spawn → first OPEN", values: values((r) => r.firstOpenMs), format: fmt.int },
      ],
    };
  },
};
