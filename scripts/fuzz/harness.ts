/**
 * One fuzz case, handled as a session handles received bytes (lib/session/session.ts): frame them
 * (MessageReader, RFC 4271 §6.1 header checks), decode the message, and on a BgpError build the
 * NOTIFICATION that would be sent. What the session would do next is also exercised where it is cheap:
 * the decoded message is re-encoded, and turned into the JSON and text API events a helper would read,
 * each of which must be exactly one line (the JSON one must parse). Anything thrown that is not the typed
 * BgpError is a bug and is returned as a failure.
 */
import { BgpError } from "../../lib/bgp/error.ts";
import { type FamilyKey, IPV4_UNICAST } from "../../lib/bgp/family.ts";
import { decodeMessage, encodeMessage, unknownMessageNotification } from "../../lib/bgp/message/codec.ts";
import { notification } from "../../lib/bgp/message/notification.ts";
import { MessageReader } from "../../lib/bgp/message/reader.ts";
import { type CodecContext, DEFAULT_CONTEXT, type Message } from "../../lib/bgp/types.ts";
import { JsonEncoder, type NegotiatedSummary, type NeighborContext } from "../../lib/api/json.ts";
import { TextEventEncoder } from "../../lib/api/text.ts";

/** ok, the two RFC 7606 outcomes, `notification C/S`, or `incomplete` (the reader waits for more bytes). */
export type Outcome = string;

export interface CaseResult {
  readonly outcome: Outcome;
  /** Set when something other than a BgpError escaped, or an event broke its line. */
  readonly failure?: string;
}

const NEIGHBOR: NeighborContext = {
  localAddress: "127.0.0.1",
  peerAddress: "127.0.0.2",
  localAs: 65000,
  peerAs: 65001,
  routerId: "192.0.2.1",
  counter: 0,
};

function summary(families: readonly FamilyKey[], ctx: CodecContext): NegotiatedSummary {
  return {
    messageSize: ctx.maxMessageSize,
    holdTime: 90,
    asn4: ctx.asn4,
    multisession: false,
    operational: false,
    refresh: "normal",
    families,
    nexthop: [],
    addPath: { send: [], receive: [...ctx.addPath] },
  };
}

/** The decoding contexts a case may run under: what sessions negotiate (RFC 6793, 7911, 8654). */
export function contexts(families: readonly FamilyKey[]): CodecContext[] {
  const all = new Set(families);
  return [
    DEFAULT_CONTEXT,
    { ...DEFAULT_CONTEXT, maxMessageSize: 65535 },
    { ...DEFAULT_CONTEXT, asn4: false },
    { ...DEFAULT_CONTEXT, addPath: all },
    { ...DEFAULT_CONTEXT, external: true },
    { asn4: false, addPath: all, maxMessageSize: 65535, external: true },
  ];
}

const json = new JsonEncoder({ host: "fuzz", pid: 1, ppid: 1, clock: () => 0 });
const text = new TextEventEncoder({ pid: 1, ppid: 1 });
/** A line break for a line reader (Python's str.splitlines() also splits on these). */
// deno-lint-ignore no-control-regex
const BREAK = /[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;

/** The API events a received message produces, per encoder. */
function events(
  e: JsonEncoder | TextEventEncoder,
  msg: Message,
  raw: Uint8Array,
  neg: NegotiatedSummary,
): string[] {
  const r = { header: raw.subarray(0, 19), body: raw.subarray(19) };
  const out: (string | undefined)[] = [];
  if (msg.type === "update") out.push(e.update(NEIGHBOR, "receive", msg, neg, r));
  else if (msg.type === "open") out.push(e.open(NEIGHBOR, "receive", msg, r));
  else if (msg.type === "notification") out.push(e.notification(NEIGHBOR, "receive", msg, r));
  else if (msg.type === "route-refresh") out.push(e.refresh(NEIGHBOR, "receive", msg, r));
  else if (msg.type === "keepalive") out.push(e.keepalive(NEIGHBOR, "receive", r));
  out.push(e.packets(NEIGHBOR, "receive", raw[18], r, neg));
  return out.filter((s): s is string => s !== undefined);
}

/** Every JSON event is one line that parses. */
function checkJson(lines: readonly string[]): string {
  for (const line of lines) {
    if (BREAK.test(line)) return `JSON event with a line break: ${JSON.stringify(line).slice(0, 300)}`;
    try {
      JSON.parse(line);
    } catch (e) {
      return `JSON event does not parse (${(e as Error).message}): ${line.slice(0, 300)}`;
    }
  }
  return "";
}

/**
 * Text events: an UPDATE is several lines (ExaBGP's `update start` … `update end`), but every line is the
 * encoder's own, starting with `neighbor <peer> `; no peer string may start a line or hold another break.
 */
function checkText(events: readonly string[]): string {
  const prefix = `neighbor ${NEIGHBOR.peerAddress} `;
  for (const event of events) {
    for (const line of event.replace(/\n$/, "").split("\n")) {
      if (!line.startsWith(prefix) || BREAK.test(line)) {
        return `text event line not the encoder's own: ${JSON.stringify(line).slice(0, 300)}`;
      }
    }
  }
  return "";
}

function classify(msg: Message): Outcome {
  if (msg.type === "unknown") {
    const n = unknownMessageNotification(msg.code);
    return `notification ${n.code}/${n.subcode}`;
  }
  if (msg.type !== "update" || !msg.malformed) return "ok";
  return msg.malformed.some((m) => m.action === "treat-as-withdraw")
    ? "treat-as-withdraw"
    : "attribute-discard";
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e);
}

/** Runs one case; `withEvents` adds the re-encoding and the event encoders (about half the cost). */
export function runCase(bytes: Uint8Array, ctx: CodecContext, withEvents: boolean): CaseResult {
  let msg: Message;
  let raw: Uint8Array;
  try {
    const reader = new MessageReader();
    reader.push(bytes);
    const frame = reader.next(ctx.maxMessageSize);
    if (frame === undefined) return { outcome: "incomplete" };
    raw = bytes.subarray(0, 19 + frame.body.length);
    msg = decodeMessage(frame.type, frame.body, ctx);
  } catch (e) {
    if (!(e instanceof BgpError)) return { outcome: "crash", failure: describe(e) };
    try {
      // What the session sends: the NOTIFICATION must always be buildable.
      encodeMessage(notification(e.code, e.subcode, e.data), DEFAULT_CONTEXT);
    } catch (e2) {
      return {
        outcome: "crash",
        failure: `NOTIFICATION ${e.code}/${e.subcode} not encodable: ${describe(e2)}`,
      };
    }
    return { outcome: `notification ${e.code}/${e.subcode}` };
  }
  const outcome = classify(msg);
  if (!withEvents) return { outcome };
  try {
    encodeMessage(msg, ctx);
    const neg = summary([IPV4_UNICAST], ctx);
    const problem = checkJson(events(json, msg, raw, neg)) || checkText(events(text, msg, raw, neg));
    return problem ? { outcome: "crash", failure: problem } : { outcome };
  } catch (e) {
    return { outcome: "crash", failure: `after decoding (${outcome}): ${describe(e)}` };
  }
}
