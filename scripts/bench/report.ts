/**
 * The printed report: one table per scenario with a column per target, the ratio of tsbgp (the binary,
 * else Bun, else Deno: what ships first) to ExaBGP and to BIRD, the goal from the mission and whether tsbgp
 * meets it. Rendering only; each scenario decides its rows (scenarios/*.ts).
 */
import { TARGET_LABEL, type TargetName } from "./targets.ts";

/** A cell: a figure, or why there is none ("FAIL", "n/a"). */
export type Cell = number | string | undefined;

export interface Goal {
  readonly text: string;
  readonly met: (value: number) => boolean;
}

export interface Row {
  readonly label: string;
  readonly values: Partial<Record<TargetName, Cell>>;
  /** How a figure prints (thousands separators, decimals, unit). */
  readonly format: (value: number) => string;
  readonly goal?: Goal;
}

export interface Section {
  readonly title: string;
  /** How the figures were taken, in a line or two. */
  readonly note: string;
  readonly rows: readonly Row[];
}

const TSBGP_ORDER: readonly TargetName[] = ["binary", "bun", "deno"];

/** The tsbgp figure that stands for the project in ratios and goals. */
export function representative(row: Row): { target: TargetName; value: number } | undefined {
  for (const t of TSBGP_ORDER) {
    const v = row.values[t];
    if (typeof v === "number") return { target: t, value: v };
  }
  return undefined;
}

export function ratio(row: Row, other: TargetName): number | undefined {
  const mine = representative(row);
  const theirs = row.values[other];
  return mine && typeof theirs === "number" && theirs > 0 ? mine.value / theirs : undefined;
}

export const fmt = {
  int: (v: number) => Math.round(v).toLocaleString("en-US"),
  fixed: (digits: number) => (v: number) => v.toFixed(digits),
  mib: (v: number) => (v / 1024).toFixed(1),
} as const;

function ratioText(r: number | undefined): string {
  if (r === undefined) return "";
  return r >= 10 ? `×${Math.round(r)}` : r >= 0.1 ? `×${r.toFixed(2)}` : `×${r.toPrecision(2)}`;
}

function cellText(c: Cell, format: (v: number) => string): string {
  return c === undefined ? "–" : typeof c === "number" ? format(c) : c;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function renderSection(s: Section, targets: readonly TargetName[]): string {
  const header = ["", ...targets.map((t) => TARGET_LABEL[t]), "tsbgp/ExaBGP", "tsbgp/BIRD", "goal", "met"];
  const rows = s.rows.map((row) => {
    const rep = representative(row);
    return [
      row.label,
      ...targets.map((t) => cellText(row.values[t], row.format)),
      ratioText(ratio(row, "exabgp")),
      ratioText(ratio(row, "bird")),
      row.goal?.text ?? "",
      row.goal && rep ? (row.goal.met(rep.value) ? "yes" : "NO") : "",
    ];
  });
  return `${s.title}\n${s.note}\n\n${table(header, rows)}\n`;
}

/** The section as JSON: every figure, the ratios and the goal. */
export function sectionJson(s: Section): unknown {
  return {
    title: s.title,
    note: s.note,
    rows: s.rows.map((row) => {
      const rep = representative(row);
      return {
        label: row.label,
        values: row.values,
        tsbgp: rep,
        ratioToExabgp: ratio(row, "exabgp"),
        ratioToBird: ratio(row, "bird"),
        goal: row.goal?.text,
        met: row.goal && rep ? row.goal.met(rep.value) : undefined,
      };
    }),
  };
}
