/**
 * The speaker under test (tsbgp on Deno, on Bun, the binary, or ExaBGP 4.2) started in a run's workspace on a
 * configuration from speaker_config.ts; stopped by PID when the workspace closes.
 */
import { writeFileSync } from "node:fs";
import { Child } from "./child.ts";
import { speakerLaunch, type SpeakerTarget } from "./targets.ts";
import type { Workspace } from "./workspace.ts";

export function startSpeaker(ws: Workspace, target: SpeakerTarget, config: string): Child {
  const file = ws.path("speaker.conf");
  writeFileSync(file, config);
  const launch = speakerLaunch(target, file, ws.dir, ws.profileDir);
  const child = new Child(launch.command, launch.args, {
    cwd: ws.dir,
    env: launch.env,
    log: ws.path("speaker.log"),
  });
  ws.defer(() => child.stop("SIGTERM", 8_000));
  return child;
}
