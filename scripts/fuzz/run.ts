/**
 * The fuzz loop: case i of a run is derived from (seed, i) only — a seed message from the corpus (the
 * suite's messages and the generated UPDATEs, or one family's UPDATEs), 1–4 stacked mutations, or random
 * bytes — and run through the harness under one of the session contexts. Counts outcomes, times every
 * case (a case over the bound is a hang), samples the RSS, and keeps the first failures for replay.
 */
import process from "node:process";
import { type FamilyKey, familyName } from "../../lib/bgp/family.ts";
import type { CodecContext } from "../../lib/bgp/types.ts";
import { type Seed, suiteSeeds, toHex } from "./corpus.ts";
import { FAMILIES, familySeeds } from "./generated.ts";
import { contexts, runCase } from "./harness.ts";
import { mutate, randomMessage } from "./mutate.ts";
import { caseSeed, Rng } from "./rng.ts";

export interface FuzzOptions {
  readonly dataDir: string;
  readonly cases: number;
  readonly seed: number;
  /** First case index (to replay one case: start = its index, cases = 1). */
  readonly start?: number;
  /** Only this family's UPDATEs (suite and generated), mutated; no random messages. */
  readonly family?: FamilyKey;
  /** Re-encode and build API events for every decoded message (default true). */
  readonly events?: boolean;
  /** A case taking longer than this is reported as a hang. */
  readonly caseMs?: number;
  readonly maxRssMb?: number;
  /** Called every few thousand cases with the number done. */
  readonly progress?: (done: number) => void;
  /** Called with each case's index before it runs (the supervisor's hang watchdog reads it). */
  readonly tick?: (index: number) => void;
  /** Testing the watchdog: case `hangAt` loops forever instead of running. */
  readonly hangAt?: number;
}

export interface Failure {
  readonly index: number;
  readonly source: string;
  readonly ops: readonly string[];
  readonly hex: string;
  readonly failure: string;
}

export interface FuzzSummary {
  readonly family: string;
  readonly seed: number;
  readonly start: number;
  readonly cases: number;
  readonly seeds: number;
  readonly seconds: number;
  readonly casesPerSecond: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failures: readonly Failure[];
  readonly failureCount: number;
  /** Cases over `caseMs`, and the slowest case (its index and time). */
  readonly slow: number;
  readonly maxCaseMs: number;
  readonly slowestCase: number;
  readonly rssMb: { readonly start: number; readonly peak: number; readonly end: number };
  readonly rssLimitMb: number;
  readonly ok: boolean;
}

const KEPT_FAILURES = 20;
const RSS_EVERY = 4096;
/** Share of random messages in a whole-corpus run. */
const RANDOM_SHARE = 0.05;
/** Share of seeds run unmutated, so that every valid shape is also seen as is. */
const PLAIN_SHARE = 0.02;

const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);

/** One case: the message, where it comes from, how it was mutated, the session context it runs under. */
export interface Case {
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly ops: readonly string[];
  readonly ctx: CodecContext;
}

/** Case `index` of a run: a function of (seed, index) and the corpus only. */
export function makeCase(
  seeds: readonly Seed[],
  ctxs: readonly CodecContext[],
  seed: number,
  index: number,
  wholeCorpus: boolean,
): Case {
  const rng = new Rng(caseSeed(seed, index));
  const ctx = rng.pick(ctxs);
  if (wholeCorpus && rng.chance(RANDOM_SHARE)) {
    return { bytes: randomMessage(rng), source: "random", ops: [], ctx };
  }
  const s = rng.pick(seeds);
  if (rng.chance(PLAIN_SHARE)) return { bytes: s.bytes, source: s.source, ops: [], ctx };
  const { bytes, ops } = mutate(s.bytes, rng, () => rng.pick(seeds).bytes);
  return { bytes, source: s.source, ops, ctx };
}

/** The contexts a run draws from. */
export function runContexts(family?: FamilyKey): CodecContext[] {
  return contexts(family === undefined ? FAMILIES : [family]);
}

/** The seeds of a run: everything, or one family's UPDATEs. */
export function corpus(dataDir: string, family?: FamilyKey): Seed[] {
  const suite = suiteSeeds(dataDir);
  const generated = FAMILIES.flatMap((f) => familySeeds(f, suite));
  const all = [...suite, ...generated];
  return family === undefined ? all : all.filter((s) => s.family === family);
}

export function fuzz(o: FuzzOptions): FuzzSummary {
  const seeds = corpus(o.dataDir, o.family);
  if (seeds.length === 0) {
    throw new Error(`no seed for ${o.family === undefined ? "the corpus" : familyName(o.family)}`);
  }
  const ctxs = runContexts(o.family);
  const start = o.start ?? 0;
  const events = o.events ?? true;
  const caseMs = o.caseMs ?? 1000;
  const limit = o.maxRssMb ?? 1024;
  const outcomes: Record<string, number> = {};
  const failures: Failure[] = [];
  let failureCount = 0, slow = 0, maxCaseMs = 0, slowestCase = -1;
  const rss = { start: rssMb(), peak: rssMb(), end: 0 };
  const began = performance.now();
  for (let k = 0; k < o.cases; k++) {
    const index = start + k;
    o.tick?.(index);
    if (index === o.hangAt) { for (;;); }
    const { bytes, source, ops, ctx } = makeCase(seeds, ctxs, o.seed, index, o.family === undefined);
    const t0 = performance.now();
    const r = runCase(bytes, ctx, events);
    const ms = performance.now() - t0;
    if (ms > maxCaseMs) [maxCaseMs, slowestCase] = [ms, index];
    if (ms > caseMs) slow++;
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    if (r.failure !== undefined) {
      failureCount++;
      if (failures.length < KEPT_FAILURES) {
        failures.push({ index, source, ops, hex: toHex(bytes), failure: r.failure });
      }
    }
    if ((k + 1) % RSS_EVERY === 0) {
      rss.peak = Math.max(rss.peak, rssMb());
      o.progress?.(k + 1);
    }
  }
  const seconds = (performance.now() - began) / 1000;
  rss.end = rssMb();
  rss.peak = Math.max(rss.peak, rss.end);
  return {
    family: o.family === undefined ? "all" : familyName(o.family),
    seed: o.seed,
    start,
    cases: o.cases,
    seeds: seeds.length,
    seconds: Math.round(seconds * 100) / 100,
    casesPerSecond: Math.round(o.cases / Math.max(seconds, 1e-6)),
    outcomes,
    failures,
    failureCount,
    slow,
    maxCaseMs: Math.round(maxCaseMs * 100) / 100,
    slowestCase,
    rssMb: rss,
    rssLimitMb: limit,
    ok: failureCount === 0 && slow === 0 && rss.peak <= limit,
  };
}
