/**
 * The message dispatcher: one handler per message type (RFC 4271 §4.1 type codes) decoding a body into a
 * Message and encoding a Message into a full message with its header.
 */
import { ErrorCode } from "../error.ts";
import {
  type CodecContext,
  type Message,
  MessageType,
  type NotificationMessage,
  type OpenMessage,
  type RouteRefreshMessage,
  type UpdateMessage,
} from "../types.ts";
import { frame, HeaderSubcode } from "./header.ts";
import { decodeKeepalive, encodeKeepalive } from "./keepalive.ts";
import { decodeNotification, encodeNotification, textNotification } from "./notification.ts";
import { decodeOpen, encodeOpen } from "./open.ts";
import { decodeRouteRefresh, encodeRouteRefresh } from "./route_refresh.ts";
import { decodeUpdate, encodeUpdate } from "./update.ts";

interface Handler<M extends Message> {
  readonly code: number;
  decode(body: Uint8Array, ctx: CodecContext): M;
  encode(msg: M, ctx: CodecContext): Uint8Array;
}

type KnownMessage = Exclude<Message, { type: "unknown" }>;
type Handlers = { readonly [T in KnownMessage["type"]]: Handler<Extract<KnownMessage, { type: T }>> };

const HANDLERS: Handlers = {
  open: { code: MessageType.OPEN, decode: decodeOpen, encode: (m: OpenMessage) => encodeOpen(m) },
  update: {
    code: MessageType.UPDATE,
    decode: decodeUpdate,
    encode: (m: UpdateMessage, ctx) => encodeUpdate(m, ctx),
  },
  notification: {
    code: MessageType.NOTIFICATION,
    decode: decodeNotification,
    encode: (m: NotificationMessage) => encodeNotification(m),
  },
  keepalive: { code: MessageType.KEEPALIVE, decode: decodeKeepalive, encode: encodeKeepalive },
  "route-refresh": {
    code: MessageType.ROUTE_REFRESH,
    decode: decodeRouteRefresh,
    encode: (m: RouteRefreshMessage) => encodeRouteRefresh(m),
  },
};

/** Handlers indexed by wire type code, for decoding. */
const BY_CODE: ReadonlyMap<number, Handler<KnownMessage>> = new Map(
  Object.values(HANDLERS).map((h) => [h.code, h as Handler<KnownMessage>]),
);

/**
 * Decodes a body of the given type. Unknown types (OPERATIONAL included, for now) come back as
 * `{ type: "unknown" }`: the session answers them with unknownMessageNotification().
 * Throws BgpError for the errors of the message's RFC.
 */
export function decodeMessage(type: number, body: Uint8Array, ctx: CodecContext): Message {
  const handler = BY_CODE.get(type);
  return handler ? handler.decode(body, ctx) : { type: "unknown", code: type, body };
}

/** A full message, header included. */
export function encodeMessage(msg: Message, ctx: CodecContext): Uint8Array {
  if (msg.type === "unknown") return frame(msg.code, msg.body);
  const handler = HANDLERS[msg.type] as Handler<KnownMessage>;
  return frame(handler.code, handler.encode(msg, ctx));
}

/**
 * What ExaBGP sends for a message type it cannot decode: Message Header Error / Bad Message Type with
 * the text `can not decode message of type "N"` (pinned by the conformance test unknown-message).
 */
export function unknownMessageNotification(type: number): NotificationMessage {
  return textNotification(
    ErrorCode.MESSAGE_HEADER,
    HeaderSubcode.BAD_TYPE,
    `can not decode message of type "${type}"`,
  );
}
