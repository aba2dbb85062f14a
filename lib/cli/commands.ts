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
import { Speaker, type SpeakerEvent } from "../speaker/speaker.ts";
import { decodeCommand } from "../tools/decode.ts";
import { runDemo } from "./demo.ts";
import { VERSION } from "../version.ts";

export type Command = (args: string[]) => Promise<number>;

export const USAGE = `tsbgp ${VERSION} — a BGP speaker for Deno and Bun, compatible with ExaBGP 5.0

usage:
  tsbgp [server|run] [-v] [-d] CONFIGURATION…   start the speaker (ExaBGP or YAML configuration files)
  tsbgp validate [-v] CONFIGURATION…            check configuration files, report FILE:LINE errors
  tsbgp decode [-f "AFI SAFI"] [--update|--open|--nlri] HEX
                                                 print a BGP message as ExaBGP 5.0 JSON
  tsbgp demo                                     two speakers on 127.0.0.1 exchanging routes
  tsbgp version                                  print the version
  tsbgp --help                                   this text

The speaker honours ExaBGP's environment variables (exabgp_tcp_port, exabgp_tcp_bind,
exabgp_tcp_connections, exabgp_bgp_passive, exabgp_log_level, exabgp_version, …).
Signals: SIGTERM, SIGHUP and SIGINT stop the speaker.`;

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
  return await runSpeaker(config, env);
};

/** Runs a speaker until a stop signal (or until every peer used up its connection attempts). */
export async function runSpeaker(
  config: Config,
  env: Environment,
  onEvent?: (e: SpeakerEvent) => void,
): Promise<number> {
  for (const w of config.warnings) console.error(`warning: ${w}`);
  let stop!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => (stop = resolve));
  const speaker = new Speaker({ config, env, net: runtime.net, onEvent, onExhausted: () => stop(0) });
  const removers = (["SIGTERM", "SIGHUP", "SIGINT"] as const).map((s) => runtime.onSignal(s, () => stop(0)));
  try {
    await speaker.start();
  } catch (e) {
    console.error(`tsbgp: cannot start: ${(e as Error).message}`);
    await speaker.stop();
    return 1;
  }
  const code = await stopped;
  for (const r of removers) r();
  await speaker.stop();
  return code;
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
};
