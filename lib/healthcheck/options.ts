/**
 * `tsbgp healthcheck` arguments, with the names, short forms and defaults of ExaBGP 5.0's healthcheck
 * helper (application/healthcheck.py, an argparse parser): `--opt value` and `--opt=value`, unique
 * prefixes of long names (argparse's abbreviations), repeatable options that append, and `--config FILE`
 * whose lines are long option names without the dashes (`name = value` or a bare flag, `#` comments),
 * read first so that the command line can override them. Errors name the option, where it came from (the
 * command line or FILE:LINE) and what was expected.
 */
import { type Network, networkText, parseAddress, parseNetwork, sameNetwork } from "./network.ts";

export interface HealthcheckOptions {
  // general
  readonly silent: boolean;
  readonly syslogFacility: string;
  readonly noSyslog: boolean;
  readonly debug: boolean;
  readonly noAck: boolean;
  readonly sudo: boolean;
  readonly name?: string;
  readonly config?: string;
  readonly pid?: string;
  readonly user?: string;
  readonly group?: string;
  // checking healthiness
  /** Seconds between checks in a stable state; 0 exits after the first announcement. */
  readonly interval: number;
  /** Seconds between checks while RISING or FALLING (`--fast-interval`). */
  readonly fast: number;
  /** Seconds the check may run (0: no limit). */
  readonly timeout: number;
  readonly rise: number;
  readonly fall: number;
  readonly disable?: string;
  readonly command?: string;
  // advertising
  readonly nextHop?: string;
  readonly ips: readonly Network[];
  /** `--ip-ifname IP%IFNAME`: the interface an address is set up on (default the loopback). */
  readonly ipIfnames: ReadonlyMap<string, string>;
  /** -1: no local-preference attribute. */
  readonly localPreference: number;
  readonly deaggregateNetworks: boolean;
  readonly ipSetup: boolean;
  readonly ipDynamic: boolean;
  readonly label?: string;
  readonly labelExactMatch: boolean;
  readonly startIp: number;
  readonly upMetric: number;
  readonly downMetric: number;
  readonly disabledMetric: number;
  readonly increase: number;
  readonly community?: string;
  readonly extendedCommunity?: string;
  readonly largeCommunity?: string;
  readonly disabledCommunity?: string;
  readonly asPath?: string;
  readonly upAsPath?: string;
  readonly downAsPath?: string;
  readonly disabledAsPath?: string;
  readonly withdrawOnDown: boolean;
  readonly pathId?: number;
  readonly neighbors: readonly string[];
  readonly debounce: boolean;
  // reporting
  readonly execute: readonly string[];
  readonly upExecute: readonly string[];
  readonly downExecute: readonly string[];
  readonly disabledExecute: readonly string[];
}

export type ParsedArgs =
  | { readonly kind: "help" }
  | { readonly kind: "options"; readonly options: HealthcheckOptions };

export class HealthcheckOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HealthcheckOptionError";
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends ReadonlyArray<infer E> ? E[] : T[K] };
type Draft = Mutable<Omit<HealthcheckOptions, "ipIfnames">> & { ipIfnameArgs: string[] };

export const DEFAULTS: HealthcheckOptions = {
  silent: false,
  syslogFacility: "daemon",
  noSyslog: false,
  debug: false,
  noAck: false,
  sudo: false,
  interval: 5,
  fast: 1,
  timeout: 5,
  rise: 3,
  fall: 3,
  ips: [],
  ipIfnames: new Map(),
  localPreference: -1,
  deaggregateNetworks: false,
  ipSetup: true,
  ipDynamic: false,
  labelExactMatch: false,
  startIp: 0,
  upMetric: 100,
  downMetric: 1000,
  disabledMetric: 500,
  increase: 1,
  withdrawOnDown: false,
  neighbors: [],
  debounce: false,
  execute: [],
  upExecute: [],
  downExecute: [],
  disabledExecute: [],
};

// ---------------------------------------------------------------------------------------------------------
// Value conversions (argparse `type=`): each throws an Error saying what was expected.

function int(text: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new Error(`expected an integer, got '${text}'`);
  return Number(text);
}

function seconds(text: string): number {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) {
    throw new Error(`expected a number of seconds, got '${text}'`);
  }
  const v = Number(t);
  if (v < 0) throw new Error(`expected a number of seconds ≥ 0, got '${text}'`);
  return v;
}

