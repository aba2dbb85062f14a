/**
 * Set-up shared by the fault and load tests (tests/reliability/, scripts/load.ts): a sandbox, FaultPeers on
 * 127.0.0.x addresses, a speaker subprocess (the source on the test's runtime, or TSBGP_BIN) on a generated
 * ExaBGP configuration, helper scripts, and a teardown that stops what it started by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { FaultPeer, type FaultPeerOptions } from "./fault_peer.ts";
import { freePort, makeTempDir, removeTempDir } from "./sandbox.ts";
import { IS_DENO, type SpeakerProcess, startSpeaker } from "./speaker.ts";
import { readText } from "./e2e.ts";

export { processBlock, readText, rssKiB, waitFor } from "./e2e.ts";

export const LOCAL_AS = 65001;
export const PEER_AS = 65002;

export interface NeighborSpec {
  /** The peer's address (where its FaultPeer listens). */
  readonly peer: string;
  /** Our address (default 127.0.0.1). */
  readonly local?: string;
  readonly port: number;
  readonly holdTime: number;
  readonly processes?: readonly string[];
  /** `route …;` lines of the static block. */
  readonly routes?: readonly string[];
  /** More lines inside the neighbor block. */
  readonly extra?: string;
}

/** One ExaBGP `neighbor` block: eBGP 65001 → 65002, IPv4 unicast, UPDATEs grouped. */
export function neighbor(n: NeighborSpec): string {
  const api = n.processes?.length ? `  api {\n    processes [ ${n.processes.join(" ")} ];\n  }\n` : "";
  const routes = n.routes?.length ? `  static {\n${n.routes.map((r) => `    ${r}\n`).join("")}  }\n` : "";
  const local = n.local ?? "127.0.0.1";
  return `neighbor ${n.peer} {
  router-id 192.0.2.1;
  local-address ${local};
  local-as ${LOCAL_AS};
  peer-as ${PEER_AS};
  hold-time ${n.holdTime};
  connect ${n.port};
  group-updates true;
  family {
    ipv4 unicast;
  }
${api}${routes}${n.extra ?? ""}}
`;
}

export class FaultRig {
  readonly dir: string;
  readonly conf: string;
  readonly socket: string;
  readonly peers: FaultPeer[] = [];
  speaker: SpeakerProcess | undefined;

  constructor(name: string) {
    this.dir = makeTempDir(name);
    this.conf = join(this.dir, "tsbgp.conf");
    this.socket = join(this.dir, "tsbgp.sock");
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A FaultPeer on `host` and a free port there. */
  async peer(options: Omit<FaultPeerOptions, "port" | "asn"> & { port?: number }): Promise<FaultPeer> {
    const host = options.host ?? "127.0.0.1";
    const p = await FaultPeer.listen({
      ...options,
      host,
      asn: PEER_AS,
      port: options.port ?? await freePort(host),
    });
    this.peers.push(p);
    return p;
  }

  /** Writes an executable sh script; returns the `run` value for it. */
  script(name: string, body: string): string {
    const file = this.path(name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return `/bin/sh ${file}`;
  }

  writeFile(name: string, text: string): string {
    const file = this.path(name);
    writeFileSync(file, text);
    return file;
  }

  writeConf(text: string): void {
    writeFileSync(this.conf, text);
  }

  /** Starts the speaker on the configuration (no listening socket: it connects to the peers). */
  start(env: Record<string, string> = {}): SpeakerProcess {
    this.speaker = startSpeaker([this.conf], {
      env: {
        exabgp_tcp_bind: "",
        exabgp_log_level: "INFO",
        exabgp_api_socketpath: this.socket,
        ...env,
      },
    });
    return this.speaker;
  }

  /**
   * Stops the speaker (SIGTERM, SIGKILL after 8 s), kills by PID any helper that wrote its PID to one of
   * `pidFiles` and is still alive, closes the peers, removes the sandbox.
   */
  async close(pidFiles: readonly string[] = []): Promise<void> {
    await this.speaker?.stop("SIGTERM", 8_000);
    for (const f of pidFiles) {
      for (const line of readText(this.path(f)).split("\n")) {
        const pid = Number(line.trim());
        if (pid > 0 && alive(pid)) process.kill(pid, "SIGKILL");
      }
    }
    await Promise.all(this.peers.map((p) => p.close()));
    removeTempDir(this.dir);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `N` announce lines for /32s counted from 10.0.0.0 (prefix i is 10.x.y.z with x.y.z = i), plus extras. */
export function announceLines(count: number, from = 0, extra = ""): string[] {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    out.push(`announce route ${ipOf(i)}/32 next-hop 127.0.0.1${extra}`);
  }
  return out;
}

/** 10.0.0.0 + i as dotted quad. */
export function ipOf(i: number): string {
  return `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
}

/** CPU seconds (user + system) used by `pid` so far (Linux /proc; clock ticks of 100 Hz). */
export function cpuSeconds(pid: number): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** A FaultPeer running in its own process (fault_peer_main.ts), to be killed by PID. */
export class PeerProcess {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[] = [];
  readonly exited: Promise<void>;
  #out = "";
  #waiters = new Set<() => void>();

  constructor(args: readonly (string | number)[]) {
    const script = fileURLToPath(new URL("./fault_peer_main.ts", import.meta.url).href);
    const argv = [...(IS_DENO ? ["run", "-A", script] : [script]), ...args.map(String)];
    this.child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const parts = (this.#out + d).split("\n");
      this.#out = parts.pop()!;
      for (const p of parts) if (p.trim()) this.events.push(JSON.parse(p));
      for (const w of [...this.#waiters]) w();
    });
    this.exited = new Promise((r) => this.child.on("close", () => r()));
  }

  /** The first event named `name`; rejects after `timeoutMs`. */
  event(name: string, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.events.find((x) => x.event === name);
        if (!e) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `peer process: no "${name}" within ${timeoutMs} ms (events: ${JSON.stringify(this.events)})`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** SIGKILL by PID, then waits for the exit. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

/** One IPv4 TCP socket of this machine (Linux /proc/net/tcp): its ends and its queues in bytes. */
export interface TcpSocket {
  readonly local: string;
  readonly remote: string;
  /** Bytes written by the application and not yet acknowledged by the other end. */
  readonly tx: number;
  /** Bytes received and not yet read by the application. */
  readonly rx: number;
  /** TCP state: ESTABLISHED is 1 (include/net/tcp_states.h). */
  readonly state: number;
}

/** "0100007F:1F90" (little-endian address, port) as "127.0.0.1:8080". */
function procAddress(hex: string): string {
  const [a, p] = hex.split(":");
  const n = parseInt(a, 16);
  return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${n >>> 24}:${parseInt(p, 16)}`;
}

/** The IPv4 TCP sockets of the machine, or [] where there is no /proc. */
export function tcpSockets(): TcpSocket[] {
  return readText("/proc/net/tcp").split("\n").slice(1).filter((l) => l.trim()).map((l) => {
    const f = l.trim().split(/\s+/);
    const [tx, rx] = f[4].split(":").map((h) => parseInt(h, 16));
    return { local: procAddress(f[1]), remote: procAddress(f[2]), tx, rx, state: parseInt(f[3], 16) };
  });
}
