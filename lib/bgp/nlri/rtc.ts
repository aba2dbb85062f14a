/**
 * Route Target Constraint NLRI (ipv4 rtc, SAFI 132), RFC 4684 §4: a prefix of 0 (the default) or 32 to 96
 * bits over Origin AS (4 octets) and Route Target (8 octets), written as a length octet in bits and the
 * octets it needs. Receive-only in ExaBGP 5.0; kept as its wire bytes (length octet included).
 *
 * The length-prefixed reader here also serves SR Policy (sr_policy.ts), whose NLRI has the same framing.
 */
import { BgpError } from "../error.ts";
import { type FamilyKey, familyKey } from "../family.ts";
import type { BgpLsNlri, CodecContext, Nlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { readPathId, wholeBytesWriter } from "./wire.ts";

export const RTC_FAMILIES: readonly FamilyKey[] = [familyKey(1, 132)];

function malformed(what: string, reason: string): BgpError {
  return new BgpError(3, 10, new Uint8Array(0), `${what} NLRI: ${reason}`); // RFC 4760 §7: Invalid Network Field
}

/**
 * NLRI made of `length in bits (1) | ceil(length / 8) octets`, each kept whole; `validBits` says which
 * lengths the family allows (RFC 4684 §4, RFC 9830 §2.1).
 */
export function decodeBitLengthNlri(
  kind: BgpLsNlri["kind"],
  what: string,
  validBits: (bits: number, family: FamilyKey) => boolean,
  family: FamilyKey,
  bytes: Uint8Array,
  ctx: CodecContext,
): Nlri[] {
  const addPath = ctx.addPath.has(family);
  const out: Nlri[] = [];
  let i = 0;
  while (i < bytes.length) {
    let pathId: number | undefined;
    if (addPath) {
      if (i + 4 > bytes.length) throw malformed(what, "truncated path identifier");
      pathId = readPathId(bytes, i);
      i += 4;
    }
    if (i >= bytes.length) throw malformed(what, "missing length");
    const bits = bytes[i];
    if (!validBits(bits, family)) throw malformed(what, `invalid length of ${bits} bits`);
    const end = i + 1 + ((bits + 7) >> 3);
    if (end > bytes.length) throw malformed(what, `${bits} bits overrun the NLRI field`);
    const n: BgpLsNlri = pathId === undefined
      ? { kind, family, bytes: bytes.slice(i, end) }
      : { kind, family, bytes: bytes.slice(i, end), pathId };
    out.push(n);
    i = end;
  }
  return out;
}

/** RFC 4684 §4: 0 (default route target) or 32..96 bits. */
const rtcBits = (bits: number) => bits === 0 || (bits >= 32 && bits <= 96);

export const rtcCodec: NlriCodec = {
  decode: (family, bytes, ctx) => decodeBitLengthNlri("rtc", "RTC", rtcBits, family, bytes, ctx),
  ...wholeBytesWriter,
};

/** Origin AS of an RTC NLRI (0 for the default route target). */
export function rtcOrigin(n: BgpLsNlri): number {
  const b = n.bytes;
  return b.length >= 5 ? ((b[1] << 24) | (b[2] << 16) | (b[3] << 8) | b[4]) >>> 0 : 0;
}

/** Prefix length in bits. */
export function rtcLength(n: BgpLsNlri): number {
  return n.bytes[0];
}

/** The route-target octets carried (all 8 for a /96), with the type's flag bits as received. */
export function rtcTarget(n: BgpLsNlri): Uint8Array {
  return n.bytes.subarray(5);
}