function wholeSeconds(text: string): number {
  const v = int(text);
  if (v < 0) throw new Error(`expected a number of seconds ≥ 0, got '${text}'`);
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// The option table, in ExaBGP's groups and order (the usage text is built from it). An option with a
// metavar takes a value, converted by `convert` (default: the text); one without is a flag that sets `key`
// to `flag` (default true). A value for an array key is appended (repeatable option).

type Group = "general" | "checking healthiness" | "advertising options" | "reporting";

interface OptionSpec {
  /** Long name first, then aliases and short forms. */
  readonly names: readonly string[];
  readonly key: keyof Draft;
  readonly metavar?: string;
  readonly convert?: (text: string) => unknown;
  readonly flag?: boolean;
  /** The value may be left out (the next argument is then not taken). */
  readonly optional?: boolean;
  /** Mutually exclusive set (argparse group), if any. */
  readonly exclusive?: "logging";
  readonly help: string;
}

const GROUPS: Readonly<Record<Group, readonly OptionSpec[]>> = {
  general: [
    {
      names: ["--silent", "-s"],
      key: "silent",
      exclusive: "logging",
      help: "don't log to the console (stderr)",
    },
    {
      names: ["--syslog-facility", "-sF"],
      key: "syslogFacility",
      metavar: "FACILITY",
      optional: true,
      convert: (v) => v || "daemon",
      exclusive: "logging",
      help: "accepted for compatibility: tsbgp logs to stderr only (the speaker logs it)",
    },
    {
      names: ["--no-syslog"],
      key: "noSyslog",
      exclusive: "logging",
      help: "accepted for compatibility (no syslog)",
    },
    { names: ["--debug", "-d"], key: "debug", help: "enable debugging" },
    {
      names: ["--no-ack", "-a"],
      key: "noAck",
      help: "don't wait for done/error after each line (api.ack false)",
    },
    { names: ["--sudo"], key: "sudo", help: "use sudo to set up ip addresses" },
    { names: ["--name", "-n"], key: "name", metavar: "NAME", help: "name for this healthchecker" },
    { names: ["--config", "-F"], key: "config", metavar: "FILE", help: "read configuration from a file" },
    { names: ["--pid", "-p"], key: "pid", metavar: "FILE", help: "write PID to the provided file" },
    { names: ["--user"], key: "user", metavar: "USER", help: "set user after setting ip addresses" },
    { names: ["--group"], key: "group", metavar: "GROUP", help: "set group after setting ip addresses" },
  ],
  "checking healthiness": [
    {
      names: ["--interval", "-i"],
      key: "interval",
      metavar: "N",
      convert: seconds,
      help: "wait N seconds between each healthcheck (default 5; 0: exit after the first announcement)",
    },
    {
      names: ["--fast-interval", "-f"],
      key: "fast",
      metavar: "N",
      convert: seconds,
      help: "wait N seconds between checks while a state change is about to occur (default 1)",
    },
    {
      names: ["--timeout", "-t"],
      key: "timeout",
      metavar: "N",
      convert: wholeSeconds,
      help: "wait N seconds for the check command to execute (default 5; 0: no limit)",
    },
    {
      names: ["--rise"],
      key: "rise",
      metavar: "N",
      convert: int,
      help: "check N times before considering the service up (default 3)",
    },
    {
      names: ["--fall"],
      key: "fall",
      metavar: "N",
      convert: int,
      help: "check N times before considering it down (default 3)",
    },
    {
      names: ["--disable"],
      key: "disable",
      metavar: "FILE",
      help: "if FILE exists, the service is considered disabled",
    },
    {
      names: ["--command", "--cmd", "-c"],
      key: "command",
      metavar: "CMD",
      help: "command to use for healthcheck (/bin/sh)",
    },
  ],
  "advertising options": [
    {
      names: ["--next-hop", "-N"],
      key: "nextHop",
      metavar: "IP",
      convert: parseAddress,
      help: "next hop (default self)",
    },
    {
      names: ["--ip"],
      key: "ips",
      metavar: "IP",
      convert: parseNetwork,
      help: "advertise this IP address or network",
    },
    {
      names: ["--ip-ifname"],
      key: "ipIfnameArgs",
      metavar: "IP%IFNAME",
      help: "set up this --ip on IFNAME, not lo",
    },
    {
      names: ["--local-preference"],
      key: "localPreference",
      metavar: "P",
      convert: int,
      help: "local preference P",
    },
    {
      names: ["--deaggregate-networks"],
      key: "deaggregateNetworks",
      help: "announce every address of each --ip",
    },
    { names: ["--no-ip-setup"], key: "ipSetup", flag: false, help: "don't set up missing IP addresses" },
    {
      names: ["--dynamic-ip-setup"],
      key: "ipDynamic",
      help: "remove the addresses when down or disabled, restore when up",
    },
    {
      names: ["--label"],
      key: "label",
      metavar: "LABEL",
      help: "use the label to match set-up ip addresses",
    },
    {
      names: ["--label-exact-match"],
      key: "labelExactMatch",
      help: "match the label exactly, not as a prefix",
    },
    {
      names: ["--start-ip"],
      key: "startIp",
      metavar: "N",
      convert: int,
      help: "index of the first IP in the list",
    },
    {
      names: ["--up-metric"],
      key: "upMetric",
      metavar: "M",
      convert: int,
      help: "first IP's MED when up (default 100)",
    },
    {
      names: ["--down-metric"],
      key: "downMetric",
      metavar: "M",
      convert: int,
      help: "first IP's MED when down (default 1000)",
    },
    {
      names: ["--disabled-metric"],
      key: "disabledMetric",
      metavar: "M",
      convert: int,
      help: "MED when disabled (default 500)",
    },
    {
      names: ["--increase"],
      key: "increase",
      metavar: "M",
      convert: int,
      help: "add M to the MED per next IP (default 1)",
    },
    { names: ["--community"], key: "community", metavar: "COMMUNITY", help: "announce with the community" },
    {
      names: ["--extended-community"],
      key: "extendedCommunity",
      metavar: "EXTENDEDCOMMUNITY",
      help: "the extended community",
    },
    {
      names: ["--large-community"],
      key: "largeCommunity",
      metavar: "LARGECOMMUNITY",
      help: "with the large community",
    },
    {
      names: ["--disabled-community"],
      key: "disabledCommunity",
      metavar: "COMMUNITY",
      help: "the community when down/disabled",
    },
    {
      names: ["--as-path"],
      key: "asPath",
      metavar: "ASPATH",
      help: "announce IPs with the supplied as-path",
    },
    {
      names: ["--up-as-path"],
      key: "upAsPath",
      metavar: "ASPATH",
      help: "the as-path when the service is up",
    },
    {
      names: ["--down-as-path"],
      key: "downAsPath",
      metavar: "ASPATH",
      help: "the as-path when the service is down",
    },
    {
      names: ["--disabled-as-path"],
      key: "disabledAsPath",
      metavar: "ASPATH",
      help: "the as-path when disabled",
    },
    {
      names: ["--withdraw-on-down"],
      key: "withdrawOnDown",
      help: "withdraw the routes when down instead of raising the MED",
    },
    {
      names: ["--path-id"],
      key: "pathId",
      metavar: "PATHID",
      convert: int,
      help: "path ID to advertise for the routes",
    },
    {
      names: ["--neighbor"],
      key: "neighbors",
      metavar: "NEIGHBOR",
      convert: parseAddress,
      help: "only to this neighbor",
    },
    { names: ["--debounce"], key: "debounce", help: "announce only on state changes, not on every check" },
  ],
  reporting: [
    { names: ["--execute"], key: "execute", metavar: "CMD", help: "execute CMD on state change (env STATE)" },
    {
      names: ["--up-execute"],
      key: "upExecute",
      metavar: "CMD",
      help: "execute CMD when the service becomes up",
    },
    {
      names: ["--down-execute"],
      key: "downExecute",
      metavar: "CMD",
      help: "execute CMD when the service becomes down",
    },
    {
      names: ["--disabled-execute"],
      key: "disabledExecute",
      metavar: "CMD",
      help: "execute CMD when it is disabled",
    },
  ],
};

const OPTIONS: readonly OptionSpec[] = Object.values(GROUPS).flat();

const takesValue = (s: OptionSpec) => s.metavar !== undefined;

/** Sets (or, for a repeatable option, appends) the option's value. */
function apply(o: Draft, spec: OptionSpec, text: string): void {
  const value = takesValue(spec) ? (spec.convert ? spec.convert(text) : text) : (spec.flag ?? true);
  const target = o as unknown as Record<string, unknown>;
  const current = target[spec.key];
  if (Array.isArray(current)) current.push(value);
  else target[spec.key] = value;
}

const HELP_NAMES = new Set(["--help", "-h"]);

const BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.flatMap((s) => s.names.map((n) => [n, s] as const)),
);
const LONG_NAMES: readonly string[] = OPTIONS.flatMap((s) => s.names.filter((n) => n.startsWith("--")));

