/**
 * How to run another TypeScript file under the runtime that runs this one (Bun or Deno), found through
 * node:process so that no Deno./Bun. global is touched outside lib/runtime/.
 */
import process from "node:process";

export type RuntimeName = "deno" | "bun";

export function currentRuntime(): RuntimeName {
  const versions = process.versions as Record<string, string | undefined>;
  return versions.deno ? "deno" : "bun";
}

/** argv that runs `script` (absolute path) with `args` under the current runtime. */
export function scriptCommand(script: string, args: readonly string[] = []): string[] {
  return currentRuntime() === "deno"
    ? [process.execPath, "run", "-A", "--quiet", script, ...args]
    : [process.execPath, "--no-install", script, ...args];
}

/** Quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.,:=+@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
