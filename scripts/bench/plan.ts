/**
 * Which runs the selected scenarios need, each run once: the memory and timers scenarios read the figures
 * of the transfer runs that API → wire and Wire → JSON make anyway (and make them when those two are not
 * selected).
 */
import type { ApiForm } from "./api_commands.ts";
import type { BenchOptions, Endpoint, ScenarioName } from "./options.ts";
import type { Cell, Section } from "./report.ts";
import type { Run } from "./results.ts";
import type { TargetName } from "./targets.ts";

export type RunSpec =
  | {
    readonly kind: "api-to-wire";
    readonly target: TargetName;
    readonly form: ApiForm | "static";
    readonly receiver: Endpoint;
    readonly size: number;
  }
  | {
    readonly kind: "wire-to-json";
    readonly target: TargetName;
    readonly sender: Endpoint;
    readonly size: number;
  }
  | { readonly kind: "idle"; readonly target: TargetName; readonly seconds: number }
  | { readonly kind: "startup"; readonly target: TargetName };

export function runKey(s: RunSpec): string {
  switch (s.kind) {
    case "api-to-wire":
      return `${s.kind}/${s.target}/${s.form}/${s.receiver}/${s.size}`;
    case "wire-to-json":
      return `${s.kind}/${s.target}/${s.sender}/${s.size}`;
    case "idle":
      return `${s.kind}/${s.target}/${s.seconds}`;
    case "startup":
      return `${s.kind}/${s.target}`;
  }
}

/** The finished runs, by spec. */
export class Runs {
  readonly #byKey = new Map<string, Run>();

  add(spec: RunSpec, run: Run): void {
    this.#byKey.set(runKey(spec), run);
  }

  get<K extends Run["kind"]>(spec: RunSpec & { kind: K }): Extract<Run, { kind: K }> | undefined {
    return this.#byKey.get(runKey(spec)) as Extract<Run, { kind: K }> | undefined;
  }

  all(): Run[] {
    return [...this.#byKey.values()];
  }
}

/** A figure of a run as a table cell: FAIL for a failed run, n/a when the run has no such figure. */
export function cell<R extends Run>(run: R | undefined, pick: (r: R) => number | undefined): Cell {
  if (run === undefined) return undefined;
  if (run.error !== undefined) return "FAIL";
  return pick(run) ?? "n/a";
}

export interface Scenario {
  readonly name: ScenarioName;
  needs(o: BenchOptions): RunSpec[];
  section(runs: Runs, o: BenchOptions): Section;
}

/** A compact size for labels: 10k, 100k, 1M. */
export function sizeLabel(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
}
