/**
 * `tsbgp cli [--socket PATH] COMMAND WORDS…` — ExaBGP's `exabgpcli` / `exabgp cli` over the control socket
 * (lib/api/control.ts): expands ExaBGP's abbreviations, sends the command, prints the answer lines until
 * `done` (exit 0) or `error` (exit 1).
 */
import { currentUid, defaultSocketPath } from "../api/control.ts";
import { readLines, runtime } from "../runtime/mod.ts";
import type { Conn, SocketAdapter } from "../runtime/types.ts";

/** Exit codes: the command's outcome, or why there was none. */
export const EXIT = {
  done: 0,
  error: 1,
  /** Nothing listens on the socket path (no speaker running there). */
  noSpeaker: 2,
  /** The speaker accepted the command but went silent, or closed the connection without done/error. */
  noAnswer: 3,
  usage: 64,
} as const;

/** Idle wait for the next answer line (reset whenever one arrives: long `show` output is fine). */
export const ANSWER_TIMEOUT_MS = 10_000;

export interface CliOptions {
  /** The socket when no `--socket` is given (default: defaultSocketPath of the environment). */
  readonly socketPath?: string;
  /** Answer lines (stdout). */
  write(line: string): void;
  /** Diagnostics (stderr); default `write`. */
  writeError?(line: string): void;
  /** For the default socket path; default the process environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly net?: SocketAdapter;
  readonly timeoutMs?: number;
}

export const CLI_USAGE = `usage: tsbgp cli [--socket PATH] COMMAND [WORDS…]
  sends one text API command to the running speaker and prints its answer.
  Abbreviations are expanded as by ExaBGP: s n s = show neighbor summary, s a o e = show adj-rib out
  extensive, a r = announce route, w r = withdraw route, f a o = flush adj-rib out, t = teardown.
  The socket is $exabgp_api_socketpath, else $XDG_RUNTIME_DIR/tsbgp.sock, else /tmp/tsbgp-<uid>.sock.
  exit status: 0 done, 1 error, 2 no speaker listening, 3 no answer, 64 usage.`;

// ---------------------------------------------------------------------------------------------------------
// Abbreviations (ExaBGP 5.0 application/cli.py). A word expands when it is a rule's short form, or a prefix
// of its full word (`sh`, `nei`), and the rule's context holds. ExaBGP compared the previous-word *list*
// with strings in several rules, so `a r` never became `announce route` there; here the contexts test the
// previous word as intended.

type Context = (pos: number, prev: readonly string[]) => boolean;

interface Shortcut {
  readonly short: string;
  readonly full: string;
  readonly when: Context;
}

const last = (prev: readonly string[]) => prev[prev.length - 1];
const first: Context = (pos) => pos === 0;
const notFirst: Context = (pos) => pos !== 0;
const after = (...words: string[]): Context => (_pos, prev) => words.includes(last(prev) ?? "");
const within = (word: string): Context => (_pos, prev) => prev.includes(word);

/** First matching rule wins, so order settles the shared letters (a, c, e, f, o, r, s, w). */
const SHORTCUTS: readonly Shortcut[] = [
  { short: "a", full: "announce", when: first },
  { short: "a", full: "attributes", when: after("announce", "withdraw") },
  { short: "a", full: "adj-rib", when: after("show", "flush", "clear") },
  { short: "c", full: "clear", when: first },
  { short: "c", full: "configuration", when: within("show") },
  { short: "e", full: "eor", when: after("announce") },
  { short: "e", full: "extensive", when: within("show") },
  { short: "f", full: "flow", when: after("announce", "withdraw") },
  { short: "f", full: "flush", when: first },
  { short: "h", full: "help", when: first },
  { short: "i", full: "in", when: after("adj-rib") },
  { short: "n", full: "neighbor", when: after("show") },
  { short: "o", full: "operational", when: after("announce") },
  { short: "o", full: "out", when: after("adj-rib") },
  { short: "r", full: "route", when: after("announce", "withdraw", "flow") },
  { short: "rr", full: "route-refresh", when: after("announce") },
  { short: "s", full: "show", when: first },
  { short: "s", full: "summary", when: notFirst },
  { short: "t", full: "teardown", when: first },
  { short: "v", full: "vpls", when: after("announce", "withdraw") },
  { short: "w", full: "withdraw", when: first },
  { short: "w", full: "watchdog", when: after("announce", "withdraw") },
];

/** Misspellings accepted anywhere in the command words (ExaBGP's "typo aliases"). */
const ALIASES: Readonly<Record<string, string>> = {
  neighbour: "neighbor",
  neigbour: "neighbor",
  neigbor: "neighbor",
};

/**
 * After these words come free-form arguments (route attributes, a watchdog name, a NOTIFICATION code):
 * they are passed on untouched, so that e.g. a watchdog called `s` is not turned into `summary`.
 */
const ARGUMENTS_FOLLOW = new Set([
  "route",
  "attributes",
  "attribute",
  "vpls",
  "watchdog",
  "eor",
  "route-refresh",
  "operational",
  "teardown",
  "ipv4",
  "ipv6",
  "l2vpn",
]);

/** Neighbor selector filters (reference §4.2): each takes one value. */
const SELECTOR_KEYS = new Set(["local-ip", "local-as", "peer-as", "router-id", "family-allowed"]);

function expandWord(word: string, pos: number, prev: readonly string[]): string {
  const alias = ALIASES[word];
  if (alias !== undefined) return alias;
  for (const s of SHORTCUTS) {
    if ((word === s.short || s.full.startsWith(word)) && s.when(pos, prev)) return s.full;
  }
  return word;
}

function isNeighborWord(word: string | undefined): boolean {
  return word !== undefined && (ALIASES[word] === "neighbor" || "neighbor".startsWith(word));
}

/**
 * Expands ExaBGP's CLI abbreviations: `["s", "n", "s"]` → `"show neighbor summary"`. A leading neighbor
 * selector (`n 10.0.0.1 [peer-as 65000] [, neighbor …]`) is kept as is and the command after it is
 * expanded as if it started the line. Words may themselves contain spaces (a quoted command).
 */
export function expandCommand(words: readonly string[]): string {
  const tokens = words.flatMap((w) => w.split(/\s+/)).filter((t) => t.length > 0);
  const out: string[] = [];
  let i = 0;
  while (isNeighborWord(tokens[i]) && i + 1 < tokens.length) {
    out.push("neighbor", tokens[i + 1]);
    i += 2;
    while (i + 1 < tokens.length && SELECTOR_KEYS.has(tokens[i])) {
      out.push(tokens[i], tokens[i + 1]);
      i += 2;
    }
    if (tokens[i] === ",") {
      out.push(",");
      i++;
    } else if (!out[out.length - 1].endsWith(",")) break;
  }
  const command: string[] = [];
  for (; i < tokens.length; i++) {
    const word = expandWord(tokens[i], command.length, command);
    command.push(word);
    if (ARGUMENTS_FOLLOW.has(word)) {
      command.push(...tokens.slice(i + 1));
      break;
    }
  }
  return [...out, ...command].join(" ");
}

// ---------------------------------------------------------------------------------------------------------

interface ParsedArgs {
  readonly socketPath?: string;
  readonly words: string[];
  readonly help: boolean;
}

/** Options come before the command; everything from the first other word on is the command. */
function parseArgs(args: readonly string[]): ParsedArgs | string {
  let socketPath: string | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      i++;
      break;
    }
    if (a === "--help") return { words: [], help: true };
    if (a === "--socket" || a === "-s") {
      if (i + 1 >= args.length) return `${a} needs a path`;
      socketPath = args[++i];
    } else if (a.startsWith("--socket=")) socketPath = a.slice("--socket=".length);
    else if (a.startsWith("-") && a.length > 1) return `unknown option ${a}`;
    else break;
  }
  return { socketPath, words: args.slice(i), help: false };
}

