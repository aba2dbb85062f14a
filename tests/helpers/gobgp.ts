/**
 * GoBGP 3.x (`gobgpd` + `gobgp`) as a real BGP peer on loopback (/work/shared/reference/peers/README.md,
 * GoBGP recipe): the configuration is TOML written from a typed description, gobgpd runs in the foreground
 * in a temp dir with its gRPC API on a unix socket there, the `gobgp` CLI is queried with `-j` (JSON), and
 * the daemon is stopped by its PID (it does not fork).
 *
 * GoBGP treats an UPDATE with a loopback NEXT_HOP as withdrawn ("invalid nexthop address"), so every route
 * sent to it must carry a non-loopback next hop (192.0.2.x); routes it originates take the next hop given
 * to `gobgp global rib add … nexthop`.
 */
import { join } from "node:path";
import { rmSync, writeFileSync } from "node:fs";
import { Daemon, eventually, locate, type ProcessResult, runProcess, sections } from "./interop.ts";

export const GOBGPD: string | undefined = locate("gobgpd");
export const GOBGP: string | undefined = locate("gobgp");

/** GoBGP's afi-safi names (config) and `-a` names (CLI) of the families the tests use. */
export const GOBGP_FAMILIES = {
  "ipv4-unicast": "ipv4",
  "ipv6-unicast": "ipv6",
  "ipv4-flowspec": "ipv4-flowspec",
  "l3vpn-ipv4-unicast": "vpnv4",
  "l2vpn-evpn": "evpn",
} as const;
export type GoBgpFamily = keyof typeof GOBGP_FAMILIES;

export interface GoBgpNeighbor {
  readonly address: string;
  readonly peerAs: number;
  /** The port GoBGP connects to. */
  readonly remotePort: number;
  /** GoBGP waits for the peer to connect (never initiates). */
  readonly passive?: boolean;
  readonly families: readonly GoBgpFamily[];
  /** ADD-PATH (RFC 7911) receive and send up to `sendMax` paths, on the IPv4 unicast family only. */
  readonly addPathIpv4?: { readonly sendMax: number };
}

export interface GoBgpConfig {
  readonly as: number;
  readonly routerId: string;
  /** The address GoBGP binds (listening and outgoing). */
  readonly address: string;
  /** Listening port; -1: GoBGP does not listen at all (only outgoing connections). */
  readonly port: number;
  readonly neighbors: readonly GoBgpNeighbor[];
}

/** The gobgpd TOML for `c`. Short timers: connect-retry 1 s, back to Active 1 s after a NOTIFICATION. */
export function gobgpConfig(c: GoBgpConfig): string {
  const lines = [
    "[global.config]",
    `  as = ${c.as}`,
    `  router-id = "${c.routerId}"`,
    `  port = ${c.port}`,
    `  local-address-list = ["${c.address}"]`,
  ];
  for (const n of c.neighbors) {
    lines.push(
      "[[neighbors]]",
      "  [neighbors.config]",
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.peerAs}`,
      "  [neighbors.transport.config]",
      `    local-address = "${c.address}"`,
      `    remote-port = ${n.remotePort}`,
      `    passive-mode = ${n.passive === true}`,
      "  [neighbors.timers.config]",
      "    connect-retry = 1",
      "    hold-time = 30",
      "    keepalive-interval = 10",
      // The default (30 s) keeps the peer Idle that long after a NOTIFICATION.
      "    idle-hold-time-after-reset = 1",
    );
    for (const f of n.families) {
      lines.push(
        "  [[neighbors.afi-safis]]",
        "    [neighbors.afi-safis.config]",
        `      afi-safi-name = "${f}"`,
      );
      if (f === "ipv4-unicast" && n.addPathIpv4) {
        lines.push(
          "    [neighbors.afi-safis.add-paths.config]",
          "      receive = true",
          `      send-max = ${n.addPathIpv4.sendMax}`,
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/** One path of `gobgp … rib -j` (the fields the tests read). */
export interface GoBgpPath {
  readonly nlri:
    & { readonly prefix?: string; readonly rd?: unknown; readonly labels?: number[] }
    & Record<
      string,
      unknown
    >;
  readonly attrs?: readonly ({ readonly type: number } & Record<string, unknown>)[];
  readonly best?: boolean;
  readonly "neighbor-ip"?: string;
}

/** `gobgp … rib -j`: destination → paths. */
export type GoBgpRib = Record<string, GoBgpPath[]>;

const ORIGINS = ["igp", "egp", "incomplete"];

/**
 * A path's attributes in words, for assertions and messages: origin, as-path, next-hop, med, community,
 * large-community, extended-community (GoBGP's JSON attribute types 1, 2, 3/14, 4, 8, 32, 16).
 */
export function pathSummary(p: GoBgpPath): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of p.attrs ?? []) {
    switch (a.type) {
      case 1:
        out.origin = ORIGINS[a.value as number] ?? String(a.value);
        break;
      case 2:
        out["as-path"] = ((a.as_paths ?? []) as { asns: number[] }[]).flatMap((s) => s.asns).join(" ");
        break;
      case 3:
      case 14:
        if (a.nexthop !== undefined) out["next-hop"] = String(a.nexthop);
        break;
      case 4:
        out.med = String(a.metric);
        break;
      case 8:
        out.community = (a.communities as number[]).map((c) => `${c >>> 16}:${c & 0xffff}`).join(" ");
        break;
      case 16:
        out["extended-community"] = (a.value as { value?: string; rt?: string }[])
          .map((e) => e.value ?? e.rt ?? JSON.stringify(e)).join(" ");
        break;
      case 32:
        out["large-community"] = (a.value as { ASN: number; LocalData1: number; LocalData2: number }[])
          .map((l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`).join(" ");
        break;
    }
  }
  return out;
}

