/**
 * End-of-RIB marker (RFC 4724 §2): for IPv4 unicast an UPDATE with no withdrawn routes, no attributes and
 * no NLRI; for any other family an UPDATE whose only attribute is an empty MP_UNREACH_NLRI.
 */
import { familyAfi, type FamilyKey, familyKey, familySafi, IPV4_UNICAST } from "../family.ts";
import { AttrCode, AttrFlag, MessageType, type UpdateMessage } from "../types.ts";
import { frame } from "./header.ts";

/**
 * The full message with header. The MP form always carries the extended-length flag (`90 0F 0003 …`)
 * even though 3 bytes would fit in one length octet: ExaBGP sends exactly this and the conformance suite
 * compares bytes.
 */
export function encodeEor(family: FamilyKey): Uint8Array {
  if (family === IPV4_UNICAST) return frame(MessageType.UPDATE, new Uint8Array(4));
  const afi = familyAfi(family);
  return frame(
    MessageType.UPDATE,
    new Uint8Array([
      0,
      0, // withdrawn routes length
      0,
      7, // total path attribute length
      AttrFlag.OPTIONAL | AttrFlag.EXTENDED,
      AttrCode.MP_UNREACH_NLRI,
      0,
      3,
      afi >> 8,
      afi & 0xff,
      familySafi(family),
    ]),
  );
}

/** The family a decoded UPDATE marks the end of, or undefined when it is not an End-of-RIB. */
export function isEor(msg: UpdateMessage): FamilyKey | undefined {
  if (msg.withdrawn.length !== 0 || msg.announced.length !== 0) return undefined;
  if (msg.attributes.length === 0) return msg.malformed ? undefined : IPV4_UNICAST;
  if (msg.attributes.length !== 1) return undefined;
  const attr = msg.attributes[0];
  if (attr.code !== AttrCode.MP_UNREACH_NLRI || attr.kind !== "mp-unreach" || attr.nlri.length !== 0) {
    return undefined;
  }
  return attr.family;
}

/** Reads the family of an End-of-RIB straight from UPDATE body bytes (no full decode), or undefined. */
export function eorFamilyOfBody(body: Uint8Array): FamilyKey | undefined {
  if (body.length === 4 && body[0] === 0 && body[1] === 0 && body[2] === 0 && body[3] === 0) {
    return IPV4_UNICAST;
  }
  // withdrawn length 0, attributes length 6 or 7, one MP_UNREACH with a 3-byte value (1- or 2-byte length).
  if (body.length < 10 || body[0] !== 0 || body[1] !== 0 || body[2] !== 0) return undefined;
  const total = body[3];
  if (4 + total !== body.length || body[5] !== AttrCode.MP_UNREACH_NLRI) return undefined;
  const extended = (body[4] & AttrFlag.EXTENDED) !== 0;
  const lengthEnd = extended ? 8 : 7;
  const length = extended ? (body[6] << 8) | body[7] : body[6];
  if (length !== 3 || lengthEnd + 3 !== body.length) return undefined;
  return familyKey((body[lengthEnd] << 8) | body[lengthEnd + 1], body[lengthEnd + 2]);
}
