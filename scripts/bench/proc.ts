/**
 * What Linux's /proc says about one process: resident set size, CPU time (user + system, all threads, not
 * its children) and context switches (wake-ups, summed over threads). Helpers the process spawned are not
 * counted: the figures are the speaker's own.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process (or thread) is gone
  }
}

/** Clock ticks per second of the utime/stime fields (sysconf(_SC_CLK_TCK), 100 on Linux). */
const TICKS: number = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** VmRSS in KiB, or undefined when the process is gone. */
export function rssKiB(pid: number): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(read(`/proc/${pid}/status`) ?? "");
  return m ? Number(m[1]) : undefined;
}

/** User + system CPU seconds of the process so far (proc(5) stat fields 14 and 15). */
export function cpuSeconds(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Voluntary + involuntary context switches over all threads: how often the process woke up. */
export function contextSwitches(pid: number): number | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let total = 0;
  for (const t of tasks) {
    const status = read(`/proc/${pid}/task/${t}/status`) ?? "";
    for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) total += Number(m[1]);
  }
  return total;
}

/** Samples a process's RSS every `everyMs` to keep its peak (between two /proc reads nothing is seen). */
export class RssSampler {
  #peak = 0;
  #timer: ReturnType<typeof setInterval>;

  constructor(readonly pid: number, everyMs = 100) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
    this.#timer.unref(); // a run that fails before stop() must not keep the bench alive
  }

  #sample(): void {
    const rss = rssKiB(this.pid);
    if (rss !== undefined && rss > this.#peak) this.#peak = rss;
  }

  /** Stops sampling; returns the peak in KiB (one last sample included). */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return this.#peak;
  }
}

/** CPU and memory of a process over a transfer: from construction (session up) to `finish()`. */
export class ProcessWatch {
  readonly #cpu0: number;
  readonly #rssBase: number | undefined;
  readonly #sampler: RssSampler;

  constructor(readonly pid: number) {
    this.#cpu0 = cpuSeconds(pid) ?? 0;
    this.#rssBase = rssKiB(pid);
    this.#sampler = new RssSampler(pid);
  }

  /** Stops sampling (also when the run failed before `finish()`). */
  stop(): void {
    this.#sampler.stop();
  }

  /** CPU seconds since construction, RSS before and at peak. */
  finish(): { cpuSeconds?: number; rssBaseKiB?: number; rssPeakKiB: number } {
    const cpu = cpuSeconds(this.pid);
    return {
      cpuSeconds: cpu === undefined ? undefined : cpu - this.#cpu0,
      rssBaseKiB: this.#rssBase,
      rssPeakKiB: this.#sampler.stop(),
    };
  }
}
