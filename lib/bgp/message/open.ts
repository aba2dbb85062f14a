/**
 * OPEN message body (RFC 4271 §4.2) with capabilities as Optional Parameters (RFC 5492) and the RFC 9072
 * extended Optional Parameters Length when they do not fit in 255 bytes.
 */
import { decodeCapabilities, encodeCapability } from "../capability/codec.ts";
import { BgpError, ErrorCode } from "../error.ts";
import { bytesToIp, ipToBytes } from "../ip.ts";
import type { Capability, OpenMessage } from "../types.ts";

export const BGP_VERSION = 4;
/** RFC 6793 §9: the 2-byte AS placeholder for a 4-byte ASN. */
export const AS_TRANS = 23456;

/** RFC 4271 §6.2 subcodes of the OPEN Message Error. */
export const OpenSubcode = {
  UNSPECIFIC: 0,
  UNSUPPORTED_VERSION: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
} as const;

/** RFC 5492 §4: Optional Parameter type 2 carries capabilities. */
const PARAM_CAPABILITIES = 2;
/** RFC 9072 §2: Non-Ext OP Type 255 announces the extended encoding. */
const PARAM_EXTENDED = 255;
/** version (1), my AS (2), hold time (2), BGP identifier (4), optional parameters length (1). */
const FIXED_SIZE = 10;

function openError(subcode: number, message: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OPEN_MESSAGE, subcode, data, message);
}

/**
 * Decodes an OPEN body (the bytes after the header). Throws BgpError 2/x for the errors of RFC 4271 §6.2,
 * checked in the order that section lists them. Several capabilities in one parameter are accepted.
 */
export function decodeOpen(body: Uint8Array): OpenMessage {
  if (body.length < FIXED_SIZE) {
    throw openError(OpenSubcode.UNSPECIFIC, `OPEN body too short (${body.length} bytes)`);
  }
  const version = body[0];
  if (version !== BGP_VERSION) {
    // RFC 4271 §6.2: the data is the largest version we support, as 2 octets.
    throw openError(
      OpenSubcode.UNSUPPORTED_VERSION,
      `unsupported BGP version ${version}`,
      new Uint8Array([0, 4]),
    );
  }
  const asn = (body[1] << 8) | body[2];
  if (asn === 0) throw openError(OpenSubcode.BAD_PEER_AS, "peer AS 0 is invalid"); // RFC 7607 §2
  const holdTime = (body[3] << 8) | body[4];
  if (holdTime === 1 || holdTime === 2) {
    throw openError(
      OpenSubcode.UNACCEPTABLE_HOLD_TIME,
      `hold time ${holdTime} is not 0 nor at least 3 seconds`,
    );
  }
  const routerId = bytesToIp(body, 5, 4);
  if (routerId === "0.0.0.0") {
    throw openError(OpenSubcode.BAD_BGP_IDENTIFIER, "BGP identifier 0.0.0.0 is invalid");
  }
  const capabilities = decodeParameters(body);
  // RFC 7607 §2: AS 0 in the 4-octet AS capability is as bad as in the My Autonomous System field.
  if (capabilities.some((c) => c.name === "asn4" && c.asn === 0)) {
    throw openError(OpenSubcode.BAD_PEER_AS, "peer AS 0 in the 4-octet AS capability is invalid");
  }
  return { type: "open", version, asn, holdTime, routerId, capabilities };
}

function decodeParameters(body: Uint8Array): Capability[] {
  const optLength = body[9];
  // RFC 9072 §2: a non-zero length followed by type 255 means 2-byte lengths throughout.
  const extended = optLength !== 0 && body[FIXED_SIZE] === PARAM_EXTENDED;
  const start = extended ? FIXED_SIZE + 3 : FIXED_SIZE;
  if (extended && body.length < start) {
    throw openError(OpenSubcode.UNSPECIFIC, "truncated extended parameters");
  }
  const total = extended ? (body[FIXED_SIZE + 1] << 8) | body[FIXED_SIZE + 2] : optLength;
  if (start + total !== body.length) {
    throw openError(OpenSubcode.UNSPECIFIC, `optional parameters length ${total} does not match the message`);
  }
  const lengthSize = extended ? 2 : 1;
  const capabilities: Capability[] = [];
  let i = start;
  while (i < body.length) {
    if (i + 1 + lengthSize > body.length) {
      throw openError(OpenSubcode.UNSPECIFIC, "truncated optional parameter");
    }
    const type = body[i];
    const length = extended ? (body[i + 1] << 8) | body[i + 2] : body[i + 1];
    const valueStart = i + 1 + lengthSize;
    const end = valueStart + length;
    if (end > body.length) throw openError(OpenSubcode.UNSPECIFIC, "optional parameter overruns the OPEN");
    if (type !== PARAM_CAPABILITIES) {
      // RFC 4271 §6.2: an Optional Parameter we do not recognise (type 1, authentication, is deprecated).
      throw openError(
        OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
        `unsupported optional parameter type ${type}`,
      );
    }
    const decoded = decodeCapabilities(body.subarray(valueStart, end));
    if (!decoded) throw openError(OpenSubcode.UNSPECIFIC, "capability overruns its optional parameter");
    for (const c of decoded) capabilities.push(c);
    i = end;
  }
  return capabilities;
}

/**
 * Encodes an OPEN body. Each capability goes in its own Optional Parameter, as ExaBGP does (the
 * conformance suite pins these bytes); past 255 bytes of parameters the RFC 9072 form is used. An ASN that
 * needs 4 bytes is written as AS_TRANS (RFC 6793 §4.1).
 */
export function encodeOpen(msg: OpenMessage): Uint8Array {
  const caps = msg.capabilities.map(encodeCapability);
  const plainSize = caps.reduce((n, c) => n + 2 + c.length, 0);
  const extended = plainSize > 255;
  const lengthSize = extended ? 2 : 1;
  const paramsSize = caps.reduce((n, c) => n + 1 + lengthSize + c.length, 0);
  const out = new Uint8Array(FIXED_SIZE + (extended ? 3 : 0) + paramsSize);
  const asn = msg.asn > 0xffff ? AS_TRANS : msg.asn;
  out[0] = msg.version;
  out[1] = asn >> 8;
  out[2] = asn & 0xff;
  out[3] = (msg.holdTime >> 8) & 0xff;
  out[4] = msg.holdTime & 0xff;
  out.set(ipToBytes(msg.routerId), 5);
  let i = FIXED_SIZE;
  if (extended) {
    out[9] = 255;
    out[i++] = PARAM_EXTENDED;
    out[i++] = paramsSize >> 8;
    out[i++] = paramsSize & 0xff;
  } else {
    out[9] = paramsSize;
  }
  for (const c of caps) {
    out[i++] = PARAM_CAPABILITIES;
    if (extended) out[i++] = c.length >> 8;
    out[i++] = c.length & 0xff;
    out.set(c, i);
    i += c.length;
  }
  return out;
}
