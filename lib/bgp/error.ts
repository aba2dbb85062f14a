/**
 * A protocol error that ends a session with a NOTIFICATION (RFC 4271 §6). Codecs throw it; the session
 * catches it, sends the NOTIFICATION with these fields and closes the connection.
 */
export class BgpError extends Error {
  constructor(
    readonly code: number,
    readonly subcode: number,
    readonly data: Uint8Array = new Uint8Array(0),
    message?: string,
  ) {
    super(message ?? `BGP error ${code}/${subcode}`);
    this.name = "BgpError";
  }
}

/** NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313, RFC 4486, RFC 9687). */
export const ErrorCode = {
  MESSAGE_HEADER: 1,
  OPEN_MESSAGE: 2,
  UPDATE_MESSAGE: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM: 5,
  CEASE: 6,
  ROUTE_REFRESH: 7,
  /** RFC 9687 */
  SEND_HOLD_TIMER_EXPIRED: 8,
} as const;
