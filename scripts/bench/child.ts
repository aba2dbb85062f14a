/**
 * A long-running subprocess of the bench (a speaker under test, BIRD, ExaBGP): its output goes to a log file
 * in the run's directory (never into the bench's memory), it is stopped by its PID, and every wait on it is
 * bounded.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { sleep } from "./clock.ts";

export interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface ChildOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Where stdout and stderr go. */
  readonly log: string;
}

export class Child {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  readonly #process: ChildProcess;

  constructor(readonly command: string, readonly args: readonly string[], readonly options: ChildOptions) {
    const fd = openSync(options.log, "a");
    try {
      this.#process = spawn(command, [...args], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env } as Record<string, string>,
        stdio: ["ignore", fd, fd],
      });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    if (this.#process.pid === undefined) throw new Error(`${command} did not start`);
    this.pid = this.#process.pid;
    this.exited = new Promise((resolve) => {
      this.#process.on("error", () => resolve(this.#exit = { code: null, signal: "spawn-error" }));
      this.#process.on("exit", (code, signal) => resolve(this.#exit = { code, signal }));
    });
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The end of the log, for error messages. */
  tail(lines = 15): string {
    if (!existsSync(this.options.log)) return "";
    return readFileSync(this.options.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  }

  /** The first log line matching `pattern`, if any (the logs of the bench's runs are a few lines). */
  logLine(pattern: RegExp): string | undefined {
    if (!existsSync(this.options.log)) return undefined;
    return readFileSync(this.options.log, "utf8").split("\n").find((l) => pattern.test(l));
  }

  /** Throws with the log's tail when the process has exited. */
  assertRunning(what: string): void {
    if (this.#exit) {
      throw new Error(`${what} exited (${this.#exit.signal ?? `code ${this.#exit.code}`}):\n${this.tail()}`);
    }
  }

  /** `signal` to the PID, SIGKILL after `graceMs`; resolves on exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 5_000): Promise<Exit> {
    if (this.#exit) return this.#exit;
    signalPid(this.pid, signal);
    const late = Symbol("late");
    const first = await Promise.race([this.exited, sleep(graceMs).then(() => late)]);
    if (first !== late) return first as Exit;
    signalPid(this.pid, "SIGKILL");
    return await this.exited;
  }
}

/** `work`, unless the process exits first: then a rejection naming `what`, with the log's tail. */
export function unlessExited<T>(child: Child, what: string, work: Promise<T>): Promise<T> {
  const exit = child.exited.then((e) => {
    throw new Error(`${what} exited (${e.signal ?? `code ${e.code}`}) during the run:\n${child.tail()}`);
  });
  exit.catch(() => {}); // only the race below reports it
  return Promise.race([work, exit]);
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Runs a command to completion (killed by PID after `timeoutMs`); its wall time in ms and its output. */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs: number },
): Promise<{ ms: number; code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env } as Record<string, string>,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    for (const s of [child.stdout!, child.stderr!]) {
      s.setEncoding("utf8").on("data", (d: string) => (output += d));
    }
    const timer = setTimeout(() => {
      if (child.pid !== undefined) signalPid(child.pid, "SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // The wall time ends at 'exit'; the output is complete at 'close', which follows it.
    let ms = 0;
    child.on("exit", () => (ms = performance.now() - start));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ ms: ms || performance.now() - start, code, output });
    });
  });
}
