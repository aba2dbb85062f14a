/**
 * The fixed-size attributes: NEXT_HOP (3, RFC 4271 §5.1.3), MULTI_EXIT_DISC (4, §5.1.4), LOCAL_PREF (5,
 * §5.1.5), ATOMIC_AGGREGATE (6, §5.1.6, empty) and ORIGINATOR_ID (9, RFC 4456 §8). RFC 7606 §7.3–7.6 and
 * §7.9: a length other than the fixed one makes the attribute malformed.
 */
import { bytesToIp, ipToBytes, isIPv4 } from "../ip.ts";
import type { Attribute } from "../types.ts";
import { expectLength, MalformedValue, readU32, u32Bytes } from "./value.ts";

type Of<K extends Attribute["kind"]> = Extract<Attribute, { kind: K }>;
export type NextHopAttribute = Of<"next-hop">;
export type MedAttribute = Of<"med">;
export type LocalPrefAttribute = Of<"local-preference">;
export type AtomicAggregateAttribute = Of<"atomic-aggregate">;
export type OriginatorIdAttribute = Of<"originator-id">;

/** 4 bytes of an IPv4 address from text; MalformedValue (not a thrown TypeError) on anything else. */
export function ipv4Bytes(address: string, name: string): Uint8Array {
  if (!isIPv4(address)) throw new MalformedValue(`${name}: '${address}' is not an IPv4 address`);
  return ipToBytes(address);
}

export function decodeNextHop(v: Uint8Array): NextHopAttribute {
  expectLength(v, 4, "NEXT_HOP");
  return { code: 3, kind: "next-hop", address: bytesToIp(v, 0, 4) };
}
export function encodeNextHop(a: NextHopAttribute): Uint8Array {
  return ipv4Bytes(a.address, "NEXT_HOP");
}

export function decodeMed(v: Uint8Array): MedAttribute {
  expectLength(v, 4, "MULTI_EXIT_DISC");
  return { code: 4, kind: "med", value: readU32(v, 0) };
}
export function encodeMed(a: MedAttribute): Uint8Array {
  return u32Bytes(a.value);
}

export function decodeLocalPref(v: Uint8Array): LocalPrefAttribute {
  expectLength(v, 4, "LOCAL_PREF");
  return { code: 5, kind: "local-preference", value: readU32(v, 0) };
}
export function encodeLocalPref(a: LocalPrefAttribute): Uint8Array {
  return u32Bytes(a.value);
}

export function decodeAtomicAggregate(v: Uint8Array): AtomicAggregateAttribute {
  expectLength(v, 0, "ATOMIC_AGGREGATE");
  return { code: 6, kind: "atomic-aggregate" };
}
export function encodeAtomicAggregate(): Uint8Array {
  return new Uint8Array(0);
}

export function decodeOriginatorId(v: Uint8Array): OriginatorIdAttribute {
  expectLength(v, 4, "ORIGINATOR_ID");
  return { code: 9, kind: "originator-id", address: bytesToIp(v, 0, 4) };
}
export function encodeOriginatorId(a: OriginatorIdAttribute): Uint8Array {
  return ipv4Bytes(a.address, "ORIGINATOR_ID");
}
