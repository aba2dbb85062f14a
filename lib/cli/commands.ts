/**
 * The executable's sub-commands, as a table. Each takes its own arguments and resolves to an exit code.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../config/error.ts";
import { type Environment, EnvironmentError, parseEnvironment } from "../config/environment.ts";
import { loadConfig, validateConfig } from "../config/load.ts";
import type { Config } from "../config/model.ts";
import { setupLogging } from "../log.ts";
import { runtime } from "../runtime/mod.ts";
import { Daemon } from "../speaker/daemon.ts";
import { currentUid, defaultSocketPath } from "../api/control.ts";
import { runCli } from "../tools/cli_client.ts";
import { decodeCommand } from "../tools/decode.ts";
import { runDemo } from "./demo.ts";
import { healthcheckCommand } from "../healthcheck/main.ts";
import { VERSION } from "../version.ts";

export type Command = (args: string[]) => Promise<number>;

export const USAGE = `tsbgp ${VERSION} — a BGP speaker for Deno and Bun, compatible with ExaBGP 5.0

usage:
  tsbgp [server|run] [-v] [-d] CONFIGURATION…   start the speaker (ExaBGP or YAML configuration files)
  tsbgp validate [-v] CONFIGURATION…            check configuration files, report FILE:LINE errors
  tsbgp decode [-f "AFI SAFI"] [--update|--open|--nlri] HEX
                                                 print a BGP message as ExaBGP 5.0 JSON
  tsbgp cli [--socket PATH] COMMAND…             send a command to a running speaker, print the answer
  tsbgp healthcheck [--cmd CMD] [--ip IP]… …     ExaBGP's healthcheck helper, run as a speaker process
                                                 (tsbgp healthcheck --help lists its options)
  tsbgp demo                                     two speakers on 127.0.0.1 exchanging routes
  tsbgp version                                  print the version
  tsbgp --help                                   this text

The speaker honours ExaBGP's environment variables (exabgp_tcp_port, exabgp_tcp_bind,
exabgp_tcp_connections, exabgp_bgp_passive, exabgp_log_level, exabgp_version, …).
Signals: SIGTERM, SIGHUP and SIGINT stop the speaker; SIGUSR1 reloads (sessions of unchanged neighbors
stay up), SIGUSR2 reloads fully, SIGALRM restarts every session.`;

function readEnvironment(): Environment {
  return parseEnvironment(runtime.envAll());
}

/** Loads and checks the configuration; prints FILE:LINE problems and returns undefined when it is bad. */
async function loadChecked(files: string[]): Promise<Config | undefined> {
  try {
    const config = await loadConfig(files, runtime.envAll(), (p) => runtime.readTextFile(p));
    const problems = validateConfig(config);
    for (const p of problems) console.error(p);
    return problems.length === 0 ? config : undefined;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof EnvironmentError) console.error(e.message);
    else if ((e as { code?: string }).code === "ENOENT" || (e as Error).name === "NotFound") {
      console.error(`${(e as Error).message}`);
    } else console.error(`configuration error: ${(e as Error).message ?? e}`);
    return undefined;
  }
}

const server: Command = async (args) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { verbose: { type: "boolean", short: "v" }, debug: { type: "boolean", short: "d" } },
  });
  if (positionals.length === 0) {
    console.error("tsbgp: no configuration file given (see tsbgp --help)");
    return 1;
  }
  let env: Environment;
  try {
    env = readEnvironment();
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
  setupLogging({ level: values.debug || values.verbose ? "debug" : env.log.level });
  // ExaBGP runs the first file; the others are the rotation used by reload.
  const config = await loadChecked([positionals[0]]);
  if (!config) return 1;
  return await runSpeaker(positionals, config, env);
};

/** Runs the speaker, its helpers and its control socket until a stop signal. */
export async function runSpeaker(files: string[], config: Config, env: Environment): Promise<number> {
  for (const w of config.warnings) console.error(`warning: ${w}`);
  const daemon = new Daemon(config, {
    files,
    env,
    load: async (file) => {
      const next = await loadConfig([file], runtime.envAll(), (p) => runtime.readTextFile(p));
      const problems = validateConfig(next);
      if (problems.length > 0) throw new Error(problems.join("; "));
      return next;
    },
    socketPath: socketPath(env),
  });
  return await daemon.run();
}

/** `exabgp_api_socketpath`, else the per-user default; `exabgp_api_cli=false` disables the socket. */
function socketPath(env: Environment): string | undefined {
  if (!env.api.cli) return undefined;
  return defaultSocketPath(runtime.envAll(), currentUid());
}

const validate: Command = async (args) => {
  const { positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      verbose: { type: "boolean", short: "v" },
      neighbor: { type: "boolean", short: "n" },
      route: { type: "boolean", short: "r" },
    },
  });
  if (positionals.length === 0) {
    console.error("usage: tsbgp validate CONFIGURATION…");
    return 2;
  }
  let failed = 0;
  for (const file of positionals) {
    const config = await loadChecked([file]);
    if (!config) {
      failed++;
      continue;
    }
    for (const w of config.warnings) console.error(`warning: ${w}`);
    const routes = config.neighbors.reduce((n, nb) => n + nb.routes.length, 0);
    console.log(`${file}: ok (${config.neighbors.length} neighbor(s), ${routes} route(s), ${config.processes.length} process(es))`);
  }
  return failed === 0 ? 0 : 1;
};

const decode: Command = (args) => {
  const r = decodeCommand(args);
  (r.exitCode === 0 ? console.log : console.error)(r.output);
  return Promise.resolve(r.exitCode);
};

const version: Command = () => {
  console.log(`tsbgp ${VERSION} (ExaBGP 5.0 compatible) on ${runtime.name} ${runtime.version}`);
  return Promise.resolve(0);
};

export const COMMANDS: Record<string, Command> = {
  server,
  run: server,
  validate,
  decode,
  version,
  demo: () => runDemo(),
  healthcheck: healthcheckCommand,
  cli: (args) => runCli(args, { write: (l) => console.log(l), writeError: (l) => console.error(l), env: runtime.envAll() }),
};
