/**
 * VPLS NLRI (AFI 25 SAFI 65, RFC 4761 §3.2.2): a 2-octet length (17), then RD (8), VE ID (2),
 * VE Block Offset (2), VE Block Size (2) and Label Base (3: 20-bit label, bottom-of-stack bit set).
 * Kept as its wire bytes (L2Nlri, length included) so that the RIB keys it without re-encoding.
 */
import { type FamilyKey, familyKey } from "../family.ts";
import type { L2Nlri } from "../types.ts";
import { RD_LENGTH, rdToString } from "../qualifier/rd.ts";
import { hexUpper as hex } from "./evpn.ts";
import { framedNlriCodec } from "./wire.ts";

export const L2VPN_VPLS: FamilyKey = familyKey(25, 65);
/** Value length: RD + VE ID + offset + size + label base. */
export const VPLS_LENGTH = RD_LENGTH + 2 + 2 + 2 + 3;

export const vplsCodec = framedNlriCodec("vpls", 0, 2);

export interface VplsFields {
  /** 8 raw octets (lib/bgp/qualifier/rd.ts). */
  readonly rd: Uint8Array;
  readonly endpoint: number;
  readonly offset: number;
  readonly size: number;
  /** The label base (20 bits). */
  readonly base: number;
}

/** The NLRI of these fields (RFC 4761 §3.2.2). */
export function vplsNlri(f: VplsFields, pathId?: number): L2Nlri {
  const b = new Uint8Array(2 + VPLS_LENGTH);
  b[1] = VPLS_LENGTH;
  b.set(f.rd, 2);
  const v = new DataView(b.buffer);
  v.setUint16(10, f.endpoint);
  v.setUint16(12, f.offset);
  v.setUint16(14, f.size);
  const label = ((f.base << 4) | 1) >>> 0;
  b[16] = (label >>> 16) & 0xff;
  b[17] = (label >>> 8) & 0xff;
  b[18] = label & 0xff;
  const family = L2VPN_VPLS;
  return pathId === undefined
    ? { kind: "vpls", family, bytes: b }
    : { kind: "vpls", family, bytes: b, pathId };
}

/** The fields of a VPLS NLRI; undefined when its length is not 17 (then shown raw). */
export function vplsFields(n: L2Nlri): VplsFields | undefined {
  const b = n.bytes;
  if (b.length !== 2 + VPLS_LENGTH || ((b[0] << 8) | b[1]) !== VPLS_LENGTH) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  return {
    rd: b.subarray(2, 10),
    endpoint: v.getUint16(10),
    offset: v.getUint16(12),
    size: v.getUint16(14),
    base: ((b[16] << 16) | (b[17] << 8) | b[18]) >>> 4,
  };
}

/** ExaBGP's JSON (nlri/vpls.py): `{ "rd": …, "endpoint": …, "base": …, "offset": …, "size": … }`. */
export function vplsJson(n: L2Nlri): string {
  const f = vplsFields(n);
  if (f === undefined) return `{ "raw": "${hex(n.bytes)}" }`;
  return `{ "rd": "${
    rdToString(f.rd)
  }", "endpoint": ${f.endpoint}, "base": ${f.base}, "offset": ${f.offset}, "size": ${f.size} }`;
}

/** ExaBGP's text (nlri/vpls.py `extensive`): `vpls endpoint 5 base 10702 offset 1 size 8 rd 1.2.3.4:5`. */
export function vplsToString(n: L2Nlri): string {
  const f = vplsFields(n);
  if (f === undefined) return `vpls 0x${hex(n.bytes)}`;
  return `vpls endpoint ${f.endpoint} base ${f.base} offset ${f.offset} size ${f.size} rd ${
    rdToString(f.rd)
  }`;
}
