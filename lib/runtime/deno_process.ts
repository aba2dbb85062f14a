/**
 * Child processes through Deno.Command (runtime.md §2). Deno's pipes already apply back-pressure in both
 * directions (stdin's write() waits once the pipe is full), so they are handed over as they are, with one
 * change: stdin's pipe is widened (see widenPipe).
 */
import { F_SETPIPE_SZ } from "./libc.ts";
import { denoLibc } from "./libc_deno.ts";
import type { ChildProcess, SpawnOptions } from "./types.ts";

/**
 * The capacity asked for a helper's stdin pipe: Linux's default /proc/sys/fs/pipe-max-size, what an
 * unprivileged process may set. Deno completes a write that found the pipe full only when its event loop
 * polls I/O, which a speaker busy decoding UPDATEs does every few milliseconds; each poll moves at most what
 * the pipe holds, so with the default 64 KiB a helper that reads as fast as it can still got only ~8 MB/s
 * and its queue filled (measured with `cat`). 1 MiB per poll is ~16 times that.
 */
const STDIN_PIPE_BYTES = 1 << 20;

/**
 * Our end of the pipe that is `pid`'s fd 0, found through /proc (Deno gives no descriptor for a child's
 * stdin): the descriptor of ours that links to the same `pipe:[inode]`.
 */
function stdinPipeFd(pid: number): number | undefined {
  const pipe = Deno.readLinkSync(`/proc/${pid}/fd/0`);
  if (!pipe.startsWith("pipe:")) return undefined;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === pipe) return Number(entry.name);
    } catch {
      // the descriptor was closed while we listed them (the directory's own one, at least)
    }
  }
  return undefined;
}

/**
 * Best effort: without FFI or /proc access (Deno without -A, not Linux), after a quick exit, or past the
 * per-user pipe limit (fs/pipe-user-pages-soft), the pipe keeps its default size and only throughput suffers.
 */
async function widenPipe(pid: number): Promise<void> {
  try {
    const libc = await denoLibc();
    const fd = stdinPipeFd(pid);
    if (fd !== undefined) libc.fcntl(fd, F_SETPIPE_SZ, STDIN_PIPE_BYTES);
  } catch {
    // the default size still works
  }
}

export function spawnDeno(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = new Deno.Command(cmd, {
    args: [...args],
    cwd: options.cwd,
    env: options.env, // added to the inherited environment
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  void widenPipe(child.pid);
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
