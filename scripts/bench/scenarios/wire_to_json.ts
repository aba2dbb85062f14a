/**
 * Scenario 2, Wire → JSON: a peer pushes N prefixes with the realistic attribute mix (attribute_mix.ts) and
 * the speaker streams a JSON event per UPDATE to a helper that parses every line (helpers/json_counter.ts);
 * timed from the first UPDATE written (raw sender) or from the session's Established as the helper saw it
 * (BIRD sender) to the helper's count reaching N. The raw sender writes pre-built UPDATEs as fast as the
 * socket takes them, which isolates the speaker's cost; BIRD is the realistic sender. BIRD as a target
 * receives the raw sender's table into its own table (no JSON): the reference receive rate.
 */
import { existsSync, readFileSync } from "node:fs";
import { BIRD_ADDRESS, writeStaticRoutes } from "../bird_config.ts";
import { pokeWhileSending, startBird, waitBirdRoutes } from "../bird.ts";
import { type Child, unlessExited } from "../child.ts";
import { sleep, waitFor } from "../clock.ts";
import { birdLoadTimeoutMs, SESSION_TIMEOUT_MS, transferTimeoutMs } from "../limits.ts";
import type { Endpoint } from "../options.ts";
import { cell, type Scenario, sizeLabel } from "../plan.ts";
import { fmt, type Row } from "../report.ts";
import type { BenchPeer } from "../peer.ts";
import { cpuSeconds, type ProcessWatch } from "../proc.ts";
import type { WireToJsonRun } from "../results.ts";
import { BIN_DIR, isSpeaker, REPO_ROOT, type SpeakerTarget } from "../targets.ts";
import { buildTable, type Table } from "../updates.ts";
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

/**
 * tsbgp's log line when a helper falls 16 MiB behind and events are dropped (lib/api/write_queue.ts): the
 * helper's count can then never reach N, so the run fails at once with that line.
 */
const DROPPED = /dropping oldest events|lines were dropped/;

/** What the helper publishes (helpers/json_counter.ts). */
interface CounterStatus {
  readonly updates: number;
  readonly prefixes: number;
  readonly badLines: number;
  readonly upAt?: number;
  readonly firstUpdateAt?: number;
  readonly doneAt?: number;
}

function readStatus(file: string): CounterStatus | undefined {
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as CounterStatus : undefined;
  } catch {
    return undefined; // replaced while read: the next poll sees it
  }
}

/** One table per size, built once for every target (1M prefixes take about a second to encode). */
const tables = new Map<string, Table>();
function table(n: number, senderAs: number): Table {
  const key = `${n}/${senderAs}`;
  if (!tables.has(key)) tables.set(key, buildTable(n, senderAs, "192.0.2.2"));
  return tables.get(key)!;
}

/**
 * Waits until the helper has counted all `n` prefixes (its final status), unless the speaker exits or logs
 * that it dropped events for the helper: the count could then never complete.
 */
function helperCounted(
  speaker: Child,
  target: SpeakerTarget,
  status: string,
  n: number,
): Promise<CounterStatus> {
  return unlessExited(
    speaker,
    target,
    waitFor(`the JSON helper counting ${n} prefixes`, () => {
      const s = readStatus(status);
      if (s?.doneAt !== undefined) return s;
      const dropped = speaker.logLine(DROPPED);
      if (dropped) {
        throw new Error(`the speaker dropped events for the helper, the count cannot complete: ${dropped}`);
      }
      return undefined;
    }, {
      timeoutMs: transferTimeoutMs(n),
      everyMs: 50,
      describe: () => JSON.stringify(readStatus(status) ?? {}),
    }),
  );
}

/** What wire → JSON reports of `n` prefixes in `updates` UPDATEs over `seconds`. */
function prefixRates(n: number, updates: number, seconds: number): Partial<WireToJsonRun> {
  return { seconds, prefixesPerSecond: n / seconds, updates, updatesPerSecond: updates / seconds };
}

export function speakerWireToJson(
  target: SpeakerTarget,
  sender: Endpoint,
  n: number,
  settings: WorkspaceSettings,
): Promise<WireToJsonRun> {
  const identity = { kind: "wire-to-json", target, sender, size: n } as const;
  const workspace = `json-${target}-${sender}-${n}`;
  return measureTransfer<WireToJsonRun>(identity, workspace, settings, async (run, ws) => {
    const port = await freePort(BIRD_ADDRESS);
    let peer: BenchPeer | undefined;
    let bird: Awaited<ReturnType<typeof startBird>> | undefined;
    if (sender === "raw") {
      peer = await rawPeerInBirdsPlace(ws, port, 0);
    } else {
      const routes = ws.path("routes.bird");
      writeStaticRoutes(routes, n, true);
      bird = await startBird(ws, {
        dir: ws.dir,
        port,
        staticRoutes: routes,
        sessions: [birdSessionWithSpeaker(true)],
      }, birdLoadTimeoutMs(n));
      await waitBirdRoutes(bird, n, birdLoadTimeoutMs(n));
    }

    const [status, pidFile] = [ws.path("status.json"), ws.path("counter.pid")];
    const speaker = startSpeakerWithHelper(ws, target, port, {
      name: "counter",
      run:
        `${BIN_DIR}/bun --no-install ${REPO_ROOT}scripts/bench/helpers/json_counter.ts ${status} ${n} ${pidFile}`,
      pidFile,
      receive: true,
    });
    const helperPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : undefined);
    let watch: ProcessWatch;
    let helperCpu0 = 0;
    let t0: number;
    if (peer) {
      const p = peer;
      await unlessExited(
        speaker,
        target,
        p.until("session with the raw sender", () => p.established, SESSION_TIMEOUT_MS),
      );
      await waitFor("the JSON helper", () => helperPid(), { timeoutMs: SESSION_TIMEOUT_MS });
      await sleep(QUIET_AFTER_UP_MS);
      watch = ws.watch(speaker.pid);
      helperCpu0 = cpuSeconds(helperPid()!) ?? 0;
      t0 = (await p.send(table(n, p.options.asn).chunks)).first;
    } else {
      // BIRD sends as soon as the session is up: the figures start with the speaker.
      watch = ws.watch(speaker.pid);
      const up = await unlessExited(
        speaker,
        target,
        waitFor("the session with BIRD (the helper's 'up' event)", () => readStatus(status)?.upAt, {
          timeoutMs: SESSION_TIMEOUT_MS,
        }),
      );
      t0 = up;
    }
    const stopPoking = bird ? pokeWhileSending(bird) : () => {};
    let final: CounterStatus;
    try {
      final = await helperCounted(speaker, target, status, n);
    } finally {
      stopPoking();
    }
    // The helper's CPU is read right after the speaker's, and comes before the rates in the record.
    const helperCpu = (): Partial<WireToJsonRun> => {
      const pid = helperPid();
      return pid === undefined ? {} : { helperCpuSeconds: (cpuSeconds(pid) ?? helperCpu0) - helperCpu0 };
    };
    await recordTransfer(run, { watch, t0, end: final.doneAt!, peer, holder: speaker.pid }, (s) => ({
      ...helperCpu(),
      ...prefixRates(n, final.updates, s),
    }));
  });
}

