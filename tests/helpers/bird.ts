/**
 * BIRD 2 as a real BGP peer on loopback (see /work/shared/reference/peers/README.md, BIRD recipe):
 * `bird -f` in a temporary directory with its control socket there, queried with `birdc -s`, stopped by
 * its PID. BIRD needs `multihop` for 127/8 neighbors and `strict bind yes` to bind its own 127.0.0.x.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "./sandbox.ts";

/**
 * The path of an executable in `dir`, or else in $PATH or the sbin directories (Debian puts bird in
 * /usr/sbin, which a user's $PATH may lack).
 */
export function findExecutable(name: string, dir?: string): string | undefined {
  const dirs = dir !== undefined
    ? [dir]
    : [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

export interface BirdOptions {
  /** Working directory (config, control socket, PID file, log). */
  readonly dir: string;
  /** The configuration file. */
  readonly config: string;
  readonly bird?: string;
  readonly birdc?: string;
}

export class Bird {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly socket: string;
  readonly birdcPath: string;
  #output = "";
  #exited = false;
  readonly exited: Promise<void>;

  constructor(readonly options: BirdOptions) {
    this.socket = join(options.dir, "bird.ctl");
    this.birdcPath = options.birdc ?? findExecutable("birdc") ?? "birdc";
    this.child = spawn(
      options.bird ?? findExecutable("bird") ?? "bird",
      ["-f", "-c", options.config, "-s", this.socket, "-P", join(options.dir, "bird.pid")],
      { cwd: options.dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    if (this.child.pid === undefined) throw new Error("bird did not start");
    this.pid = this.child.pid;
    for (const s of [this.child.stdout!, this.child.stderr!]) {
      s.setEncoding("utf8").on("data", (d: string) => (this.#output += d));
    }
    this.exited = new Promise((resolve) => {
      this.child.on("close", () => {
        this.#exited = true;
        resolve();
      });
    });
  }

  /** What BIRD printed on stdout/stderr (configuration errors land here). */
  get output(): string {
    return this.#output;
  }

  /** Runs `birdc -s SOCKET ARGS…` and returns its output (rejects on a non-zero exit or after 5 s). */
  cli(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = spawn(this.birdcPath, ["-s", this.socket, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      for (const s of [c.stdout!, c.stderr!]) s.setEncoding("utf8").on("data", (d: string) => (out += d));
      const timer = setTimeout(() => {
        if (c.pid !== undefined) process.kill(c.pid, "SIGKILL");
      }, 5_000);
      c.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      c.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`birdc ${args.join(" ")} exited ${code}: ${out}`));
      });
    });
  }

  /** Waits until the control socket answers (BIRD has read its configuration). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = "";
    while (performance.now() < deadline) {
      if (this.#exited) throw new Error(`bird exited:\n${this.#output}`);
      try {
        const status = await this.cli("show", "status");
        if (/Daemon is up and running/.test(status)) return;
        last = status;
      } catch (e) {
        last = (e as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`bird not ready within ${timeoutMs} ms: ${last}\n${this.#output}`);
  }

  /**
   * Polls `birdc ARGS…` until `accept(output)` holds; returns the last output either way, so the caller's
   * assertion can show what BIRD said.
   */
  async poll(args: string[], accept: (output: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    let out = "";
    for (;;) {
      try {
        out = await this.cli(...args);
      } catch (e) {
        out = (e as Error).message;
      }
      if (accept(out) || performance.now() >= deadline) return out;
      await sleep(200);
    }
  }

  /** SIGTERM to the PID, SIGKILL if it is still there after 5 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    try {
      process.kill(this.pid, "SIGTERM");
    } catch {
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), 5_000)));
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first === "late") {
      try {
        process.kill(this.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
      await this.exited;
    }
  }
}

/**
 * The routes of `birdc show route all`, by prefix: one text per path (its first line and its attribute
 * lines). With ADD-PATH a prefix has several; a path's first line starts with the prefix or, for the
 * prefix's further paths, with blanks; attribute lines start with a tab.
 */
export function routeEntries(output: string): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  let prefix: string | undefined;
  let path: string[] | undefined;
  const close = () => {
    if (prefix !== undefined && path) entries.set(prefix, [...(entries.get(prefix) ?? []), path.join("\n")]);
    path = undefined;
  };
  for (const line of output.split("\n")) {
    const first = /^([0-9a-f:.]+\/\d+)\s/i.exec(line);
    if (first || (prefix !== undefined && /^ +\S.* \[\S+ /.test(line))) {
      close();
      if (first) prefix = first[1];
      path = [line];
    } else if (path && line.startsWith("\t")) path.push(line);
    else {
      close();
      prefix = undefined;
    }
  }
  close();
  return entries;
}

/**
 * `Routes:` and `Route change stats` of one channel in `birdc show protocols all`: import/export updates
 * as BIRD counts them (received, rejected, filtered, ignored, accepted; "---" is 0).
 */
export interface ChannelStats {
  readonly imported: number;
  readonly exported: number;
  readonly importUpdates: readonly number[];
  readonly exportUpdates: readonly number[];
}

/** The stats of channel `name` ("ipv4", "ipv6") in `birdc show protocols all PROTO`, if it is there. */
export function channelStats(protocols: string, name: string): ChannelStats | undefined {
  const start = protocols.indexOf(`Channel ${name}`);
  if (start < 0) return undefined;
  const next = protocols.indexOf("Channel ", start + 1);
  const section = protocols.slice(start, next < 0 ? undefined : next);
  const routes = /Routes:\s+(\d+) imported,(?: \d+ filtered,)? (\d+) exported/.exec(section);
  const row = (label: string) =>
    (new RegExp(`${label}:((?:\\s+(?:\\d+|---)){5})`).exec(section)?.[1] ?? "").trim().split(/\s+/)
      .map((v) => (v === "---" ? 0 : Number(v)));
  if (!routes) return undefined;
  return {
    imported: Number(routes[1]),
    exported: Number(routes[2]),
    importUpdates: row("Import updates"),
    exportUpdates: row("Export updates"),
  };
}
