/**
 * Runs the encoding tests of the ExaBGP 5.0 suite against the speaker: per test, a temporary copy of etc/
 * with run/<script>.run helpers that play the transcripts, the test peer on a free loopback port, and the
 * speaker started with the test's configuration(s) and ExaBGP's test environment.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { msgSettings, readMsgFile } from "./msg.ts";
import { startPeer } from "./peer.ts";
import { scriptCommand, shellQuote } from "./self.ts";
import {
  type EncodingTest,
  listTests,
  REPO_ROOT,
  runScripts,
  scriptIndex,
  type ScriptSource,
  scriptSource,
} from "./suite.ts";

export type Target = "deno" | "bun" | "binary";

export interface RunnerOptions {
  readonly target: Target;
  readonly dataDir: string;
  readonly repoRoot?: string;
  readonly jobs?: number;
  /** Only these tests (default: all). */
  readonly only?: readonly string[];
  /** Tests whose failure is a regression (conformance/must-pass.txt). */
  readonly mustPass?: ReadonlySet<string>;
  /** Replaces the target's command (the configuration paths are appended); for tests and debugging. */
  readonly speaker?: readonly string[];
  /** Longest wait for one message once a session is up (the peer's idle bound). Default 10 s. */
  readonly messageTimeoutMs?: number;
  /** The peer's bound on a whole test, start-up included. Default 20 s. */
  readonly peerTimeoutMs?: number;
  /** Keep listening this long after the last group (extra End-of-RIB markers only). Default 0, as ExaBGP. */
  readonly lingerMs?: number;
  /** Hard bound per test, whatever happens. Default 30 s. */
  readonly testTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL when stopping the speaker. Default 3 s. */
  readonly termGraceMs?: number;
  /** Keep the temporary directories (their paths are printed). */
  readonly keep?: boolean;
  /** One line of output. */
  readonly print?: (line: string) => void;
}

export interface TestOutcome {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  /** First line of the peer's report (or the runner's reason) when the test failed. */
  readonly reason: string;
  /** The rest of the report, then the last lines of the speaker's output. */
  readonly details: readonly string[];
}

export interface SuiteSummary {
  readonly outcomes: readonly TestOutcome[];
  readonly passed: number;
  /** Counted over the must-pass list only. */
  readonly mustPassPassed: number;
  readonly mustPassFailed: readonly string[];
}

const SPEAKER_TAIL_LINES = 20;
const DEFAULT_TERM_GRACE_MS = 3000;
/** After the speaker exits, how long the peer may still take to read what the speaker sent. */
const EXIT_GRACE_MS = 500;

/** The speaker's command for a target, run with the repository root as cwd. */
export function speakerCommand(target: Target, repoRoot: string): string[] {
  const bin = join(repoRoot, "node_modules", ".bin");
  const table: Record<Target, string[]> = {
    deno: [join(bin, "deno"), "run", "-A", "cli.ts"],
    bun: [join(bin, "bun"), "--no-install", "cli.ts"],
    binary: [join(repoRoot, "dist", "tsbgp")],
  };
  return table[target];
}

/** conformance/must-pass.txt: one test name per line, `#` comments. */
export function parseMustPass(text: string): Set<string> {
  return new Set(text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean));
}

export function readMustPass(path: string): Set<string> {
  return existsSync(path) ? parseMustPass(readFileSync(path, "utf8")) : new Set();
}

/** The last lines of a process's output, kept as it arrives. */
class Tail {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly size: number) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop()!;
    for (const p of parts) {
      this.lines.push(p);
      if (this.lines.length > this.size) this.lines.shift();
    }
  }

  get(): string[] {
    return this.partial ? [...this.lines, this.partial].slice(-this.size) : [...this.lines];
  }
}

/** The helper script ExaBGP would find at ./run/<name>: the player on the matching transcript. */
function helperScript(script: string, source: ScriptSource | undefined, playerPath: string): string {
  if (!source) {
    return "#!/bin/sh\n# no transcript plays this script: stay quiet until the speaker goes away\nexec cat >/dev/null\n";
  }
  const argv = scriptCommand(playerPath, [source.transcript, "--script", script]);
  return `#!/bin/sh\n# plays ${source.test} (${source.section})\nexec ${argv.map(shellQuote).join(" ")}\n`;
}

