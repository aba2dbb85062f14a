/**
 * EVPN NLRI (AFI 25 SAFI 70, RFC 7432 §7): route type (1 octet), length (1 octet), route-type specific value.
 * The NLRI is kept as its wire bytes (L2Nlri) and decoded here only to be shown; types 1–5 are parsed
 * (RFC 7432 §7.1–7.4, RFC 9136 §3 for type 5), any other type is shown raw and re-sent verbatim.
 * The type-length framing is shared with MCAST-VPN (RFC 6514 §4), whose codec uses `typedNlriCodec` too.
 */
import { BgpError } from "../error.ts";
import { type FamilyKey, familyKey } from "../family.ts";
import { bytesToIp } from "../ip.ts";
import type { CodecContext, L2Nlri, Nlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { rdToString } from "../qualifier/rd.ts";

export const L2VPN_EVPN: FamilyKey = familyKey(25, 70);

export function invalidNetwork(reason: string): BgpError {
  return new BgpError(3, 10, new Uint8Array(0), `invalid network field: ${reason}`);
}

function readPathId(bytes: Uint8Array, i: number): number {
  return ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
}

function writePathId(pathId: number, out: Uint8Array, offset: number): number {
  out[offset] = pathId >>> 24;
  out[offset + 1] = (pathId >>> 16) & 0xff;
  out[offset + 2] = (pathId >>> 8) & 0xff;
  out[offset + 3] = pathId & 0xff;
  return offset + 4;
}

/**
 * A codec for NLRI framed as [header][value] where the header ends with the value's length: `lengthSize`
 * octets of length after `typeSize` octets of type (EVPN/MCAST-VPN: 1 + 1; VPLS: 0 + 2, RFC 4761 §3.2.2).
 */
export function framedNlriCodec(kind: L2Nlri["kind"], typeSize: number, lengthSize: 1 | 2): NlriCodec {
  const header = typeSize + lengthSize;
  return {
    decode(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): Nlri[] {
      const addPath = ctx.addPath.has(family);
      const out: Nlri[] = [];
      for (let i = 0; i < bytes.length;) {
        let pathId: number | undefined;
        if (addPath) {
          if (i + 4 > bytes.length) throw invalidNetwork(`${kind}: truncated path identifier`);
          pathId = readPathId(bytes, i);
          i += 4;
        }
        if (i + header > bytes.length) throw invalidNetwork(`${kind}: truncated NLRI header`);
        const at = i + typeSize;
        const length = lengthSize === 1 ? bytes[at] : (bytes[at] << 8) | bytes[at + 1];
        const end = i + header + length;
        if (end > bytes.length) throw invalidNetwork(`${kind}: NLRI of ${length} octets overruns the field`);
        const nlri = bytes.slice(i, end);
        out.push(
          pathId === undefined ? { kind, family, bytes: nlri } : { kind, family, bytes: nlri, pathId },
        );
        i = end;
      }
      return out;
    },
    wireLength: (n, addPath) => (n as L2Nlri).bytes.length + (addPath && n.pathId !== undefined ? 4 : 0),
    write(n, addPath, out, offset) {
      if (addPath && n.pathId !== undefined) offset = writePathId(n.pathId, out, offset);
      const bytes = (n as L2Nlri).bytes;
      out.set(bytes, offset);
      return offset + bytes.length;
    },
  };
}

export const evpnCodec: NlriCodec = framedNlriCodec("evpn", 1, 1);

// ---------------------------------------------------------------------------------------------------------
// Presentation (ExaBGP's nlri/evpn/*.py JSON)

export function hexUpper(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return s.toUpperCase();
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/** ESI (RFC 7432 §5): "-" when all zero, as ExaBGP prints it, else the octets as hex pairs. */
function esiText(b: Uint8Array, i: number): string {
  let zero = true;
  for (let k = i; k < i + 10; k++) if (b[k] !== 0) zero = false;
  if (zero) return "-";
  const parts: string[] = [];
  for (let k = i; k < i + 10; k++) parts.push((b[k] < 16 ? "0" : "") + b[k].toString(16));
  return parts.join(":");
}

function macText(b: Uint8Array, i: number): string {
  const parts: string[] = [];
  for (let k = i; k < i + 6; k++) parts.push(hexUpper(b, k, k + 1));
  return parts.join(":");
}

/** ExaBGP's label JSON: `[value]`, with the raw 3 octets added when the bottom-of-stack bit is set. */
function labelJson(b: Uint8Array, i: number): string {
  const raw = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
  return `[ [${raw >>> 4}${raw & 1 ? `, ${raw}` : ""}] ]`;
}

/** An address field whose length (in bits) precedes it; "" when absent. */
function ipField(b: Uint8Array, i: number, bits: number): string {
  return bits === 0 ? "" : bytesToIp(b, i, bits >>> 3);
}

type EvpnParser = (v: Uint8Array, len: number) => string | undefined;

/** RFC 7432 §7.1: RD, ESI, Ethernet Tag, MPLS label. */
const ethernetAd: EvpnParser = (v, len) =>
  len !== 25
    ? undefined
    : `"rd": "${rdToString(v, 2)}", "esi": "${esiText(v, 10)}", "ethernet-tag": ${u32(v, 20)}, "label": ${
      labelJson(v, 24)
    }`;

/** RFC 7432 §7.2: RD, ESI, Ethernet Tag, MAC length + MAC, IP length + IP, label 1 [, label 2]. */
const macIp: EvpnParser = (v, len) => {
  if (len < 33) return undefined;
  const ipBits = v[31];
  const ipEnd = 32 + (ipBits >>> 3);
  if (ipEnd + 3 > 2 + len || (ipBits !== 0 && ipBits !== 32 && ipBits !== 128)) return undefined;
  const ip = ipField(v, 32, ipBits);
  return `"rd": "${rdToString(v, 2)}", "esi": "${esiText(v, 10)}", "ethernet-tag": ${u32(v, 20)}, "mac": "${
    macText(v, 25)
  }", "label": ${labelJson(v, ipEnd)}${ip ? `, "ip": "${ip}"` : ""}`;
};

/** RFC 7432 §7.3: RD, Ethernet Tag, IP length + originating router's IP. */
const inclusiveMulticast: EvpnParser = (v, len) => {
  const bits = v[14];
  if (len !== 13 + (bits >>> 3) || (bits !== 32 && bits !== 128)) return undefined;
  return `"rd": "${rdToString(v, 2)}", "ethernet-tag": ${u32(v, 10)}, "ip": "${ipField(v, 15, bits)}"`;
};

/** RFC 7432 §7.4: RD, ESI, IP length + originating router's IP. */
const ethernetSegment: EvpnParser = (v, len) => {
  const bits = v[20];
  if (len !== 19 + (bits >>> 3) || (bits !== 32 && bits !== 128)) return undefined;
  return `"rd": "${rdToString(v, 2)}", "esi": "${esiText(v, 10)}", "ip": "${ipField(v, 21, bits)}"`;
};

/** RFC 9136 §3.1: RD, ESI, Ethernet Tag, prefix length, prefix, gateway, label (34 or 58 octets). */
const ipPrefix: EvpnParser = (v, len) => {
  if (len !== 34 && len !== 58) return undefined;
  const size = len === 34 ? 4 : 16;
  const prefix = bytesToIp(v, 25, size), gateway = bytesToIp(v, 25 + size, size);
  return `"rd": "${rdToString(v, 2)}", "esi": "${esiText(v, 10)}", "ethernet-tag": ${u32(v, 20)}, "label": ${
    labelJson(v, 25 + 2 * size)
  }, "ip": "${prefix}", "iplen": ${v[24]}, "gateway": "${gateway}"`;
};

const EVPN_TYPES: ReadonlyMap<number, { readonly name: string; readonly parse: EvpnParser }> = new Map([
  [1, { name: "Ethernet Auto-Discovery", parse: ethernetAd }],
  [2, { name: "MAC/IP advertisement", parse: macIp }],
  [3, { name: "Inclusive Multicast Ethernet Tag", parse: inclusiveMulticast }],
  [4, { name: "Ethernet Segment", parse: ethernetSegment }],
  [5, { name: "IP Prefix Advertisement", parse: ipPrefix }],
]);

/** ExaBGP's JSON of one EVPN NLRI: `{ code, parsed, raw, name, rd, esi, ethernet-tag, mac, label, ip }`. */
export function evpnJson(n: L2Nlri): string {
  const v = n.bytes;
  const code = v[0];
  const head = `"code": ${code}, "parsed": `;
  const raw = hexUpper(v);
  const type = EVPN_TYPES.get(code);
  const members = type?.parse(v, v[1]);
  if (type === undefined || members === undefined) return `{ ${head}false, "raw": "${raw}" }`;
  return `{ ${head}true, "raw": "${raw}", "name": "${type.name}", ${members} }`;
}

/** ExaBGP's text form: `evpn:<short name>:0x<value hex>`. */
const SHORT_NAMES: Readonly<Record<number, string>> = {
  1: "ethernetad",
  2: "macadv",
  3: "multicast",
  4: "segment",
  5: "prfxadv",
};
export function evpnToString(n: L2Nlri): string {
  return `evpn:${SHORT_NAMES[n.bytes[0]] ?? "unknown"}:0x${hexUpper(n.bytes, 2).toLowerCase()}`;
}
