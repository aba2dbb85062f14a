/** The Deno backend of the runtime adapter. Nothing here touches `Deno` until a member is called. */
import type { Runtime, SignalName } from "./types.ts";
import { denoNet } from "./deno_net.ts";
import { spawnDeno } from "./deno_process.ts";

/** Where cli.ts lives, relative to this module (lib/runtime/ → repository root). */
const CLI_URL = new URL("../../cli.ts", import.meta.url);

function selfCommand(): string[] {
  const exe = Deno.execPath();
  // A `deno compile` binary is the program itself; otherwise re-run cli.ts with the same Deno.
  if (Deno.build.standalone) return [exe];
  return [exe, "run", "-A", decodeURIComponent(CLI_URL.pathname)];
}

/**
 * Deno 2.9.2 and later start the V8 inspector on 127.0.0.1:9229 when SIGUSR1 arrives (denoland/deno#35738),
 * whatever listeners the program added, with or without permissions; no flag or variable turns it off.
 * `version` is Deno's ("2.9.6").
 */
export function sigusr1StartsInspector(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  return major !== 2 ? major > 2 : minor !== 9 ? minor > 9 : patch >= 2;
}

const INSPECTOR_WARNING =
  "Deno (2.9.2 and later) also starts its V8 inspector on 127.0.0.1:9229 on SIGUSR1, " +
  "unless one runs already or the port is taken: any local user can attach to it and run code in this " +
  "process until it exits. Reload with `tsbgp cli reload` instead, or run the Bun build (dist/tsbgp)";

export const denoRuntime: Runtime = {
  name: "deno",
  get version() {
    return Deno.version.deno;
  },
  net: denoNet,
  args: () => [...Deno.args],
  env: (name) => Deno.env.get(name),
  envAll: () => Deno.env.toObject(),
  cwd: () => Deno.cwd(),
  pid: () => Deno.pid,
  ppid: () => Deno.ppid,
  hostname: () => Deno.hostname(),
  exit: (code) => Deno.exit(code),
  readTextFile: (path) => Deno.readTextFile(path),
  readTextFileSync: (path) => Deno.readTextFileSync(path),
  writeTextFile: (path, text) => Deno.writeTextFile(path, text),
  selfCommand,
  spawn: spawnDeno,
  onSignal(signal: SignalName, handler: () => void) {
    Deno.addSignalListener(signal, handler);
    return () => Deno.removeSignalListener(signal, handler);
  },
  signalSideEffect: (signal) =>
    signal === "SIGUSR1" && sigusr1StartsInspector(Deno.version.deno) ? INSPECTOR_WARNING : undefined,
  kill: (pid, signal) => Deno.kill(pid, signal),
};
