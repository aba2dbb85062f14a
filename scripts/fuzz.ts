/**
 * The message fuzzer (see scripts/fuzz/): mutations of every message of the ExaBGP conformance suite and
 * of generated UPDATEs per family, plus random bytes, through the session's framing and decoding.
 *   bun --no-install scripts/fuzz.ts --cases N --seed S [--family "ipv4 unicast"] [--per-family]
 *     [--start I] [--no-events] [--case-ms MS] [--hang-ms MS] [--max-rss-mb MB] [--data DIR] [--json]
 *   deno run -A scripts/fuzz.ts (same options)
 * The cases run in Web Workers watched by this process (scripts/fuzz/supervise.ts): a case still running
 * after --hang-ms (default 10000) is a hang, reported with its bytes; one over --case-ms (default 1000) is
 * too slow. Prints the outcome counts (ok, treat-as-withdraw, attribute-discard, notification C/S,
 * incomplete, crash, hang), cases per second, the slowest case and the RSS; then every failure with the
 * arguments that replay it. `--per-family` runs N cases for each family in turn. `--json` prints one JSON
 * summary per run instead. Exit status 1 when a case crashed, hung, was too slow or the RSS passed
 * --max-rss-mb. `--debug-hang-at I` makes case I loop forever, to test the watchdog. `--replay HEX` runs
 * one message (repeatable) under every session context instead.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { type FamilyKey, familyName } from "../lib/bgp/family.ts";
import { currentRuntime } from "./conformance/self.ts";
import { defaultDataDir } from "./conformance/suite.ts";
import { FAMILIES, parseFamilyName } from "./fuzz/generated.ts";
import { fromHex } from "./fuzz/corpus.ts";
import { runCase } from "./fuzz/harness.ts";
import { type FuzzSummary, runContexts } from "./fuzz/run.ts";
import { superviseFuzz } from "./fuzz/supervise.ts";

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ""));
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} expects a whole number, got '${text}'`);
  return n;
}

function report(s: FuzzSummary): string[] {
  const lines = [
    `fuzz ${currentRuntime()} family=${s.family} seed=${s.seed} start=${s.start}: ${s.cases} cases from ${s.seeds} seeds in ${s.seconds} s (${s.casesPerSecond} cases/s)`,
  ];
  const entries = Object.entries(s.outcomes).sort((a, b) => b[1] - a[1]);
  for (const [outcome, n] of entries) lines.push(`  ${outcome.padEnd(24)} ${String(n).padStart(10)}`);
  lines.push(
    `  slowest case ${s.maxCaseMs} ms (case ${s.slowestCase}), ${s.slow} over the bound; RSS ${s.rssMb.start} → peak ${s.rssMb.peak} → ${s.rssMb.end} MB (limit ${s.rssLimitMb})`,
  );
  for (const f of s.failures) {
    lines.push(
      `FAILURE case ${f.index} (replay: --seed ${s.seed} --start ${f.index} --cases 1${
        s.family === "all" ? "" : ` --family "${s.family}"`
      }) from ${f.source} after [${f.ops.join(", ")}]`,
      `  ${f.failure.split("\n").join("\n  ")}`,
      `  message ${f.hex.slice(0, 400)}${f.hex.length > 400 ? "…" : ""}`,
    );
  }
  if (s.failureCount > s.failures.length) lines.push(`… ${s.failureCount - s.failures.length} more failures`);
  lines.push(s.ok ? "result: ok" : "result: FAILED");
  return lines;
}

/**
 * `--replay HEX` (repeatable): one whole message through the harness under every session context, in
 * this process (a hang is the caller's to bound). Prints the outcomes; exit status 1 on a failure.
 */
function replay(messages: readonly string[]): number {
  let ok = true;
  for (const hex of messages) {
    const results = runContexts().map((ctx) => runCase(fromHex(hex), ctx, true));
    console.log(`replay ${hex.slice(0, 60)}…: ${results.map((r) => r.outcome).join(", ")}`);
    for (const r of results) if (r.failure) console.log(`FAILURE ${r.failure}`);
    ok &&= results.every((r) => r.failure === undefined);
  }
  return ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cases: { type: "string", default: "10000" },
      seed: { type: "string", default: "1" },
      start: { type: "string" },
      family: { type: "string" },
      "per-family": { type: "boolean" },
      "no-events": { type: "boolean" },
      "case-ms": { type: "string" },
      "hang-ms": { type: "string" },
      "debug-hang-at": { type: "string" },
      "max-rss-mb": { type: "string" },
      data: { type: "string" },
      json: { type: "boolean" },
      replay: { type: "string", multiple: true },
    },
  });
  if (values.replay) return replay(values.replay);
  let family: FamilyKey | undefined;
  if (values.family !== undefined) {
    family = parseFamilyName(values.family);
    if (family === undefined) {
      const known = FAMILIES.map((f) => familyName(f).replace(" ", "/")).join(", ");
      throw new Error(`--family '${values.family}' is not one of: ${known}`);
    }
  }
  const families: (FamilyKey | undefined)[] = values["per-family"] ? [...FAMILIES] : [family];
  const cases = integer("cases", values.cases, 10000);
  let ok = true;
  for (const f of families) {
    const summary = await superviseFuzz({
      dataDir: values.data ?? defaultDataDir(),
      cases,
      seed: integer("seed", values.seed, 1),
      start: integer("start", values.start, 0),
      family: f,
      events: !values["no-events"],
      caseMs: integer("case-ms", values["case-ms"], 1000),
      hangMs: integer("hang-ms", values["hang-ms"], 10_000),
      hangAt: values["debug-hang-at"] === undefined
        ? undefined
        : integer("debug-hang-at", values["debug-hang-at"], 0),
      maxRssMb: integer("max-rss-mb", values["max-rss-mb"], 1024),
      progress: values.json ? undefined : (done) => console.error(`  … ${done} cases`),
    });
    ok &&= summary.ok;
    console.log(
      values.json ? JSON.stringify({ runtime: currentRuntime(), ...summary }) : report(summary).join("\n"),
    );
  }
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`fuzz: ${e instanceof Error ? e.message : e}`);
    process.exit(2);
  },
);
