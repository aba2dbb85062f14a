/**
 * Reads a helper transcript (transcripts/<test>.commands.txt, notation in transcripts/README.txt) into the
 * steps a player performs. Transcripts are prose written for people; the rules that turn them into steps:
 *
 * - a line not starting with `#` is a command, written as is (inner spaces kept: api-multisession needs them);
 * - `# wait Ns`, `# wait-for-ack N [timeout T]`, `# wait-for-shutdown [(timeout Ts)]`, `# read …`, `# expect …`
 *   are directives, also when nested one level (`#       # wait 2s`, inside a branch description);
 * - a comment indented by 4+ spaces whose text starts with an API verb is a command of a script that the
 *   transcript quotes in comments (the second process of api-multiple-api and api-no-respawn); a trailing
 *   `   (annotation)` is dropped;
 * - a comment naming a "failure path" / "anything else" opens a branch that is skipped, with everything
 *   indented deeper under it: the player always follows the success path;
 * - `# --- process "NAME"  script: run/X.run` starts the section of one process; lines before the first
 *   such header are the file's preamble and are not played when the file has sections;
 * - `# ... (repeat) ...` repeats the section's steps until the speaker goes away (conf-watchdog);
 * - a comment saying `(single write)` (api-fast's bursts) makes the command lines after it one write.
 */

export type Step =
  | { readonly kind: "send"; readonly line: string }
  | { readonly kind: "wait"; readonly seconds: number }
  | {
    readonly kind: "wait-for-ack";
    readonly count: number;
    readonly timeoutS: number;
    /** "must succeed"/"else exit 1": exit 1 when the acks do not come; "must TIME OUT": exit 1 when they do. */
    readonly require?: "success" | "timeout";
  }
  | { readonly kind: "wait-for-shutdown"; readonly timeoutS: number }
  | { readonly kind: "read"; readonly note: string }
  | { readonly kind: "expect"; readonly note: string }
  | { readonly kind: "repeat" }
  /** The command lines right after this step are written together, in one write. */
  | { readonly kind: "burst" };

export interface Section {
  /** Process name from the header, or the test name for a single-script transcript. */
  readonly name: string;
  /** Script file names this section plays (`api-announce.run`), from the headers. */
  readonly scripts: readonly string[];
  readonly steps: readonly Step[];
}

export interface Transcript {
  readonly test: string;
  readonly sections: readonly Section[];
}

export const DEFAULT_ACK_TIMEOUT_S = 2; // transcripts/README.txt
export const DEFAULT_SHUTDOWN_TIMEOUT_S = 5;

const API_VERBS =
  /^(announce|withdraw|neighbor|shutdown|flush|clear|teardown|enable-ack|disable-ack|silence-ack|reload|restart|version)\b/;
const SECTION_HEADER = /^#\s*---\s*process\s+"([^"]+)"(.*)$/;
const SCRIPT_NAME = /script:\s*run\/(\S+\.run)/g;
const SKIP_BRANCH = /failure path|anything else/i;

/** Parses one directive text (without the leading `#`s); undefined when it is prose. */
export function parseDirective(text: string): Step | undefined {
  const t = text.trim();
  let m = /^wait-for-ack\s+(\d+)(?:\s+timeout\s+([\d.]+)s?)?(.*)$/.exec(t);
  if (m) {
    const rest = m[3];
    const require = /must time ?out/i.test(rest)
      ? "timeout"
      : /must succeed|else exit 1/i.test(rest)
      ? "success"
      : undefined;
    return {
      kind: "wait-for-ack",
      count: Number(m[1]),
      timeoutS: m[2] ? Number(m[2]) : DEFAULT_ACK_TIMEOUT_S,
      require,
    };
  }
  if (/^wait-for-shutdown\b/.test(t)) {
    const timeout = /([\d.]+)\s*s\b/.exec(t.slice("wait-for-shutdown".length));
    return { kind: "wait-for-shutdown", timeoutS: timeout ? Number(timeout[1]) : DEFAULT_SHUTDOWN_TIMEOUT_S };
  }
  m = /^wait\s+([\d.]+)\s*s\b/.exec(t);
  if (m) return { kind: "wait", seconds: Number(m[1]) };
  if (/^read\b/.test(t)) return { kind: "read", note: t };
  if (/^expect\b/.test(t)) return { kind: "expect", note: t };
  if (/^\.\.\.\s*\(repeat\)/.test(t)) return { kind: "repeat" };
  return undefined;
}

/** Comment indentation: the spaces between `#` and the text. */
function commentIndent(line: string): number {
  return /^#(\s*)/.exec(line)![1].length;
}

function scriptsOf(text: string): string[] {
  return [...text.matchAll(SCRIPT_NAME)].map((m) => m[1]);
}

export function parseTranscript(text: string, test = "<transcript>"): Transcript {
  const lines = text.split(/\r?\n/);
  const preamble: { name: string; scripts: string[]; steps: Step[] } = { name: test, scripts: [], steps: [] };
  const sections: Array<typeof preamble> = [];
  let current = preamble;
  let skipDeeperThan = -1; // indentation of an open skipped branch; -1 when none

  for (const raw of lines) {
    const line = raw.replace(/\s+$/, "");
    if (line === "") continue;
    if (!line.startsWith("#")) {
      skipDeeperThan = -1;
      current.steps.push({ kind: "send", line });
      continue;
    }
    const header = SECTION_HEADER.exec(line);
    if (header) {
      skipDeeperThan = -1;
      current = { name: header[1], scripts: scriptsOf(header[2]), steps: [] };
      sections.push(current);
      continue;
    }
    if (current === preamble && sections.length === 0) preamble.scripts.push(...scriptsOf(line));
    const indent = commentIndent(line);
    if (skipDeeperThan >= 0) {
      if (indent > skipDeeperThan) continue;
      skipDeeperThan = -1;
    }
    const body = line.slice(1).trim();
    const directive = parseDirective(body.startsWith("#") ? body.slice(1) : body);
    if (directive) {
      current.steps.push(directive);
      continue;
    }
    if (/\(single write\)/i.test(body)) {
      current.steps.push({ kind: "burst" });
      continue;
    }
    if (SKIP_BRANCH.test(body)) {
      skipDeeperThan = indent;
      continue;
    }
    if (indent >= 4 && API_VERBS.test(body)) {
      current.steps.push({ kind: "send", line: body.replace(/\s{2,}\(.*\)$/, "").trim() });
    }
  }
  return { test, sections: sections.length > 0 ? sections : [preamble] };
}

/** The section to play: by process name or script file name (with or without `.run`); default the first. */
export function selectSection(transcript: Transcript, name?: string): Section {
  if (name === undefined) return transcript.sections[0];
  const base = name.replace(/^.*\//, "");
  const found = transcript.sections.find((s) =>
    s.name === name || s.scripts.includes(base) || s.scripts.includes(`${base}.run`)
  );
  if (!found) {
    const known = transcript.sections.map((s) => [s.name, ...s.scripts].join("/")).join(", ");
    throw new Error(`no script '${name}' in transcript ${transcript.test} (has: ${known})`);
  }
  return found;
}
