/**
 * BGP-LS attribute (type 29), RFC 9552 §5.3: node, link and prefix attribute TLVs. Kept as its wire bytes
 * (re-sent verbatim); lib/api/bgpls_json.ts decodes the TLVs for display. RFC 9552 §8.2.2: a malformed
 * attribute is discarded (attribute-discard), the routes are kept — the codec table entry says so.
 */
import type { Attribute } from "../types.ts";
import { MalformedValue, readU16 } from "./value.ts";

export type BgpLsAttribute = Extract<Attribute, { kind: "bgp-ls" }>;

/** Checks the TLV framing (type 2, length 2, value): each TLV must end inside the attribute. */
export function decodeBgpLsAttribute(v: Uint8Array): BgpLsAttribute {
  let i = 0;
  while (i < v.length) {
    if (i + 4 > v.length) throw new MalformedValue(`BGP-LS attribute: truncated TLV header at ${i}`);
    const end = i + 4 + readU16(v, i + 2);
    if (end > v.length) {
      throw new MalformedValue(`BGP-LS attribute: TLV ${readU16(v, i)} overruns the attribute`);
    }
    i = end;
  }
  return { code: 29, kind: "bgp-ls", value: v.slice() };
}

export function encodeBgpLsAttribute(a: BgpLsAttribute): Uint8Array {
  return a.value;
}
