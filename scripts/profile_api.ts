/**
 * End-to-end throughput of the API paths, for profiling (issue #6 targets): one speaker subprocess, one
 * helper, and this process as its BGP peer on 127.0.0.1.
 *
 *   line     a helper writes N `announce route …` lines as fast as the pipe takes them; the peer counts the
 *            NLRI of the UPDATEs it receives: routes/s from the first line written to the last prefix in.
 *   batch    the same with `announce attributes … nlri P1 … Pk` lines (k = --batch).
 *   receive  the peer pushes N prefixes in pre-built UPDATEs (runs of 1–24 prefixes per attribute set); a
 *            helper (on Bun, whatever runs the speaker) parses every JSON line and counts the prefixes:
 *            prefixes/s from the first UPDATE written to the last prefix counted.
 *
 * --neighbors K configures K - 1 more neighbors (passive, never up) served by the same helper, and the
 * commands name theirs (`neighbor 127.0.0.1 announce …`): the cost of choosing the neighbors of a command.
 *
 * Every run prints the rate, the speaker's RSS (VmRSS, peak VmHWM) and CPU seconds; with --runs R the best of
 * R runs is printed last. --profile DIR writes a CPU profile of the speaker per run (Bun: --cpu-prof, the
 * whole process; Deno: the inspector's profiler, from the first line/UPDATE to the last prefix) and prints
 * its top functions; --analyze FILE prints that summary for an existing .cpuprofile.
 *
 *   ./node_modules/.bin/bun --no-install scripts/profile_api.ts [--scenario line,batch,receive]
 *       [--routes 200000] [--batch 1000] [--neighbors 1] [--runs 3] [--runtime bun|deno|bin]
 *       [--profile DIR] [--top 25]
 *   ./node_modules/.bin/deno run -A scripts/profile_api.ts …   (same options)
 *   ./node_modules/.bin/bun --no-install scripts/profile_api.ts --analyze FILE.cpuprofile
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { encodeMessage } from "../lib/bgp/message/codec.ts";
import { MessageReader } from "../lib/bgp/message/reader.ts";
import { type Attribute, DEFAULT_CONTEXT, MessageType, type PrefixNlri } from "../lib/bgp/types.ts";
import { IPV4_UNICAST } from "../lib/bgp/family.ts";
import { freePort, makeTempDir, removeTempDir } from "../tests/helpers/sandbox.ts";
import { REPO_ROOT, SpeakerProcess } from "../tests/helpers/speaker.ts";

type Scenario = "line" | "batch" | "receive";
type Runtime = "bun" | "deno" | "bin";

const LOCAL_AS = 65001;
const PEER_AS = 65002;
const HOLD = 90;
const NEXT_HOP = "192.0.2.1";
/** Prefix i is the /32 at 10.0.0.0 + i: distinct for up to 2^24 routes, checked with a bit set. */
const BASE = 10 << 24;

// ---- options ------------------------------------------------------------------------------------------

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    scenario: { type: "string", default: "line,batch,receive" },
    routes: { type: "string", default: "200000" },
    batch: { type: "string", default: "1000" },
    neighbors: { type: "string", default: "1" },
    runs: { type: "string", default: "1" },
    runtime: { type: "string" },
    profile: { type: "string" },
    analyze: { type: "string" },
    top: { type: "string", default: "25" },
    timeout: { type: "string", default: "300" },
  },
});

