/** COMMUNITY (8, RFC 1997): a list of 4-octet values; RFC 7606 §7.8: a non-zero multiple of 4. */
import type { Attribute } from "../types.ts";
import { expectMultiple, readU32, writeU32 } from "./value.ts";

export type CommunityAttribute = Extract<Attribute, { kind: "community" }>;

export function decodeCommunity(v: Uint8Array): CommunityAttribute {
  expectMultiple(v, 4, "COMMUNITY", false);
  const values = new Array<number>(v.length / 4);
  for (let k = 0; k < values.length; k++) values[k] = readU32(v, k * 4);
  return { code: 8, kind: "community", values };
}

export function encodeCommunity(a: CommunityAttribute): Uint8Array {
  const out = new Uint8Array(a.values.length * 4);
  a.values.forEach((c, k) => writeU32(out, k * 4, c));
  return out;
}
