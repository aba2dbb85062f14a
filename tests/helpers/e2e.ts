/**
 * Shared set-up for the end-to-end API tests: a sandbox with a fake BGP peer on a free loopback port, a
 * speaker started on a generated ExaBGP configuration with its own control socket, helper scripts written
 * into the sandbox, and a teardown that stops everything it started by PID.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakePeer } from "./bgp_peer.ts";
import { freePort, makeTempDir, removeTempDir, sleep } from "./sandbox.ts";
import { type CliResult, runCli, type SpeakerProcess, startSpeaker } from "./speaker.ts";

export const LOCAL_AS = 65001;
export const PEER_AS = 65002;
export const HOLD_TIME = 9;

export interface NeighborOptions {
  readonly port: number;
  readonly processes?: readonly string[];
  /** Lines inside `static { … }` (e.g. `route 10.0.0.0/24 next-hop 127.0.0.1;`). */
  readonly routes?: readonly string[];
  /** Extra lines inside the neighbor (api subscriptions, …). */
  readonly extra?: string;
}

/** One `process` block: `run` is split on spaces by the configuration parser (no quoting needed here). */
export function processBlock(name: string, run: string, encoder: "text" | "json" = "text"): string {
  return `process ${name} {\n  run ${run};\n  encoder ${encoder};\n}\n`;
}

/** One neighbor 127.0.0.1 that connects to the fake peer on `port` (hold time 9 s, IPv4 unicast). */
export function neighborBlock(o: NeighborOptions): string {
  const api = o.processes?.length ? `  api {\n    processes [ ${o.processes.join(" ")} ];\n  }\n` : "";
  const routes = o.routes?.length ? `  static {\n${o.routes.map((r) => `    ${r}\n`).join("")}  }\n` : "";
  return `neighbor 127.0.0.1 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as ${LOCAL_AS};
  peer-as ${PEER_AS};
  hold-time ${HOLD_TIME};
  connect ${o.port};
  group-updates true;
  family {
    ipv4 unicast;
  }
${api}${routes}${o.extra ?? ""}}
`;
}

/** A test's world: temp dir, fake peer, speaker, control socket. `close()` undoes all of it. */
export class E2E {
  readonly dir: string;
  readonly socket: string;
  readonly conf: string;
  peer!: FakePeer;
  port = 0;
  speaker: SpeakerProcess | undefined;

  constructor(name: string) {
    this.dir = makeTempDir(name);
    this.socket = join(this.dir, "tsbgp.sock");
    this.conf = join(this.dir, "tsbgp.conf");
  }

  async listen(): Promise<void> {
    this.port = await freePort();
    this.peer = await FakePeer.listen({ port: this.port, asn: PEER_AS, holdTime: HOLD_TIME });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes an executable sh script into the sandbox; returns the `run` value for it. */
  script(name: string, body: string): string {
    const file = this.path(name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return `/bin/sh ${file}`;
  }

  writeConf(text: string): void {
    writeFileSync(this.conf, text);
  }

  start(env: Record<string, string> = {}): SpeakerProcess {
    this.speaker = startSpeaker([this.conf], {
      env: {
        exabgp_tcp_bind: "",
        exabgp_tcp_port: String(this.port),
        exabgp_log_level: "INFO",
        exabgp_api_socketpath: this.socket,
        ...env,
      },
    });
    return this.speaker;
  }

  /** `tsbgp cli --socket <this speaker's socket> WORDS…`. */
  cli(...words: string[]): Promise<CliResult> {
    return runCli(["cli", "--socket", this.socket, ...words], { timeoutMs: 20_000 });
  }

  /** Waits until the fake peer holds an established session. */
  async established(timeoutMs = 15_000): Promise<void> {
    await this.peer.until(() => this.peer.established, timeoutMs, () => this.speaker?.output ?? "");
  }

  /**
   * Stops the speaker with SIGTERM (it stops its helpers), then kills by PID any helper that wrote its
   * PID to a `*.pid` file in the sandbox and is still alive, closes the peer, removes the sandbox.
   */
  async close(pidFiles: readonly string[] = []): Promise<void> {
    await this.speaker?.stop("SIGTERM", 8_000);
    for (const f of pidFiles) {
      const pid = Number(readText(this.path(f)).trim());
      if (pid > 0 && alive(pid)) process.kill(pid, "SIGKILL");
    }
    await this.peer?.close();
    removeTempDir(this.dir);
  }
}

export function readText(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

export interface ReceivedEvents {
  /** UPDATE events announcing IPv4 unicast NLRI, and those NLRI. */
  readonly updates: number;
  readonly prefixes: number;
  /** Lines that are not JSON. */
  readonly badLines: number;
}

/** Counts the UPDATE events of a helper's JSON input and their announced IPv4 unicast NLRI (ExaBGP 5.0 §4.2). */
export function countUpdateEvents(text: string): ReceivedEvents {
  let updates = 0, prefixes = 0, badLines = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      badLines++;
      continue;
    }
    const announce = event?.neighbor?.message?.update?.announce?.["ipv4 unicast"];
    if (announce === undefined) continue;
    updates++;
    for (const nlri of Object.values(announce)) prefixes += (nlri as unknown[]).length;
  }
  return { updates, prefixes, badLines };
}

/** The last `n` bytes of `file` as text ("" while it does not exist): cheap to poll on a growing file. */
export function tailText(file: string, n: number): string {
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0) return "";
  const fd = openSync(file, "r");
  try {
    const buffer = new Uint8Array(Math.min(n, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return new TextDecoder().decode(buffer);
  } finally {
    closeSync(fd);
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

/** Polls `ready` every 20 ms; rejects with `why()` after `timeoutMs`. */
export async function waitFor(ready: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${why()}`);
    await sleep(20);
  }
}

/** Resident set size of `pid` in KiB (Linux /proc), or undefined where there is no /proc. */
export function rssKiB(pid: number): number | undefined {
  const status = readText(`/proc/${pid}/status`);
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}
