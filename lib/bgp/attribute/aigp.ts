/**
 * AIGP (26, RFC 7311 §3): TLVs; only type 1 (AIGP metric: length 11, an 8-octet value) is defined.
 * A TLV that overruns the attribute or a type-1 TLV of another length makes it malformed (§3.2).
 */
import type { Attribute } from "../types.ts";
import { MalformedValue, readU16 } from "./value.ts";

export type AigpAttribute = Extract<Attribute, { kind: "aigp" }>;

const AIGP_TLV = 1;
const AIGP_TLV_LENGTH = 11;

export function decodeAigp(v: Uint8Array): AigpAttribute {
  let value: bigint | undefined;
  for (let i = 0; i < v.length;) {
    if (i + 3 > v.length) throw new MalformedValue("AIGP: truncated TLV header");
    const type = v[i], length = readU16(v, i + 1);
    // The TLV length counts its own 3-octet header (RFC 7311 §3).
    if (length < 3 || i + length > v.length) throw new MalformedValue("AIGP: TLV overruns the attribute");
    if (type === AIGP_TLV) {
      if (length !== AIGP_TLV_LENGTH) throw new MalformedValue(`AIGP: metric TLV length ${length}`);
      // Only the first metric TLV counts (§3.2).
      value ??= new DataView(v.buffer, v.byteOffset + i + 3, 8).getBigUint64(0);
    }
    i += length;
  }
  if (value === undefined) throw new MalformedValue("AIGP: no metric TLV");
  return { code: 26, kind: "aigp", value };
}

export function encodeAigp(a: AigpAttribute): Uint8Array {
  const out = new Uint8Array(AIGP_TLV_LENGTH);
  out[0] = AIGP_TLV;
  out[2] = AIGP_TLV_LENGTH;
  new DataView(out.buffer).setBigUint64(3, a.value);
  return out;
}