// ---------------------------------------------------------------------------------------------------------
// Arguments with their origin (for error messages).

interface Arg {
  readonly text: string;
  /** "" (the command line) or "FILE:LINE: ", the prefix of error messages. */
  readonly origin: string;
  /** A value from a configuration line: always the option's value, even when it starts with "-". */
  readonly attached?: boolean;
}

/**
 * The arguments a `--config` file stands for: each non-empty line not starting with `#` becomes
 * `--<left>` and, when it has `= value`, the value (both trimmed), as ExaBGP builds its argument list.
 */
export function configFileArgs(text: string, file: string): Arg[] {
  const out: Arg[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const origin = `${file}:${i + 1}: `;
    const eq = line.indexOf("=");
    if (eq < 0) out.push({ text: `--${line}`, origin });
    else {
      out.push({ text: `--${line.slice(0, eq).trim()}`, origin });
      out.push({ text: line.slice(eq + 1).trim(), origin, attached: true });
    }
  });
  return out;
}

const isNegativeNumber = (s: string) => /^-(\d+\.?\d*|\.\d+)$/.test(s);

/** The option a long name (or a unique prefix of one) or a short name stands for. */
function lookup(name: string, origin: string): OptionSpec | "help" {
  if (HELP_NAMES.has(name)) return "help";
  const exact = BY_NAME.get(name);
  if (exact) return exact;
  if (name.startsWith("--") && name.length > 2) {
    const matches = LONG_NAMES.filter((n) => n.startsWith(name));
    const specs = new Set(matches.map((n) => BY_NAME.get(n)!));
    if (specs.size === 1) return [...specs][0];
    if (specs.size > 1) {
      throw new HealthcheckOptionError(
        `${origin}ambiguous option ${name}, could match ${matches.join(", ")}`,
      );
    }
  }
  throw new HealthcheckOptionError(`${origin}unknown option '${name}' (see tsbgp healthcheck --help)`);
}

