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
  kill: (pid, signal) => Deno.kill(pid, signal),
};