const TIMED_OUT = Symbol("timed out");

/** Resolves to TIMED_OUT after `ms`, so a silent speaker cannot hang the CLI. */
function timeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<typeof TIMED_OUT>((
    resolve,
  ) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

/** Runs `tsbgp cli ARGS…`; resolves to the exit status (see EXIT). */
export async function runCli(args: string[], opts: CliOptions): Promise<number> {
  const writeError = opts.writeError ?? opts.write;
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    writeError(`tsbgp cli: ${parsed}`);
    writeError(CLI_USAGE);
    return EXIT.usage;
  }
  if (parsed.help) {
    opts.write(CLI_USAGE);
    return EXIT.done;
  }
  const command = expandCommand(parsed.words);
  if (command === "") {
    writeError("tsbgp cli: no command given");
    writeError(CLI_USAGE);
    return EXIT.usage;
  }
  const path = parsed.socketPath ?? opts.socketPath ??
    defaultSocketPath(opts.env ?? runtime.envAll(), currentUid());
  const waitMs = opts.timeoutMs ?? ANSWER_TIMEOUT_MS;

  let conn: Conn;
  try {
    const connecting = (opts.net ?? runtime.net).connectUnix(path);
    const connected = await timeout(connecting, waitMs);
    if (connected === TIMED_OUT) {
      connecting.then((late) => late.close(), () => {});
      throw new Error("connection timed out");
    }
    conn = connected;
  } catch (e) {
    writeError(
      `tsbgp cli: no tsbgp speaker is running on the control socket ${path} ` +
        `(${(e as Error).message ?? e}); start one, or pass --socket PATH / set exabgp_api_socketpath`,
    );
    return EXIT.noSpeaker;
  }
  // As ExaBGP does, show what was really sent when an abbreviation was expanded.
  if (command !== parsed.words.join(" ")) opts.write(`command: ${command}`);

  try {
    const writer = conn.writable.getWriter();
    await writer.write(new TextEncoder().encode(`${command}\n`));
    writer.releaseLock();
    return await readAnswer(conn, command, waitMs, opts.write, writeError);
  } catch (e) {
    writeError(`tsbgp cli: lost the connection to the speaker on ${path} (${(e as Error).message ?? e})`);
    return EXIT.noAnswer;
  } finally {
    conn.close();
  }
}

/** Prints answer lines until `done` or `error`, each awaited at most `waitMs`. */
async function readAnswer(
  conn: Conn,
  command: string,
  waitMs: number,
  write: (line: string) => void,
  writeError: (line: string) => void,
): Promise<number> {
  const lines = readLines(conn.readable)[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await timeout(lines.next(), waitMs);
      if (next === TIMED_OUT) {
        writeError(`tsbgp cli: no answer from the speaker within ${waitMs / 1000} s for: ${command}`);
        return EXIT.noAnswer;
      }
      if (next.done) {
        writeError(`tsbgp cli: the speaker closed the connection before answering: ${command}`);
        return EXIT.noAnswer;
      }
      if (next.value === "done") return EXIT.done;
      if (next.value === "error") {
        writeError(
          `tsbgp cli: the speaker answered error for: ${command} (see its log; "help" lists the commands)`,
        );
        return EXIT.error;
      }
      write(next.value);
    }
  } finally {
    // Do not wait for the stream to settle: the connection is closed right after.
    lines.return?.().catch(() => {});
  }
}
