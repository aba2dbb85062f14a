/**
 * NOTIFICATION message body (RFC 4271 §4.5): error code, subcode, data. Cease subcodes 2 and 4 carry an
 * RFC 9003 Shutdown Communication (1-byte length + UTF-8). Names follow IANA's BGP error registries.
 */
import { ErrorCode } from "../error.ts";
import type { NotificationMessage } from "../types.ts";

export const CeaseSubcode = {
  MAX_PREFIXES: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
} as const;

/** RFC 9003 §2 allows 255 octets, but RFC 8203 peers stop at 128: ExaBGP never sends more. */
const SHUTDOWN_MAX = 128;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

const CODE_NAMES: Readonly<Record<number, string>> = {
  1: "Message Header Error",
  2: "OPEN Message Error",
  3: "UPDATE Message Error",
  4: "Hold Timer Expired",
  5: "Finite State Machine Error",
  6: "Cease",
  7: "ROUTE-REFRESH Message Error",
  8: "Send Hold Timer Expired",
};

/** Subcode names keyed `code << 8 | subcode`. */
const SUBCODE_NAMES: ReadonlyMap<number, string> = new Map(
  (
    [
      [1, 0, "Unspecific"],
      [1, 1, "Connection Not Synchronized"],
      [1, 2, "Bad Message Length"],
      [1, 3, "Bad Message Type"],
      [2, 0, "Unspecific"],
      [2, 1, "Unsupported Version Number"],
      [2, 2, "Bad Peer AS"],
      [2, 3, "Bad BGP Identifier"],
      [2, 4, "Unsupported Optional Parameter"],
      [2, 5, "Authentication Failure"],
      [2, 6, "Unacceptable Hold Time"],
      [2, 7, "Unsupported Capability"],
      [2, 8, "Grouping Conflict"],
      [2, 9, "Grouping Required"],
      [2, 10, "Capability Value Mismatch"],
      [2, 11, "Role Mismatch"],
      [3, 0, "Unspecific"],
      [3, 1, "Malformed Attribute List"],
      [3, 2, "Unrecognized Well-known Attribute"],
      [3, 3, "Missing Well-known Attribute"],
      [3, 4, "Attribute Flags Error"],
      [3, 5, "Attribute Length Error"],
      [3, 6, "Invalid ORIGIN Attribute"],
      [3, 7, "AS Routing Loop"],
      [3, 8, "Invalid NEXT_HOP Attribute"],
      [3, 9, "Optional Attribute Error"],
      [3, 10, "Invalid Network Field"],
      [3, 11, "Malformed AS_PATH"],
      [4, 0, "Unspecific"],
      [5, 0, "Unspecified Error"],
      [5, 1, "Receive Unexpected Message in OpenSent State"],
      [5, 2, "Receive Unexpected Message in OpenConfirm State"],
      [5, 3, "Receive Unexpected Message in Established State"],
      [6, 0, "Unspecific"],
      [6, 1, "Maximum Number of Prefixes Reached"],
      [6, 2, "Administrative Shutdown"],
      [6, 3, "Peer De-configured"],
      [6, 4, "Administrative Reset"],
      [6, 5, "Connection Rejected"],
      [6, 6, "Other Configuration Change"],
      [6, 7, "Connection Collision Resolution"],
      [6, 8, "Out of Resources"],
      [6, 9, "Hard Reset"],
      [6, 10, "BFD Down"],
      [7, 0, "Reserved"],
      [7, 1, "Invalid Message Length"],
      [8, 0, "Unspecific"],
    ] as const
  ).map(([code, subcode, name]) => [(code << 8) | subcode, name]),
);

/** Decodes a NOTIFICATION body. Never throws: RFC 4271 §6.5 forbids answering a NOTIFICATION with one. */
export function decodeNotification(body: Uint8Array): NotificationMessage {
  return { type: "notification", code: body[0] ?? 0, subcode: body[1] ?? 0, data: body.slice(2) };
}

export function encodeNotification(n: NotificationMessage): Uint8Array {
  const out = new Uint8Array(2 + n.data.length);
  out[0] = n.code;
  out[1] = n.subcode;
  out.set(n.data, 2);
  return out;
}

export function notification(
  code: number,
  subcode: number,
  data: Uint8Array = new Uint8Array(0),
): NotificationMessage {
  return { type: "notification", code, subcode, data };
}

/** A NOTIFICATION whose data is ASCII text, as ExaBGP sends for its own errors. */
export function textNotification(code: number, subcode: number, text: string): NotificationMessage {
  return notification(code, subcode, utf8Encoder.encode(text));
}

/**
 * Cease with an RFC 9003 Shutdown Communication (subcode 2 or 4). The text is cut to 128 octets on a
 * character boundary so that what is sent still decodes.
 */
export function shutdownNotification(subcode: number, text: string): NotificationMessage {
  let bytes = utf8Encoder.encode(text);
  if (bytes.length > SHUTDOWN_MAX) {
    let end = SHUTDOWN_MAX;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back off a UTF-8 continuation byte
    bytes = bytes.subarray(0, end);
  }
  const data = new Uint8Array(1 + bytes.length);
  data[0] = bytes.length;
  data.set(bytes, 1);
  return notification(ErrorCode.CEASE, subcode, data);
}

/** Whether the NOTIFICATION is one that may carry an RFC 9003 Shutdown Communication. */
export function isShutdown(n: NotificationMessage): boolean {
  return n.code === ErrorCode.CEASE &&
    (n.subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || n.subcode === CeaseSubcode.ADMINISTRATIVE_RESET);
}

/**
 * The RFC 9003 Shutdown Communication of a Cease 2/4, or undefined when there is none or it is malformed
 * (length overrunning the data, invalid UTF-8).
 */
export function shutdownCommunication(n: NotificationMessage): string | undefined {
  if (!isShutdown(n) || n.data.length === 0) return undefined;
  const length = n.data[0];
  if (1 + length > n.data.length) return undefined;
  try {
    return utf8Decoder.decode(n.data.subarray(1, 1 + length));
  } catch {
    return undefined;
  }
}

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `unknown error code ${code}`;
}
export function subcodeName(code: number, subcode: number): string {
  return SUBCODE_NAMES.get((code << 8) | subcode) ?? `unknown subcode ${subcode}`;
}

/** "Cease / Administrative Reset", the way ExaBGP names a NOTIFICATION in logs and events. */
export function describeNotification(n: NotificationMessage): string {
  return `${codeName(n.code)} / ${subcodeName(n.code, n.subcode)}`;
}
