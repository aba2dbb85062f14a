/**
 * What the bench measures: tsbgp from source under Deno and under Bun, the compiled dist/tsbgp, ExaBGP 4.2
 * (Debian's `exabgp`) and BIRD 2 as the reference. The speakers (all but BIRD) read the same ExaBGP-syntax
 * configuration and run the same API helpers; this module knows how to start each and with which
 * environment (quiet logging and no API acks for all, so that neither side pays for a log line per route or
 * an ack nobody reads).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findExecutable } from "../../tests/helpers/bird.ts";

export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url).href);
export const BIN_DIR: string = join(REPO_ROOT, "node_modules", ".bin");
export const BINARY: string = join(REPO_ROOT, "dist", "tsbgp");

export const SPEAKER_TARGETS = ["deno", "bun", "binary", "exabgp"] as const;
export const ALL_TARGETS = [...SPEAKER_TARGETS, "bird"] as const;
export type SpeakerTarget = typeof SPEAKER_TARGETS[number];
export type TargetName = typeof ALL_TARGETS[number];

export function isSpeaker(t: TargetName): t is SpeakerTarget {
  return t !== "bird";
}

/** Labels for tables. */
export const TARGET_LABEL: Readonly<Record<TargetName, string>> = {
  deno: "tsbgp deno",
  bun: "tsbgp bun",
  binary: "tsbgp binary",
  exabgp: "ExaBGP 4.2",
  bird: "BIRD 2",
};

/** The user running the bench (`id -un`: Bun's os.userInfo() answers "unknown" for root here). */
const USER: string = execFileSync("id", ["-un"], { encoding: "utf8" }).trim();

export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

export const EXABGP: string | undefined = findExecutable("exabgp");
export const BIRD: string | undefined = findExecutable("bird");
export const BIRDC: string | undefined = findExecutable("birdc");

/** Why a target cannot run on this machine, or undefined when it can. */
export function missing(t: TargetName): string | undefined {
  switch (t) {
    case "deno":
      return existsSync(join(BIN_DIR, "deno")) ? undefined : "node_modules/.bin/deno missing (npm install)";
    case "bun":
      return existsSync(join(BIN_DIR, "bun")) ? undefined : "node_modules/.bin/bun missing (npm install)";
    case "binary":
      return existsSync(BINARY) ? undefined : "dist/tsbgp missing (npm run build)";
    case "exabgp":
      return EXABGP ? undefined : "exabgp not installed (Debian package exabgp)";
    case "bird":
      return BIRD && BIRDC ? undefined : "bird/birdc not installed (Debian package bird2)";
  }
}

/** `tsbgp ARGS…` (or `exabgp ARGS…`) for a speaker target, without environment. */
export function command(t: SpeakerTarget, args: readonly string[]): { command: string; args: string[] } {
  switch (t) {
    case "deno":
      return { command: join(BIN_DIR, "deno"), args: ["run", "-A", join(REPO_ROOT, "cli.ts"), ...args] };
    case "bun":
      return { command: join(BIN_DIR, "bun"), args: ["--no-install", join(REPO_ROOT, "cli.ts"), ...args] };
    case "binary":
      return { command: BINARY, args: [...args] };
    case "exabgp":
      return { command: EXABGP ?? "exabgp", args: [...args] };
  }
}

/**
 * The speaker on `config`, with the environment that makes runs comparable. With `profileDir`, tsbgp under
 * Bun writes a CPU profile there when it exits (`bun --cpu-prof`, also as grep-friendly markdown).
 */
export function speakerLaunch(t: SpeakerTarget, config: string, dir: string, profileDir?: string): Launch {
  const { command: cmd, args } = t === "bun" && profileDir !== undefined
    ? {
      command: join(BIN_DIR, "bun"),
      args: [
        "--cpu-prof",
        "--cpu-prof-md",
        `--cpu-prof-dir=${profileDir}`,
        "--no-install",
        join(REPO_ROOT, "cli.ts"),
        config,
      ],
    }
    : command(t, [config]);
  if (t === "exabgp") {
    return {
      command: cmd,
      args,
      env: {
        "exabgp.daemon.daemonize": "false",
        // As root ExaBGP drops to user `exabgp`; stay the bench's user so it can read the run directory.
        "exabgp.daemon.user": USER,
        "exabgp.log.destination": "stdout",
        "exabgp.log.level": "WARNING",
        "exabgp.api.ack": "false",
        "exabgp.api.cli": "false",
        "exabgp.tcp.bind": "",
      },
    };
  }
  return {
    command: cmd,
    args,
    env: {
      exabgp_tcp_bind: "",
      exabgp_log_level: "WARNING",
      exabgp_api_ack: "false",
      exabgp_api_socketpath: join(dir, "tsbgp.sock"),
    },
  };
}
