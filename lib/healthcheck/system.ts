/**
 * The real `HealthcheckHost`: commands through the runtime adapter's process spawning (/bin/sh -c, as
 * ExaBGP's `shell=True`), standard input and output of this process (node:process, the same on Deno, Bun
 * and the compiled binary), files through node:fs, the `ip` command for the address management, and the
 * `LEVEL[healthcheck] message` log lines on stderr that ExaBGP's helper prints.
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { type ChildProcess, clampDelay, runtime } from "../runtime/mod.ts";
import type { IpExecutor } from "./ip_setup.ts";
import type { Ack, CheckResult, HealthcheckHost, HealthcheckLog } from "./runner.ts";

const SHELL = "/bin/sh";
/**
 * setsid(1) (util-linux) starts the shell as the leader of a new process group, as ExaBGP's
 * `preexec_fn=os.setpgrp` does, so that a timeout kills the whole command: dash forks even for a simple
 * command, and killing the shell alone would leave the command running. Where there is no setsid the
 * shell alone is killed.
 */
const SETSID = ["/usr/bin/setsid", "/bin/setsid"].find((p) => existsSync(p));
/** Output of a failing check kept for the log. */
const OUTPUT_CAP = 16 * 1024;
/** After the command exits, how long its output may still arrive (a background child may hold the pipe). */
const OUTPUT_GRACE_MS = 200;
/** After SIGKILL, the longest wait for the exit status. */
const KILL_WAIT_MS = 2_000;

type Outcome =
  | {
    readonly kind: "exited";
    readonly code: number | null;
    readonly signal: string | null;
    readonly output: string;
  }
  | { readonly kind: "timeout" }
  | { readonly kind: "aborted" }
  | { readonly kind: "error"; readonly message: string };

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, clampDelay(ms))));
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Resolves when `signal` aborts; `cancel` removes the listener (one wait per check must not pile up). */
function aborted(signal: AbortSignal | undefined): { promise: Promise<void>; cancel(): void } {
  if (signal === undefined) return { promise: new Promise<void>(() => {}), cancel: () => {} };
  if (signal.aborted) return { promise: Promise.resolve(), cancel: () => {} };
  let listener = () => {};
  const promise = new Promise<void>((resolve) => {
    listener = () => resolve();
    signal.addEventListener("abort", listener, { once: true });
  });
  return { promise, cancel: () => signal.removeEventListener("abort", listener) };
}

/** Reads a stream to its end, keeping at most `cap` characters in `sink`; `cancel` stops it early. */
function drain(stream: ReadableStream<Uint8Array>, sink: { text: string }, cap: number) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        if (sink.text.length < cap) {
          sink.text += decoder.decode(value, { stream: true }).slice(0, cap - sink.text.length);
        }
      }
    } catch {
      // cancelled, or the pipe broke with the process
    }
  })();
  return { done, cancel: () => void reader.cancel().catch(() => {}) };
}

/**
 * Runs `argv` with its standard input closed (the check must not read the speaker's answers), collects
 * stdout and stderr together, kills it with SIGKILL after `timeoutS` seconds (0: no limit) or on `signal`
 * (with `group`, in a process group of its own, all of that group).
 */
async function runBounded(
  argv: readonly string[],
  opts: { env?: Record<string, string>; timeoutS: number; signal?: AbortSignal; group?: boolean },
): Promise<Outcome> {
  const grouped = opts.group === true && SETSID !== undefined;
  const full = grouped ? [SETSID!, ...argv] : argv;
  let child: ChildProcess;
  try {
    child = runtime.spawn(full[0], full.slice(1), { env: opts.env });
  } catch (e) {
    return { kind: "error", message: `${argv[0]}: ${(e as Error).message}` };
  }
  child.stdin.close().catch(() => {});
  const sink = { text: "" };
  const streams = [drain(child.stdout, sink, OUTPUT_CAP), drain(child.stderr, sink, OUTPUT_CAP)];
  const reading = Promise.all(streams.map((s) => s.done));
  const stopReading = () => streams.forEach((s) => s.cancel());
  const limit = opts.timeoutS > 0 ? delay(opts.timeoutS * 1000) : undefined;
  const stop = aborted(opts.signal);
  const first = await Promise.race([
    child.exited.then((e) => ({ kind: "exited" as const, ...e })),
    ...(limit ? [limit.promise.then(() => ({ kind: "timeout" as const }))] : []),
    stop.promise.then(() => ({ kind: "aborted" as const })),
  ]);
  limit?.cancel();
  stop.cancel();
  if (first.kind !== "exited") {
    // setsid(1) execs the shell without forking (our child is no group leader): its PID is the group's.
    if (grouped) killGroup(child.pid);
    child.kill("SIGKILL");
    const wait = delay(KILL_WAIT_MS);
    await Promise.race([child.exited, wait.promise]);
    wait.cancel();
    stopReading();
    return first;
  }
  const grace = delay(OUTPUT_GRACE_MS);
  await Promise.race([reading, grace.promise]);
  grace.cancel();
  stopReading();
  return { kind: "exited", code: first.code, signal: first.signal, output: sink.text };
}

