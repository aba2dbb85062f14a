/**
 * AGGREGATOR (7, RFC 4271 §5.1.7): AS + IPv4 address; the AS has 2 octets on a session without the
 * 4-octet AS capability and 4 with it (RFC 6793 §3). AS4_AGGREGATOR (18, RFC 6793 §3) always has 4.
 * RFC 7606 §7.7 and RFC 6793 §6: a wrong length means attribute-discard.
 */
import { bytesToIp } from "../ip.ts";
import type { Attribute, CodecContext } from "../types.ts";
import { AS_TRANS } from "./as_path.ts";
import { ipv4Bytes } from "./simple.ts";
import { expectLength, readU16, readU32, writeU16, writeU32 } from "./value.ts";

export type AggregatorAttribute = Extract<Attribute, { kind: "aggregator" }>;
export type As4AggregatorAttribute = Extract<Attribute, { kind: "as4-aggregator" }>;

export function decodeAggregator(v: Uint8Array, ctx: CodecContext): AggregatorAttribute {
  const asnSize = ctx.asn4 ? 4 : 2;
  expectLength(v, asnSize + 4, "AGGREGATOR");
  const asn = ctx.asn4 ? readU32(v, 0) : readU16(v, 0);
  return { code: 7, kind: "aggregator", asn, address: bytesToIp(v, asnSize, 4) };
}

/** On a 2-octet session an ASN above 65535 is sent as AS_TRANS (RFC 6793 §4.2.2). */
export function encodeAggregator(a: AggregatorAttribute, ctx: CodecContext): Uint8Array {
  const address = ipv4Bytes(a.address, "AGGREGATOR");
  if (ctx.asn4) {
    const out = new Uint8Array(8);
    writeU32(out, 0, a.asn);
    out.set(address, 4);
    return out;
  }
  const out = new Uint8Array(6);
  writeU16(out, 0, a.asn > 0xffff ? AS_TRANS : a.asn);
  out.set(address, 2);
  return out;
}

export function decodeAs4Aggregator(v: Uint8Array): As4AggregatorAttribute {
  expectLength(v, 8, "AS4_AGGREGATOR");
  return { code: 18, kind: "as4-aggregator", asn: readU32(v, 0), address: bytesToIp(v, 4, 4) };
}

export function encodeAs4Aggregator(a: As4AggregatorAttribute): Uint8Array {
  const out = new Uint8Array(8);
  writeU32(out, 0, a.asn);
  out.set(ipv4Bytes(a.address, "AS4_AGGREGATOR"), 4);
  return out;
}
