/**
 * Scenario 1, API → wire: N routes written by an API helper as `announce` commands (one per line, or 1000
 * per `announce attributes … nlri` line), from the first line written to the last prefix at the receiver:
 * the bench's raw peer (exact: the time of the chunk that completed the set) or BIRD (`show route count`
 * polled every 100 ms). BIRD as a target has no API: its row is its static table → wire, timed from the
 * session's Established to the last prefix at the raw peer.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { API_FORMS, type ApiForm, writeCommands } from "../api_commands.ts";
import { BIRD_ADDRESS, writeStaticRoutes } from "../bird_config.ts";
import { pokeWhileSending, startBird, waitBirdEstablished, waitBirdRoutes } from "../bird.ts";
import { unlessExited } from "../child.ts";
import { sleep, waitFor } from "../clock.ts";
import { birdLoadTimeoutMs, SESSION_TIMEOUT_MS, transferTimeoutMs } from "../limits.ts";
import type { BenchOptions, Endpoint } from "../options.ts";
import { cell, type Runs, type Scenario, sizeLabel } from "../plan.ts";
import { fmt, type Goal, type Row } from "../report.ts";
import { rssKiB } from "../proc.ts";
import type { ApiToWireRun } from "../results.ts";
import { isSpeaker, REPO_ROOT, type SpeakerTarget } from "../targets.ts";
import {
  birdSessionWithRawPeer,
  birdSessionWithSpeaker,
  measureTransfer,
  QUIET_AFTER_UP_MS,
  rawPeerBesideBird,
  rawPeerInBirdsPlace,
  recordTransfer,
  startSpeakerWithHelper,
} from "../transfer.ts";
import type { WorkspaceSettings } from "../workspace.ts";
import { freePort } from "../../../tests/helpers/sandbox.ts";

/** What API → wire reports of `n` routes over `seconds` (the UPDATEs when the raw peer counted them). */
function routeRates(n: number, seconds: number, updates: number | undefined): Partial<ApiToWireRun> {
  return { seconds, routesPerSecond: n / seconds, ...(updates === undefined ? {} : { updates }) };
}

export function speakerApiToWire(
  target: SpeakerTarget,
  form: ApiForm,
  receiver: Endpoint,
  n: number,
  settings: WorkspaceSettings,
): Promise<ApiToWireRun> {
  const identity = { kind: "api-to-wire", target, form, receiver, size: n } as const;
  return measureTransfer<ApiToWireRun>(identity, `api-${target}-${form}-${n}`, settings, async (run, ws) => {
    const port = await freePort(BIRD_ADDRESS);
    const peer = receiver === "raw" ? await rawPeerInBirdsPlace(ws, port, n) : undefined;
    const bird = receiver === "bird"
      ? await startBird(
        ws,
        { dir: ws.dir, port, sessions: [birdSessionWithSpeaker(false)] },
        SESSION_TIMEOUT_MS,
      )
      : undefined;

    const [trigger, started, commands, pidFile] = ["trigger", "started", "commands.txt", "sender.pid"].map((
      f,
    ) => ws.path(f));
    writeCommands(commands, form, n);
    const speaker = startSpeakerWithHelper(ws, target, port, {
      name: "sender",
      run:
        `/bin/sh ${REPO_ROOT}scripts/bench/helpers/api_sender.sh ${trigger} ${started} ${commands} ${pidFile}`,
      pidFile,
    });
    const up: Promise<unknown> = peer
      ? peer.until("session with the raw peer", () => peer.established, SESSION_TIMEOUT_MS)
      : waitBirdEstablished(bird!, "speaker", SESSION_TIMEOUT_MS);
    await unlessExited(speaker, target, up);
    await sleep(QUIET_AFTER_UP_MS);

    const watch = ws.watch(speaker.pid);
    const timeout = transferTimeoutMs(n);
    // Watching from before the trigger: a short transfer may end before the helper's timestamp is read.
    const atPeer = peer?.until(`${n} prefixes at the raw peer`, () => peer.prefixes.size >= n, timeout);
    atPeer?.catch(() => {}); // awaited below; a failure meanwhile must not go unhandled
    writeFileSync(trigger, "");
    const t0 = await waitFor(
      "the API helper's first line",
      () => (existsSync(started) ? Number(readFileSync(started, "utf8").trim()) / 1e6 : undefined),
      { timeoutMs: 10_000, everyMs: 10 },
    );
    const end = await unlessExited(speaker, target, atPeer ?? waitBirdRoutes(bird!, n, timeout));
    await recordTransfer(
      run,
      { watch, t0, end, peer, holder: speaker.pid },
      (s) => routeRates(n, s, peer?.updates),
    );
    if (bird) run.receiverRssKiB = rssKiB(bird.pid);
  });
}

