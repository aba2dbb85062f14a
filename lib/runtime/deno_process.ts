/**
 * Child processes through Deno.Command (runtime.md §2). Deno's pipes already apply back-pressure in both
 * directions (stdin's write() waits once the pipe is full), so they are handed over as they are.
 */
import type { ChildProcess, SpawnOptions } from "./types.ts";

export function spawnDeno(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = new Deno.Command(cmd, {
    args: [...args],
    cwd: options.cwd,
    env: options.env, // added to the inherited environment
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    // Deno reports a signal death as code 128+n as well; the contract gives the code only for an exit.
    exited: child.status.then((s) => ({ code: s.signal ? null : s.code, signal: s.signal ?? null })),
    kill(signal = "SIGTERM") {
      try {
        child.kill(signal as Deno.Signal);
      } catch {
        // already exited (Deno throws "Child process has already terminated")
      }
    },
  };
}