function integer(name: "routes" | "batch" | "neighbors" | "runs" | "top" | "timeout", min: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: expected an integer ≥ ${min}, got '${values[name]}'`);
    process.exit(2);
  }
  return n;
}

const IS_DENO = "Deno" in globalThis;
const BIN = {
  bun: join(REPO_ROOT, "node_modules/.bin/bun"),
  deno: join(REPO_ROOT, "node_modules/.bin/deno"),
  bin: process.env.TSBGP_BIN ?? join(REPO_ROOT, "dist/tsbgp"),
};

// ---- profile summary ----------------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive time per function (name, file:line), and self time per file, as % of samples. */
export function summarize(profile: CpuProfile, top: number): string[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, "").replace(REPO_ROOT, "");
    return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  let all = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i + 1] is the time until the next sample: the weight of sample i (the last one gets 0).
    const w = profile.timeDeltas[i + 1] ?? 0;
    if (w <= 0) continue;
    all += w;
    const leaf = byId.get(profile.samples[i])!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + w);
    const file = leaf.callFrame.url.replace(/^file:\/\//, "").replace(REPO_ROOT, "") ||
      `(${leaf.callFrame.functionName || "native"})`;
    files.set(file, (files.get(file) ?? 0) + w);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const l = label(byId.get(id)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + w);
    }
  }
  const rows = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) =>
      `  ${(100 * v / all).toFixed(1).padStart(5)}%  ${k}`
    );
  return [
    `profile: ${(all / 1000).toFixed(0)} ms sampled`,
    "self time by function:",
    ...rows(self, top),
    "inclusive time by function:",
    ...rows(total, top),
    "self time by file:",
    ...rows(files, Math.min(top, 15)),
  ];
}

if (values.analyze) {
  const profile = JSON.parse(readFileSync(values.analyze, "utf8")) as CpuProfile;
  for (const line of summarize(profile, integer("top", 1))) console.log(line);
  process.exit(0);
}

const scenarios = values.scenario!.split(",").map((s) => s.trim()) as Scenario[];
for (const s of scenarios) {
  if (s !== "line" && s !== "batch" && s !== "receive") {
    console.error(`--scenario: expected line, batch or receive (comma-separated), got '${s}'`);
    process.exit(2);
  }
}
const runtime = (values.runtime ?? (IS_DENO ? "deno" : "bun")) as Runtime;
if (!(runtime in BIN)) {
  console.error(`--runtime: expected bun, deno or bin, got '${runtime}'`);
  process.exit(2);
}
const ROUTES = integer("routes", 1);
const NEIGHBORS = integer("neighbors", 1);
const BATCH = integer("batch", 1);
const RUNS = integer("runs", 1);
const TOP = integer("top", 1);
const TIMEOUT_MS = integer("timeout", 1) * 1000;
if (ROUTES > 1 << 24) {
  console.error(`--routes: at most ${1 << 24}`);
  process.exit(2);
}

// ---- inputs -------------------------------------------------------------------------------------------

const prefixText = (i: number) => {
  const a = BASE + i;
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}/32`;
};

/** The helper's commands, one route per line or `batch` per line. */
function writeCommands(file: string, scenario: "line" | "batch"): void {
  const attributes = `next-hop ${NEXT_HOP} community [ 65001:100 ]`;
  // With several neighbors, each line names the one that is up (as a helper feeding many sessions does).
  const to = NEIGHBORS > 1 ? "neighbor 127.0.0.1 " : "";
  const out: string[] = [];
  if (scenario === "line") {
    for (let i = 0; i < ROUTES; i++) out.push(`${to}announce route ${prefixText(i)} ${attributes}\n`);
  } else {
    for (let i = 0; i < ROUTES; i += BATCH) {
      const nlri: string[] = [];
      for (let j = i; j < Math.min(ROUTES, i + BATCH); j++) nlri.push(prefixText(j));
      out.push(`${to}announce attributes ${attributes} nlri ${nlri.join(" ")}\n`);
    }
  }
  writeFileSync(file, out.join(""));
}

/** A small deterministic generator (mulberry32), so every run sends the same table. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The received table: runs of 1–24 consecutive /32s share an attribute set (ORIGIN, an AS path of 1–6 ASNs
 * after the peer's, MED on some, 0–4 communities), each run in UPDATEs of at most 4096 bytes.
 */
