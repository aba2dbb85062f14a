/**
 * `decode [-f "AFI SAFI"] [--update|--open|--nlri] [-i] HEX`: ExaBGP's decoder. Prints the JSON event the
 * API would emit for the message, received ("direction": "in") from neighbor 127.0.0.1, AS 65533,
 * router-id 10.0.0.2 (ExaBGP's built-in decode configuration), with 4-byte ASNs negotiated.
 *
 * The hex may contain spaces or colons. With a BGP header the message type comes from it (several
 * messages may follow one another); without one, the body is an UPDATE unless --open is given. --nlri
 * decodes bare NLRI of the -f family. Families without a codec yet fail with a clear message.
 */
import { parseArgs } from "node:util";
import { BgpError } from "../bgp/error.ts";
import { type FamilyKey, familyName, IPV4_UNICAST, parseFamily } from "../bgp/family.ts";
import { EXTENDED_MESSAGE_SIZE, HEADER_SIZE, MARKER_SIZE } from "../bgp/message/header.ts";
import { decodeMessage } from "../bgp/message/codec.ts";
import { decodeNlri } from "../bgp/nlri/codec.ts";
import type { CodecContext, Message, Nlri, UpdateMessage } from "../bgp/types.ts";
import { JsonEncoder, type NeighborContext, nlriJson } from "../api/json.ts";

export interface DecodeResult {
  /** What to print on stdout (success) or stderr (failure), without a final newline. */
  readonly output: string;
  readonly exitCode: number;
}

export const DECODE_USAGE = `usage: decode [-f "AFI SAFI"] [--update|--open|--nlri] [-i] HEX
  -f, --family "AFI SAFI"   family of the NLRI (default ipv4 unicast)
  --update                  the hex is an UPDATE (with or without its BGP header)
  --open                    the hex is an OPEN (with or without its BGP header)
  --nlri                    the hex is bare NLRI of the family
  -i, --path-information    the NLRI carry ADD-PATH path identifiers (RFC 7911)
  HEX                       may contain spaces or colons; without --update/--open the header's type is used`;

type Kind = "update" | "open" | "nlri";

class DecodeError extends Error {}

/** The message types this decoder prints, by header type code (RFC 4271 §4.1). */
const TYPE_NAMES: Readonly<Record<number, Kind | "notification" | "keepalive" | "route-refresh">> = {
  1: "open",
  2: "update",
  3: "notification",
  4: "keepalive",
  5: "route-refresh",
};

function parseHex(parts: readonly string[]): Uint8Array {
  const text = parts.join("").replace(/[\s:]/g, "").replace(/^0x/i, "");
  if (text.length === 0) throw new DecodeError("no hex data given");
  if (!/^[0-9a-fA-F]*$/.test(text)) throw new DecodeError("the data is not hexadecimal");
  if (text.length % 2 !== 0) throw new DecodeError("the hex data has an odd number of digits");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

function hasMarker(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length - offset < HEADER_SIZE) return false;
  for (let i = 0; i < MARKER_SIZE; i++) if (bytes[offset + i] !== 0xff) return false;
  return true;
}

/** [type, body] of each message; a buffer without a marker is one body of `fallback` type. */
function splitMessages(bytes: Uint8Array, fallback: number): [number, Uint8Array][] {
  if (!hasMarker(bytes, 0)) return [[fallback, bytes]];
  const out: [number, Uint8Array][] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (!hasMarker(bytes, offset)) throw new DecodeError(`no BGP marker at byte ${offset}`);
    const length = (bytes[offset + 16] << 8) | bytes[offset + 17];
    if (length < HEADER_SIZE || offset + length > bytes.length) {
      throw new DecodeError(`the header says ${length} bytes but ${bytes.length - offset} are given`);
    }
    out.push([bytes[offset + 18], bytes.subarray(offset + HEADER_SIZE, offset + length)]);
    offset += length;
  }
  return out;
}

/** RawNlri means a family with no codec in this build: say so rather than print hex as if decoded. */
function checkSupported(nlri: readonly Nlri[]): void {
  const raw = nlri.find((n) => n.kind === "raw");
  if (raw) {
    throw new DecodeError(`${familyName(raw.family)} NLRI cannot be decoded yet (no codec for this family)`);
  }
}

