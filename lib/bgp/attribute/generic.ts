/**
 * Any attribute without a codec here (ExaBGP's GenericAttribute): its flags and value are kept and sent
 * back verbatim, the extended-length flag included, so `attribute [ 0x99 0x70 … ]` goes out as given.
 */
import type { Attribute } from "../types.ts";

export type GenericAttribute = Extract<Attribute, { kind: "generic" }>;

export function decodeGeneric(code: number, flags: number, v: Uint8Array): GenericAttribute {
  return { code, kind: "generic", flags, value: v.slice() };
}
