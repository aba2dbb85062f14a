/**
 * The BGP message header (RFC 4271 §4.1): 16-byte marker of all ones, 2-byte total length, 1-byte type.
 * Framing and the header checks of RFC 4271 §6.1; pure functions over bytes.
 */
import { BgpError, ErrorCode } from "../error.ts";
import { MessageType } from "../types.ts";

export const HEADER_SIZE = 19;
export const MARKER_SIZE = 16;
/** RFC 4271 §4.1 maximum; RFC 8654 raises it to 65535 for everything but OPEN and KEEPALIVE. */
export const MAX_MESSAGE_SIZE = 4096;
export const EXTENDED_MESSAGE_SIZE = 65535;

export const MARKER: Uint8Array = new Uint8Array(MARKER_SIZE).fill(0xff);

/** RFC 4271 §6.1 subcodes of the Message Header Error. */
export const HeaderSubcode = { NOT_SYNCHRONIZED: 1, BAD_LENGTH: 2, BAD_TYPE: 3 } as const;

/**
 * Valid total lengths per type, RFC 4271 §4 and RFC 2918 §3: the smallest, and for fixed-size messages
 * the only one. RFC 8654 §4 keeps OPEN within 4096 even when extended messages are negotiated.
 */
const LENGTH_RULES: Readonly<Record<number, { readonly min: number; readonly max: number }>> = {
  [MessageType.OPEN]: { min: 29, max: MAX_MESSAGE_SIZE },
  [MessageType.UPDATE]: { min: 23, max: EXTENDED_MESSAGE_SIZE },
  [MessageType.NOTIFICATION]: { min: 21, max: EXTENDED_MESSAGE_SIZE },
  [MessageType.KEEPALIVE]: { min: 19, max: 19 },
  [MessageType.ROUTE_REFRESH]: { min: 23, max: 23 },
};

/** A complete message: marker, length, type, body. */
export function frame(type: number, body: Uint8Array): Uint8Array {
  const length = HEADER_SIZE + body.length;
  if (length > EXTENDED_MESSAGE_SIZE) throw new RangeError(`BGP message too large (${length} bytes)`);
  const out = new Uint8Array(length);
  out.set(MARKER, 0);
  out[16] = length >> 8;
  out[17] = length & 0xff;
  out[18] = type;
  out.set(body, HEADER_SIZE);
  return out;
}

/**
 * Validates the header at `offset` (which must hold at least HEADER_SIZE bytes) and returns its total
 * length and type. Throws BgpError 1/1 or 1/2 (data = the two length octets, RFC 4271 §6.1). Unknown types
 * pass: the caller decides (ExaBGP answers them after decoding, see codec.ts).
 */
export function checkHeader(
  buf: Uint8Array,
  offset: number,
  maxSize: number,
): { length: number; type: number } {
  for (let i = 0; i < MARKER_SIZE; i++) {
    if (buf[offset + i] !== 0xff) {
      throw new BgpError(
        ErrorCode.MESSAGE_HEADER,
        HeaderSubcode.NOT_SYNCHRONIZED,
        undefined,
        "marker is not all ones",
      );
    }
  }
  const length = (buf[offset + 16] << 8) | buf[offset + 17];
  const type = buf[offset + 18];
  const rule = LENGTH_RULES[type];
  const bad = length < HEADER_SIZE || length > maxSize ||
    (rule !== undefined && (length < rule.min || length > rule.max));
  if (bad) {
    throw new BgpError(
      ErrorCode.MESSAGE_HEADER,
      HeaderSubcode.BAD_LENGTH,
      buf.slice(offset + 16, offset + 18),
      `bad message length ${length} for type ${type} (maximum ${maxSize})`,
    );
  }
  return { length, type };
}
