/**
 * One record per measured run, as the table and the JSON file show them. Derived scenarios (memory,
 * timers) read the figures of the transfer runs instead of running transfers of their own.
 */
import type { ApiForm } from "./api_commands.ts";
import type { Endpoint } from "./options.ts";
import type { TargetName } from "./targets.ts";

interface RunBase {
  readonly target: TargetName;
  /** 1-minute load average when the run started (the machine may be shared: see BENCHMARKS.md). */
  readonly loadBefore: number;
  /** Set when the run failed: what happened, with the log's tail. */
  error?: string;
}

/** What /proc said about the process under test over a transfer. */
export interface ProcessFigures {
  cpuSeconds?: number;
  /** RSS once the session was up, before the transfer. */
  rssBaseKiB?: number;
  /** RSS 2 s after the transfer (the routes held). */
  rssAfterKiB?: number;
  rssPeakKiB?: number;
}

export interface ApiToWireRun extends RunBase, ProcessFigures {
  readonly kind: "api-to-wire";
  /** BIRD has no API: its row is its static table → wire from Established. */
  readonly form: ApiForm | "static";
  readonly receiver: Endpoint;
  readonly size: number;
  seconds?: number;
  routesPerSecond?: number;
  /** UPDATEs the receiver counted (raw receiver only). */
  updates?: number;
  /** The receiving BIRD's RSS after the transfer. */
  receiverRssKiB?: number;
  keepaliveIntervalSeconds?: number;
  longestKeepaliveGapSeconds?: number;
}

export interface WireToJsonRun extends RunBase, ProcessFigures {
  readonly kind: "wire-to-json";
  readonly sender: Endpoint;
  readonly size: number;
  seconds?: number;
  prefixesPerSecond?: number;
  updates?: number;
  updatesPerSecond?: number;
  /** The helper's CPU seconds (it parses every line; it shares the 2 cores). */
  helperCpuSeconds?: number;
  keepaliveIntervalSeconds?: number;
  longestKeepaliveGapSeconds?: number;
}

export interface IdleRun extends RunBase {
  readonly kind: "idle";
  readonly sessions: number;
  readonly seconds: number;
  cpuSeconds?: number;
  cpuPercent?: number;
  wakeupsPerSecond?: number;
  rssKiB?: number;
}

export interface StartupRun extends RunBase {
  readonly kind: "startup";
  /** Wall time of `version` (median, and every run). */
  versionMs?: number;
  versionRuns?: number[];
  /** Process start → the peer received the OPEN (median, and every run). */
  firstOpenMs?: number;
  firstOpenRuns?: number[];
}

export type Run = ApiToWireRun | WireToJsonRun | IdleRun | StartupRun;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
