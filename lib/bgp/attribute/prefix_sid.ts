/**
 * BGP Prefix-SID attribute (type 40, optional transitive; RFC 8669 §3): a list of TLVs, each type (1),
 * length (2), value.
 *   1  Label-Index (RFC 8669 §3.1): reserved (1), flags (2), label index (4)
 *   3  Originator SRGB (RFC 8669 §3.2): flags (2), then (base (3), range (3)) per SRGB
 *   5  SRv6 L3 Service, 6 SRv6 L2 Service (RFC 9252 §2): reserved (1), then sub-TLVs; sub-TLV 1, SRv6 SID
 *      Information (§3.1): reserved (1), SID (16), flags (1), endpoint behavior (2), reserved (1), then
 *      sub-sub-TLVs; sub-sub-TLV 1, SID Structure (§3.2.1): LBL, LNL, FL, AL, transposition length, offset
 * Carried as a generic attribute (re-sent verbatim, like PMSI): these functions build it, read it and show it
 * as ExaBGP does (attribute/sr/*.py).
 */
import type { Attribute } from "../types.ts";
import { bytesToIp, ipToBytes } from "../ip.ts";
import { concatBytes } from "../bytes.ts";

export const PREFIX_SID = 40;
/** Optional | transitive (RFC 8669 §3). */
export const PREFIX_SID_FLAGS = 0xc0;

export const PrefixSidTlvType = {
  LABEL_INDEX: 1,
  ORIGINATOR_SRGB: 3,
  SRV6_L3_SERVICE: 5,
  SRV6_L2_SERVICE: 6,
} as const;

/** ExaBGP's default endpoint behavior when none is written (configuration/static/parser.py). */
export const OPAQUE_BEHAVIOR = 0xffff;

/** RFC 9252 §3.2.1 SID Structure: locator block, locator node, function, argument lengths; transposition. */
export type SidStructure = readonly [
  lbl: number,
  lnl: number,
  fl: number,
  al: number,
  tposeLength: number,
  tposeOffset: number,
];

export interface Srv6Service {
  readonly sid: string;
  readonly flags: number;
  readonly behavior: number;
  readonly structure?: SidStructure;
}

/** RFC 9252 §2: SRv6 L3 (5) or L2 (6) Service TLV. */
export interface Srv6ServiceTlv {
  readonly type: 5 | 6;
  readonly services: readonly Srv6Service[];
}

export type PrefixSidTlv =
  | { readonly type: 1; readonly labelIndex: number; readonly flags: number }
  | { readonly type: 3; readonly flags: number; readonly srgbs: readonly (readonly [number, number])[] }
  | Srv6ServiceTlv
  | { readonly type: number; readonly raw: Uint8Array };

/** Type (1), length (2), value. */
function tlv(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + value.length);
  out[0] = type;
  out[1] = value.length >>> 8;
  out[2] = value.length & 0xff;
  out.set(value, 3);
  return out;
}

/** RFC 9252 §3.1 SRv6 SID Information sub-TLV, with the §3.2.1 structure sub-sub-TLV when given. */
function encodeService(s: Srv6Service): Uint8Array {
  const sub = s.structure === undefined ? new Uint8Array(0) : tlv(1, Uint8Array.from(s.structure));
  const v = new Uint8Array(21 + sub.length);
  v.set(ipToBytes(s.sid), 1);
  v[17] = s.flags;
  v[18] = s.behavior >>> 8;
  v[19] = s.behavior & 0xff;
  v.set(sub, 21);
  return tlv(1, v);
}

const ENCODERS: Readonly<Record<number, (t: PrefixSidTlv) => Uint8Array>> = {
  1: (t) => {
    const { labelIndex, flags } = t as Extract<PrefixSidTlv, { type: 1 }>;
    const v = new Uint8Array(7);
    const dv = new DataView(v.buffer);
    dv.setUint16(1, flags);
    dv.setUint32(3, labelIndex);
    return v;
  },
  3: (t) => {
    const { flags, srgbs } = t as Extract<PrefixSidTlv, { type: 3 }>;
    const v = new Uint8Array(2 + 6 * srgbs.length);
    v[0] = flags >>> 8;
    v[1] = flags & 0xff;
    srgbs.forEach(([base, range], k) => {
      const i = 2 + 6 * k;
      v.set(
        [base >>> 16, (base >>> 8) & 0xff, base & 0xff, range >>> 16, (range >>> 8) & 0xff, range & 0xff],
        i,
      );
    });
    return v;
  },
  5: encodeServices,
  6: encodeServices,
};

