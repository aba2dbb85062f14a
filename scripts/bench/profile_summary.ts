/**
 * Where the time goes, from a CPU profile that `npm run bench -- --profile DIR` made (Chrome .cpuprofile
 * format, written by `bun --cpu-prof`): the functions with the most samples, by self time or by total time
 * (self + callees), each named with its file and line, and optionally who calls one of them.
 *
 *   bun scripts/bench/profile_summary.ts FILE.cpuprofile [--total] [--top N] [--callers NAME]
 *
 * The profile covers the speaker's whole life: start-up (a few % on a 100k run) is included.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { total: { type: "boolean" }, top: { type: "string" }, callers: { type: "string" } },
});
if (positionals.length !== 1) {
  console.error("usage: profile_summary.ts FILE.cpuprofile [--total] [--top N] [--callers NAME]");
  process.exit(2);
}

const profile = JSON.parse(readFileSync(positionals[0], "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const hits = new Map<number, number>();
for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);

const root = new URL("../../", import.meta.url).pathname;
function label(id: number): string {
  const f = byId.get(id)!.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\//, "").replace(root, "")}:${f.lineNumber + 1}` : "native";
  return `${f.functionName || "(anonymous)"} ${where}`;
}

function* stack(id: number): Generator<number> {
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) yield at;
}

const self = new Map<string, number>();
const total = new Map<string, number>();
for (const [id, n] of hits) {
  self.set(label(id), (self.get(label(id)) ?? 0) + n);
  const seen = new Set<string>(); // recursion counts once per sample
  for (const at of stack(id)) {
    const l = label(at);
    if (!seen.has(l)) total.set(l, (total.get(l) ?? 0) + n);
    seen.add(l);
  }
}

const samples = profile.samples.length;
const pct = (n: number) => `${(n / samples * 100).toFixed(1).padStart(5)} %`;
const top = Number(values.top ?? 30);
console.log(`${samples} samples; ${values.total ? "total (self + callees)" : "self"} time`);
for (const [l, n] of [...(values.total ? total : self)].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${pct(n)}  ${l}`);
}

if (values.callers) {
  const chains = new Map<string, number>();
  for (const [id, n] of hits) {
    const frames = [...stack(id)];
    const at = frames.findIndex((f) => label(f).startsWith(`${values.callers} `));
    if (at < 0) continue;
    const chain = frames.slice(at + 1, at + 4).map(label).join(" < ");
    chains.set(chain, (chains.get(chain) ?? 0) + n);
  }
  console.log(`\ncallers of ${values.callers}:`);
  for (const [c, n] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${pct(n)}  ${c}`);
}
