/**
 * FRR bgpd 8.x as a real BGP peer on loopback (/work/shared/reference/peers/README.md, FRR recipe): bgpd
 * alone (no zebra: `-Z`, no kernel routes: `-n`) in the foreground in a temp dir, its vty socket and PID
 * file there, queried with `vtysh --vty_socket DIR -d bgpd -c CMD` (JSON where FRR has it), stopped by its
 * PID (and the PID in its PID file).
 *
 * Without zebra FRR needs `no bgp ebgp-requires-policy` (8.x refuses eBGP routes without policy),
 * `no bgp network import-check` (else `network` statements never become valid) and
 * `disable-connected-check` (a 127.x peer is not on a connected subnet). It logs
 * `sendmsg_nexthop: zclient_send_message() failed` for every received prefix: harmless.
 */
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { Daemon, eventually, locate, type ProcessResult, runProcess, sections } from "./interop.ts";

export const BGPD: string | undefined = locate("/usr/lib/frr/bgpd", "/usr/local/lib/frr/bgpd");
export const VTYSH: string | undefined = locate("vtysh");

/** Address families as FRR writes them after `address-family`. */
export type FrrFamily = "ipv4 unicast" | "ipv6 unicast" | "ipv4 flowspec";

export interface FrrNeighbor {
  readonly address: string;
  readonly remoteAs: number;
  /** The port FRR connects to. */
  readonly port: number;
  /** FRR waits for the peer to connect (`neighbor X passive`). */
  readonly passive?: boolean;
  readonly families: readonly FrrFamily[];
  /** ADD-PATH send (RFC 7911) of every path, IPv4 unicast (`addpath-tx-all-paths`); receive is FRR's default. */
  readonly addPathTxAll?: boolean;
  /** Outbound route-map per family (defined in `FrrConfig.policy`). */
  readonly routeMapOut?: Partial<Record<FrrFamily, string>>;
}

export interface FrrConfig {
  readonly as: number;
  readonly routerId: string;
  /** The address bgpd listens on and connects from. */
  readonly address: string;
  readonly neighbors: readonly FrrNeighbor[];
  /** `network` statements per family (FRR originates these; it cannot originate FlowSpec). */
  readonly networks?: Partial<Record<FrrFamily, readonly string[]>>;
  /** Prefix lists and route maps, FRR syntax, written before `router bgp`. */
  readonly policy?: string;
}

/** bgpd.conf for `c`, logging to `logFile` (informational: NOTIFICATIONs with their text are logged). */
export function frrConfig(c: FrrConfig, logFile: string): string {
  const lines = [
    "frr defaults traditional",
    `hostname frr-${c.routerId}`,
    `log file ${logFile} informational`,
    "!",
    c.policy ?? "",
    "!",
    `router bgp ${c.as}`,
    ` bgp router-id ${c.routerId}`,
    " no bgp ebgp-requires-policy",
    " no bgp network import-check",
    // Session changes and NOTIFICATIONs (with their RFC 9003 text) in the log ("traditional" has it off).
    " bgp log-neighbor-changes",
    // IPv4 unicast is activated by default; the other families are activated per neighbor below.
  ];
  for (const n of c.neighbors) {
    const nb = ` neighbor ${n.address}`;
    lines.push(
      `${nb} remote-as ${n.remoteAs}`,
      `${nb} port ${n.port}`,
      `${nb} update-source ${c.address}`,
      `${nb} disable-connected-check`,
      `${nb} timers 10 30`,
      `${nb} timers connect 1`,
    );
    if (n.passive) lines.push(`${nb} passive`);
  }
  const families = new Set<FrrFamily>(c.neighbors.flatMap((n) => n.families));
  for (const f of families) {
    lines.push(` address-family ${f}`);
    for (const p of c.networks?.[f] ?? []) lines.push(`  network ${p}`);
    for (const n of c.neighbors) {
      if (!n.families.includes(f)) {
        if (f === "ipv4 unicast") lines.push(`  no neighbor ${n.address} activate`);
        continue;
      }
      lines.push(`  neighbor ${n.address} activate`);
      if (f === "ipv4 unicast" && n.addPathTxAll) lines.push(`  neighbor ${n.address} addpath-tx-all-paths`);
      const map = n.routeMapOut?.[f];
      if (map) lines.push(`  neighbor ${n.address} route-map ${map} out`);
    }
    lines.push(" exit-address-family");
  }
  lines.push("exit", "");
  return lines.join("\n");
}

export interface FrrOptions {
  readonly dir: string;
  readonly config: FrrConfig;
  /** BGP listening port; 0: bgpd does not listen (only outgoing connections). */
  readonly port: number;
  /** File name of the configuration in `dir`. */
  readonly file?: string;
}

/** A bgpd started by a test, and vtysh on its socket. */
export class Frr {
  readonly daemon: Daemon;
  readonly configPath: string;
  readonly logFile: string;
  readonly pidFile: string;

