/**
 * Scenario 3, memory: the speaker's RSS holding N routes in its Adj-RIB-Out (after API → wire, batched, raw
 * peer) and N in its Adj-RIB-In (after Wire → JSON, raw sender), read 2 s after the transfer; bytes per
 * route = (RSS then − RSS with the session up and no routes) / N. The process only: helpers not counted.
 * BIRD: its RSS after receiving the same table into its routing table.
 */
import { cell, type RunSpec, type Scenario, sizeLabel } from "../plan.ts";
import { fmt, type Row } from "../report.ts";
import type { ProcessFigures } from "../results.ts";
import { isSpeaker } from "../targets.ts";

const perRoute = (n: number) => (r: ProcessFigures) =>
  r.rssAfterKiB !== undefined && r.rssBaseKiB !== undefined
    ? (r.rssAfterKiB - r.rssBaseKiB) * 1024 / n
    : undefined;

const BYTES_GOAL = { text: "≤ 150 B", met: (v: number) => v <= 150 };

export const memory: Scenario = {
  name: "memory",
  needs: (o) => {
    const size = o.tableSize;
    const specs: RunSpec[] = o.targets.filter(isSpeaker).flatMap((target) => [
      { kind: "api-to-wire" as const, target, form: "batched" as const, receiver: "raw" as const, size },
      { kind: "wire-to-json" as const, target, sender: "raw" as const, size },
    ]);
    if (o.targets.includes("bird")) specs.push({ kind: "wire-to-json", target: "bird", sender: "raw", size });
    return specs;
  },
  section: (runs, o) => {
    const n = o.tableSize;
    const out = (pick: (r: ProcessFigures) => number | undefined): Row["values"] => {
      const values: Row["values"] = {};
      for (const target of o.targets.filter(isSpeaker)) {
        values[target] = cell(
          runs.get({ kind: "api-to-wire", target, form: "batched", receiver: "raw", size: n }),
          pick,
        );
      }
      return values;
    };
    const inn = (pick: (r: ProcessFigures) => number | undefined): Row["values"] => {
      const values: Row["values"] = {};
      for (const target of o.targets) {
        values[target] = cell(runs.get({ kind: "wire-to-json", target, sender: "raw", size: n }), pick);
      }
      return values;
    };
    const label = sizeLabel(n);
    return {
      title: "3. Memory (RSS of the speaker process)",
      note:
        `RSS 2 s after the transfer; bytes/route = (that − RSS with the session up, no routes) / ${label}. ` +
        "Adj-RIB-Out: after API → wire batched; Adj-RIB-In: after Wire → JSON (raw sender).\n" +
        "BIRD: after receiving the same table into its routing table (it keeps no Adj-RIB-Out).",
      rows: [
        {
          label: `Adj-RIB-Out ${label}: bytes/route`,
          values: out(perRoute(n)),
          format: fmt.int,
          goal: BYTES_GOAL,
        },
        { label: `Adj-RIB-Out ${label}: RSS held (MiB)`, values: out((r) => r.rssAfterKiB), format: fmt.mib },
        { label: `Adj-RIB-Out ${label}: RSS peak (MiB)`, values: out((r) => r.rssPeakKiB), format: fmt.mib },
        {
          label: `Adj-RIB-In ${label}: bytes/route`,
          values: inn(perRoute(n)),
          format: fmt.int,
          goal: BYTES_GOAL,
        },
        { label: `Adj-RIB-In ${label}: RSS held (MiB)`, values: inn((r) => r.rssAfterKiB), format: fmt.mib },
        { label: `Adj-RIB-In ${label}: RSS peak (MiB)`, values: inn((r) => r.rssPeakKiB), format: fmt.mib },
        { label: "RSS before the routes (MiB)", values: inn((r) => r.rssBaseKiB), format: fmt.mib },
      ],
    };
  },
};
