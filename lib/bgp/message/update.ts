/**
 * The UPDATE message body (RFC 4271 §4.3): withdrawn routes length + IPv4 withdrawn prefixes, total path
 * attribute length + attributes, then IPv4 NLRI to the end. Lengths that overrun the body reset the
 * session with Malformed Attribute List (RFC 4271 §6.3, RFC 7606 §3.b); attribute-level faults are recorded
 * in `malformed` (RFC 7606).
 */
import { decodeAttributes, encodeAttribute, missingMandatory } from "../attribute/codec.ts";
import { BgpError } from "../error.ts";
import { IPV4_UNICAST } from "../family.ts";
import { decodeNlri, nlriWireLength, writeNlri } from "../nlri/codec.ts";
import {
  AttrCode,
  type CodecContext,
  type MalformedAttribute,
  type Nlri,
  type UpdateMessage,
} from "../types.ts";

function malformedList(reason: string): BgpError {
  return new BgpError(3, 1, new Uint8Array(0), `malformed attribute list: ${reason}`);
}

/**
 * RFC 4760 §3: without IPv4 NLRI the NEXT_HOP attribute is to be ignored, so a malformed one is discarded
 * rather than withdrawing the MP_REACH_NLRI routes (RFC 7606 §3.d notes NEXT_HOP is then discretionary).
 */
function ignoredNextHop(m: MalformedAttribute): MalformedAttribute {
  const ignore = m.code === AttrCode.NEXT_HOP && m.action === "treat-as-withdraw";
  return ignore ? { ...m, action: "attribute-discard" } : m;
}

export function decodeUpdate(body: Uint8Array, ctx: CodecContext): UpdateMessage {
  if (body.length < 4) throw malformedList(`UPDATE body of ${body.length} bytes`);
  const withdrawnLength = (body[0] << 8) | body[1];
  if (2 + withdrawnLength + 2 > body.length) {
    throw malformedList("withdrawn routes length overruns the message");
  }
  const attrStart = 4 + withdrawnLength;
  const attrLength = (body[attrStart - 2] << 8) | body[attrStart - 1];
  if (attrStart + attrLength > body.length) throw malformedList("path attribute length overruns the message");

  // RFC 7606 §5.3: syntactically bad prefixes in these two fields cannot be withdrawn safely — the
  // codec's BgpError 3/10 (Invalid Network Field) propagates and resets the session.
  const withdrawn = decodeNlri(IPV4_UNICAST, body.subarray(2, 2 + withdrawnLength), ctx);
  const { attributes, malformed, wide } = decodeAttributes(
    body.subarray(attrStart, attrStart + attrLength),
    ctx,
  );
  const announced = decodeNlri(IPV4_UNICAST, body.subarray(attrStart + attrLength), ctx);

  const mpReach = attributes.some((a) => a.kind === "mp-reach" && a.nlri.length > 0);
  const recorded = announced.length > 0 ? malformed : malformed.map(ignoredNextHop);
  const all = recorded.concat(missingMandatory(attributes, announced.length > 0, mpReach));
  const msg: UpdateMessage = all.length === 0
    ? { type: "update", withdrawn, attributes, announced }
    : { type: "update", withdrawn, attributes, announced, malformed: all };
  return wide.length === 0 ? msg : { ...msg, wideLengths: wide };
}

function nlriBlock(nlri: readonly Nlri[], ctx: CodecContext): Uint8Array {
  let size = 0;
  for (const n of nlri) size += nlriWireLength(n, ctx);
  const out = new Uint8Array(size);
  let i = 0;
  for (const n of nlri) i = writeNlri(n, ctx, out, i);
  return out;
}

/** The body only (no header); attributes in the order given, each with the flags its codec sends. */
export function encodeUpdate(msg: UpdateMessage, ctx: CodecContext): Uint8Array {
  const withdrawn = nlriBlock(msg.withdrawn, ctx);
  const wide = msg.wideLengths;
  const attributes = msg.attributes.map((a) => encodeAttribute(a, ctx, wide?.includes(a.code)));
  const attrLength = attributes.reduce((n, a) => n + a.length, 0);
  const announced = nlriBlock(msg.announced, ctx);
  if (withdrawn.length > 0xffff || attrLength > 0xffff) throw new RangeError("UPDATE fields too large");
  const out = new Uint8Array(4 + withdrawn.length + attrLength + announced.length);
  out[0] = withdrawn.length >>> 8;
  out[1] = withdrawn.length & 0xff;
  out.set(withdrawn, 2);
  let i = 2 + withdrawn.length;
  out[i++] = attrLength >>> 8;
  out[i++] = attrLength & 0xff;
  for (const a of attributes) {
    out.set(a, i);
    i += a.length;
  }
  out.set(announced, i);
  return out;
}
