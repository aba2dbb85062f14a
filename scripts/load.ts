/**
 * Load (issue #7 item 2): one speaker with many sessions on several loopback addresses, each receiving its
 * own routes from an API helper. Prints sessions established, routes delivered, the longest gap between two
 * KEEPALIVEs, the speaker's peak RSS and CPU time; exits 1 when a session did not come up, a route was not
 * delivered or a keepalive was late (more than its interval + 1 s).
 *
 *   ./node_modules/.bin/bun scripts/load.ts [--sessions 100] [--routes 10000] [--hold 9] [--timeout 120]
 *   ./node_modules/.bin/deno run -A scripts/load.ts …        (the speaker runs on the runtime running this)
 *   TSBGP_BIN=dist/tsbgp ./node_modules/.bin/bun scripts/load.ts …   (the compiled executable)
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { describeLoad, type LoadOptions, runLoad } from "../tests/helpers/load_run.ts";
import { IS_DENO, TSBGP_BIN } from "../tests/helpers/speaker.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    sessions: { type: "string", default: "100" },
    routes: { type: "string", default: "10000" },
    hold: { type: "string", default: "9" },
    timeout: { type: "string", default: "120" },
  },
});
const number = (name: keyof typeof values, min: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: expected an integer ≥ ${min}, got ${values[name]}`);
    process.exit(2);
  }
  return n;
};
const options: LoadOptions = {
  sessions: number("sessions", 1),
  routes: number("routes", 1),
  holdTime: number("hold", 3),
  timeoutMs: number("timeout", 1) * 1000,
  // Long enough for a few keepalives after the flood started.
  minRunMs: 3 * Math.floor(number("hold", 3) / 3) * 1000 + 500,
  log: (line) => console.log(`  ${line}`),
};
const target = TSBGP_BIN ?? (IS_DENO ? "deno" : "bun");
console.log(
  `load: ${options.sessions} sessions × ${options.routes} routes, hold ${options.holdTime} s, speaker on ${target}`,
);
const result = await runLoad(options);
for (const line of describeLoad(options, result)) console.log(line);
const late = result.maxKeepaliveGapMs > result.keepaliveIntervalMs + 1000;
const ok = result.established === options.sessions && result.incomplete.length === 0 && !late &&
  result.resets === 0;
if (!ok) {
  console.log(`FAILED${late ? ": a keepalive was late" : ""}`);
  for (const l of result.incomplete.slice(0, 10)) console.log(`  ${l}`);
  console.log(result.output.split("\n").slice(-20).join("\n"));
}
process.exit(ok ? 0 : 1);
