/**
 * The API → wire scenario's input: N `announce` commands in ExaBGP's text API, written to a file that the
 * helper copies to the speaker. One shared attribute set (as the reference measurements), so every UPDATE
 * is packed full and the figure is the speaker's, not the packing's.
 *   per-line: `announce route P next-hop NH community [ C ]`, one route per line;
 *   batched:  `announce attributes next-hop NH community [ C ] nlri P1 … P1000`, 1000 routes per line.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { prefixText } from "./prefixes.ts";

export type ApiForm = "per-line" | "batched";
export const API_FORMS: readonly ApiForm[] = ["per-line", "batched"];
export const BATCH = 1000;
export const NEXT_HOP = "192.0.2.1";
const ATTRIBUTES = `next-hop ${NEXT_HOP} community [ 65001:100 ]`;

/** Writes the commands for prefixes 0 … n - 1 to `file`; returns the number of lines. */
export function writeCommands(file: string, form: ApiForm, n: number): number {
  const fd = openSync(file, "w");
  let lines = 0;
  try {
    let buffer = "";
    const flush = () => {
      writeSync(fd, buffer);
      buffer = "";
    };
    if (form === "per-line") {
      for (let i = 0; i < n; i++) {
        buffer += `announce route ${prefixText(i)} ${ATTRIBUTES}\n`;
        lines++;
        if (buffer.length > 1 << 20) flush();
      }
    } else {
      for (let i = 0; i < n; i += BATCH) {
        const nlri: string[] = [];
        for (let j = i; j < Math.min(n, i + BATCH); j++) nlri.push(prefixText(j));
        buffer += `announce attributes ${ATTRIBUTES} nlri ${nlri.join(" ")}\n`;
        lines++;
        if (buffer.length > 1 << 20) flush();
      }
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return lines;
}
