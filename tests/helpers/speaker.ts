/**
 * Runs the tsbgp executable (cli.ts) as a subprocess of the current runtime: one-shot sub-commands
 * (`runCli`) and a long-running speaker (`startSpeaker`) whose log lines a test can wait for and which is
 * stopped by its PID. Uses node:child_process so the same helper works under `deno test` and `bun test`.
 * Every wait is bounded; a timeout error carries the output seen so far.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url).href);
export const CLI_PATH: string = `${REPO_ROOT}cli.ts`;
export const IS_DENO: boolean = "Deno" in globalThis;

/**
 * TSBGP_BIN names a compiled executable (dist/tsbgp) to test instead of the source: the test suites that
 * start speakers run once more against the binary that way (scripts/test.sh).
 */
export const TSBGP_BIN: string | undefined = process.env.TSBGP_BIN || undefined;

/** The executable and arguments that run tsbgp: TSBGP_BIN, else cli.ts with the runtime running this test. */
export function cliCommand(args: readonly string[]): { command: string; args: string[] } {
  if (TSBGP_BIN !== undefined) return { command: TSBGP_BIN, args: [...args] };
  const prefix = IS_DENO ? ["run", "-A", CLI_PATH] : ["--no-install", CLI_PATH];
  return { command: process.execPath, args: [...prefix, ...args] };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Added to (and overriding) the test's own environment. */
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

function childEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `tsbgp ARGS…` to completion (killed by PID after `timeoutMs`, default 30 s). */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const { command, args: argv } = cliCommand(args);
  const child = spawn(command, argv, {
    cwd: REPO_ROOT,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killQuietly(child.pid, "SIGKILL");
      reject(
        new Error(
          `tsbgp ${args.join(" ")} did not finish in ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** A speaker subprocess: its output lines (stdout and stderr, in arrival order) and its exit. */
export class SpeakerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every complete output line so far. */
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #partial = { stdout: "", stderr: "" };
  #waiters = new Set<() => void>();

  constructor(child: ChildProcess) {
    if (child.pid === undefined) throw new Error("the speaker did not start");
    this.child = child;
    this.pid = child.pid;
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]!.setEncoding("utf8").on("data", (d: string) => this.#take(stream, d));
    }
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        for (const stream of ["stdout", "stderr"] as const) this.#take(stream, "\n");
        this.#exit = { code, signal };
        this.#notify();
        resolve(this.#exit);
      });
    });
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** All output so far, for failure messages. */
  get output(): string {
    return this.lines.join("\n");
  }

  #take(stream: "stdout" | "stderr", data: string): void {
    const parts = (this.#partial[stream] + data).split("\n");
    this.#partial[stream] = parts.pop()!;
    for (const p of parts) if (p !== "") this.lines.push(p);
    this.#notify();
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /**
   * The first line at index ≥ `from` that matches; rejects after `timeoutMs` or when the process exits
   * first, with the output in the message.
   */
  waitForLine(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<{ line: string; index: number }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = from; i < this.lines.length; i++) {
          if (pattern.test(this.lines[i])) return done(() => resolve({ line: this.lines[i], index: i }));
        }
        if (this.#exit) {
          done(() =>
            reject(
              new Error(`speaker exited (${JSON.stringify(this.#exit)}) before ${pattern}\n${this.output}`),
            )
          );
        }
      };
      const timer = setTimeout(
        () =>
          done(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms\n${this.output}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends `signal` to the PID and waits for the exit; SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 5_000): Promise<Exit> {
    if (this.#exit) return this.#exit;
    killQuietly(this.pid, signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), timeoutMs)));
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first !== "late") return first;
    killQuietly(this.pid, "SIGKILL");
    return await this.exited;
  }
}

/** Starts `tsbgp ARGS…` (usually a configuration file) as a long-running subprocess. */
export function startSpeaker(
  args: readonly string[],
  options: { env?: Record<string, string> } = {},
): SpeakerProcess {
  const { command, args: argv } = cliCommand(args);
  const child = spawn(command, argv, {
    cwd: REPO_ROOT,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new SpeakerProcess(child);
}