function buildTable(): Uint8Array {
  const r = random(20240601);
  const between = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let first = 0; first < ROUTES;) {
    const count = Math.min(ROUTES - first, r() < 0.6 ? 1 : between(2, 24));
    const path = [PEER_AS];
    for (let k = between(1, 6); k > 0; k--) path.push(between(1, 64495));
    const attributes: Attribute[] = [
      { code: 1, kind: "origin", value: r() < 0.9 ? 0 : 2 },
      { code: 2, kind: "as-path", segments: [{ type: 2, asns: path }] },
      { code: 3, kind: "next-hop", address: "127.0.0.1" },
    ];
    if (r() < 0.4) attributes.push({ code: 4, kind: "med", value: between(0, 1000) });
    const communities: number[] = [];
    for (let k = between(0, 4); k > 0; k--) communities.push(((path[1] << 16) | between(1, 999)) >>> 0);
    if (communities.length) attributes.push({ code: 8, kind: "community", values: communities });
    const announced: PrefixNlri[] = [];
    for (let i = first; i < first + count; i++) {
      const a = BASE + i;
      const bytes = Uint8Array.of(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
      announced.push({ kind: "prefix", family: IPV4_UNICAST, length: 32, bytes });
    }
    const raw = encodeMessage({ type: "update", withdrawn: [], attributes, announced }, DEFAULT_CONTEXT);
    chunks.push(raw);
    size += raw.length;
    first += count;
  }
  const table = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    table.set(c, at);
    at += c.length;
  }
  return table;
}

// ---- the peer -----------------------------------------------------------------------------------------

const OPEN = encodeMessage({
  type: "open",
  version: 4,
  asn: PEER_AS,
  holdTime: HOLD,
  routerId: "192.0.2.2",
  capabilities: [
    { code: 1, name: "multiprotocol", afi: 1, safi: 1 },
    { code: 65, name: "asn4", asn: PEER_AS },
  ],
}, DEFAULT_CONTEXT);
const KEEPALIVE = encodeMessage({ type: "keepalive" }, DEFAULT_CONTEXT);

/** Counts the IPv4 NLRI announced to it (RFC 4271 §4.3 NLRI field), distinct ones with a bit set. */
class Peer {
  socket: Socket | undefined;
  established = false;
  nlri = 0;
  distinct = 0;
  updates = 0;
  /** Date.now() when the last expected prefix arrived. */
  doneAt = 0;
  notification: string | undefined;
  readonly #seen: Uint8Array;
  readonly #reader = new MessageReader();
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #waiters = new Set<() => void>();

