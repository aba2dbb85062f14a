/**
 * Address families (RFC 4760 AFI/SAFI): numbers, names as ExaBGP writes them, and a compact key.
 * The key `afi << 8 | safi` is a small integer, cheap to use as a Map key on hot paths.
 */
export const AFI = { ipv4: 1, ipv6: 2, l2vpn: 25, "bgp-ls": 16388 } as const;
export const SAFI = {
  unicast: 1,
  multicast: 2,
  "nlri-mpls": 4,
  "mcast-vpn": 5,
  vpls: 65,
  evpn: 70,
  "bgp-ls": 71,
  "bgp-ls-vpn": 72,
  "sr-policy": 73,
  mup: 85,
  "mpls-vpn": 128,
  rtc: 132,
  flow: 133,
  "flow-vpn": 134,
} as const;

export type AfiName = keyof typeof AFI;
export type SafiName = keyof typeof SAFI;
/** `afi << 8 | safi`. */
export type FamilyKey = number;

const afiNames = new Map<number, string>(Object.entries(AFI).map(([k, v]) => [v, k]));
const safiNames = new Map<number, string>(Object.entries(SAFI).map(([k, v]) => [v, k]));

export function familyKey(afi: number, safi: number): FamilyKey {
  return (afi << 8) | safi;
}
export function familyAfi(key: FamilyKey): number {
  return key >>> 8;
}
export function familySafi(key: FamilyKey): number {
  return key & 0xff;
}
export function afiName(afi: number): string {
  return afiNames.get(afi) ?? String(afi);
}
export function safiName(safi: number): string {
  return safiNames.get(safi) ?? String(safi);
}
/** "ipv4 unicast", as ExaBGP prints a family. */
export function familyName(key: FamilyKey): string {
  return `${afiName(familyAfi(key))} ${safiName(familySafi(key))}`;
}
/** Parses "ipv4" "unicast" (names or numbers); undefined when unknown. */
export function parseFamily(afi: string, safi: string): FamilyKey | undefined {
  const a = (AFI as Record<string, number>)[afi.toLowerCase()] ?? (/^\d+$/.test(afi) ? Number(afi) : undefined);
  const s = (SAFI as Record<string, number>)[safi.toLowerCase()] ?? (/^\d+$/.test(safi) ? Number(safi) : undefined);
  if (a === undefined || s === undefined) return undefined;
  return familyKey(a, s);
}

export const IPV4_UNICAST: FamilyKey = familyKey(1, 1);
export const IPV6_UNICAST: FamilyKey = familyKey(2, 1);
