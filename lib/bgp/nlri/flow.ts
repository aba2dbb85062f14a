/**
 * FlowSpec NLRI codec (RFC 8955 §4 for IPv4 SAFI 133, §8 for flow-vpn SAFI 134, RFC 8956 §3 for IPv6).
 *
 * One NLRI: a length (1 octet below 240, else 2 octets 0xFnnn, §4.1), for flow-vpn an 8-octet route
 * distinguisher, then the components in ascending type order. Prefix components carry their bits;
 * the others are lists of (operator, value) terms, the last one flagged end-of-list (§4.2.1).
 * codec.ts serves FLOW_FAMILIES (ipv4/ipv6 flow and flow-vpn) with `flowCodec`.
 */
import { BgpError } from "../error.ts";
import { familyAfi, type FamilyKey, familyKey, familySafi, SAFI } from "../family.ts";
import type { CodecContext, FlowNlri, Nlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { RD_LENGTH } from "../qualifier/rd.ts";
import {
  type FlowComponent,
  FlowOp,
  type FlowPrefix,
  type FlowTerm,
  FlowType,
  isBitmaskType,
} from "./flow_components.ts";
import { readPathId, writePathId } from "./wire.ts";

/** §4.1: lengths from 240 on take two octets, the first with its high nibble set. */
const EXTENDED_LENGTH = 240;
const MAX_LENGTH = 0x0fff;

function invalid(reason: string): BgpError {
  // RFC 4271 §6.3 Invalid Network Field; the MP attribute decoder turns it into its own error.
  return new BgpError(3, 10, new Uint8Array(0), `flowspec: ${reason}`);
}

/** Octets of the value of a term with this operator byte. */
function valueWidth(op: number): number {
  return 1 << ((op & FlowOp.LEN) >> 4);
}

/** Size of the components (and RD) of `n`, without its length field. */
function bodyLength(n: FlowNlri): number {
  const v6 = familyAfi(n.family) === 2;
  let size = n.rd ? RD_LENGTH : 0;
  for (const c of n.components) {
    if (c.kind === "prefix") size += (v6 ? 3 : 2) + ((c.length + 7) >> 3);
    else {
      size += 1;
      for (const t of c.terms) size += 1 + valueWidth(t.op);
    }
  }
  return size;
}

function lengthFieldSize(body: number): number {
  if (body > MAX_LENGTH) throw invalid(`an NLRI of ${body} octets does not fit its length field`);
  return body < EXTENDED_LENGTH ? 1 : 2;
}

function flowWireLength(n: Nlri, addPath: boolean): number {
  const body = bodyLength(n as FlowNlri);
  return (addPath ? 4 : 0) + lengthFieldSize(body) + body;
}

function writeFlow(nlri: Nlri, addPath: boolean, out: Uint8Array, offset: number): number {
  const n = nlri as FlowNlri;
  let i = offset;
  if (addPath) i = writePathId(n.pathId ?? 0, out, i); // RFC 7911 §3: no path id is sent as 0
  const body = bodyLength(n);
  if (lengthFieldSize(body) === 2) {
    out[i++] = 0xf0 | (body >> 8);
    out[i++] = body & 0xff;
  } else out[i++] = body;
  if (n.rd) {
    out.set(n.rd, i);
    i += RD_LENGTH;
  }
  const v6 = familyAfi(n.family) === 2;
  for (const c of n.components) {
    out[i++] = c.type;
    if (c.kind === "prefix") {
      out[i++] = c.length;
      if (v6) out[i++] = c.offset;
      const size = (c.length + 7) >> 3;
      out.set(c.bytes.subarray(0, size), i);
      i += size;
      continue;
    }
    const last = c.terms.length - 1;
    c.terms.forEach((t, k) => {
      out[i++] = (t.op & ~FlowOp.EOL) | (k === last ? FlowOp.EOL : 0);
      for (let w = valueWidth(t.op) - 1; w >= 0; w--) out[i++] = Math.floor(t.value / 2 ** (8 * w)) & 0xff;
    });
  }
  return i;
}

function readPrefix(type: 1 | 2, v6: boolean, b: Uint8Array, i: number, end: number): [FlowPrefix, number] {
  const length = b[i++];
  const offset = v6 ? b[i++] : 0;
  if (length > (v6 ? 128 : 32) || offset > length) throw invalid(`prefix length ${length} offset ${offset}`);
  const size = (length + 7) >> 3;
  if (i + size > end) throw invalid("a prefix overruns the NLRI");
  return [{ type, kind: "prefix", length, offset, bytes: b.slice(i, i + size) }, i + size];
}

function readTerms(type: number, b: Uint8Array, i: number, end: number): [FlowComponent, number] {
  const terms: FlowTerm[] = [];
  for (;;) {
    if (i >= end) throw invalid(`component ${type} has no end-of-list operator`);
    const op = b[i++];
    const width = valueWidth(op);
    if (i + width > end) throw invalid(`a value of component ${type} overruns the NLRI`);
    let value = 0;
    for (let w = 0; w < width; w++) value = value * 256 + b[i++];
    terms.push({ op: op & ~FlowOp.EOL, value });
    if (op & FlowOp.EOL) break;
  }
  return [{ type, kind: isBitmaskType(type) ? "bitmask" : "numeric", terms }, i];
}

/** The components of one NLRI body (`b[start..end)`, RD excluded). */
function readComponents(v6: boolean, b: Uint8Array, start: number, end: number): FlowComponent[] {
  const out: FlowComponent[] = [];
  let i = start, previous = 0;
  while (i < end) {
    const type = b[i++];
    // RFC 8955 §4.2: ascending type order; equal types are tolerated as ExaBGP does (two sources).
    if (type < previous || type < 1 || type > (v6 ? FlowType.FLOW_LABEL : FlowType.FRAGMENT)) {
      throw invalid(`component type ${type} after ${previous}`);
    }
    previous = type;
    let c: FlowComponent;
    if (type === FlowType.DESTINATION || type === FlowType.SOURCE) [c, i] = readPrefix(type, v6, b, i, end);
    else [c, i] = readTerms(type, b, i, end);
    out.push(c);
  }
  return out;
}

function decodeFlow(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): Nlri[] {
  const addPath = ctx.addPath.has(family);
  const v6 = familyAfi(family) === 2;
  const vpn = familySafi(family) === SAFI["flow-vpn"];
  const out: Nlri[] = [];
  let i = 0;
  while (i < bytes.length) {
    let pathId: number | undefined;
    if (addPath) {
      if (i + 4 > bytes.length) throw invalid("truncated path identifier");
      pathId = readPathId(bytes, i);
      i += 4;
    }
    if (i >= bytes.length) throw invalid("an NLRI without its length");
    let length = bytes[i++];
    if ((length & 0xf0) === 0xf0) {
      if (i >= bytes.length) throw invalid("a two-octet length cut short");
      length = ((length & 0x0f) << 8) | bytes[i++];
    }
    const end = i + length;
    if (end > bytes.length) {
      throw invalid(`NLRI length ${length} overruns the attribute`);
    }
    let rd: Uint8Array | undefined;
    if (vpn) {
      if (length < RD_LENGTH) throw invalid("flow-vpn NLRI shorter than its route distinguisher");
      rd = bytes.slice(i, i + RD_LENGTH);
      i += RD_LENGTH;
    }
    const components = readComponents(v6, bytes, i, end);
    const n: { -readonly [K in keyof FlowNlri]: FlowNlri[K] } = { kind: "flow", family, components };
    if (rd) n.rd = rd;
    if (pathId !== undefined) n.pathId = pathId;
    out.push(n);
    i = end;
  }
  return out;
}

export const flowCodec: NlriCodec = { decode: decodeFlow, wireLength: flowWireLength, write: writeFlow };

/** The families `flowCodec` serves. */
export const FLOW_FAMILIES: readonly FamilyKey[] = [
  familyKey(1, SAFI.flow),
  familyKey(2, SAFI.flow),
  familyKey(1, SAFI["flow-vpn"]),
  familyKey(2, SAFI["flow-vpn"]),
];

export function isFlowFamily(family: FamilyKey): boolean {
  const safi = familySafi(family);
  return safi === SAFI.flow || safi === SAFI["flow-vpn"];
}
