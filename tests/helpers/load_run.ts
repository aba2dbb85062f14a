/**
 * The load scenario shared by scripts/load.ts (100 sessions × 10k routes, prints figures) and
 * tests/reliability/load.test.ts (a smaller run with assertions): one speaker subprocess, `sessions`
 * FaultPeers each on its own 127.0.0.x address (the speaker's side spread over four local addresses), and a
 * helper that announces `routes` distinct routes to each neighbor (`neighbor A announce route …`) once every
 * session is up. It measures the time to establish and to deliver, what each peer holds, the longest gap
 * between two KEEPALIVEs on any session, and the speaker's peak RSS and CPU time.
 */
import { FaultRig, neighbor, processBlock, readText } from "./fault_rig.ts";
import { type FaultPeer, prefixKey } from "./fault_peer.ts";
import { writeFileSync } from "node:fs";
import { sleep } from "./sandbox.ts";

export interface LoadOptions {
  readonly sessions: number;
  readonly routes: number;
  /** Hold time of every session (KEEPALIVEs every third of it). */
  readonly holdTime: number;
  /** How long every session must be established within, and every route delivered within (each). */
  readonly timeoutMs: number;
  /** The sessions stay up at least this long after the flood starts, so that keepalives are measured. */
  readonly minRunMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface LoadResult {
  readonly established: number;
  readonly delivered: number;
  readonly expected: number;
  /** Peers holding other than exactly their routes. */
  readonly incomplete: string[];
  readonly establishMs: number;
  readonly deliverMs: number;
  /** Longest interval between two KEEPALIVEs (or the OPEN and the first) on any session. */
  readonly maxKeepaliveGapMs: number;
  readonly keepaliveIntervalMs: number;
  /** Sessions that went down during the run. */
  readonly resets: number;
  /** VmHWM: the speaker's peak resident set. */
  readonly peakRssKiB: number;
  readonly cpuSeconds: number;
  readonly output: string;
}

/** The i-th peer's address: 127.0.0.20 and up. */
const peerHost = (i: number) => `127.0.0.${20 + i}`;
/** Route j of session i: 10.i.x.y/32 with x.y = j. */
const route = (i: number, j: number) => `10.${i}.${(j >> 8) & 0xff}.${j & 0xff}/32`;

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(readText(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

function cpuOf(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in ticks of 1/100 s
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  if (o.sessions > 230 || o.routes > 65536) throw new Error("at most 230 sessions of 65536 routes");
  const log = o.log ?? (() => {});
  const t = new FaultRig("load");
  try {
    const peers: FaultPeer[] = [];
    for (let i = 0; i < o.sessions; i++) {
      peers.push(await t.peer({ host: peerHost(i), holdTime: o.holdTime }));
    }
    const lines: string[] = [];
    for (let i = 0; i < o.sessions; i++) {
      for (let j = 0; j < o.routes; j++) {
        lines.push(`neighbor ${peerHost(i)} announce route ${route(i, j)} next-hop 127.0.0.1`);
      }
    }
    const commands = t.writeFile("commands.txt", lines.join("\n") + "\n");
    lines.length = 0;
    const go = t.path("go");
    const run = t.script(
      "flood.sh",
      `echo $$ > ${
        t.path("flood.pid")
      }\nwhile [ ! -e ${go} ]; do sleep 0.05; done\ncat ${commands}\nwhile read line; do :; done`,
    );
    t.writeConf(
      processBlock("flood", run) +
        peers.map((p, i) =>
          neighbor({
            peer: p.host,
            local: `127.0.0.${1 + (i % 4)}`,
            port: p.options.port,
            holdTime: o.holdTime,
            processes: ["flood"],
          })
        ).join(""),
    );
    // Without acks: the helper does not read a million `done` lines.
    const start = performance.now();
    const speaker = t.start({ exabgp_api_ack: "false", exabgp_log_level: "WARNING" });
    const cpu0 = cpuOf(speaker.pid);
    const upCount = () => peers.filter((p) => p.established).length;
    const deadline = (ms: number) => performance.now() + ms;
    let until = deadline(o.timeoutMs);
    while (upCount() < o.sessions && performance.now() < until && speaker.running) await sleep(50);
    const established = upCount();
    const establishMs = performance.now() - start;
    log(`${established}/${o.sessions} sessions established in ${(establishMs / 1000).toFixed(2)} s`);

    writeFileSync(go, "");
    const flood = performance.now();
    const full = (i: number) => peers[i].rib.size >= o.routes;
    until = deadline(o.timeoutMs);
    let done = 0;
    while (performance.now() < until && speaker.running) {
      done = peers.filter((_, i) => full(i)).length;
      if (done === o.sessions) break;
      await sleep(50);
    }
    const deliverMs = performance.now() - flood;
    log(`${done}/${o.sessions} sessions have all their routes after ${(deliverMs / 1000).toFixed(2)} s`);
    const rest = (o.minRunMs ?? 0) - (performance.now() - flood);
    if (rest > 0) await sleep(rest);

    const incomplete: string[] = [];
    let delivered = 0;
    peers.forEach((p, i) => {
      let mine = 0;
      for (let j = 0; j < o.routes; j++) if (p.rib.has(prefixKey(route(i, j)))) mine++;
      delivered += mine;
      if (mine !== o.routes || p.rib.size !== o.routes) {
        incomplete.push(`${p.host}: ${mine} of ${o.routes} (holds ${p.rib.size})`);
      }
    });
    const result: LoadResult = {
      established,
      delivered,
      expected: o.sessions * o.routes,
      incomplete,
      establishMs,
      deliverMs,
      maxKeepaliveGapMs: Math.max(
        ...peers.flatMap((p) => p.links.filter((l) => l.openAt).map((l) => l.maxKeepaliveGap())),
      ),
      keepaliveIntervalMs: Math.max(1, Math.floor(o.holdTime / 3)) * 1000,
      resets: peers.reduce((n, p) => n + p.links.length - 1, 0),
      peakRssKiB: statusKiB(speaker.pid, "VmHWM"),
      cpuSeconds: cpuOf(speaker.pid) - cpu0,
      output: speaker.output,
    };
    return result;
  } finally {
    await t.close(["flood.pid"]);
  }
}

/** The figures as one line each. */
export function describeLoad(o: LoadOptions, r: LoadResult): string[] {
  const routesPerSecond = r.delivered / (r.deliverMs / 1000);
  return [
    `sessions established: ${r.established}/${o.sessions} in ${(r.establishMs / 1000).toFixed(2)} s`,
    `routes delivered: ${r.delivered}/${r.expected} in ${(r.deliverMs / 1000).toFixed(2)} s ` +
    `(${Math.round(routesPerSecond)} routes/s)`,
    `max keepalive gap: ${(r.maxKeepaliveGapMs / 1000).toFixed(3)} s (interval ${
      r.keepaliveIntervalMs / 1000
    } s)`,
    `session resets: ${r.resets}`,
    `speaker peak RSS: ${(r.peakRssKiB / 1024).toFixed(0)} MiB (${
      Math.round((r.peakRssKiB * 1024) / r.expected)
    } bytes per route delivered, runtime included)`,
    `speaker CPU: ${r.cpuSeconds.toFixed(2)} s`,
  ];
}