export interface GoBgpOptions {
  readonly dir: string;
  readonly config: GoBgpConfig;
  /** Name of the TOML file in `dir` (a restarted daemon may get another configuration). */
  readonly file?: string;
}

/** A gobgpd started by a test, and its CLI. */
export class GoBgp {
  readonly daemon: Daemon;
  readonly target: string;
  readonly configPath: string;

  constructor(readonly options: GoBgpOptions) {
    if (!GOBGPD || !GOBGP) throw new Error("GoBGP is not installed (gobgpd, gobgp)");
    this.configPath = join(options.dir, options.file ?? "gobgpd.toml");
    writeFileSync(this.configPath, gobgpConfig(options.config));
    const socket = join(options.dir, "gobgp.sock");
    // A killed gobgpd leaves its socket file behind, and a new one cannot bind over it.
    rmSync(socket, { force: true });
    this.target = `unix://${socket}`;
    this.daemon = new Daemon({
      name: "GoBGP",
      command: GOBGPD,
      args: ["-f", this.configPath, "-p", "-l", "info", "--api-hosts", this.target, "--pprof-disable"],
      cwd: options.dir,
    });
  }

  /** gobgpd's log (logrus text on stdout/stderr): received NOTIFICATIONs are logged here. */
  get log(): string {
    return this.daemon.output;
  }

  /** `gobgp --target SOCK ARGS…` (10 s at most). */
  cli(...args: string[]): Promise<ProcessResult> {
    return runProcess(GOBGP!, ["--target", this.target, ...args]);
  }

  /** `gobgp ARGS… -j` parsed; throws with the CLI output when it fails or prints no JSON. */
  async json<T>(...args: string[]): Promise<T> {
    const r = await this.cli(...args, "-j");
    if (r.code !== 0) throw new Error(`gobgp ${args.join(" ")} -j exited ${r.code ?? r.signal}: ${r.output}`);
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`gobgp ${args.join(" ")} -j printed no JSON: ${r.output}`);
    }
  }

  /** Runs a CLI command that must succeed (e.g. `global rib add …`). */
  async must(...args: string[]): Promise<string> {
    const r = await this.cli(...args);
    if (r.code !== 0) {
      throw new Error(
        `GoBGP: \`gobgp ${args.join(" ")}\` exited ${r.code ?? r.signal}: ${r.output}\n${this.log}`,
      );
    }
    return r.stdout;
  }

  /** Waits until the gRPC socket answers `gobgp global`. */
  async ready(timeoutMs = 10_000): Promise<void> {
    await eventually({
      daemon: "GoBGP",
      expected: "the API socket to answer",
      command: `gobgp --target ${this.target} global`,
      observe: () => this.cli("global"),
      accept: (r) => r.code === 0 || !this.daemon.running,
      show: (r) => r.output,
      timeoutMs,
      context: () => sections({ "gobgpd log": this.log }),
    });
    this.daemon.assertRunning();
  }

  /** `gobgp neighbor ADDR -j`. */
  neighbor(address: string): Promise<GoBgpNeighborState> {
    return this.json<GoBgpNeighborState>("neighbor", address);
  }

  /** `gobgp global rib -a FAMILY -j` (GoBGP's best and other paths, its own routes included). */
  rib(family: GoBgpFamily): Promise<GoBgpRib> {
    return this.json<GoBgpRib>("global", "rib", "-a", GOBGP_FAMILIES[family]);
  }

  /** `gobgp neighbor ADDR adj-in -a FAMILY -j`: every path received from that peer (ADD-PATH paths too). */
  adjIn(address: string, family: GoBgpFamily): Promise<GoBgpRib> {
    return this.json<GoBgpRib>("neighbor", address, "adj-in", "-a", GOBGP_FAMILIES[family]);
  }

  /** Waits until GoBGP reports the session with `address` Established (session_state 6). */
  async waitEstablished(
    address: string,
    timeoutMs: number,
    context?: () => string,
  ): Promise<GoBgpNeighborState> {
    return await eventually({
      daemon: "GoBGP",
      expected: `the session with ${address} Established (session_state 6)`,
      command: `gobgp neighbor ${address} -j`,
      observe: () => this.neighbor(address),
      accept: (n) => n.state?.session_state === 6,
      show: (n) => JSON.stringify(n.state ?? n),
      timeoutMs,
      context: () => sections({ "gobgpd log": this.log, ...(context && { more: context() }) }),
    });
  }

  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    return this.daemon.stop(signal);
  }
}

/** The part of `gobgp neighbor ADDR -j` the tests read. */
export interface GoBgpNeighborState {
  readonly state?: {
    readonly session_state?: number;
    readonly messages?: {
      readonly received?: Record<string, number>;
      readonly sent?: Record<string, number>;
    };
  };
  readonly afi_safis?: readonly {
    readonly config?: { readonly family?: { afi: number; safi: number } };
    readonly state?: { readonly received?: number; readonly accepted?: number };
  }[];
}
