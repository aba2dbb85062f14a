/**
 * OpenBGPD 7.7 (Debian package openbgpd: /usr/sbin/bgpd and bgpctl) as a real BGP peer on loopback, after
 * /work/shared/reference/peers/README.md: `bgpd -d -f CONF` in the foreground, its control socket in the
 * test's temp dir, queried with `bgpctl -s SOCKET -j …` (JSON), stopped by PID with its privilege-separated
 * children (RDE, session engine, RTR: forked by the parent, found under it in /proc).
 *
 * OpenBGPD needs root whatever the port (the children chroot into /run/openbgpd, which must exist).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Daemon, eventually, locate, type ProcessResult, runProcess, sections } from "./interop.ts";

export const BGPCTL: string | undefined = locate("/usr/sbin/bgpctl", "bgpctl");
/** OpenBGPD's bgpd sits beside bgpctl (FRR's bgpd is /usr/lib/frr/bgpd, never on $PATH). */
export const BGPD: string | undefined = BGPCTL && existsSync(join(dirname(BGPCTL), "bgpd"))
  ? join(dirname(BGPCTL), "bgpd")
  : undefined;
const CHROOT = "/run/openbgpd";

/** Why OpenBGPD cannot run here, or undefined when it can. */
export function openbgpdMissing(): string | undefined {
  if (!BGPD || !BGPCTL) {
    return "OpenBGPD is not installed (no bgpd/bgpctl in /usr/sbin; Debian package openbgpd)";
  }
  if (process.getuid?.() !== 0) {
    return "OpenBGPD needs root (privilege separation and chroot), and this test is not root";
  }
  return undefined;
}

/** The parts of `bgpctl -j show neighbor ADDR` the tests read. */
export interface ObgpdNeighbor {
  readonly remote_addr: string;
  readonly state: string;
  readonly last_shutdown_reason?: string;
  readonly stats: {
    readonly prefixes: { readonly sent: number; readonly received: number };
    readonly update: {
      readonly sent: { readonly updates: number };
      readonly received: { readonly updates: number; readonly eor: number };
    };
    readonly "route-refresh": {
      readonly sent: { readonly request: number };
      readonly received: { readonly request: number };
    };
  };
  readonly session?: {
    readonly local: { readonly address: string; readonly port: number };
    readonly remote: { readonly address: string; readonly port: number };
  };
}

/** One entry of `bgpctl -j show rib detail`. */
export interface ObgpdRibEntry {
  readonly prefix: string;
  readonly aspath: string;
  readonly exit_nexthop: string;
  readonly neighbor: { readonly remote_addr: string };
  readonly path_id: number;
  readonly origin: string;
  readonly metric: number;
  readonly communities?: readonly string[];
  readonly large_communities?: readonly string[];
}

export class OpenBgpd {
  readonly daemon: Daemon;
  readonly socket: string;

  private constructor(readonly config: string, readonly dir: string) {
    this.socket = join(dir, "bgpd.sock");
    this.daemon = new Daemon({ name: "OpenBGPD", command: BGPD!, args: ["-d", "-f", config], cwd: dir });
  }

  /**
   * Writes `text` to DIR/bgpd.conf (it must name `socket "DIR/bgpd.sock"`), checks it with `bgpd -n`,
   * starts the daemon and waits until bgpctl answers.
   */
  static async start(dir: string, text: string): Promise<OpenBgpd> {
    mkdirSync(CHROOT, { recursive: true });
    const config = join(dir, "bgpd.conf");
    writeFileSync(config, text);
    const check = await runProcess(BGPD!, ["-n", "-f", config]);
    if (check.code !== 0) throw new Error(`OpenBGPD rejected ${config} (bgpd -n):\n${check.output}\n${text}`);
    const o = new OpenBgpd(config, dir);
    await eventually({
      daemon: "OpenBGPD",
      expected: "its control socket to answer",
      command: `bgpctl -s ${o.socket} show summary`,
      observe: () => o.ctl("show", "summary"),
      accept: (r) => r.code === 0 || !o.daemon.running,
      show: (r) => r.output,
      timeoutMs: 10_000,
      context: () => sections({ "bgpd output": o.daemon.output }),
    });
    o.daemon.assertRunning();
    return o;
  }

  /** `bgpctl -s SOCKET ARGS…` (bounded; never rejects on the exit code). */
  ctl(...args: string[]): Promise<ProcessResult> {
    return runProcess(BGPCTL!, ["-s", this.socket, ...args]);
  }

  /** `bgpctl -s SOCKET -j ARGS…` parsed; throws with bgpctl's output when it fails or is not JSON. */
  async json<T>(...args: string[]): Promise<T> {
    const r = await runProcess(BGPCTL!, ["-s", this.socket, "-j", ...args]);
    if (r.code !== 0) throw new Error(`bgpctl -j ${args.join(" ")} exited ${r.code}: ${r.output}`);
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`bgpctl -j ${args.join(" ")} printed no JSON: ${r.output}`);
    }
  }

  /** The neighbor as `bgpctl -j show neighbor ADDR` reports it. */
  async neighbor(address: string): Promise<ObgpdNeighbor> {
    const j = await this.json<{ neighbors: ObgpdNeighbor[] }>("show", "neighbor", address);
    const n = j.neighbors?.find((x) => x.remote_addr === address);
    if (!n) throw new Error(`bgpctl show neighbor ${address}: no such neighbor in ${JSON.stringify(j)}`);
    return n;
  }

  /** The routes learnt from `address` (`bgpctl -j show rib detail neighbor ADDR`), every path of each. */
  async ribFrom(address: string): Promise<ObgpdRibEntry[]> {
    const j = await this.json<{ rib?: ObgpdRibEntry[] }>("show", "rib", "detail", "neighbor", address);
    return j.rib ?? [];
  }

  /** What bgpd printed (its log: -d logs to stderr). */
  get output(): string {
    return this.daemon.output;
  }

  /** SIGTERM to the parent and its children by PID (SIGKILL for any left after 5 s). */
  stop(): Promise<void> {
    return this.daemon.stop();
  }
}
