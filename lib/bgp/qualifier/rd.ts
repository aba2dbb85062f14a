/**
 * Route Distinguisher (RFC 4364 §4.2): 8 octets, a 2-octet type then a 6-octet value.
 *   type 0: 2-octet ASN : 4-octet number      "65000:1"
 *   type 1: IPv4 address : 2-octet number     "192.0.2.1:7"
 *   type 2: 4-octet ASN : 2-octet number      "4200000000:7"
 * Text follows ExaBGP (configuration/static/mpls.py, qualifier/rd.py): an ASN that fits 16 bits with a number
 * that fits 32 bits is type 0, otherwise a 32-bit ASN with a 16-bit number is type 2; unknown types print as
 * hex. Shared by every family that carries an RD (mpls-vpn, flow-vpn, VPLS, EVPN, MVPN, MUP).
 */
import { isIPv4 } from "../ip.ts";

export const RD_LENGTH = 8;

export const RdType = { AS2: 0, IPV4: 1, AS4: 2 } as const;

/** Only digits, no sign or exponent: Number("1e3") must not pass as an assigned number. */
function digits(s: string): number | undefined {
  return /^\d{1,10}$/.test(s) ? Number(s) : undefined;
}

/** "asn:n", "a.b.c.d:n" (or the asdot "x.y:n" of a 4-octet ASN, RFC 5396) → 8 octets; undefined if malformed. */
export function parseRd(text: string): Uint8Array | undefined {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const admin = text.slice(0, colon);
  const assigned = digits(text.slice(colon + 1));
  if (assigned === undefined) return undefined;
  const out = new Uint8Array(RD_LENGTH);
  const v = new DataView(out.buffer);
  if (isIPv4(admin)) {
    if (assigned > 0xffff) return undefined;
    v.setUint16(0, RdType.IPV4);
    admin.split(".").forEach((o, i) => (out[2 + i] = Number(o)));
    v.setUint16(6, assigned);
    return out;
  }
  let asn = digits(admin);
  const dot = /^(\d{1,5})\.(\d{1,5})$/.exec(admin);
  if (dot && Number(dot[1]) <= 0xffff && Number(dot[2]) <= 0xffff) {
    asn = Number(dot[1]) * 65536 + Number(dot[2]);
  }
  if (asn === undefined) return undefined;
  if (asn <= 0xffff && assigned <= 0xffffffff && !dot) {
    v.setUint16(0, RdType.AS2);
    v.setUint16(2, asn);
    v.setUint32(4, assigned);
  } else if (asn <= 0xffffffff && assigned <= 0xffff) {
    v.setUint16(0, RdType.AS4);
    v.setUint32(2, asn);
    v.setUint16(6, assigned);
  } else return undefined;
  return out;
}

function hex(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s.toUpperCase();
}

/** The RD at `offset` of `bytes` as ExaBGP prints it ("65000:1", "1.2.3.4:5", or hex for unknown types). */
export function rdToString(bytes: Uint8Array, offset = 0): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, RD_LENGTH);
  switch (v.getUint16(0)) {
    case RdType.AS2:
      return `${v.getUint16(2)}:${v.getUint32(4)}`;
    case RdType.IPV4:
      return `${bytes[offset + 2]}.${bytes[offset + 3]}.${bytes[offset + 4]}.${bytes[offset + 5]}:${
        v.getUint16(6)
      }`;
    case RdType.AS4:
      return `${v.getUint32(2)}:${v.getUint16(6)}`;
    default:
      return `0x${hex(bytes, offset, offset + RD_LENGTH)}`;
  }
}