/** Applies `args` to `o`; returns "help" when asked for it, else the list of given option specs. */
function applyArgs(o: Draft, args: readonly Arg[], skipConfig: boolean): "help" | OptionSpec[] {
  const given: OptionSpec[] = [];
  for (let i = 0; i < args.length; i++) {
    const { text, origin } = args[i];
    if (!text.startsWith("-") || text === "-" || isNegativeNumber(text)) {
      throw new HealthcheckOptionError(`${origin}unexpected argument '${text}' (options start with --)`);
    }
    let name = text;
    let inline: string | undefined;
    const eq = text.indexOf("=");
    if (text.startsWith("--") && eq > 0) [name, inline] = [text.slice(0, eq), text.slice(eq + 1)];
    let spec: OptionSpec | "help";
    if (
      !text.startsWith("--") && !BY_NAME.has(text) && !HELP_NAMES.has(text) && BY_NAME.has(text.slice(0, 2))
    ) {
      // -i5: a short option with its value attached
      [spec, inline] = [BY_NAME.get(text.slice(0, 2))!, text.slice(2)];
      if (!takesValue(spec)) throw new HealthcheckOptionError(`${origin}unknown option '${text}'`);
    } else spec = lookup(name, origin);
    if (spec === "help") return "help";
    const label = spec.names[0];
    let v: string;
    if (!takesValue(spec)) {
      if (inline !== undefined) {
        throw new HealthcheckOptionError(`${origin}option ${label} takes no value, got '${inline}'`);
      }
      const next = args[i + 1];
      if (next?.attached) {
        throw new HealthcheckOptionError(`${next.origin}option ${label} takes no value, got '${next.text}'`);
      }
      v = "";
    } else if (inline !== undefined) v = inline;
    else {
      const next = args[i + 1];
      const usable = next !== undefined &&
        (next.attached || !next.text.startsWith("-") || next.text === "-" || isNegativeNumber(next.text));
      if (usable) {
        v = next.text;
        i++;
      } else if (spec.optional) v = "";
      else {
        throw new HealthcheckOptionError(
          `${origin}option ${label} expects ${spec.metavar ?? "a value"}, got ${
            next ? `'${next.text}'` : "nothing"
          }`,
        );
      }
    }
    if (skipConfig && spec.names[0] === "--config") continue;
    try {
      apply(o, spec, v);
    } catch (e) {
      throw new HealthcheckOptionError(`${origin}option ${label}: ${(e as Error).message}`);
    }
    given.push(spec);
  }
  return given;
}

