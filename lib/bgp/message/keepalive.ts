/** KEEPALIVE (RFC 4271 §4.4): a header with no body. */
import { BgpError, ErrorCode } from "../error.ts";
import { type KeepaliveMessage, MessageType } from "../types.ts";
import { frame, HEADER_SIZE, HeaderSubcode } from "./header.ts";

export const KEEPALIVE: KeepaliveMessage = { type: "keepalive" };

const EMPTY = new Uint8Array(0);
/** The 19 bytes of a KEEPALIVE, built once as sessions send it every interval. Shared: do not modify. */
export const KEEPALIVE_BYTES: Uint8Array = frame(MessageType.KEEPALIVE, EMPTY);

/** RFC 4271 §6.1: a KEEPALIVE with a body is a Bad Message Length (data = the length field). */
export function decodeKeepalive(body: Uint8Array): KeepaliveMessage {
  if (body.length !== 0) {
    const length = HEADER_SIZE + body.length;
    const data = new Uint8Array([(length >> 8) & 0xff, length & 0xff]);
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_LENGTH, data, "KEEPALIVE with a body");
  }
  return KEEPALIVE;
}

export function encodeKeepalive(_msg: KeepaliveMessage): Uint8Array {
  return EMPTY;
}