  constructor(readonly options: FrrOptions) {
    if (!BGPD || !VTYSH) throw new Error("FRR is not installed (/usr/lib/frr/bgpd, vtysh)");
    this.configPath = join(options.dir, options.file ?? "bgpd.conf");
    this.logFile = join(options.dir, "bgpd.log");
    this.pidFile = join(options.dir, "bgpd.pid");
    writeFileSync(this.configPath, frrConfig(options.config, this.logFile));
    this.daemon = new Daemon({
      name: "FRR bgpd",
      command: BGPD,
      // -S: no user/capability switch; -Z: no zebra; -n: no kernel routes; -P 0: no telnet vty.
      args: [
        "-f",
        this.configPath,
        "-i",
        this.pidFile,
        "--vty_socket",
        options.dir,
        "-S",
        "-Z",
        "-n",
        "-p",
        String(options.port),
        "-l",
        options.config.address,
        "-P",
        "0",
      ],
      cwd: options.dir,
      pidFiles: [this.pidFile],
    });
  }

  /**
   * bgpd's stdout/stderr (start-up errors) and its log file, without the per-prefix lines of running without
   * zebra (`zclient_send_message() failed`, `Error connecting to table manager`).
   */
  get log(): string {
    let file = "";
    try {
      file = readFileSync(this.logFile, "utf8");
    } catch {
      // not written yet
    }
    const noise = /zclient_send_message\(\) failed|Error connecting to table manager/;
    return `${this.daemon.output}${file.split("\n").filter((l) => !noise.test(l)).join("\n")}`;
  }

  /** `vtysh --vty_socket DIR -d bgpd -c CMD…` (10 s at most). */
  vtysh(...commands: string[]): Promise<ProcessResult> {
    return runProcess(VTYSH!, [
      "--vty_socket",
      this.options.dir,
      "-d",
      "bgpd",
      ...commands.flatMap((c) => ["-c", c]),
    ]);
  }

  /** A `show … json` command parsed; throws with vtysh's output when it fails or prints no JSON. */
  async json<T>(command: string): Promise<T> {
    const r = await this.vtysh(command);
    try {
      if (r.code !== 0) throw new Error();
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`vtysh -c '${command}' exited ${r.code ?? r.signal}: ${r.output}`);
    }
  }

  /** Commands in configuration mode under `router bgp AS`; throws with vtysh's output on failure. */
  async configure(...commands: string[]): Promise<void> {
    const r = await this.vtysh("configure terminal", `router bgp ${this.options.config.as}`, ...commands);
    if (r.code !== 0 || /% /.test(r.output)) {
      throw new Error(`FRR bgpd: configuring ${JSON.stringify(commands)} failed: ${r.output}`);
    }
  }

  /** Waits until vtysh gets an answer from bgpd. */
  async ready(timeoutMs = 10_000): Promise<void> {
    await eventually({
      daemon: "FRR bgpd",
      expected: "the vty socket to answer",
      command: `vtysh --vty_socket ${this.options.dir} -d bgpd -c 'show bgp summary json'`,
      observe: () => this.vtysh("show bgp summary json"),
      accept: (r) => (r.code === 0 && r.stdout.trim().startsWith("{")) || !this.daemon.running,
      show: (r) => r.output,
      timeoutMs,
      context: () => sections({ "bgpd output": this.log }),
    });
    this.daemon.assertRunning();
  }

  /** `show bgp neighbors ADDR json` for that neighbor. */
  async neighbor(address: string): Promise<FrrNeighborState> {
    const all = await this.json<Record<string, FrrNeighborState>>(`show bgp neighbors ${address} json`);
    return all[address] ?? {};
  }

  /** Waits until FRR shows the session with `address` Established. */
  async waitEstablished(
    address: string,
    timeoutMs: number,
    context?: () => string,
  ): Promise<FrrNeighborState> {
    return await eventually({
      daemon: "FRR bgpd",
      expected: `bgpState Established with ${address}`,
      command: `vtysh -c 'show bgp neighbors ${address} json'`,
      observe: () => this.neighbor(address),
      accept: (n) => n.bgpState === "Established",
      show: (n) => JSON.stringify(n, null, 1),
      timeoutMs,
      context: () => sections({ "bgpd log": this.log, ...(context && { more: context() }) }),
    });
  }

  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    return this.daemon.stop(signal);
  }
}

/** The part of `show bgp neighbors ADDR json` the tests read. */
export interface FrrNeighborState {
  readonly bgpState?: string;
  readonly hostLocal?: string;
  readonly portLocal?: number;
  readonly hostForeign?: string;
  readonly portForeign?: number;
  readonly lastNotificationReason?: string;
  readonly lastShutdownDescription?: string;
  readonly messageStats?: Record<string, number>;
}

/** One path of `show bgp ipv4|ipv6 unicast PREFIX json` (the fields the tests read). */
export interface FrrPath {
  readonly aspath?: { readonly string?: string };
  readonly origin?: string;
  readonly metric?: number;
  readonly community?: { readonly string?: string };
  readonly largeCommunity?: { readonly string?: string };
  readonly nexthops?: readonly { readonly ip?: string }[];
  readonly peer?: { readonly peerId?: string };
  readonly addpathRxId?: number;
}

/** A path's attributes in words, for assertions and messages. */
export function frrPathSummary(p: FrrPath): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.origin !== undefined) out.origin = p.origin.toLowerCase();
  if (p.aspath?.string !== undefined) out["as-path"] = p.aspath.string;
  if (p.nexthops?.[0]?.ip !== undefined) out["next-hop"] = p.nexthops[0].ip;
  if (p.metric !== undefined) out.med = String(p.metric);
  if (p.community?.string !== undefined) out.community = p.community.string;
  if (p.largeCommunity?.string !== undefined) out["large-community"] = p.largeCommunity.string;
  return out;
}
