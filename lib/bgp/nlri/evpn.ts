/**
 * EVPN NLRI (AFI 25 SAFI 70, RFC 7432 §7): route type (1 octet), length (1 octet), route-type specific value.
 * The NLRI is kept as its wire bytes (L2Nlri) and decoded here only to be shown; types 1–5 are parsed
 * (RFC 7432 §7.1–7.4, RFC 9136 §3 for type 5), any other type is shown raw and re-sent verbatim.
 * The type-length framing is shared with MCAST-VPN (RFC 6514 §4), VPLS and MUP: `framedNlriCodec` (wire.ts).
 */
import { readU32 } from "../attribute/value.ts";
import { type FamilyKey, familyKey } from "../family.ts";
import { bytesToIp } from "../ip.ts";
import type { L2Nlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { rdToString } from "../qualifier/rd.ts";
import { framedNlriCodec } from "./wire.ts";

export const L2VPN_EVPN: FamilyKey = familyKey(25, 70);

export const evpnCodec: NlriCodec = framedNlriCodec("evpn", 1, 1);

// ---------------------------------------------------------------------------------------------------------
// Presentation (ExaBGP's nlri/evpn/*.py JSON)

export function hexUpper(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return s.toUpperCase();
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

/** RD, ESI and Ethernet Tag: how route types 1, 2 and 5 start. */
function rdEsiTag(v: Uint8Array): string {
  return `"rd": "${rdToString(v, 2)}", "esi": "${esiText(v, 10)}", "ethernet-tag": ${readU32(v, 20)}`;
}

/** RFC 7432 §7.1: RD, ESI, Ethernet Tag, MPLS label. */
const ethernetAd: EvpnParser = (v, len) =>
  len !== 25 ? undefined : `${rdEsiTag(v)}, "label": ${labelJson(v, 24)}`;

/** RFC 7432 §7.2: RD, ESI, Ethernet Tag, MAC length + MAC, IP length + IP, label 1 [, label 2]. */
const macIp: EvpnParser = (v, len) => {
  if (len < 33) return undefined;
  const ipBits = v[31];
  const ipEnd = 32 + (ipBits >>> 3);
  if (ipEnd + 3 > 2 + len || (ipBits !== 0 && ipBits !== 32 && ipBits !== 128)) return undefined;
  const ip = ipField(v, 32, ipBits);
  return `${rdEsiTag(v)}, "mac": "${macText(v, 25)}", "label": ${labelJson(v, ipEnd)}${
    ip ? `, "ip": "${ip}"` : ""
  }`;
};

/** RFC 7432 §7.3: RD, Ethernet Tag, IP length + originating router's IP. */
const inclusiveMulticast: EvpnParser = (v, len) => {
  const bits = v[14];
  if (len !== 13 + (bits >>> 3) || (bits !== 32 && bits !== 128)) return undefined;
  return `"rd": "${rdToString(v, 2)}", "ethernet-tag": ${readU32(v, 10)}, "ip": "${ipField(v, 15, bits)}"`;
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
  const label = labelJson(v, 25 + 2 * size);
  return `${rdEsiTag(v)}, "label": ${label}, "ip": "${prefix}", "iplen": ${v[24]}, "gateway": "${gateway}"`;
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
