/**
 * Scenario 5, idle: 10 established sessions (one raw peer each, on 127.0.0.11 … .20), nothing to send but
 * KEEPALIVEs; the process's CPU time and wake-ups (context switches over all threads) over the window.
 */
import { loadavg } from "node:os";
import { BIRD_ADDRESS } from "../bird_config.ts";
import { startBird, waitBirdEstablished } from "../bird.ts";
import { unlessExited } from "../child.ts";
import { sleep } from "../clock.ts";
import { IDLE_HOLD_TIME, IDLE_SESSIONS, SESSION_TIMEOUT_MS } from "../limits.ts";
import { BenchPeer } from "../peer.ts";
import { cell, type Scenario } from "../plan.ts";
import { fmt, type Row } from "../report.ts";
import { contextSwitches, cpuSeconds, rssKiB } from "../proc.ts";
import type { IdleRun } from "../results.ts";
import { speakerConfig } from "../speaker_config.ts";
import { startSpeaker } from "../speaker.ts";
import type { TargetName } from "../targets.ts";
import { Workspace, type WorkspaceSettings } from "../workspace.ts";
import { freePort } from "../../../tests/helpers/sandbox.ts";

const PEER_AS = 65100;
/** After the last session came up, before the window: OPEN/KEEPALIVE exchanges and start-up work end. */
const SETTLE_MS = 2_000;

async function peers(ws: Workspace): Promise<BenchPeer[]> {
  const out: BenchPeer[] = [];
  for (let i = 0; i < IDLE_SESSIONS; i++) {
    const host = `127.0.0.${11 + i}`;
    const peer = await BenchPeer.listen({
      host,
      port: await freePort(host),
      asn: PEER_AS + i,
      routerId: host,
      holdTime: IDLE_HOLD_TIME,
      expect: 0,
    });
    ws.defer(() => peer.close());
    out.push(peer);
  }
  return out;
}

export async function idle(
  target: TargetName,
  seconds: number,
  settings: WorkspaceSettings,
): Promise<IdleRun> {
  const run: IdleRun = { kind: "idle", target, sessions: IDLE_SESSIONS, seconds, loadBefore: loadavg()[0] };
  const ws = new Workspace(`idle-${target}`, settings);
  try {
    const all = await peers(ws);
    const sessions = all.map((p, i) => ({
      name: `peer${i}`,
      address: p.options.host,
      port: p.options.port,
      peerAs: p.options.asn,
    }));
    let pid: number;
    const established = Promise.all(
      all.map((p) => p.until(`session ${p.options.host}`, () => p.established, SESSION_TIMEOUT_MS)),
    );
    if (target === "bird") {
      const bird = await startBird(ws, {
        dir: ws.dir,
        port: await freePort(BIRD_ADDRESS),
        sessions: sessions.map((s) => ({
          name: s.name,
          neighbor: s.address,
          neighborPort: s.port,
          neighborAs: s.peerAs,
          holdTime: IDLE_HOLD_TIME,
          passive: false,
          export: false,
        })),
      }, SESSION_TIMEOUT_MS);
      await established;
      await waitBirdEstablished(bird, sessions[IDLE_SESSIONS - 1].name, SESSION_TIMEOUT_MS);
      pid = bird.pid;
    } else {
      const speaker = startSpeaker(
        ws,
        target,
        speakerConfig([], sessions.map((s) => ({ ...s, holdTime: IDLE_HOLD_TIME }))),
      );
      await unlessExited(speaker, target, established);
      pid = speaker.pid;
    }
    await sleep(SETTLE_MS);
    const cpu0 = cpuSeconds(pid) ?? 0;
    const switches0 = contextSwitches(pid) ?? 0;
    await sleep(seconds * 1000);
    const down = all.filter((p) => !p.established);
    if (down.length > 0) throw new Error(`${down.length} sessions went down while idle: ${down[0].closed}`);
    run.cpuSeconds = (cpuSeconds(pid) ?? cpu0) - cpu0;
    run.cpuPercent = run.cpuSeconds / seconds * 100;
    run.wakeupsPerSecond = ((contextSwitches(pid) ?? switches0) - switches0) / seconds;
    run.rssKiB = rssKiB(pid);
  } catch (e) {
    run.error = (e as Error).message;
  } finally {
    await ws.close();
  }
  return run;
}

export const idleScenario: Scenario = {
  name: "idle",
  needs: (o) => o.targets.map((target) => ({ kind: "idle" as const, target, seconds: o.idleSeconds })),
  section: (runs, o) => {
    const values = (pick: (r: IdleRun) => number | undefined): Row["values"] =>
      Object.fromEntries(
        o.targets.map((
          target,
        ) => [target, cell(runs.get({ kind: "idle", target, seconds: o.idleSeconds }), pick)]),
      );
    return {
      title: `5. Idle (${IDLE_SESSIONS} established sessions, ${o.idleSeconds} s)`,
      note:
        `Hold time ${IDLE_HOLD_TIME} s (a KEEPALIVE every ${
          IDLE_HOLD_TIME / 3
        } s each way per session); CPU = ` +
        "user + system time of the process over the window; wake-ups = context switches of all its threads.",
      rows: [
        {
          label: "CPU, % of one core",
          values: values((r) => r.cpuPercent),
          format: fmt.fixed(2),
          goal: { text: "≈ 0 (≤ 0.5 %)", met: (v: number) => v <= 0.5 },
        },
        { label: "wake-ups/s", values: values((r) => r.wakeupsPerSecond), format: fmt.fixed(1) },
        { label: "RSS (MiB)", values: values((r) => r.rssKiB), format: fmt.mib },
      ],
    };
  },
};
