/**
 * The benchmark suite (issue #6): each scenario for tsbgp from source under Deno and Bun and as the
 * compiled dist/tsbgp, for ExaBGP 4.2 and with BIRD 2 as the reference, in one run; prints a table of
 * figures and ratios per scenario and optionally writes everything as JSON. Method: BENCHMARKS.md.
 *
 *   npm run bench -- [--quick | --size N] [--only …] [--targets …] [--json FILE] …   (options: --help)
 *
 * Exits 1 when any run failed (the tables show FAIL and the reasons follow them), 2 on bad options.
 */
import { writeFileSync } from "node:fs";
import { API_FORMS, type ApiForm } from "./bench/api_commands.ts";
import { describeMachine, machineHeader } from "./bench/machine.ts";
import { type BenchOptions, OptionError, parseOptions, USAGE } from "./bench/options.ts";
import { runKey, Runs, type RunSpec, type Scenario, sizeLabel } from "./bench/plan.ts";
import { renderSection, sectionJson } from "./bench/report.ts";
import type { Run } from "./bench/results.ts";
import { apiToWire, birdStaticToWire, speakerApiToWire } from "./bench/scenarios/api_to_wire.ts";
import { idle, idleScenario } from "./bench/scenarios/idle.ts";
import { memory } from "./bench/scenarios/memory.ts";
import { startup, startupScenario } from "./bench/scenarios/startup.ts";
import { timers } from "./bench/scenarios/timers.ts";
import { birdReceives, speakerWireToJson, wireToJson } from "./bench/scenarios/wire_to_json.ts";
import { isSpeaker, missing, TARGET_LABEL } from "./bench/targets.ts";

const SCENARIOS: readonly Scenario[] = [apiToWire, wireToJson, memory, timers, idleScenario, startupScenario];

/** Runs one spec with the function that measures it. */
function execute(spec: RunSpec, o: BenchOptions): Promise<Run> {
  const settings = { keep: o.keep, profileDir: o.profile };
  switch (spec.kind) {
    case "api-to-wire":
      return isSpeaker(spec.target)
        ? speakerApiToWire(spec.target, spec.form as ApiForm, spec.receiver, spec.size, settings)
        : birdStaticToWire(spec.size, settings);
    case "wire-to-json":
      return isSpeaker(spec.target)
        ? speakerWireToJson(spec.target, spec.sender, spec.size, settings)
        : birdReceives(spec.size, settings);
    case "idle":
      return idle(spec.target, spec.seconds, settings);
    case "startup":
      return startup(spec.target, o.repeat, settings);
  }
}

/** One progress line per run, on stderr (stdout carries the report). */
function progress(i: number, total: number, spec: RunSpec, run: Run, seconds: number): string {
  const what = spec.kind === "api-to-wire"
    ? `${spec.form} ${sizeLabel(spec.size)} → ${spec.receiver}`
    : spec.kind === "wire-to-json"
    ? `${spec.sender} sender ${sizeLabel(spec.size)}`
    : spec.kind === "idle"
    ? `${spec.seconds} s`
    : "";
  let figure = "";
  if (run.error !== undefined) figure = `FAILED: ${run.error.split("\n")[0]}`;
  else if (run.kind === "api-to-wire") figure = `${Math.round(run.routesPerSecond ?? 0)} routes/s`;
  else if (run.kind === "wire-to-json") figure = `${Math.round(run.prefixesPerSecond ?? 0)} prefixes/s`;
  else if (run.kind === "idle") figure = `${run.cpuPercent?.toFixed(2)} % CPU`;
  else if (run.kind === "startup") {
    figure = `version ${run.versionMs?.toFixed(0)} ms, OPEN ${run.firstOpenMs?.toFixed(0)} ms`;
  }
  return `[${i}/${total}] ${spec.kind} ${TARGET_LABEL[spec.target]} ${what}: ${figure} (${
    seconds.toFixed(1)
  } s)`;
}

async function main(argv: string[]): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseOptions(argv);
  } catch (e) {
    if (e instanceof OptionError && e.message === "help") {
      console.log(USAGE);
      return 0;
    }
    if (e instanceof OptionError) {
      console.error(`bench: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const unavailable = o.targets.map((t) => [t, missing(t)] as const).filter(([, why]) => why !== undefined);
  for (const [t, why] of unavailable) console.error(`bench: target ${t} cannot run: ${why}`);
  if (unavailable.length > 0) return 1;

  const machine = describeMachine();
  console.log(`${machineHeader(machine)}\n`);
  const selected = SCENARIOS.filter((s) => o.scenarios.has(s.name));
  const specs = new Map<string, RunSpec>();
  for (const s of selected) for (const spec of s.needs(o)) specs.set(runKey(spec), spec);

  const runs = new Runs();
  let i = 0;
  for (const spec of specs.values()) {
    const started = performance.now();
    const run = await execute(spec, o);
    runs.add(spec, run);
    console.error(progress(++i, specs.size, spec, run, (performance.now() - started) / 1000));
  }

  const sections = selected.map((s) => s.section(runs, o));
  console.log(sections.map((s) => renderSection(s, o.targets)).join("\n"));
  const failed = runs.all().filter((r) => r.error !== undefined);
  for (const r of failed) console.log(`FAILED ${r.kind} ${TARGET_LABEL[r.target]}: ${r.error}\n`);
  const busy = runs.all().filter((r) => r.loadBefore > machine.cores * 0.5).length;
  if (busy > 0) {
    console.log(
      `note: ${busy} of ${runs.all().length} runs started with a 1-minute load average above ` +
        `${machine.cores * 0.5} (a busy machine: figures are lower bounds).`,
    );
  }
  if (o.json) {
    const options = { ...o, scenarios: [...o.scenarios], forms: API_FORMS };
    writeFileSync(
      o.json,
      JSON.stringify({ machine, options, sections: sections.map(sectionJson), runs: runs.all() }, null, 2),
    );
    console.log(`figures written to ${o.json}`);
  }
  console.log(`bench: ${runs.all().length - failed.length} runs passed, ${failed.length} failed`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