  constructor(readonly server: Server, readonly expect: number) {
    this.#seen = new Uint8Array((expect + 7) >> 3);
    server.on("connection", (s) => this.#accept(s));
  }

  static async listen(port: number, expect: number): Promise<Peer> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen({ host: "127.0.0.1", port }, () => ok());
    });
    return new Peer(server, expect);
  }

  #accept(socket: Socket): void {
    this.socket = socket;
    socket.on("error", () => {});
    socket.on("data", (d: Uint8Array) => {
      this.#reader.push(d);
      for (let m; (m = this.#reader.next(65535)) !== undefined;) this.#message(m.type, m.body);
      for (const w of [...this.#waiters]) w();
    });
    socket.on("close", () => {
      this.established = false;
      for (const w of [...this.#waiters]) w();
    });
  }

  #message(type: number, body: Uint8Array): void {
    if (type === MessageType.OPEN) {
      this.socket!.write(OPEN);
      this.socket!.write(KEEPALIVE);
      this.#keepalive = setInterval(() => this.socket?.write(KEEPALIVE), (HOLD / 3) * 1000);
    } else if (type === MessageType.KEEPALIVE) this.established = true;
    else if (type === MessageType.NOTIFICATION) this.notification = `${body[0]}/${body[1]}`;
    else if (type === MessageType.UPDATE) this.#update(body);
  }

  #update(b: Uint8Array): void {
    this.updates++;
    const withdrawn = (b[0] << 8) | b[1];
    const at = 4 + withdrawn + ((b[2 + withdrawn] << 8) | b[3 + withdrawn]);
    for (let i = at; i < b.length;) {
      const len = b[i];
      const n = (len + 7) >> 3;
      let a = 0;
      for (let k = 0; k < 4; k++) a = (a << 8) | (k < n ? b[i + 1 + k] : 0);
      i += 1 + n;
      this.nlri++;
      const index = (a >>> 0) - BASE;
      if (len === 32 && index >= 0 && index < this.expect && !(this.#seen[index >> 3] & (1 << (index & 7)))) {
        this.#seen[index >> 3] |= 1 << (index & 7);
        if (++this.distinct === this.expect) this.doneAt = Date.now();
      }
    }
  }

  /** Writes `table` as fast as the socket drains it. */
  async send(table: Uint8Array): Promise<void> {
    const socket = this.socket!;
    const CHUNK = 256 * 1024;
    for (let at = 0; at < table.length; at += CHUNK) {
      if (!socket.write(table.subarray(at, at + CHUNK))) {
        await new Promise<void>((ok) => socket.once("drain", () => ok()));
      }
    }
  }

  until(ready: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((ok, fail) => {
      const check = () => {
        if (!ready()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        ok();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        fail(new Error(`${what}: not within ${ms} ms`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    clearInterval(this.#keepalive);
    this.socket?.destroy();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

// ---- the speaker --------------------------------------------------------------------------------------

/**
 * The neighbor this process peers with, then NEIGHBORS - 1 passive ones on 127.0.1.x that never come up,
 * served by the same helper: each command is matched against all of them.
 */
function neighborConfig(port: number, api: string): string {
  let others = "";
  for (let k = 1; k < NEIGHBORS; k++) {
    others +=
      `neighbor 127.0.${1 + (k >> 8)}.${k & 0xff} {\n  router-id 192.0.2.1;\n  local-address 127.0.0.1;\n` +
      `  local-as ${LOCAL_AS};\n  peer-as ${PEER_AS};\n  passive;\n  api {\n${api}\n  }\n}\n`;
  }
  return `${others}neighbor 127.0.0.1 {
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as ${LOCAL_AS};
  peer-as ${PEER_AS};
  hold-time ${HOLD};
  connect ${port};
  group-updates true;
  family {
    ipv4 unicast;
  }
  api {
${api}
  }
}
`;
}

/** The helper that copies the commands to the speaker once the session is up (it reads the `up` event). */
function feedScript(dir: string): string {
  return `#!/bin/sh
while read -r line; do case "$line" in *'"state": "up"'*) break;; esac; done
# the acks ("done") are read meanwhile; a background job's stdin is /dev/null unless given explicitly
exec 3<&0
cat <&3 >/dev/null &
date +%s%3N > ${dir}/t0
cat ${dir}/commands.txt
wait
`;
}

/** The helper that parses every JSON event and says on stderr when `expect` prefixes were announced. */
const COUNT_SCRIPT = `import process from "node:process";
const expect = Number(process.argv[2]);
let rest = "", prefixes = 0, updates = 0, done = false;
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  const lines = (rest + d).split("\\n");
  rest = lines.pop();
  for (const line of lines) {
    if (line === "") continue;
    const e = JSON.parse(line);
    if (e.type !== "update") continue;
    updates++;
    const announce = e.neighbor.message.update?.announce ?? {};
    for (const family of Object.values(announce)) for (const nlri of Object.values(family)) prefixes += nlri.length;
  }
  if (!done && prefixes >= expect) {
    done = true;
    process.stderr.write("COUNTED " + prefixes + " " + updates + " " + Date.now() + "\\n");
  }
});
`;

/** Helpers run on Bun whatever runs the speaker: the helper's own speed is not what is measured. */
function helperCommand(script: string, args: string): string {
  return `${BIN.bun} --no-install ${script} ${args}`;
}

interface Started {
  readonly speaker: SpeakerProcess;
  /** Deno: the inspector's WebSocket URL (the profile is taken through it). */
  inspector?: string;
}

function startSpeaker(conf: string, profileDir: string | undefined, name: string): Started {
  const cli = join(REPO_ROOT, "cli.ts");
  let command: string, args: string[];
  if (runtime === "bun") {
    const prof = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}`] : [];
    [command, args] = [BIN.bun, ["--no-install", ...prof, cli, conf]];
  } else if (runtime === "deno") {
    const prof = profileDir ? ["--inspect=127.0.0.1:0"] : [];
    [command, args] = [BIN.deno, ["run", "-A", ...prof, cli, conf]];
  } else {
    if (profileDir) {
      throw new Error("--profile: the compiled binary cannot be profiled, use --runtime bun|deno");
    }
    [command, args] = [BIN.bin, [conf]];
  }
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, exabgp_log_level: "INFO" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { speaker: new SpeakerProcess(child) };
}

/** The Deno inspector's Profiler (Chrome DevTools Protocol) over its WebSocket. */
class Inspector {
  #ws: WebSocket;
  #id = 0;
  #pending = new Map<number, (result: unknown) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
      if (m.id !== undefined) this.#pending.get(m.id)?.(m.result);
    };
  }

  static open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    return new Promise((ok, fail) => {
      ws.onopen = () => ok(new Inspector(ws));
      ws.onerror = () => fail(new Error(`cannot reach the inspector at ${url}`));
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#id;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`inspector: no answer to ${method}`)), 30_000);
      this.#pending.set(id, (r) => {
        clearTimeout(timer);
        ok(r);
      });
    });
  }

  close(): void {
    this.#ws.close();
  }
}

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

// ---- one run ------------------------------------------------------------------------------------------

interface RunResult {
  readonly scenario: Scenario;
  readonly perSecond: number;
  readonly ms: number;
  readonly rssMiB: number;
  readonly hwmMiB: number;
  readonly cpu: number;
  readonly profile?: string;
}

async function run(scenario: Scenario, index: number, table: Uint8Array | undefined): Promise<RunResult> {
  const dir = makeTempDir(`profile-api-${scenario}`);
  const port = await freePort();
  const peer = await Peer.listen(port, scenario === "receive" ? 0 : ROUTES);
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const name = `${runtime}-${scenario}-${index}.cpuprofile`;
  let started: Started | undefined;
  let inspector: Inspector | undefined;
  try {
    let api: string;
    if (scenario === "receive") {
      writeFileSync(join(dir, "count.mjs"), COUNT_SCRIPT);
      writeFileSync(
        join(dir, "tsbgp.conf"),
        `process count {\n  run ${
          helperCommand(join(dir, "count.mjs"), String(ROUTES))
        };\n  encoder json;\n}\n`,
      );
      api = "    processes [ count ];\n    receive {\n      parsed;\n      update;\n    }";
    } else {
      writeCommands(join(dir, "commands.txt"), scenario);
      writeFileSync(join(dir, "feed.sh"), feedScript(dir), { mode: 0o755 });
      writeFileSync(
        join(dir, "tsbgp.conf"),
        `process feed {\n  run /bin/sh ${join(dir, "feed.sh")};\n  encoder json;\n}\n`,
      );
      api = "    processes [ feed ];\n    neighbor-changes;";
    }
    writeFileSync(join(dir, "tsbgp.conf"), neighborConfig(port, api), { flag: "a" });
    started = startSpeaker(join(dir, "tsbgp.conf"), profileDir, name);
    const speaker = started.speaker;
    if (runtime === "deno" && profileDir) {
      const { line } = await speaker.waitForLine(/Debugger listening on ws:\/\//, 30_000);
      inspector = await Inspector.open(line.slice(line.indexOf("ws://")).trim());
      await inspector.call("Profiler.enable");
      await inspector.call("Profiler.setSamplingInterval", { interval: 1000 });
    }
    await peer.until(() => peer.established, 60_000, "the speaker's session");
    await inspector?.call("Profiler.start");
    const cpu0 = cpuSeconds(speaker.pid);
    let ms: number;
    if (scenario === "receive") {
      const t0 = Date.now();
      await peer.send(table!);
      // A helper slower than the speaker makes it drop events (write_queue.ts): the count would never come.
      const { line } = await speaker.waitForLine(/COUNTED \d+ \d+ \d+|dropping oldest events/, TIMEOUT_MS);
      if (line.includes("dropping")) throw new Error(`the helper fell behind: ${line}`);
      const [, count, , at] = /COUNTED (\d+) (\d+) (\d+)/.exec(line)!.map(Number);
      if (count !== ROUTES) throw new Error(`the helper counted ${count} prefixes, expected ${ROUTES}`);
      ms = at - t0;
    } else {
      await peer.until(
        () => peer.doneAt > 0 || !peer.established,
        TIMEOUT_MS,
        `${ROUTES} prefixes at the peer`,
      );
      if (peer.doneAt === 0) {
        throw new Error(`session lost (${peer.notification ?? "closed"}) after ${peer.distinct} prefixes`);
      }
      ms = peer.doneAt - Number(readFileSync(join(dir, "t0"), "utf8"));
    }
    const cpu = cpuSeconds(speaker.pid) - cpu0;
    const rssMiB = statusKiB(speaker.pid, "VmRSS") / 1024;
    const hwmMiB = statusKiB(speaker.pid, "VmHWM") / 1024;
    let profile: string | undefined;
    if (inspector && profileDir) {
      const { profile: p } = await inspector.call("Profiler.stop") as { profile: CpuProfile };
      profile = join(profileDir, name);
      writeFileSync(profile, JSON.stringify(p));
    }
    return { scenario, perSecond: ROUTES / (ms / 1000), ms, rssMiB, hwmMiB, cpu, profile };
  } catch (e) {
    const tail = started?.speaker.output.split("\n").slice(-15).join("\n    ") ?? "";
    throw new Error(`${(e as Error).message.split("\n")[0]}\n  speaker's last lines:\n    ${tail}`);
  } finally {
    inspector?.close();
    const exit = await started?.speaker.stop("SIGTERM", 10_000);
    if (exit && exit.code !== 0 && exit.signal === null) {
      console.log(
        `  speaker exited with ${exit.code}:\n${started!.speaker.output.split("\n").slice(-10).join("\n")}`,
      );
    }
    await peer.close();
    removeTempDir(dir);
  }
}

/** Bun writes its profile when the process exits: the newest file of that name. */
function bunProfile(name: string): string | undefined {
  const dir = values.profile ? resolve(values.profile) : undefined;
  if (!dir) return undefined;
  return readdirSync(dir).includes(name) ? join(dir, name) : undefined;
}

// ---- main ---------------------------------------------------------------------------------------------

const unit = (s: Scenario) => (s === "receive" ? "prefixes/s" : "routes/s");
const describe = (r: RunResult) =>
  `${Math.round(r.perSecond).toLocaleString("en").padStart(10)} ${unit(r.scenario)}  ${
    r.ms.toFixed(0).padStart(6)
  } ms  RSS ${r.rssMiB.toFixed(0)} MiB (peak ${r.hwmMiB.toFixed(0)})  CPU ${r.cpu.toFixed(2)} s`;

console.log(
  `profile_api: speaker on ${runtime}, ${ROUTES} routes${
    scenarios.includes("batch") ? `, ${BATCH} per batch` : ""
  }${NEIGHBORS > 1 ? `, ${NEIGHBORS} neighbors` : ""}, best of ${RUNS}`,
);
const table = scenarios.includes("receive") ? buildTable() : undefined;
let failed = false;
for (const scenario of scenarios) {
  const results: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    try {
      const r = await run(scenario, i, table);
      results.push(r);
      console.log(`  ${scenario.padEnd(8)} run ${i + 1}: ${describe(r)}`);
      const file = r.profile ?? bunProfile(`${runtime}-${scenario}-${i}.cpuprofile`);
      if (file) {
        console.log(`  profile ${file}`);
        const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
        for (const line of summarize(profile, TOP)) console.log(`    ${line}`);
      }
    } catch (e) {
      failed = true;
      console.log(`  ${scenario.padEnd(8)} run ${i + 1}: FAILED ${(e as Error).message.slice(0, 2000)}`);
    }
  }
  const best = results.sort((a, b) => b.perSecond - a.perSecond)[0];
  if (best) console.log(`${scenario.padEnd(8)} best: ${describe(best)}`);
}
process.exit(failed ? 1 : 0);