function draft(): Draft {
  const d = DEFAULTS;
  return {
    ...d,
    ips: [],
    ipIfnameArgs: [],
    neighbors: [],
    execute: [],
    upExecute: [],
    downExecute: [],
    disabledExecute: [],
  };
}

const IFNAME_RE = /^[a-zA-Z0-9._:-]{1,15}$/;

/** `--ip-ifname IP%IFNAME` pairs: the IP must be one of the `--ip` networks, the name a valid interface. */
function ipIfnames(args: readonly string[], ips: readonly Network[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const parts = a.split("%");
    if (parts.length !== 2) {
      throw new HealthcheckOptionError(`option --ip-ifname expects <ip>%<ifname>, got '${a}'`);
    }
    let n: Network;
    try {
      n = parseNetwork(parts[0]);
    } catch (e) {
      throw new HealthcheckOptionError(`option --ip-ifname: ${(e as Error).message}`);
    }
    if (!ips.some((ip) => sameNetwork(ip, n))) {
      throw new HealthcheckOptionError(`option --ip-ifname: no --ip ${networkText(n)} is given for '${a}'`);
    }
    if (!IFNAME_RE.test(parts[1])) {
      throw new HealthcheckOptionError(`option --ip-ifname: expected an interface name, got '${parts[1]}'`);
    }
    out.set(networkText(n), parts[1]);
  }
  return out;
}

/** Checks what needs every option seen (argparse's mutually exclusive group, `--ip-ifname` against `--ip`). */
function finish(d: Draft, given: readonly OptionSpec[]): HealthcheckOptions {
  const logging = [...new Set(given.filter((s) => s.exclusive === "logging").map((s) => s.names[0]))];
  if (logging.length > 1) {
    throw new HealthcheckOptionError(`option ${logging[1]} is not allowed with ${logging[0]}`);
  }
  const { ipIfnameArgs, ...rest } = d;
  return { ...rest, ipIfnames: ipIfnames(ipIfnameArgs, d.ips) };
}

/**
 * Parses `tsbgp healthcheck` arguments. `readFile` reads a `--config` file (synchronously); its lines
 * come before the command line, so single-valued options on the command line win and repeatable ones add.
 */
export function parseHealthcheckArgs(
  argv: readonly string[],
  readFile: (path: string) => string,
): ParsedArgs {
  const cli: Arg[] = argv.map((text) => ({ text, origin: "" }));
  const first = draft();
  const given = applyArgs(first, cli, false);
  if (given === "help") return { kind: "help" };
  if (first.config === undefined) return { kind: "options", options: finish(first, given) };
  let text: string;
  try {
    text = readFile(first.config);
  } catch (e) {
    throw new HealthcheckOptionError(
      `option --config: cannot read '${first.config}': ${(e as Error).message}`,
    );
  }
  const again = draft();
  again.config = first.config;
  const all = applyArgs(again, [...configFileArgs(text, first.config), ...cli], true);
  if (all === "help") return { kind: "help" };
  return { kind: "options", options: finish(again, all) };
}

/** The `--help` text, from the option table. */
export function healthcheckUsage(): string {
  const lines = [
    "usage: tsbgp healthcheck [OPTIONS]",
    "",
    "ExaBGP 5.0's healthcheck helper, to run as a process of the speaker:",
    '  process hc { run tsbgp healthcheck --cmd "curl -sf http://127.0.0.1/" --ip 192.0.2.1; encoder text; }',
    "It runs the check every --interval seconds and writes announce/withdraw lines for the --ip addresses",
    "(states INIT, RISING, UP, FALLING, DOWN, DISABLED; EXIT withdraws them on SIGTERM). It ends when its",
    "standard input closes (the speaker stopped). A --config FILE holds long option names without the",
    "dashes, one per line: `interval = 10`, `withdraw-on-down`.",
  ];
  for (const [group, specs] of Object.entries(GROUPS)) {
    lines.push("", `${group}:`);
    for (const s of specs) {
      const meta = !takesValue(s) ? "" : s.optional ? ` [${s.metavar}]` : ` ${s.metavar}`;
      const head = `  ${s.names.join(", ")}${meta}`;
      lines.push(head.length < 34 ? `${head.padEnd(34)}${s.help}` : `${head}\n${" ".repeat(34)}${s.help}`);
    }
  }
  return lines.join("\n");
}