/** RFC 9252 §2: a reserved octet, then one SID Information sub-TLV per service. */
function encodeServices(t: PrefixSidTlv): Uint8Array {
  return concatBytes([new Uint8Array(1), ...(t as Srv6ServiceTlv).services.map(encodeService)]);
}

/** The attribute value of these TLVs, in the order given. */
export function encodePrefixSid(tlvs: readonly PrefixSidTlv[]): Uint8Array {
  return concatBytes(tlvs.map((t) => tlv(t.type, "raw" in t ? t.raw : ENCODERS[t.type](t))));
}

/** The attribute (generic, type 40) of these TLVs. */
export function prefixSidAttribute(tlvs: readonly PrefixSidTlv[]): Attribute {
  return { code: PREFIX_SID, kind: "generic", flags: PREFIX_SID_FLAGS, value: encodePrefixSid(tlvs) };
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/** The TLVs of `v` at `start..end` as [type, value] pairs; undefined when one overruns. */
function tlvs(v: Uint8Array, start: number, end: number): [number, Uint8Array][] | undefined {
  const out: [number, Uint8Array][] = [];
  for (let i = start; i < end;) {
    if (i + 3 > end) return undefined;
    const length = (v[i + 1] << 8) | v[i + 2];
    if (i + 3 + length > end) return undefined;
    out.push([v[i], v.subarray(i + 3, i + 3 + length)]);
    i += 3 + length;
  }
  return out;
}

function decodeService(v: Uint8Array): Srv6Service | undefined {
  if (v.length < 21) return undefined;
  const s = { sid: bytesToIp(v, 1, 16), flags: v[17], behavior: (v[18] << 8) | v[19] };
  const subs = tlvs(v, 21, v.length);
  if (subs === undefined) return undefined;
  const structure = subs.find(([type, value]) => type === 1 && value.length === 6);
  if (structure === undefined) return s;
  const b = structure[1];
  return { ...s, structure: [b[0], b[1], b[2], b[3], b[4], b[5]] };
}

const DECODERS: Readonly<Record<number, (v: Uint8Array) => PrefixSidTlv | undefined>> = {
  1: (v) =>
    v.length === 7
      ? { type: 1, flags: (v[1] << 8) | v[2], labelIndex: new DataView(v.buffer, v.byteOffset).getUint32(3) }
      : undefined,
  3: (v) => {
    if (v.length < 2 || (v.length - 2) % 6) return undefined;
    const srgbs: [number, number][] = [];
    for (let i = 2; i < v.length; i += 6) {
      srgbs.push([(v[i] << 16) | (v[i + 1] << 8) | v[i + 2], (v[i + 3] << 16) | (v[i + 4] << 8) | v[i + 5]]);
    }
    return { type: 3, flags: (v[0] << 8) | v[1], srgbs };
  },
  5: (v) => decodeServices(5, v),
  6: (v) => decodeServices(6, v),
};

function decodeServices(type: 5 | 6, v: Uint8Array): PrefixSidTlv | undefined {
  const subs = v.length < 1 ? undefined : tlvs(v, 1, v.length);
  if (subs === undefined) return undefined;
  const services: Srv6Service[] = [];
  for (const [t, value] of subs) {
    if (t !== 1) continue; // RFC 9252 §3: unknown sub-TLVs are ignored
    const s = decodeService(value);
    if (s === undefined) return undefined;
    services.push(s);
  }
  return { type, services };
}

/** The TLVs of a Prefix-SID value; undefined when malformed (RFC 8669 §6: the attribute is then discarded). */
export function decodePrefixSid(v: Uint8Array): PrefixSidTlv[] | undefined {
  const list = tlvs(v, 0, v.length);
  if (list === undefined) return undefined;
  const out: PrefixSidTlv[] = [];
  for (const [type, value] of list) {
    const decode = DECODERS[type];
    const t = decode === undefined ? { type, raw: value.slice() } : decode(value);
    if (t === undefined) return undefined;
    out.push(t);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Presentation

function hex(v: number, width: number): string {
  return "0x" + v.toString(16).padStart(width, "0");
}

function serviceJson(s: Srv6Service): string {
  const structure = s.structure === undefined
    ? ""
    : `, "structure": { "locator-block-length": ${s.structure[0]}, "locator-node-length": ${
      s.structure[1]
    }, "function-length": ${s.structure[2]}, "argument-length": ${s.structure[3]}, "transposition-length": ${
      s.structure[4]
    }, "transposition-offset": ${s.structure[5]} }`;
  return `{ "sid": "${s.sid}", "flags": ${s.flags}, "behavior": "${hex(s.behavior, 2)}"${structure} }`;
}

const TLV_JSON: Readonly<Record<number, (t: PrefixSidTlv) => string>> = {
  1: (t) => `"sr-label-index": ${(t as Extract<PrefixSidTlv, { type: 1 }>).labelIndex}`,
  3: (t) =>
    `"sr-srgbs": [ ${
      (t as Extract<PrefixSidTlv, { type: 3 }>).srgbs.map(([b, r]) => `[ ${b}, ${r} ]`).join(", ")
    } ]`,
  5: (t) => `"l3-service": [ ${(t as Srv6ServiceTlv).services.map(serviceJson).join(", ")} ]`,
  6: (t) => `"l2-service": [ ${(t as Srv6ServiceTlv).services.map(serviceJson).join(", ")} ]`,
};

/** The JSON member for an attribute of type 40 (`"bgp-prefix-sid": { … }`); undefined when malformed. */
export function prefixSidJson(value: Uint8Array): string | undefined {
  const list = decodePrefixSid(value);
  if (list === undefined) return undefined;
  const members = list.map((t) => {
    const f = TLV_JSON[t.type];
    return f === undefined || "raw" in t
      ? `"tlv-${t.type}": "${hexBytes((t as { raw: Uint8Array }).raw)}"`
      : f(t);
  });
  return `"bgp-prefix-sid": { ${members.join(", ")} }`;
}

function hexBytes(b: Uint8Array | undefined): string {
  let s = "0x";
  for (const x of b ?? []) s += (x < 16 ? "0" : "") + x.toString(16).toUpperCase();
  return s;
}

function serviceText(kind: string, s: Srv6Service): string {
  const behavior = s.behavior === OPAQUE_BEHAVIOR && s.structure === undefined
    ? ""
    : ` ${hex(s.behavior, 2)}`;
  const structure = s.structure === undefined ? "" : ` [${s.structure.join(",")}]`;
  return `bgp-prefix-sid-srv6 ( ${kind} ${s.sid}${behavior}${structure} )`;
}

/**
 * The route-grammar text of a Prefix-SID value (lib/config/mup.ts reads it back):
 * `bgp-prefix-sid [ 300, [ ( 800000,4096 ) ] ]` or `bgp-prefix-sid-srv6 ( l3-service SID 0x48 [64,24,16,0,0,0] )`;
 * undefined when malformed or not expressible in the grammar.
 */
export function prefixSidToString(value: Uint8Array): string | undefined {
  const list = decodePrefixSid(value);
  if (list === undefined) return undefined;
  const index = list.find((t) => t.type === 1) as Extract<PrefixSidTlv, { type: 1 }> | undefined;
  const srgb = list.find((t) => t.type === 3) as Extract<PrefixSidTlv, { type: 3 }> | undefined;
  const parts: string[] = [];
  if (index !== undefined) {
    const ranges = srgb === undefined
      ? ""
      : `, [ ${srgb.srgbs.map(([b, r]) => `( ${b},${r} )`).join(", ")} ]`;
    parts.push(`bgp-prefix-sid [ ${index.labelIndex}${ranges} ]`);
  }
  for (const t of list) {
    if (t.type !== 5 && t.type !== 6) continue;
    const kind = t.type === 5 ? "l3-service" : "l2-service";
    for (const s of (t as Srv6ServiceTlv).services) parts.push(serviceText(kind, s));
  }
  return parts.length ? parts.join(" ") : undefined;
}