/** BIRD's static table of N routes → wire, to the raw peer (BIRD has no API to compare with). */
export function birdStaticToWire(n: number, settings: WorkspaceSettings): Promise<ApiToWireRun> {
  const identity = { kind: "api-to-wire", target: "bird", form: "static", receiver: "raw", size: n } as const;
  return measureTransfer<ApiToWireRun>(identity, `api-bird-${n}`, settings, async (run, ws) => {
    const peer = await rawPeerBesideBird(ws, n);
    const routes = ws.path("routes.bird");
    writeStaticRoutes(routes, n, false);
    const bird = await startBird(ws, {
      dir: ws.dir,
      port: await freePort(BIRD_ADDRESS),
      staticRoutes: routes,
      sessions: [birdSessionWithRawPeer(peer, true, true)],
    }, birdLoadTimeoutMs(n));
    await waitBirdRoutes(bird, n, birdLoadTimeoutMs(n));
    const watch = ws.watch(bird.pid);
    await bird.cli("enable", "peer");
    const t0 = await peer.until("BIRD's session", () => peer.established, SESSION_TIMEOUT_MS);
    const stopPoking = pokeWhileSending(bird);
    let end: number;
    try {
      end = await peer.until(
        `${n} prefixes at the raw peer`,
        () => peer.prefixes.size >= n,
        transferTimeoutMs(n),
      );
    } finally {
      stopPoking();
    }
    await recordTransfer(
      run,
      { watch, t0, end, peer, holder: bird.pid },
      (s) => routeRates(n, s, peer.updates),
    );
  });
}

const GOALS: Readonly<Record<ApiForm, Goal>> = {
  "per-line": { text: "≥ 100,000/s", met: (v) => v >= 100_000 },
  batched: { text: "≥ 300,000/s", met: (v) => v >= 300_000 },
};

export const apiToWire: Scenario = {
  name: "api-to-wire",
  needs: (o) =>
    o.apiSizes.flatMap((size) => [
      ...API_FORMS.flatMap((form) =>
        o.receivers.flatMap((receiver) =>
          o.targets.filter(isSpeaker).map((target) => ({
            kind: "api-to-wire" as const,
            target,
            form,
            receiver,
            size,
          }))
        )
      ),
      ...(o.targets.includes("bird") && o.receivers.includes("raw")
        ? [{
          kind: "api-to-wire" as const,
          target: "bird" as const,
          form: "static" as const,
          receiver: "raw" as const,
          size,
        }]
        : []),
    ]),
  section: (runs, o) => ({
    title: "1. API → wire (routes/s)",
    note:
      "First API line written → last prefix at the receiver. raw = the bench's own peer (exact time of the last " +
      "prefix); BIRD = `show route count` polled every 100 ms.\nBIRD column: BIRD has no API; its static table → " +
      "wire to the raw peer, Established → last prefix.\nCPU µs/route: user + system time of the sending process " +
      "per route over the transfer (all its threads; barely depends on how busy the machine is).",
    rows: o.apiSizes.flatMap((size) =>
      API_FORMS.flatMap((form) => [
        ...o.receivers.map((receiver) => {
          const values: Row["values"] = {};
          for (const target of o.targets.filter(isSpeaker)) {
            values[target] = cell(runs.get({ kind: "api-to-wire", target, form, receiver, size }), (r) =>
              r.routesPerSecond);
          }
          if (receiver === "raw") {
            values.bird = cell(
              runs.get({ kind: "api-to-wire", target: "bird", form: "static", receiver, size }),
              (r) =>
                r.routesPerSecond,
            );
          }
          return {
            label: `${form} ${sizeLabel(size)} → ${receiver === "raw" ? "raw peer" : "BIRD"}`,
            values,
            format: fmt.int,
            goal: GOALS[form],
          };
        }),
        cpuRow(runs, o, form, size),
      ])
    ),
  }),
};

/**
 * CPU time of the sending process per route (user + system, all its threads), from the raw-peer run (else
 * the BIRD one): unlike routes/s it does not depend on how busy the machine is.
 */
function cpuRow(runs: Runs, o: BenchOptions, form: ApiForm, size: number): Row {
  const receiver = o.receivers.includes("raw") ? "raw" : "bird";
  const values: Row["values"] = {};
  const perRoute = (r: ApiToWireRun) => (r.cpuSeconds === undefined ? undefined : r.cpuSeconds * 1e6 / size);
  for (const target of o.targets.filter(isSpeaker)) {
    values[target] = cell(runs.get({ kind: "api-to-wire", target, form, receiver, size }), perRoute);
  }
  if (receiver === "raw") {
    values.bird = cell(
      runs.get({ kind: "api-to-wire", target: "bird", form: "static", receiver, size }),
      perRoute,
    );
  }
  return { label: `  CPU µs/route, ${form} ${sizeLabel(size)}`, values, format: fmt.fixed(1) };
}
