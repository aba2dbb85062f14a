/**
 * BIRD 2 as the bench's reference peer: started in the run's workspace from a generated configuration
 * (bird_config.ts) with tests/helpers/bird.ts (foreground, own control socket, stopped by PID), and
 * queried with birdc for what the bench needs: session state and the number of routes in its table.
 */
import { writeFileSync } from "node:fs";
import { Bird } from "../../tests/helpers/bird.ts";
import { waitFor } from "./clock.ts";
import { type BirdConfig, birdConfig, routeCount } from "./bird_config.ts";
import { BIRD, BIRDC } from "./targets.ts";
import type { Workspace } from "./workspace.ts";

export type { Bird };

/** Starts BIRD on `config` and waits until its control socket answers (it has read the configuration). */
export async function startBird(ws: Workspace, config: BirdConfig, timeoutMs: number): Promise<Bird> {
  const file = ws.path("bird.conf");
  writeFileSync(file, birdConfig(config));
  const bird = new Bird({ dir: ws.dir, config: file, bird: BIRD, birdc: BIRDC });
  ws.defer(() => bird.stop());
  await bird.ready(timeoutMs);
  return bird;
}

export async function birdRouteCount(bird: Bird): Promise<number | undefined> {
  try {
    return routeCount(await bird.cli("show", "route", "count"));
  } catch {
    return undefined; // busy importing: the CLI answers late; the caller polls again
  }
}

/**
 * Polls `show route count` until BIRD holds `n` routes; returns the wall time of the answer that showed
 * them (BIRD's CLI waits while it imports a burst, so the time is exact to the poll interval).
 */
export async function waitBirdRoutes(
  bird: Bird,
  n: number,
  timeoutMs: number,
  everyMs = 100,
): Promise<number> {
  let last: number | undefined;
  return await waitFor(`BIRD holding ${n} routes`, async () => {
    last = await birdRouteCount(bird);
    return last !== undefined && last >= n ? performance.timeOrigin + performance.now() : undefined;
  }, { timeoutMs, everyMs, describe: () => `last count ${last ?? "none"}` });
}

/** Waits until protocol `name` is Established. */
export async function waitBirdEstablished(bird: Bird, name: string, timeoutMs: number): Promise<void> {
  let last = "";
  await waitFor(`BIRD session ${name} Established`, async () => {
    try {
      last = await bird.cli("show", "protocols", name);
    } catch (e) {
      last = (e as Error).message;
    }
    return /Established/.test(last) ? true : undefined;
  }, { timeoutMs, everyMs: 100, describe: () => last.trim().split("\n").slice(-1)[0] ?? "" });
}

/**
 * BIRD 2.0.12 may hold its last, partly filled UPDATE for up to ~3 s until something wakes its main loop
 * (reference README §3): a CLI request every `everyMs` while it sends. Returns the function that stops it.
 */
export function pokeWhileSending(bird: Bird, everyMs = 200): () => void {
  const timer = setInterval(() => void bird.cli("show", "status").catch(() => {}), everyMs);
  return () => clearInterval(timer);
}
