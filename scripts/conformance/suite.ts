/**
 * The conformance data on disk: where it is, which encoding tests exist, which configuration files each
 * test starts with, which helper scripts those configurations run, and which transcript plays each script.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { parseTranscript } from "./transcript.ts";

/** The repository root (scripts/conformance/ is two levels down). */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The ExaBGP 5.0 suite: $TSBGP_CONFORMANCE_DIR, else conformance/exabgp-5.0 in the repository if present,
 * else the shared copy next to the repository.
 */
export function defaultDataDir(): string {
  const fromEnv = process.env.TSBGP_CONFORMANCE_DIR;
  if (fromEnv) return fromEnv;
  const inRepo = join(REPO_ROOT, "conformance", "exabgp-5.0");
  if (existsSync(join(inRepo, "encoding"))) return inRepo;
  return join(REPO_ROOT, "..", "shared", "conformance", "exabgp-5.0");
}

export interface EncodingTest {
  readonly name: string;
  /** Configuration file names, relative to etc/ (two = each reload rotates to the next). */
  readonly configs: readonly string[];
  readonly msgPath: string;
}

export async function listTests(dataDir: string): Promise<EncodingTest[]> {
  const encoding = join(dataDir, "encoding");
  const names = (await readdir(encoding)).filter((f) => f.endsWith(".ci")).map((f) => f.slice(0, -3)).sort();
  return Promise.all(names.map(async (name) => ({
    name,
    configs: (await readFile(join(encoding, `${name}.ci`), "utf8")).trim().split(/\s+/).filter(Boolean),
    msgPath: join(encoding, `${name}.msg`),
  })));
}

/** Helper scripts a configuration runs as `./run/<name>` (ExaBGP resolves them relative to etc/). */
export function runScripts(configText: string): string[] {
  const found: string[] = [];
  for (const line of configText.split("\n")) {
    const m = /^\s*run\s+\.\/run\/([^\s;]+)\s*;/.exec(line);
    if (m && !found.includes(m[1])) found.push(m[1]);
  }
  return found;
}

export interface ScriptSource {
  /** Absolute path of the transcript. */
  readonly transcript: string;
  /** The test the transcript belongs to. */
  readonly test: string;
  /** Section (process) name inside the transcript, passed to the player as --script. */
  readonly section: string;
}

/** Every helper script named in the transcripts, with the transcripts that play it. */
export async function scriptIndex(dataDir: string): Promise<Map<string, ScriptSource[]>> {
  const dir = join(dataDir, "transcripts");
  const index = new Map<string, ScriptSource[]>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".commands.txt")).sort()) {
    const test = file.slice(0, -".commands.txt".length);
    const transcript = parseTranscript(await readFile(join(dir, file), "utf8"), test);
    for (const section of transcript.sections) {
      for (const script of section.scripts) {
        const list = index.get(script) ?? [];
        list.push({ transcript: join(dir, file), test, section: section.name });
        index.set(script, list);
      }
    }
  }
  return index;
}

/** The transcript for a script run by a test: the test's own transcript first, else any that plays it. */
export function scriptSource(
  index: Map<string, ScriptSource[]>,
  script: string,
  test: string,
): ScriptSource | undefined {
  const candidates = index.get(script);
  return candidates?.find((c) => c.test === test) ?? candidates?.[0];
}
