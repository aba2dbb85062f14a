/**
 * ExaBGP's environment options (exabgp-behaviour.md §5.4): `exabgp.<section>.<key>=…` or
 * `exabgp_<section>_<key>=…` (the underscore form survives shells), into a typed Environment with
 * ExaBGP 5.0's defaults. When both spellings of one option are set, the dotted one wins.
 */

export interface Environment {
  tcp: {
    /** Listen port and default connect port. */
    port: number;
    /** Addresses to listen on; empty (the default) = no global listener. */
    bind: string[];
    /** Outgoing connection attempts per peer, 0 = unlimited (alias exabgp_tcp_connections; once = 1). */
    attempts: number;
    /** Start announcing when minute-of-hour % delay == 0 (0 = off). */
    delay: number;
  };
  bgp: { passive: boolean; openwait: number };
  api: {
    ack: boolean;
    encoder: "json" | "text";
    respawn: boolean;
    terminate: boolean;
    compact: boolean;
    chunk: number;
    cli: boolean;
    pipename: string;
    socketname: string;
    /** tsbgp's own: the cap in bytes of each helper's queue of lines waiting for its stdin (16 MiB). */
    queue: number;
  };
  log: {
    enable: boolean;
    /** Upper case syslog level name: DEBUG, INFO, NOTICE, WARNING, ERR, CRIT, ALERT, EMERG. */
    level: string;
    /** stdout, stderr, syslog, host:<addr> or a file name. */
    destination: string;
    all: boolean;
    short: boolean;
    /** Per-topic switches (configuration, reactor, daemon, processes, network, packets, rib, message…). */
    topics: Record<string, boolean>;
  };
  daemon: { pid: string; user: string; daemonize: boolean; drop: boolean; umask: number };
  cache: { attributes: boolean; nexthops: boolean };
  reactor: { speed: number };
  /**
   * tsbgp's own: `rib.persist` names a file where the routes the helpers announced are kept, so that a
   * restarted speaker announces them again at once (graceful restart, restarting side); "" = none.
   */
  rib: { persist: string };
  /** exabgp_version: overrides the version string (software-version capability, `version` command). */
  version?: string;
  /** Every exabgp option given, by "section.key", as written (documented or not). */
  raw: Record<string, string>;
}

export class EnvironmentError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "EnvironmentError";
  }
}

const LOG_TOPICS = [
  "configuration",
  "reactor",
  "daemon",
  "processes",
  "network",
  "statistics",
  "packets",
  "rib",
  "message",
  "timers",
  "routes",
  "parser",
] as const;
const LOG_TOPIC_DEFAULTS: Record<string, boolean> = {
  configuration: true,
  reactor: true,
  daemon: true,
  processes: true,
  network: true,
  statistics: true,
  packets: false,
  rib: false,
  message: false,
  timers: false,
  routes: false,
  parser: false,
};
const LOG_LEVELS = new Set([
  "DEBUG",
  "INFO",
  "NOTICE",
  "WARNING",
  "WARN",
  "ERR",
  "ERROR",
  "CRIT",
  "CRITICAL",
  "ALERT",
  "EMERG",
]);

export function defaultEnvironment(): Environment {
  return {
    tcp: { port: 179, bind: [], attempts: 0, delay: 0 },
    bgp: { passive: false, openwait: 60 },
    api: {
      ack: true,
      encoder: "json",
      respawn: true,
      terminate: false,
      compact: false,
      chunk: 1,
      cli: true,
      pipename: "exabgp",
      socketname: "exabgp",
      queue: 16 * 1024 * 1024,
    },
    log: {
      enable: true,
      level: "INFO",
      destination: "stdout",
      all: false,
      short: true,
      topics: { ...LOG_TOPIC_DEFAULTS },
    },
    daemon: { pid: "", user: "nobody", daemonize: false, drop: true, umask: 0o137 },
    cache: { attributes: true, nexthops: true },
    reactor: { speed: 1.0 },
    rib: { persist: "" },
    raw: {},
  };
}

// ---------------------------------------------------------------------------------------------------------
// Value parsers: each throws EnvironmentError naming the variable.

type Setter = (env: Environment, value: string, variable: string) => void;

const TRUE = new Set(["true", "yes", "on", "1", "enable", "enabled"]);
const FALSE = new Set(["false", "no", "off", "0", "disable", "disabled", ""]);

function bool(value: string, variable: string): boolean {
  return parseBoolean(value) ?? fail(variable, `expects true or false, got '${value}'`);
}

function fail(variable: string, message: string): never {
  throw new EnvironmentError(variable, message);
}

function int(value: string, variable: string, min: number, max: number): number {
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new EnvironmentError(variable, `expects a number ${min}..${max}, got '${value}'`);
  }
  return Number(v);
}

const b = (apply: (env: Environment, v: boolean) => void): Setter => (env, value, variable) =>
  apply(env, bool(value, variable));

