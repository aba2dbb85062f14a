/**
 * EXTENDED_COMMUNITIES (16, RFC 4360): 8-octet values, kept raw whatever their type so that every form
 * (route target, origin, flowspec actions, …) is re-sent exactly. RFC 7606 §7.14: a non-zero multiple of 8.
 */
import type { Attribute } from "../types.ts";
import { expectMultiple } from "./value.ts";

export type ExtendedCommunityAttribute = Extract<Attribute, { kind: "extended-community" }>;

export function decodeExtendedCommunity(v: Uint8Array): ExtendedCommunityAttribute {
  expectMultiple(v, 8, "EXTENDED_COMMUNITIES", false);
  const values = new Array<Uint8Array>(v.length / 8);
  for (let k = 0; k < values.length; k++) values[k] = v.slice(k * 8, k * 8 + 8);
  return { code: 16, kind: "extended-community", values };
}

export function encodeExtendedCommunity(a: ExtendedCommunityAttribute): Uint8Array {
  const out = new Uint8Array(a.values.length * 8);
  a.values.forEach((c, k) => {
    if (c.length !== 8) throw new Error(`an extended community has 8 octets, not ${c.length}`);
    out.set(c, k * 8);
  });
  return out;
}
