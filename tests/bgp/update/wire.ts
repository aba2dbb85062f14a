/**
 * Test helpers for the UPDATE tests: hex ⇄ bytes, and the `raw:` UPDATE lines of a conformance `.msg` file
 * (conformance/exabgp-5.0/README.md: `:` inside the hex is cosmetic, lines with `#` are ignored).
 */
import { existsSync, readFileSync } from "node:fs";

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[:\s]/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

const CANDIDATES = [
  new URL("../../../conformance/exabgp-5.0/", import.meta.url).pathname,
  "/work/shared/conformance/exabgp-5.0/",
];

/** The conformance data folder; throws (failing the test) when it cannot be found. */
export function conformanceDir(): string {
  const env = typeof process !== "undefined" ? process.env.TSBGP_CONFORMANCE : undefined;
  const dir = [env, ...CANDIDATES].find((d) => d && existsSync(`${d}/encoding`));
  if (!dir) throw new Error(`conformance data not found (tried ${CANDIDATES.join(", ")})`);
  return dir.endsWith("/") ? dir : dir + "/";
}

/** Every `raw:` message of type 2 (UPDATE) in encoding/<test>.msg, as full messages with header. */
export function conformanceUpdates(test: string): Uint8Array[] {
  const text = readFileSync(`${conformanceDir()}encoding/${test}.msg`, "utf8");
  const out: Uint8Array[] = [];
  for (const line of text.split("\n")) {
    if (line.includes("#")) continue;
    const m = /^[A-Z]?\d+:raw:(.*)$/.exec(line.trim());
    if (!m) continue;
    const bytes = fromHex(m[1]);
    if (bytes[18] === 2) out.push(bytes);
  }
  return out;
}
