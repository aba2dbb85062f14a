/**
 * ExaBGP 4.2 (Debian's exabgp, on /usr/bin/python3) as a real BGP peer on loopback, after
 * /work/shared/reference/peers/README.md: `exabgp --root DIR CONF` in the foreground, stopped by PID with
 * the helper processes it forked. ExaBGP has no query CLI worth the name (exabgpcli needs named pipes), so
 * the test talks to it through its own API processes, two tiny shell scripts written here:
 *
 * - the receiver (`process RECEIVER`, `encoder json`) copies ExaBGP's JSON events to a file the test reads;
 * - the sender (`process SENDER`) feeds ExaBGP the lines the test appends to a commands file (`tail -f`).
 *
 * Each start is a "run" with its own configuration, event file, commands file and PID file, so a restarted
 * ExaBGP starts from a clean slate and the test can tell what each run saw.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { Daemon, eventually, locate, readPidFile, sections } from "./interop.ts";

export const EXABGP: string | undefined = locate("/usr/sbin/exabgp", "exabgp");

/** Why ExaBGP cannot run here, or undefined when it can. */
export function exabgpMissing(): string | undefined {
  return EXABGP
    ? undefined
    : "ExaBGP 4.2 is not installed (no exabgp in /usr/sbin or $PATH; Debian package exabgp)";
}

/** Process names to use in the neighbor's `api { processes [ … ]; }` blocks. */
export const RECEIVER = "receiver";
export const SENDER = "sender";

/** ExaBGP 4.2's JSON events (its "4.0.1" format), the parts the tests read. */
export interface ExaEvent {
  readonly type: string;
  readonly neighbor: {
    readonly address: { readonly local: string; readonly peer: string };
    readonly state?: string;
    readonly reason?: string;
    readonly direction?: string;
    readonly message?: ExaMessage;
    readonly "route-refresh"?: { readonly afi: string; readonly safi: string; readonly subtype: string };
  };
}

interface ExaMessage {
  readonly update?: {
    readonly attribute?: Record<string, unknown>;
    /** family → next hop → NLRI (objects `{ nlri, path-information }` with ADD-PATH, else strings). */
    readonly announce?: Record<
      string,
      Record<string, (string | { nlri: string; "path-information"?: string })[]>
    >;
  };
  readonly eor?: { readonly afi: string; readonly safi: string };
  /** Raw messages (`receive { packets; }`): "0x…" hex. */
  readonly header?: string;
  readonly body?: string;
}

/** One NLRI of a parsed UPDATE ExaBGP received, with the UPDATE's attributes. */
export interface ExaRoute {
  readonly family: string;
  readonly prefix: string;
  readonly pathId?: string;
  readonly nextHop: string;
  readonly attribute: Record<string, unknown>;
}

/** Every announced NLRI of the parsed UPDATEs in `events`, in arrival order. */
export function announcedRoutes(events: readonly ExaEvent[]): ExaRoute[] {
  const out: ExaRoute[] = [];
  for (const e of events) {
    const update = e.type === "update" ? e.neighbor.message?.update : undefined;
    for (const [family, byNextHop] of Object.entries(update?.announce ?? {})) {
      for (const [nextHop, nlris] of Object.entries(byNextHop)) {
        for (const n of nlris) {
          const prefix = typeof n === "string" ? n : n.nlri;
          const pathId = typeof n === "string" ? undefined : n["path-information"];
          out.push({ family, prefix, pathId, nextHop, attribute: update?.attribute ?? {} });
        }
      }
    }
  }
  return out;
}

/** The bodies of the raw NOTIFICATION messages ExaBGP received (`receive { packets; notification; }`). */
export function notificationBodies(events: readonly ExaEvent[]): Uint8Array[] {
  return events
    .filter((e) =>
      e.type === "notification" && e.neighbor.direction === "receive" && e.neighbor.message?.body
    )
    .map((e) => hexBytes(e.neighbor.message!.body!));
}

function hexBytes(hex: string): Uint8Array {
  const h = hex.replace(/^0x/i, "");
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));
}

/**
 * One JSON event line. ExaBGP 4.2 writes route-refresh events with doubled quotes (`"afi": ""ipv4""`), which
 * is not JSON; those quotes are undone first.
 */