function updateNlri(msg: UpdateMessage): Nlri[] {
  const all: Nlri[] = [...msg.withdrawn, ...msg.announced];
  for (const a of msg.attributes) if (a.kind === "mp-reach" || a.kind === "mp-unreach") all.push(...a.nlri);
  return all;
}

function decodeNeighbor(): NeighborContext {
  return {
    localAddress: "127.0.0.1",
    peerAddress: "127.0.0.1",
    localAs: 65533,
    peerAs: 65533,
    routerId: "10.0.0.2",
    counter: 0,
  };
}

function eventOf(encoder: JsonEncoder, n: NeighborContext, msg: Message): string {
  switch (msg.type) {
    case "open":
      return encoder.open(n, "in", msg);
    case "update":
      checkSupported(updateNlri(msg));
      return encoder.update(n, "in", msg);
    case "notification":
      return encoder.notification(n, "in", msg);
    case "keepalive":
      return encoder.keepalive(n, "in");
    case "route-refresh":
      return encoder.refresh(n, "in", msg);
    case "unknown":
      throw new DecodeError(`message type ${msg.code} is not a BGP message type this decoder knows`);
  }
}

function run(args: readonly string[]): string {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      family: { type: "string", short: "f" },
      update: { type: "boolean" },
      open: { type: "boolean" },
      nlri: { type: "boolean" },
      "path-information": { type: "boolean", short: "i" },
    },
  });
  const kinds = (["update", "open", "nlri"] as const).filter((k) => values[k]);
  if (kinds.length > 1) throw new DecodeError(`--${kinds.join(" and --")} are exclusive`);
  let family: FamilyKey = IPV4_UNICAST;
  if (values.family !== undefined) {
    const words = values.family.trim().split(/\s+/);
    const parsed = words.length === 2 ? parseFamily(words[0], words[1]) : undefined;
    if (parsed === undefined) {
      throw new DecodeError(`'${values.family}' is not a family (expected "AFI SAFI")`);
    }
    family = parsed;
  }
  const bytes = parseHex(positionals);
  const ctx: CodecContext = {
    asn4: true,
    addPath: new Set(values["path-information"] ? [family] : []),
    maxMessageSize: EXTENDED_MESSAGE_SIZE,
    inspect: true,
  };
  const kind: Kind | undefined = kinds[0];

  if (kind === "nlri") {
    const nlri = decodeNlri(family, bytes, ctx);
    checkSupported(nlri);
    return nlri.map((n) => nlriJson(n)).join("\n");
  }

  const encoder = new JsonEncoder();
  const neighbor = decodeNeighbor();
  const lines: string[] = [];
  for (const [type, body] of splitMessages(bytes, kind === "open" ? 1 : 2)) {
    const name = TYPE_NAMES[type];
    if (kind && name !== kind) {
      throw new DecodeError(
        `--${kind} was given but the message is ${name ? `a ${name}` : `of unknown type ${type}`}`,
      );
    }
    lines.push(eventOf(encoder, neighbor, decodeMessage(type, body, ctx)));
  }
  return lines.join("\n");
}

/** Runs the command; never throws. Exit code 0 on success, 1 when the data cannot be decoded, 2 on usage errors. */
export function decodeCommand(args: string[]): DecodeResult {
  if (args.includes("-h") || args.includes("--help")) return { output: DECODE_USAGE, exitCode: 0 };
  try {
    return { output: run(args), exitCode: 0 };
  } catch (e) {
    if (e instanceof DecodeError) return { output: `decode: ${e.message}`, exitCode: 1 };
    if (e instanceof BgpError) {
      return {
        output: `decode: invalid message: ${e.message} (NOTIFICATION ${e.code}/${e.subcode})`,
        exitCode: 1,
      };
    }
    const message = e instanceof Error ? e.message : String(e);
    // node:util parseArgs reports unknown options and missing values with TypeError codes ERR_PARSE_ARGS_*.
    if ((e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      return { output: `decode: ${message}\n${DECODE_USAGE}`, exitCode: 2 };
    }
    return { output: `decode: cannot decode: ${message}`, exitCode: 1 };
  }
}
