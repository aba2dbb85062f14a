/**
 * Runs a fuzz run in Web Workers, chunk by chunk, and watches them: each worker stores the index of the
 * case it is running in a shared array; when that index stays the same for `hangMs`, the case is a hang —
 * an endless loop a per-case timer inside the worker could never report. The worker is terminated, the
 * case recorded as a failure with its bytes, the cases of its chunk before it run again in a fresh worker
 * and the run goes on after it. The chunks' summaries are merged into one.
 */
import { familyName } from "../../lib/bgp/family.ts";
import { toHex } from "./corpus.ts";
import { corpus, type Failure, type FuzzOptions, type FuzzSummary, makeCase, runContexts } from "./run.ts";
import type { WorkerRequest } from "./worker.ts";

export interface SuperviseOptions extends Omit<FuzzOptions, "tick"> {
  /** A case still running after this long is a hang. */
  readonly hangMs: number;
  /** Cases per worker (a hang makes at most this many run twice). */
  readonly chunk?: number;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url).href;
const POLL_MS = 100;
const KEPT_FAILURES = 20;

type Outcome = { readonly summary: FuzzSummary } | { readonly hangAt: number };

/** One worker over [start, start + cases): its summary, or the index of the case that hung. */
function runWorker(options: WorkerRequest["options"], hangMs: number): Promise<Outcome> {
  const shared = new SharedArrayBuffer(4);
  const current = new Int32Array(shared);
  Atomics.store(current, 0, -1);
  const worker = new Worker(WORKER_URL, { type: "module" });
  return new Promise((resolve, reject) => {
    let last = -1, since = performance.now();
    const timer = setInterval(() => {
      const now = Atomics.load(current, 0);
      if (now !== last) [last, since] = [now, performance.now()];
      else if (now >= 0 && performance.now() - since > hangMs) finish(() => resolve({ hangAt: now }));
    }, POLL_MS);
    const finish = (settle: () => void) => {
      clearInterval(timer);
      worker.terminate();
      settle();
    };
    worker.onmessage = (e: MessageEvent<{ summary?: FuzzSummary; error?: string }>) =>
      finish(() => (e.data.summary ? resolve({ summary: e.data.summary }) : reject(new Error(e.data.error))));
    worker.onerror = (e) => finish(() => reject(new Error(`fuzz worker: ${e.message}`)));
    worker.postMessage({ options, shared } satisfies WorkerRequest);
  });
}

/** The hung case as a failure, rebuilt from (seed, index) for its bytes and mutations. */
function hangFailure(o: SuperviseOptions, index: number): Failure {
  const c = makeCase(
    corpus(o.dataDir, o.family),
    runContexts(o.family),
    o.seed,
    index,
    o.family === undefined,
  );
  const failure = `hang: no result within ${o.hangMs} ms (the worker was terminated)`;
  return { index, source: c.source, ops: c.ops, hex: toHex(c.bytes), failure };
}

function merge(o: SuperviseOptions, parts: readonly FuzzSummary[], hangs: readonly Failure[], ms: number) {
  const outcomes: Record<string, number> = {};
  for (const p of parts) {
    for (const [k, n] of Object.entries(p.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
  }
  if (hangs.length) outcomes["hang"] = hangs.length;
  const slowest = parts.reduce((a, b) => (b.maxCaseMs > a.maxCaseMs ? b : a), parts[0]);
  const peak = Math.max(...parts.map((p) => p.rssMb.peak));
  const failureCount = hangs.length + parts.reduce((n, p) => n + p.failureCount, 0);
  const slow = parts.reduce((n, p) => n + p.slow, 0);
  const seconds = ms / 1000;
  const summary: FuzzSummary = {
    family: o.family === undefined ? "all" : familyName(o.family),
    seed: o.seed,
    start: o.start ?? 0,
    cases: o.cases,
    seeds: parts[0].seeds,
    seconds: Math.round(seconds * 100) / 100,
    casesPerSecond: Math.round(o.cases / Math.max(seconds, 1e-6)),
    outcomes,
    failures: [...hangs, ...parts.flatMap((p) => p.failures)].slice(0, KEPT_FAILURES),
    failureCount,
    slow,
    maxCaseMs: slowest.maxCaseMs,
    slowestCase: slowest.slowestCase,
    rssMb: { start: parts[0].rssMb.start, peak, end: parts[parts.length - 1].rssMb.end },
    rssLimitMb: parts[0].rssLimitMb,
    ok: failureCount === 0 && slow === 0 && peak <= parts[0].rssLimitMb,
  };
  return summary;
}

/** The whole run, `chunk` cases per worker, hangs detected and stepped over. */
export async function superviseFuzz(o: SuperviseOptions): Promise<FuzzSummary> {
  const { hangMs, chunk = 200_000, progress, ...options } = o;
  const start = o.start ?? 0, end = start + o.cases;
  const parts: FuzzSummary[] = [];
  const hangs: Failure[] = [];
  const began = performance.now();
  for (let from = start; from < end;) {
    const to = Math.min(end, from + chunk);
    const r = await runWorker({ ...options, start: from, cases: to - from }, hangMs);
    if ("summary" in r) {
      parts.push(r.summary);
      from = to;
      progress?.(to - start);
      continue;
    }
    hangs.push(hangFailure(o, r.hangAt));
    // The cases before the hang ran in the terminated worker: run them again (they are deterministic).
    if (r.hangAt > from) {
      const again = await runWorker({ ...options, start: from, cases: r.hangAt - from }, hangMs);
      if ("summary" in again) parts.push(again.summary);
      else hangs.push(hangFailure(o, again.hangAt));
    }
    from = r.hangAt + 1;
  }
  if (parts.length === 0) {
    // Every case hung: an empty part keeps the merged figures defined.
    const empty = await runWorker({ ...options, start: end, cases: 0 }, hangMs);
    if ("summary" in empty) parts.push(empty.summary);
  }
  return merge(o, parts, hangs, performance.now() - began);
}
