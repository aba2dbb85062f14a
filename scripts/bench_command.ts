/**
 * Throughput of the API command parser: `announce route P next-hop N`, one per line, and
 * `announce attributes … nlri` with 1000 prefixes. Prints lines/s (and prefixes/s) on the runtime it runs on:
 *   ./node_modules/.bin/bun scripts/bench_command.ts
 *   ./node_modules/.bin/deno run -A scripts/bench_command.ts
 */
import { parseCommand } from "../lib/api/command.ts";

const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
const N = 500_000;
const lines: string[] = new Array(N);
for (let i = 0; i < N; i++) {
  lines[i] = `announce route ${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24 next-hop 192.0.2.${
    1 + (i % 250)
  }`;
}

function run(label: string, input: readonly string[], perLine = 1): void {
  let routes = 0;
  const start = performance.now();
  for (const line of input) {
    const c = parseCommand(line);
    if (c.kind === "announce-route") routes += c.routes.length;
  }
  const seconds = (performance.now() - start) / 1000;
  const rate = Math.round(input.length / seconds);
  const extra = perLine > 1 ? `, ${Math.round(routes / seconds)} prefixes/s` : "";
  console.log(
    `${runtime} ${label}: ${input.length} lines in ${seconds.toFixed(3)}s = ${rate} lines/s${extra}`,
  );
}

run("warm-up", lines.slice(0, 50_000));
run("announce route P next-hop N", lines);

const nlri = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join(" ");
const bulk = Array.from(
  { length: 500 },
  () => `announce attributes next-hop 192.0.2.1 med 100 community [ 65000:1 ] nlri ${nlri}`,
);
run("announce attributes … nlri ×1000", bulk, 1000);
