/**
 * LARGE_COMMUNITY (32, RFC 8092): (global administrator, local data 1, local data 2), 4 octets each.
 * RFC 8092 §6: a length that is not a non-zero multiple of 12 is treat-as-withdraw.
 */
import type { Attribute } from "../types.ts";
import { expectMultiple, readU32, writeU32 } from "./value.ts";

export type LargeCommunityAttribute = Extract<Attribute, { kind: "large-community" }>;

export function decodeLargeCommunity(v: Uint8Array): LargeCommunityAttribute {
  expectMultiple(v, 12, "LARGE_COMMUNITY", false);
  const values = new Array<readonly [number, number, number]>(v.length / 12);
  for (let k = 0, i = 0; k < values.length; k++, i += 12) {
    values[k] = [readU32(v, i), readU32(v, i + 4), readU32(v, i + 8)];
  }
  return { code: 32, kind: "large-community", values };
}

export function encodeLargeCommunity(a: LargeCommunityAttribute): Uint8Array {
  const out = new Uint8Array(a.values.length * 12);
  a.values.forEach(([g, l1, l2], k) => {
    writeU32(out, k * 12, g);
    writeU32(out, k * 12 + 4, l1);
    writeU32(out, k * 12 + 8, l2);
  });
  return out;
}
