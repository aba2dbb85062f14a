/**
 * Pieces every interop test needs (tests/interop/*.test.ts), whatever the daemon on the other side:
 *
 * - `daemonAbsent`: skip with a reason when the daemon is not installed, fail instead under CI;
 * - `runProcess`: a one-shot CLI (gobgp, vtysh, bgpctl, birdc…) with a bounded run time;
 * - `Daemon`: a daemon started in the foreground, its output kept, stopped by PID together with the
 *   processes it forked (`stopProcessTree`; `readPidFile` for daemons that write one);
 * - `Tsbgp`: the speaker under test started with a configuration in a temp dir and its own control socket,
 *   queried through `tsbgp cli` (`parseAdjRib`, `parseNeighborSummary`, `routeAttributes`);
 * - `eventually`: a bounded wait polling some CLI, whose failure names the daemon, what was expected and the
 *   last output seen.
 *
 * Everything uses node:child_process and node:fs so it runs under `deno test` and `bun test` alike.
 * Linux only: the process tree is read from /proc.
 */
import { it } from "node:test";
import { AssertionError } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { sleep } from "./sandbox.ts";
import { REPO_ROOT, runCli, type SpeakerProcess, startSpeaker } from "./speaker.ts";

// -------------------------------------------------------------------------------------------------------
// Presence of the daemon

/**
 * The path of an executable: `candidates` are absolute paths tried first, then each bare name is looked up
 * in $PATH and the sbin directories (Debian puts daemons in /usr/sbin and /usr/lib/<pkg>/).
 */
export function locate(...candidates: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const c of candidates) {
    if (c.includes("/")) {
      if (existsSync(c)) return c;
      continue;
    }
    for (const d of dirs) if (d && existsSync(join(d, c))) return join(d, c);
  }
  return undefined;
}

/**
 * Call inside `describe` when the daemon is missing: registers a skipped test saying why, or, when env CI is
 * set (CI installs every daemon), a failing one.
 */
export function daemonAbsent(reason: string): void {
  if (process.env.CI) it(`${reason} (required under CI)`, () => assertFail(reason));
  else it(`skipped: ${reason}`, { skip: reason }, () => {});
}

function assertFail(message: string): never {
  throw new AssertionError({ message });
}

// -------------------------------------------------------------------------------------------------------
// One-shot commands

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout then stderr, for failure messages. */
  readonly output: string;
}

export interface RunProcessOptions {
  readonly timeoutMs?: number;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/**
 * Runs `command args…` to completion. Never rejects on a non-zero exit (the caller decides); a run longer
 * than `timeoutMs` (default 10 s) is killed by its PID and reported as such in `stderr`.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) signalQuietly(child.pid, "SIGKILL");
    }, timeoutMs);
    const finish = (code: number | null, signal: string | null, extra = "") => {
      clearTimeout(timer);
      if (timedOut) extra += `\n(${command} killed after ${timeoutMs} ms)`;
      const err = stderr + extra;
      resolve({ code, signal, stdout, stderr: err, output: err ? `${stdout}${err}` : stdout });
    };
    child.on("error", (e) => finish(null, null, `\n(${command} could not run: ${e.message})`));
    child.on("close", (code, signal) => finish(code, signal));
  });
}

// -------------------------------------------------------------------------------------------------------
// Processes by PID

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The state letter of /proc/PID/stat (R, S, Z…), undefined when there is no such process. */
function procState(pid: number): { state: string; ppid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "PID (comm) STATE PPID …": comm may hold spaces and parentheses, so split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: rest[0], ppid: Number(rest[1]) };
}

/** True while the process exists and is not a zombie (a zombie has exited; its parent has not reaped it). */
export function isAlive(pid: number): boolean {
  const s = procState(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}

/** `pid` and all its descendants (children first seen via /proc), parents before children. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [pid];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = procState(Number(e));
    if (s) (children.get(s.ppid) ?? children.set(s.ppid, []).get(s.ppid)!).push(Number(e));
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    if (out.includes(p)) continue;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** The PID in a daemon's PID file, or undefined while there is none (or it is not a number yet). */
export function readPidFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until none of `pids` is alive; returns those still alive after `timeoutMs`. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || performance.now() >= deadline) return alive;
    await sleep(50);
  }
}

/**
 * Stops `pid` and every process it forked: the tree is read before signalling (children of a dead parent
 * are re-parented and could no longer be found), `signal` goes to each, and whatever is still alive after
 * `timeoutMs` gets SIGKILL. Returns the PIDs that were signalled.
 */
