/**
 * API helper processes (exabgp-behaviour.md §1.7, §4.1): started from the configuration's `process` blocks,
 * commands read from their stdout in batches, events and answers written to their stdin through a bounded
 * queue that never blocks the speaker (BRIEF lessons 3 and 6), respawned with a limit, stopped with
 * SIGTERM then SIGKILL. Only the runtime adapter is used (no Deno./Bun. here). A command is a complete line:
 * what follows the last newline when a helper's output ends (it crashed mid-write) is logged, never run.
 *
 * Respawn policy: a helper that exits is started again unless its block says `respawn false`, the
 * environment says `api.respawn false`, `api.terminate` is set (the exit is then fatal) or the speaker is
 * stopping. Back-off before the n-th respawn inside the window (n = 0, 1, …): min(base × 2^n, max), by
 * default 100 ms doubling up to 5 s. Limit, as ExaBGP (5 respawns per ~64 s time bucket): at most 5
 * respawns within a sliding 63 s window; the exit after that gives up and is reported as fatal, as ExaBGP
 * ("Too many death for … terminating program") exits in that case. The caller decides what fatal means.
 */
import type { ProcessConfig } from "../config/model.ts";
import { getLogger, type Log } from "../log.ts";
import { type ChildProcess, runtime } from "../runtime/mod.ts";
import { yieldToLoop } from "../runtime/timers.ts";
import { LineBuffer } from "./line_buffer.ts";
import { type DropCounts, type LineKind, WriteQueue } from "./write_queue.ts";

/** Per-helper acknowledgement mode (§4.1: enable-ack / disable-ack / silence-ack). */
export type AckMode = "on" | "off" | "silence";

export interface ProcessManagerOptions {
  /** Called with every batch of complete lines from one read of a helper's stdout; awaited before the next
   * read of that helper (other helpers go on reading meanwhile). */
  onBatch(helper: HelperProcess, lines: string[]): void | Promise<void>;
  /** A line of a helper's stderr (default: logged at info level). */
  onStderr?(helper: HelperProcess, line: string): void;
  /**
   * After each exit, which is already logged here. `fatal`: `api.terminate` is set (see `terminate`), or
   * the respawn limit was reached.
   */
  onExit?(
    helper: HelperProcess,
    code: number | null,
    signal: string | null,
    willRespawn: boolean,
    fatal: boolean,
  ): void;
  /** `exabgp.api.ack` (default true): the initial ack mode of every helper, "on" or "off". */
  ack?: boolean;
  /** `exabgp.api.respawn` (default true); a process block's `respawn false` also disables it. */
  respawn?: boolean;
  /** `exabgp.api.terminate` (default false): any helper exit is fatal and never respawned. */
  terminate?: boolean;
  /** Added to the inherited environment of every helper (e.g. the `exabgp_*` variables as given). */
  env?: Record<string, string>;
  cwd?: string;
  /** Per-helper write queue cap (default 16 MiB), see write_queue.ts for the drop policy. */
  maxQueueBytes?: number;
  /** Longest command line accepted (default 1 MiB, as ExaBGP); longer lines are dropped with an error. */
  maxLineBytes?: number;
  respawnLimit?: number;
  respawnWindowMs?: number;
  respawnBackoffMs?: number;
  respawnBackoffMaxMs?: number;
  /** Between SIGTERM and SIGKILL in stopAll (default 2000 ms). */
  killTimeoutMs?: number;
  log?: Log;
}

const MiB = 1024 * 1024;
/** Bytes handed to the pipe per write: large enough for throughput, small enough to stay responsive. */
const WRITE_CHUNK = 64 * 1024;
/** After a helper exited, how long its stdout may stay open (held by a grandchild) before we stop reading. */
const STDOUT_GRACE_MS = 1000;
/** In stopAll, how long the shutdown notice and what is queued before it may take to reach the pipe. */
const FLUSH_MS = 500;
/** In stopAll, between closing stdin and SIGTERM. */
const EOF_GRACE_MS = 100;

const encoder = new TextEncoder();

/** Waits for `p` at most `ms` (the timer is cleared either way, so none outlives the wait). */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let t: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}

export interface HelperStats {
  readonly starts: number;
  readonly queuedBytes: number;
  readonly dropped: Readonly<DropCounts>;
}

