/**
 * The machine and software a run measured: CPU, cores, memory, kernel, load, and the versions of every
 * runtime and daemon involved, for the report's header and the JSON file.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg, release, totalmem } from "node:os";
import { BIN_DIR, BINARY, BIRD, EXABGP, REPO_ROOT } from "./targets.ts";

export interface Machine {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly loadAtStart: readonly number[];
  readonly versions: Record<string, string>;
  readonly commit: string;
  /** Source files changed after dist/tsbgp was built (the binary's figures are then of older code). */
  readonly binaryStaleBy: number;
}

/** How many .ts files of the speaker are newer than the binary (0 when it is current or absent). */
function filesNewerThanBinary(): number {
  if (!existsSync(BINARY)) return 0;
  const built = statSync(BINARY).mtimeMs;
  let newer = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".ts") && statSync(path).mtimeMs > built) newer++;
    }
  };
  walk(join(REPO_ROOT, "lib"));
  for (const f of ["cli.ts", "mod.ts"]) if (statSync(join(REPO_ROOT, f)).mtimeMs > built) newer++;
  return newer;
}

/** The first line a command prints (stdout, else stderr: `bird --version` writes there). */
function firstLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 20_000,
  });
  const line = (text: string | null) => (text ?? "").trim().split("\n")[0];
  return line(r.stdout) || line(r.stderr) || "unavailable";
}

export function describeMachine(): Machine {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch { /* not Linux */ }
  return {
    date: new Date().toISOString(),
    cpu,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    versions: {
      tsbgp: firstLine(`${BIN_DIR}/bun`, ["--no-install", `${REPO_ROOT}cli.ts`, "version"]),
      binary: firstLine(BINARY, ["version"]),
      bun: firstLine(`${BIN_DIR}/bun`, ["--version"]),
      deno: firstLine(`${BIN_DIR}/deno`, ["--version"]),
      exabgp: firstLine(EXABGP ?? "exabgp", ["--version"]),
      bird: firstLine(BIRD ?? "bird", ["--version"]),
    },
    commit: firstLine("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]) +
      (firstLine("git", ["-C", REPO_ROOT, "status", "--porcelain", "--", "lib", "cli.ts", "mod.ts"]) ===
          "unavailable"
        ? ""
        : " + uncommitted changes in lib/"),
    binaryStaleBy: filesNewerThanBinary(),
  };
}

export function machineHeader(m: Machine): string {
  const v = m.versions;
  return [
    `tsbgp benchmark, ${m.date} (commit ${m.commit})`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, load average at start ` +
    m.loadAtStart.join(" "),
    `software: ${v.tsbgp} | binary: ${v.binary} | bun ${v.bun} | ${v.deno} | ${v.exabgp} | ${v.bird}`,
    ...(m.binaryStaleBy > 0
      ? [
        `warning: dist/tsbgp is older than ${m.binaryStaleBy} source files (npm run build for current figures)`,
      ]
      : []),
  ].join("\n");
}
