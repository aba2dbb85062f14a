/**
 * Plays an API helper transcript, standing in for the Python scripts of ExaBGP's functional suite:
 *   player.ts TRANSCRIPT [--script NAME]
 * Commands go to stdout (the speaker's API input); the speaker's answers and events come on stdin.
 *
 * What each step does (notation in transcripts/README.txt; parsing rules in transcript.ts):
 * - commands: one write per line, each awaited (the README: "terminated by '\n' and flushed immediately");
 *   after a `(single write)` marker (api-fast's bursts) the following command lines go in ONE write;
 * - `wait Ns`: sleeps;
 * - `wait-for-ack N [timeout T]`: reads lines until N answers `done` (text) or {"answer":"done"} (json);
 *   `error` ends the wait early; a line containing `shutdown`, or the end of stdin, exits 0. When the
 *   transcript says the wait must succeed (or must time out) and it does not, the player exits 1, as the
 *   script does — later commands then never reach the wire, so the harness sees the failure;
 * - `wait-for-shutdown [(timeout Ts)]`: reads lines until one contains `shutdown`, the end of stdin, or T
 *   (default 5 s), then goes on (usually to the end: exit 0);
 * - `read …` (best effort): waits for one line (at most 30 s); the player always takes the success path, so
 *   the line's content is not checked; `shutdown` or the end of stdin exits 0;
 * - `expect …`: printed to stderr only (the harness judges the wire);
 * - `... (repeat) ...`: plays the steps again from the top until stdin ends (the speaker went away).
 * Only node: and Web APIs here: the same file runs under Bun and Deno.
 */
import process from "node:process";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { parseTranscript, selectSection, type Step } from "./transcript.ts";

export const READ_TIMEOUT_S = 30;

/** Lines from a byte stream, awaited one at a time with a timeout. */
export class LineReader {
  private readonly lines: string[] = [];
  private partial = "";
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(stream: Readable) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (this.partial + chunk).split("\n");
      this.partial = parts.pop()!;
      for (const p of parts) this.lines.push(p.replace(/\r$/, ""));
      this.notify();
    });
    stream.on("end", () => {
      if (this.partial) this.lines.push(this.partial);
      this.partial = "";
      this.ended = true;
      this.notify();
    });
    stream.on("error", () => {
      this.ended = true;
      this.notify();
    });
  }

  private notify() {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  get atEnd(): boolean {
    return this.ended && this.lines.length === 0;
  }

  /** The next line; `null` at the end of the stream; `undefined` when nothing came within the timeout. */
  async next(timeoutMs: number): Promise<string | null | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.lines.length > 0) return this.lines.shift()!;
      if (this.ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

/** What an answer line says: ExaBGP acks are `done`/`error` (text) or {"answer": "done"|"error"} (json). */
export function classifyAnswer(line: string): "done" | "error" | "shutdown" | "other" {
  const t = line.trim();
  if (t === "done" || t === "error") return t;
  if (t.startsWith("{") && t.includes('"answer"')) {
    try {
      const answer = JSON.parse(t).answer;
      if (answer === "done" || answer === "error") return answer;
    } catch {
      // not JSON after all: fall through
    }
  }
  return t.includes("shutdown") ? "shutdown" : "other";
}

export interface PlayIo {
  readonly input: LineReader;
  /** Writes text and resolves once it was handed to the OS. */
  write(text: string): Promise<void>;
  log(line: string): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Plays the steps; resolves with the exit code the helper script would have. */
export async function play(steps: readonly Step[], io: PlayIo): Promise<number> {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    switch (step.kind) {
      case "send":
        await io.write(step.line + "\n");
        break;
      case "burst": {
        const lines: string[] = [];
        for (let next = steps[i + 1]; next?.kind === "send"; next = steps[i + 1]) {
          lines.push(next.line);
          i++;
        }
        if (lines.length > 0) await io.write(lines.map((l) => l + "\n").join(""));
        break;
      }
      case "wait":
        await sleep(step.seconds * 1000);
        break;
      case "wait-for-ack": {
        const outcome = await waitForAck(io.input, step.count, step.timeoutS * 1000);
        if (outcome === "exit") return 0;
        if (step.require === "success" && outcome !== "ok") {
          io.log(`wait-for-ack ${step.count}: expected the acks, got ${outcome}: exit 1`);
          return 1;
        }
        if (step.require === "timeout" && outcome !== "timeout") {
          io.log(`wait-for-ack ${step.count}: expected no ack, got ${outcome}: exit 1`);
          return 1;
        }
        break;
      }
      case "wait-for-shutdown": {
        const deadline = Date.now() + step.timeoutS * 1000;
        for (;;) {
          const line = await io.input.next(deadline - Date.now());
          if (line === undefined || line === null || classifyAnswer(line) === "shutdown") break;
        }
        break;
      }
      case "read": {
        const line = await io.input.next(READ_TIMEOUT_S * 1000);
        if (line === null || (line !== undefined && classifyAnswer(line) === "shutdown")) return 0;
        break;
      }
      case "expect":
        io.log(step.note);
        break;
      case "repeat":
        if (io.input.atEnd) return 0;
        await sleep(10); // never spin, even on a transcript without waits
        i = -1;
        break;
    }
  }
  return 0;
}

/** ok: N acks; error: an `error` answer; timeout: not enough acks in time; exit: shutdown or stdin ended. */
async function waitForAck(
  input: LineReader,
  count: number,
  timeoutMs: number,
): Promise<"ok" | "error" | "timeout" | "exit"> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (seen < count) {
    const line = await input.next(deadline - Date.now());
    if (line === undefined) return "timeout";
    if (line === null) return "exit";
    const kind = classifyAnswer(line);
    if (kind === "done") seen++;
    else if (kind === "error") return "error";
    else if (kind === "shutdown") return "exit";
  }
  return "ok";
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { script: { type: "string" } },
  });
  if (positionals.length !== 1) {
    process.stderr.write("usage: player.ts TRANSCRIPT [--script NAME]\n");
    return 2;
  }
  const path = positionals[0];
  const test = basename(path).replace(/\.commands\.txt$/, "");
  const section = selectSection(parseTranscript(await readFile(path, "utf8"), test), values.script);
  process.stdout.on("error", () => process.exit(0)); // the speaker went away (EPIPE)
  const io: PlayIo = {
    input: new LineReader(process.stdin),
    write: (text) =>
      new Promise<void>((resolve) => {
        process.stdout.write(text, () => resolve());
      }),
    log: (line) => process.stderr.write(`player[${section.name}]: ${line}\n`),
  };
  return play(section.steps, io);
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
