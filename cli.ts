/**
 * The tsbgp executable. ExaBGP style: configuration files as arguments start the speaker; sub-commands
 * give the tools. `bun build --compile` turns this file into dist/tsbgp with everything inside.
 */
import { runtime } from "./lib/runtime/mod.ts";
import { COMMANDS, USAGE } from "./lib/cli/commands.ts";

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    console.log(USAGE);
    return first === undefined ? 1 : 0;
  }
  const command = COMMANDS[first];
  // ExaBGP compatibility: a first argument that is not a sub-command is a configuration file.
  if (command === undefined) return await COMMANDS.server(argv);
  return await command(rest);
}

// No top-level await: `bun build --compile --bytecode` emits CommonJS.
void main(runtime.args()).then((code) => runtime.exit(code), (e) => {
  console.error(`tsbgp: ${e instanceof Error ? e.stack ?? e.message : e}`);
  runtime.exit(70);
});
