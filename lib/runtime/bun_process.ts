/**
 * Child processes through Bun.spawn (runtime.md §2), made to behave like Deno's:
 * - stdin: FileSink.write() never blocks (it queued 64 MiB in the lab), so each write awaits flush(),
 *   which waits while the pipe is full;
 * - stdout/stderr: locked at once and re-exposed as pull-only streams, because an unlocked Bun stdout
 *   reads ahead without limit.
 */
import process from "node:process";
import type { ChildProcess, SpawnOptions } from "./types.ts";

/** Reads `src` only when our consumer asks (highWaterMark 0: nothing read ahead beyond the pipe). */
function pullOnly(src: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const { value, done } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

function sinkStream(sink: Bun.FileSink): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      sink.write(chunk);
      await sink.flush();
    },
    async close() {
      await sink.end();
    },
    abort() {
      sink.end();
    },
  });
}

export function spawnBun(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const p = Bun.spawn([cmd, ...args], {
    cwd: options.cwd,
    // Bun replaces the environment when given one; the contract adds to the inherited one (as Deno does).
    env: options.env ? { ...process.env, ...options.env } : undefined,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    pid: p.pid,
    stdin: sinkStream(p.stdin),
    stdout: pullOnly(p.stdout),
    stderr: pullOnly(p.stderr),
    exited: p.exited.then(() => {
      const signal = p.signalCode == null ? null : String(p.signalCode);
      return { code: signal ? null : p.exitCode, signal };
    }),
    kill(signal = "SIGTERM") {
      p.kill(signal as NodeJS.Signals); // a no-op once the child has exited
    },
  };
}
