/** ORIGIN (type 1, RFC 4271 §5.1.1): one octet, 0 IGP, 1 EGP, 2 INCOMPLETE. */
import type { Attribute, Origin } from "../types.ts";
import { expectLength, MalformedValue } from "./value.ts";

export type OriginAttribute = Extract<Attribute, { kind: "origin" }>;

export function decodeOrigin(v: Uint8Array): OriginAttribute {
  expectLength(v, 1, "ORIGIN");
  // RFC 7606 §7.1: an undefined value is malformed.
  if (v[0] > 2) throw new MalformedValue(`ORIGIN: undefined value ${v[0]}`);
  return { code: 1, kind: "origin", value: v[0] as Origin };
}

export function encodeOrigin(a: OriginAttribute): Uint8Array {
  return new Uint8Array([a.value]);
}
