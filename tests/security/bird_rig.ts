/**
 * BIRD 2 against a tsbgp process, for the transport-security tests (TCP-MD5 and GTSM, both directions):
 * BIRD on 127.0.0.2 (AS 65002), tsbgp on 127.0.0.1 (AS 65001), one free port both use. In the "active"
 * case tsbgp connects and BIRD only listens; in the "passive" case BIRD connects and tsbgp only listens
 * (`passive;` + `listen`). Both are stopped by PID.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bird, findExecutable } from "../helpers/bird.ts";
import { freePort, makeTempDir, removeTempDir, sleep } from "../helpers/sandbox.ts";
import { type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";

export const BIRD = findExecutable("bird");
export const BIRDC = findExecutable("birdc");
export const BIRD_MISSING =
  "BIRD 2 is not installed (no bird/birdc in $PATH or /usr/sbin; Debian package bird2)";

export type Mode = "active" | "passive";

export interface Scenario {
  /** Who opens the TCP connection: tsbgp ("active") or BIRD ("passive"). */
  readonly mode: Mode;
  /** Lines added to BIRD's `protocol bgp` block (password, ttl security …). */
  readonly bird: readonly string[];
  /** Lines added to tsbgp's neighbor block (md5-password, outgoing-ttl …). */
  readonly tsbgp: readonly string[];
}

function birdConfig(dir: string, port: number, s: Scenario): string {
  return `log "${dir}/bird.log" all;
router id 127.0.0.2;
protocol device { scan time 60; }
protocol static s4 { ipv4; route 10.2.0.0/24 blackhole; }
protocol bgp tsbgp {
  local 127.0.0.2 port ${port} as 65002;
  neighbor 127.0.0.1 port ${port} as 65001;
  strict bind yes;
  multihop 1;
  ${s.mode === "active" ? "passive on;" : "connect delay time 1; connect retry time 2;"}
  hold time 30;
${
    s.bird.map((l) => `  ${l}\n`).join("")
  }  ipv4 { import all; export where proto = "s4"; next hop address 192.0.2.2; };
}
`;
}

function speakerConfig(port: number, s: Scenario): string {
  const transport = s.mode === "active" ? `connect ${port};` : `passive;\n  listen ${port};`;
  return `neighbor 127.0.0.2 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as 65002;
  hold-time 30;
  ${transport}
${s.tsbgp.map((l) => `  ${l}\n`).join("")}  family { ipv4 unicast; }
  static { route 10.1.0.0/24 next-hop 192.0.2.1; }
}
`;
}

/** BIRD's `BGP state:` line of the tsbgp protocol. */
export function bgpState(protocols: string): string {
  return /BGP state:\s+(\S+)/.exec(protocols)?.[1] ?? "(none)";
}

export class SecurityRig {
  readonly dir = makeTempDir("security");
  bird: Bird | undefined;
  speaker: SpeakerProcess | undefined;

  async start(s: Scenario): Promise<{ bird: Bird; speaker: SpeakerProcess }> {
    const port = await freePort("127.0.0.2");
    writeFileSync(join(this.dir, "bird.conf"), birdConfig(this.dir, port, s));
    writeFileSync(join(this.dir, "tsbgp.conf"), speakerConfig(port, s));
    // tsbgp first when it listens, so that BIRD's first connection finds it.
    if (s.mode === "passive") this.speaker = this.#startSpeaker(port);
    this.bird = new Bird({ dir: this.dir, config: join(this.dir, "bird.conf"), bird: BIRD, birdc: BIRDC });
    await this.bird.ready();
    if (s.mode === "active") this.speaker = this.#startSpeaker(port);
    if (s.mode === "passive") await this.speaker!.waitForLine(/listening on 127\.0\.0\.1:/, 15_000);
    return { bird: this.bird, speaker: this.speaker! };
  }

  #startSpeaker(port: number): SpeakerProcess {
    return startSpeaker([join(this.dir, "tsbgp.conf")], {
      env: {
        exabgp_tcp_bind: "",
        exabgp_tcp_port: String(port),
        exabgp_log_level: "INFO",
        exabgp_api_socketpath: join(this.dir, "tsbgp.sock"),
      },
    });
  }

  /** BIRD's view until `accept` holds or `timeoutMs` passes; the last output either way. */
  protocols(accept: (out: string) => boolean, timeoutMs: number): Promise<string> {
    return this.bird!.poll(["show", "protocols", "all", "tsbgp"], accept, timeoutMs);
  }

  /** Context for assertion messages. */
  async context(): Promise<string> {
    let protocols = "";
    try {
      protocols = await this.bird!.cli("show", "protocols", "all", "tsbgp");
    } catch (e) {
      protocols = (e as Error).message;
    }
    return `\n--- birdc show protocols all tsbgp\n${protocols}\n--- tsbgp output\n${this.speaker?.output}`;
  }

  async close(): Promise<void> {
    await this.speaker?.stop("SIGTERM");
    await this.bird?.stop();
    removeTempDir(this.dir);
  }
}

/** How long a session is given to come up when it should not (several connect attempts of each side). */
export const NO_SESSION_MS = 8_000;

export { sleep };