/** One configured helper; the object outlives respawns (same name, new pid). */
export class HelperProcess {
  readonly name: string;
  readonly encoder: "json" | "text";
  ack: AckMode;
  #child: ChildProcess | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #queue: WriteQueue;
  /** The writer a #pump is draining into (a stuck one of a dead child must not hold up the next). */
  #pumpWriter: WritableStreamDefaultWriter<Uint8Array> | undefined;
  /** Set by stopAll: only the shutdown notice may still be written. */
  #closed = false;
  #droppedLogged = -1;
  #starts = 0;
  /** Respawn times (ms) inside the window. */
  #respawnTimes: number[] = [];
  #stopped: Promise<void> = Promise.resolve();
  #drained: (() => void) | undefined;
  /** Ends the current #sleep early (stop during a respawn back-off). */
  #wake: (() => void) | undefined;

  constructor(readonly config: ProcessConfig, private readonly manager: ProcessManager) {
    this.name = config.name;
    this.encoder = config.encoder;
    this.ack = manager.initialAck;
    this.#queue = new WriteQueue(manager.maxQueueBytes);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Bytes waiting in the write queue (what `stats` says, without building it). */
  get queuedBytes(): number {
    return this.#queue.bytes;
  }

  get stats(): HelperStats {
    return { starts: this.#starts, queuedBytes: this.#queue.bytes, dropped: { ...this.#queue.dropped } };
  }

  /** Queues an event line for the helper's stdin. Never blocks, never throws (see write_queue.ts). */
  write(line: string, kind: LineKind = "event"): void {
    if (this.#closed || this.#child === undefined) return;
    this.#enqueue(line, kind);
  }

  /** Queues an answer to one of the helper's commands (`done`, `error`, `show` output). */
  answer(line: string): void {
    this.write(line, "answer");
  }

  #enqueue(line: string, kind: LineKind): void {
    const q = this.#queue;
    const before = q.dropped.events + q.dropped.answers;
    q.push(line, kind);
    if (q.dropped.events + q.dropped.answers !== before && this.#droppedLogged < 0) {
      this.#droppedLogged = before;
      this.manager.log.error(
        `process ${this.name}: not reading its stdin, ${q.maxBytes} bytes queued; dropping oldest events ` +
          `(answers kept while possible) until it reads again`,
      );
    }
    if (this.#pumpWriter !== this.#writer) void this.#pump();
  }

  /** Drains the queue to stdin, one awaited write at a time: the pipe's back-pressure stays here. */
  async #pump(): Promise<void> {
    const w = this.#writer;
    if (w === undefined) return;
    this.#pumpWriter = w;
    try {
      let chunk: string | undefined;
      while (this.#writer === w && (chunk = this.#queue.take(WRITE_CHUNK)) !== undefined) {
        await w.write(encoder.encode(chunk));
      }
    } catch {
      // The helper closed its stdin or exited: what is left can never be delivered.
      if (this.#writer === w) this.#queue.clear();
    } finally {
      if (this.#pumpWriter === w) this.#pumpWriter = undefined;
    }
    if (this.#writer !== w) return; // a respawn replaced the child: its own pump takes over
    if (this.#droppedLogged >= 0 && this.#queue.length === 0) {
      const q = this.#queue.dropped;
      this.manager.log.warn(
        `process ${this.name}: reading again; ${
          q.events + q.answers - this.#droppedLogged
        } lines were dropped`,
      );
      this.#droppedLogged = -1;
    }
    this.#drained?.();
  }

  /** Starts the program; a failure to start counts as an exit with code 127 (as a shell reports it). */
  start(): void {
    if (this.#child !== undefined || this.manager.stopping) return;
    this.#starts++;
    this.ack = this.manager.initialAck;
    const [cmd, ...args] = this.config.run;
    let child: ChildProcess;
    try {
      child = runtime.spawn(cmd, args, { cwd: this.manager.cwd, env: this.manager.env });
    } catch (e) {
      this.manager.log.error(`process ${this.name}: could not start ${cmd}: ${(e as Error).message}`);
      this.#stopped = this.#exited(127, null);
      return;
    }
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#writer.closed.catch(() => {});
    this.manager.log.info(`process ${this.name}: started ${this.config.run.join(" ")} (pid ${child.pid})`);
    const stdout = child.stdout.getReader();
    const reading = this.#readStdout(child, stdout);
    void this.#readStderr(child);
    this.#stopped = child.exited.then(async ({ code, signal }) => {
      // Commands written just before exiting are still applied; a grandchild holding the pipe is not awaited.
      const timer = this.#sleep(STDOUT_GRACE_MS);
      await Promise.race([reading, timer]);
      this.#wake?.();
      stdout.cancel().catch(() => {});
      await this.#exited(code, signal);
    });
  }

  async #readStdout(child: ChildProcess, reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const max = this.manager.maxLineBytes;
    const lines = new LineBuffer(
      max,
      (n) =>
        this.manager.log.error(
          `process ${this.name}: command line longer than ${max} bytes (${n}+), ignored`,
        ),
    );
    try {
      while (this.#child === child) {
        const { value, done } = await reader.read();
        if (done) break;
        const batch = lines.push(value);
        // One read, one batch, applied before the next read (lesson 3).
        if (batch.length > 0) await this.#deliver(batch);
        // A helper that writes without pause keeps the pipe readable: without this the reads chain as
        // promise callbacks and timers (keepalives, the RIB's flush) and sockets wait for seconds.
        await yieldToLoop();
      }
      // A command is a line: text after the last newline is what a crash cut short ("…/24" read as "…/2"),
      // and ExaBGP never runs it either.
      const cut = lines.end();
      if (cut !== undefined) {
        this.manager.log.warn(
          `process ${this.name}: output ended inside a line, not applied: ${cut.slice(0, 200)}`,
        );
      }
    } catch (e) {
      this.manager.log.error(`process ${this.name}: reading stdout: ${(e as Error).message}`);
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  async #deliver(batch: string[]): Promise<void> {
    try {
      await this.manager.onBatch(this, batch);
    } catch (e) {
      this.manager.log.error(`process ${this.name}: handling commands: ${(e as Error).message}`);
    }
  }

  async #readStderr(child: ChildProcess): Promise<void> {
    const reader = child.stderr.getReader();
    const max = this.manager.maxLineBytes;
    const lines = new LineBuffer(
      max,
      (n) =>
        this.manager.log.warn(`process ${this.name}: stderr line longer than ${max} bytes (${n}+), ignored`),
    );
    const forward = (line: string) => this.manager.onStderr(this, line);
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        lines.push(value).forEach(forward);
      }
      const last = lines.end();
      if (last !== undefined) forward(last);
    } catch {
      // the pipe broke with the process: nothing more to forward
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async #exited(code: number | null, signal: string | null): Promise<void> {
    const m = this.manager;
    this.#child = undefined;
    this.#writer?.releaseLock();
    this.#writer = undefined;
    this.#queue.clear();
    this.#droppedLogged = -1;
    const now = Date.now();
    this.#respawnTimes = this.#respawnTimes.filter((t) => now - t < m.respawnWindowMs);
    const wanted = !m.stopping && !m.terminate && m.respawn && this.config.respawn;
    const limited = wanted && this.#respawnTimes.length >= m.respawnLimit;
    const willRespawn = wanted && !limited;
    const fatal = !m.stopping && (m.terminate || limited);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    // The one log line of this exit (onExit callers do not repeat it), at the level the exit deserves.
    if (limited) {
      m.log.error(
        `process ${this.name}: exited (${how}) after ${m.respawnLimit} respawns ` +
          `within ${m.respawnWindowMs} ms, giving up`,
      );
    } else if (m.stopping) m.log.info(`process ${this.name}: exited (${how})`);
    else if (fatal) m.log.error(`process ${this.name}: exited (${how}), exabgp.api.terminate is set`);
    else if (willRespawn) m.log.warn(`process ${this.name}: exited (${how}), respawning`);
    else m.log.warn(`process ${this.name}: exited (${how}), not respawned (respawn is off)`);
    m.onExit(this, code, signal, willRespawn, fatal);
    if (!willRespawn) return;
    const n = this.#respawnTimes.length;
    await this.#sleep(Math.min(m.respawnBackoffMs * 2 ** n, m.respawnBackoffMaxMs));
    if (m.stopping) return;
    this.#respawnTimes.push(Date.now());
    this.start();
  }

  /**
   * Stops this helper: only `notice` is still written (given up to 500 ms to reach the pipe), then stdin is
   * closed, SIGTERM after 100 ms if still running, SIGKILL `killTimeoutMs` later. Resolves once the process
   * exited (and no respawn is pending).
   */
  async stop(notice: string | undefined): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    const child = this.#child;
    if (child !== undefined) {
      if (notice !== undefined) this.#enqueue(notice, "answer");
      if (this.#queue.length > 0 || this.#pumpWriter !== undefined) {
        const drained = new Promise<void>((r) => (this.#drained = r));
        await within(Promise.race([drained, child.exited]), FLUSH_MS);
        this.#drained = undefined;
      }
      // Not awaited: close() waits behind a write the helper never reads.
      this.#writer?.close().catch(() => {});
      let exited = false;
      const exit = child.exited.then(() => (exited = true));
      // A helper that stops on EOF gets the moment ExaBGP gives (it sleeps 0.1 s before terminating).
      await within(exit, EOF_GRACE_MS);
      if (!exited) child.kill("SIGTERM");
      await within(exit, this.manager.killTimeoutMs);
      if (!exited) {
        this.manager.log.warn(`process ${this.name}: still running after SIGTERM, sending SIGKILL`);
        child.kill("SIGKILL"); // the handle of the process we started, never a PID looked up by name
        await child.exited;
      }
    }
    await this.#stopped;
  }
}

/** All the helpers of one configuration. */
export class ProcessManager {
  readonly helpers: readonly HelperProcess[];
  readonly log: Log;
  readonly onBatch: ProcessManagerOptions["onBatch"];
  readonly onStderr: (helper: HelperProcess, line: string) => void;
  readonly onExit: NonNullable<ProcessManagerOptions["onExit"]>;
  readonly initialAck: AckMode;
  readonly respawn: boolean;
  readonly terminate: boolean;
  readonly env: Record<string, string> | undefined;
  readonly cwd: string | undefined;
  readonly maxQueueBytes: number;
  readonly maxLineBytes: number;
  readonly respawnLimit: number;
  readonly respawnWindowMs: number;
  readonly respawnBackoffMs: number;
  readonly respawnBackoffMaxMs: number;
  readonly killTimeoutMs: number;
  #stopping = false;
  #byName = new Map<string, HelperProcess>();

  constructor(configs: readonly ProcessConfig[], options: ProcessManagerOptions) {
    this.log = options.log ?? getLogger("processes");
    this.onBatch = options.onBatch;
    this.onStderr = options.onStderr ?? ((h, line) => this.log.info(`process ${h.name} stderr: ${line}`));
    this.onExit = options.onExit ?? (() => {});
    this.initialAck = options.ack === false ? "off" : "on";
    this.respawn = options.respawn ?? true;
    this.terminate = options.terminate ?? false;
    this.env = options.env;
    this.cwd = options.cwd;
    this.maxQueueBytes = options.maxQueueBytes ?? 16 * MiB;
    this.maxLineBytes = options.maxLineBytes ?? MiB;
    this.respawnLimit = options.respawnLimit ?? 5;
    this.respawnWindowMs = options.respawnWindowMs ?? 63_000;
    this.respawnBackoffMs = options.respawnBackoffMs ?? 100;
    this.respawnBackoffMaxMs = options.respawnBackoffMaxMs ?? 5000;
    this.killTimeoutMs = options.killTimeoutMs ?? 2000;
    this.helpers = configs.map((c) => new HelperProcess(c, this));
    for (const h of this.helpers) this.#byName.set(h.name, h);
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  get(name: string): HelperProcess | undefined {
    return this.#byName.get(name);
  }

  /** Starts every configured helper. */
  start(): void {
    for (const h of this.helpers) h.start();
  }

  /**
   * Stops every helper (see HelperProcess.stop); `notice` gives each one its shutdown line (it depends on the
   * encoder), or undefined for none. No respawn happens once this is called.
   */
  async stopAll(notice?: (helper: HelperProcess) => string | undefined): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.helpers.map((h) => h.stop(notice?.(h))));
  }
}
