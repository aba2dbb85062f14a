/**
 * Scenario 4, timers under load: the longest time between two KEEPALIVEs (or from the last one before the
 * transfer, or to its end) that the raw peer saw from the speaker during API → wire and Wire → JSON. With a
 * hold time of 9 s a KEEPALIVE is due every 3 s; "on time" allows 1 s of lateness. BIRD: its KEEPALIVEs
 * while sending its static table and while receiving the raw sender's table.
 */
import { API_FORMS } from "../api_commands.ts";
import { KEEPALIVE_INTERVAL_S, KEEPALIVE_SLACK_S } from "../limits.ts";
import { cell, type RunSpec, type Scenario, sizeLabel } from "../plan.ts";
import { fmt, type Row } from "../report.ts";
import { isSpeaker } from "../targets.ts";

const ON_TIME = {
  text: `≤ ${KEEPALIVE_INTERVAL_S + KEEPALIVE_SLACK_S} s`,
  met: (v: number) => v <= KEEPALIVE_INTERVAL_S + KEEPALIVE_SLACK_S,
};

export const timers: Scenario = {
  name: "timers",
  needs: (o) => {
    const size = Math.max(...o.apiSizes);
    const specs: RunSpec[] = o.targets.filter(isSpeaker).flatMap((target) => [
      { kind: "api-to-wire" as const, target, form: "batched" as const, receiver: "raw" as const, size },
      { kind: "wire-to-json" as const, target, sender: "raw" as const, size: o.tableSize },
    ]);
    if (o.targets.includes("bird")) {
      specs.push({ kind: "api-to-wire", target: "bird", form: "static", receiver: "raw", size });
      specs.push({ kind: "wire-to-json", target: "bird", sender: "raw", size: o.tableSize });
    }
    return specs;
  },
  section: (runs, o) => {
    const rows: Row[] = [];
    for (const size of o.apiSizes) {
      for (const form of API_FORMS) {
        const values: Row["values"] = {};
        for (const target of o.targets.filter(isSpeaker)) {
          values[target] = cell(
            runs.get({ kind: "api-to-wire", target, form, receiver: "raw", size }),
            (r) => r.longestKeepaliveGapSeconds,
          );
        }
        if (Object.values(values).every((v) => v === undefined)) continue; // that form was not run
        values.bird = cell(
          runs.get({ kind: "api-to-wire", target: "bird", form: "static", receiver: "raw", size }),
          (r) => r.longestKeepaliveGapSeconds,
        );
        rows.push({
          label: `API → wire ${form} ${sizeLabel(size)}`,
          values,
          format: fmt.fixed(2),
          goal: ON_TIME,
        });
      }
    }
    const values: Row["values"] = {};
    for (const target of o.targets) {
      values[target] = cell(
        runs.get({ kind: "wire-to-json", target, sender: "raw", size: o.tableSize }),
        (r) => r.longestKeepaliveGapSeconds,
      );
    }
    rows.push({
      label: `Wire → JSON ${sizeLabel(o.tableSize)}`,
      values,
      format: fmt.fixed(2),
      goal: ON_TIME,
    });
    return {
      title: "4. Timers under load (longest gap between KEEPALIVEs the peer saw, s)",
      note:
        `Hold time 9 s: a KEEPALIVE is due every ${KEEPALIVE_INTERVAL_S} s. Measured at the raw peer over the ` +
        "transfer (from the last KEEPALIVE before it to the end).",
      rows,
    };
  },
};