/** Copies etc/ (flat: configuration files) and writes the run/ helpers the test's configurations name. */
async function prepareEtc(
  test: EncodingTest,
  dataDir: string,
  index: Map<string, ScriptSource[]>,
  into: string,
): Promise<string[]> {
  const etc = join(into, "etc");
  await mkdir(join(etc, "run"), { recursive: true });
  const source = join(dataDir, "etc");
  for (const file of await readdir(source)) await copyFile(join(source, file), join(etc, file));
  const playerPath = join(REPO_ROOT, "scripts", "conformance", "player.ts");
  for (const config of test.configs) {
    for (const script of runScripts(await readFile(join(etc, config), "utf8"))) {
      const path = join(etc, "run", script);
      await writeFile(path, helperScript(script, scriptSource(index, script, test.name), playerPath));
      await chmod(path, 0o755);
    }
  }
  return test.configs.map((c) => join(etc, c));
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`, by PID. */
async function stopSpeaker(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = waitExit(child);
  try {
    process.kill(child.pid, "SIGTERM");
  } catch {
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<"timeout">((
    resolve,
  ) => (timer = setTimeout(() => resolve("timeout"), graceMs)));
  if (await Promise.race([exited.then(() => "exited" as const), killed]) === "timeout") {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    // SIGKILL cannot be refused; the bound only guards against a runtime that never reports the exit.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  }
  clearTimeout(timer);
}

interface RunContext {
  readonly options: RunnerOptions;
  readonly repoRoot: string;
  readonly index: Map<string, ScriptSource[]>;
  readonly command: readonly string[];
}

export async function runTest(test: EncodingTest, ctx: RunContext): Promise<TestOutcome> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const { options } = ctx;
  const tmp = await mkdtemp(join(tmpdir(), `tsbgp-conformance-${test.name}-`));
  const tail = new Tail(SPEAKER_TAIL_LINES);
  let child: ChildProcess | undefined;
  try {
    const configs = await prepareEtc(test, options.dataDir, ctx.index, tmp);
    const msg = await readMsgFile(test.msgPath);
    const settings = msgSettings(msg);
    const peer = await startPeer({
      msg,
      messageTimeoutMs: Math.max((settings.timeoutS ?? 0) * 1000, options.messageTimeoutMs ?? 10_000),
      overallTimeoutMs: options.peerTimeoutMs ?? 20_000,
      lingerMs: options.lingerMs,
    });
    const [cmd, ...args] = ctx.command;
    child = spawn(cmd, [...args, ...configs], {
      cwd: ctx.repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        exabgp_tcp_port: String(peer.port),
        exabgp_tcp_bind: "",
        exabgp_tcp_connections: String(settings.tcpConnections),
        exabgp_version: "5.0.0-0+test",
        exabgp_api_ack: "true",
        // Each speaker gets its own control socket: tests run in parallel.
        exabgp_api_socketpath: join(tmp, "tsbgp.sock"),
      },
    });
    child.stdout!.setEncoding("utf8").on("data", (d: string) => tail.push(d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => tail.push(d));
    child.on("error", (e) => tail.push(`cannot start ${cmd}: ${e.message}\n`));
    if (child.pid !== undefined) peer.setSpeakerPid(child.pid);
    const running = child;
    running.once("exit", (code, signal) => {
      setTimeout(
        () => peer.stop(`the speaker exited (${signal ?? `code ${code}`}) before the test finished`),
        EXIT_GRACE_MS,
      );
    });
    running.once("error", () => peer.stop(`the speaker could not be started: ${ctx.command.join(" ")}`));
    const hard = setTimeout(
      () => peer.stop(`hard timeout: the test took more than ${(options.testTimeoutMs ?? 30_000) / 1000}s`),
      options.testTimeoutMs ?? 30_000,
    );
    const result = await peer.result;
    clearTimeout(hard);
    await stopSpeaker(running, options.termGraceMs ?? DEFAULT_TERM_GRACE_MS);
    if (result.ok) return { name: test.name, ok: true, seconds: seconds(), reason: "", details: [] };
    const [reason, ...rest] = result.report.split("\n");
    const output = tail.get();
    const details = [
      ...rest,
      `speaker output (last ${output.length} line(s)):`,
      ...output.map((l) => `  ${l}`),
    ];
    if (options.keep) details.push(`kept ${tmp}`);
    return { name: test.name, ok: false, seconds: seconds(), reason, details };
  } catch (e) {
    return {
      name: test.name,
      ok: false,
      seconds: seconds(),
      reason: `runner error: ${(e as Error).message}`,
      details: [],
    };
  } finally {
    if (child) await stopSpeaker(child, options.termGraceMs ?? DEFAULT_TERM_GRACE_MS);
    if (!options.keep) await rm(tmp, { recursive: true, force: true });
  }
}

export function formatOutcome(outcome: TestOutcome): string[] {
  if (outcome.ok) return [`PASS ${outcome.name} (${outcome.seconds.toFixed(1)}s)`];
  return [`FAIL ${outcome.name}: ${outcome.reason}`, ...outcome.details.map((l) => `    ${l}`)];
}

/** Runs the selected tests, `jobs` at a time, printing each outcome as it finishes. */
export async function runSuite(options: RunnerOptions): Promise<SuiteSummary> {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const print = options.print ?? ((line: string) => console.log(line));
  const all = await listTests(options.dataDir);
  const unknown = (options.only ?? []).filter((n) => !all.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`unknown test(s): ${unknown.join(", ")}`);
  const tests = options.only ? all.filter((t) => options.only!.includes(t.name)) : all;
  const ctx: RunContext = {
    options,
    repoRoot,
    index: await scriptIndex(options.dataDir),
    command: options.speaker ?? speakerCommand(options.target, repoRoot),
  };
  const outcomes: TestOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tests.length) {
      const outcome = await runTest(tests[next++], ctx);
      outcomes.push(outcome);
      for (const line of formatOutcome(outcome)) print(line);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs ?? 4, tests.length)) }, worker));
  outcomes.sort((a, b) => (a.name < b.name ? -1 : 1));
  const mustPass = options.mustPass ?? new Set<string>();
  const counted = outcomes.filter((o) => mustPass.has(o.name));
  return {
    outcomes,
    passed: outcomes.filter((o) => o.ok).length,
    mustPassPassed: counted.filter((o) => o.ok).length,
    mustPassFailed: counted.filter((o) => !o.ok).map((o) => o.name),
  };
}
