/** The Bun backend of the runtime adapter. Nothing here touches `Bun` until a member is called. */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import process from "node:process";
import type { Runtime, SignalName } from "./types.ts";
import { bunNet } from "./bun_net.ts";
import { spawnBun } from "./bun_process.ts";

/** Where cli.ts lives, relative to this module (lib/runtime/ → repository root). */
const CLI_URL = new URL("../../cli.ts", import.meta.url);

/** True inside a `bun build --compile` binary: modules live in /$bunfs/ and execPath is the program. */
function isCompiled(): boolean {
  const path = (import.meta as { path?: string }).path ?? "";
  const exe = process.execPath.slice(process.execPath.lastIndexOf("/") + 1);
  return path.startsWith("/$bunfs/") || !/^bun(\.exe)?$/.test(exe);
}

function selfCommand(): string[] {
  if (isCompiled()) return [process.execPath];
  return [process.execPath, decodeURIComponent(CLI_URL.pathname)];
}

export const bunRuntime: Runtime = {
  name: "bun",
  get version() {
    return Bun.version;
  },
  net: bunNet,
  // Also right in a compiled binary, whose argv is ["bun", "/$bunfs/root/<name>", ...] (runtime.md §7).
  args: () => process.argv.slice(2),
  env: (name) => process.env[name],
  envAll: () => ({ ...process.env }) as Record<string, string>,
  cwd: () => process.cwd(),
  pid: () => process.pid,
  ppid: () => process.ppid,
  hostname: () => hostname(),
  exit: (code) => process.exit(code),
  readTextFile: (path) => Bun.file(path).text(),
  readTextFileSync: (path) => readFileSync(path, "utf8"),
  writeTextFile: async (path, text) => {
    await Bun.write(path, text);
  },
  selfCommand,
  spawn: spawnBun,
  // process.on works in Bun and in the compiled binary (runtime.md §3).
  onSignal(signal: SignalName, handler: () => void) {
    process.on(signal, handler);
    return () => void process.off(signal, handler);
  },
  // Bun 1.x starts no inspector or anything else on a signal a handler is installed for.
  signalSideEffect: () => undefined,
  kill: (pid, signal) => void process.kill(pid, signal),
};
