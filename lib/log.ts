/**
 * Logging, behind one module so that @std/log (or anything else) can replace @logtape/logtape here alone.
 * Lines go to stderr as plain text, identical on Deno and Bun (LogTape's console sink formats values per
 * runtime, so a text formatter and our own sink are used).
 */
import { configureSync, getLogger as ltGetLogger, type LogLevel, type LogRecord, resetSync } from "@logtape/logtape";

export type Level = "debug" | "info" | "warning" | "error";
export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LEVEL_NAMES: Record<string, LogLevel> = {
  debug: "debug",
  info: "info",
  warning: "warning",
  warn: "warning",
  error: "error",
  critical: "fatal",
  fatal: "fatal",
};

let writer: (line: string) => void = (line) => console.error(line);

function formatRecord(r: LogRecord): string {
  const t = new Date(r.timestamp).toISOString().slice(11, 23);
  const msg = r.message.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join("");
  return `${t} ${r.level.toUpperCase().padEnd(7)} ${r.category.slice(1).join(".").padEnd(9)} ${msg}`;
}

/** Sets the level (ExaBGP names accepted: DEBUG, INFO, WARNING, ERROR, CRITICAL) and the line writer. */
export function setupLogging(options: { level?: string; write?: (line: string) => void } = {}): void {
  if (options.write) writer = options.write;
  const level = LEVEL_NAMES[(options.level ?? "info").toLowerCase()] ?? "info";
  resetSync();
  configureSync({
    reset: true,
    sinks: { out: (r: LogRecord) => writer(formatRecord(r)) },
    loggers: [
      { category: ["tsbgp"], lowestLevel: level, sinks: ["out"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["out"] },
    ],
  });
}

/**
 * LogTape reads `{name}` in a message as a placeholder (an unknown one prints as nothing): the braces of our
 * text — helpers' JSON on stderr, peer strings — are doubled, LogTape's escape, so they are printed as written.
 */
function literal(m: string): string {
  return m.includes("{") || m.includes("}") ? m.replace(/[{}]/g, "$&$&") : m;
}

/** A logger for one topic ("reactor", "network", "processes", …, as ExaBGP names its log topics). */
export function getLogger(topic: string): Log {
  const l = ltGetLogger(["tsbgp", topic]);
  return {
    debug: (m) => l.debug(literal(m)),
    info: (m) => l.info(literal(m)),
    warn: (m) => l.warn(literal(m)),
    error: (m) => l.error(literal(m)),
  };
}