/** "section.key" → setter. Options not listed here are still kept in `raw`. */
const SETTERS: Record<string, Setter> = {
  "tcp.port": (e, v, n) => (e.tcp.port = int(v, n, 1, 65535)),
  "tcp.bind": (e, v) => (e.tcp.bind = v.split(/[\s,]+/).filter((x) => x !== "")),
  "tcp.attempts": (e, v, n) => (e.tcp.attempts = int(v, n, 0, 2 ** 31)),
  "tcp.connections": (e, v, n) => (e.tcp.attempts = int(v, n, 0, 2 ** 31)),
  "tcp.once": (e, v, n) => bool(v, n) && (e.tcp.attempts = 1),
  "tcp.delay": (e, v, n) => (e.tcp.delay = int(v, n, 0, 60)),
  "bgp.passive": b((e, v) => (e.bgp.passive = v)),
  "bgp.openwait": (e, v, n) => (e.bgp.openwait = int(v, n, 1, 65535)),
  "api.ack": b((e, v) => (e.api.ack = v)),
  "api.encoder": (e, v, n) => {
    const x = v.trim().toLowerCase();
    if (x !== "json" && x !== "text") throw new EnvironmentError(n, `expects json or text, got '${v}'`);
    e.api.encoder = x;
  },
  "api.respawn": b((e, v) => (e.api.respawn = v)),
  "api.terminate": b((e, v) => (e.api.terminate = v)),
  "api.compact": b((e, v) => (e.api.compact = v)),
  "api.cli": b((e, v) => (e.api.cli = v)),
  "api.chunk": (e, v, n) => (e.api.chunk = int(v, n, 1, 2 ** 31)),
  "api.pipename": (e, v) => (e.api.pipename = v),
  "api.socketname": (e, v) => (e.api.socketname = v),
  "api.queue": (e, v, n) => (e.api.queue = int(v, n, 64 * 1024, 2 ** 31)),
  "log.enable": b((e, v) => (e.log.enable = v)),
  "log.level": (e, v, n) => {
    const x = v.trim().toUpperCase();
    if (!LOG_LEVELS.has(x)) {
      throw new EnvironmentError(n, `expects a level (DEBUG, INFO, WARNING, ERR…), got '${v}'`);
    }
    e.log.level = x;
  },
  "log.destination": (e, v) => (e.log.destination = v.trim()),
  "log.all": b((e, v) => (e.log.all = v)),
  "log.short": b((e, v) => (e.log.short = v)),
  "daemon.pid": (e, v) => (e.daemon.pid = v),
  "daemon.user": (e, v) => (e.daemon.user = v),
  "daemon.daemonize": b((e, v) => (e.daemon.daemonize = v)),
  "daemon.drop": b((e, v) => (e.daemon.drop = v)),
  "daemon.umask": (e, v, n) => {
    if (!/^0?[0-7]{1,4}$/.test(v.trim())) throw new EnvironmentError(n, `expects an octal umask, got '${v}'`);
    e.daemon.umask = parseInt(v.trim(), 8);
  },
  "rib.persist": (e, v) => (e.rib.persist = v.trim()),
  "cache.attributes": b((e, v) => (e.cache.attributes = v)),
  "cache.nexthops": b((e, v) => (e.cache.nexthops = v)),
  "reactor.speed": (e, v, n) => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new EnvironmentError(n, `expects a positive number, got '${v}'`);
    e.reactor.speed = x;
  },
};
for (const topic of LOG_TOPICS) SETTERS[`log.${topic}`] = b((e, v) => (e.log.topics[topic] = v));

/**
 * "exabgp.tcp.port" / "exabgp_tcp_port" → "tcp.port"; "exabgp_version" → "version"; undefined for
 * variables that are not ExaBGP options. The key part keeps its own underscores (bgp.paths_limit_audit).
 */
export function optionName(variable: string): string | undefined {
  const lower = variable.toLowerCase();
  if (lower === "exabgp_version" || lower === "exabgp.version") return "version";
  if (lower.startsWith("exabgp.")) {
    const rest = lower.slice(7);
    return rest.includes(".") ? rest : undefined;
  }
  if (lower.startsWith("exabgp_")) {
    const rest = lower.slice(7);
    const sep = rest.indexOf("_");
    return sep > 0 ? `${rest.slice(0, sep)}.${rest.slice(sep + 1)}` : undefined;
  }
  return undefined;
}

/** Variable names, underscore spellings first so that the dotted spelling of the same option wins. */
function byPrecedence(vars: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(vars).sort((a, c) => Number(a.includes(".")) - Number(c.includes(".")));
}

/** The value given for one option ("bgp.passive") under either spelling, the dotted one winning. */
export function optionValue(
  vars: Readonly<Record<string, string | undefined>>,
  option: string,
): string | undefined {
  let value: string | undefined;
  for (const variable of byPrecedence(vars)) {
    if (vars[variable] !== undefined && optionName(variable) === option) value = vars[variable];
  }
  return value;
}

/** ExaBGP's boolean spellings; undefined for anything else. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

/** The Environment from process variables (only exabgp.* / exabgp_* are read). Throws EnvironmentError. */
export function parseEnvironment(vars: Readonly<Record<string, string | undefined>>): Environment {
  const env = defaultEnvironment();
  for (const variable of byPrecedence(vars)) {
    const value = vars[variable];
    const option = optionName(variable);
    if (option === undefined || value === undefined) continue;
    if (option === "version") {
      env.version = value;
      continue;
    }
    env.raw[option] = value;
    SETTERS[option]?.(env, value, variable);
  }
  return env;
}