function killGroup(pid: number): void {
  try {
    runtime.kill(-pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
}

// ---------------------------------------------------------------------------------------------------------
// Standard input: the speaker's answers, one per line.

const MAX_QUEUED_ANSWERS = 256;

/** The `done`/`error` lines of standard input, in order; other lines (events) are skipped. */
class AnswerReader {
  #answers: ("done" | "error")[] = [];
  #closed = false;
  #waiter: (() => void) | undefined;

  constructor(onClose: () => void, log: HealthcheckLog) {
    let rest = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl).replace(/\r$/, "").trim();
        rest = rest.slice(nl + 1);
        if (line === "done" || line === "error") {
          // Nobody takes the answers with --no-ack (or after a timeout): keep only the latest ones.
          if (this.#answers.push(line) > MAX_QUEUED_ANSWERS) this.#answers.shift();
        } else if (line !== "") log.debug(`ignored input line: ${line}`);
      }
      this.#wake();
    });
    const close = () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#wake();
      onClose();
    };
    process.stdin.on("end", close);
    process.stdin.on("error", close);
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async next(timeoutMs: number, signal?: AbortSignal): Promise<Ack> {
    const limit = delay(timeoutMs);
    let timedOut = false;
    void limit.promise.then(() => {
      timedOut = true;
      this.#wake();
    });
    const stop = () => this.#wake();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      while (true) {
        const answer = this.#answers.shift();
        if (answer !== undefined) return answer;
        if (this.#closed) return "closed";
        if (signal?.aborted) return "aborted";
        if (timedOut) return "timeout";
        await new Promise<void>((resolve) => (this.#waiter = resolve));
      }
    } finally {
      limit.cancel();
      signal?.removeEventListener("abort", stop);
    }
  }
}

function writeLine(line: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      process.stdout.write(`${line}\n`, (e) => resolve(e == null));
    } catch {
      resolve(false);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------

export interface SystemHost extends HealthcheckHost {
  readonly ip: IpExecutor;
}

/**
 * The host of a real run. `onInputClosed` is called once when standard input ends (the speaker closed the
 * pipe); `sudo` prefixes the address commands and counts as privileged.
 */
export function systemHost(log: HealthcheckLog, onInputClosed: () => void, sudo: boolean): SystemHost {
  const answers = new AnswerReader(onInputClosed, log);
  // A closed pipe shows as an error event on some runtimes: writeLine reports it, nothing else must throw.
  process.stdout.on?.("error", () => {});
  const uid = typeof process.getuid === "function" ? process.getuid() : -1;
  return {
    async check(command, timeoutS, signal): Promise<CheckResult> {
      const r = await runBounded([SHELL, "-c", command], { timeoutS, signal, group: true });
      if (r.kind !== "exited") return r;
      return r.code === 0
        ? { kind: "success" }
        : { kind: "failure", code: r.code, signal: r.signal, output: r.output };
    },
    async hook(command, env, timeoutS) {
      const r = await runBounded([SHELL, "-c", command], { env: { ...env }, timeoutS, group: true });
      if (r.kind === "timeout") log.warn(`Timeout (${timeoutS}) while running ${command}`);
      else if (r.kind === "error") log.warn(`could not run ${command}: ${r.message}`);
    },
    exists: (path) => existsSync(path),
    write: writeLine,
    ack: (timeoutMs, signal) => answers.next(timeoutMs, signal),
    interactive: process.stdout.isTTY === true,
    sleep: async (ms, signal) => {
      const d = delay(ms);
      const stop = aborted(signal);
      await Promise.race([d.promise, stop.promise]);
      d.cancel();
      stop.cancel();
    },
    ip: {
      privileged: uid === 0 || sudo,
      async list(ifname) {
        const r = await runBounded(["ip", "-o", "address", "show", "dev", ifname], { timeoutS: 10 });
        return r.kind === "exited" && r.code === 0 ? r.output : "";
      },
      async run(argv) {
        const r = await runBounded(argv, { timeoutS: 30 });
        return r.kind === "exited" ? r.code : null;
      },
    },
  };
}

/** ExaBGP's console format, `LEVEL[healthcheck] message`, on stderr; debug lines only with `--debug`. */
export function consoleLog(o: { readonly silent: boolean; readonly debug: boolean }): HealthcheckLog {
  const out = (level: string) => (message: string) => {
    if (!o.silent) console.error(`${level}[healthcheck] ${message}`);
  };
  return {
    debug: o.debug ? out("DEBUG") : () => {},
    info: out("INFO"),
    warn: out("WARNING"),
    error: out("ERROR"),
  };
}

/** `--group` then `--user` (names or numbers), after the addresses are set up. */
export function dropPrivileges(user: string | undefined, group: string | undefined): void {
  const id = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
  if (group !== undefined) process.setgid!(id(group));
  if (user !== undefined) process.setuid!(id(user));
}
