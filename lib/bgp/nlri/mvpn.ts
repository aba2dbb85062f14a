/**
 * MCAST-VPN NLRI (SAFI 5, RFC 6514 §4) for IPv4 and IPv6: route type (1 octet), length (1 octet), value.
 * Parsed for display: Source Active A-D (type 5, §4.5) and the C-multicast routes (§4.6) Shared Tree Join
 * (type 6) and Source Tree Join (type 7); other types are shown raw and re-sent verbatim.
 */
import { type FamilyKey, familyKey } from "../family.ts";
import { bytesToIp, ipToBytes } from "../ip.ts";
import type { L2Nlri } from "../types.ts";
import { RD_LENGTH, rdToString } from "../qualifier/rd.ts";
import { hexUpper } from "./evpn.ts";
import { framedNlriCodec } from "./wire.ts";

export const IPV4_MCAST_VPN: FamilyKey = familyKey(1, 5);
export const IPV6_MCAST_VPN: FamilyKey = familyKey(2, 5);
export const MVPN_FAMILIES: readonly FamilyKey[] = [IPV4_MCAST_VPN, IPV6_MCAST_VPN];

export function isMvpnFamily(family: FamilyKey): boolean {
  return (family & 0xff) === 5 && (family >>> 8 === 1 || family >>> 8 === 2);
}

export const mvpnCodec = framedNlriCodec("mvpn", 1, 1);

export const MvpnType = { SOURCE_AD: 5, SHARED_JOIN: 6, SOURCE_JOIN: 7 } as const;

export interface MvpnFields {
  readonly type: 5 | 6 | 7;
  /** 8 raw octets (lib/bgp/qualifier/rd.ts). */
  readonly rd: Uint8Array;
  /** C-multicast routes only (RFC 6514 §4.6). */
  readonly sourceAs?: number;
  /** The multicast source (the RP for a shared-tree join) and group, as text. */
  readonly source: string;
  readonly group: string;
}

/** The NLRI of these fields; the family follows the addresses (IPv4 or IPv6). */
export function mvpnNlri(f: MvpnFields, pathId?: number): L2Nlri {
  const source = ipToBytes(f.source), group = ipToBytes(f.group);
  const asSize = f.type === MvpnType.SOURCE_AD ? 0 : 4;
  const length = RD_LENGTH + asSize + 1 + source.length + 1 + group.length;
  const b = new Uint8Array(2 + length);
  b[0] = f.type;
  b[1] = length;
  b.set(f.rd, 2);
  let i = 2 + RD_LENGTH;
  if (asSize) {
    new DataView(b.buffer).setUint32(i, f.sourceAs ?? 0);
    i += 4;
  }
  b[i++] = source.length * 8;
  b.set(source, i);
  i += source.length;
  b[i++] = group.length * 8;
  b.set(group, i);
  const family = source.length === 4 ? IPV4_MCAST_VPN : IPV6_MCAST_VPN;
  return pathId === undefined
    ? { kind: "mvpn", family, bytes: b }
    : { kind: "mvpn", family, bytes: b, pathId };
}

/** The fields of a type 5/6/7 NLRI; undefined for other types or inconsistent lengths. */
export function mvpnFields(n: L2Nlri): MvpnFields | undefined {
  const b = n.bytes;
  const type = b[0];
  if (type !== 5 && type !== 6 && type !== 7) return undefined;
  let i = 2 + RD_LENGTH;
  let sourceAs: number | undefined;
  if (type !== MvpnType.SOURCE_AD) {
    if (i + 4 > b.length) return undefined;
    sourceAs = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    i += 4;
  }
  const addresses: string[] = [];
  for (let k = 0; k < 2; k++) {
    const size = b[i] >>> 3;
    if ((size !== 4 && size !== 16) || i + 1 + size > b.length) return undefined;
    addresses.push(bytesToIp(b, i + 1, size));
    i += 1 + size;
  }
  if (i !== b.length) return undefined;
  const rd = b.subarray(2, 2 + RD_LENGTH);
  const [source, group] = addresses;
  return sourceAs === undefined ? { type, rd, source, group } : { type, rd, sourceAs, source, group };
}

const NAMES: Readonly<Record<number, string>> = {
  5: "Source Active A-D Route",
  6: "C-Multicast Shared Tree Join route",
  7: "C-Multicast Source Tree Join route",
};
/** ExaBGP's grammar keyword of each type (configuration/static/mpls.py). */
export const MVPN_KEYWORDS: Readonly<Record<number, string>> = {
  5: "source-ad",
  6: "shared-join",
  7: "source-join",
};

/** ExaBGP's JSON (nlri/mvpn/*.py): code, parsed, raw, name, rd, [source-as,] source, group. */
export function mvpnJson(n: L2Nlri): string {
  const raw = hexUpper(n.bytes);
  const f = mvpnFields(n);
  if (f === undefined) return `{ "code": ${n.bytes[0]}, "parsed": false, "raw": "${raw}" }`;
  const as = f.sourceAs === undefined ? "" : `"source-as": "${f.sourceAs}", `;
  return `{ "code": ${f.type}, "parsed": true, "raw": "${raw}", "name": "${NAMES[f.type]}", "rd": "${
    rdToString(f.rd)
  }", ${as}"source": "${f.source}", "group": "${f.group}" }`;
}

/** The text API form, as the grammar reads it back: `shared-join rp … group … rd … source-as …`. */
export function mvpnToString(n: L2Nlri): string {
  const f = mvpnFields(n);
  if (f === undefined) return `mcast-vpn 0x${hexUpper(n.bytes)}`;
  const source = f.type === MvpnType.SHARED_JOIN ? "rp" : "source";
  const as = f.sourceAs === undefined ? "" : ` source-as ${f.sourceAs}`;
  return `${MVPN_KEYWORDS[f.type]} ${source} ${f.source} group ${f.group} rd ${rdToString(f.rd)}${as}`;
}
