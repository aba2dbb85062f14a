/**
 * BGP-MUP NLRI (SAFI 85, draft-mpmz-bess-mup-safi §3.1) for IPv4 and IPv6: architecture type (1 octet),
 * route type (2 octets), length (1 octet), route-type specific value. The NLRI is kept as its wire bytes
 * (MupNlri); the 3gpp-5g routes (architecture 1) are parsed here to check them and to show them:
 *   1 Interwork Segment Discovery (§3.1.1): RD, prefix length, prefix
 *   2 Direct Segment Discovery    (§3.1.2): RD, address
 *   3 Type 1 Session Transformed  (§3.1.3): RD, prefix length, prefix, TEID (4), QFI (1),
 *                                           endpoint length, endpoint, [source length, source]
 *   4 Type 2 Session Transformed  (§3.1.4): RD, endpoint length (address + TEID bits), endpoint, TEID
 * Other architectures and route types are kept and re-sent verbatim, shown raw (ExaBGP's GenericMUP).
 */
import { familyAfi, type FamilyKey, familyKey } from "../family.ts";
import { bytesToIp, ipToBytes } from "../ip.ts";
import type { MupNlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { RD_LENGTH, rdToString } from "../qualifier/rd.ts";
import { hexUpper } from "./evpn.ts";
import { framedNlriCodec } from "./wire.ts";
import { readU32 } from "../attribute/value.ts";

export const IPV4_MUP: FamilyKey = familyKey(1, 85);
export const IPV6_MUP: FamilyKey = familyKey(2, 85);
export const MUP_FAMILIES: readonly FamilyKey[] = [IPV4_MUP, IPV6_MUP];

/** draft-mpmz-bess-mup-safi §3.1: architecture type 1 is 3gpp-5g. */
export const ARCH_3GPP_5G = 1;
export const MupRouteType = { ISD: 1, DSD: 2, T1ST: 3, T2ST: 4 } as const;

/** Architecture (1) + route type (2) + length (1). */
const HEADER = 4;
/** The value starts with the RD: its end, where each route type's own fields begin. */
const FIELDS = HEADER + RD_LENGTH;

export type MupFields =
  | { readonly type: 1; readonly rd: Uint8Array; readonly prefix: string; readonly length: number }
  | { readonly type: 2; readonly rd: Uint8Array; readonly address: string }
  | {
    readonly type: 3;
    readonly rd: Uint8Array;
    readonly prefix: string;
    readonly length: number;
    readonly teid: number;
    readonly qfi: number;
    readonly endpoint: string;
    readonly source?: string;
  }
  | {
    readonly type: 4;
    readonly rd: Uint8Array;
    readonly endpoint: string;
    /** Number of TEID bits after the address (0..32); the endpoint length is address bits + this. */
    readonly teidBits: number;
    readonly teid: number;
  };

/**
 * The next hop MP_REACH_NLRI carries for a MUP route: ExaBGP sends the IPv4 next hop of an IPv6 MUP route as
 * an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2; encoding/conf-srv6-mup.msg), other families keep theirs.
 */
export function mupNextHop(family: FamilyKey, address: string): string {
  return family === IPV6_MUP && !address.includes(":") ? `::ffff:${address}` : address;
}

function addressSize(family: FamilyKey): number {
  return familyAfi(family) === 2 ? 16 : 4;
}

// ---------------------------------------------------------------------------------------------------------
// Building

/** The significant octets of a prefix of `length` bits. */
function prefixOctets(address: string, length: number): Uint8Array {
  const full = ipToBytes(address);
  const out = full.slice(0, (length + 7) >> 3);
  // Host bits beyond the length are cleared, as a prefix is sent (RFC 4271 §4.3).
  if (length & 7) out[out.length - 1] &= 0xff << (8 - (length & 7));
  return out;
}

function u32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** The 3gpp-5g route of these fields for `family` (IPV4_MUP or IPV6_MUP). */
export function mupNlri(family: FamilyKey, f: MupFields, pathId?: number): MupNlri {
  const parts: (Uint8Array | number[])[] = [f.rd];
  switch (f.type) {
    case MupRouteType.ISD:
      parts.push([f.length], prefixOctets(f.prefix, f.length));
      break;
    case MupRouteType.DSD:
      parts.push(ipToBytes(f.address));
      break;
    case MupRouteType.T1ST: {
      const endpoint = ipToBytes(f.endpoint);
      parts.push(
        [f.length],
        prefixOctets(f.prefix, f.length),
        u32(f.teid),
        [f.qfi, endpoint.length * 8],
        endpoint,
      );
      if (f.source !== undefined) {
        const source = ipToBytes(f.source);
        parts.push([source.length * 8], source);
      }
      break;
    }
    case MupRouteType.T2ST: {
      const endpoint = ipToBytes(f.endpoint);
      // The TEID's low `teidBits` bits, right-aligned in ceil(teidBits/8) octets (ExaBGP's t2st.py).
      const teidOctets = (f.teidBits + 7) >> 3;
      parts.push([endpoint.length * 8 + f.teidBits], endpoint, u32(f.teid).slice(4 - teidOctets));
      break;
    }
  }
  const length = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(HEADER + length);
  bytes[0] = ARCH_3GPP_5G;
  bytes[1] = 0;
  bytes[2] = f.type;
  bytes[3] = length;
  let i = HEADER;
  for (const p of parts) {
    bytes.set(p, i);
    i += p.length;
  }
  return pathId === undefined ? { kind: "mup", family, bytes } : { kind: "mup", family, bytes, pathId };
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/** A prefix of `length` bits at `i`, padded to a full address. */
function prefixAt(b: Uint8Array, i: number, length: number, size: number): string {
  const full = new Uint8Array(size);
  full.set(b.subarray(i, i + ((length + 7) >> 3)));
  return bytesToIp(full, 0, size);
}

type Reader = (b: Uint8Array, size: number) => MupFields | string;

/** Per route type: the fields, or why the value is malformed (`b` is the whole NLRI, header included). */
const READERS: Readonly<Record<number, Reader>> = {
  [MupRouteType.ISD]: (b, size) => {
    const length = b[FIELDS];
    if (length > size * 8) return `isd prefix of ${length} bits`;
    if (b.length !== FIELDS + 1 + ((length + 7) >> 3)) return `isd of ${b.length - HEADER} octets`;
    return { type: 1, rd: b.subarray(HEADER, FIELDS), length, prefix: prefixAt(b, FIELDS + 1, length, size) };
  },
  [MupRouteType.DSD]: (b, size) => {
    if (b.length !== FIELDS + size) return `dsd of ${b.length - HEADER} octets`;
    return { type: 2, rd: b.subarray(HEADER, FIELDS), address: bytesToIp(b, FIELDS, size) };
  },
  [MupRouteType.T1ST]: (b, size) => {
    const length = b[FIELDS];
    if (length > size * 8) return `t1st prefix of ${length} bits`;
    let i = FIELDS + 1 + ((length + 7) >> 3);
    if (i + 6 > b.length) return "t1st truncated";
    const teid = readU32(b, i), qfi = b[i + 4], endpointBits = b[i + 5];
    i += 6;
    if ((endpointBits !== 32 && endpointBits !== 128) || i + endpointBits / 8 > b.length) {
      return `t1st endpoint of ${endpointBits} bits`;
    }
    const endpoint = bytesToIp(b, i, endpointBits / 8);
    i += endpointBits / 8;
    const rd = b.subarray(HEADER, FIELDS), prefix = prefixAt(b, FIELDS + 1, length, size);
    if (i === b.length) return { type: 3, rd, prefix, length, teid, qfi, endpoint };
    const sourceBits = b[i];
    if ((sourceBits !== 32 && sourceBits !== 128) || i + 1 + sourceBits / 8 !== b.length) {
      return `t1st source of ${sourceBits} bits`;
    }
    return { type: 3, rd, prefix, length, teid, qfi, endpoint, source: bytesToIp(b, i + 1, sourceBits / 8) };
  },
  [MupRouteType.T2ST]: (b, size) => {
    const teidBits = b[FIELDS] - size * 8;
    if (teidBits < 0 || teidBits > 32) return `t2st endpoint of ${b[FIELDS]} bits`;
    const at = FIELDS + 1 + size;
    if (b.length !== at + ((teidBits + 7) >> 3)) return `t2st of ${b.length - HEADER} octets`;
    let teid = 0;
    for (let i = at; i < b.length; i++) teid = teid * 256 + b[i];
    return {
      type: 4,
      rd: b.subarray(HEADER, FIELDS),
      endpoint: bytesToIp(b, FIELDS + 1, size),
      teidBits,
      teid,
    };
  },
};

function isKnown(b: Uint8Array): boolean {
  return b[0] === ARCH_3GPP_5G && b[1] === 0 && READERS[b[2]] !== undefined;
}

/** Fields of a 3gpp-5g route, or the reason it is malformed; undefined for other architectures/types. */
function readFields(family: FamilyKey, b: Uint8Array): MupFields | string | undefined {
  if (!isKnown(b)) return undefined;
  if (b.length < FIELDS + 1) return "route shorter than its RD";
  return READERS[b[2]](b, addressSize(family));
}

/** The fields of a 3gpp-5g ISD/DSD/T1ST/T2ST; undefined for other routes or malformed ones. */
export function mupFields(n: MupNlri): MupFields | undefined {
  const f = readFields(n.family, n.bytes);
  return typeof f === "string" ? undefined : f;
}

// ---------------------------------------------------------------------------------------------------------
// Codec

/** Architecture and route type (3 octets), length (1). ExaBGP answers a malformed 3gpp-5g route with 3/10. */
export const mupCodec: NlriCodec = framedNlriCodec("mup", 3, 1, (family, nlri) => {
  const f = readFields(family, nlri);
  return typeof f === "string" ? f : undefined;
});

// ---------------------------------------------------------------------------------------------------------
// Presentation

/** ExaBGP's class names (nlri/mup/*.py), shown as "name" in JSON. */
const NAMES: Readonly<Record<number, string>> = {
  1: "InterworkSegmentDiscoveryRoute",
  2: "DirectSegmentDiscoveryRoute",
  3: "Type1SessionTransformedRoute",
  4: "Type2SessionTransformedRoute",
};

/** The grammar keyword of each route type (configuration/static/mpls.py). */
export const MUP_KEYWORDS: Readonly<Record<number, string>> = {
  1: "mup-isd",
  2: "mup-dsd",
  3: "mup-t1st",
  4: "mup-t2st",
};

/** ExaBGP's JSON (nlri/mup/*.py): name, arch, code, the route's fields, rd, raw (the whole NLRI in hex). */
export function mupJson(n: MupNlri): string {
  const b = n.bytes;
  const raw = hexUpper(b);
  const f = mupFields(n);
  const head = `"arch": ${b[0]}, "code": ${(b[1] << 8) | b[2]}`;
  if (f === undefined) return `{ ${head}, "raw": "${raw}" }`;
  const rd = `"rd": "${rdToString(f.rd)}"`;
  const name = `"name": "${NAMES[f.type]}", ${head}`;
  switch (f.type) {
    case 1:
      return `{ ${name}, "prefix_ip_len": ${f.length}, "prefix_ip": "${f.prefix}", ${rd}, "raw": "${raw}" }`;
    case 2:
      return `{ ${name}, "ip": "${f.address}", ${rd}, "raw": "${raw}" }`;
    case 3: {
      const source = f.source === undefined
        ? ""
        : `, "source_ip_len": ${f.source.includes(":") ? 128 : 32}, "source_ip": "${f.source}"`;
      return `{ ${name}, "prefix_ip_len": ${f.length}, "prefix_ip": "${f.prefix}", "teid": "${f.teid}", "qfi": "${f.qfi}", ${rd}, "endpoint_ip_len": ${
        f.endpoint.includes(":") ? 128 : 32
      }, "endpoint_ip": "${f.endpoint}"${source}, "raw": "${raw}" }`;
    }
    case 4:
      return `{ ${name}, "endpoint_len": ${
        b[FIELDS]
      }, "endpoint_ip": "${f.endpoint}", ${rd}, "teid": "${f.teid}", "raw": "${raw}" }`;
  }
}

/** The text API form, as the grammar reads it back: `mup-t2st 10.0.0.1 rd 100:100 teid 12345/32`. */
export function mupToString(n: MupNlri): string {
  const f = mupFields(n);
  if (f === undefined) return `mup 0x${hexUpper(n.bytes)}`;
  const kw = MUP_KEYWORDS[f.type], rd = rdToString(f.rd);
  switch (f.type) {
    case 1:
      return `${kw} ${f.prefix}/${f.length} rd ${rd}`;
    case 2:
      return `${kw} ${f.address} rd ${rd}`;
    case 3: {
      const source = f.source === undefined ? "" : ` source ${f.source}`;
      return `${kw} ${f.prefix}/${f.length} rd ${rd} teid ${f.teid} qfi ${f.qfi} endpoint ${f.endpoint}${source}`;
    }
    case 4:
      return `${kw} ${f.endpoint} rd ${rd} teid ${f.teid}/${f.teidBits}`;
  }
}