/** BIRD receiving the raw sender's table into its own table: the reference receive rate and memory. */
export function birdReceives(n: number, settings: WorkspaceSettings): Promise<WireToJsonRun> {
  const identity = { kind: "wire-to-json", target: "bird", sender: "raw", size: n } as const;
  return measureTransfer<WireToJsonRun>(identity, `json-bird-${n}`, settings, async (run, ws) => {
    const peer = await rawPeerBesideBird(ws, 0);
    const bird = await startBird(ws, {
      dir: ws.dir,
      port: await freePort(BIRD_ADDRESS),
      sessions: [birdSessionWithRawPeer(peer, false)],
    }, SESSION_TIMEOUT_MS);
    const t = table(n, peer.options.asn);
    await peer.until("BIRD's session", () => peer.established, SESSION_TIMEOUT_MS);
    await sleep(QUIET_AFTER_UP_MS);
    const watch = ws.watch(bird.pid);
    const t0 = (await peer.send(t.chunks)).first;
    const end = await waitBirdRoutes(bird, n, transferTimeoutMs(n));
    await recordTransfer(
      run,
      { watch, t0, end, peer, holder: bird.pid },
      (s) => prefixRates(n, t.updates, s),
    );
  });
}

export const wireToJson: Scenario = {
  name: "wire-to-json",
  needs: (o) => [
    ...o.senders.flatMap((sender) =>
      o.targets.filter(isSpeaker).map((target) => ({
        kind: "wire-to-json" as const,
        target,
        sender,
        size: o.tableSize,
      }))
    ),
    ...(o.targets.includes("bird") && o.senders.includes("raw")
      ? [{
        kind: "wire-to-json" as const,
        target: "bird" as const,
        sender: "raw" as const,
        size: o.tableSize,
      }]
      : []),
  ],
  section: (runs, o) => ({
    title: "2. Wire → JSON (received and streamed to a helper that parses every line)",
    note:
      `${
        sizeLabel(o.tableSize)
      } prefixes, realistic attributes (~3.2 prefixes per UPDATE). raw = pre-built UPDATEs ` +
      "written as fast as the socket takes them, timed from the first write; BIRD = BIRD's static table, timed from " +
      "Established.\nEnd = the helper counted the last prefix. BIRD column: BIRD receiving the raw sender's table " +
      "into its own table (no JSON), end = `show route count` polled every 100 ms.\nCPU µs/prefix: user + system time " +
      "per prefix of the speaker (all its threads) and of the helper, over the transfer.",
    rows: o.senders.flatMap((sender) => {
      const value = (pick: (r: WireToJsonRun) => number | undefined) => {
        const values: Row["values"] = {};
        for (const target of o.targets.filter(isSpeaker)) {
          values[target] = cell(runs.get({ kind: "wire-to-json", target, sender, size: o.tableSize }), pick);
        }
        if (sender === "raw") {
          values.bird = cell(
            runs.get({ kind: "wire-to-json", target: "bird", sender, size: o.tableSize }),
            pick,
          );
        }
        return values;
      };
      const from = sender === "raw" ? "raw sender" : "BIRD sender";
      return [
        {
          label: `prefixes/s, ${from}`,
          values: value((r) => r.prefixesPerSecond),
          format: fmt.int,
          goal: { text: "≥ 500,000/s", met: (v: number) => v >= 500_000 },
        },
        { label: `UPDATEs/s, ${from}`, values: value((r) => r.updatesPerSecond), format: fmt.int },
        {
          label: `  CPU µs/prefix, speaker`,
          values: value((r) => (r.cpuSeconds === undefined ? undefined : r.cpuSeconds * 1e6 / r.size)),
          format: fmt.fixed(1),
        },
        {
          label: `  CPU µs/prefix, JSON helper`,
          values: value((
            r,
          ) => (r.helperCpuSeconds === undefined ? undefined : r.helperCpuSeconds * 1e6 / r.size)),
          format: fmt.fixed(1),
        },
      ];
    }),
  }),
};