export function parseEventLine(line: string): ExaEvent | undefined {
  try {
    return JSON.parse(line.replace(/""([^"]*)""/g, '"$1"')) as ExaEvent;
  } catch {
    return undefined;
  }
}

/**
 * The name of the user running the test, from /etc/passwd: Bun's os.userInfo() says "unknown" here, and
 * ExaBGP refuses a user it cannot find (it prints its usage and exits 1).
 */
function currentUserName(): string {
  const uid = process.getuid?.();
  try {
    const entry = readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":"))
      .find((f) => f.length > 2 && Number(f[2]) === uid);
    if (entry) return entry[0];
  } catch {
    // no /etc/passwd: fall through
  }
  return userInfo().username;
}

/** The shell helpers: their stdout stays open, or ExaBGP takes the helper for dead and respawns it. */
const RECEIVER_SCRIPT = `#!/bin/sh
# ExaBGP's events (stdin) to the file $1. Not exec: this shell keeps its stdout, the pipe ExaBGP watches.
cat > "$1"
`;
const SENDER_SCRIPT = `#!/bin/sh
# The lines appended to the file $1, as API commands for ExaBGP.
exec tail -n +1 -f "$1"
`;

export interface ExaBgpStart {
  /** The test's temp dir (scripts, configurations, event files). */
  readonly dir: string;
  /** Names this start's files (exabgp-RUN.conf, .events, .commands, .pid). */
  readonly run: number;
  /** Neighbor blocks in ExaBGP 4.2 syntax; their `api` blocks may name RECEIVER and SENDER. */
  readonly neighbors: string;
}

export class ExaBgp {
  readonly daemon: Daemon;
  readonly config: string;
  readonly eventsPath: string;
  readonly commandsPath: string;
  readonly pidPath: string;

  private constructor(readonly options: ExaBgpStart) {
    const { dir, run } = options;
    this.config = join(dir, `exabgp-${run}.conf`);
    this.eventsPath = join(dir, `exabgp-${run}.events`);
    this.commandsPath = join(dir, `exabgp-${run}.commands`);
    this.pidPath = join(dir, `exabgp-${run}.pid`);
    const receiver = join(dir, "exabgp-receiver.sh");
    const sender = join(dir, "exabgp-sender.sh");
    writeFileSync(receiver, RECEIVER_SCRIPT);
    writeFileSync(sender, SENDER_SCRIPT);
    writeFileSync(this.commandsPath, "");
    rmSync(this.pidPath, { force: true });
    writeFileSync(
      this.config,
      // Run through /bin/sh: the temp dir may be mounted noexec.
      `process ${RECEIVER} {\n  run /bin/sh ${receiver} ${this.eventsPath};\n  encoder json;\n}\n` +
        `process ${SENDER} {\n  run /bin/sh ${sender} ${this.commandsPath};\n  encoder text;\n}\n` +
        options.neighbors,
    );
    this.daemon = new Daemon({
      name: "ExaBGP",
      command: EXABGP!,
      args: ["--root", dir, this.config],
      cwd: dir,
      env: {
        exabgp_daemon_daemonize: "false",
        // As root ExaBGP would drop to user `exabgp`, who cannot write the test's temp dir.
        exabgp_daemon_user: currentUserName(),
        exabgp_daemon_pid: this.pidPath,
        exabgp_log_destination: "stdout",
        exabgp_log_level: "INFO",
        // The sender never reads: no acks to fill its pipe.
        exabgp_api_ack: "false",
      },
    });
  }

  /**
   * Starts ExaBGP and waits for its PID file, which it writes once the configuration is loaded, the
   * listeners are open and the API processes are forked.
   */
  static async start(options: ExaBgpStart): Promise<ExaBgp> {
    const e = new ExaBgp(options);
    await eventually({
      daemon: "ExaBGP",
      expected: `its PID file ${e.pidPath} (configuration loaded)`,
      command: `cat ${e.pidPath}`,
      observe: () => Promise.resolve(readPidFile(e.pidPath)),
      accept: (pid) => pid !== undefined || !e.daemon.running,
      show: (pid) => String(pid ?? "(none)"),
      timeoutMs: 20_000,
      context: () => sections({ "exabgp output": e.output }),
    });
    e.daemon.assertRunning();
    return e;
  }

  /** Hands ExaBGP one API command (through the sender process). */
  send(command: string): void {
    appendFileSync(this.commandsPath, `${command}\n`);
  }

  /** The events ExaBGP has reported so far in this run. */
  events(): ExaEvent[] {
    if (!existsSync(this.eventsPath)) return [];
    return readFileSync(this.eventsPath, "utf8").split("\n").map(parseEventLine).filter((e): e is ExaEvent =>
      e !== undefined
    );
  }

  /** The raw event file, for failure messages. */
  eventText(): string {
    return existsSync(this.eventsPath) ? readFileSync(this.eventsPath, "utf8") : "(no event file yet)";
  }

  /** Waits until the events satisfy `accept`; the failure names ExaBGP and shows its events and log. */
  waitEvents(
    expected: string,
    accept: (events: ExaEvent[]) => boolean,
    timeoutMs: number,
    context?: () => string,
  ): Promise<ExaEvent[]> {
    return eventually({
      daemon: "ExaBGP",
      expected,
      command: `cat ${this.eventsPath}`,
      observe: () => Promise.resolve(this.events()),
      accept,
      show: () => this.eventText(),
      timeoutMs,
      context: () => sections({ "exabgp output": this.output, ...(context && { more: context() }) }),
    });
  }

  /** ExaBGP's log (stdout). */
  get output(): string {
    return this.daemon.output;
  }

  /** SIGTERM to ExaBGP and its helper processes by PID (SIGKILL for any left after 5 s). */
  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
