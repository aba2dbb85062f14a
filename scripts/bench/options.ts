/** The bench's command line (node:util parseArgs); USAGE is what `--help` prints. */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ALL_TARGETS, type TargetName } from "./targets.ts";

export const USAGE = `usage: npm run bench -- [options]   (or: bun --no-install scripts/bench.ts [options])

  --size N          every scenario at N routes (default: API → wire at 100k and 1M, the rest at 1M)
  --quick           10k routes, a 5 s idle window, 2 start-ups: checks that the bench works (CI)
  --only a,b        scenarios: api-to-wire, wire-to-json, memory, timers, idle, startup (default: all)
  --targets a,b     deno, bun, binary, exabgp, bird (default: all)
  --receivers a,b   API → wire receivers: raw (the bench's own peer), bird (default: both)
  --senders a,b     Wire → JSON senders: raw (pre-built UPDATEs), bird (default: both)
  --idle-seconds S  the idle window (default 60)
  --repeat R        start-up measurements per target (default 5)
  --json FILE       also write every figure as JSON
  --keep            keep each run's directory (configs, logs) under the temp dir
  --profile DIR     tsbgp under Bun writes a CPU profile per run into DIR (see profile_summary.ts)

Prints one table per scenario (figures, tsbgp/ExaBGP and tsbgp/BIRD ratios, goals); exits 1 when a run
failed, 2 on bad options. Method and latest figures: BENCHMARKS.md.`;

export const SCENARIOS = ["api-to-wire", "wire-to-json", "memory", "timers", "idle", "startup"] as const;
export type ScenarioName = typeof SCENARIOS[number];
export const ENDPOINTS = ["raw", "bird"] as const;
export type Endpoint = typeof ENDPOINTS[number];

export interface BenchOptions {
  /** API → wire sizes (the issue: 100k and 1M). */
  readonly apiSizes: readonly number[];
  /** Wire → JSON size and the memory scenario's size (the issue: 1M). */
  readonly tableSize: number;
  readonly scenarios: ReadonlySet<ScenarioName>;
  readonly targets: readonly TargetName[];
  readonly receivers: readonly Endpoint[];
  readonly senders: readonly Endpoint[];
  readonly idleSeconds: number;
  readonly repeat: number;
  readonly json: string | undefined;
  readonly keep: boolean;
  readonly profile: string | undefined;
  readonly quick: boolean;
}

export const FULL = {
  apiSizes: [100_000, 1_000_000],
  tableSize: 1_000_000,
  idleSeconds: 60,
  repeat: 5,
} as const;
export const QUICK = { size: 10_000, idleSeconds: 5, repeat: 2 } as const;

export class OptionError extends Error {}

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new OptionError(`--${flag}: unknown '${item}', expected one or more of ${allowed.join(", ")}`);
    }
  }
  if (items.length === 0) throw new OptionError(`--${flag}: expected one or more of ${allowed.join(", ")}`);
  return items as T[];
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/_/g, "").replace(/k$/i, "000").replace(/m$/i, "000000"));
  if (!Number.isInteger(n) || n <= 0) {
    throw new OptionError(`--${flag}: expected a positive whole number, got '${value}'`);
  }
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        size: { type: "string" },
        quick: { type: "boolean" },
        only: { type: "string" },
        targets: { type: "string" },
        receivers: { type: "string" },
        senders: { type: "string" },
        "idle-seconds": { type: "string" },
        repeat: { type: "string" },
        json: { type: "string" },
        keep: { type: "boolean" },
        profile: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new OptionError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) throw new OptionError("help");
  const quick = v.quick === true;
  const size = positive("size", v.size) ?? (quick ? QUICK.size : undefined);
  return {
    apiSizes: size !== undefined ? [size] : FULL.apiSizes,
    tableSize: size ?? FULL.tableSize,
    scenarios: new Set(list("only", v.only, SCENARIOS)),
    targets: list("targets", v.targets, ALL_TARGETS),
    receivers: list("receivers", v.receivers, ENDPOINTS),
    senders: list("senders", v.senders, ENDPOINTS),
    idleSeconds: positive("idle-seconds", v["idle-seconds"]) ??
      (quick ? QUICK.idleSeconds : FULL.idleSeconds),
    repeat: positive("repeat", v.repeat) ?? (quick ? QUICK.repeat : FULL.repeat),
    json: v.json,
    keep: v.keep === true,
    profile: v.profile === undefined ? undefined : resolve(v.profile),
    quick,
  };
}
