/**
 * The fuzzer in CI: scripts/fuzz.ts run as a subprocess of the current runtime (so that a hang is a
 * bounded wait, not a stuck test runner) for a few thousand cases with fixed seeds. No case may crash
 * (anything escaping but the typed BgpError), hang (over the per-case bound) or push the RSS past the
 * limit; the run must reach every kind of outcome, and the same seed must give the same counts. The
 * watchdog that turns a never-ending case into a reported hang is tested with the script's own hook, and
 * the messages that found bugs are replayed.
 * The on-demand run is the same script with --cases 1000000 (see the README section "Hostile input").
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { scriptCommand } from "../../scripts/conformance/self.ts";
import { REPO_ROOT } from "../helpers/speaker.ts";
import type { FuzzSummary } from "../../scripts/fuzz/run.ts";

const SCRIPT = `${REPO_ROOT}scripts/fuzz.ts`;

interface Run {
  readonly code: number | null;
  readonly summaries: (FuzzSummary & { runtime: string })[];
  readonly output: string;
}

/** Runs the fuzzer with `--json`; killed by PID after `timeoutMs`. */
function runFuzz(args: readonly string[], timeoutMs: number): Promise<Run> {
  const [command, ...argv] = scriptCommand(SCRIPT, [...args, "--json"]);
  const child = spawn(command, argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      reject(
        new Error(`fuzz ${args.join(" ")}: no end within ${timeoutMs} ms (a hang?)\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const lines = stdout.split("\n").filter((l) => l.startsWith("{"));
      resolve({ code, summaries: lines.map((l) => JSON.parse(l)), output: `${stdout}\n${stderr}` });
    });
  });
}

/** The failures of a run, readable, for assertion messages. */
function failures(s: FuzzSummary): string {
  return s.failures.map((f) => `case ${f.index} (${f.source}, ${f.ops.join("+")}): ${f.failure}\n${f.hex}`)
    .join("\n\n");
}

describe("fuzzer (CI size)", () => {
  it("4000 cases of the whole corpus: no crash, no hang, bounded RSS, every outcome reached", {
    timeout: 180_000,
  }, async () => {
    const r = await runFuzz(["--cases", "4000", "--seed", "7606"], 150_000);
    assert.equal(r.summaries.length, 1, r.output);
    const s = r.summaries[0];
    assert.equal(s.failureCount, 0, failures(s));
    assert.equal(s.slow, 0, `slowest case ${s.maxCaseMs} ms`);
    assert.ok(s.rssMb.peak <= s.rssLimitMb, `RSS peak ${s.rssMb.peak} MB`);
    assert.equal(r.code, 0, r.output);
    const counts = s.outcomes;
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 4000);
    for (const o of ["ok", "treat-as-withdraw", "attribute-discard", "incomplete"]) {
      assert.ok((counts[o] ?? 0) > 0, `no '${o}' outcome: ${JSON.stringify(counts)}`);
    }
    // NOTIFICATIONs of the header (1), OPEN (2) and UPDATE (3) error codes all occur.
    for (const code of [1, 2, 3]) {
      assert.ok(
        Object.keys(counts).some((k) => k.startsWith(`notification ${code}/`)),
        JSON.stringify(counts),
      );
    }
    assert.ok(s.seeds >= 300, `${s.seeds} seeds`);
    console.log(`fuzz CI: ${s.cases} cases, ${s.casesPerSecond} cases/s, RSS peak ${s.rssMb.peak} MB`);
  });

  it("is reproducible: the same seed and range give the same counts; a case replays alone", {
    timeout: 120_000,
  }, async () => {
    const [a, b] = await Promise.all([
      runFuzz(["--cases", "600", "--seed", "42", "--start", "1000"], 100_000),
      runFuzz(["--cases", "600", "--seed", "42", "--start", "1000"], 100_000),
    ]);
    assert.deepEqual(a.summaries[0].outcomes, b.summaries[0].outcomes);
    const one = await runFuzz(["--cases", "1", "--seed", "42", "--start", "1000"], 60_000);
    assert.equal(Object.values(one.summaries[0].outcomes).reduce((x, y) => x + y, 0), 1);
  });

  it(
    "one family at a time: 1000 mutated UPDATEs of l2vpn evpn and of bgp-ls",
    { timeout: 120_000 },
    async () => {
      for (const family of ["l2vpn/evpn", "bgp-ls/bgp-ls"]) {
        const r = await runFuzz(["--cases", "1000", "--seed", "3", "--family", family], 100_000);
        const s = r.summaries[0];
        assert.equal(s.family, family.replace("/", " "));
        assert.equal(s.failureCount, 0, failures(s));
        assert.equal(r.code, 0, r.output);
        assert.ok((s.outcomes["ok"] ?? 0) > 0, JSON.stringify(s.outcomes));
      }
    },
  );

  it("the watchdog: a case that never returns is reported as a hang, and the run goes on", {
    timeout: 120_000,
  }, async () => {
    const r = await runFuzz(
      ["--cases", "300", "--seed", "9", "--debug-hang-at", "100", "--hang-ms", "1500"],
      100_000,
    );
    assert.equal(r.code, 1, r.output);
    const s = r.summaries[0];
    assert.equal(s.outcomes["hang"], 1, JSON.stringify(s.outcomes));
    assert.equal(Object.values(s.outcomes).reduce((a, b) => a + b, 0), 300, "the other 299 cases ran");
    assert.equal(s.failures[0].index, 100);
    assert.match(s.failures[0].failure, /^hang: no result within 1500 ms/);
    assert.match(s.failures[0].hex, /^F{32}/, "the hung message is reported");
  });

  it("replays the messages that found bugs: each now decodes and shows in one event line", {
    timeout: 60_000,
  }, async () => {
    const found = [
      // ipv4 flow, tcp-flags with a 4-octet value ≥ 2^31: bitNames() shifted a bit past 31 and looped forever.
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00A4020000008D4001010040020040050400000064C008087814000078147814C0101800030929060708090103020304051A858008FFDC00003039800E5200018500004C0120C0A8000102200A0000010301068111040150911F9005121F90541F98910C38069204000701030108810008010181000900207F040A02C854012C120190D401F40B010A81140C0004800840010100",
      // ipv4 flow, an NLRI of length 0 (no component): flowJson() wrote `{, "string": …}`.
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003F02000000284001010040020040050400000064C010088006000000000000800E0C000185003A0005090090C241",
      // BGP-LS unreserved bandwidth of bytes FFEE0028 (a float32 NaN): the JSON event held a bare NaN.
      "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0082020000006B40010100400200801D610440000400000000044100044CEE6B28044200044CEE6B28044300204CEE6B284CEE6B28FFEE00284CEE6B284CEE6B284CEE6B284CEE6B284CEE6B2804440004000000140447000300000A044B000730000000049310044B000770000000049300",
    ];
    const r = await runFuzz(found.flatMap((h) => ["--replay", h]), 50_000);
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.match(/^replay /gm)?.length, 3, r.output);
    assert.doesNotMatch(r.output, /FAILURE/);
  });

  it("refuses an unknown family with the list of known ones", { timeout: 60_000 }, async () => {
    const r = await runFuzz(["--cases", "1", "--family", "ipv5 unicast"], 50_000);
    assert.equal(r.code, 2);
    assert.match(r.output, /--family 'ipv5 unicast' is not one of: ipv4\/unicast, .*l2vpn\/evpn/);
  });
});
