/**
 * SR Policy NLRI (ipv4/ipv6 sr-policy, SAFI 73), RFC 9830 §2.1: length in bits (96 for IPv4, 192 for
 * IPv6), Distinguisher (4), Policy Color (4), Endpoint (4 or 16). Decoded for display; kept as wire bytes.
 */
import { familyAfi, type FamilyKey, familyKey } from "../family.ts";
import { bytesToIp } from "../ip.ts";
import type { BgpLsNlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { wholeBytesWriter } from "./wire.ts";
import { decodeBitLengthNlri } from "./rtc.ts";

export const SR_POLICY_FAMILIES: readonly FamilyKey[] = [familyKey(1, 73), familyKey(2, 73)];

/** The endpoint size decides the only valid length (RFC 9830 §2.1). */
const policyBits = (bits: number, family: FamilyKey) => bits === (familyAfi(family) === 2 ? 192 : 96);

export const srPolicyCodec: NlriCodec = {
  decode: (family, bytes, ctx) =>
    decodeBitLengthNlri("sr-policy", "SR Policy", policyBits, family, bytes, ctx),
  ...wholeBytesWriter,
};

export interface SrPolicyFields {
  readonly distinguisher: number;
  readonly color: number;
  readonly endpoint: string;
}

export function srPolicyFields(n: BgpLsNlri): SrPolicyFields {
  const v = new DataView(n.bytes.buffer, n.bytes.byteOffset + 1, n.bytes.length - 1);
  return {
    distinguisher: v.getUint32(0),
    color: v.getUint32(4),
    endpoint: bytesToIp(n.bytes, 9, n.bytes.length - 9),
  };
}