export async function stopProcessTree(
  pid: number,
  options: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<number[]> {
  const tree = processTree(pid).filter(isAlive);
  for (const p of tree) signalQuietly(p, options.signal ?? "SIGTERM");
  const left = await waitGone(tree, options.timeoutMs ?? 5_000);
  for (const p of left) signalQuietly(p, "SIGKILL");
  await waitGone(left, 2_000);
  return tree;
}

/**
 * True when something accepts TCP connections on host:port, false when refused or silent for 2 s. Tests use
 * it to prove who initiated a session: a daemon with no listener can only have connected itself.
 */
export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), 2_000);
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

// -------------------------------------------------------------------------------------------------------
// A daemon in the foreground

export interface DaemonOptions {
  /** For messages: "GoBGP", "FRR bgpd"… */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /**
   * PID files the daemon (or its forked children) writes: on stop their PIDs are stopped too, for daemons
   * whose children are not descendants of the process started here.
   */
  readonly pidFiles?: readonly string[];
}

/** A daemon started by a test: its output (stdout+stderr, interleaved) and its exit. */
export class Daemon {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  #output = "";
  #exit: { code: number | null; signal: string | null } | undefined;

  constructor(readonly options: DaemonOptions) {
    this.child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (this.child.pid === undefined) throw new Error(`${options.name}: ${options.command} did not start`);
    this.pid = this.child.pid;
    for (const s of [this.child.stdout!, this.child.stderr!]) {
      s.setEncoding("utf8").on("data", (d: string) => (this.#output += d));
    }
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  get name(): string {
    return this.options.name;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** What the daemon printed so far. */
  get output(): string {
    return this.#output;
  }

  /** Throws (naming the daemon and showing its output) when it already exited. */
  assertRunning(): void {
    if (this.#exit) {
      assertFail(`${this.name} exited (${JSON.stringify(this.#exit)}):\n${this.#output}`);
    }
  }

  /** Stops the daemon and everything it forked by PID (see stopProcessTree); waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 5_000): Promise<void> {
    const extra = (this.options.pidFiles ?? []).map(readPidFile).filter((p): p is number => p !== undefined);
    if (this.running) await stopProcessTree(this.pid, { signal, timeoutMs });
    for (const p of extra) if (isAlive(p)) await stopProcessTree(p, { signal, timeoutMs });
    await Promise.race([this.exited, sleep(2_000)]);
  }
}

// -------------------------------------------------------------------------------------------------------
// Bounded waits

export interface EventuallyOptions<T> {
  /** The daemon (or "tsbgp") whose CLI is polled. */
  readonly daemon: string;
  /** What must hold, in words ("10.1.0.0/24 with as-path 65001 64600"). */
  readonly expected: string;
  /** The command polled, as shown in the failure message. */
  readonly command: string;
  /** One observation (usually a CLI run); a rejection counts as an observation of its message. */
  readonly observe: () => Promise<T>;
  readonly accept: (value: T) => boolean;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** The observation as text for the message (default: strings as they are, others as JSON). */
  readonly show?: (value: T) => string;
  /** More context for the message (e.g. tsbgp's output), computed only on failure. */
  readonly context?: () => string;
}

/** Polls until `accept` holds or the time is up; returns whether it held and the last observation. */
export async function waitFor<T>(
  observe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<{ ok: boolean; value: T | Error }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let value: T | Error;
    let ok = false;
    try {
      value = await observe();
      ok = accept(value);
    } catch (e) {
      value = e instanceof Error ? e : new Error(String(e));
    }
    if (ok || performance.now() >= deadline) return { ok, value };
    await sleep(intervalMs);
  }
}

/**
 * Waits until the observation is accepted and returns it; otherwise fails with
 * "DAEMON: expected EXPECTED within N ms; last output of `COMMAND`:\n…".
 */
export async function eventually<T>(o: EventuallyOptions<T>): Promise<T> {
  const { ok, value } = await waitFor(o.observe, o.accept, o.timeoutMs, o.intervalMs);
  if (ok) return value as T;
  const shown = value instanceof Error
    ? `(error) ${value.message}`
    : o.show
    ? o.show(value)
    : typeof value === "string"
    ? value
    : JSON.stringify(value, null, 1);
  throw new AssertionError({
    message:
      `${o.daemon}: expected ${o.expected} within ${o.timeoutMs} ms; last output of \`${o.command}\`:\n` +
      `${shown}${o.context ? `\n${o.context()}` : ""}`,
  });
}

/** "--- TITLE\nTEXT" sections for failure messages. */
export function sections(parts: Record<string, string>): string {
  return Object.entries(parts).map(([k, v]) => `--- ${k}\n${v.trimEnd()}`).join("\n");
}

// -------------------------------------------------------------------------------------------------------
// tsbgp under test

export interface TsbgpOptions {
  /** The test's temp dir: tsbgp.conf and tsbgp.sock go there. */
  readonly dir: string;
  /** Configuration text (ExaBGP syntax). */
  readonly config: string;
  /** exabgp_tcp_port: the default port to connect to and to listen on (neighbors may override). */
  readonly port?: number;
  /** exabgp_tcp_bind (space separated); empty (the default) = listen only where a neighbor says `listen`. */
  readonly bind?: string;
  /** More environment (exabgp_* variables). */
  readonly env?: Record<string, string>;
  /** File name of the configuration in `dir` (default tsbgp.conf). */
  readonly file?: string;
}

/** One line of `show adj-rib in|out [extensive]`: `<peer> <afi> <safi> <nlri> [next-hop <nh> <attributes>]`. */
export interface RibLine {
  readonly peer: string;
  /** "ipv4 unicast", "ipv4 flow", "l2vpn evpn"… */
  readonly family: string;
  readonly nlri: string;
  readonly nextHop?: string;
  /** The attribute text after the next hop (API route syntax), "" when none. */
  readonly attributes: string;
  readonly line: string;
}

/** Parses `show adj-rib` output; lines that are not routes are ignored. */
export function parseAdjRib(text: string): RibLine[] {
  const out: RibLine[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+) (\S+) (\S+) (.+)$/.exec(line.trim());
    if (!m || !/^[0-9a-f.:]+$/i.test(m[1])) continue;
    const rest = m[4];
    const at = rest.indexOf(" next-hop ");
    if (at < 0) {
      out.push({ peer: m[1], family: `${m[2]} ${m[3]}`, nlri: rest, attributes: "", line });
      continue;
    }
    const after = rest.slice(at + " next-hop ".length);
    const sp = after.indexOf(" ");
    out.push({
      peer: m[1],
      family: `${m[2]} ${m[3]}`,
      nlri: rest.slice(0, at),
      nextHop: sp < 0 ? after : after.slice(0, sp),
      attributes: sp < 0 ? "" : after.slice(sp + 1),
      line,
    });
  }
  return out;
}

/** Attributes that are a bare word in the route syntax (no value follows). */
const FLAG_ATTRIBUTES = new Set(["atomic-aggregate"]);

/**
 * The attribute text of a route (`origin igp as-path [ 65003 ] community [ 65003:1 65003:2 ]`) as
 * name → value, a list value given without its brackets (`"65003:1 65003:2"`).
 */
export function routeAttributes(text: string): Map<string, string> {
  const words = text.trim().split(/\s+/).filter((w) => w !== "");
  const out = new Map<string, string>();
  for (let i = 0; i < words.length;) {
    const name = words[i++];
    if (FLAG_ATTRIBUTES.has(name)) {
      out.set(name, "");
      continue;
    }
    const open = words[i];
    const close = open === "[" ? "]" : open === "(" ? ")" : undefined;
    if (close === undefined) {
      out.set(name, words[i++] ?? "");
      continue;
    }
    // Nested brackets occur in AS_SETs ("[ 1 ( 2 3 ) ]"): keep the inner ones, count depth.
    let depth = 0;
    const value: string[] = [];
    for (; i < words.length; i++) {
      const w = words[i];
      if (w === open) depth++;
      else if (w === close) depth--;
      if (depth === 0) break;
      if (!(depth === 1 && w === open)) value.push(w);
    }
    i++;
    out.set(name, value.join(" "));
  }
  return out;
}

export interface NeighborRow {
  readonly peer: string;
  readonly as: string;
  readonly upDown: string;
  /** "established", "idle", "active", "connect", "opensent", "openconfirm". */
  readonly state: string;
  readonly sent: number;
  readonly received: number;
}

/** Parses `show neighbor summary` (ExaBGP's table: `Peer AS up/down state | #sent #recvd`). */
export function parseNeighborSummary(text: string): NeighborRow[] {
  const rows: NeighborRow[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\|\s+(\d+)\s+(\d+)\s*$/.exec(line.trim());
    if (!m || m[1] === "Peer") continue;
    rows.push({
      peer: m[1],
      as: m[2],
      upDown: m[3],
      state: m[4],
      sent: Number(m[5]),
      received: Number(m[6]),
    });
  }
  return rows;
}

/**
 * tsbgp started from a configuration text in a temp dir, with its control socket there (so tests running at
 * once never share one); `cli` talks to it through `tsbgp cli --socket`.
 */
export class Tsbgp {
  readonly speaker: SpeakerProcess;
  readonly socket: string;
  readonly configPath: string;

  constructor(readonly options: TsbgpOptions) {
    this.socket = join(options.dir, "tsbgp.sock");
    this.configPath = join(options.dir, options.file ?? "tsbgp.conf");
    writeFileSync(this.configPath, options.config);
    this.speaker = startSpeaker([this.configPath], {
      env: {
        exabgp_tcp_bind: options.bind ?? "",
        ...(options.port !== undefined && { exabgp_tcp_port: String(options.port) }),
        exabgp_log_level: "INFO",
        exabgp_api_socketpath: this.socket,
        ...options.env,
      },
    });
  }

  get output(): string {
    return this.speaker.output;
  }

  /** `tsbgp cli --socket S WORDS…` (bounded), stdout and stderr together; never rejects on exit codes. */
  async cliResult(...words: string[]): Promise<ProcessResult> {
    const r = await runCli(["cli", "--socket", this.socket, ...words], { timeoutMs: 20_000 });
    const output = r.stderr ? `${r.stdout}${r.stderr}` : r.stdout;
    return { ...r, output };
  }

  /** `tsbgp cli …` output; throws with the output when the command failed. */
  async cli(...words: string[]): Promise<string> {
    const r = await this.cliResult(...words);
    if (r.code !== 0) {
      throw new Error(`tsbgp cli ${words.join(" ")} exited ${r.code ?? r.signal}: ${r.output}`);
    }
    return r.stdout;
  }

  /** `show adj-rib in|out extensive`, parsed. */
  async adjRib(direction: "in" | "out"): Promise<RibLine[]> {
    return parseAdjRib(await this.cli("show", "adj-rib", direction, "extensive"));
  }

  /** `show neighbor summary`, parsed. */
  async neighbors(): Promise<NeighborRow[]> {
    return parseNeighborSummary(await this.cli("show", "neighbor", "summary"));
  }

  /** Waits until the control socket answers (the speaker has read its configuration and started). */
  async ready(timeoutMs = 20_000): Promise<void> {
    await eventually({
      daemon: "tsbgp",
      expected: "the control socket to answer",
      command: `tsbgp cli --socket ${this.socket} show neighbor summary`,
      observe: () => this.cliResult("show", "neighbor", "summary"),
      accept: (r) => r.code === 0 || !this.speaker.running,
      show: (r) => r.output,
      timeoutMs,
      context: () => sections({ "tsbgp output": this.output }),
    });
    if (!this.speaker.running) assertFail(`tsbgp exited:\n${this.output}`);
  }

  /** Waits until tsbgp's summary shows `peer` in `state` (default established). */
  async waitState(peer: string, timeoutMs: number, state = "established"): Promise<void> {
    await eventually({
      daemon: "tsbgp",
      expected: `neighbor ${peer} ${state}`,
      command: "tsbgp cli show neighbor summary",
      observe: () => this.cli("show", "neighbor", "summary"),
      accept: (t) => parseNeighborSummary(t).some((r) => r.peer === peer && r.state === state),
      timeoutMs,
      context: () => sections({ "tsbgp output": this.output }),
    });
  }

  /**
   * Waits until tsbgp's Adj-RIB-In holds a route for each check (`peer`, `nlri` as printed, plus a test on
   * its line); returns the parsed RIB. The failure shows `show adj-rib in extensive`.
   */
  async waitRibIn(
    expected: string,
    accept: (rib: RibLine[]) => boolean,
    timeoutMs: number,
    context?: () => string,
  ): Promise<RibLine[]> {
    const text = await eventually({
      daemon: "tsbgp",
      expected,
      command: "tsbgp cli show adj-rib in extensive",
      observe: () => this.cli("show", "adj-rib", "in", "extensive"),
      accept: (t) => accept(parseAdjRib(t)),
      timeoutMs,
      context: () => sections({ "tsbgp output": this.output, ...(context && { more: context() }) }),
    });
    return parseAdjRib(text);
  }

  /** SIGTERM (or `signal`) to the PID; SIGKILL after 5 s. */
  stop(signal: NodeJS.Signals = "SIGTERM") {
    return this.speaker.stop(signal);
  }
}

// -------------------------------------------------------------------------------------------------------
// JSON events through a helper process

/**
 * A `process` block whose helper appends every JSON event tsbgp writes to its stdin to `file` (the helper
 * never writes to stdout, so it sends no command). Reference it from a neighbor with `jsonEventsApi(name)`.
 */
export function jsonEventsProcess(name: string, file: string): string {
  return `process ${name} {\n  run /bin/sh -c "exec cat >> ${file}";\n  encoder json;\n}\n`;
}

/** The neighbor's `api` block sending parsed UPDATEs, NOTIFICATIONs and ROUTE-REFRESHes to `process`. */
export function jsonEventsApi(process: string): string {
  return `api {\n    processes [ ${process} ];\n    receive { parsed; update; notification; refresh; }\n  }`;
}

/** The events in a file written by `jsonEventsProcess`, parsed (blank and partial lines skipped). */
export function readJsonEvents(file: string): Record<string, unknown>[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // the last line may still be being written
    }
  }
  return out;
}

/** Where the tests run tsbgp from, for messages: the repository (source) or TSBGP_BIN. */
export const TSBGP_SOURCE: string = process.env.TSBGP_BIN || REPO_ROOT;
